"""The pages a person meets when something goes wrong, checked like every other page: the
development sign-in with its errors, the expired form, a page that does not exist, the sign-out
question — German, axe-core clean, and no access token in anything the browser receives."""

from __future__ import annotations

from typing import Any

from web_support import Web, check_accessibility, sign_in


async def test_sign_in_with_errors_is_accessible(page: Any, web: Web) -> None:
    await page.goto(f"{web.url}/anmelden")
    assert await check_accessibility(page) == []
    await page.get_by_label("Rolle").select_option("network_office")
    await page.get_by_role("button", name="Anmelden", exact=True).click()
    summary = page.get_by_role("alert")
    assert "Wählen Sie die Region aus" in await summary.inner_text()
    assert await check_accessibility(page) == []


async def test_error_pages_are_german_and_accessible(page: Any, web: Web) -> None:
    missing = await page.goto(f"{web.url}/gibt-es-nicht")
    assert missing is not None and missing.status == 404
    assert "Seite nicht gefunden" in await page.get_by_role("heading", level=1).inner_text()
    assert await check_accessibility(page) == []

    # A form whose token does not belong to this browser: the expired-form page.
    await page.goto(f"{web.url}/anmelden")
    await page.locator('input[name="csrf_token"]').evaluate("field => field.value = 'x'")
    await page.get_by_label("Rolle").select_option("state_coordinator")
    await page.get_by_role("button", name="Anmelden", exact=True).click()
    assert "Formular abgelaufen" in await page.get_by_role("heading", level=1).inner_text()
    assert await check_accessibility(page) == []


async def test_signed_in_pages_never_carry_the_access_token(page: Any, web: Web) -> None:
    seen: list[str] = []

    async def keep(response: Any) -> None:
        if response.url.startswith(web.url) and "/posteingang/live" not in response.url:
            seen.append(str(await response.all_headers()))
            try:
                seen.append(await response.text())
            except Exception:  # a redirect has no body
                pass

    page.on("response", keep)
    await sign_in(page, web, role="state_coordinator", name="Lena Land", email="lena@land.example")
    for path in (
        "/",
        "/antraege",
        "/posteingang",
        "/einstellungen",
        "/regionen/boerde",
        "/abmelden",
    ):
        response = await page.goto(f"{web.url}{path}")
        assert response is not None and response.status == 200, path
    assert await check_accessibility(page) == []  # the sign-out question
    tokens = web.access_tokens()
    assert tokens
    everything = "".join(seen)
    cookies = await page.context.cookies()
    for token in tokens:
        assert token.split(".")[1] not in everything
        assert all(token not in cookie["value"] for cookie in cookies)
