"""Signing in and the session: against a real OpenID Connect provider (npm oidc-provider, the
code flow with PKCE), with the four services trusting that provider too; forged and expired
sessions, CSRF, session renewal at sign-in, and no access token ever reaching the browser."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from suite_support import Suite, fresh_suite
from web_support import Web, csrf_of, running_web

from schulerfolg_dev.processes import free_port
from schulerfolg_dev.testing.oidc import SIGN_IN_SELECTORS, OidcProvider, oidc_provider
from schulerfolg_dev.testing.servers import NatsServer

ACCESS_TOKEN_TTL = 45  # seconds; the web treats a token as spent 30 s before it expires
ACCOUNTS = {
    "beraterin": {
        "password": "geheim-1",
        "sub": "oidc-office-boerde",
        "name": "Berta Beraterin",
        "email": "berta@netzwerkstelle-boerde.example",
        "roles": ["network_office"],
        "regions": ["boerde"],
    }
}


@pytest.fixture(scope="module")
def web_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def provider(web_port: int) -> Iterator[OidcProvider]:
    base = f"http://127.0.0.1:{web_port}"
    with oidc_provider(
        [f"{base}/anmelden/rueckkehr"],
        ACCOUNTS,
        post_logout_redirect_uris=[f"{base}/"],
        access_token_ttl=ACCESS_TOKEN_TTL,
    ) as running:
        yield running


@pytest.fixture(scope="module")
async def suite(
    postgres_admin_url: str,
    module_nats: NatsServer,
    provider: OidcProvider,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Suite]:
    async with fresh_suite(
        postgres_admin_url,
        module_nats.url,
        tmp_path_factory.mktemp("suite"),
        AUTH_ISSUER=provider.issuer,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def web(
    suite: Suite, provider: OidcProvider, web_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Web]:
    with running_web(
        suite,
        tmp_path_factory.mktemp("web"),
        port=web_port,
        AUTH_ISSUER=provider.issuer,
        WEB_AUTH_CLIENT_ID=provider.client_id,
        WEB_AUTH_CLIENT_SECRET=provider.client_secret,
        WEB_AUTH_LOCAL_PRIVATE_KEY_FILE="",
    ) as running:
        yield running


async def sign_in_at_provider(page: Any, web: Web, next_path: str = "/antraege") -> None:
    await page.goto(f"{web.url}/anmelden?weiter={next_path}")
    if page.url.startswith(web.url):  # still signed in at the provider: straight back
        return
    await page.locator(SIGN_IN_SELECTORS["login"]).fill("beraterin")
    await page.locator(SIGN_IN_SELECTORS["password"]).fill("geheim-1")
    await page.locator(SIGN_IN_SELECTORS["submit"]).click()
    await page.wait_for_url(f"{web.url}{next_path}*")


async def test_sign_in_at_the_provider_opens_a_session_and_no_token_reaches_the_browser(
    page: Any, web: Web, provider: OidcProvider
) -> None:
    bodies: list[str] = []

    async def keep(response: Any) -> None:
        if response.url.startswith(web.url):
            try:
                bodies.append(await response.text())
            except Exception:  # a redirect has no body
                pass
            bodies.append(str(await response.all_headers()))

    page.on("response", keep)
    await page.goto(f"{web.url}/anmelden")
    assert page.url.startswith(provider.issuer), "sent to the provider"
    await page.locator(SIGN_IN_SELECTORS["login"]).fill("beraterin")
    await page.locator(SIGN_IN_SELECTORS["password"]).fill("geheim-1")
    await page.locator(SIGN_IN_SELECTORS["submit"]).click()
    await page.wait_for_url(f"{web.url}/**")
    await page.wait_for_load_state()
    assert "Berta Beraterin" in await page.content()
    assert "Entwicklungsanmeldung" not in await page.content()  # no dev sign-in with an issuer

    cookies = {c["name"]: c for c in await page.context.cookies()}
    session = cookies["sf_sitzung"]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Lax"

    tokens = web.access_tokens()
    assert tokens, "the session keeps the access token on the server"
    for token in tokens:
        assert token not in "".join(bodies)
        assert all(token not in c["value"] for c in cookies.values())
        assert token.split(".")[1] not in "".join(bodies)  # not even its claims part


async def test_the_session_key_is_new_at_every_sign_in(page: Any, web: Web) -> None:
    # A key planted before sign-in (session fixation) is not the one the session gets.
    await page.context.add_cookies(
        [{"name": "sf_sitzung", "value": "planted-by-someone-else", "url": web.url}]
    )
    await sign_in_at_provider(page, web)
    first = {c["name"]: c["value"] for c in await page.context.cookies()}["sf_sitzung"]
    assert first != "planted-by-someone-else"
    await sign_in_at_provider(page, web)
    second = {c["name"]: c["value"] for c in await page.context.cookies()}["sf_sitzung"]
    assert second != first
    async with web.client(cookies={"sf_sitzung": first}) as client:
        old = await client.get("/antraege")
    assert old.status_code == 303 and old.headers["location"].startswith("/anmelden")


async def test_a_forged_session_is_refused(web: Web) -> None:
    async with web.client(cookies={"sf_sitzung": "x" * 43}) as client:
        response = await client.get("/antraege")
    assert response.status_code == 303
    assert response.headers["location"] == "/anmelden?weiter=%2Fantraege"
    assert 'sf_sitzung=""' in response.headers.get("set-cookie", "")


async def test_an_expired_session_is_refused(page: Any, web: Web) -> None:
    await sign_in_at_provider(page, web)
    cookie = {c["name"]: c["value"] for c in await page.context.cookies()}["sf_sitzung"]
    async with web.client(cookies={"sf_sitzung": cookie}) as client:
        assert (await client.get("/antraege")).status_code == 200
        # No refresh token from this provider: once the access token is spent, so is the
        # session (the web counts a token as spent 30 s before it expires).
        await asyncio.sleep(ACCESS_TOKEN_TTL - 30 + 2)
        expired = await client.get("/antraege")
    assert expired.status_code == 303
    assert expired.headers["location"].startswith("/anmelden")
    assert 'sf_sitzung=""' in expired.headers.get("set-cookie", "")


async def test_a_form_without_its_csrf_token_is_refused(page: Any, web: Web) -> None:
    await sign_in_at_provider(page, web)
    cookie = {c["name"]: c["value"] for c in await page.context.cookies()}["sf_sitzung"]
    async with web.client(cookies={"sf_sitzung": cookie}) as client:
        page_html = (await client.get("/abmelden")).text
        token = csrf_of(page_html)
        missing = await client.post("/abmelden", data={})
        other = await client.post("/abmelden", data={"csrf_token": "0" * 64})
        still_signed_in = await client.get("/antraege")
        assert missing.status_code == 403 and "Formular abgelaufen" in missing.text
        assert other.status_code == 403
        assert still_signed_in.status_code == 200
        signed_out = await client.post("/abmelden", data={"csrf_token": token})
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith(
            web.service.env["AUTH_ISSUER"]
        )  # signed out at the provider too
    async with web.client(cookies={"sf_sitzung": cookie}) as client:
        assert (await client.get("/antraege")).status_code == 303


async def test_pages_carry_the_security_headers(web: Web) -> None:
    async with web.client() as client:
        response = await client.get("/anmelden/rueckkehr")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert response.status_code == 400  # back from the provider without a sign-in under way
