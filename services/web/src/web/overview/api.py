"""„Landesübersicht“ for the state coordination (``/landesuebersicht``): the 14 regions with their
open and closed needs surveys and answers, target agreements with their goals reached, on track
and behind, and the ESF+ participants of a chosen period — composed here from planning's lists
(no API of its own). Thin route: the calls are in ``service``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from web.common import ApiDep, CurrentUser
from web.indicators.service import PERIOD_ERROR, default_period, read_period
from web.overview import service
from web.site.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/landesuebersicht")
async def overview_page(
    request: Request, user: CurrentUser, api: ApiDep, zeitraum: str | None = None
) -> Response:
    if not user.has_role("state_coordinator"):
        raise HTTPException(403)
    typed = zeitraum if zeitraum is not None else default_period()
    period = read_period(typed)
    errors = [] if period else [{"field": "zeitraum", "message": PERIOD_ERROR}]
    table, total = await service.overview(api, user, period) if period else ([], {})
    return render(
        request,
        "overview/page.html",
        {
            "title": "Landesübersicht",
            "rows": table,
            "total": total,
            "typed": typed,
            "period": period,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )
