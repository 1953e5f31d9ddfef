"""Who may read and manage committees and meetings, the request schema's times and the
calendar entry of a meeting, without a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from pydantic import ValidationError

from meetings.calendar.ics import calendar_of, meeting_uid
from meetings.common import Viewer
from meetings.models import Committee, Meeting
from meetings.schedule.schemas import MeetingCreate
from schulerfolg.auth import Principal
from schulerfolg.http.problems import Forbidden, Unauthorized

STARTS = datetime(2027, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 in Berlin (summer time)


def _viewer(*roles: str, regions: tuple[str, ...] = (), seats: tuple[uuid.UUID, ...] = ()):
    principal = Principal(sub="s", roles=frozenset(roles), regions=frozenset(regions))
    return Viewer(principal if roles else None, frozenset(seats))


def _meeting(**fields) -> Meeting:
    values = {
        "kind": "committee_session",
        "title": "Sitzung der Steuergruppe",
        "region": "boerde",
        "starts_at": STARTS,
        "ends_at": STARTS + timedelta(hours=2),
    }
    return Meeting(**(values | fields))


def test_anyone_sees_a_public_meeting_and_only_readers_of_its_region_its_internals():
    public = _meeting(public=True)
    anonymous, harz = _viewer(), _viewer("network_office", regions=("harz",))
    boerde = _viewer("network_office", regions=("boerde",))

    assert anonymous.may_read_meeting(public) and harz.may_read_meeting(public)
    assert not anonymous.may_read_internals(public)
    assert not harz.may_read_internals(public)
    assert boerde.may_read_internals(public)
    assert _viewer("state_coordinator").may_read_internals(public)


def test_a_member_of_the_committee_reads_its_session_and_the_committee_and_nobody_else_does():
    committee = Committee(name="Steuergruppe", kind="steering_group", region="boerde")
    session = _meeting(committee_id=committee.id)
    member = _viewer("school", seats=(committee.id,))
    stranger = _viewer("school", seats=(uuid.uuid4(),))

    assert member.may_read_meeting(session) and member.may_read_committee(committee)
    assert not stranger.may_read_meeting(session)
    assert not stranger.may_read_committee(committee)


def test_a_steering_member_reads_the_committees_of_the_own_region_and_no_other():
    """ARCHITECTURE: ``steering_member`` reads what the own region's committees decide on."""
    committee = Committee(name="Steuergruppe", kind="steering_group", region="boerde")
    session = _meeting(committee_id=committee.id)
    own = _viewer("steering_member", regions=("boerde",))
    other = _viewer("steering_member", regions=("harz",))

    assert own.may_read_committee(committee) and own.may_read_internals(session)
    assert not own.may_manage(committee.region)
    assert not other.may_read_committee(committee)
    assert not other.may_read_meeting(session) and not other.may_read_internals(session)


def test_an_office_manages_its_own_region_and_the_state_coordination_every_level():
    office = _viewer("network_office", regions=("boerde",))
    state = _viewer("state_coordinator")

    assert office.may_manage("boerde")
    assert not office.may_manage("harz") and not office.may_manage(None)
    assert state.may_manage("harz") and state.may_manage(None)
    assert not _viewer("steering_member", regions=("boerde",)).may_manage("boerde")


def test_a_refusal_is_401_for_anonymous_callers_and_403_for_signed_in_ones():
    assert isinstance(_viewer().refuse("the agenda"), Unauthorized)
    assert isinstance(_viewer("school").refuse("the agenda"), Forbidden)
    with pytest.raises(Unauthorized):
        _viewer().ensure_may_manage("boerde")
    with pytest.raises(Forbidden):
        _viewer("network_office", regions=("harz",)).ensure_may_manage("boerde")


def _create(**changes) -> MeetingCreate:
    body = {
        "kind": "training",
        "title": "Fortbildung",
        "starts_at": STARTS.isoformat(),
        "ends_at": (STARTS + timedelta(hours=2)).isoformat(),
    }
    return MeetingCreate.model_validate(body | changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_at": STARTS.isoformat()}, "ends_at must be after starts_at"),
        (
            {"registration_deadline": (STARTS + timedelta(minutes=1)).isoformat()},
            "registration_deadline must not be after starts_at",
        ),
        ({"starts_at": "2201-01-01T10:00:00+01:00"}, "between the years 2000 and 2100"),
        ({"starts_at": "2027-03-30T10:00:00"}, "timezone"),
    ],
)
def test_a_meeting_must_end_after_it_starts_in_this_century_with_a_time_zone(changes, message):
    with pytest.raises(ValidationError, match=message):
        _create(**changes)
    assert _create(registration_deadline=STARTS.isoformat()).registration_deadline == STARTS


def test_a_cancelled_meeting_stays_in_the_calendar_under_its_uid_in_berlin_time():
    meeting = _meeting(status="cancelled", cancel_reason="Krankheit", version=3)

    calendar = Calendar.from_ical(calendar_of([meeting], name="Termine"))
    (event,) = calendar.walk("VEVENT")

    assert str(event["UID"]) == meeting_uid(meeting) == f"{meeting.id}@meetings.schulerfolg.de"
    assert event["SEQUENCE"] == 3
    assert str(event["SUMMARY"]) == "Abgesagt: Sitzung der Steuergruppe"
    assert str(event["STATUS"]) == "CANCELLED"
    assert "Grund: Krankheit" in str(event["DESCRIPTION"])
    start = event.decoded("DTSTART")
    assert (str(start.tzinfo), start.hour) == ("Europe/Berlin", 10)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
