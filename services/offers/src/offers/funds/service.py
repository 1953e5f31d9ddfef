"""Domain functions for funds. They change state and append events; they never commit."""

from __future__ import annotations

import uuid
from datetime import date

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from offers.common import check_region_filter, normalise_region, subject_region
from offers.directory.service import check_deciding_committee
from offers.funds import repository
from offers.funds.schemas import FundCreate, FundUpdate, fund_event_data
from offers.models import Fund, outbox
from offers.privacy.service import record_change
from schulerfolg.auth import Principal, ensure_may_manage_region
from schulerfolg.db import apply_changes
from schulerfolg.events.offers import FundCreated, FundUpdated
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import Conflict, FieldError, NotFound, Unprocessable

log = structlog.get_logger("offers.funds")


class FundNotFound(NotFound):
    """No fund has that id."""

    slug = "fund-not-found"

    def __init__(self, fund_id: uuid.UUID) -> None:
        super().__init__(f"There is no fund {fund_id}.")


async def list_funds(
    *,
    session: AsyncSession,
    page: PageParams,
    region: str | None = None,
    kind: str | None = None,
    active_on: date | None = None,
) -> tuple[list[Fund], str | None]:
    """Funds, one page, filtered by region (``state``: state-wide), kind and a day in the period."""
    check_region_filter(region)
    return await repository.list_funds(
        session, page=page, region=region, kind=kind, active_on=active_on
    )


async def get_fund(*, session: AsyncSession, fund_id: uuid.UUID, lock: bool = False) -> Fund:
    """A fund, or FundNotFound."""
    fund = await repository.get_fund(session, fund_id, lock=lock)
    if fund is None:
        raise FundNotFound(fund_id)
    return fund


async def create_fund(
    *, session: AsyncSession, principal: Principal, data: FundCreate, default_cap: int | None
) -> Fund:
    """Open a fund; emits ``offers.fund.created``."""
    values = data.model_dump()
    values["region"] = normalise_region(data.region)
    ensure_may_manage_region(principal, values["region"])
    if data.deciding_committee_id is not None:
        await check_deciding_committee(session, data.deciding_committee_id, values["region"])
    if values["requires_partner"] is None:
        values["requires_partner"] = data.kind == "school_project"
    if (
        "max_per_school_per_year_cents" not in data.model_fields_set
        and data.kind == "school_project"
    ):
        values["max_per_school_per_year_cents"] = default_cap
    fund = Fund(**values)
    session.add(fund)
    await session.flush()
    await outbox.append(
        session,
        FundCreated(**fund_event_data(fund)),
        entity_id=str(fund.id),
        region=subject_region(fund.region),
    )
    await record_change(session, principal, "fund.created", fund.id, "funds")
    log.info("offers.fund.created", fund_id=str(fund.id), region=subject_region(fund.region))
    return fund


async def update_fund(
    *,
    session: AsyncSession,
    principal: Principal,
    fund_id: uuid.UUID,
    changes: FundUpdate,
    if_match: str | None,
) -> Fund:
    """Change the fields sent; the budget never drops below what is approved already."""
    fund = await get_fund(session=session, fund_id=fund_id, lock=True)
    ensure_may_manage_region(principal, fund.region)
    check_if_match(if_match, fund.version)
    values = changes.model_dump(exclude_unset=True)
    if "region" in values:
        values["region"] = normalise_region(values["region"])
        if values["region"] != fund.region:
            ensure_may_manage_region(principal, values["region"])
    start = values.get("period_start", fund.period_start)
    end = values.get("period_end", fund.period_end)
    if end < start:
        raise Unprocessable(
            "period_end must not be before period_start.",
            errors=[
                FieldError(
                    field="period_end",
                    location="body",
                    message="before period_start",
                    type="period",
                )
            ],
        )
    committee = values.get("deciding_committee_id", fund.deciding_committee_id)
    region = values.get("region", fund.region)
    if committee is not None and (committee, region) != (fund.deciding_committee_id, fund.region):
        await check_deciding_committee(session, committee, region)
    if values.get("budget_cents", fund.budget_cents) < fund.approved_cents:
        raise Conflict(
            f"The budget cannot drop below the {fund.approved_cents} cents already approved.",
            rule="budget-below-approved",
        )
    if not apply_changes(fund, values):
        return fund
    session.add(fund)
    await publish_fund_updated(session, fund)
    await record_change(session, principal, "fund.updated", fund.id, "funds")
    log.info("offers.fund.updated", fund_id=str(fund.id), version=fund.version)
    return fund


async def publish_fund_updated(session: AsyncSession, fund: Fund) -> None:
    """Append ``offers.fund.updated`` with the fund as it is now."""
    await outbox.append(
        session,
        FundUpdated(**fund_event_data(fund)),
        entity_id=str(fund.id),
        region=subject_region(fund.region),
    )
