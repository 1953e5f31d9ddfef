"""The office's start page ``/aufgaben`` „Was jetzt ansteht“: for network offices (their own
regions) and the state coordination. Thin route: the calls are in ``service``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from web.common import ApiDep, CurrentUser
from web.office import service
from web.site.catalogue import OUTCOMES, STATUS_BADGES, STATUSES
from web.site.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/aufgaben")
async def tasks(request: Request, user: CurrentUser, api: ApiDep) -> Response:
    if not user.is_office:
        raise HTTPException(403)
    found = await service.overview(api, user)
    return render(
        request,
        "office/tasks.html",
        {
            "title": "Was jetzt ansteht",
            "o": found,
            "statuses": STATUSES,
            "badges": STATUS_BADGES,
            "outcomes": OUTCOMES,
            "all_regions": service.office_regions(user) is None,
        },
    )
