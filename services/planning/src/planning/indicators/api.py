"""HTTP route for the ESF+ indicators (thin: it calls the service)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from planning.indicators import service
from planning.indicators.period import PERIOD_DOC
from planning.indicators.schemas import Indicators
from schulerfolg.app import SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.csv import csv_response, wants_csv
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["indicators"])


@router.get(
    "/indicators",
    response_model=Indicators,
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(401, 403, 422)},
    summary="ESF+ participant figures for a period (JSON or CSV), small counts suppressed",
)
async def indicators(
    session: SessionDep,
    principal: CurrentPrincipal,
    request: Request,
    period: Annotated[str | None, Query(max_length=32, description=PERIOD_DOC)] = None,
    region: Annotated[
        str | None,
        Query(
            max_length=64,
            description="A region slug, or `state` for state-level events (default: all for "
            "the state coordination, the own region for a network office).",
        ),
    ] = None,
    fund_id: Annotated[uuid.UUID | None, Query(description="Only this fund's projects.")] = None,
) -> Indicators | Response:
    """For the state coordination (every region, or one) and network offices (their own): the
    participants of projects (accepted proofs of use, by end date) and events (recorded
    attendance, by day) by sex and age group, per region and fund or event kind, and for the
    whole selection. Counts of 1–4 are suppressed, and so is a second count wherever one
    suppressed count could be recovered from a shown sum. With `Accept: text/csv` one row per
    cell."""
    found = await service.indicators(
        session=session, principal=principal, period=period, region=region, fund_id=fund_id
    )
    if wants_csv(request):
        header, rows = found.csv_rows()
        name = f"esf-teilnehmende-{found.period.start}-{found.period.end}-{found.region or 'alle'}"
        return csv_response(header, rows, filename=f"{name}.csv")
    return found
