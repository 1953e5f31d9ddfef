"""``GET /me/data``: what a service holds about the caller, found by the token's ``sub`` and
``email`` (CONTRACT.md, "privacy"). Each service answers for itself; the web page „Meine Daten“
collects every service's answer into one download.

A service supplies a collector returning ``{kind: [records]}``; a record holds the caller's own
data and what it belongs to (ids, titles, dates), never another person's data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.auth import CurrentPrincipal, Principal
from schulerfolg.db import utcnow
from schulerfolg.http.problems import problem_responses

OwnDataCollector = Callable[[AsyncSession, Principal], Awaitable[dict[str, list[dict[str, Any]]]]]


class OwnData(BaseModel):
    """What one service holds about the caller."""

    service: str
    sub: str = Field(description="The caller's token subject the records were found by.")
    email: str | None = Field(description="The caller's e-mail address (token), if any.")
    generated_at: datetime
    data: dict[str, list[dict[str, Any]]] = Field(
        description="Records per kind (e.g. `applications`, `registrations`); empty lists too."
    )


def own_data_router(collect: OwnDataCollector) -> APIRouter:
    """``GET /me/data`` answered by ``collect`` on a read-only unit of work."""
    router = APIRouter(tags=["privacy"])

    @router.get(
        "/me/data",
        response_model=OwnData,
        responses=problem_responses(401),
        summary="What this service holds about me",
    )
    async def own_data(
        request: Request, response: Response, principal: CurrentPrincipal
    ) -> OwnData:
        """Everything the service keeps about the caller (GDPR art. 15), as JSON."""
        runtime: Any = request.app.state.runtime
        async with runtime.db.transaction(readonly=True) as session:
            data = await collect(session, principal)
        response.headers["Cache-Control"] = "no-store"
        return OwnData(
            service=runtime.definition.name,
            sub=principal.sub,
            email=principal.email,
            generated_at=utcnow(),
            data=data,
        )

    return router
