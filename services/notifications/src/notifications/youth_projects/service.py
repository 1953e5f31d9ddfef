"""Which youth-project event notifies whom (offers' ``offers.youth_project.*``): a micro-project
young people sent reaches their adult sponsor — by e-mail only, as the sponsor may have no
account — with the link to confirm or decline it (``/jugendprojekte/bestaetigen/{token}``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.dispatch.service import Addressee, Notifier
from schulerfolg.events import CloudEvent
from schulerfolg.events import offers as o
from schulerfolg.events.base import EventPayload

KINDS: dict[type[EventPayload], str] = {o.YouthProjectReceived: "youth_project_received"}


async def handle(notifier: Notifier, session: AsyncSession, event: CloudEvent[Any]) -> None:
    """A micro-project waits for its sponsor: the sponsor gets the confirmation link."""
    data = event.data
    kind = KINDS.get(type(data))
    if kind is None:
        return
    await notifier.notify(
        session,
        kind=kind,
        source_id=str(event.id),
        link=f"/jugendprojekte/bestaetigen/{data.token}",
        addressees=[Addressee(name=data.sponsor.name, email=data.sponsor.email)],
        p=data.model_dump(mode="json", exclude={"token"}),
    )
