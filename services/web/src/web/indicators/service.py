"""What the indicators page asks planning, and the period a person typed read back."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from schulerfolg.participants import AGE_GROUPS, SEX_LABELS, SEXES
from web.auth.schemas import User
from web.public.schemas import MEETING_KINDS
from web.site.client import Api

SOURCES = {"project": "Projekte", "meeting": "Veranstaltungen"}
# 2026, 2026-Q3, 2026-H1, 2026-01-01..2026-06-30 (as planning reads ``period``)
PERIOD = re.compile(r"^\d{4}(-Q[1-4]|-H[12])?$|^\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}$")
PERIOD_ERROR = (
    "Bitte geben Sie den Zeitraum als Jahr (2026), Quartal (2026-Q3), Halbjahr (2026-H1) oder "
    "als zwei Tage an (2026-01-01..2026-06-30)."
)


def default_period() -> str:
    """The current year."""
    return str(date.today().year)


def read_period(text: str | None) -> str | None:
    """The typed period as planning reads it (``q3`` → ``Q3``), None when it is none."""
    period = (text or "").strip().upper()
    return period if PERIOD.match(period) else None


def table(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cells as rows per sex, each with its age groups' counts in order (None: suppressed)."""
    found = {(c["sex"], c["age_group"]): c for c in cells}
    return [
        {
            "sex": sex,
            "label": SEX_LABELS[sex],
            "cells": [
                found.get((sex, age), {"count": 0, "suppressed": False}) for age in AGE_GROUPS
            ],
        }
        for sex in SEXES
    ]


def group_name(group: dict[str, Any]) -> str:
    """„Fortbildung“ or the fund's name: what a group of figures stems from."""
    if group.get("source") == "meeting":
        kind = str(group.get("meeting_kind") or "")
        return f"Veranstaltungen: {MEETING_KINDS.get(kind, kind or 'ohne Art')}"
    return f"Projekte: {group.get('fund_name') or 'ohne Fonds'}"


async def indicators(
    api: Api, user: User, period: str, region: str | None, *, csv: bool = False
) -> Any:
    accept = "text/csv" if csv else "application/json"
    return await api.get(
        "planning",
        "/indicators",
        token=user.token,
        params={"period": period, "region": region},
        accept=accept,
    )
