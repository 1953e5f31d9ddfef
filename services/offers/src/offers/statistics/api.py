"""HTTP route for the statistics (JSON, or CSV with ``Accept: text/csv``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from offers.statistics import service
from offers.statistics.schemas import GroupBy, Statistics, csv_table
from schulerfolg.app import SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.csv import csv_response, wants_csv
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["statistics"])


@router.get(
    "/statistics",
    response_model=Statistics,
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(401, 403, 404, 422)},
    summary="Statistics of applications (JSON or CSV)",
)
async def statistics(
    session: SessionDep,
    principal: CurrentPrincipal,
    request: Request,
    region: Annotated[
        str | None,
        Query(max_length=64, description="One region (default: every region the caller sees)."),
    ] = None,
    fund_id: Annotated[
        uuid.UUID | None, Query(description="Only this fund's applications.")
    ] = None,
    start: Annotated[
        date | None,
        Query(alias="from", description="Applications starting (start_date) on or after this day."),
    ] = None,
    end: Annotated[
        date | None,
        Query(alias="to", description="Applications starting on or before this day."),
    ] = None,
    year: Annotated[
        int | None,
        Query(ge=2000, le=2100, description="Shorthand for from=YEAR-01-01&to=YEAR-12-31."),
    ] = None,
    group_by: Annotated[
        GroupBy, Query(description="CSV only: what the rows are (a total row follows).")
    ] = "region",
) -> Statistics | Response:
    """For the state coordination (every region) and the network offices (their regions):
    counts by status, topic, target group and school type; requested and approved money;
    participants planned and reached; approval rate; budget use per fund. An application
    belongs to a period by its start date. With `Accept: text/csv`: one row per region (or
    per `group_by`) and a total row, `;`-separated for spreadsheets."""
    stats = await service.statistics(
        session=session,
        principal=principal,
        region=region,
        fund_id=fund_id,
        period=service.Period.of(start=start, end=end, year=year),
    )
    if wants_csv(request):
        header, rows = csv_table(stats, group_by)
        return csv_response(header, rows, filename=f"statistik-{region or 'alle'}-{group_by}.csv")
    return stats
