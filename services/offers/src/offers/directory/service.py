"""The read models of schools and organisations (from registry events) and of committees and
their sessions (from meetings events), and the checks applications and funds make against them.

Offers needs to know which schools and organisations exist (to validate an application), in
which region a school is (state-wide funds, access), its type and whether it has school social
work (statistics), which committees exist in which region (a fund's deciding committee), and
which committee session decides a submitted application, with its date, place and status (shown
on the application).
Each entity event carries the entity's version; an older event than the row holds is ignored,
so events that overtake each other on redelivery cannot roll a row back. Agenda items carry no
version: the event's time orders the placements of one application's decision item.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from offers.directory import repository
from offers.models import CommitteeSessionView, CommitteeView, OrganizationView, SchoolView
from schulerfolg.events.meetings import AgendaItemAdded, CommitteeData, MeetingData
from schulerfolg.events.registry import (
    OrganizationData,
    OrganizationDeleted,
    SchoolData,
    SchoolDeleted,
)
from schulerfolg.http.problems import FieldError, Unprocessable

log = structlog.get_logger("offers.directory")


async def apply_registry_event(
    session: AsyncSession, data: SchoolData | SchoolDeleted | OrganizationData | OrganizationDeleted
) -> None:
    """Bring the schools and organisations read model up to date with one registry event."""
    if isinstance(data, SchoolData):
        await repository.store(
            session,
            SchoolView,
            {
                "id": data.id,
                "version": data.version,
                "name": data.name,
                "school_number": data.school_number,
                "school_type": data.school_type,
                "region": data.region,
                "deleted": False,
                "has_school_social_work": _social_work(data),
            },
        )
    elif isinstance(data, SchoolDeleted):
        await repository.store(
            session,
            SchoolView,
            {
                "id": data.id,
                "version": data.version,
                "name": "",
                "school_number": data.school_number,
                "school_type": "",
                "region": data.region,
                "deleted": True,
            },
            deleted=True,
        )
    elif isinstance(data, OrganizationData):
        await repository.store(
            session,
            OrganizationView,
            {
                "id": data.id,
                "version": data.version,
                "name": data.name,
                "kind": data.kind,
                "region": data.region,
                "deleted": False,
            },
        )
    else:
        await repository.store(
            session,
            OrganizationView,
            {
                "id": data.id,
                "version": data.version,
                "name": "",
                "kind": "",
                "region": data.region,
                "deleted": True,
            },
            deleted=True,
        )


def _social_work(data: SchoolData) -> bool | None:
    """Whether the school has school social work; None when the event does not say (events
    from before the registry sent it: the shared payload's default False would be a guess)."""
    if "has_school_social_work" not in data.model_fields_set:
        return None
    return data.has_school_social_work


async def apply_committee(session: AsyncSession, data: CommitteeData) -> None:
    """Bring the committees read model up to date with one meetings event."""
    await repository.store(
        session,
        CommitteeView,
        {
            "id": data.id,
            "version": data.version,
            "name": data.name,
            "kind": data.kind,
            "region": data.region,
        },
    )


async def apply_meeting(session: AsyncSession, data: MeetingData) -> None:
    """Bring a committee's session up to date with one meetings event (scheduled, updated or
    cancelled — a cancelled session stays, so an application can say its session was
    cancelled); meetings without a committee decide nothing and are not kept."""
    if data.committee_id is None:
        return
    await repository.store(
        session,
        CommitteeSessionView,
        {
            "id": data.id,
            "version": data.version,
            "committee_id": data.committee_id,
            "title": data.title,
            "starts_at": data.starts_at,
            "ends_at": data.ends_at,
            "location": data.location,
            "status": data.status,
        },
    )


async def apply_agenda_item(
    session: AsyncSession, data: AgendaItemAdded, *, placed_at: datetime
) -> None:
    """Note the session whose agenda took an application's decision item, unless a later
    placement is known (``placed_at``: the event's time). Meetings puts a submitted application
    on its committee's next session, and moves it on (a new event) when that one is cancelled;
    other items are not kept."""
    if data.application_id is None or data.kind != "decision":
        return
    await repository.store_placement(
        session,
        {
            "application_id": data.application_id,
            "placed_at": placed_at,
            "meeting_id": data.meeting_id,
            "agenda_item_id": data.id,
        },
    )
    log.info(
        "offers.directory.deciding_session",
        application_id=str(data.application_id),
        meeting_id=str(data.meeting_id),
    )


async def deciding_sessions(
    session: AsyncSession, application_ids: list[uuid.UUID]
) -> dict[uuid.UUID, CommitteeSessionView]:
    """Application id → the committee session whose agenda holds its decision item; an
    application meetings has not placed yet (or whose session offers has not heard of) is
    left out."""
    return await repository.deciding_sessions(session, application_ids)


async def known_schools(
    session: AsyncSession, school_ids: list[uuid.UUID]
) -> dict[uuid.UUID, SchoolView]:
    """The live schools among ``school_ids``; a 422 naming each unknown one."""
    found = await repository.live_schools(session, school_ids)
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
    known = await repository.live_organization_ids(session, wanted)
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
    committee = await repository.get_committee(session, committee_id)
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
