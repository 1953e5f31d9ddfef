"""„Dokumente“ on the application's page: after the decision the school and the office find the
grant notice (Zuwendungsbescheid) or the rejection letter (Ablehnungsbescheid) there, download
the PDF with its German file name (its text read back: recipient, amount, deadline, reason);
another region's office gets no document; axe clean."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from applications_support import ready_network
from e2e.flow import Network, until
from money_support import decided, fees, project, signed_in, text_of
from pypdf import PdfReader
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

TAG = uuid.uuid4().hex[:6]


@pytest.fixture(scope="module")
async def net(suite: Suite) -> Network:
    return await ready_network(suite, schools=1)


async def decided_application(net: Network, title: str, decision: dict[str, Any]) -> dict[str, Any]:
    """An application of Börde's first school, advised, submitted and decided (through the API)."""
    body = project(
        net,
        title,
        [fees(123400, "Theaterpädagogin")],
        start="2027-05-03",
        end="2027-05-07",
        contact=("Lena Vogt", f"lena.vogt.{TAG}@schule.example"),
    )
    return await decided(net, body, decision)


async def document_link(page: Any, web: Web, app_id: str, name: str) -> Any:
    """The link „<name> herunterladen“ once offers has issued the document (reloading)."""
    link = page.get_by_role("link", name=f"{name} herunterladen")

    async def shown() -> bool:
        await page.goto(f"{web.url}/antraege/{app_id}")
        return await link.count() == 1

    await until(shown, timeout=60, interval=1)
    return link


def pdf_text(pdf: bytes) -> str:
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


async def test_the_grant_notice_is_listed_and_downloads_as_a_pdf(
    browser: Any, web: Web, net: Network
) -> None:
    title = f"Theaterwoche {TAG}"
    app = await decided_application(
        net, title, {"outcome": "approved", "conditions": "Aufführung öffentlich"}
    )
    school = await signed_in(browser, web, net, school="Lena Vogt")
    link = await document_link(school, web, app["id"], "Zuwendungsbescheid")
    section = await text_of(school.locator("section[aria-labelledby=dokumente]"))
    assert "Dokumente" in section and "PDF" in section
    assert await check_accessibility(school) == []

    href = await link.get_attribute("href")
    assert href and href.startswith(f"/antraege/{app['id']}/dokumente/")
    answer = await school.request.get(f"{web.url}{href}")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in answer.headers["cache-control"]
    assert (
        f"filename*=UTF-8''Zuwendungsbescheid%20Theaterwoche%20{TAG}.pdf"
        in (answer.headers["content-disposition"])
    )
    text = pdf_text(await answer.body())
    assert "Zuwendungsbescheid" in text and title in text
    assert "Lena Vogt" in text and net.schools[0]["name"] in text
    assert "1.234,00 €" in text
    assert "02.07.2027" in text  # proof of use: 07.05.2027 + 8 weeks
    assert "Aufführung öffentlich" in text

    office = await signed_in(browser, web, net)
    await document_link(office, web, app["id"], "Zuwendungsbescheid")
    assert await check_accessibility(office) == []
    assert (await office.request.get(f"{web.url}{href}")).status == 200

    stranger = await (await browser.new_context(locale="de-DE")).new_page()
    await sign_in(stranger, web, role="network_office", region="harz", name="Harz")
    refused = await stranger.request.get(f"{web.url}{href}")
    assert refused.status == 404
    assert "application/pdf" not in refused.headers["content-type"]


async def test_the_rejection_letter_carries_the_reason(
    browser: Any, web: Web, net: Network
) -> None:
    reason = "Das Vorhaben ist Teil des Regelunterrichts."
    app = await decided_application(
        net, f"Theaterwoche abgelehnt {TAG}", {"outcome": "rejected", "reason": reason}
    )
    school = await signed_in(browser, web, net, school="Lena Vogt")
    link = await document_link(school, web, app["id"], "Ablehnungsbescheid")
    assert await check_accessibility(school) == []
    href = await link.get_attribute("href")
    answer = await school.request.get(f"{web.url}{href}")
    assert answer.status == 200
    text = pdf_text(await answer.body())
    assert "Ablehnungsbescheid" in text and reason in text
