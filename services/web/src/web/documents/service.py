"""The application's documents from offers: the list for the application's page and a PDF to
download (grant notice, rejection letter)."""

from __future__ import annotations

from typing import Any

import httpx

from web.auth.schemas import User
from web.site.client import Api, ApiError, ServiceUnavailable

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


async def download(api: Api, user: User, app_id: str, document_id: str) -> httpx.Response:
    """The PDF from offers (the whole response; a document is some 50 KB)."""
    try:
        response = await api.client("offers").get(
            f"/applications/{app_id}/documents/{document_id}",
            headers={"Authorization": f"Bearer {user.token}", "Accept": "application/pdf"},
        )
    except httpx.HTTPError as exc:
        raise ServiceUnavailable(503, {"title": "unreachable"}, "offers") from exc
    if response.status_code >= 400:
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        raise ApiError(response.status_code, problem if isinstance(problem, dict) else {}, "offers")
    return response
