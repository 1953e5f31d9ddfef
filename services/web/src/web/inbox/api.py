"""Routes of the inbox (``/posteingang``, its live relay ``/posteingang/live``) and of the
notification preferences (``/einstellungen``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.exceptions import HTTPException

from web.common import ApiDep, CurrentUser, OptionalUser
from web.inbox import service
from web.site.client import ApiError
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter()


@router.get("/posteingang", include_in_schema=False)
async def inbox(
    request: Request, user: CurrentUser, api: ApiDep, cursor: str | None = None, gelesen: str = ""
) -> Response:
    page = await service.inbox(api, user, cursor)
    return render(
        request,
        "inbox/inbox.html",
        {
            "title": "Posteingang",
            "cursor": cursor or "",
            "marked": gelesen,
            "more": f"/posteingang?{urlencode({'cursor': page['next_cursor']})}"
            if page["next_cursor"]
            else None,
            **page,
        },
    )


def _back_to_inbox(form_cursor: object, marked: str) -> RedirectResponse:
    query = {"gelesen": marked}
    if isinstance(form_cursor, str) and form_cursor:
        query["cursor"] = form_cursor
    return RedirectResponse(f"/posteingang?{urlencode(query)}", status_code=303)


@router.post("/posteingang/alle-gelesen", include_in_schema=False)
async def mark_all_read(form: CheckedForm, user: CurrentUser, api: ApiDep) -> Response:
    await service.mark_all_read(api, user)
    return _back_to_inbox(None, "alle")


@router.post("/posteingang/{notification_id}/gelesen", include_in_schema=False)
async def mark_read(
    notification_id: str, form: CheckedForm, user: CurrentUser, api: ApiDep
) -> Response:
    try:
        uuid.UUID(notification_id)
    except ValueError:
        raise HTTPException(404) from None
    await service.mark_read(api, user, notification_id)
    return _back_to_inbox(form.get("cursor"), "eine")


async def _live_feed(
    user: OptionalUser,
    api: ApiDep,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
) -> AsyncIterator[service.LiveFeed]:
    """notifications' stream, open for the length of the response (401 when signed out: a
    script asks here, not a person who could sign in)."""
    if user is None:
        raise HTTPException(401)
    try:
        async with service.live_feed(api, user, last_event_id) as feed:
            yield feed
    except ApiError as exc:
        raise HTTPException(401 if exc.status in (401, 403) else 503) from exc


@router.get("/posteingang/live", response_class=EventSourceResponse, include_in_schema=False)
async def live(
    feed: Annotated[service.LiveFeed, Depends(_live_feed)],
) -> AsyncIterator[ServerSentEvent]:
    async for event in feed.events():
        yield event


# --------------------------------------------------------------------------- preferences


def _preferences_page(
    request: Request,
    prefs: dict[str, object],
    *,
    errors: list[dict[str, object]] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "inbox/preferences.html",
        {
            "title": "Einstellungen",
            "prefs": service.preference_view(prefs),
            "digests": service.DIGESTS,
            "errors": errors or [],
            "saved": saved,
        },
        status_code=status_code,
    )


@router.get("/einstellungen", include_in_schema=False)
async def preferences(
    request: Request, user: CurrentUser, api: ApiDep, gespeichert: str = ""
) -> Response:
    prefs = await service.preferences(api, user)
    return _preferences_page(request, prefs, saved=gespeichert == "1")


@router.post("/einstellungen", include_in_schema=False)
async def save_preferences(
    request: Request, form: CheckedForm, user: CurrentUser, api: ApiDep
) -> Response:
    kinds = [str(kind) for kind in form.getlist("art")]
    body = service.preferences_from_form(form, kinds)
    errors = service.form_errors(body)
    if not errors:
        try:
            await service.save_preferences(api, user, body, str(form.get("version") or ""))
            return RedirectResponse("/einstellungen?gespeichert=1", status_code=303)
        except ApiError as exc:
            if exc.status not in (409, 412, 422):
                raise
            errors = service.refusal_errors(exc)
            if exc.status == 412:
                prefs = await service.preferences(api, user)
                return _preferences_page(request, prefs, errors=errors, status_code=409)
    shown = {**body, "version": form.get("version") or 0}
    return _preferences_page(request, shown, errors=errors, status_code=422)
