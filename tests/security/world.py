"""The data the authorization matrix acts on, made through the services' public APIs: Börde's
organisation, school, persons, material, committee, meetings, fund, applications and an inbox
entry, plus a Harz school and organisation for the callers of the other region. And for every
operation of the policy, how to call it (making a fresh resource first where the call uses one
up, e.g. a deletion or a state transition)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from security.stack import Stack
from sqlalchemy import func, select, text

from meetings.models import Person as MeetingsPerson
from offers.models import CommitteeView, OrganizationView, SchoolView
from schulerfolg.auth import DEFAULT_AUDIENCE, LOCAL_ISSUER
from schulerfolg_dev.testing.plugin import eventually

OWN, OTHER = "boerde", "harz"
MEMBER_SUB = "sec-member-boerde"  # the user of the Börde steering group's member
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    """The JSON body of an expected answer (200 or 201 unless ``statuses`` are given)."""
    expected = statuses or (200, 201)
    assert response.status_code in expected, (
        f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    )
    return response.json() if response.content else {}


def _tag() -> str:
    return uuid.uuid4().hex[:8]


def _school_number() -> str:
    return f"{uuid.uuid4().int % 10**9:09d}"


@dataclass
class Call:
    """One request of the matrix (the caller's Authorization header is added by the test)."""

    method: str
    url: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    marker: str | None = None  # must not appear in the answer for ``Rule.hidden_from`` callers
    unchanged: Callable[[], Awaitable[str | None]] | None = None  # after a denial: what changed


@dataclass
class World:
    """The services and the Börde (own) and Harz (other) resources."""

    stack: Stack
    org: dict[str, Any] = field(default_factory=dict)
    org_other: dict[str, Any] = field(default_factory=dict)
    school: dict[str, Any] = field(default_factory=dict)
    school_other: dict[str, Any] = field(default_factory=dict)
    person_public: dict[str, Any] = field(default_factory=dict)
    person_internal: dict[str, Any] = field(default_factory=dict)
    person_other: dict[str, Any] = field(default_factory=dict)  # non-public, in Harz
    staff: dict[str, Any] = field(default_factory=dict)
    material: dict[str, Any] = field(default_factory=dict)
    committee: dict[str, Any] = field(default_factory=dict)
    meeting: dict[str, Any] = field(default_factory=dict)  # non-public committee session
    public_meeting: dict[str, Any] = field(default_factory=dict)
    fund: dict[str, Any] = field(default_factory=dict)
    state_fund: dict[str, Any] = field(default_factory=dict)  # state-wide, no committee
    draft: dict[str, Any] = field(default_factory=dict)
    submitted: dict[str, Any] = field(default_factory=dict)
    surveys: dict[str, dict[str, Any]] = field(default_factory=dict)  # planning, made on first use
    agreement: dict[str, Any] = field(default_factory=dict)  # planning, made on first use
    youth_fund: dict[str, Any] = field(default_factory=dict)  # offers, made on first use
    notification: dict[str, Any] = field(default_factory=dict)
    registration: dict[str, Any] = field(default_factory=dict)  # made without a token
    erasure_request: dict[str, Any] = field(default_factory=dict)
    paying_app: dict[str, Any] = field(default_factory=dict)  # issue 16: approved, 100 % advance
    _headers: dict[str, dict[str, str]] = field(default_factory=dict)

    # ------------------------------------------------------------------ callers

    def headers(self, caller: str) -> dict[str, str]:
        """The Authorization header of a caller of the policy (none for ``anonymous``)."""
        if caller not in self._headers:
            self._headers[caller] = self._mint(caller)
        return dict(self._headers[caller])

    def _mint(self, caller: str) -> dict[str, str]:
        mint = self.stack["registry"].auth
        if caller == "anonymous":
            return {}
        if caller == "state":
            return mint("state_coordinator", sub="sec-state", name="Landeskoordinierung")
        if caller == "admin":
            return mint("admin", sub="sec-admin")
        if caller == "member":
            return {"Authorization": f"Bearer {self.roleless_token(MEMBER_SUB)}"}
        if caller == "roleless":
            return {"Authorization": f"Bearer {self.roleless_token('sec-roleless')}"}
        role, _, side = caller.partition("_")
        region = OTHER if side == "other" else OWN
        if role == "office":
            return mint("network_office", region, sub=f"sec-office-{region}", name="Netzwerkstelle")
        if role == "steering":
            return mint("steering_member", region, sub=f"sec-steering-{region}")
        if role == "school":
            school = self.school_other if side else self.school
            return mint("school", school_id=school["id"], sub=f"sec-school-{region}")
        if role == "partner":
            org = self.org_other if side else self.org
            return mint("partner", organization_id=org["id"], sub=f"sec-partner-{region}")
        raise ValueError(caller)

    def roleless_token(self, sub: str) -> str:
        """A valid token without any role (``mint_token`` insists on one)."""
        key = serialization.load_pem_private_key(
            self.stack["registry"].private_key.read_bytes(), password=None
        )
        now = int(time.time())
        claims = {
            "iss": LOCAL_ISSUER,
            "aud": DEFAULT_AUDIENCE,
            "sub": sub,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "roles": [],
        }
        return jwt.encode(claims, key, algorithm="EdDSA")

    @property
    def state(self) -> dict[str, str]:
        return self.headers("state")

    @property
    def office(self) -> dict[str, str]:
        return self.headers("office")

    def client(self, service: str) -> httpx.AsyncClient:
        return self.stack[service].client

    # ------------------------------------------------------------------ registry

    async def new_org(self, region: str = OWN) -> dict[str, Any]:
        body = {"name": f"Kinder- und Jugendhilfe {_tag()} e.V.", "kind": "free_youth_welfare"}
        response = await self.client("registry").post(
            "/api/v1/organizations", json=body | {"region": region}, headers=self.state
        )
        return ok(response)

    async def new_school(self, region: str = OWN) -> dict[str, Any]:
        body = {
            "school_number": _school_number(),
            "name": f"Sekundarschule {_tag()}",
            "school_type": "sekundarschule",
            "region": region,
            "city": "Oschersleben" if region == OWN else "Wernigerode",
        }
        response = await self.client("registry").post(
            "/api/v1/schools", json=body, headers=self.state
        )
        return ok(response)

    async def new_person(self, *, public: bool = False, **fields: Any) -> dict[str, Any]:
        body = {
            "name": f"Erika Beispiel {_tag()}",
            "function": "other",
            "email": f"person-{_tag()}@boerde.example",
            "region": OWN,
            "public": public,
        } | fields
        response = await self.client("registry").post(
            "/api/v1/persons", json=body, headers=self.state
        )
        return ok(response)

    async def new_material(self) -> dict[str, Any]:
        response = await self.client("registry").post(
            "/api/v1/materials",
            files=material_form(),
            headers=self.state,
        )
        return ok(response)

    # ------------------------------------------------------------------ meetings

    async def new_meeting(self, *, public: bool = False, minutes: bool = False) -> dict[str, Any]:
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
        body: dict[str, Any] = {
            "title": f"Sitzung {_tag()}",
            "region": OWN,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "location": "Haldensleben, Landratsamt",
            "public": public,
        }
        if public:
            body |= {"kind": "network_meeting", "capacity": 500}
        else:
            body |= {"kind": "committee_session", "committee_id": self.committee["id"]}
        meetings = self.client("meetings")
        meeting = ok(await meetings.post("/api/v1/meetings", json=body, headers=self.office))
        if minutes:
            ok(
                await meetings.put(
                    f"/api/v1/meetings/{meeting['id']}/minutes",
                    json={"text": "# Protokoll\n\nEntwurf."},
                    headers=self.office,
                )
            )
        return meeting

    async def new_registration(self, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.client("meetings").post(
            f"/api/v1/meetings/{self.public_meeting['id']}/registrations",
            json={"name": "Gast", "email": f"gast-{_tag()}@example.org"},
            headers=headers or {},
        )
        return ok(response)

    async def seat_member(self) -> None:
        response = await self.client("meetings").post(
            f"/api/v1/committees/{self.committee['id']}/members",
            json={"person_id": self.person_internal["id"], "role": "member", "voting": True},
            headers=self.office,
        )
        ok(response)

    async def new_agenda_item(self, kind: str = "decision") -> dict[str, Any]:
        response = await self.client("meetings").post(
            f"/api/v1/meetings/{self.meeting['id']}/agenda",
            json={"kind": kind, "title": f"Punkt {_tag()}"},
            headers=self.office,
        )
        return ok(response)

    # ------------------------------------------------------------------ offers

    def application_body(self) -> dict[str, Any]:
        return {
            "fund_id": self.fund["id"],
            "school_ids": [self.school["id"]],
            "partner_organization_ids": [self.org["id"]],
            "title": f"Streitschlichtung {_tag()}",
            "summary": "Ausbildung von Streitschlichterinnen und Streitschlichtern.",
            "goals": "Konflikte fair lösen.",
            "topics": ["violence-prevention"],
            "target_groups": ["pupils"],
            "planned_participants": {"pupils": 20},
            "start_date": "2027-03-01",
            "end_date": "2027-03-05",
            "budget_lines": [
                {"category": "fees", "description": "Honorar", "amount_cents": 50_000},
            ],
            "contact": {
                "name": "Jana Kontakt",
                "email": "kontakt@schule-boerde.example",
                "phone": "03949 1234",
            },
        }

    async def new_application(
        self, status: str = "draft", fund: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A Börde application brought to ``status`` (draft, consulted, submitted, approved,
        reported) by the office acting for the applicant."""
        offers = self.client("offers")
        body = self.application_body() | ({"fund_id": fund["id"]} if fund else {})
        app = ok(await offers.post("/api/v1/applications", json=body, headers=self.office))
        base = f"/api/v1/applications/{app['id']}"
        steps = ["consulted", "submitted", "approved", "reported"]
        if status == "draft":
            return app
        for step in steps[: steps.index(status) + 1]:
            if step == "consulted":
                ok(
                    await offers.post(
                        f"{base}/consultation",
                        json={"date": "2026-11-20", "notes": "Beraten"},
                        headers=self.office,
                    )
                )
            elif step == "submitted":
                app = ok(await offers.post(f"{base}/submit", headers=self.office))
            elif step == "approved":
                app = ok(
                    await offers.post(
                        f"{base}/decision",
                        json={"outcome": "approved", "approved_cents": 50_000},
                        headers=self.office,
                    )
                )
            else:
                app = ok(await offers.post(f"{base}/report", json=REPORT, headers=self.office))
        if status == "consulted":
            app = ok(await offers.get(base, headers=self.office))
        return app

    async def version_of(self, service: str, url: str) -> int:
        return ok(await self.client(service).get(url, headers=self.state))["version"]


REPORT = {
    "actual_participants": {"pupils": 18},
    "actual_cost_cents": 48_000,
    "summary": "Zwölf Streitschlichter ausgebildet.",
}


def material_form(title: str = "Leitfaden Kinderschutz") -> list[tuple[str, Any]]:
    return [
        ("title", (None, title)),
        ("region", (None, OWN)),
        ("file", ("leitfaden.pdf", PDF, "application/pdf")),
    ]


async def build_world(stack: Stack) -> World:
    """Make the Börde and Harz resources through the APIs and wait until they have travelled."""
    w = World(stack)
    registry = w.client("registry")
    w.org = await w.new_org(OWN)
    w.org_other = await w.new_org(OTHER)
    w.school = await w.new_school(OWN)
    w.school_other = await w.new_school(OTHER)
    w.person_public = await w.new_person(public=True, function="network_office_staff")
    w.person_internal = await w.new_person(user_sub=MEMBER_SUB)
    w.staff = await w.new_person(
        function="network_office_staff",
        user_sub="sec-office-boerde",
        email="netzwerkstelle@boerde.example",
    )
    w.material = await w.new_material()
    w.person_other = await w.new_person(region=OTHER, email="fachkraft@harz.example")
    assert ok(await registry.get("/api/v1/regions/boerde"))["slug"] == OWN

    # meetings: the committee, its member (once meetings knows the person), two meetings
    meetings = w.client("meetings")
    w.committee = ok(
        await meetings.post(
            "/api/v1/committees",
            json={"name": "Steuergruppe Börde", "kind": "steering_group", "region": OWN},
            headers=w.office,
        )
    )

    async def seated() -> bool:
        response = await meetings.post(
            f"/api/v1/committees/{w.committee['id']}/members",
            json={"person_id": w.person_internal["id"], "role": "member", "voting": True},
            headers=w.office,
        )
        return response.status_code in (200, 201)

    await eventually(seated, timeout=30)
    meetings_db = stack["meetings"].runtime.db

    async def person_known() -> bool:
        async with meetings_db.transaction(readonly=True) as session:
            return await session.get(MeetingsPerson, uuid.UUID(w.person_other["id"])) is not None

    await eventually(person_known, timeout=30)
    w.meeting = await w.new_meeting(minutes=True)
    w.public_meeting = await w.new_meeting(public=True)
    w.registration = await w.new_registration()
    await w.new_agenda_item("information")

    # offers: wait for the schools, organisations and the committee, then the fund and two
    # applications
    offers_db = stack["offers"].runtime.db
    school_ids = [uuid.UUID(w.school["id"]), uuid.UUID(w.school_other["id"])]
    org_ids = [uuid.UUID(w.org["id"]), uuid.UUID(w.org_other["id"])]

    async def directory_filled() -> bool:
        async with offers_db.transaction(readonly=True) as session:
            schools = await session.scalar(
                select(func.count()).where(SchoolView.id.in_(school_ids))
            )
            orgs = await session.scalar(
                select(func.count()).where(OrganizationView.id.in_(org_ids))
            )
            committee = await session.get(CommitteeView, uuid.UUID(w.committee["id"]))
        return schools == 2 and orgs == 2 and committee is not None

    await eventually(directory_filled, timeout=30)
    w.fund = ok(
        await w.client("offers").post(
            "/api/v1/funds",
            json={
                "name": "Bildungsbezogene Angebote Börde 2027",
                "kind": "school_project",
                "region": OWN,
                "period_start": "2027-01-01",
                "period_end": "2027-12-31",
                "budget_cents": 100_000_000,
                "max_per_school_per_year_cents": None,
                "deciding_committee_id": w.committee["id"],
            },
            headers=w.office,
        )
    )
    w.state_fund = ok(
        await w.client("offers").post(
            "/api/v1/funds",
            json={
                "name": "Landesweiter Fonds 2027",
                "kind": "school_project",
                "region": None,
                "period_start": "2027-01-01",
                "period_end": "2027-12-31",
                "budget_cents": 100_000_000,
            },
            headers=w.state,
        )
    )
    w.draft = await w.new_application("draft")
    w.submitted = await w.new_application("submitted")

    # notifications: the submission reaches the Börde office staff's inbox
    notifications = w.client("notifications")

    async def delivered() -> dict[str, Any] | None:
        items = ok(await notifications.get("/api/v1/inbox", headers=w.office))["items"]
        return items[0] if items else None

    w.notification = await eventually(delivered, timeout=30)
    return w


# --------------------------------------------------------------------------- calls per operation

Builder = Callable[[World, str], Awaitable[Call]]
BUILDERS: dict[tuple[str, str, str, str], Builder] = {}
V = "/api/v1"


def builds(service: str, method: str, path: str, variant: str = "") -> Callable[[Builder], Builder]:
    def register(function: Builder) -> Builder:
        BUILDERS[(service, method, path, variant)] = function
        return function

    return register


def simple(
    service: str,
    method: str,
    path: str,
    url: Callable[[World], str],
    variant: str = "",
    *,
    marker: Callable[[World], str] | None = None,
    params: Callable[[World], dict[str, Any]] | None = None,
    **kwargs: Any,
) -> None:
    """An operation called the same way by everyone, on a shared resource; ``marker`` is what
    the answer must not show to the rule's ``hidden_from`` callers."""

    async def build(w: World, caller: str) -> Call:
        extra = {"params": params(w)} if params else {}
        return Call(method, url(w), dict(kwargs) | extra, marker=marker(w) if marker else None)

    BUILDERS[(service, method, path, variant)] = build


def listing(
    service: str,
    path: str,
    marker: Callable[[World], str],
    variant: str = "",
    params: Callable[[World], dict[str, Any]] = lambda w: {},
) -> None:
    """A list (one page of up to 500) that must not show ``marker`` to ``hidden_from`` callers."""
    simple(
        service,
        "GET",
        path,
        lambda w: path,
        variant,
        marker=marker,
        params=lambda w: {"limit": 500} | params(w),
    )


for _service in ("registry", "offers", "meetings", "notifications", "planning"):
    for _path in ("/healthz", "/readyz", "/metrics", "/asyncapi"):
        simple(_service, "GET", _path, lambda w, p=_path: p)

# ------------------------------------------------------------------ registry
R = "registry"
simple(R, "GET", f"{V}/regions", lambda w: f"{V}/regions")
simple(R, "GET", f"{V}/regions/{{slug}}", lambda w: f"{V}/regions/{OWN}")
simple(R, "GET", f"{V}/organizations", lambda w: f"{V}/organizations")
simple(
    R, "GET", f"{V}/organizations/{{organization_id}}", lambda w: f"{V}/organizations/{w.org['id']}"
)
simple(R, "GET", f"{V}/schools", lambda w: f"{V}/schools")
simple(R, "GET", f"{V}/schools/{{id}}", lambda w: f"{V}/schools/{w.school['id']}")
simple(R, "GET", f"{V}/materials", lambda w: f"{V}/materials")
simple(R, "GET", f"{V}/materials/{{id}}", lambda w: f"{V}/materials/{w.material['id']}")
simple(R, "GET", f"{V}/materials/{{id}}/file", lambda w: f"{V}/materials/{w.material['id']}/file")


@builds(R, "PUT", f"{V}/regions/{{slug}}/office")
async def _office(w: World, caller: str) -> Call:
    url = f"{V}/regions/{OWN}"
    before = await w.version_of(R, url)

    async def unchanged() -> str | None:
        after = await w.version_of(R, url)
        return None if after == before else f"office version {before} → {after}"

    body = {"name": f"Netzwerkstelle Schulerfolg Börde ({caller})"}
    return Call("PUT", f"{url}/office", {"json": body}, unchanged=unchanged)


def _patch_shared(
    service: str, path: str, url: Callable[[World], str], body: Callable[[str], dict[str, Any]]
) -> None:
    """PATCH a shared resource; a denied caller must leave its version as it was."""

    async def build(w: World, caller: str) -> Call:
        target = url(w)
        before = await w.version_of(service, target)

        async def unchanged() -> str | None:
            after = await w.version_of(service, target)
            return None if after == before else f"version {before} → {after}"

        return Call("PATCH", target, {"json": body(caller)}, unchanged=unchanged)

    BUILDERS[(service, "PATCH", path, "")] = build


_patch_shared(
    R,
    f"{V}/organizations/{{organization_id}}",
    lambda w: f"{V}/organizations/{w.org['id']}",
    lambda caller: {"name": f"Jugendhilfe Börde e.V. ({caller})"},
)
_patch_shared(
    R,
    f"{V}/schools/{{id}}",
    lambda w: f"{V}/schools/{w.school['id']}",
    lambda caller: {"name": f"Sekundarschule Oschersleben ({caller})"},
)
_patch_shared(
    R,
    f"{V}/persons/{{person_id}}",
    lambda w: f"{V}/persons/{w.person_internal['id']}",
    lambda caller: {"phone": f"03904 {len(caller):02d}{len(caller) * 37}"},
)
_patch_shared(
    R,
    f"{V}/materials/{{id}}",
    lambda w: f"{V}/materials/{w.material['id']}",
    lambda caller: {"title": f"Leitfaden ({caller})"},
)


def _delete_fresh(service: str, path: str, make: Callable[[World], Awaitable[str]]) -> None:
    """DELETE a resource made for this call; a denied caller must leave it readable."""

    async def build(w: World, caller: str) -> Call:
        target = await make(w)

        async def unchanged() -> str | None:
            response = await w.client(service).get(target, headers=w.state)
            return None if response.status_code == 200 else f"GET {target}: {response.status_code}"

        return Call("DELETE", target, unchanged=unchanged)

    BUILDERS[(service, "DELETE", path, "")] = build


async def _fresh_org(w: World) -> str:
    return f"{V}/organizations/{(await w.new_org())['id']}"


async def _fresh_school(w: World) -> str:
    return f"{V}/schools/{(await w.new_school())['id']}"


async def _fresh_person(w: World) -> str:
    return f"{V}/persons/{(await w.new_person())['id']}"


async def _fresh_material(w: World) -> str:
    return f"{V}/materials/{(await w.new_material())['id']}"


_delete_fresh(R, f"{V}/organizations/{{organization_id}}", _fresh_org)
_delete_fresh(R, f"{V}/schools/{{id}}", _fresh_school)
_delete_fresh(R, f"{V}/persons/{{person_id}}", _fresh_person)
_delete_fresh(R, f"{V}/materials/{{id}}", _fresh_material)


@builds(R, "POST", f"{V}/organizations")
async def _create_org(w: World, caller: str) -> Call:
    name = f"Träger {_tag()} e.V."
    body = {"name": name, "kind": "other", "region": OWN}
    return Call(
        "POST",
        f"{V}/organizations",
        {"json": body},
        unchanged=_absent(w, R, f"{V}/organizations", name),
    )


def _absent(w: World, service: str, url: str, q: str) -> Callable[[], Awaitable[str | None]]:
    """After a denied create: nothing named ``q`` was made."""

    async def check() -> str | None:
        items = ok(await w.client(service).get(url, params={"q": q}, headers=w.state))["items"]
        return f"{len(items)} created" if items else None

    return check


@builds(R, "POST", f"{V}/schools")
async def _create_school(w: World, caller: str) -> Call:
    name = f"Grundschule {_tag()}"
    body = {
        "school_number": _school_number(),
        "name": name,
        "school_type": "grundschule",
        "region": OWN,
        "city": "Wanzleben-Börde",
    }
    return Call(
        "POST", f"{V}/schools", {"json": body}, unchanged=_absent(w, R, f"{V}/schools", name)
    )


@builds(R, "POST", f"{V}/schools/import")
async def _import(w: World, caller: str) -> Call:
    name = f"Grundschule Import {_tag()}"
    csv = (
        "school_number;name;school_type;street;postal_code;city;region;has_school_social_work\n"
        f"{_school_number()};{name};grundschule;Schulstraße 1;39164;Wanzleben-Börde;{OWN};ja\n"
    )
    return Call(
        "POST",
        f"{V}/schools/import",
        {"content": csv.encode(), "headers": {"Content-Type": "text/csv"}},
        unchanged=_absent(w, R, f"{V}/schools", name),
    )


@builds(R, "POST", f"{V}/persons")
async def _create_person(w: World, caller: str) -> Call:
    name = f"Max Mustermann {_tag()}"
    body = {"name": name, "function": "other", "region": OWN}
    return Call(
        "POST", f"{V}/persons", {"json": body}, unchanged=_absent(w, R, f"{V}/persons", name)
    )


@builds(R, "POST", f"{V}/materials")
async def _create_material(w: World, caller: str) -> Call:
    title = f"Handreichung {_tag()}"
    return Call(
        "POST",
        f"{V}/materials",
        {"files": material_form(title)},
        unchanged=_absent(w, R, f"{V}/materials", title),
    )


# ------------------------------------------------------------------ offers
OF = "offers"
simple(OF, "GET", f"{V}/funds", lambda w: f"{V}/funds")
simple(OF, "GET", f"{V}/funds/{{fund_id}}", lambda w: f"{V}/funds/{w.fund['id']}")
simple(OF, "GET", f"{V}/topics", lambda w: f"{V}/topics")
simple(OF, "GET", f"{V}/projects", lambda w: f"{V}/projects?region=boerde")
simple(
    OF,
    "GET",
    f"{V}/statistics",
    lambda w: f"{V}/statistics",
    "region=boerde",
    params=lambda w: {"region": OWN},
)


@builds(OF, "POST", f"{V}/funds")
async def _create_fund(w: World, caller: str) -> Call:
    body = {
        "name": f"Jugendfonds {_tag()}",
        "kind": "youth_fund",
        "region": OWN,
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "budget_cents": 1_000_000,
    }
    return Call("POST", f"{V}/funds", {"json": body})


_patch_shared(
    OF,
    f"{V}/funds/{{fund_id}}",
    lambda w: f"{V}/funds/{w.fund['id']}",
    lambda caller: {"name": f"Bildungsbezogene Angebote Börde 2027 ({caller})"},
)


# youth micro-projects (issue 20): public, the sponsor's token is the capability
_YOUTH = f"{V}/youth-projects"


async def _youth_project(w: World, caller: str) -> dict[str, Any]:
    """A youth project's body for the Börde youth fund, with a fresh form ticket."""
    if not w.youth_fund:
        body = {
            "name": f"Jugendfonds Börde {_tag()}",
            "kind": "youth_fund",
            "region": OWN,
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "budget_cents": 1_000_000,
        }
        w.youth_fund = ok(await w.client(OF).post(f"{V}/funds", json=body, headers=w.state))
    ticket = ok(await w.client(OF).post(f"{_YOUTH}/form"), 201)["ticket"]
    return {
        "ticket": ticket,
        "website": "",
        "fund_id": w.youth_fund["id"],
        "school_id": w.school["id"],
        "title": f"Nistkästen {_tag()}",
        "idea": "Wir bauen Nistkästen für den Schulgarten.",
        "group_size": 6,
        "amount_cents": 20_000,
        "start_date": "2027-03-01",
        "end_date": "2027-05-31",
        "sponsor_name": "Herr Winter",
        "sponsor_email": f"winter-{caller}-{_tag()}@schule.example",
    }


async def _sponsor_token(w: World, caller: str) -> str:
    """A youth project sent, and its sponsor's token read from offers' outbox (the e-mail)."""
    body = await _youth_project(w, caller)
    ok(await w.client(OF).post(_YOUTH, json=body), 202)
    async with w.stack[OF].runtime.db.transaction(readonly=True) as session:
        rows = await session.execute(
            text("SELECT payload FROM outbox WHERE event_type LIKE '%youth_project.received%'")
        )
        for (payload,) in rows.all():
            data = json.loads(payload)["data"]
            if data["sponsor"]["email"] == body["sponsor_email"]:
                return str(data["token"])
    raise AssertionError("no youth_project.received event for the sponsor")


simple(OF, "GET", f"{_YOUTH}/form", lambda w: f"{_YOUTH}/form")
simple(OF, "POST", f"{_YOUTH}/form", lambda w: f"{_YOUTH}/form")


@builds(OF, "POST", _YOUTH)
async def _send_youth_project(w: World, caller: str) -> Call:
    return Call("POST", _YOUTH, {"json": await _youth_project(w, caller)})


for _step in ("view", "confirm", "decline"):

    def _sponsor_step(step: str) -> Builder:
        async def build(w: World, caller: str) -> Call:
            token = await _sponsor_token(w, caller)
            return Call("POST", f"{_YOUTH}/{step}", {"json": {"token": token}})

        return build

    BUILDERS[(OF, "POST", f"{_YOUTH}/{_step}", "")] = _sponsor_step(_step)


@builds(OF, "POST", f"{V}/applications")
async def _create_application(w: World, caller: str) -> Call:
    return Call("POST", f"{V}/applications", {"json": w.application_body()})


for _suffix in ("", "/history", "/decisions"):

    @builds(
        OF,
        "GET",
        f"{V}/applications/{{application_id}}{_suffix}",
        "submitted" if not _suffix else "",
    )
    async def _read_submitted(w: World, caller: str, suffix: str = _suffix) -> Call:
        return Call("GET", f"{V}/applications/{w.submitted['id']}{suffix}")


_patch_shared(
    OF,
    f"{V}/applications/{{application_id}}",
    lambda w: f"{V}/applications/{w.draft['id']}",
    lambda caller: {"title": f"Streitschlichtung ({caller})"},
)


def _transition(action: str, status: str, body: dict[str, Any] | None = None) -> None:
    """POST an action on a fresh Börde application in ``status``; a denied caller must leave its
    status as it was."""

    async def build(w: World, caller: str) -> Call:
        app = await w.new_application(status)
        url = f"{V}/applications/{app['id']}"

        async def unchanged() -> str | None:
            now = ok(await w.client(OF).get(url, headers=w.state))
            changed = now["version"] != app["version"]
            return (
                f"{app['status']} v{app['version']} → {now['status']} v{now['version']}"
                if changed
                else None
            )

        return Call("POST", f"{url}/{action}", {"json": body} if body else {}, unchanged=unchanged)

    BUILDERS[(OF, "POST", f"{V}/applications/{{application_id}}/{action}", "")] = build


_transition("consultation", "draft", {"date": "2026-11-20", "notes": "Beraten"})
_transition("submit", "consulted")
_transition("withdraw", "draft", {"reason": "Projekt entfällt"})
_transition("decision", "submitted", {"outcome": "approved", "approved_cents": 40_000})
_transition("report", "approved", REPORT)
# close: see below (it needs an accepted proof of use, issue 16)

# ------------------------------------------------------------------ meetings
M = "meetings"


@builds(M, "POST", f"{V}/committees")
async def _create_committee(w: World, caller: str) -> Call:
    body = {"name": f"Arbeitsgruppe {_tag()}", "kind": "working_group", "region": OWN}
    return Call("POST", f"{V}/committees", {"json": body})


simple(
    M, "GET", f"{V}/committees/{{committee_id}}", lambda w: f"{V}/committees/{w.committee['id']}"
)
simple(
    M,
    "GET",
    f"{V}/committees/{{committee_id}}/members",
    lambda w: f"{V}/committees/{w.committee['id']}/members",
)
simple(
    M,
    "GET",
    f"{V}/committees/{{committee_id}}/pending",
    lambda w: f"{V}/committees/{w.committee['id']}/pending",
)
_patch_shared(
    M,
    f"{V}/committees/{{committee_id}}",
    lambda w: f"{V}/committees/{w.committee['id']}",
    lambda caller: {"name": f"Steuergruppe Börde ({caller})"},
)


@builds(M, "POST", f"{V}/committees/{{committee_id}}/members")
async def _seat(w: World, caller: str) -> Call:
    body = {"person_id": w.person_internal["id"], "role": "member", "voting": True}
    return Call("POST", f"{V}/committees/{w.committee['id']}/members", {"json": body})


@builds(M, "DELETE", f"{V}/committees/{{committee_id}}/members/{{person_id}}")
async def _unseat(w: World, caller: str) -> Call:
    await w.seat_member()  # again, if a previous caller removed them
    url = f"{V}/committees/{w.committee['id']}/members/{w.person_internal['id']}"
    return Call("DELETE", url)


@builds(M, "POST", f"{V}/meetings")
async def _create_meeting(w: World, caller: str) -> Call:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    body = {
        "kind": "network_meeting",
        "title": f"Netzwerktreffen {_tag()}",
        "region": OWN,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "location": "Oschersleben",
    }
    return Call("POST", f"{V}/meetings", {"json": body})


_patch_shared(
    M,
    f"{V}/meetings/{{meeting_id}}",
    lambda w: f"{V}/meetings/{w.meeting['id']}",
    lambda caller: {"location": f"Haldensleben ({caller})"},
)


@builds(M, "POST", f"{V}/meetings/{{meeting_id}}/cancel")
async def _cancel(w: World, caller: str) -> Call:
    meeting = await w.new_meeting()
    return Call("POST", f"{V}/meetings/{meeting['id']}/cancel", {"json": {"reason": "Erkrankung"}})


simple(
    M,
    "GET",
    f"{V}/meetings/{{meeting_id}}/attendance",
    lambda w: f"{V}/meetings/{w.meeting['id']}/attendance",
)


@builds(M, "POST", f"{V}/meetings/{{meeting_id}}/attendance")
async def _attendance(w: World, caller: str) -> Call:
    await w.seat_member()  # a previous call may have removed them
    body = {"person_ids": [w.person_internal["id"]]}
    return Call("POST", f"{V}/meetings/{w.meeting['id']}/attendance", {"json": body})


simple(
    M,
    "GET",
    f"{V}/meetings/{{meeting_id}}/participant-figures",
    lambda w: f"{V}/meetings/{w.meeting['id']}/participant-figures",
)


@builds(M, "PUT", f"{V}/meetings/{{meeting_id}}/participant-figures")
async def _participant_figures(w: World, caller: str) -> Call:
    """A Börde training that collects ESF+ figures (made by the office), its figures replaced."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    body = {
        "title": f"Fortbildung {_tag()}",
        "kind": "training",
        "region": OWN,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "location": "Haldensleben",
        "collects_participant_figures": True,
    }
    meeting = ok(await w.client(M).post(f"{V}/meetings", json=body, headers=w.office))
    target = f"{V}/meetings/{meeting['id']}/participant-figures"

    async def unchanged() -> str | None:
        now = ok(await w.client(M).get(target, headers=w.state))
        return None if now["participants"] is None else "figures recorded"

    figures = {"female": {"30_54": 7}, "male": {"18_29": 5}}
    return Call("PUT", target, {"json": figures}, unchanged=unchanged)


_CIRCULARS = f"{V}/committees/{{committee_id}}/circulars"


def _circular_body() -> dict[str, Any]:
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    return {
        "question": f"Tagt die Steuergruppe im Sommer? {_tag()}",
        "deadline": deadline.isoformat(),
    }


async def _new_circular(w: World) -> dict[str, Any]:
    """A question put to the Börde steering group by its office, the member seated first."""
    await w.seat_member()  # a previous call may have removed them; the voters are fixed at start
    url = f"{V}/committees/{w.committee['id']}/circulars"
    return ok(await w.client(M).post(url, json=_circular_body(), headers=w.office))


simple(M, "GET", _CIRCULARS, lambda w: f"{V}/committees/{w.committee['id']}/circulars")


@builds(M, "POST", _CIRCULARS)
async def _start_circular(w: World, caller: str) -> Call:
    body = _circular_body()
    url = f"{V}/committees/{w.committee['id']}/circulars"

    async def unchanged() -> str | None:
        listed = ok(await w.client(M).get(url, params={"limit": 500}, headers=w.state))
        return (
            "started" if any(c["question"] == body["question"] for c in listed["items"]) else None
        )

    return Call("POST", url, {"json": body}, unchanged=unchanged)


@builds(M, "GET", f"{V}/circulars/{{circular_id}}")
async def _read_circular(w: World, caller: str) -> Call:
    return Call("GET", f"{V}/circulars/{(await _new_circular(w))['id']}")


@builds(M, "POST", f"{V}/circulars/{{circular_id}}/votes")
async def _vote(w: World, caller: str) -> Call:
    circular = await _new_circular(w)

    async def unchanged() -> str | None:
        now = ok(await w.client(M).get(f"{V}/circulars/{circular['id']}", headers=w.state))
        return None if now["votes_yes"] == 0 else "a vote was counted"

    return Call(
        "POST",
        f"{V}/circulars/{circular['id']}/votes",
        {"json": {"vote": "yes"}},
        unchanged=unchanged,
    )


@builds(M, "POST", f"{V}/meetings/{{meeting_id}}/registrations", "public")
async def _register_public(w: World, caller: str) -> Call:
    body = {"name": "Teilnehmerin", "email": f"t-{_tag()}@example.org"}
    return Call("POST", f"{V}/meetings/{w.public_meeting['id']}/registrations", {"json": body})


@builds(M, "POST", f"{V}/meetings/{{meeting_id}}/registrations", "internal")
async def _register_internal(w: World, caller: str) -> Call:
    body = {"name": "Teilnehmerin", "email": f"t-{_tag()}@example.org"}
    return Call("POST", f"{V}/meetings/{w.meeting['id']}/registrations", {"json": body})


simple(
    M,
    "GET",
    f"{V}/meetings/{{meeting_id}}/registrations",
    lambda w: f"{V}/meetings/{w.public_meeting['id']}/registrations",
)


def _unregister(registrant: str) -> Builder:
    async def build(w: World, caller: str) -> Call:
        registration = await w.new_registration(w.headers(registrant))
        url = f"{V}/meetings/{w.public_meeting['id']}/registrations/{registration['id']}"

        async def unchanged() -> str | None:
            listing = url.rsplit("/", 1)[0]
            items = ok(await w.client(M).get(listing, params={"limit": 500}, headers=w.office))
            mine = next(r for r in items["items"] if r["id"] == registration["id"])
            return None if mine["status"] == registration["status"] else mine["status"]

        return Call("DELETE", url, unchanged=unchanged)

    return build


_REGISTRATIONS = f"{V}/meetings/{{meeting_id}}/registrations/{{registration_id}}"
BUILDERS[(M, "DELETE", _REGISTRATIONS, "signed-in registrant")] = _unregister("school")
BUILDERS[(M, "DELETE", _REGISTRATIONS, "anonymous registrant")] = _unregister("anonymous")


async def _begun_training(w: World, registrant: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A public Börde training with a registration by ``registrant``, moved to have begun."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    body = {
        "title": f"Fortbildung {_tag()}",
        "kind": "training",
        "region": OWN,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "location": "Haldensleben",
        "public": True,
    }
    meetings = w.client(M)
    meeting = ok(await meetings.post(f"{V}/meetings", json=body, headers=w.office))
    registration = ok(
        await meetings.post(
            f"{V}/meetings/{meeting['id']}/registrations",
            json={"name": "Gast", "email": f"gast-{_tag()}@example.org"},
            headers=w.headers(registrant),
        )
    )
    begun = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    moved = {"starts_at": begun.isoformat(), "ends_at": (begun + timedelta(hours=3)).isoformat()}
    ok(await meetings.patch(f"{V}/meetings/{meeting['id']}", json=moved, headers=w.office))
    return meeting, registration


_ATTENDED = f"{V}/meetings/{{meeting_id}}/registrations/{{registration_id}}/attended"


@builds(M, "POST", _ATTENDED)
async def _attended(w: World, caller: str) -> Call:
    meeting, registration = await _begun_training(w, "anonymous")
    base = f"{V}/meetings/{meeting['id']}/registrations"

    async def unchanged() -> str | None:
        items = ok(await w.client(M).get(base, params={"limit": 500}, headers=w.office))
        mine = next(r for r in items["items"] if r["id"] == registration["id"])
        return "marked present" if mine["attended"] else None

    url = f"{base}/{registration['id']}/attended"
    return Call("POST", url, {"json": {"attended": True}}, unchanged=unchanged)


def _certificate(registrant: str) -> Builder:
    async def build(w: World, caller: str) -> Call:
        meeting, registration = await _begun_training(w, registrant)
        url = f"{V}/meetings/{meeting['id']}/registrations/{registration['id']}"
        ok(await w.client(M).post(f"{url}/attended", json={"attended": True}, headers=w.office))
        return Call("GET", f"{url}/certificate")

    return build


_CERTIFICATE = f"{V}/meetings/{{meeting_id}}/registrations/{{registration_id}}/certificate"
BUILDERS[(M, "GET", _CERTIFICATE, "signed-in registrant")] = _certificate("school")
BUILDERS[(M, "GET", _CERTIFICATE, "anonymous registrant")] = _certificate("anonymous")


simple(
    M,
    "GET",
    f"{V}/meetings/{{meeting_id}}/agenda",
    lambda w: f"{V}/meetings/{w.meeting['id']}/agenda",
)


@builds(M, "POST", f"{V}/meetings/{{meeting_id}}/agenda")
async def _add_item(w: World, caller: str) -> Call:
    body = {"kind": "discussion", "title": f"Aussprache {_tag()}"}
    return Call("POST", f"{V}/meetings/{w.meeting['id']}/agenda", {"json": body})


@builds(M, "POST", f"{V}/meetings/{{meeting_id}}/agenda/{{item_id}}/decision")
async def _decide(w: World, caller: str) -> Call:
    await w.seat_member()  # the quorum: the one voting member, present
    ok(
        await w.client(M).post(
            f"{V}/meetings/{w.meeting['id']}/attendance",
            json={"person_ids": [w.person_internal["id"]]},
            headers=w.office,
        )
    )
    item = await w.new_agenda_item("decision")
    body = {"outcome": "approved", "votes": {"yes": 1, "no": 0, "abstain": 0}}
    url = f"{V}/meetings/{w.meeting['id']}/agenda/{item['id']}/decision"
    return Call("POST", url, {"json": body})


simple(
    M,
    "GET",
    f"{V}/meetings/{{meeting_id}}/minutes",
    lambda w: f"{V}/meetings/{w.meeting['id']}/minutes",
)


@builds(M, "PUT", f"{V}/meetings/{{meeting_id}}/minutes")
async def _write_minutes(w: World, caller: str) -> Call:
    body = {"text": f"# Protokoll\n\nEntwurf ({caller})."}
    return Call("PUT", f"{V}/meetings/{w.meeting['id']}/minutes", {"json": body})


@builds(M, "POST", f"{V}/meetings/{{meeting_id}}/minutes/publish")
async def _publish(w: World, caller: str) -> Call:
    meeting = await w.new_meeting(minutes=True)
    return Call("POST", f"{V}/meetings/{meeting['id']}/minutes/publish")


# ------------------------------------------------------------------ notifications
N = "notifications"


simple(N, "GET", f"{V}/inbox/unread-count", lambda w: f"{V}/inbox/unread-count")
simple(N, "GET", f"{V}/inbox/stream", lambda w: f"{V}/inbox/stream")
simple(N, "POST", f"{V}/inbox/read-all", lambda w: f"{V}/inbox/read-all")
simple(
    N,
    "POST",
    f"{V}/inbox/{{notification_id}}/read",
    lambda w: f"{V}/inbox/{w.notification['id']}/read",
)
simple(N, "GET", f"{V}/preferences", lambda w: f"{V}/preferences")
simple(
    N,
    "PUT",
    f"{V}/preferences",
    lambda w: f"{V}/preferences",
    json={"channels": {"email": True, "inbox": True}, "digest": "off"},
)
simple(N, "GET", f"{V}/deliveries", lambda w: f"{V}/deliveries")
simple(N, "GET", f"{V}/dead-letters", lambda w: f"{V}/dead-letters")


# ------------------------------------------------------------------ moving to another region
MOVE = "move to harz"


def _move(
    service: str, path: str, make: Callable[[World], Awaitable[str]], body: dict[str, Any]
) -> None:
    """PATCH a fresh Börde resource into Harz; a denied caller must leave it in Börde."""

    async def build(w: World, caller: str) -> Call:
        target = await make(w)

        async def unchanged() -> str | None:
            region = ok(await w.client(service).get(target, headers=w.state)).get("region")
            return None if region == OWN else f"region is now {region}"

        return Call("PATCH", target, {"json": body}, unchanged=unchanged)

    BUILDERS[(service, "PATCH", path, MOVE)] = build


async def _fresh_fund(w: World) -> str:
    body = {
        "name": f"Fonds {_tag()}",
        "kind": "school_project",
        "region": OWN,
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "budget_cents": 1_000_000,
    }
    response = await w.client(OF).post(f"{V}/funds", json=body, headers=w.office)
    return f"{V}/funds/{ok(response)['id']}"


async def _fresh_committee(w: World) -> str:
    body = {"name": f"Regionalgruppe {_tag()}", "kind": "regional_group", "region": OWN}
    response = await w.client(M).post(f"{V}/committees", json=body, headers=w.office)
    return f"{V}/committees/{ok(response)['id']}"


async def _fresh_meeting(w: World) -> str:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=40)
    body = {
        "kind": "expert_exchange",
        "title": f"Fachaustausch {_tag()}",
        "region": OWN,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "location": "Oschersleben",
        "public": False,
    }
    response = await w.client(M).post(f"{V}/meetings", json=body, headers=w.office)
    return f"{V}/meetings/{ok(response)['id']}"


_HARZ = {"region": OTHER}
_move(R, f"{V}/organizations/{{organization_id}}", _fresh_org, _HARZ)
_move(R, f"{V}/schools/{{id}}", _fresh_school, _HARZ)
_move(R, f"{V}/persons/{{person_id}}", _fresh_person, _HARZ)


@builds(R, "PATCH", f"{V}/persons/{{person_id}}", "move to a harz organisation")
async def _move_person_by_org(w: World, caller: str) -> Call:
    call = await BUILDERS[(R, "PATCH", f"{V}/persons/{{person_id}}", MOVE)](w, caller)
    call.kwargs = {"json": {"organization_id": w.org_other["id"]}}
    return call


_move(R, f"{V}/materials/{{id}}", _fresh_material, _HARZ)
_move(OF, f"{V}/funds/{{fund_id}}", _fresh_fund, _HARZ)
_move(M, f"{V}/committees/{{committee_id}}", _fresh_committee, _HARZ)
_move(M, f"{V}/meetings/{{meeting_id}}", _fresh_meeting, _HARZ)


@builds(OF, "PATCH", f"{V}/applications/{{application_id}}", MOVE)
async def _move_application(w: World, caller: str) -> Call:
    draft = await w.new_application("draft", fund=w.state_fund)  # any school may apply
    target = f"{V}/applications/{draft['id']}"

    async def unchanged() -> str | None:
        region = ok(await w.client(OF).get(target, headers=w.state))["region"]
        return None if region == OWN else f"region is now {region}"

    body = {"school_ids": [w.school_other["id"]]}
    return Call("PATCH", target, {"json": body}, unchanged=unchanged)


# ------------------------------------------------------------------ reads and lists
_BOERDE = {"region": OWN}


def _person_internal(w: World) -> str:
    return w.person_internal["id"]


def _submitted(w: World) -> str:
    return w.submitted["id"]


def _internal_meeting(w: World) -> str:
    return w.meeting["id"]


def _committee(w: World) -> str:
    return w.committee["id"]


simple(
    R,
    "GET",
    f"{V}/persons/{{person_id}}",
    lambda w: f"{V}/persons/{w.person_public['id']}",
    "public",
)
simple(
    R,
    "GET",
    f"{V}/persons/{{person_id}}",
    lambda w: f"{V}/persons/{_person_internal(w)}",
    "internal",
)
simple(
    R,
    "GET",
    f"{V}/regions/{{slug}}/contact-list",
    lambda w: f"{V}/regions/{OWN}/contact-list",
    marker=_person_internal,
)
listing(R, f"{V}/persons", _person_internal)
listing(R, f"{V}/persons", _person_internal, "region=boerde", lambda w: _BOERDE)
listing(R, f"{V}/persons", _person_internal, "public=false", lambda w: {"public": "false"})
listing(OF, f"{V}/applications", lambda w: w.draft["id"], "draft", lambda w: {"status": "draft"})
simple(
    OF, "GET", f"{V}/statistics", lambda w: f"{V}/statistics", "own regions", marker=lambda w: OWN
)
simple(
    OF,
    "GET",
    f"{V}/applications/{{application_id}}",
    lambda w: f"{V}/applications/{w.draft['id']}",
    "draft",
)
listing(OF, f"{V}/applications", _submitted)
listing(OF, f"{V}/applications", _submitted, "region=boerde", lambda w: _BOERDE)
listing(OF, f"{V}/applications", _submitted, "school_id", lambda w: {"school_id": w.school["id"]})
simple(M, "GET", f"{V}/meetings.ics", lambda w: f"{V}/meetings.ics", marker=_internal_meeting)
simple(
    M,
    "GET",
    f"{V}/meetings.ics",
    lambda w: f"{V}/meetings.ics",
    "committee_id",
    marker=_internal_meeting,
    params=lambda w: {"region": OWN, "committee_id": _committee(w)},
)
for _variant, _meeting in (
    ("public", lambda w: w.public_meeting["id"]),
    ("internal", _internal_meeting),
):
    simple(
        M,
        "GET",
        f"{V}/meetings/{{meeting_id}}.ics",
        lambda w, m=_meeting: f"{V}/meetings/{m(w)}.ics",
        _variant,
    )
    simple(
        M,
        "GET",
        f"{V}/meetings/{{meeting_id}}",
        lambda w, m=_meeting: f"{V}/meetings/{m(w)}",
        _variant,
    )
listing(M, f"{V}/committees", _committee)
listing(M, f"{V}/committees", _committee, "region=boerde", lambda w: _BOERDE)
listing(M, f"{V}/meetings", _internal_meeting)
listing(M, f"{V}/meetings", _internal_meeting, "region=boerde", lambda w: _BOERDE)
simple(N, "GET", f"{V}/inbox", lambda w: f"{V}/inbox", marker=lambda w: w.notification["id"])


@builds(
    M, "POST", f"{V}/committees/{{committee_id}}/members", "non-public person of another region"
)
async def _seat_foreign(w: World, caller: str) -> Call:
    committee = await _fresh_committee(w)
    person = w.person_other["id"]

    async def unchanged() -> str | None:
        members = ok(await w.client(M).get(f"{committee}/members", headers=w.state))["items"]
        return "seated" if any(m["person_id"] == person for m in members) else None

    body = {"person_id": person, "role": "member", "voting": True}
    return Call("POST", f"{committee}/members", {"json": body}, unchanged=unchanged)


# ------------------------------------------------------------------ calendar subscriptions
_FEEDS = f"{V}/calendar-feeds"


def _outsider(w: World) -> dict[str, str]:
    """A Börde steering member who is none of the matrix's callers."""
    return w.stack["meetings"].auth("steering_member", OWN, sub=f"sec-feed-{_tag()}")


async def _feed_of(w: World, headers: dict[str, str]) -> dict[str, Any]:
    return ok(await w.client(M).post(_FEEDS, headers=headers), 201)


simple(M, "POST", _FEEDS, lambda w: _FEEDS)


@builds(M, "GET", _FEEDS)
async def _list_feeds(w: World, caller: str) -> Call:
    return Call("GET", _FEEDS, marker=(await _feed_of(w, _outsider(w)))["id"])


@builds(M, "DELETE", f"{_FEEDS}/{{feed_id}}", "own")
async def _end_own_feed(w: World, caller: str) -> Call:
    owner = _outsider(w) if caller == "anonymous" else w.headers(caller)
    return Call("DELETE", f"{_FEEDS}/{(await _feed_of(w, owner))['id']}")


@builds(M, "DELETE", f"{_FEEDS}/{{feed_id}}", "another person's")
async def _end_foreign_feed(w: World, caller: str) -> Call:
    owner = _outsider(w)
    feed = await _feed_of(w, owner)

    async def unchanged() -> str | None:
        feeds = ok(await w.client(M).get(_FEEDS, headers=owner))["items"]
        return None if any(f["id"] == feed["id"] for f in feeds) else "ended"

    return Call("DELETE", f"{_FEEDS}/{feed['id']}", unchanged=unchanged)


# ------------------------------------------------------------------ planning
P = "planning"
_SURVEYS = f"{V}/surveys"
_SURVEY = f"{_SURVEYS}/{{survey_id}}"


def _survey_body(*, anonymous: bool) -> dict[str, Any]:
    return {
        "title": f"Bedarfsabfrage {_tag()}",
        "region": OWN,
        "audience": ["schools"],
        "anonymous": anonymous,
        "questions": [
            {
                "key": "themen",
                "text": "Welche Themen brauchen Sie?",
                "kind": "multiple",
                "choices": [
                    {"key": "mobbing", "label": "Mobbing", "topic": "bullying"},
                    {"key": "medien", "label": "Medien", "topic": "media-literacy"},
                ],
            }
        ],
    }


async def _new_survey(w: World, *, anonymous: bool = False, opened: bool = True) -> dict[str, Any]:
    """A Börde survey made by the Börde office (opened unless asked otherwise)."""
    survey = ok(
        await w.client(P).post(_SURVEYS, json=_survey_body(anonymous=anonymous), headers=w.office)
    )
    if opened:
        survey = ok(await w.client(P).post(f"{_SURVEYS}/{survey['id']}/open", headers=w.office))
    return survey


async def _shared_survey(w: World, kind: str) -> dict[str, Any]:
    """The Börde survey of a kind ("invited", "anonymous", "draft") the calls share."""
    if kind not in w.surveys:
        w.surveys[kind] = await _new_survey(
            w, anonymous=kind == "anonymous", opened=kind != "draft"
        )
    return w.surveys[kind]


@builds(P, "GET", _SURVEYS)
async def _list_surveys(w: World, caller: str) -> Call:
    return Call(
        "GET",
        _SURVEYS,
        {"params": {"limit": 500}},
        marker=(await _shared_survey(w, "invited"))["id"],
    )


@builds(P, "POST", _SURVEYS)
async def _create_survey(w: World, caller: str) -> Call:
    body = _survey_body(anonymous=False)

    async def unchanged() -> str | None:
        listed = ok(await w.client(P).get(_SURVEYS, params={"limit": 500}, headers=w.state))
        return "created" if any(s["title"] == body["title"] for s in listed["items"]) else None

    return Call("POST", _SURVEYS, {"json": body}, unchanged=unchanged)


for _kind in ("draft", "open"):

    def _reader(kind: str) -> Builder:
        async def build(w: World, caller: str) -> Call:
            survey = await _shared_survey(w, "draft" if kind == "draft" else "invited")
            return Call("GET", f"{_SURVEYS}/{survey['id']}")

        return build

    BUILDERS[(P, "GET", _SURVEY, _kind)] = _reader(_kind)


def _status_unchanged(w: World, survey: dict[str, Any]) -> Callable[[], Awaitable[str | None]]:
    async def unchanged() -> str | None:
        now = ok(await w.client(P).get(f"{_SURVEYS}/{survey['id']}", headers=w.state))
        return None if now["status"] == survey["status"] else f"now {now['status']}"

    return unchanged


@builds(P, "POST", f"{_SURVEY}/open")
async def _open_survey(w: World, caller: str) -> Call:
    draft = await _new_survey(w, opened=False)
    return Call("POST", f"{_SURVEYS}/{draft['id']}/open", unchanged=_status_unchanged(w, draft))


@builds(P, "POST", f"{_SURVEY}/close")
async def _close_survey(w: World, caller: str) -> Call:
    survey = await _new_survey(w)
    return Call("POST", f"{_SURVEYS}/{survey['id']}/close", unchanged=_status_unchanged(w, survey))


@builds(P, "POST", f"{_SURVEY}/invitations")
async def _invite(w: World, caller: str) -> Call:
    survey = await _shared_survey(w, "invited")
    return Call("POST", f"{_SURVEYS}/{survey['id']}/invitations", {"json": {"count": 1}})


def _survey_read(path: str) -> Builder:
    async def build(w: World, caller: str) -> Call:
        return Call("GET", f"{_SURVEYS}/{(await _shared_survey(w, 'invited'))['id']}/{path}")

    return build


for _path in ("invitations", "results"):
    BUILDERS[(P, "GET", f"{_SURVEY}/{_path}", "")] = _survey_read(_path)


@builds(P, "POST", f"{_SURVEY}/tickets")
async def _ticket(w: World, caller: str) -> Call:
    survey = await _shared_survey(w, "anonymous")
    return Call("POST", f"{_SURVEYS}/{survey['id']}/tickets")


@builds(P, "POST", f"{_SURVEY}/responses")
async def _respond(w: World, caller: str) -> Call:
    survey = await _shared_survey(w, "anonymous")
    ticket = ok(await w.client(P).post(f"{_SURVEYS}/{survey['id']}/tickets"), 201)["ticket"]
    body = {"answers": {"themen": ["medien"]}, "ticket": ticket}
    return Call("POST", f"{_SURVEYS}/{survey['id']}/responses", {"json": body})


simple(P, "GET", f"{V}/topic-demand", lambda w: f"{V}/topic-demand")
simple(
    P, "GET", f"{V}/indicators", lambda w: f"{V}/indicators", params=lambda w: {"period": "2026"}
)

_AGREEMENTS = f"{V}/agreements"
_AGREEMENT = f"{_AGREEMENTS}/{{agreement_id}}"


def _agreement_body() -> dict[str, Any]:
    return {
        "region": OWN,
        "title": f"Zielvereinbarung {_tag()}",
        "period_start": "2026-08-01",
        "period_end": "2027-07-31",
        "parties": [{"kind": "office", "name": "Netzwerkstelle Börde"}],
        "goals": [
            {
                "key": "abschluss",
                "title": "Projekte",
                "indicator": "projects_completed",
                "target": 8,
            },
            {"key": "eltern", "title": "Elternabende", "indicator": "manual", "target": 4},
        ],
    }


async def _new_agreement(w: World) -> dict[str, Any]:
    """A Börde target agreement made by the Börde office."""
    return ok(await w.client(P).post(_AGREEMENTS, json=_agreement_body(), headers=w.office))


async def _shared_agreement(w: World) -> dict[str, Any]:
    if not w.agreement:
        w.agreement = await _new_agreement(w)
    return w.agreement


@builds(P, "GET", _AGREEMENTS)
async def _list_agreements(w: World, caller: str) -> Call:
    marker = (await _shared_agreement(w))["id"]
    return Call("GET", _AGREEMENTS, {"params": {"limit": 500}}, marker=marker)


@builds(P, "POST", _AGREEMENTS)
async def _create_agreement(w: World, caller: str) -> Call:
    body = _agreement_body()

    async def unchanged() -> str | None:
        listed = ok(await w.client(P).get(_AGREEMENTS, params={"limit": 500}, headers=w.state))
        return "created" if any(a["title"] == body["title"] for a in listed["items"]) else None

    return Call("POST", _AGREEMENTS, {"json": body}, unchanged=unchanged)


def _agreement_read(suffix: str) -> Builder:
    async def build(w: World, caller: str) -> Call:
        return Call("GET", f"{_AGREEMENTS}/{(await _shared_agreement(w))['id']}{suffix}")

    return build


for _suffix in ("", "/progress"):
    BUILDERS[(P, "GET", f"{_AGREEMENT}{_suffix}", "")] = _agreement_read(_suffix)


@builds(P, "PATCH", _AGREEMENT)
async def _change_agreement(w: World, caller: str) -> Call:
    target = f"{_AGREEMENTS}/{(await _shared_agreement(w))['id']}"
    before = await w.version_of(P, target)

    async def unchanged() -> str | None:
        after = await w.version_of(P, target)
        return None if after == before else f"version {before} → {after}"

    body = {"title": f"Zielvereinbarung ({caller})"}
    return Call("PATCH", target, {"json": body}, unchanged=unchanged)


@builds(P, "POST", f"{_AGREEMENT}/close")
async def _close_agreement(w: World, caller: str) -> Call:
    agreement = await _new_agreement(w)
    target = f"{_AGREEMENTS}/{agreement['id']}"

    async def unchanged() -> str | None:
        now = ok(await w.client(P).get(target, headers=w.state))
        return None if now["status"] == "active" else f"now {now['status']}"

    return Call("POST", f"{target}/close", unchanged=unchanged)


@builds(P, "POST", f"{_AGREEMENT}/values")
async def _agreement_value(w: World, caller: str) -> Call:
    agreement = await _shared_agreement(w)
    body = {"goal_key": "eltern", "as_of": "2026-10-01", "value": 2, "note": caller}
    return Call("POST", f"{_AGREEMENTS}/{agreement['id']}/values", {"json": body})


# ------------------------------------------------------------------ privacy (every service)
# Own data: the marker is someone else's — a Harz person's address (registry), the
# applications' contact (offers), a registration made without a token (meetings), the Börde
# office's notification (notifications: the office's own).
_NOT_OWN: dict[str, Callable[[World], str]] = {
    R: lambda w: w.person_other["email"],
    OF: lambda w: w.application_body()["contact"]["email"],
    M: lambda w: w.registration["email"],
    N: lambda w: w.notification["id"],
    P: lambda w: w.org["id"],  # planning holds nothing about anyone
}
for _service, _marker in _NOT_OWN.items():
    simple(_service, "GET", f"{V}/me/data", lambda w: f"{V}/me/data", marker=_marker)
    simple(_service, "GET", f"{V}/audit", lambda w: f"{V}/audit")

_ERASURE_REQUESTS = f"{V}/erasure-requests"


def _erasure_body(tag: str) -> dict[str, str]:
    """An erasure request for an address nobody has (it travels through every service)."""
    return {"email": f"niemand-{tag}@boerde.example", "reason": f"Matrix {tag}"}


@builds(R, "POST", _ERASURE_REQUESTS)
async def _request_erasure(w: World, caller: str) -> Call:
    body = _erasure_body(_tag())

    async def unchanged() -> str | None:
        response = await w.client(R).get(_ERASURE_REQUESTS, params={"limit": 500}, headers=w.state)
        filed = [r for r in ok(response)["items"] if r["reason"] == body["reason"]]
        return f"{len(filed)} filed" if filed else None

    return Call("POST", _ERASURE_REQUESTS, {"json": body}, unchanged=unchanged)


simple(R, "GET", _ERASURE_REQUESTS, lambda w: _ERASURE_REQUESTS)


@builds(R, "GET", f"{_ERASURE_REQUESTS}/{{request_id}}")
async def _erasure_request(w: World, caller: str) -> Call:
    if not w.erasure_request:
        response = await w.client(R).post(
            _ERASURE_REQUESTS, json=_erasure_body(_tag()), headers=w.state
        )
        w.erasure_request = ok(response, 202)
    return Call("GET", f"{_ERASURE_REQUESTS}/{w.erasure_request['id']}")


# ------------------------------------------------------------------ offers: issue 16
# Payments: a Börde application approved in a fund paying 100 % in advance (made on first use);
# each step acts on a fresh request of its own, made by the office.
_PAYMENTS = f"{V}/applications/{{application_id}}/payment-requests"


async def _paying_app(w: World) -> dict[str, Any]:
    if not w.paying_app:
        fund = ok(
            await w.client(OF).post(
                f"{V}/funds",
                json={
                    "name": f"Bildungsbezogene Angebote Börde mit Vorschuss {_tag()}",
                    "kind": "school_project",
                    "region": OWN,
                    "period_start": "2027-01-01",
                    "period_end": "2027-12-31",
                    "budget_cents": 100_000_000,
                    "max_per_school_per_year_cents": None,
                    "deciding_committee_id": w.committee["id"],
                    "payment_rule": {"advance_percent": 100},
                },
                headers=w.office,
            )
        )
        w.paying_app = await w.new_application("approved", fund=fund)
    return w.paying_app


async def _payment_requests(w: World, app: dict[str, Any]) -> list[dict[str, Any]]:
    url = _PAYMENTS.format(application_id=app["id"])
    return ok(await w.client(OF).get(url, headers=w.state))["items"]


async def _new_payment(w: World, status: str = "requested") -> tuple[str, dict[str, Any]]:
    """A fresh payment request (in ``status``) on the paying application: its URL and body."""
    app = await _paying_app(w)
    base = _PAYMENTS.format(application_id=app["id"])
    body = {"amount_cents": 100, "reason": "Honorar"}
    payment = ok(await w.client(OF).post(base, json=body, headers=w.office))
    url = f"{base}/{payment['id']}"
    if status == "approved":
        payment = ok(await w.client(OF).post(f"{url}/approve", headers=w.office))
    return url, payment


@builds(OF, "GET", _PAYMENTS)
async def _list_payments_of_app(w: World, caller: str) -> Call:
    app = await _paying_app(w)
    return Call("GET", _PAYMENTS.format(application_id=app["id"]))


@builds(OF, "POST", _PAYMENTS)
async def _request_payment(w: World, caller: str) -> Call:
    app = await _paying_app(w)
    before = len(await _payment_requests(w, app))

    async def unchanged() -> str | None:
        after = len(await _payment_requests(w, app))
        return None if after == before else f"payment requests {before} → {after}"

    body = {"amount_cents": 100, "reason": f"Honorar ({caller})"}
    return Call(
        "POST", _PAYMENTS.format(application_id=app["id"]), {"json": body}, unchanged=unchanged
    )


def _payment_step(action: str, status: str, body: dict[str, Any] | None = None) -> None:
    """POST a step on a fresh payment request in ``status``; a denied caller leaves it as it was."""

    async def build(w: World, caller: str) -> Call:
        url, payment = await _new_payment(w, status)

        async def unchanged() -> str | None:
            now = next(
                p for p in await _payment_requests(w, w.paying_app) if p["id"] == payment["id"]
            )
            same = (now["status"], now["version"]) == (payment["status"], payment["version"])
            return None if same else f"{payment['status']} → {now['status']}"

        return Call("POST", f"{url}/{action}", {"json": body} if body else {}, unchanged=unchanged)

    BUILDERS[(OF, "POST", f"{_PAYMENTS}/{{payment_id}}/{action}", "")] = build


_payment_step("approve", "requested")
_payment_step("reject", "requested", {"reason": "Belege fehlen"})
_payment_step("paid", "approved", {"paid_on": "2027-03-10", "reference": "KA-2027-1"})


def _payouts(variant: str, params: dict[str, str], headers: dict[str, str]) -> None:
    @builds(OF, "GET", f"{V}/payments", variant)
    async def build(w: World, caller: str) -> Call:
        _, payment = await _new_payment(w)
        kwargs: dict[str, Any] = {"params": params} | ({"headers": headers} if headers else {})
        return Call("GET", f"{V}/payments", kwargs, marker=payment["id"])


_payouts("own regions", {"limit": "500"}, {})
_payouts("region=boerde", {"region": OWN}, {})
_payouts("csv", {}, {"Accept": "text/csv"})


# attachments, assessment, documents, proof of use (issue 16, the other parts)
_APP = f"{V}/applications/{{application_id}}"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
RECEIPT = {
    "date": "2027-03-02",
    "payee": "Trainerin",
    "purpose": "Honorar",
    "budget_category": "fees",
    "amount_cents": 40_000,
}
PROOF = {
    "narrative": "Zwölf Streitschlichter ausgebildet.",
    "actual_participants": {"pupils": 18},
    "receipts": [RECEIPT],
}
_shared: dict[str, dict[str, Any]] = {}  # lazily made resources of this section, by name


def _attachment_upload(caller: str) -> dict[str, Any]:
    return {
        "data": {"kind": "quote", "title": f"Angebot ({caller})"},
        "files": {"file": ("angebot.pdf", PDF, "application/pdf")},
    }


async def _attach(w: World, app: dict[str, Any]) -> dict[str, Any]:
    url = f"{V}/applications/{app['id']}/attachments"
    response = await w.client(OF).post(url, headers=w.office, **_attachment_upload("office"))
    return ok(response)


async def _attachments_of(w: World, app: dict[str, Any]) -> list[dict[str, Any]]:
    url = f"{V}/applications/{app['id']}/attachments"
    return ok(await w.client(OF).get(url, headers=w.state))["items"]


async def _submitted_attachment(w: World) -> dict[str, Any]:
    if "attachment" not in _shared:
        _shared["attachment"] = await _attach(w, w.submitted)
    return _shared["attachment"]


@builds(OF, "GET", f"{_APP}/attachments")
async def _list_attachments(w: World, caller: str) -> Call:
    await _submitted_attachment(w)
    return Call("GET", f"{V}/applications/{w.submitted['id']}/attachments")


@builds(OF, "GET", f"{_APP}/attachments/{{attachment_id}}/file")
async def _download_attachment(w: World, caller: str) -> Call:
    attachment = await _submitted_attachment(w)
    url = f"{V}/applications/{w.submitted['id']}/attachments/{attachment['id']}/file"
    return Call("GET", url)


@builds(OF, "POST", f"{_APP}/attachments")
async def _upload_attachment(w: World, caller: str) -> Call:
    if "attach_draft" not in _shared:
        _shared["attach_draft"] = await w.new_application("draft")
    app = _shared["attach_draft"]
    before = len(await _attachments_of(w, app))

    async def unchanged() -> str | None:
        after = len(await _attachments_of(w, app))
        return None if after == before else f"attachments {before} → {after}"

    url = f"{V}/applications/{app['id']}/attachments"
    return Call("POST", url, _attachment_upload(caller), unchanged=unchanged)


@builds(OF, "DELETE", f"{_APP}/attachments/{{attachment_id}}")
async def _remove_attachment(w: World, caller: str) -> Call:
    app = await w.new_application("draft")
    attachment = await _attach(w, app)

    async def unchanged() -> str | None:
        left = [a["id"] for a in await _attachments_of(w, app)]
        return None if attachment["id"] in left else "the attachment is gone"

    url = f"{V}/applications/{app['id']}/attachments/{attachment['id']}"
    return Call("DELETE", url, unchanged=unchanged)


ASSESSMENT = {"scores": [], "recommendation": "approve", "recommended_cents": 40_000}


@builds(OF, "GET", f"{_APP}/assessment")
async def _read_assessment(w: World, caller: str) -> Call:
    if "assessed" not in _shared:
        app = await w.new_application("submitted")
        url = f"{V}/applications/{app['id']}/assessment"
        ok(await w.client(OF).put(url, json=ASSESSMENT, headers=w.office))
        _shared["assessed"] = app
    return Call("GET", f"{V}/applications/{_shared['assessed']['id']}/assessment")


async def _application_unchanged(
    w: World, app: dict[str, Any]
) -> Callable[[], Awaitable[str | None]]:
    url = f"{V}/applications/{app['id']}"
    before = ok(await w.client(OF).get(url, headers=w.state))

    async def unchanged() -> str | None:
        now = ok(await w.client(OF).get(url, headers=w.state))
        same = (now["status"], now["version"]) == (before["status"], before["version"])
        return (
            None
            if same
            else f"{before['status']} v{before['version']} → {now['status']} v{now['version']}"
        )

    return unchanged


@builds(OF, "PUT", f"{_APP}/assessment")
async def _assess(w: World, caller: str) -> Call:
    app = await w.new_application("submitted")
    url = f"{V}/applications/{app['id']}/assessment"
    return Call("PUT", url, {"json": ASSESSMENT}, unchanged=await _application_unchanged(w, app))


async def _approved_with_document(w: World) -> tuple[dict[str, Any], dict[str, Any]]:
    if "documented" not in _shared:
        app = await w.new_application("approved")
        url = f"{V}/applications/{app['id']}/documents"

        async def issued() -> dict[str, Any] | None:
            items = ok(await w.client(OF).get(url, headers=w.state))["items"]
            return items[0] if items else None

        _shared["documented"] = app
        _shared["document"] = await eventually(issued, timeout=60)
    return _shared["documented"], _shared["document"]


@builds(OF, "GET", f"{_APP}/documents")
async def _list_documents(w: World, caller: str) -> Call:
    app, _ = await _approved_with_document(w)
    return Call("GET", f"{V}/applications/{app['id']}/documents")


@builds(OF, "GET", f"{_APP}/documents/{{document_id}}")
async def _read_document(w: World, caller: str) -> Call:
    app, document = await _approved_with_document(w)
    return Call("GET", f"{V}/applications/{app['id']}/documents/{document['id']}")


async def _with_proof(w: World, *, submitted: bool) -> dict[str, Any]:
    """A fresh approved Börde application with a saved (and, if asked, submitted) proof of use."""
    app = await w.new_application("approved")
    url = f"{V}/applications/{app['id']}/proof-of-use"
    ok(await w.client(OF).put(url, json=PROOF, headers=w.office))
    if submitted:
        ok(await w.client(OF).post(f"{url}/submit", headers=w.office))
    return app


@builds(OF, "GET", f"{_APP}/proof-of-use")
async def _read_proof(w: World, caller: str) -> Call:
    if "proof" not in _shared:
        _shared["proof"] = await _with_proof(w, submitted=False)
    return Call("GET", f"{V}/applications/{_shared['proof']['id']}/proof-of-use")


@builds(OF, "PUT", f"{_APP}/proof-of-use")
async def _save_proof(w: World, caller: str) -> Call:
    app = await w.new_application("approved")
    url = f"{V}/applications/{app['id']}/proof-of-use"

    async def unchanged() -> str | None:
        proof = ok(await w.client(OF).get(url, headers=w.state))
        return None if not proof.get("receipts") else "a proof of use was saved"

    return Call("PUT", url, {"json": PROOF}, unchanged=unchanged)


def _proof_step(action: str, submitted: bool, body: dict[str, Any] | None = None) -> None:
    async def build(w: World, caller: str) -> Call:
        app = await _with_proof(w, submitted=submitted)
        url = f"{V}/applications/{app['id']}/proof-of-use/{action}"
        kwargs = {"json": body} if body else {}
        return Call("POST", url, kwargs, unchanged=await _application_unchanged(w, app))

    BUILDERS[(OF, "POST", f"{_APP}/proof-of-use/{action}", "")] = build


_proof_step("submit", submitted=False)
_proof_step("return", submitted=True, body={"reasons": "Belege fehlen"})
_proof_step("accept", submitted=True, body={"accepted_cents": 40_000})


@builds(OF, "POST", f"{_APP}/close")
async def _close(w: World, caller: str) -> Call:
    """Close a Börde application whose proof of use the office accepted."""
    app = await _with_proof(w, submitted=True)
    url = f"{V}/applications/{app['id']}"
    ok(
        await w.client(OF).post(
            f"{url}/proof-of-use/accept", json={"accepted_cents": 40_000}, headers=w.office
        )
    )
    return Call("POST", f"{url}/close", unchanged=await _application_unchanged(w, app))
