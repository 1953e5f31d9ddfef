"""Domain functions for committees and members. They change state and append events; they never
commit."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from meetings.committees import repository
from meetings.committees.schemas import (
    CommitteeCreate,
    CommitteeUpdate,
    MemberCreate,
    default_quorum,
)
from meetings.common import (
    Viewer,
    apply_changes,
    audit,
    check_region_filter,
    normalise_region,
    subject_region,
)
from meetings.models import Committee, CommitteeMember, Person, outbox
from meetings.persons import repository as persons
from schulerfolg.events.meetings import (
    CommitteeCreated,
    CommitteeMemberAdded,
    CommitteeMemberRemoved,
    CommitteeUpdated,
)
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import NotFound

log = structlog.get_logger("meetings.committees")


class CommitteeNotFound(NotFound):
    """No committee has that id."""

    slug = "committee-not-found"

    def __init__(self, committee_id: uuid.UUID) -> None:
        super().__init__(f"There is no committee {committee_id}.")


class PersonNotSeatable(NotFound):
    """The person belongs to a region the caller does not manage."""

    slug = "person-not-found"

    def __init__(self, person_id: uuid.UUID) -> None:
        super().__init__(f"There is no person {person_id} you may seat in this committee.")


class MemberNotFound(NotFound):
    """The person has no seat in the committee."""

    slug = "member-not-found"

    def __init__(self, person_id: uuid.UUID) -> None:
        super().__init__(f"The person {person_id} is not a member of this committee.")


async def _event_data(session: AsyncSession, committee: Committee) -> dict[str, Any]:
    voting = (await repository.voting_counts(session, [committee.id])).get(committee.id, 0)
    return {
        "id": str(committee.id),
        "version": committee.version,
        "name": committee.name,
        "kind": committee.kind,
        "region": committee.region,
        "quorum": committee.quorum or default_quorum(voting),
    }


async def _membership_changed(
    session: AsyncSession,
    committee: Committee,
    member: CommitteeMember,
    event: type[CommitteeMemberAdded] | type[CommitteeMemberRemoved],
    *,
    viewer: Viewer,
    action: str,
) -> None:
    """A new committee version, its audit entry (``action``) and its member event."""
    committee.touch()
    session.add(committee)
    await session.flush()
    await audit(session, viewer.principal, action, "committees", committee.id)
    await outbox.append(
        session,
        event(
            committee_id=committee.id,
            committee_version=committee.version,
            person_id=member.person_id,
            role=member.role,
            voting=member.voting,
            region=committee.region,
        ),
        entity_id=str(committee.id),
        region=subject_region(committee.region),
    )
    log.info(
        event.event_meta.short_name, committee_id=str(committee.id), person_id=str(member.person_id)
    )


async def list_committees(
    *,
    session: AsyncSession,
    viewer: Viewer,
    page: PageParams,
    region: str | None = None,
    kind: str | None = None,
) -> tuple[list[Committee], str | None]:
    """The committees the caller may read, one page by name."""
    principal = viewer.ensure_signed_in()
    check_region_filter(region)
    readers = principal.has_role("network_office", "steering_member")
    return await repository.list_committees(
        session,
        page=page,
        everything=principal.has_role("state_coordinator"),
        regions=principal.regions if readers else (),
        committee_ids=viewer.committee_ids,
        region=region,
        kind=kind,
    )


async def voting_counts(
    *, session: AsyncSession, committees: list[Committee]
) -> dict[uuid.UUID, int]:
    """Members with a vote per committee."""
    return await repository.voting_counts(session, [c.id for c in committees])


async def load_committee(
    *, session: AsyncSession, committee_id: uuid.UUID, for_update: bool = False
) -> Committee:
    """A committee, or CommitteeNotFound."""
    committee = await repository.get_committee(session, committee_id, for_update=for_update)
    if committee is None:
        raise CommitteeNotFound(committee_id)
    return committee


async def get_committee(
    *, session: AsyncSession, viewer: Viewer, committee_id: uuid.UUID
) -> Committee:
    """A committee the caller may read (401/403 otherwise)."""
    committee = await load_committee(session=session, committee_id=committee_id)
    if not viewer.may_read_committee(committee):
        raise viewer.refuse("this committee")
    return committee


async def create_committee(
    *, session: AsyncSession, viewer: Viewer, data: CommitteeCreate
) -> Committee:
    """Set up a committee; emits ``meetings.committee.created``."""
    region = normalise_region(data.region)
    viewer.ensure_may_manage(region)
    committee = Committee(name=data.name, kind=data.kind, region=region, quorum=data.quorum)
    session.add(committee)
    await session.flush()
    await outbox.append(
        session,
        CommitteeCreated(**await _event_data(session, committee)),
        entity_id=str(committee.id),
        region=subject_region(region),
    )
    log.info(
        "meetings.committee.created", committee_id=str(committee.id), region=subject_region(region)
    )
    return committee


async def update_committee(
    *,
    session: AsyncSession,
    viewer: Viewer,
    committee_id: uuid.UUID,
    changes: CommitteeUpdate,
    if_match: str | None,
) -> Committee:
    """Change the fields sent; emits ``meetings.committee.updated`` when anything changed."""
    committee = await load_committee(session=session, committee_id=committee_id, for_update=True)
    viewer.ensure_may_manage(committee.region)
    check_if_match(if_match, committee.version)
    values = changes.model_dump(exclude_unset=True)
    if "region" in values:
        values["region"] = normalise_region(values["region"])
        if values["region"] != committee.region:
            viewer.ensure_may_manage(values["region"])
    if not apply_changes(committee, values):
        return committee
    session.add(committee)
    await outbox.append(
        session,
        CommitteeUpdated(**await _event_data(session, committee)),
        entity_id=str(committee.id),
        region=subject_region(committee.region),
    )
    log.info(
        "meetings.committee.updated", committee_id=str(committee.id), version=committee.version
    )
    return committee


async def list_members(
    *, session: AsyncSession, viewer: Viewer, committee_id: uuid.UUID, page: PageParams
) -> tuple[list[tuple[CommitteeMember, Person | None]], str | None]:
    """A committee's members with their names, one page."""
    await get_committee(session=session, viewer=viewer, committee_id=committee_id)
    members, next_cursor = await repository.list_members(session, committee_id, page=page)
    known = await persons.persons_by_id(session, [m.person_id for m in members])
    return [(m, known.get(m.person_id)) for m in members], next_cursor


