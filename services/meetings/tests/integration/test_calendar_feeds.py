"""Issue 17: a seat in a committee lets its holder read that committee and no other (a steering
member of the region reads all of the region's, ARCHITECTURE), and a personal calendar subscription — a secret feed link that a calendar program
fetches without a token — shows the sessions of the person's committees, non-public ones too.
PostgreSQL and a real NATS server; SQLite runs the migration (``test_sqlite.py`` style)."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlsplit

from icalendar import Calendar
from meetings_support import (
    OFFICE,
    add_member,
    create_committee,
    create_meeting,
    create_session,
    in_days,
    known_person,
    person_event,
)
from sqlalchemy import select

from meetings.models import CalendarFeed
from schulerfolg.events.registry import PersonErased
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events, wrap

FEEDS = "/api/v1/calendar-feeds"
ICS = "/api/v1/meetings.ics"
SUB = "kc-greta"


async def seated_steering_member(meetings, nats_url):
    """Two Börde committees; Greta (``kc-greta``, a steering member of the neighbouring Harz)
    sits in the first only.
    Each has a non-public session. Answers (own, other, own session, other session, person id)."""
    event = person_event(name="Greta Steuer", user_sub=SUB)
    await publish_events(nats_url, [event])
    person_id = str(event.data.id)
    await known_person(meetings, person_id)
    own = await create_committee(meetings, name="Steuergruppe Börde")
    other = await create_committee(meetings, name="AK Gewaltprävention", kind="working_group")
    await add_member(meetings, own["id"], person_id)
    own_session = await create_session(meetings, own["id"])  # „Sitzung der Steuergruppe“
    other_session = await create_meeting(
        meetings,
        kind="committee_session",
        committee_id=other["id"],
        title="Sitzung des AK",
        starts_at=in_days(15),
        public=False,
    )
    return own, other, own_session, other_session, person_id


def greta(meetings):
    return meetings.auth("steering_member", "harz", sub=SUB)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)  # RFC 5545, as a calendar program reads it
    assert str(calendar["VERSION"]) == "2.0" and calendar.walk("VTIMEZONE")
    return sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))


def secret_of(created: dict) -> str:
    return parse_qs(urlsplit(created["url"]).query)["feed"][0]


async def test_a_seat_opens_its_committee_only_and_the_regions_steering_role_opens_all(
    meetings, nats_url
):
    own, other, own_session, other_session, _ = await seated_steering_member(meetings, nats_url)
    member = greta(meetings)
    office = meetings.auth(*OFFICE)

    committees = await meetings.client.get("/api/v1/committees", headers=member)
    assert [c["id"] for c in committees.json()["items"]] == [own["id"]]
    sessions = await meetings.client.get("/api/v1/meetings", headers=member)
    assert [m["id"] for m in sessions.json()["items"]] == [own_session["id"]]
    for path in (
        f"/api/v1/committees/{own['id']}",
        f"/api/v1/committees/{own['id']}/members",
        f"/api/v1/meetings/{own_session['id']}",
        f"/api/v1/meetings/{own_session['id']}/agenda",
    ):
        assert (await meetings.client.get(path, headers=member)).status_code == 200, path
    for path in (
        f"/api/v1/committees/{other['id']}",
        f"/api/v1/committees/{other['id']}/members",
        f"/api/v1/meetings/{other_session['id']}",
        f"/api/v1/meetings/{other_session['id']}/agenda",
        f"/api/v1/meetings/{other_session['id']}/minutes",
        f"/api/v1/meetings/{other_session['id']}.ics",
    ):
        assert (await meetings.client.get(path, headers=member)).status_code in (403, 404), path

    # The office and the steering members of the region see both.
    for reader in (office, meetings.auth("steering_member", "boerde")):
        listed = await meetings.client.get("/api/v1/committees", headers=reader)
        assert {c["id"] for c in listed.json()["items"]} == {own["id"], other["id"]}
        answer = await meetings.client.get(
            f"/api/v1/meetings/{other_session['id']}/agenda", headers=reader
        )
        assert answer.status_code == 200


async def test_the_feed_link_shows_the_persons_committees_without_a_token(meetings, nats_url):
    await seated_steering_member(meetings, nats_url)
    assert (await meetings.client.post(FEEDS)).status_code == 401

    response = await meetings.client.post(FEEDS, headers=greta(meetings))
    assert response.status_code == 201, response.text
    created = response.json()
    secret = secret_of(created)
    assert created["secret"] == secret and len(secret) >= 43  # 32 random bytes, base64url
    assert created["url"].startswith("http") and "/api/v1/meetings.ics?feed=" in created["url"]

    # Without any token: the person's non-public session, not the other committee's.
    assert titles(await meetings.client.get(ICS, params={"feed": secret})) == [
        "Sitzung der Steuergruppe"
    ]
    # Only the hash is stored; the list never shows the secret again.
    async with meetings.runtime.db.transaction(readonly=True) as session:
        stored = (await session.scalars(select(CalendarFeed))).all()
    assert [row.secret_hash for row in stored] == [hashlib.sha256(secret.encode()).hexdigest()]
    listed = await meetings.client.get(FEEDS, headers=greta(meetings))
    assert [f["id"] for f in listed.json()["items"]] == [created["id"]]
    assert secret not in listed.text

    # Someone else neither lists nor revokes it; an unknown secret is 404.
    stranger = meetings.auth("steering_member", "boerde", sub="kc-fremd")
    assert (await meetings.client.get(FEEDS, headers=stranger)).json()["items"] == []
    gone = await meetings.client.delete(f"{FEEDS}/{created['id']}", headers=stranger)
    assert gone.status_code == 404
    assert (await meetings.client.get(ICS, params={"feed": "x" * 43})).status_code == 404

    # Renewing revokes the old link; revoking the new one leaves none.
    renewed = (await meetings.client.post(FEEDS, headers=greta(meetings))).json()
    assert (await meetings.client.get(ICS, params={"feed": secret})).status_code == 404
    assert titles(await meetings.client.get(ICS, params={"feed": secret_of(renewed)})) == [
        "Sitzung der Steuergruppe"
    ]
    revoked = await meetings.client.delete(f"{FEEDS}/{renewed['id']}", headers=greta(meetings))
    assert revoked.status_code == 204
    assert (await meetings.client.get(ICS, params={"feed": secret_of(renewed)})).status_code == 404


async def test_a_feed_follows_the_seats_and_goes_with_the_persons_erasure(meetings, nats_url):
    own, _, _, _, person_id = await seated_steering_member(meetings, nats_url)
    created = (await meetings.client.post(FEEDS, headers=greta(meetings))).json()
    secret = secret_of(created)
    own_data = await meetings.client.get("/api/v1/me/data", headers=greta(meetings))
    assert [f["id"] for f in own_data.json()["data"]["calendar_feeds"]] == [created["id"]]
    assert secret not in own_data.text

    # Out of the committee: the link stays, the session leaves the calendar.
    removed = await meetings.client.delete(
        f"/api/v1/committees/{own['id']}/members/{person_id}", headers=meetings.auth(*OFFICE)
    )
    assert removed.status_code == 204
    assert titles(await meetings.client.get(ICS, params={"feed": secret})) == []

    await publish_events(
        nats_url, [wrap(PersonErased(id=person_id), entity_id=person_id, region="boerde")]
    )

    async def refused() -> bool:
        return (await meetings.client.get(ICS, params={"feed": secret})).status_code == 404

    assert await eventually(refused)
