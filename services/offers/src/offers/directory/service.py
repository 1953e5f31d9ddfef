"""The read models of schools and organisations, kept from registry events.

Offers needs to know which schools and organisations exist (to validate an application), in
which region a school is (state-wide funds, access) and its type (statistics). Each event carries
the entity's version; an older event than the row holds is ignored, so events that overtake
each other on redelivery cannot roll a row back.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from offers.models import OrganizationView, SchoolView
from schulerfolg.db import dialect_insert
from schulerfolg.events import CloudEvent
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


async def _upsert(
    session: AsyncSession, model: Any, values: dict[str, Any], *, only: tuple[str, ...] = ()
) -> None:
    """Insert the row, or update it (``only`` these columns, if given) when the event's version
    is newer than the stored one."""
    table = model.__table__
    statement = dialect_insert(session)(table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={k: statement.excluded[k] for k in (only or values) if k != "id"},
        where=table.c.version < statement.excluded.version,
    )
    await session.execute(statement)


async def apply_registry_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Bring the read model up to date with one registry event."""
    data = event.data
    if isinstance(data, SchoolCreated | SchoolUpdated):
        await _upsert(
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
        await _upsert(
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
        await _upsert(
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
        await _upsert(
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
        stream="REGISTRY",
        subject="sfs.*.registry.>",
        handler=apply_registry_event,
        events=(
            SchoolCreated,
            SchoolUpdated,
            SchoolDeleted,
            OrganizationCreated,
            OrganizationUpdated,
            OrganizationDeleted,
        ),
        description="Keeps the schools and organisations offers validates applications against.",
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
