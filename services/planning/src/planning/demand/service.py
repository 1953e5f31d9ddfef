"""Topic demand from the needs surveys set against the funded projects (from offers' events)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from planning.common import TOPICS, check_region_filter
from planning.demand.schemas import TopicDemand, TopicRow
from planning.projects import service as projects
from planning.reach import service as reach
from planning.surveys import service as surveys
from schulerfolg.auth import Principal
from schulerfolg.http.problems import Forbidden


async def topic_demand(
    *, session: AsyncSession, principal: Principal, region: str | None
) -> TopicDemand:
    """Per topic: demand from the surveys, funded projects and events, in one region or (for the
    state coordination, region None) in all. A topic appears once it was asked for, funded or
    an event was about it."""
    check_region_filter(region)
    if region is None and not principal.has_role("state_coordinator"):
        regions = sorted(surveys.readable_regions(principal) or ())
        if len(regions) != 1:
            raise Forbidden("Name the region (?region=…) whose topic demand you want to see.")
        region = regions[0]
    elif region is not None and not principal.may_manage_region(region):
        raise Forbidden(f"Only the network office of {region} and the state coordination may.")
    chosen, offered = await surveys.demand_per_topic(session, region)
    funded = await projects.funded_per_topic(session, region)
    events = await reach.events_per_topic(session, region)
    slugs = [
        slug for slug in TOPICS if chosen[slug] or offered[slug] or funded[slug] or events[slug]
    ]
    rows = [
        TopicRow(
            slug=slug,
            name=TOPICS[slug],
            demand=chosen[slug],
            surveys=offered[slug],
            funded_projects=funded[slug],
            events=events[slug],
        )
        for slug in slugs
    ]
    rows.sort(key=lambda row: (-row.demand, -row.funded_projects, row.slug))
    return TopicDemand(region=region, topics=rows)
