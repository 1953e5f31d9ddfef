"""Event naming (ARCHITECTURE.md) and decoding."""

from __future__ import annotations

import json

import pytest
from platform_support import ThingHappened

from schulerfolg.events import (
    CloudEvent,
    EventDecodeError,
    decode_event,
    payload_class,
    registered_events,
)
from schulerfolg.events.registry import OfficeData, RegionUpdated


def region_updated() -> RegionUpdated:
    return RegionUpdated(
        version=1,
        slug="boerde",
        name="Börde",
        kind="district",
        district_key="15083",
        office=OfficeData(name="NWST"),
    )


def test_an_event_is_named_as_the_architecture_says():
    event = CloudEvent.wrap(region_updated(), entity_id="boerde", region="boerde")

    assert event.specversion == "1.0"
    assert event.type == "de.schulerfolg.registry.region.updated.v1"
    assert event.source == "/registry"
    assert event.subject == "regions/boerde"
    assert event.region == "boerde"
    assert event.nats_subject() == "sfs.boerde.registry.region.updated"
    assert event.time.tzinfo is not None


def test_state_level_events_use_the_state_token():
    event = CloudEvent.wrap(ThingHappened(thing_id="x", value=1), entity_id="x", region="state")
    assert event.nats_subject() == "sfs.state.testsvc.thing.happened"


def test_a_region_that_is_not_a_subject_token_is_refused():
    with pytest.raises(ValueError):
        CloudEvent.wrap(
            ThingHappened(thing_id="x", value=1), entity_id="x", region="a.b"
        ).nats_subject()


def test_the_type_with_its_version_finds_the_payload_class():
    assert payload_class("de.schulerfolg.registry.region.updated.v1") is RegionUpdated
    assert payload_class("de.schulerfolg.registry.region.updated.v2") is None
    assert payload_class("something.else") is None
    assert RegionUpdated in registered_events()


def test_an_event_survives_the_round_trip_as_structured_json():
    event = CloudEvent.wrap(region_updated(), entity_id="boerde", region="boerde")
    decoded = decode_event(event.model_dump_json().encode())

    assert decoded == event
    assert isinstance(decoded.data, RegionUpdated)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not a CloudEvent"),
        (json.dumps({"specversion": "1.0"}).encode(), "not a CloudEvent"),
        (
            CloudEvent.wrap(ThingHappened(thing_id="x", value=1), entity_id="x", region="boerde")
            .model_dump_json()
            .replace('"value":1', '"value":"many"')
            .encode(),
            "invalid data",
        ),
    ],
)
def test_undecodable_messages_say_why(body, reason):
    with pytest.raises(EventDecodeError, match=reason):
        decode_event(body)


def test_consumers_ignore_fields_they_do_not_know_yet():
    raw = json.loads(
        CloudEvent.wrap(region_updated(), entity_id="boerde", region="boerde").model_dump_json()
    )
    raw["data"]["added_in_a_later_minor_version"] = 1
    assert decode_event(json.dumps(raw)).data == region_updated()
