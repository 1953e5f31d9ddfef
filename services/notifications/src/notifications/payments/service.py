"""Which payment event notifies whom (offers' ``offers.payment.*``): a payment request approved,
and the money paid, reach the application's contact and the persons of its schools — as a
decision does (``directory.application_audience``). The events carry
the contact (null once erased, and in events published before they carried it: then the
schools' persons alone).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.directory import repository as directory
from notifications.dispatch.service import Notifier
from schulerfolg.events import CloudEvent
from schulerfolg.events import offers as o
from schulerfolg.events.base import EventPayload

KINDS: dict[type[EventPayload], str] = {
    o.PaymentApproved: "payment_approved",
    o.PaymentPaid: "payment_paid",
}


async def handle(notifier: Notifier, session: AsyncSession, event: CloudEvent[Any]) -> None:
    """A payment approved or paid: the contact and the schools' persons are told (inbox,
    e-mail)."""
    data = event.data
    kind = KINDS.get(type(data))
    if kind is None:
        return
    await notifier.notify(
        session,
        kind=kind,
        source_id=str(event.id),
        link=f"/antraege/{data.application_id}/mittelabruf",
        addressees=await directory.application_audience(session, data.school_ids, data.contact),
        p=data.model_dump(mode="json"),
    )
