"""Keeping the funds and applications read models from offers' events; the rule that an
application goes only on its fund's deciding committee's agenda.

Each event carries the entity's version; an older event than the row holds is ignored.
"""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from meetings.models import ApplicationView, FundView
from schulerfolg.db import upsert_newer
from schulerfolg.events.offers import ApplicationData, FundData
from schulerfolg.http.problems import FieldError, Unprocessable

log = structlog.get_logger("meetings.funding")


async def apply_fund(session: AsyncSession, data: FundData) -> None:
    """Store a created/changed fund if it is newer than what is held."""
    await upsert_newer(
        session,
        FundView,
        {
            "id": data.id,
            "version": data.version,
            "name": data.name,
            "region": data.region,
            "deciding_committee_id": data.deciding_committee_id,
        },
    )


async def apply_application(session: AsyncSession, data: ApplicationData) -> None:
    """Store a submitted (or withdrawn) application's fund if newer than what is held."""
    await upsert_newer(
        session,
        ApplicationView,
        {
            "id": data.id,
            "version": data.version,
            "fund_id": data.fund_id,
            "region": data.region,
        },
    )


def _refuse(rule: str, detail: str, message: str) -> Unprocessable:
    return Unprocessable(
        detail,
        rule=rule,
        errors=[FieldError(field="application_id", location="body", message=message, type=rule)],
    )


async def ensure_decides(
    session: AsyncSession, *, application_id: uuid.UUID, committee_id: uuid.UUID | None
) -> None:
    """A 422 unless ``committee_id`` is the deciding committee of the application's fund.

    An item about an application puts it (title, sums, applicant) on a non-public agenda and
    lets that session decide it; only the committee the fund names may.
    """
    application = await session.get(ApplicationView, application_id)
    if application is None:
        raise _refuse(
            "application-unknown",
            f"Meetings knows no submitted application {application_id}. Only submitted "
            "applications go on an agenda; a submission reaches meetings within seconds — "
            "try again shortly.",
            "unknown application",
        )
    fund = await session.get(FundView, application.fund_id)
    if fund is None:
        raise _refuse(
            "application-unknown",
            f"Meetings does not know the fund {application.fund_id} of application "
            f"{application_id} yet; funds reach meetings within seconds — try again shortly.",
            "fund not known yet",
        )
    if fund.deciding_committee_id is None:
        raise _refuse(
            "no-deciding-committee",
            f"The fund {fund.name!r} names no deciding committee; its network office decides "
            "by hand, no committee's session.",
            "the fund names no deciding committee",
        )
    if fund.deciding_committee_id != committee_id:
        raise _refuse(
            "not-the-deciding-committee",
            f"Applications to the fund {fund.name!r} are decided by the committee "
            f"{fund.deciding_committee_id}, not by this meeting's committee.",
            "not decided by this meeting's committee",
        )
