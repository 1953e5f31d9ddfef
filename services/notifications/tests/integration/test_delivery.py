"""E-mail delivery against a real SMTP server: retried while the server is away and delivered
exactly once when it is back; a permanent rejection shows as failed in /deliveries."""

from __future__ import annotations

from notifications_support import Mailbox, application_fields, o, publish, text_of

from notifications.config import NotificationsSettings
from notifications.deliveries.service import SmtpSender
from notifications.dispatch.service import Notifier
from notifications.models import Delivery
from schulerfolg.db import utcnow
from schulerfolg.http.pagination import encode_cursor
from schulerfolg_dev.testing.plugin import eventually

FIGURES = (("failed", 1), ("sent", 1), ("pending", 0))


async def deliveries(service, status=None):
    params = {"status": status} if status else {}
    response = await service.client.get(
        "/api/v1/deliveries", params=params, headers=service.auth("admin")
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_while_smtp_is_down_the_mail_is_retried_and_then_delivered_exactly_once(
    notifications_on, nats_url
):
    mailbox = Mailbox()  # not started yet: connections are refused
    service = await notifications_on("postgresql", smtp_port=mailbox.port)
    try:
        submitted = o.ApplicationSubmitted(**application_fields())
        await publish(nats_url, submitted, times=3)

        async def retried() -> list:
            pending = await deliveries(service, "pending")
            return [d for d in pending if d["attempts"] >= 2]

        (waiting,) = await eventually(retried)
        assert waiting["last_error"]  # e.g. a refused connection
        assert waiting["to"] == "joerg.weiss@schule.test"

        mailbox.start()
        (mail,) = await mailbox.wait_for("joerg.weiss@schule.test")
        assert mail["Message-ID"] == waiting["message_id"]
        (sent,) = await eventually(lambda: deliveries(service, "sent"))
        assert sent["id"] == waiting["id"] and sent["attempts"] >= 3 and sent["last_error"] is None
        # Another round of the sender finds nothing left to send.
        assert await service.app.state.notifications.sender.send_due() == 0
        assert len(mailbox.messages) == 1
        assert str(submitted.id) in text_of(mail)
    finally:
        mailbox.stop()


async def test_a_permanent_rejection_is_failed_at_once_and_others_still_go_out(
    notifications_on, nats_url
):
    mailbox = Mailbox(refused=["gibt.es.nicht@schule.test"])
    mailbox.start()
    try:
        service = await notifications_on("postgresql", smtp_port=mailbox.port)
        refused = o.ApplicationSubmitted(
            **application_fields(contact={"name": "Niemand", "email": "gibt.es.nicht@schule.test"})
        )
        fine = o.ApplicationSubmitted(**application_fields())
        await publish(nats_url, refused, fine)
        await mailbox.wait_for("joerg.weiss@schule.test")
        (failed,) = await eventually(lambda: deliveries(service, "failed"))
        assert failed["to"] == "gibt.es.nicht@schule.test"
        assert failed["attempts"] == 1
        assert failed["last_error"].startswith("550")
        assert [d["to"] for d in await deliveries(service, "sent")] == ["joerg.weiss@schule.test"]
        assert await deliveries(service, "pending") == []

        figures = [f'email_deliveries{{status="{s}"}} {n}.0' for s, n in FIGURES]

        async def counted() -> bool:
            text = (await service.client.get("/metrics")).text
            return all(figure in text for figure in figures)

        await eventually(counted)
    finally:
        mailbox.stop()


async def test_only_admins_and_the_state_coordination_see_deliveries(notifications):
    client = notifications.client
    assert (await client.get("/api/v1/deliveries")).status_code == 401
    forbidden = await client.get(
        "/api/v1/deliveries", headers=notifications.auth("network_office", "boerde")
    )
    assert forbidden.status_code == 403
    allowed = await client.get(
        "/api/v1/deliveries", headers=notifications.auth("state_coordinator")
    )
    assert allowed.status_code == 200
    bad = await client.get(
        "/api/v1/deliveries", params={"status": "lost"}, headers=notifications.auth("admin")
    )
    assert bad.status_code == 422
    naive = encode_cursor(["2026-01-01", "6f1d2a7c-0e15-4b4e-9b4e-6f1d2a7c0e15"])
    refused = await client.get(
        "/api/v1/deliveries", params={"cursor": naive}, headers=notifications.auth("admin")
    )
    assert refused.status_code == 400


async def test_the_sender_works_on_sqlite_too(notifications_on, nats_url, mailbox):
    service = await notifications_on("sqlite", smtp_port=mailbox.port)
    await publish(nats_url, o.ApplicationSubmitted(**application_fields()), times=2)
    await mailbox.wait_for("joerg.weiss@schule.test")
    (sent,) = await eventually(lambda: deliveries(service, "sent"))
    assert sent["attempts"] == 1
    assert len(mailbox.messages) == 1


async def test_a_kept_connection_the_server_closed_is_opened_again_without_a_failure(mailbox):
    """The sender keeps its SMTP connection for a round; if the server has dropped it meanwhile
    (here: restarted), the next e-mail goes out over a new one instead of failing."""
    settings = NotificationsSettings(smtp_port=mailbox.port, smtp_timeout=2.0)
    notifier = Notifier(settings)
    smtp = SmtpSender(settings)
    row = {"source_event_id": "test", "recipient_key": "email:a"}

    def delivery(address: str) -> Delivery:
        fields = notifier.delivery_row(
            kind="application_submitted",
            to_address=address,
            to_name=None,
            subject="Betreff",
            text="Text",
            html="<p>Text</p>",
            now=utcnow(),
        )
        return Delivery(**(fields | row))

    try:
        assert (await smtp.send(delivery("erste@schule.test"))).ok
        mailbox.stop()
        mailbox.start()
        assert (await smtp.send(delivery("zweite@schule.test"))).ok
    finally:
        await smtp.close()
    assert [str(m["To"]) for m in mailbox.messages] == ["erste@schule.test", "zweite@schule.test"]
