"""Unit tests without I/O: settings, digest times, German formats, templates, mail headers."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

import pytest

from notifications.common import KINDS
from notifications.config import NotificationsSettings
from notifications.deliveries.service import WIRE_POLICY, build_message
from notifications.dispatch.service import Addressee, next_digest_at, unique_addressees
from notifications.messages.service import TEMPLATES, Renderer, format_cents, format_datetime
from notifications.models import Delivery
from notifications.privacy.service import months_before


def test_smtp_settings_are_read_unprefixed_and_the_prefixed_ones_win(monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "mail.example")
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("NOTIFICATIONS_SMTP_PORT", "587")
    monkeypatch.setenv("SMTP_TLS", "starttls")
    settings = NotificationsSettings()
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls) == (
        "mail.example",
        587,
        "starttls",
    )


@pytest.mark.parametrize(
    ("now", "period", "expected"),
    [
        # 06:00 UTC = 07:00 CET: the 07:00 digest of today has just begun → tomorrow's
        (datetime(2026, 1, 14, 6, 0, tzinfo=UTC), "daily", datetime(2026, 1, 15, 6, 0, tzinfo=UTC)),
        (datetime(2026, 1, 14, 5, 0, tzinfo=UTC), "daily", datetime(2026, 1, 14, 6, 0, tzinfo=UTC)),
        # summer time: 07:00 CEST = 05:00 UTC; weekly on Monday
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "weekly", datetime(2026, 7, 6, 5, 0, tzinfo=UTC)),
        # across the change to summer time (29 March 2026)
        (
            datetime(2026, 3, 28, 12, 0, tzinfo=UTC),
            "daily",
            datetime(2026, 3, 29, 5, 0, tzinfo=UTC),
        ),
    ],
)
def test_digest_times_follow_berlin_time(now, period, expected):
    assert next_digest_at(now, period, hour=7, weekday=0) == expected


def test_german_formats():
    assert format_cents(123456789) == "1.234.567,89 €"
    assert format_cents(5) == "0,05 €"
    assert format_datetime(datetime(2026, 3, 2, 13, 30, tzinfo=UTC)) == (
        "Montag, 2. März 2026, 14:30 Uhr"
    )


def test_each_person_and_address_is_notified_once():
    person = Addressee("A", "a@x.test", person_id="p1")
    same_address = Addressee("A", "A@X.test")
    same_person = Addressee("A", "other@x.test", person_id="p1")
    nobody = Addressee("N", None)
    assert unique_addressees([person, same_address, same_person, nobody]) == [person]


def test_every_kind_has_both_templates():
    for kind in (*KINDS, "digest"):
        assert (TEMPLATES / f"{kind}.txt").is_file()
        assert (TEMPLATES / f"{kind}.html").is_file()


def test_html_is_escaped_and_text_is_not():
    renderer = Renderer("https://portal.test/")
    application = {"id": "1", "title": "<b>Böse</b> & Co", "report_due": "2026-07-28"}
    rendered = renderer.render("report_due", link="/applications/1", name="Ä", a=application)
    assert "&lt;b&gt;Böse&lt;/b&gt; &amp; Co" in rendered.html
    assert "<b>Böse</b> & Co" in rendered.text
    assert 'href="https://portal.test/applications/1"' in rendered.html


def test_subjects_and_names_with_umlauts_survive_the_wire():
    delivery = Delivery(
        kind="report_due",
        source_event_id="e",
        recipient_key="k",
        to_address="joerg@schule.test",
        to_name="Jörg Weiß",
        subject="Erinnerung: Sachbericht fällig am 28. Juli 2026 – Übergänge gestalten",
        text_body="Grüße",
        html_body="<p>Grüße</p>",
        message_id="<1@schulerfolg.test>",
    )
    wire = build_message(delivery, sender="Netzwerk Börde <noreply@b.test>").as_bytes(
        policy=WIRE_POLICY
    )
    assert max(len(line) for line in wire.split(b"\r\n")) <= 998
    parsed = email.message_from_bytes(wire, policy=policy.default)
    assert parsed["Subject"] == delivery.subject
    assert parsed["To"].addresses[0].display_name == "Jörg Weiß"
    assert parsed["Message-ID"] == "<1@schulerfolg.test>"


@pytest.mark.parametrize(
    ("now", "months", "expected"),
    [
        (datetime(2027, 3, 31, 8, tzinfo=UTC), 12, datetime(2026, 3, 31, 8, tzinfo=UTC)),
        (datetime(2027, 3, 31, 8, tzinfo=UTC), 1, datetime(2027, 2, 28, 8, tzinfo=UTC)),
        (datetime(2027, 1, 15, tzinfo=UTC), 13, datetime(2025, 12, 15, tzinfo=UTC)),
    ],
)
def test_retention_counts_calendar_months(now, months, expected):
    assert months_before(now, months) == expected


def test_retention_months_are_settings(monkeypatch):
    monkeypatch.setenv("NOTIFICATIONS_RETENTION_INBOX_MONTHS", "6")
    settings = NotificationsSettings()
    assert (settings.retention_inbox_months, settings.retention_delivery_months) == (6, 12)
