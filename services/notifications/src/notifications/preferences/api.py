"""HTTP routes of the preferences (thin: they call the service functions)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from notifications.preferences import service
from notifications.preferences.schemas import PreferencesPublic, PreferencesUpdate
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.etag import IfMatch, set_etag
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["preferences"])


@router.get(
    "/preferences",
    response_model=PreferencesPublic,
    responses=problem_responses(401),
    summary="My notification preferences",
)
async def get_preferences(
    session: SessionDep, principal: CurrentPrincipal, response: Response
) -> PreferencesPublic:
    """Channels, per-kind opt-outs and the digest; everything on and no digest by default."""
    preference = await service.get_preferences(session=session, principal=principal)
    set_etag(response, preference.version if preference else 0)
    return PreferencesPublic.of(preference)


@router.put(
    "/preferences",
    response_model=PreferencesPublic,
    responses=problem_responses(401, 412, 422),
    summary="Replace my notification preferences",
)
async def put_preferences(
    data: PreferencesUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> PreferencesPublic:
    """Honours If-Match (the ETag of GET)."""
    preference = await service.put_preferences(
        session=session,
        audit_log=runtime.audit,
        principal=principal,
        data=data,
        if_match=if_match,
    )
    set_etag(response, preference.version)
    return PreferencesPublic.of(preference)
