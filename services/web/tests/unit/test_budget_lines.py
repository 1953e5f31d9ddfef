"""Budget lines added and removed without JavaScript: the remove button names the posted row."""

from __future__ import annotations

from starlette.datastructures import FormData

from web.applications.forms import LINE_PREFIX, ApplicationForm


def posted(*rows: tuple[str, str, str]) -> FormData:
    fields = []
    for n, (category, description, amount) in enumerate(rows):
        fields += [
            (f"{LINE_PREFIX}-{n}-category", category),
            (f"{LINE_PREFIX}-{n}-description", description),
            (f"{LINE_PREFIX}-{n}-amount", amount),
        ]
    return FormData(fields)


def test_removing_a_line_after_an_empty_one_removes_that_line() -> None:
    form = ApplicationForm.read(
        posted(("", "", ""), ("fees", "Honorar", "100"), ("travel", "Bus", "50"))
    )
    assert [line["description"] for line in form.lines] == ["Honorar", "Bus"]
    form.remove_line("2")  # the button of row 2, „Bus“
    assert [line["description"] for line in form.lines] == ["Honorar"]
    form.remove_line("0")  # the empty row is gone already: nothing else is removed
    assert [line["description"] for line in form.lines] == ["Honorar"]
    form.remove_line("x")
    assert len(form.lines) == 1


def test_removing_a_line_of_a_saved_application() -> None:
    form = ApplicationForm.of_application(
        {
            "budget_lines": [
                {"category": "fees", "description": "Honorar", "amount_cents": 10000},
                {"category": "travel", "description": "Bus", "amount_cents": 5000},
            ]
        }
    )
    form.remove_line("0")
    assert [line["description"] for line in form.lines] == ["Bus"]
