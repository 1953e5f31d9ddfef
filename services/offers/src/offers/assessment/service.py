"""Domain functions for assessments. They change state and append events; they never commit.

The network office of the application's region (or the state coordination) assesses an
application while it is ``submitted``: points per criterion of the fund, a recommendation
(``approve`` with the recommended amount, ``reject``, ``return``) and notes. Assessing again
replaces the assessment. Each assessment bumps the application's version (If-Match is checked
against it) and appends ``offers.application.assessed``.
"""

from __future__ import annotations

import uuid
from fractions import Fraction
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from offers.applications import access
from offers.applications import service as applications
from offers.assessment import repository
from offers.assessment.schemas import AssessmentBody
from offers.common import subject_region
from offers.funds import service as funds
from offers.models import Application, Assessment, outbox
from schulerfolg.auth import Principal
from schulerfolg.db import utcnow
from schulerfolg.events.offers import ApplicationAssessed
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.problems import Conflict, FieldError, NotFound, Unprocessable

log = structlog.get_logger("offers.assessment")


class AssessmentNotFound(NotFound):
    """The application has not been assessed yet."""

    slug = "assessment-not-found"

    def __init__(self, application_id: uuid.UUID) -> None:
        super().__init__(f"The application {application_id} has not been assessed yet.")


def weighted_score(scores: list[dict[str, Any]]) -> int | None:
    """sum(weight × points) / sum(weight × max_points) × 100, rounded half up; None without
    criteria."""
    possible = sum(s["weight"] * s["max_points"] for s in scores)
    if not possible:
        return None
    share = Fraction(100 * sum(s["weight"] * s["points"] for s in scores), possible)
    return int(share + Fraction(1, 2))  # half up (the share is never negative)


def _error(field: str, message: str, kind: str) -> FieldError:
    return FieldError(field=field, location="body", message=message, type=kind)


def _scored(criteria: list[dict[str, Any]], body: AssessmentBody) -> list[dict[str, Any]]:
    """The scores against the fund's criteria: every criterion once, points within its scale."""
    errors: list[FieldError] = []
    given: dict[str, int] = {}
    known = {c["name"] for c in criteria}
    for index, score in enumerate(body.scores):
        if score.criterion not in known:
            errors.append(
                _error(
                    f"scores[{index}].criterion",
                    f"the fund has no criterion '{score.criterion}'",
                    "criterion_unknown",
                )
            )
        elif score.criterion in given:
            errors.append(
                _error(
                    f"scores[{index}].criterion",
                    f"'{score.criterion}' is scored twice",
                    "criterion_twice",
                )
            )
        else:
            given[score.criterion] = score.points
    scored = []
    for criterion in criteria:
        name, top = criterion["name"], criterion["max_points"]
        points = given.get(name)
        if points is None:
            errors.append(
                _error("scores", f"the criterion '{name}' is not scored", "criterion_missing")
            )
            continue
        if points > top:
            index = next(i for i, s in enumerate(body.scores) if s.criterion == name)
            errors.append(
                _error(
                    f"scores[{index}].points",
                    f"'{name}' is scored from 0 to {top}",
                    "points_out_of_scale",
                )
            )
        scored.append({**_criterion(criterion), "points": points})
    if errors:
        raise Unprocessable("The scores do not fit the fund's criteria.", errors=errors)
    return scored


def _criterion(criterion: dict[str, Any]) -> dict[str, Any]:
    return {
        "criterion": criterion["name"],
        "weight": criterion["weight"],
        "max_points": criterion["max_points"],
    }


def _recommended(app: Application, body: AssessmentBody) -> int | None:
    """The recommended amount: required with ``approve``, at most the requested amount."""
    if body.recommendation != "approve":
        return None
    if body.recommended_cents is None:
        raise Unprocessable(
            "A recommendation to approve needs the recommended amount.",
            errors=[
                _error("recommended_cents", "required to recommend approval", "amount_missing")
            ],
        )
    if body.recommended_cents > app.requested_cents:
        raise Unprocessable(
            f"The recommended amount ({body.recommended_cents} cents) is more than the "
            f"{app.requested_cents} cents requested.",
            errors=[
                _error(
                    "recommended_cents",
                    f"at most the requested {app.requested_cents} cents",
                    "amount_above_requested",
                )
            ],
        )
    return body.recommended_cents


async def get_assessment(
    *, session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, Assessment]:
    """The assessment of an application the caller may see; 404 without one."""
    app = await applications.get_visible(
        session=session, principal=principal, application_id=application_id
    )
    assessment = await repository.get_assessment(session, app.id)
    if assessment is None:
        raise AssessmentNotFound(app.id)
    return app, assessment


def shows_notes(principal: Principal, app: Application) -> bool:
    """The office's notes are for the offices and the steering group, not the applicant side."""
    return access.is_office_for(principal, app.region) or principal.has_role("steering_member")


async def assess(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    body: AssessmentBody,
    if_match: str | None,
) -> tuple[Application, Assessment]:
    """Record (or replace) the assessment of a ``submitted`` application."""
    app = await applications.get_visible(
        session=session, principal=principal, application_id=application_id, lock=True
    )
    access.ensure_office(principal, app.region, "assess its applications")
    check_if_match(if_match, app.version)
    if app.status != "submitted":
        raise Conflict(
            f"An application can be assessed only while it is submitted; this one is {app.status}.",
            rule="assess-only-when-submitted",
            title="Not allowed in this status",
        )
    fund = await funds.get_fund(session=session, fund_id=app.fund_id)
    scores = _scored(fund.assessment_criteria, body)
    values: dict[str, Any] = {
        "scores": scores,
        "score": weighted_score(scores),
        "recommendation": body.recommendation,
        "recommended_cents": _recommended(app, body),
        "notes": body.notes or None,
        "assessed_by": principal.sub,
        "assessed_at": utcnow(),
    }
    assessment = await repository.get_assessment(session, app.id)
    if assessment is None:
        assessment = Assessment(application_id=app.id, **values)
    else:
        for name, value in values.items():
            setattr(assessment, name, value)
    session.add(assessment)
    app.touch()
    session.add(app)
    await applications.record_change(session, principal, "assessed", app)
    await outbox.append(
        session,
        ApplicationAssessed(
            version=app.version,
            id=app.id,
            fund_id=app.fund_id,
            region=app.region,
            recommendation=assessment.recommendation,
            recommended_cents=assessment.recommended_cents,
            score=assessment.score,
        ),
        entity_id=str(app.id),
        region=subject_region(app.region),
    )
    log.info(
        "offers.application.assessed",
        application_id=str(app.id),
        region=app.region,
        recommendation=assessment.recommendation,
    )
    return app, assessment
