"""„Auswertung“: the state coordination's dashboards across the 14 regions (a network office sees
its own region), ``/auswertung`` and the drill-down ``/auswertung/regionen/{slug}``, two periods
chosen in the URL (``?zeitraum=2025&vergleich=2024``), and each chart's data as CSV
(``/auswertung/<name>.csv``). Thin routes: the API calls and the charts are in ``service``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from schulerfolg.http.csv import csv_response
from web.auth.schemas import User
from web.common import ApiDep, CurrentUser
from web.dashboards import service
from web.site.client import Api
from web.site.templates import render

router = APIRouter(include_in_schema=False)


def _office_only(user: User) -> None:
    if not user.is_office:
        raise HTTPException(403)


def _years(zeitraum: str | None, vergleich: str | None) -> tuple[int | None, int | None]:
    first = service.year_of(zeitraum)
    return first, service.year_of(vergleich) if first else None


async def _page(
    request: Request,
    api: Api,
    user: User,
    region: str | None,
    zeitraum: str | None,
    vergleich: str | None,
) -> Response:
    _office_only(user)
    names = await service.region_names(api)
    if region is not None and region not in names:
        raise HTTPException(404)
    year, other_year = _years(zeitraum, vergleich)
    stats = await service.statistics(api, user, region=region, year=year)
    shown = list(stats["filters"]["regions"])
    charts = service.charts(stats, names)
    charts.append(service.schools_chart(await service.school_counts(api, shown), names))
    if year and other_year:
        other = await service.statistics(api, user, region=region, year=other_year)
        charts.append(service.comparison_chart(stats, other, (year, other_year), names))
    query: dict[str, Any] = {"region": region, "zeitraum": year, "vergleich": other_year}
    return render(
        request,
        "dashboards/page.html",
        {
            "title": f"Auswertung: {names[region]}" if region else "Auswertung",
            "region": region,
            "region_names": names,
            "shown": shown,
            "stats": stats,
            "charts": charts,
            "year": year,
            "other_year": other_year,
            "query": {k: v for k, v in query.items() if v},
            "regions_link": not region and len(shown) > 1,
        },
    )


@router.get("/auswertung")
async def dashboard(
    request: Request,
    user: CurrentUser,
    api: ApiDep,
    zeitraum: str | None = None,
    vergleich: str | None = None,
) -> Response:
    return await _page(request, api, user, None, zeitraum, vergleich)


@router.get("/auswertung/regionen/{slug}")
async def region_dashboard(
    request: Request,
    slug: str,
    user: CurrentUser,
    api: ApiDep,
    zeitraum: str | None = None,
    vergleich: str | None = None,
) -> Response:
    return await _page(request, api, user, slug, zeitraum, vergleich)


def _download(text: str, filename: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/auswertung/{name}.csv")
async def dashboard_csv(
    name: str,
    user: CurrentUser,
    api: ApiDep,
    region: str | None = None,
    zeitraum: str | None = None,
    vergleich: str | None = None,
) -> Response:
    """A chart's data for the spreadsheet (``;``, UTF-8 with BOM, German headers)."""
    _office_only(user)
    names = await service.region_names(api)
    if region is not None and region not in names:
        raise HTTPException(404)
    year, other_year = _years(zeitraum, vergleich)
    filename = f"auswertung-{name}-{region or 'alle'}{f'-{year}' if year else ''}.csv"
    if name in service.CSV_GROUPS:
        group = service.CSV_GROUPS[name]
        text = await service.statistics_csv(api, user, group, region=region, year=year)
        return _download(text, filename)
    stats = await service.statistics(api, user, region=region, year=year)
    if name == "schulen":
        counts = await service.school_counts(api, list(stats["filters"]["regions"]))
        header = ["Region", "Mit Schulsozialarbeit", "Ohne Schulsozialarbeit"]
        rows = [[names[c["region"]], c["with"], c["without"]] for c in counts]
        return csv_response(header, rows, filename=filename)
    if name == "vergleich" and year and other_year:
        other = await service.statistics(api, user, region=region, year=other_year)
        header = [
            "Region",
            f"Anträge {year}",
            f"Anträge {other_year}",
            f"Bewilligt {year} (Cent)",
            f"Bewilligt {other_year} (Cent)",
        ]
        rows = service.comparison_csv_rows(stats, other, names)
        return csv_response(header, rows, filename=filename)
    raise HTTPException(404)
