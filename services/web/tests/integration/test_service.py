"""The web service's own parts without the rest of the suite: migrations on SQLite and
PostgreSQL, the operational endpoints, CSRF on every form route, headers, error pages."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select, update
from web_support import ensure_assets

from schulerfolg import migrations
from schulerfolg.auth import generate_signing_key
from schulerfolg.db import Database
from web.auth.service import Sessions
from web.config import WebSettings
from web.main import MIGRATIONS, ROUTERS, create_app
from web.models import WebSession
from web.site.security import checked_form


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, new_database) -> str:  # type: ignore[no-untyped-def]
    return await new_database(request.param)


@pytest.fixture
async def client(database_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    private, public = generate_signing_key(tmp_path / "auth")
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, database_url)
    settings = WebSettings(
        database_url=database_url,
        auth_local_private_key_file=str(private),
        auth_local_public_key_file=str(public),
        registry_url="http://127.0.0.1:9",  # nothing listens: the services are not needed here
        offers_url="http://127.0.0.1:9",
        meetings_url="http://127.0.0.1:9",
        notifications_url="http://127.0.0.1:9",
        secret_key="a-test-secret",  # type: ignore[arg-type]
        log_json=False,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://web.test") as c:
            yield c


def test_every_form_route_checks_its_csrf_token() -> None:
    unchecked = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.methods & {"POST", "PUT", "PATCH", "DELETE"}:
                calls = {d.call for d in route.dependant.dependencies}
                if checked_form not in calls:
                    unchecked.append(route.path)
    assert unchecked == []


async def test_operational_endpoints(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok"}
    await client.get("/antraege/00000000-0000-0000-0000-000000000001/bewertung")
    metrics = await client.get("/metrics")
    assert "http_request_duration_seconds" in metrics.text
    assert "process_cpu_seconds_total" in metrics.text
    # a page is measured by its route's template, never by the address asked for
    assert 'route="/antraege/{application_id}/bewertung"' in metrics.text
    assert "00000000-0000-0000-0000-000000000001" not in metrics.text


async def test_development_sign_in_opens_a_session_and_refuses_bad_input(
    client: httpx.AsyncClient,
) -> None:
    form = await client.get("/anmelden")
    assert form.status_code == 200
    assert "Entwicklungsanmeldung" in form.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    refused = await client.post(
        "/anmelden", data={"csrf_token": token.group(1), "rolle": "network_office"}
    )
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    assert 'href="#feld-region"' in refused.text
    assert "Wählen Sie die Region aus" in refused.text
    done = await client.post(
        "/anmelden",
        data={"csrf_token": token.group(1), "rolle": "network_office", "region": "boerde"},
    )
    assert done.status_code == 303 and done.headers["location"] == "/antraege"
    cookie = done.headers["set-cookie"]
    assert "sf_sitzung=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "samesite=lax" in cookie.lower()


async def test_a_form_without_its_token_is_refused_in_german(client: httpx.AsyncClient) -> None:
    response = await client.post("/anmelden", data={"rolle": "school"})
    assert response.status_code == 403
    assert "Formular abgelaufen" in response.text
    assert response.headers["content-type"].startswith("text/html")


async def test_unknown_pages_answer_with_a_german_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.text
    assert '<html lang="de"' in response.text
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_a_service_that_does_not_answer_is_a_page_not_a_crash(
    client: httpx.AsyncClient,
) -> None:
    form = await client.get("/anmelden")  # the lists to choose from are missing, the form is not
    assert form.status_code == 200


async def test_the_services_resource_links_lead_to_the_pages(client: httpx.AsyncClient) -> None:
    # E-mails and inbox entries carry the services' resource paths.
    some_id = "0b9f3c1e-6f1a-4a57-9d1e-2f7c1d3e4a5b"
    application = await client.get(f"/applications/{some_id}")
    assert application.status_code == 301
    assert application.headers["location"] == f"/antraege/{some_id}"
    meeting = await client.get(f"/meetings/{some_id}")
    assert meeting.headers["location"] == f"/veranstaltungen/{some_id}"
    malformed = await client.get("/applications/not-an-id")
    assert malformed.status_code == 404 and "Seite nicht gefunden" in malformed.text


async def test_signed_in_only_the_sessions_own_csrf_token_counts(
    client: httpx.AsyncClient,
) -> None:
    form = await client.get("/anmelden")
    visitor = client.cookies["sf_besuch"]
    visitor_token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert visitor_token
    done = await client.post(
        "/anmelden",
        data={"csrf_token": visitor_token.group(1), "rolle": "state_coordinator"},
    )
    assert done.status_code == 303
    assert "sf_besuch" not in client.cookies  # dropped at sign-in
    # A visitor cookie planted before (or after) sign-in carries no form into the session.
    client.cookies.set("sf_besuch", visitor, domain="web.test")
    refused = await client.post("/abmelden", data={"csrf_token": visitor_token.group(1)})
    assert refused.status_code == 403
    page = await client.get("/abmelden")
    session_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert session_token and session_token.group(1) != visitor_token.group(1)
    signed_out = await client.post("/abmelden", data={"csrf_token": session_token.group(1)})
    assert signed_out.status_code == 303


async def test_pages_name_their_assets_by_content(client: httpx.AsyncClient) -> None:
    await asyncio.to_thread(ensure_assets)  # built once per run (npm), as the page tests do
    page = await client.get("/anmelden")
    found = re.search(r'href="(/static/site\.css\?v=[0-9a-f]+)"', page.text)
    assert found, "the stylesheet's address carries its build's hash"
    assert re.search(r'src="/static/site\.js\?v=[0-9a-f]+"', page.text)
    assert (await client.get(found.group(1))).status_code == 200


async def _signed_in(client: httpx.AsyncClient, **fields: str) -> None:
    form = await client.get("/anmelden")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    done = await client.post(
        "/anmelden",
        data={
            "csrf_token": token.group(1),
            "rolle": "state_coordinator",
            "name": "Lena Landesstelle",
            "email": "lena@land.example",
            **fields,
        },
    )
    assert done.status_code == 303


async def _session_rows(db: Database) -> list[tuple[str, str | None, str | None]]:
    async with db.transaction(readonly=True) as session:
        rows = await session.execute(select(WebSession.id, WebSession.name, WebSession.email))  # type: ignore[call-overload]  # SQLModel columns
        return [tuple(row) for row in rows.all()]


async def test_sessions_keep_name_and_address_only_while_signed_in(
    client: httpx.AsyncClient, database_url: str
) -> None:
    db = Database(database_url)
    try:
        await _signed_in(client)
        rows = await _session_rows(db)
        assert [(name, email) for _, name, email in rows] == [
            ("Lena Landesstelle", "lena@land.example")
        ]
        page = await client.get("/abmelden")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        assert (
            await client.post("/abmelden", data={"csrf_token": token.group(1)})
        ).status_code == 303
        assert await _session_rows(db) == []  # signing out deletes the row

        # The cleanup deletes sessions past their end and sessions left idle, and keeps the rest.
        for _ in range(3):
            client.cookies.clear()
            await _signed_in(client)
        ended, idle, active = [row[0] for row in await _session_rows(db)]
        long_ago = datetime.now(UTC) - timedelta(days=2)
        async with db.transaction() as session:
            await session.execute(
                update(WebSession).where(WebSession.id == ended).values(expires_at=long_ago)  # type: ignore[arg-type]  # SQLModel column
            )
            await session.execute(
                update(WebSession).where(WebSession.id == idle).values(last_seen_at=long_ago)  # type: ignore[arg-type]  # SQLModel column
            )
        settings = WebSettings(database_url=database_url, log_json=False)
        removed = await Sessions(settings, db, b"secret").remove_expired()
        assert removed == 2
        assert [row[0] for row in await _session_rows(db)] == [active]
    finally:
        await db.dispose()


async def test_privacy_pages_name_the_services_that_do_not_answer(
    client: httpx.AsyncClient,
) -> None:
    await _signed_in(client)  # nothing listens at the services' addresses
    page = await client.get("/meine-daten")
    assert page.status_code == 200
    assert page.text.count("Nicht erreichbar</span>") == 5
    assert "Lena Landesstelle" in page.text and "lena@land.example" in page.text
    assert 'href="/meine-daten.json"' in page.text
    assert 'href="/protokoll"' in page.text and 'href="/datenschutz/loeschauftraege"' in page.text
    download = await client.get("/meine-daten.json")
    assert download.headers["cache-control"] == "no-store"
    assert download.headers["content-disposition"].startswith('attachment; filename="meine-daten-')
    exported = download.json()
    assert exported["unreachable"] == [
        "registry",
        "offers",
        "meetings",
        "notifications",
        "planning",
    ]
    assert exported["services"]["offers"] == {"service": "offers", "status": "nicht erreichbar"}
    web = exported["services"]["web"]["data"]["sessions"][0]
    assert (web["name"], web["email"], web["roles"]) == (
        "Lena Landesstelle",
        "lena@land.example",
        ["state_coordinator"],
    )
    assert web["signed_in_at"] and "token" not in download.text
    audit = await client.get("/protokoll", params={"ressource": "applications/x"})
    assert audit.status_code == 200
    assert (
        "Nicht erreichbar: Verzeichnis" in audit.text
        and "Keine Einträge zu diesem Filter" in audit.text
    )
    assert (await client.get("/datenschutz/loeschauftraege")).status_code == 503


async def test_privacy_officer_pages_refuse_everyone_else(client: httpx.AsyncClient) -> None:
    await _signed_in(client, rolle="partner", organisation="traeger-1")
    for path in ("/protokoll", "/datenschutz/loeschauftraege"):
        refused = await client.get(path)
        assert refused.status_code == 403 and "Kein Zugriff" in refused.text, path
    assert 'href="/protokoll"' not in (await client.get("/meine-daten")).text
