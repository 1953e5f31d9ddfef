"""The rule other parts of offers ask of the proof of use: closing needs it accepted."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from offers.models import Application
from offers.proof_of_use import repository
from schulerfolg.http.problems import Conflict


async def ensure_accepted(session: AsyncSession, app: Application) -> None:
    """409 unless the application's proof of use was accepted (before closing it)."""
    proof = await repository.get(session, app.id)
    if proof is None or proof.status != "accepted":
        raise Conflict(
            "An application can be closed only after its proof of use was accepted; "
            f"its proof of use is {proof.status if proof else 'not submitted'}.",
            rule="proof-of-use-not-accepted",
            title="Not allowed in this status",
        )
