"""„Betrieb“: the admins' operations page ``/betrieb`` — e-mail deliveries (filtered by status
in the URL, addresses only hinted at) and the dead letters with their reasons. Thin routes: the
API calls are in ``service``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from web.common import ApiDep, CurrentUser
from web.operations import service
from web.site.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/betrieb")
async def operations(
    request: Request,
    user: CurrentUser,
    api: ApiDep,
    status: str | None = None,
    zustellungen: str | None = None,
    fehler: str | None = None,
) -> Response:
    """``zustellungen`` and ``fehler`` are the two lists' cursors."""
    if not user.has_role("admin"):
        raise HTTPException(403)
    chosen = status if status in service.DELIVERY_STATUSES else None
    return render(
        request,
        "operations/page.html",
        {
            "title": "Betrieb",
            "status": chosen,
            "statuses": service.DELIVERY_STATUSES,
            "deliveries": await service.deliveries(api, user, chosen, zustellungen),
            "dead_letters": await service.dead_letters(api, user, fehler),
        },
    )
