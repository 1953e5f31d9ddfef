"""Who hears of a registrant marked present (meetings' ``meetings.registration.attended``): where
the event issues participation certificates, the registrant — by e-mail and, if they have an
account, in the inbox — with the link to the web's download page
(``/veranstaltungen/{meeting}/anmeldungen/{registration}/teilnahmebescheinigung``). The
certificate itself is rendered by meetings on request; nothing of it is stored here."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.dispatch.service import Addressee, Notifier
from schulerfolg.events import CloudEvent
from schulerfolg.events import meetings as m
from schulerfolg.events.base import EventPayload

KINDS: dict[type[EventPayload], str] = {m.RegistrationAttended: "participation_certificate"}


def certificate_link(meeting_id: str, registration_id: str) -> str:
    """The web's download page of a registrant's certificate."""
    return f"/veranstaltungen/{meeting_id}/anmeldungen/{registration_id}/teilnahmebescheinigung"


async def handle(notifier: Notifier, session: AsyncSession, event: CloudEvent[Any]) -> None:
    """A registrant was present at an event with certificates: they get the download link."""
    data = event.data
    kind = KINDS.get(type(data))
    if kind is None or not data.certificate or not data.email:
        return
    await notifier.notify(
        session,
        kind=kind,
        source_id=str(event.id),
        link=certificate_link(str(data.meeting_id), str(data.id)),
        addressees=[Addressee.of_registration(data)],
        reg=data.model_dump(mode="json"),
    )
