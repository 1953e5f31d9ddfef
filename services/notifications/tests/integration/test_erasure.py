"""After a registry erasure no data of the person remains here and nothing is sent to them."""

from __future__ import annotations

from notifications_support import (
    application_fields,
    everything_stored,
    inbox,
    m,
    meeting_fields,
    member,
    o,
    person,
    publish,
    r,
    registration_fields,
    rows,
    wait_for_persons,
)
from sqlalchemy import select

from notifications.models import Recipient, metadata
from schulerfolg_dev.testing.plugin import eventually


async def test_an_erased_person_leaves_no_data_and_gets_nothing_afterwards(
    notifications, mailbox, nats_url
):
    name, address = "Petra Jürgensen", "petra.juergensen@netzwerk.test"
    petra = person(name=name, email=address, user_sub="sub-petra")
    colleague = person(name="Quirin Spaß", email="quirin@netzwerk.test")
    await publish(nats_url, petra, colleague)
    await wait_for_persons(notifications, petra.id, colleague.id)
    token = notifications.auth("network_office", "boerde", sub="sub-petra", email=address)
    # Preferences, an e-mail, inbox entries, a digest item, a membership and a registration.
    await notifications.client.put(
        "/api/v1/preferences",
        json={"kinds": {"decision_refused": {"email": True}}, "digest": "off"},
        headers=token,
    )
    first = o.ApplicationSubmitted(**application_fields())
    fields = meeting_fields()
    await publish(nats_url, first, member(fields["committee_id"], petra.id, committee_version=2))
    await mailbox.wait_for(address)
    await notifications.client.put("/api/v1/preferences", json={"digest": "weekly"}, headers=token)
    await publish(
        nats_url,
        m.MeetingScheduled(**fields),
        m.RegistrationConfirmed(
            **registration_fields(fields, name=name, email=address, person_id=petra.id)
        ),
    )
    await eventually(lambda: _has_entries(notifications, token, 3))
    stored = await everything_stored(notifications)
    assert address in stored and name in stored and "sub-petra" in stored

    await publish(nats_url, r.PersonErased(id=petra.id), times=2)

    async def erased() -> bool:
        return address not in await everything_stored(notifications)

    await eventually(erased)
    stored = await everything_stored(notifications)
    assert name not in stored, [line for line in stored.splitlines() if name in line]
    assert "sub-petra" not in stored
    (tombstone,) = await rows(notifications, select(Recipient).where(Recipient.id == str(petra.id)))
    assert tombstone.Recipient.name is None and tombstone.Recipient.erased_at is not None
    assert await inbox(notifications, token) == []

    # A late update cannot bring the data back, and later events send them nothing.
    late = person(name=name, email=address, user_sub="sub-petra", version=5, person_id=petra.id)
    (update,) = await publish(nats_url, r.PersonUpdated(**late.model_dump()))
    await eventually(lambda: processed(notifications, update.id))
    second = o.ApplicationSubmitted(**application_fields(title="Nach der Löschung"))
    await publish(nats_url, second)
    await mailbox.wait_for("quirin@netzwerk.test", "Nach der Löschung")
    assert mailbox.to(address, "Nach der Löschung") == []
    assert address not in await everything_stored(notifications)


async def processed(service, event_id) -> bool:
    inbox_table = metadata.tables["inbox"]
    return bool(await rows(service, select(inbox_table).where(inbox_table.c.event_id == event_id)))


async def _has_entries(service, token, count):
    return len(await inbox(service, token)) >= count
