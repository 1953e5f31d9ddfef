"""„ESF+-Indikatoren“ for the network offices (their regions) and the state coordination (all):
``/indikatoren`` with a period chooser, the participants by sex and age group per region, fund and
event kind („x“ for a suppressed cell), and the same as CSV (``/indikatoren.csv``). Thin routes:
the API calls are in ``service``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from schulerfolg.participants import AGE_GROUP_LABELS, AGE_GROUPS
from web.agreements.api import csv_download
from web.auth.schemas import User
from web.common import ApiDep, CurrentUser
from web.indicators import service
from web.registry.service import region_choices, region_names
from web.site.client import Api, ApiError
from web.site.templates import render

router = APIRouter(include_in_schema=False)


async def _chosen(
    api: Api, user: User, region: str | None
) -> tuple[list[tuple[str, str]], str | None]:
    """The regions the person may choose, and the one asked for (None: all they may see)."""
    if not user.is_office:
        raise HTTPException(403)
    choices = await region_choices(api, user, state=True)
    return choices, (region or None)


@router.get("/indikatoren")
async def indicators_page(
    request: Request,
    user: CurrentUser,
    api: ApiDep,
    zeitraum: str | None = None,
    region: str | None = None,
) -> Response:
    choices, region = await _chosen(api, user, region)
    typed = zeitraum if zeitraum is not None else service.default_period()
    period = service.read_period(typed)
    errors = [] if period else [{"field": "zeitraum", "message": service.PERIOD_ERROR}]
    found = None
    if period:
        try:
            found = await service.indicators(api, user, period, region)
        except ApiError as exc:
            if exc.status not in (400, 422):
                raise
            errors = [{"field": "zeitraum", "message": service.PERIOD_ERROR}]
    return render(
        request,
        "indicators/page.html",
        {
            "title": "ESF+-Indikatoren",
            "found": found,
            "typed": typed,
            "period": period,
            "region": region or "",
            "choices": choices,
            "all_regions": user.has_role("state_coordinator"),
            "regions": await region_names(api),
            "errors": errors,
            "ages": [AGE_GROUP_LABELS[a] for a in AGE_GROUPS],
            "table": service.table,
            "group_name": service.group_name,
        },
        status_code=200 if not errors else 422,
    )


@router.get("/indikatoren.csv")
async def indicators_csv(
    user: CurrentUser,
    api: ApiDep,
    zeitraum: str | None = None,
    region: str | None = None,
) -> Response:
    _, region = await _chosen(api, user, region)
    period = service.read_period(zeitraum or service.default_period())
    if period is None:
        raise HTTPException(400)
    text = await service.indicators(api, user, period, region, csv=True)
    return csv_download(str(text), f"esf-indikatoren-{period}-{region or 'alle'}.csv")
