"""What the operations page asks notifications (with the admin's token): e-mail deliveries and
dead letters, one page each, and how an address is hinted at without showing it."""

from __future__ import annotations

from typing import Any

from web.auth.schemas import User
from web.site.client import Api

PAGE_SIZE = 50
DELIVERY_STATUSES = {"pending": "Wartet", "sent": "Gesendet", "failed": "Fehlgeschlagen"}


def address_hint(address: str) -> str:
    """„j…@schule.example“: enough to recognise a recipient, never the whole address."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}…{at}{domain}" if at else "…"


async def deliveries(
    api: Api, user: User, status: str | None, cursor: str | None
) -> dict[str, Any]:
    """One page of e-mail deliveries (``{items, next_cursor}``), addresses as hints."""
    params = {"status": status, "limit": PAGE_SIZE, "cursor": cursor}
    found: dict[str, Any] = await api.get(
        "notifications", "/deliveries", params=params, token=user.token
    )
    for item in found["items"]:
        item["to"] = address_hint(str(item.get("to") or ""))
    return found


async def dead_letters(api: Api, user: User, cursor: str | None) -> dict[str, Any]:
    """One page of the events no consumer could process (``{items, next_cursor}``)."""
    params = {"limit": PAGE_SIZE, "cursor": cursor}
    found: dict[str, Any] = await api.get(
        "notifications", "/dead-letters", params=params, token=user.token
    )
    return found
