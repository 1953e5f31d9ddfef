"""iCalendar feeds parse with the icalendar library and keep Berlin wall-clock times across a
daylight-saving change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar
from meetings_support import BERLIN, OFFICE, create_committee, create_meeting, create_session


def _summer_time_change() -> date:
    """Next year's last Sunday in March: summer time begins in the night to it."""
    last = date(datetime.now(BERLIN).year + 1, 3, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


CHANGE = _summer_time_change()
BEFORE = datetime.combine(CHANGE - timedelta(days=2), time(10), tzinfo=BERLIN)  # Friday
AFTER = datetime.combine(CHANGE + timedelta(days=1), time(10), tzinfo=BERLIN)  # Monday


def parse(response) -> Calendar:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def by_title(calendar: Calendar) -> dict[str, object]:
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


async def test_times_are_berlin_local_on_both_sides_of_the_daylight_saving_change(meetings):
    before = await create_meeting(meetings, title="Fachaustausch vorher", starts_at=BEFORE)
    after = await create_meeting(meetings, title="Fachaustausch nachher", starts_at=AFTER)
    response = await meetings.client.get("/api/v1/meetings.ics", params={"region": "boerde"})
    text = response.text
    calendar = parse(response)

    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert f"DTSTART;TZID=Europe/Berlin:{BEFORE:%Y%m%d}T100000" in text
    assert f"DTSTART;TZID=Europe/Berlin:{AFTER:%Y%m%d}T100000" in text
    events = by_title(calendar)
    first, second = events["Fachaustausch vorher"], events["Fachaustausch nachher"]
    for event in (first, second):
        start = event.decoded("DTSTART")
        assert (start.hour, start.minute, str(start.tzinfo)) == (10, 0, "Europe/Berlin")
    assert first.decoded("DTSTART").astimezone(UTC).hour == 9  # CET, UTC+1
    assert second.decoded("DTSTART").astimezone(UTC).hour == 8  # CEST, UTC+2
    assert str(first["UID"]) == f"{before['id']}@meetings.schulerfolg.de"
    assert str(second["UID"]) == f"{after['id']}@meetings.schulerfolg.de"
    assert "Art: Fortbildung" in str(first["DESCRIPTION"])

    # The timezone definition itself maps both dates to the right offsets when parsed.
    reparsed = Calendar.from_ical(calendar.to_ical())
    starts = sorted(
        e.decoded("DTSTART").utcoffset().total_seconds() for e in reparsed.walk("VEVENT")
    )
    assert starts == [3600.0, 7200.0]


async def test_a_meeting_keeps_its_uid_and_its_sequence_follows_the_changes(meetings):
    meeting = await create_meeting(meetings, title="Netzwerktreffen", starts_at=BEFORE)
    url = f"/api/v1/meetings/{meeting['id']}.ics"
    event = parse(await meetings.client.get(url)).walk("VEVENT")[0]
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (1, "CONFIRMED")

    await meetings.client.patch(
        f"/api/v1/meetings/{meeting['id']}",
        json={"starts_at": AFTER.isoformat(), "ends_at": AFTER.replace(hour=12).isoformat()},
        headers=meetings.auth(*OFFICE),
    )
    await meetings.client.post(
        f"/api/v1/meetings/{meeting['id']}/cancel", headers=meetings.auth(*OFFICE)
    )
    event2 = parse(await meetings.client.get(url)).walk("VEVENT")[0]
    assert str(event2["UID"]) == str(event["UID"])
    assert int(event2["SEQUENCE"]) == 3
    assert str(event2["STATUS"]) == "CANCELLED"
    assert str(event2["SUMMARY"]).startswith("Abgesagt: ")
    assert event2.decoded("DTSTART") == AFTER


async def test_anonymous_callers_get_public_meetings_only(meetings):
    committee = await create_committee(meetings)
    await create_meeting(
        meetings, title="Öffentliche Fachtagung", kind="conference", starts_at=BEFORE
    )
    session = await create_session(meetings, committee["id"])
    anonymous = by_title(parse(await meetings.client.get("/api/v1/meetings.ics")))
    assert "Öffentliche Fachtagung" in anonymous
    assert "Sitzung der Steuergruppe" not in anonymous
    member_view = by_title(
        parse(
            await meetings.client.get(
                "/api/v1/meetings.ics",
                params={"committee_id": committee["id"]},
                headers=meetings.auth("steering_member", "boerde"),
            )
        )
    )
    assert list(member_view) == ["Sitzung der Steuergruppe"]
    assert (await meetings.client.get(f"/api/v1/meetings/{session['id']}.ics")).status_code == 401
    assert (
        await meetings.client.get(
            f"/api/v1/meetings/{session['id']}.ics", headers=meetings.auth("network_office", "harz")
        )
    ).status_code == 403
    assert (
        await meetings.client.get("/api/v1/meetings.ics", params={"region": "atlantis"})
    ).status_code == 422
