"""Small pieces every meetings resource uses: field types, changing entities, who may read and
manage what (the ``Viewer``); the region helpers come from the shared library (re-exported here).

Who may read and manage committees and meetings:

- Manage (create, change, cancel, agenda, attendance, decisions, minutes): the state
  coordination everywhere; a network office in its own regions (state-level data: the state
  coordination only).
- Read a committee, its members, a meeting's agenda and draft minutes: those who manage it, a
  ``steering_member`` or ``network_office`` of the region, and the committee's members (the
  token's ``sub`` is the ``user_sub`` of a member's registry person).
- Read a meeting: anyone when it is public; otherwise as its committee (or, for a meeting without
  a committee, whoever may read the region's non-public data).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from pydantic import Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from meetings.models import Committee, Meeting, audit_log
from meetings.persons import repository as persons
from schulerfolg.app import SessionDep
from schulerfolg.auth import OptionalPrincipal, Principal, ensure_may_manage_region
from schulerfolg.db import apply_changes
from schulerfolg.http.problems import FieldError, Forbidden, Unauthorized, Unprocessable
from schulerfolg.http.validation import reject_null
from schulerfolg.privacy.audit import record, resource_of
from schulerfolg.regions import REGION_SLUGS, check_region_filter, normalise_region, subject_region

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
RegionSlug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=64),
    Field(description="A region slug, e.g. boerde; null or `state` for the state level."),
]


def invalid(field: str, message: str, detail: str, *, location: str = "body") -> Unprocessable:
    """A 422 problem about one field."""
    return Unprocessable(
        detail,
        errors=[FieldError(field=field, location=location, message=message, type="value_error")],
    )


@dataclass(frozen=True)
class Viewer:
    """A caller (or nobody) with the committees they sit in, resolved once per request."""

    principal: Principal | None
    committee_ids: frozenset[uuid.UUID]

    def may_manage(self, region: str | None) -> bool:
        """Whether the caller organises meetings of ``region`` (None: state level)."""
        return self.principal is not None and self.principal.may_manage_region(region)

    def may_read_region(self, region: str | None) -> bool:
        """Whether the caller reads a region's non-public committees and meetings."""
        return self.principal is not None and (
            self.principal.may_read_region(region) or self.principal.may_manage_region(region)
        )

    def may_read_committee(self, committee: Committee) -> bool:
        """Whether the caller reads the committee, its members and its agendas."""
        return self.may_read_region(committee.region) or committee.id in self.committee_ids

    def may_read_meeting(self, meeting: Meeting) -> bool:
        """Whether the caller sees the meeting at all."""
        return meeting.public or self.may_read_internals(meeting)

    def may_read_internals(self, meeting: Meeting) -> bool:
        """Whether the caller reads the meeting's agenda, attendance and draft minutes."""
        if self.may_read_region(meeting.region):
            return True
        return meeting.committee_id is not None and meeting.committee_id in self.committee_ids

    def ensure_may_manage(self, region: str | None) -> Principal:
        """The caller, if they organise meetings of ``region``; else 401/403."""
        principal = self.ensure_signed_in()
        ensure_may_manage_region(principal, region)
        return principal

    def ensure_signed_in(self) -> Principal:
        """The caller; 401 for anonymous callers."""
        if self.principal is None:
            raise Unauthorized(
                "a bearer token is required",
                headers={"WWW-Authenticate": 'Bearer realm="schulerfolg"'},
            )
        return self.principal

    def refuse(self, what: str) -> Exception:
        """The error for a resource the caller may not read: 401 anonymous, 403 signed in."""
        if self.principal is None:
            return Unauthorized(
                f"sign in to read {what}",
                headers={"WWW-Authenticate": 'Bearer realm="schulerfolg"'},
            )
        return Forbidden(f"you may not read {what}")


async def audit(
    session: AsyncSession,
    actor: Principal | str | None,
    action: str,
    plural: str,
    entity_id: uuid.UUID,
) -> None:
    """Record a change (``action`` on ``<plural>/<id>``) in the audit log, in its transaction."""
    await record(
        session, audit_log, actor=actor, action=action, resource=resource_of(plural, entity_id)
    )


async def viewer_of(session: AsyncSession, principal: Principal | None) -> Viewer:
    """Resolve the caller's committee seats through the persons read model."""
    if principal is None:
        return Viewer(None, frozenset())
    return Viewer(principal, frozenset(await persons.committee_ids_of_user(session, principal.sub)))


async def _viewer_dependency(session: SessionDep, principal: OptionalPrincipal) -> Viewer:
    return await viewer_of(session, principal)


ViewerDep = Annotated[Viewer, Depends(_viewer_dependency)]
"""FastAPI dependency: the caller (or nobody) with their committee seats."""


__all__ = [
    "REGION_SLUGS",
    "apply_changes",
    "check_region_filter",
    "invalid",
    "normalise_region",
    "reject_null",
    "subject_region",
]
