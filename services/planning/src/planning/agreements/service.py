"""Domain functions for target agreements (Zielvereinbarungen). They change state and write the
audit log; they never commit.

An agreement binds a region's network office, the district and its providers for a period to
goals; each goal's indicator is counted from the suite's events (see ``indicators``) or entered
by hand, and set against its target value.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from planning.agreements import indicators, repository
from planning.agreements.schemas import (
    AgreementCreate,
    AgreementUpdate,
    GoalProgress,
    ManualValueCreate,
    MonthValue,
    Progress,
)
from planning.common import check_region_filter
from planning.models import Agreement, ManualValue, audit_log
from planning.projects import service as projects
from planning.reach import repository as reach
from schulerfolg.auth import Principal, ensure_may_manage_region
from schulerfolg.db import apply_changes, utcnow
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import Conflict, FieldError, Forbidden, NotFound, Unprocessable
from schulerfolg.local_time import berlin_day
from schulerfolg.privacy.audit import record, resource_of
from schulerfolg.regions import check_region


class AgreementNotFound(NotFound):
    """No agreement with that id."""

    slug = "agreement-not-found"

    def __init__(self, agreement_id: uuid.UUID) -> None:
        super().__init__(f"There is no target agreement {agreement_id}.")


def managed_regions(principal: Principal) -> frozenset[str] | None:
    """The regions whose agreements the caller works with (None: every region); else 403."""
    if principal.has_role("state_coordinator"):
        return None
    if principal.has_role("network_office") and principal.regions:
        return principal.regions
    raise Forbidden("Only the state coordination and network offices work with agreements.")


def _error(field: str, message: str, kind: str) -> FieldError:
    return FieldError(field=field, location="body", message=message, type=kind)


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise Unprocessable(
            "The period ends before it starts.",
            errors=[_error("period_end", "must not be before period_start", "period")],
        )


async def create_agreement(
    *, session: AsyncSession, principal: Principal, data: AgreementCreate
) -> Agreement:
    """A new agreement, active from the start."""
    check_region(data.region, state_allowed=False)
    ensure_may_manage_region(principal, data.region)
    _check_period(data.period_start, data.period_end)
    agreement = Agreement(
        region=data.region,
        title=data.title,
        period_start=data.period_start,
        period_end=data.period_end,
        status="active",
        parties=[party.model_dump(mode="json") for party in data.parties],
        goals=[goal.model_dump() for goal in data.goals],
    )
    session.add(agreement)
    await session.flush()
    await _audit(session, principal, "agreement.created", agreement)
    return agreement


async def list_agreements(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    region: str | None = None,
    status: str | None = None,
) -> tuple[list[tuple[Agreement, Progress]], str | None]:
    """The agreements the caller works with, one page, each with its progress."""
    regions = managed_regions(principal)
    check_region_filter(region)
    if region is not None and regions is not None and region not in regions:
        raise Forbidden(f"you may not manage the region '{region}'")
    found, next_cursor = await repository.list_agreements(
        session, page=page, regions=regions, region=region, status=status
    )
    return [(a, await _progress(session, a)) for a in found], next_cursor


async def get_agreement(
    *, session: AsyncSession, principal: Principal, agreement_id: uuid.UUID
) -> Agreement:
    """An agreement of the caller's region (state coordination: any)."""
    return await _managed(session, principal, agreement_id)


