"""Who may see and do what with an application.

- ``state_coordinator``: everything.
- ``network_office``: the applications of its regions; it advises, decides (for its region's
  funds), closes, and may act for an applicant (it often drafts with the school).
- ``school``: the applications its school (token ``school_id``) takes part in; acts as applicant.
- ``partner``: the applications its organisation (token ``organization_id``) is applicant or
  partner of; acts as applicant.
- ``steering_member``: reads the submitted (and later) applications of its regions' funds that a
  committee decides on.
"""

from __future__ import annotations

import uuid

from sqlalchemy import exists, false, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from offers.models import Application, ApplicationOrganization, ApplicationSchool, Fund
from schulerfolg.auth import Principal
from schulerfolg.http.problems import Forbidden

READ_ROLES = ("state_coordinator", "network_office", "steering_member", "school", "partner")
OVERSEERS = ("state_coordinator", "network_office", "steering_member")
"""Roles that read applications of others; their reads are audited."""


def _is_school_of(principal: Principal, app: Application) -> bool:
    return principal.has_role("school") and principal.school_id in app.school_ids


def _is_partner_of(principal: Principal, app: Application) -> bool:
    org = principal.organization_id
    return (
        principal.has_role("partner")
        and org is not None
        and (
            org == (str(app.applicant_organization_id) if app.applicant_organization_id else None)
            or org in app.partner_organization_ids
        )
    )


def is_office_for(principal: Principal, region: str | None) -> bool:
    """The state coordination, or a network office of ``region``."""
    return principal.may_manage_region(region)


def may_read(principal: Principal, app: Application, fund: Fund | None = None) -> bool:
    """Whether the caller may see the application."""
    if is_office_for(principal, app.region) or _is_school_of(principal, app):
        return True
    if _is_partner_of(principal, app):
        return True
    return (
        principal.has_role("steering_member")
        and app.region in principal.regions
        and app.status != "draft"
        and (fund is None or fund.deciding_committee_id is not None)
    )


def is_applicant(principal: Principal, app: Application) -> bool:
    """Whether the caller is the applying school or a partner itself (not the office)."""
    return _is_school_of(principal, app) or _is_partner_of(principal, app)


def is_applicant_side(principal: Principal, app: Application) -> bool:
    """Whether the caller acts for the applicant (school, partner, or the office for them)."""
    return (
        _is_school_of(principal, app)
        or _is_partner_of(principal, app)
        or is_office_for(principal, app.region)
    )


def ensure_applicant_side(principal: Principal, app: Application) -> None:
    """403 unless the caller acts for the applicant."""
    if not is_applicant_side(principal, app):
        raise Forbidden("Only the applying school, its partners or the network office may do this.")


def ensure_office(principal: Principal, region: str | None, what: str) -> None:
    """403 unless the caller is the network office of ``region`` (or the state coordination)."""
    if not is_office_for(principal, region):
        where = f"the region '{region}'" if region else "state-wide funds"
        raise Forbidden(f"Only the network office of {where} may {what}.")


def ensure_may_create(
    principal: Principal,
    *,
    region: str,
    school_ids: list[uuid.UUID],
    organization_ids: list[uuid.UUID],
) -> None:
    """403 unless the caller may draft an application with these schools and organisations."""
    if is_office_for(principal, region):
        return
    if principal.has_role("school") and principal.school_id in {str(s) for s in school_ids}:
        return
    if principal.has_role("partner") and principal.organization_id in {
        str(o) for o in organization_ids
    }:
        return
    raise Forbidden(
        "A school may apply for its own school, a partner for its own organisation, a network "
        "office for its region's schools."
    )


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """The SQL condition for the applications the caller may see (for lists and statistics)."""
    if principal.has_role("state_coordinator"):
        return col(Application.id).is_not(None)
    conditions: list[ColumnElement[bool]] = []
    regions = sorted(principal.regions)
    if principal.has_role("network_office") and regions:
        conditions.append(col(Application.region).in_(regions))
    if principal.has_role("steering_member") and regions:
        decided_by_committee = select(col(Fund.id)).where(
            col(Fund.id) == col(Application.fund_id), col(Fund.deciding_committee_id).is_not(None)
        )
        conditions.append(
            col(Application.region).in_(regions)
            & (col(Application.status) != "draft")
            & exists(decided_by_committee)
        )
    if principal.has_role("school") and principal.school_id:
        try:
            school = uuid.UUID(principal.school_id)
        except ValueError:
            school = None
        if school is not None:
            conditions.append(
                exists().where(
                    col(ApplicationSchool.application_id) == col(Application.id),
                    col(ApplicationSchool.school_id) == school,
                )
            )
    if principal.has_role("partner") and principal.organization_id:
        try:
            org = uuid.UUID(principal.organization_id)
        except ValueError:
            org = None
        if org is not None:
            conditions.append(
                exists().where(
                    col(ApplicationOrganization.application_id) == col(Application.id),
                    col(ApplicationOrganization.organization_id) == org,
                )
            )
    return or_(*conditions) if conditions else false()


FUNDED = ("approved", "reported", "completed")


def funded() -> ColumnElement[bool]:
    """The SQL condition for the applications anyone may see as funded projects."""
    return col(Application.status).in_(FUNDED)
