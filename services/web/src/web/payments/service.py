"""What the payment pages ask offers (with the signed-in person's token)."""

from __future__ import annotations

from typing import Any

from web.auth.schemas import User
from web.payments.forms import over_limit
from web.site.catalogue import errors_of
from web.site.client import Api, ApiError

PAYABLE = ("approved", "reported", "completed")


async def application(api: Api, user: User, app_id: str) -> dict[str, Any]:
    return await api.get("offers", f"/applications/{app_id}", token=user.token)  # type: ignore[no-any-return]


async def payment_requests(api: Api, user: User, app_id: str) -> dict[str, Any]:
    """``{items, sums}`` of the application's payment requests."""
    return await api.get(  # type: ignore[no-any-return]
        "offers", f"/applications/{app_id}/payment-requests", token=user.token
    )


async def attempt(
    api: Api, user: User, app_id: str, path: str, body: dict[str, Any] | None
) -> tuple[int, list[dict[str, Any]]] | None:
    """POST a payment step; a refusal as its status and German errors (None when done)."""
    try:
        await api.call(
            "POST",
            "offers",
            f"/applications/{app_id}/payment-requests{path}",
            token=user.token,
            json=body,
        )
    except ApiError as exc:
        if exc.status in (409, 422):
            if exc.rule == "payment-limit-exceeded" and not path:
                left = await payment_requests(api, user, app_id)
                return exc.status, [over_limit(int(left["sums"]["available_cents"]))]
            return exc.status, errors_of(exc, renames={"amount_cents": "amount"})
        raise
    return None


async def payouts(api: Api, user: User, status: str | None) -> list[dict[str, Any]]:
    """The payout list of the person's regions (every region for the state coordination)."""
    return await api.all_items("offers", "/payments", params={"status": status}, token=user.token)


async def payouts_csv(api: Api, user: User, status: str | None) -> str:
    reply = await api.call(
        "GET",
        "offers",
        "/payments",
        params={"status": status},
        token=user.token,
        accept="text/csv",
    )
    return str(reply.body)
