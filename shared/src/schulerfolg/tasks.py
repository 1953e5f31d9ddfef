"""Background task helpers."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel_and_wait(task: asyncio.Task[None], *, attempt: float = 0.1) -> None:
    """Cancel ``task`` until it has really ended (a cancellation can be swallowed by a library)."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=attempt)
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()
