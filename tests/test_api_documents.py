"""The documents the services serve, checked by tools other than our own code: the OpenAPI
documents with openapi-spec-validator, the AsyncAPI documents with @asyncapi/parser and the
iCalendar feed with ical.js (both through node, ``tests/js``); and what clients of the HTTP API
trip on besides: CORS headers, a trace per request on a kept-alive connection, ``/docs``
without a CDN, process metrics.

The documents come from the apps in-process; only the iCalendar feed needs a running service.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

from meetings_support import BERLIN, create_meeting, start_meetings

JS = Path(__file__).resolve().parent / "js"


def node(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one of the checks in ``tests/js`` (its packages installed by ``npm ci``)."""
    assert shutil.which("node"), "node is needed for the document checks"
    assert (JS / "node_modules").is_dir(), "run `npm ci --prefix tests/js` (.ci/run does)"
    return subprocess.run(
        ["node", str(JS / script), *args], capture_output=True, text=True, timeout=120
    )


# --------------------------------------------------------------------------- iCalendar


def _next(month: int) -> date:
    """The 15th of ``month`` in the coming year (always in the future)."""
    return date(datetime.now(BERLIN).year + 1, month, 15)


async def test_ical_js_reads_berlin_noon_as_noon_in_summer_and_winter(
    new_database, nats_url, tmp_path
) -> None:
    noon = {
        month: datetime.combine(_next(month), datetime.min.time().replace(hour=12), BERLIN)
        for month in (7, 1)
    }
    async with start_meetings(
        await new_database("sqlite"), nats_url, tmp_path / "auth"
    ) as meetings:
        ids = {
            month: (await create_meeting(meetings, title=f"Termin {month}", starts_at=starts))["id"]
            for month, starts in noon.items()
        }
        response = await meetings.client.get("/api/v1/meetings.ics", params={"region": "boerde"})
    assert response.status_code == 200, response.text
    feed = tmp_path / "termine.ics"
    feed.write_bytes(response.content)

    result = node("ical.mjs", str(feed))
    assert result.returncode == 0, result.stderr
    read = {
        entry["uid"].split("@")[0]: entry for entry in map(json.loads, result.stdout.splitlines())
    }
    # 12:00 Berlin is 10:00 UTC in July (summer time) and 11:00 UTC in January.
    assert {month: read[ids[month]]["utc"] for month in noon} == {
        7: f"{_next(7).isoformat()}T10:00:00Z",
        1: f"{_next(1).isoformat()}T11:00:00Z",
    }
    assert {read[ids[month]]["tzid"] for month in noon} == {"Europe/Berlin"}
