"""What the circular pages ask meetings (with the signed-in person's token)."""

from __future__ import annotations

from typing import Any

from web.auth.schemas import User
from web.sessions import service as sessions
from web.site.client import Api


async def circulars(api: Api, user: User, committee_id: str) -> list[dict[str, Any]]:
    """The committee's circulars, the newest first."""
    items = await api.all_items(
        "meetings", f"/committees/{committee_id}/circulars", token=user.token
    )
    return list(reversed(items))


async def circular(api: Api, user: User, circular_id: str) -> dict[str, Any]:
    """A circular with its record and the caller's own line."""
    return await api.get("meetings", f"/circulars/{circular_id}", token=user.token)  # type: ignore[no-any-return]


async def open_applications(api: Api, user: User, committee_id: str) -> dict[str, str]:
    """The applications waiting for the committee — on its queue or on a coming session's
    agenda, undecided — as id → title."""
    items = await api.all_items("meetings", f"/committees/{committee_id}/pending", token=user.token)
    committee, _ = await sessions.committee(api, user, committee_id)
    for meeting in await sessions.sessions(api, user, [committee], committee_id):
        if meeting.get("status") == "cancelled" or not meeting.get("upcoming", True):
            continue
        items += await api.all_items(
            "meetings", f"/meetings/{meeting['id']}/agenda", token=user.token
        )
    return {
        str(i["application_id"]): i["title"]
        for i in items
        if i.get("application_id") and i["status"] == "open" and i["kind"] == "decision"
    }
