"""Small-cell suppression of the published participant figures.

Every figure the answer shows is a count of people. The rules:

1. Primary suppression: a count of 1 to 4 (below ``SUPPRESSED_BELOW``) is not shown (``null``,
   ``suppressed: true``; ``x`` in the CSV). 0 is shown.
2. Complementary suppression: wherever a shown figure is the sum of other shown figures (a
   group's participants and its cells; the programme's total and its figures by sex, by age group,
   per group; the programme's figure for one sex or one age group and the groups' cells that make
   it up; the figures without ESF+ breakdown), and exactly one of those parts is suppressed, the
   smallest other non-zero part is suppressed too — otherwise the hidden part would be the shown
   sum minus the shown parts. Where no other non-zero part is left, the sum itself is suppressed.
   This is repeated until no relation has exactly one suppressed part, since each new suppression
   can leave another relation with exactly one.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

SUPPRESSED_BELOW = 5


class Disclosure:
    """The figures of one answer, the sums that relate them, and which of them are hidden."""

    def __init__(self) -> None:
        self.values: dict[Hashable, int] = {}
        self.sums: list[tuple[Hashable, tuple[Hashable, ...]]] = []

    def add(self, key: Hashable, value: int) -> None:
        """A published figure."""
        self.values[key] = value

    def relate(self, total: Hashable, parts: Sequence[Hashable]) -> None:
        """``total`` is published as the sum of the published figures ``parts``."""
        self.sums.append((total, tuple(parts)))

    def hidden(self) -> set[Hashable]:
        """The figures to suppress (primary, then complementary until nothing changes)."""
        hidden = {key for key, value in self.values.items() if 0 < value < SUPPRESSED_BELOW}
        changed = True
        while changed:
            changed = False
            for total, parts in self.sums:
                if total in hidden or sum(part in hidden for part in parts) != 1:
                    continue
                others = [p for p in parts if p not in hidden and self.values[p] > 0]
                if others:
                    hidden.add(min(others, key=lambda p: self.values[p]))
                else:
                    hidden.add(total)
                changed = True
        return hidden
