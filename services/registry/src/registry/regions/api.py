"""Routes for regions and their network offices: thin, they call ``registry.regions.service``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from registry.regions import service
from registry.regions.schemas import OfficeUpdate, RegionPublic
from schulerfolg.app import SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.etag import IfMatch, set_etag
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(prefix="/regions", tags=["regions"])

Slug = Annotated[
    str, Path(max_length=64, pattern=r"^[a-z0-9-]+$", description="Region slug, e.g. boerde.")
]


@router.get("", response_model=Page[RegionPublic], summary="The 14 regions and their offices")
async def list_regions(
    session: SessionDep,
    page: PageDep,
    kind: Annotated[Literal["district", "city"] | None, Query()] = None,
) -> Page[RegionPublic]:
    """Every region with its network office; readable by anyone."""
    regions, next_cursor = await service.list_regions(session=session, page=page, kind=kind)
    return Page(items=[RegionPublic.of(r) for r in regions], next_cursor=next_cursor)


@router.get(
    "/{slug}",
    response_model=RegionPublic,
    responses=problem_responses(404),
    summary="One region and its office",
)
async def get_region(slug: Slug, session: SessionDep, response: Response) -> RegionPublic:
    """A region by slug; the ETag is its version."""
    region = await service.get_region(session=session, slug=slug)
    set_etag(response, region.version)
    return RegionPublic.of(region)


@router.put(
    "/{slug}/office",
    response_model=RegionPublic,
    responses=problem_responses(401, 403, 404, 412, 422),
    summary="Change the network office's details",
)
async def put_office(
    slug: Slug,
    office: OfficeUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> RegionPublic:
    """For the state coordination and the region's own network office; honours If-Match."""
    region = await service.update_office(
        session=session, principal=principal, slug=slug, office=office, if_match=if_match
    )
    set_etag(response, region.version)
    return RegionPublic.of(region)
