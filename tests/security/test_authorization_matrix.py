"""The authorization matrix: every operation of the five services' OpenAPI documents × every
kind of caller (anonymous, each role in the resource's region and in another one), asserted
against the written policy (``policy.py``). An operation without a policy entry fails the run,
so a new endpoint cannot be forgotten.

The services run in-process on PostgreSQL with one NATS server; the resources are made through
their APIs once (``world.py``), and a fresh one for each call that uses one up."""

from __future__ import annotations

from typing import Any

import pytest
from security.policy import ALLOW, CALLERS, KNOWN_DEVIATIONS, POLICY, UNAUTHORIZED
from security.stack import Stack
from security.world import BUILDERS, World, build_world, ok

from meetings.config import MeetingsSettings
from meetings.main import create_app as meetings_app
from notifications.config import NotificationsSettings
from notifications.main import create_app as notifications_app
from offers.config import OffersSettings
from offers.main import create_app as offers_app
from planning.config import PlanningSettings
from planning.main import create_app as planning_app
from registry.config import RegistrySettings
from registry.main import create_app as registry_app
from schulerfolg_dev.testing.plugin import eventually

APPS = {
    "registry": (registry_app, RegistrySettings),
    "offers": (offers_app, OffersSettings),
    "meetings": (meetings_app, MeetingsSettings),
    "notifications": (notifications_app, NotificationsSettings),
    "planning": (planning_app, PlanningSettings),
}
METHODS = ("get", "put", "post", "patch", "delete")


def openapi_operations() -> list[tuple[str, str, str]]:
    """(service, METHOD, path template) of every operation in the services' OpenAPI documents."""
    operations = []
    for service, (create_app, settings_cls) in APPS.items():
        settings = settings_cls(
            database_url="sqlite+aiosqlite:///unused.sqlite", nats_url="nats://127.0.0.1:1"
        )
        document = create_app(settings).openapi()
        for path, item in document["paths"].items():
            for method in METHODS:
                if method in item:
                    operations.append((service, method.upper(), path))
    return operations


OPERATIONS = openapi_operations()


def test_every_operation_has_a_policy_entry_and_a_call():
    missing = [op for op in OPERATIONS if op not in POLICY]
    stale = [op for op in POLICY if op not in OPERATIONS]
    no_call = [
        (*op, variant)
        for op, variants in POLICY.items()
        for variant in variants
        if (*op, variant) not in BUILDERS
    ]
    unused_calls = [
        key for key in BUILDERS if key[:3] not in POLICY or key[3] not in POLICY[key[:3]]
    ]
    assert not missing, f"operations without a policy entry (add them to policy.py): {missing}"
    assert not stale, f"policy entries for operations that no longer exist: {stale}"
    assert not no_call, f"policy entries without a call in world.py: {no_call}"
    assert not unused_calls, f"calls in world.py without a policy entry: {unused_calls}"


def test_the_policy_denies_anonymous_writes_everywhere_but_public_registrations():
    """A sanity check of the policy itself: no anonymous write is allowed except registering
    for a public meeting, cancelling an anonymous registration by its id, answering an open
    anonymous survey (a ticket, then the answers), and a young person's micro-project (a form
    ticket, the project; its sponsor's steps by the e-mailed token)."""
    allowed = [
        (*op, variant)
        for op, variants in POLICY.items()
        if op[1] != "GET"
        for variant, rule in variants.items()
        if rule.expect["anonymous"] is ALLOW
    ]
    assert allowed == [
        ("offers", "POST", "/api/v1/youth-projects/form", ""),
        ("offers", "POST", "/api/v1/youth-projects", ""),
        ("offers", "POST", "/api/v1/youth-projects/view", ""),
        ("offers", "POST", "/api/v1/youth-projects/confirm", ""),
        ("offers", "POST", "/api/v1/youth-projects/decline", ""),
        ("meetings", "POST", "/api/v1/meetings/{meeting_id}/registrations", "public"),
        (
            "meetings",
            "DELETE",
            "/api/v1/meetings/{meeting_id}/registrations/{registration_id}",
            "anonymous registrant",
        ),
        ("planning", "POST", "/api/v1/surveys/{survey_id}/tickets", ""),
        ("planning", "POST", "/api/v1/surveys/{survey_id}/responses", ""),
    ]


def _cases() -> list[Any]:
    params = []
    for service, method, path in OPERATIONS:
        for variant in POLICY.get((service, method, path), {"": None}):
            for caller in CALLERS:
                key = (service, method, path, variant, caller)
                reason = KNOWN_DEVIATIONS.get(key)
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                label = f"{service} {method} {path}" + (f" [{variant}]" if variant else "")
                params.append(pytest.param(*key, id=f"{label} as {caller}", marks=marks))
    return params


