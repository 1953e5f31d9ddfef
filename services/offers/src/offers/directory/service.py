"""The read models of schools and organisations (from registry events) and of committees (from
meetings events).

Offers needs to know which schools and organisations exist (to validate an application), in
which region a school is (state-wide funds, access) and its type (statistics), and which
committees exist in which region (a fund's deciding committee). Each event carries the entity's
version; an older event than the row holds is ignored, so events that overtake each other on
redelivery cannot roll a row back.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from offers.models import CommitteeView, OrganizationView, SchoolView
from schulerfolg.db import upsert_newer
from schulerfolg.events import CloudEvent
from schulerfolg.events.meetings import CommitteeCreated, CommitteeUpdated
from schulerfolg.events.registry import (
    OrganizationCreated,
    OrganizationDeleted,
    OrganizationUpdated,
    SchoolCreated,
    SchoolDeleted,
    SchoolUpdated,
)
from schulerfolg.http.problems import FieldError, Unprocessable
from schulerfolg.messaging.consumer import ConsumerSpec

log = structlog.get_logger("offers.directory")

DELETION = ("version", "deleted")  # a deleted entity keeps its name and type (statistics)


async def apply_registry_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Bring the read model up to date with one registry event."""
    data = event.data
    if isinstance(data, SchoolCreated | SchoolUpdated):
        await upsert_newer(
            session,
            SchoolView,
            {
                "id": uuid.UUID(data.id),
                "version": data.version,
                "name": data.name,
                "school_number": data.school_number,
                "school_type": data.school_type,
                "region": data.region,
                "deleted": False,
            },
        )
    elif isinstance(data, SchoolDeleted):
        await upsert_newer(
            session,
            SchoolView,
            {
                "id": uuid.UUID(data.id),
                "version": data.version,
                "name": "",
                "school_number": data.school_number,
                "school_type": "",
                "region": data.region,
                "deleted": True,
            },
            only=DELETION,
        )
    elif isinstance(data, OrganizationCreated | OrganizationUpdated):
        await upsert_newer(
            session,
            OrganizationView,
            {
                "id": uuid.UUID(data.id),
                "version": data.version,
                "name": data.name,
                "kind": data.kind,
                "region": data.region,
                "deleted": False,
            },
        )
    elif isinstance(data, OrganizationDeleted):
        await upsert_newer(
            session,
            OrganizationView,
            {
                "id": uuid.UUID(data.id),
                "version": data.version,
                "name": "",
                "kind": "",
                "region": data.region,
                "deleted": True,
            },
            only=DELETION,
        )


def registry_consumer(runtime: Any) -> ConsumerSpec:
    """Offers' consumer of registry schools and organisations."""
    return ConsumerSpec(
        name="offers-registry-directory",
        events=(
            SchoolCreated,
            SchoolUpdated,
            SchoolDeleted,
            OrganizationCreated,
            OrganizationUpdated,
            OrganizationDeleted,
        ),
        handler=apply_registry_event,
        description="Keeps the schools and organisations offers validates applications against.",
    )


async def apply_committee_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Bring the committees read model up to date with one meetings event."""
    data: CommitteeCreated | CommitteeUpdated = event.data
    await upsert_newer(
        session,
        CommitteeView,
        {
            "id": uuid.UUID(data.id),
            "version": data.version,
            "name": data.name,
            "kind": data.kind,
            "region": data.region,
        },
    )


def committees_consumer(runtime: Any) -> ConsumerSpec:
    """Offers' consumer of meetings' committees."""
    return ConsumerSpec(
        name="offers-meetings-committees",
        events=(CommitteeCreated, CommitteeUpdated),
        handler=apply_committee_event,
        description="Keeps the committees a fund may name as its deciding committee.",
    )


async def known_schools(
    session: AsyncSession, school_ids: list[uuid.UUID]
) -> dict[uuid.UUID, SchoolView]:
    """The live schools among ``school_ids``; a 422 naming each unknown one."""
    rows = await session.scalars(
        select(SchoolView).where(SchoolView.id.in_(school_ids), SchoolView.deleted.is_(False))
    )
    found = {row.id: row for row in rows}
    missing = [i for i, school in enumerate(school_ids) if school not in found]
    if missing:
        raise Unprocessable(
            "The registry has no school with the id(s) "
            + ", ".join(str(school_ids[i]) for i in missing)
            + ". Use a school from GET /api/v1/schools.",
            rule="unknown-school",
            errors=[
                FieldError(
                    field=f"school_ids.{i}",
                    location="body",
                    message="unknown school",
                    type="unknown-school",
                )
                for i in missing
            ],
        )
    return found


async def check_organizations(session: AsyncSession, fields: dict[str, list[uuid.UUID]]) -> None:
    """A 422 naming each organisation id the registry does not know (``fields``: name → ids)."""
    wanted = {o for ids in fields.values() for o in ids}
    if not wanted:
        return
    rows = await session.scalars(
        select(OrganizationView.id).where(
            OrganizationView.id.in_(wanted), OrganizationView.deleted.is_(False)
        )
    )
    known = set(rows)
    errors = [
        FieldError(
            field=name if len(ids) == 1 and name.endswith("_id") else f"{name}.{i}",
            location="body",
            message="unknown organisation",
            type="unknown-organization",
        )
        for name, ids in fields.items()
        for i, org in enumerate(ids)
        if org not in known
    ]
    if errors:
        raise Unprocessable(
            "The registry has no organisation with that id; use one from "
            "GET /api/v1/organizations.",
            rule="unknown-organization",
            errors=errors,
        )


async def check_deciding_committee(
    session: AsyncSession, committee_id: uuid.UUID, fund_region: str | None
) -> None:
    """A 422 unless meetings has announced the committee and it belongs to the fund's region.

    A regional fund is decided by a committee of its own region; a state-wide fund (region
    None) by a state-level committee. Neither may name the other: another region's committee
    would decide this region's money and see its applications on a non-public agenda; a
    state-level committee is run by the state coordination, not by the region's office.
    """
    committee = await session.get(CommitteeView, committee_id)
    if committee is None:
        raise Unprocessable(
            f"There is no committee {committee_id} that offers knows of. Use one from "
            "GET /api/v1/committees; a committee created just now reaches offers within "
            "seconds — try again shortly.",
            rule="committee-unknown",
            errors=[_committee_error("unknown committee", "committee-unknown")],
        )
    if committee.region != fund_region:
        owner = f"region {committee.region}" if committee.region else "the state level"
        fund = f"region {fund_region}" if fund_region else "the whole state"
        raise Unprocessable(
            f"The committee {committee.name!r} belongs to {owner}; a fund of {fund} is decided "
            "by a committee of its own region (a state-wide fund by a state-level committee).",
            rule="committee-other-region",
            errors=[_committee_error("committee of another region", "committee-other-region")],
        )


def _committee_error(message: str, rule: str) -> FieldError:
    return FieldError(field="deciding_committee_id", location="body", message=message, type=rule)
