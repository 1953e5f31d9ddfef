"""The service's durable consumers: one per producing service's stream."""

from __future__ import annotations

from notifications.rules import MEETINGS_EVENTS, OFFERS_EVENTS, REGISTRY_EVENTS, Rules
from schulerfolg.messaging.consumer import ConsumerSpec


def consumer_specs(rules: Rules) -> list[ConsumerSpec]:
    """Persons from registry, applications from offers, committees and meetings from meetings."""
    return [
        ConsumerSpec(
            name="notifications-registry",
            events=REGISTRY_EVENTS,
            handler=rules.registry,
            description="Recipient directory from registry persons; erasures delete everything.",
        ),
        ConsumerSpec(
            name="notifications-offers",
            events=OFFERS_EVENTS,
            handler=rules.offers,
            description="E-mails and inbox entries about applications; report reminders.",
        ),
        ConsumerSpec(
            name="notifications-meetings",
            events=MEETINGS_EVENTS,
            handler=rules.meetings,
            description="Committee members, meetings and registrations; meeting reminders.",
        ),
    ]