async def _managed(
    session: AsyncSession,
    principal: Principal,
    agreement_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Agreement:
    managed_regions(principal)
    agreement = await repository.get_agreement(session, agreement_id, for_update=for_update)
    if agreement is None:
        raise AgreementNotFound(agreement_id)
    ensure_may_manage_region(principal, agreement.region)
    return agreement


def _check_active(agreement: Agreement) -> None:
    if agreement.status != "active":
        raise Conflict(
            "The agreement is closed; it takes no more changes.", rule="agreement-closed"
        )


async def update_agreement(
    *,
    session: AsyncSession,
    principal: Principal,
    agreement_id: uuid.UUID,
    changes: AgreementUpdate,
    if_match: str | None,
) -> Agreement:
    """Change the fields sent of an active agreement; honours If-Match (412 when stale)."""
    agreement = await _managed(session, principal, agreement_id, for_update=True)
    check_if_match(if_match, agreement.version)
    _check_active(agreement)
    values: dict[str, Any] = {}
    for name in ("title", "period_start", "period_end"):
        if name in changes.model_fields_set:
            values[name] = getattr(changes, name)
    if changes.parties is not None:
        values["parties"] = [party.model_dump(mode="json") for party in changes.parties]
    if changes.goals is not None:
        values["goals"] = [goal.model_dump() for goal in changes.goals]
    _check_period(
        values.get("period_start", agreement.period_start),
        values.get("period_end", agreement.period_end),
    )
    if apply_changes(agreement, values):
        session.add(agreement)
        await _audit(session, principal, "agreement.updated", agreement)
    return agreement


async def close_agreement(
    *, session: AsyncSession, principal: Principal, agreement_id: uuid.UUID
) -> Agreement:
    """Close an active agreement: its figures stay readable, nothing changes any more."""
    agreement = await _managed(session, principal, agreement_id, for_update=True)
    _check_active(agreement)
    agreement.status = "closed"
    agreement.touch()
    session.add(agreement)
    await _audit(session, principal, "agreement.closed", agreement)
    return agreement


async def add_value(
    *,
    session: AsyncSession,
    principal: Principal,
    agreement_id: uuid.UUID,
    data: ManualValueCreate,
) -> ManualValue:
    """Enter the figure of a goal counted by hand, as of a day within the period."""
    agreement = await _managed(session, principal, agreement_id, for_update=True)
    _check_active(agreement)
    goal = next((g for g in agreement.goals if g["key"] == data.goal_key), None)
    if goal is None:
        keys = ", ".join(g["key"] for g in agreement.goals)
        raise Unprocessable(
            f"The agreement has no goal '{data.goal_key}' (its goals: {keys}).",
            errors=[_error("goal_key", "not a goal of this agreement", "unknown_goal")],
        )
    if goal["indicator"] != "manual":
        raise Unprocessable(
            f"The goal '{data.goal_key}' is counted from events ({goal['indicator']}); "
            "only goals with the indicator 'manual' take figures by hand.",
            errors=[_error("goal_key", "not a manual goal", "not_manual")],
        )
    if not agreement.period_start <= data.as_of <= agreement.period_end:
        raise Unprocessable(
            f"as_of must lie within the period {agreement.period_start.isoformat()} to "
            f"{agreement.period_end.isoformat()}.",
            errors=[_error("as_of", "outside the agreement's period", "period")],
        )
    value = ManualValue(
        agreement_id=agreement.id,
        goal_key=data.goal_key,
        as_of=data.as_of,
        value=data.value,
        note=data.note,
        entered_at=utcnow(),
    )
    await repository.add_value(session, value)
    await _audit(session, principal, "agreement.value_entered", agreement)
    return value


async def progress(
    *, session: AsyncSession, principal: Principal, agreement_id: uuid.UUID
) -> Progress:
    """Each goal's actual figure against its target, the expected figure and the trend."""
    agreement = await _managed(session, principal, agreement_id)
    return await _progress(session, agreement)


async def _facts(session: AsyncSession, agreement: Agreement) -> indicators.Facts:
    used = {goal["indicator"] for goal in agreement.goals}
    funded = (
        await projects.funded_in(session, agreement.region)
        if used & {"projects_completed", "schools_reached", "schools_without_social_work_reached"}
        else []
    )
    without: set[str] = set()
    if "schools_without_social_work_reached" in used:
        schools = {school for project in funded for school in project.school_ids}
        without = await reach.schools_without_social_work(session, schools)
    meetings = (
        await reach.meetings_of(
            session, agreement.region, indicators.NETWORK_MEETING_KINDS, "scheduled"
        )
        if "network_meetings_held" in used
        else []
    )
    participants = (
        await repository.participant_records(session, agreement.region)
        if "participants_reached" in used
        else []
    )
    manual: dict[str, list[ManualValue]] = {}
    if "manual" in used:
        for value in await repository.values_of(session, agreement.id):
            manual.setdefault(value.goal_key, []).append(value)
    return indicators.Facts(
        period_start=agreement.period_start,
        period_end=agreement.period_end,
        now=utcnow(),
        projects=funded,
        schools_without_social_work=frozenset(without),
        meetings=meetings,
        participants=participants,
        manual=manual,
    )


async def _progress(session: AsyncSession, agreement: Agreement) -> Progress:
    facts = await _facts(session, agreement)
    as_of = min(berlin_day(utcnow()), agreement.period_end)
    months = indicators.month_ends(agreement.period_start, as_of)
    share = indicators.elapsed_share(agreement.period_start, agreement.period_end, as_of)
    goals: list[GoalProgress] = []
    for goal in agreement.goals:
        key, indicator, target = goal["key"], goal["indicator"], goal["target"]
        actual = indicators.count(indicator, facts, agreement.period_end, key)
        expected = round(target * share, 1)
        goals.append(
            GoalProgress(
                key=key,
                title=goal["title"],
                indicator=indicator,
                target=target,
                actual=actual,
                percent=round(actual * 100 / target, 1),
                expected=expected,
                trend=indicators.trend(actual, target, target * share),
                series=[
                    MonthValue(month=month, actual=indicators.count(indicator, facts, cut, key))
                    for month, cut in months
                ],
            )
        )
    return Progress(agreement_id=agreement.id, as_of=as_of, goals=goals)


async def _audit(
    session: AsyncSession, principal: Principal, action: str, agreement: Agreement
) -> None:
    await record(
        session,
        audit_log,
        actor=principal,
        action=action,
        resource=resource_of("agreements", agreement.id),
    )
