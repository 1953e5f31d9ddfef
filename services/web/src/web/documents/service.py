"""The application's documents from offers: the list for the application's page and a PDF to
download (grant notice, rejection letter)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from web.auth.schemas import User
from web.site.client import Api, ApiError

TITLES = {"grant_notice": "Zuwendungsbescheid", "rejection_letter": "Ablehnungsbescheid"}


async def listing(api: Api, user: User, app_id: str) -> list[dict[str, Any]] | None:
    """The application's documents; None when offers does not answer (the page says so)."""
    try:
        found = await api.get("offers", f"/applications/{app_id}/documents", token=user.token)
    except ApiError as exc:
        if exc.status == 401:
            raise
        return None
    return list(found.get("items", []))


async def download(api: Api, user: User, app_id: str, document_id: str) -> Response:
    """The PDF from offers (some 50 KB), relayed as a download with its German file name."""
    return await api.relay_file(
        "offers",
        f"/applications/{app_id}/documents/{document_id}",
        token=user.token,
        accept="application/pdf",
    )
