"""What the assessment pages ask offers (with the signed-in person's token)."""

from __future__ import annotations

from typing import Any

from web.assessment import forms
from web.auth.schemas import User
from web.site.client import Api, ApiError

CONFLICTS = {
    409: "Bewerten kann die Netzwerkstelle nur eingereichte Anträge; dieser Antrag ist nicht "
    "mehr eingereicht.",
    412: "Der Antrag wurde inzwischen geändert. Bitte prüfen Sie die Angaben und senden Sie die "
    "Bewertung erneut.",
    403: "Bewerten darf nur die Netzwerkstelle der Region des Antrags.",
}


async def application(api: Api, user: User, app_id: str) -> tuple[dict[str, Any], str | None]:
    """The application and its version (ETag)."""
    reply = await api.call("GET", "offers", f"/applications/{app_id}", token=user.token)
    return reply.body, reply.etag


async def fund(api: Api, user: User, fund_id: str) -> dict[str, Any]:
    return await api.get("offers", f"/funds/{fund_id}", token=user.token)  # type: ignore[no-any-return]


async def assessment(api: Api, user: User, app_id: str) -> dict[str, Any] | None:
    """The application's assessment, or None while there is none."""
    try:
        return await api.get(  # type: ignore[no-any-return]
            "offers", f"/applications/{app_id}/assessment", token=user.token
        )
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


async def assess(
    api: Api,
    user: User,
    app: dict[str, Any],
    criteria: list[dict[str, Any]],
    body: dict[str, Any],
    version: str | None,
) -> tuple[int, list[dict[str, Any]]] | None:
    """PUT the assessment; a refusal as its status and German errors (None when done)."""
    headers = {"If-Match": version} if version else {}
    try:
        await api.call(
            "PUT",
            "offers",
            f"/applications/{app['id']}/assessment",
            token=user.token,
            json=body,
            headers=headers,
        )
    except ApiError as exc:
        if exc.status in CONFLICTS:
            return exc.status, [{"field": None, "message": CONFLICTS[exc.status]}]
        if exc.status == 422:
            requested = int(app["requested_cents"])
            return 422, forms.refusal_errors(exc.field_errors, criteria, requested)
        raise
    return None
