"""What the proof-of-use pages ask offers (with the signed-in person's token)."""

from __future__ import annotations

from typing import Any

from web.applications.forms import version_header
from web.attachments.service import listing
from web.auth.schemas import User
from web.proof_of_use.forms import Errors, page_errors
from web.site.client import Api, ApiError


def path(app_id: str, tail: str = "") -> str:
    return f"/applications/{app_id}/proof-of-use{tail}"


async def application(api: Api, user: User, app_id: str) -> dict[str, Any]:
    return await api.get("offers", f"/applications/{app_id}", token=user.token)  # type: ignore[no-any-return]


async def proof_of_use(api: Api, user: User, app_id: str) -> dict[str, Any]:
    return await api.get("offers", path(app_id), token=user.token)  # type: ignore[no-any-return]


async def receipt_files(api: Api, user: User, app_id: str) -> list[dict[str, Any]] | None:
    """The application's attachments of kind receipt whose file is still there, newest last
    (None when offers does not answer: the page offers none and leaves the check to offers)."""
    found = await listing(api, user, app_id)
    if found is None:
        return None
    return [a for a in found if a.get("kind") == "receipt" and not a.get("erased_at")]


async def attempt(
    api: Api,
    user: User,
    app_id: str,
    steps: list[tuple[str, str, dict[str, Any] | None]],
    version: str | None = None,
) -> tuple[int, Errors] | None:
    """Send the steps (method, tail, body) in order; a refusal as its status and German
    errors beside the fields (None when all were done). The first step carries ``If-Match``."""
    headers = version_header(version) if version and version != "0" else {}
    try:
        for method, tail, body in steps:
            await api.call(
                method, "offers", path(app_id, tail), token=user.token, json=body, headers=headers
            )
            headers = {}
    except ApiError as exc:
        if exc.status in (409, 412, 422):
            return exc.status, page_errors(exc.field_errors, exc.rule, exc.status)
        raise
    return None
