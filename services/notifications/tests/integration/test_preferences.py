"""Preferences per channel and kind are respected; a digest collects the day's notifications
into one e-mail."""

from __future__ import annotations

from datetime import timedelta

from notifications_support import (
    application_fields,
    inbox,
    new_id,
    o,
    person,
    publish,
    rows,
    text_of,
    wait_for_persons,
)
from sqlalchemy import select

from notifications.models import DigestItem
from schulerfolg.db import utcnow
from schulerfolg_dev.testing.plugin import eventually


async def put(service, headers, body, **extra):
    response = await service.client.put("/api/v1/preferences", json=body, headers=headers | extra)
    assert response.status_code == 200, response.text
    return response


async def test_preferences_read_back_with_defaults_and_honour_if_match(notifications):
    me = notifications.auth("school", sub="sub-pref", email="pref@schule.test")
    first = await notifications.client.get("/api/v1/preferences", headers=me)
    assert first.status_code == 200
    body = first.json()
    assert body["channels"] == {"email": True, "inbox": True}
    assert body["digest"] == "off"
    assert body["kinds"]["meeting_reminder"] == {"email": True, "inbox": True}
    assert first.headers["ETag"] == '"0"'

    saved = await put(
        notifications,
        me,
        {"kinds": {"meeting_reminder": {"email": False}}, "digest": "weekly"},
        **{"If-Match": '"0"'},
    )
    assert saved.headers["ETag"] == '"1"'
    assert saved.json()["kinds"]["meeting_reminder"] == {"email": False, "inbox": True}
    stale = await notifications.client.put(
        "/api/v1/preferences", json={"digest": "off"}, headers=me | {"If-Match": '"0"'}
    )
    assert stale.status_code == 412
    unknown = await notifications.client.put(
        "/api/v1/preferences", json={"kinds": {"spam": {"email": False}}}, headers=me
    )
    assert unknown.status_code == 422
    assert (await notifications.client.get("/api/v1/preferences")).status_code == 401


async def test_channels_and_kinds_are_respected(notifications, mailbox, nats_url):
    no_mail = person(name="Ina Kröger", email="ina@netzwerk.test", user_sub="sub-ina")
    no_inbox = person(name="Jan Möller", email="jan@netzwerk.test", user_sub="sub-jan")
    muted = person(name="Lea Schütz", email="lea@netzwerk.test", user_sub="sub-lea")
    await publish(nats_url, no_mail, no_inbox, muted)
    await wait_for_persons(notifications, no_mail.id, no_inbox.id, muted.id)
    ina = notifications.auth("network_office", "boerde", sub="sub-ina")
    jan = notifications.auth("network_office", "boerde", sub="sub-jan")
    lea = notifications.auth("network_office", "boerde", sub="sub-lea")
    await put(notifications, ina, {"channels": {"email": False, "inbox": True}})
    await put(notifications, jan, {"channels": {"email": True, "inbox": False}})
    off = {"email": False, "inbox": False}
    await put(notifications, lea, {"kinds": {"application_submitted": off}})
    # The applicant contact is no registry person: their preferences follow their address.
    applicant = notifications.auth("school", sub="sub-joerg", email="joerg.weiss@schule.test")
    await put(notifications, applicant, {"kinds": {"application_submitted": {"email": False}}})

    submitted = o.ApplicationSubmitted(**application_fields())
    refused = o.ApplicationDecisionRefused(
        application_id=submitted.id,
        region="boerde",
        decision_id=new_id(),
        outcome="approved",
        rule="fund-budget-exceeded",
        detail="Kein Geld mehr.",
        title=submitted.title,
    )
    await publish(nats_url, submitted, refused)
    await mailbox.wait_for("lea@netzwerk.test", "Beschluss")  # processed both events
    await mailbox.wait_for("jan@netzwerk.test", "Beschluss")

    assert mailbox.to("ina@netzwerk.test") == []
    assert [e["kind"] for e in await inbox(notifications, ina)] == [
        "decision_refused",
        "application_submitted",
    ]
    assert len(mailbox.to("jan@netzwerk.test")) == 2
    assert await inbox(notifications, jan) == []
    assert [str(x["Subject"]) for x in mailbox.to("lea@netzwerk.test")] == [
        f"Beschluss konnte nicht übernommen werden: {submitted.title}"
    ]
    assert [e["kind"] for e in await inbox(notifications, lea)] == ["decision_refused"]
    assert mailbox.to("joerg.weiss@schule.test") == []
    assert [e["kind"] for e in await inbox(notifications, applicant)] == ["application_submitted"]


async def test_a_daily_digest_collects_the_days_notifications_into_one_email(
    notifications, mailbox, nats_url
):
    reader = person(name="Nora Bäcker", email="nora@netzwerk.test", user_sub="sub-nora")
    other = person(name="Otto Fuß", email="otto@netzwerk.test")
    await publish(nats_url, reader, other)
    await wait_for_persons(notifications, reader.id, other.id)
    nora = notifications.auth("network_office", "boerde", sub="sub-nora")
    await put(notifications, nora, {"digest": "daily"})

    titles = ["Streitschlichtung Süd", "Medienkompetenz Nord", "Übergangsbegleitung West"]
    events = [o.ApplicationSubmitted(**application_fields(title=t)) for t in titles]
    await publish(nats_url, *events, times=2)
    for title in titles:  # without a digest, one e-mail each
        await mailbox.wait_for("otto@netzwerk.test", title)

    async def collected():
        items = await rows(notifications, select(DigestItem.title, DigestItem.due_at))
        return items if len(items) == 3 else None

    items = await eventually(collected)
    assert mailbox.to("nora@netzwerk.test") == []
    assert len(await inbox(notifications, nora)) == 3  # the inbox still gets each one

    # The digest hour comes: move the service's clock past it and let the scheduler run.
    state = notifications.app.state.notifications
    due = max(item.due_at for item in items)
    assert due - utcnow() <= timedelta(days=1)
    state.notifier.signals.clock = lambda: due + timedelta(seconds=1)
    state.notifier.signals.scheduler.fire()
    (digest,) = await mailbox.wait_for("nora@netzwerk.test")
    assert digest["Subject"] == "Tagesübersicht: 3 neue Benachrichtigungen"
    body = text_of(digest)
    for event in events:
        assert event.title in body
        assert f"https://portal.test/applications/{event.id}" in body
    assert await rows(notifications, select(DigestItem.id)) == []
    assert await state.scheduler.run_due() == 0
    assert len(mailbox.to("nora@netzwerk.test")) == 1
