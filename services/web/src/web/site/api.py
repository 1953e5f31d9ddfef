"""The addresses the services use for their resources (in e-mails and inbox entries:
``/applications/{id}``, ``/meetings/{id}``) lead to the German pages."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

router = APIRouter()


@router.get("/applications/{application_id}", include_in_schema=False)
async def application_link(application_id: uuid.UUID) -> RedirectResponse:
    return RedirectResponse(f"/antraege/{application_id}", status_code=301)


@router.get("/meetings/{meeting_id}", include_in_schema=False)
async def meeting_link(meeting_id: uuid.UUID) -> RedirectResponse:
    return RedirectResponse(f"/veranstaltungen/{meeting_id}", status_code=301)