async def add_member(
    *, session: AsyncSession, viewer: Viewer, committee_id: uuid.UUID, data: MemberCreate
) -> tuple[CommitteeMember, Person | None, bool]:
    """Seat a person (or change their role and vote); emits ``meetings.committee.member_added``.

    Answers the membership, the person as known, and whether it is new.
    """
    committee = await load_committee(session=session, committee_id=committee_id, for_update=True)
    viewer.ensure_may_manage(committee.region)
    person = await persons.get_person(session, data.person_id)
    if person is not None and person.region is not None and not viewer.may_manage(person.region):
        # A network office seats persons of its own regions; another region's person is as
        # invisible here as in the registry (the state coordination seats anyone).
        raise PersonNotSeatable(data.person_id)
    member = await repository.get_member(session, committee.id, data.person_id)
    created = member is None
    if member is None:
        member = CommitteeMember(
            committee_id=committee.id, person_id=data.person_id, role=data.role, voting=data.voting
        )
    elif not apply_changes(member, {"role": data.role, "voting": data.voting}):
        return member, await persons.get_person(session, data.person_id), False
    session.add(member)
    await _membership_changed(
        session,
        committee,
        member,
        CommitteeMemberAdded,
        viewer=viewer,
        action="committee.member_added" if created else "committee.member_changed",
    )
    return member, await persons.get_person(session, data.person_id), created


async def remove_member(
    *, session: AsyncSession, viewer: Viewer, committee_id: uuid.UUID, person_id: uuid.UUID
) -> None:
    """Take a person's seat away; emits ``meetings.committee.member_removed``."""
    committee = await load_committee(session=session, committee_id=committee_id, for_update=True)
    viewer.ensure_may_manage(committee.region)
    member = await repository.get_member(session, committee.id, person_id)
    if member is None:
        raise MemberNotFound(person_id)
    await session.delete(member)
    await _membership_changed(
        session,
        committee,
        member,
        CommitteeMemberRemoved,
        viewer=viewer,
        action="committee.member_removed",
    )
