"""What the office's start page asks the services — all at once (``asyncio.gather``), with the
signed-in person's token — and how the answers become the sections of „Was jetzt ansteht“.

The services decide what a person may see: offers answers only the applications and payments
of a network office's own regions (every region for the state coordination). Meetings also
shows public events of other regions, and offers every fund, so those two are narrowed to the
office's regions here.

Refused committee decisions are read from offers' ``/applications/{id}/decisions`` of the
submitted applications (a decision offers could not apply leaves the application submitted);
there is no list of them across applications in the API, so one call per submitted
application is made, concurrently (at most ``DECISION_READS`` at once). For the state
coordination with many submitted applications a list of refused decisions in offers would be
cheaper.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from web.applications.service import funds_by_id
from web.auth.schemas import User
from web.site.catalogue import rule_message
from web.site.client import Api, ApiError

SESSION_KINDS = ("committee_session", "jury_session")
ADVICE_STATUSES = ("draft", "returned")
UPCOMING_SHOWN = 10
DECISION_READS = 16  # at most this many decision reads at once, so offers is not flooded


@dataclass
class Budget:
    """A fund's money: approved of the budget."""

    fund: dict[str, Any]
    approved_cents: int
    budget_cents: int

    @property
    def percent(self) -> int:
        if self.budget_cents <= 0:
            return 0
        return round(100 * self.approved_cents / self.budget_cents)


@dataclass
class Overview:
    """The sections of the start page, each a list of what needs the office."""

    advice: list[dict[str, Any]] = field(default_factory=list)
    submitted: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    reported: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    waitlists: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)


def office_regions(user: User) -> list[str] | None:
    """The regions a network office works for; None for the state coordination (all)."""
    if user.has_role("state_coordinator"):
        return None
    return sorted(r for r in user.regions if r != "state")


async def _applications(api: Api, user: User, status: str) -> list[dict[str, Any]]:
    return await api.all_items(
        "offers", "/applications", params={"status": status}, token=user.token
    )


async def _upcoming(api: Api, user: User, regions: list[str] | None) -> list[dict[str, Any]]:
    """Scheduled meetings and events from now on, of the office's regions, by start."""
    params = {"status": "scheduled", "starts_after": datetime.now(UTC).isoformat()}
    if regions is None:
        return await api.all_items("meetings", "/meetings", params=params, token=user.token)
    lists = await asyncio.gather(
        *(
            api.all_items("meetings", "/meetings", params={**params, "region": r}, token=user.token)
            for r in regions
        )
    )
    return sorted((m for found in lists for m in found), key=lambda m: str(m["starts_at"]))


async def _refused_decision(
    api: Api, user: User, app: dict[str, Any], gate: asyncio.Semaphore
) -> dict[str, Any] | None:
    """The application's latest decision when offers refused it (after the last submission)."""
    try:
        async with gate:
            path = f"/applications/{app['id']}/decisions"
            answer = await api.get("offers", path, token=user.token)
    except ApiError as exc:
        if exc.status == 401:
            raise
        return None
    items = answer.get("items", [])
    if not items or items[-1].get("applied"):
        return None
    last = items[-1]
    if app.get("submitted_at") and str(last["at"]) < str(app["submitted_at"]):
        return None
    return {**last, "app": app, "message": rule_message(last.get("refused_rule"))}


async def overview(api: Api, user: User) -> Overview:
    """Everything the start page shows, fetched concurrently."""
    regions = office_regions(user)
    lists, funds = await asyncio.gather(
        asyncio.gather(
            *(_applications(api, user, s) for s in (*ADVICE_STATUSES, "submitted", "reported")),
            api.all_items("offers", "/payments", params={"status": "requested"}, token=user.token),
            _upcoming(api, user, regions),
        ),
        funds_by_id(api, user),
    )
    drafts, returned, submitted, reported, payments, upcoming = lists
    gate = asyncio.Semaphore(DECISION_READS)
    refused = await asyncio.gather(*(_refused_decision(api, user, a, gate) for a in submitted))

    def fund_of(app: dict[str, Any]) -> dict[str, Any]:
        return {**app, "fund": funds.get(app["fund_id"])}

    waiting = [
        fund_of(a)
        for a in [*drafts, *returned]
        if not a.get("consultation")
        and (funds.get(a["fund_id"]) or {}).get("requires_consultation", True)
    ]
    own_funds = [f for f in funds.values() if regions is None or f.get("region") in regions]
    return Overview(
        advice=sorted(waiting, key=lambda a: str(a["updated_at"])),
        submitted=sorted(
            (fund_of(a) for a in submitted), key=lambda a: str(a.get("submitted_at") or "")
        ),
        refused=[r for r in refused if r is not None],
        reported=[fund_of(a) for a in reported],
        payments=payments,
        waitlists=[m for m in upcoming if int(m.get("waitlisted") or 0) > 0],
        sessions=[m for m in upcoming if m["kind"] in SESSION_KINDS][:UPCOMING_SHOWN],
        events=[m for m in upcoming if m["kind"] not in SESSION_KINDS][:UPCOMING_SHOWN],
        budgets=[
            Budget(f, int(f["approved_cents"]), int(f["budget_cents"]))
            for f in sorted(own_funds, key=lambda f: (str(f.get("region") or ""), f["name"]))
        ],
    )