@pytest.fixture(scope="session")
async def world(stack: Stack) -> World:
    return await build_world(stack)


@pytest.mark.parametrize(("service", "method", "path", "variant", "caller"), _cases())
async def test_access(world: World, service, method, path, variant, caller):
    rule = POLICY.get((service, method, path), {}).get(variant)
    assert rule is not None, f"no policy entry for {service} {method} {path}"
    build = BUILDERS.get((service, method, path, variant))
    assert build is not None, f"no call for {service} {method} {path} [{variant}] in world.py"
    if caller == "member":
        await world.seat_member()  # a call before may have removed the seat the caller holds
    call = await build(world, caller)
    kwargs = dict(call.kwargs)
    headers = world.headers(caller) | kwargs.pop("headers", {})
    response = await world.client(service).request(call.method, call.url, headers=headers, **kwargs)

    expect = rule.expect[caller]
    status = response.status_code
    what = f"{method} {call.url} as {caller}: expected {expect.value} ({rule.note}), got {status}"
    assert expect.accepts(status, anonymous=caller == "anonymous"), f"{what}: {response.text[:300]}"
    assert status < 500, what
    if status in (401, 403, 404, 422) and expect is not ALLOW:
        assert response.headers["content-type"].startswith("application/problem+json"), what
    if expect is UNAUTHORIZED or status == 401:
        assert response.headers.get("www-authenticate", "").startswith("Bearer"), what
    if expect is not ALLOW and call.unchanged is not None:
        changed = await call.unchanged()
        assert changed is None, f"{what}, yet it changed: {changed}"
    if caller in rule.hidden_from and call.marker and status == 200:
        assert call.marker not in response.text, f"{what}: the answer shows {call.marker}"


async def test_a_boerde_committee_cannot_decide_a_harz_application(world: World):
    """Cross-service: a decision recorded in a Börde committee's session on an agenda item that
    names a Harz application (added by hand) must not decide that application. A fund that names
    a deciding committee refuses other committees' decisions; this one names none (decided by its
    office), so the only guard left is the region."""
    offers, meetings = world.client("offers"), world.client("meetings")
    harz_fund = ok(
        await offers.post(
            "/api/v1/funds",
            json={
                "name": "Harzer Schulprojekte 2027",
                "kind": "school_project",
                "region": "harz",
                "period_start": "2027-01-01",
                "period_end": "2027-12-31",
                "budget_cents": 1_000_000,
                "requires_consultation": False,
                "requires_partner": False,
            },
            headers=world.state,
        )
    )
    body = world.application_body() | {
        "fund_id": harz_fund["id"],
        "school_ids": [world.school_other["id"]],
        "partner_organization_ids": [],
    }
    app = ok(await offers.post("/api/v1/applications", json=body, headers=world.state))
    app = ok(await offers.post(f"/api/v1/applications/{app['id']}/submit", headers=world.state))
    assert (app["region"], app["status"]) == ("harz", "submitted")

    await world.seat_member()
    meeting = f"/api/v1/meetings/{world.meeting['id']}"
    ok(
        await meetings.post(
            f"{meeting}/attendance",
            json={"person_ids": [world.person_internal["id"]]},
            headers=world.office,
        )
    )
    added = await meetings.post(
        f"{meeting}/agenda",
        json={"kind": "decision", "title": "Antrag aus dem Harz", "application_id": app["id"]},
        headers=world.office,
    )
    if added.status_code in (403, 404, 409, 422):
        return  # refused where it should be: the item cannot name another region's application
    item = ok(added)
    decided = await meetings.post(
        f"{meeting}/agenda/{item['id']}/decision",
        json={"outcome": "rejected", "reason": "Abgelehnt", "votes": {"yes": 1, "no": 0}},
        headers=world.office,
    )
    assert decided.status_code in (201, 403, 409, 422), decided.text

    async def seen_by_offers() -> list[Any] | None:
        response = await offers.get(
            f"/api/v1/applications/{app['id']}/decisions", headers=world.state
        )
        return ok(response)["items"] or None

    if decided.status_code == 201:
        await eventually(seen_by_offers, timeout=20)
    now = ok(await offers.get(f"/api/v1/applications/{app['id']}", headers=world.state))
    assert now["status"] == "submitted", (
        f"the Börde office's committee decided a Harz application: {now['status']}"
    )
