"""Failpoints: named places where a fault test can make the process fail on purpose.

Enabled with ``SCHULERFOLG_FAILPOINTS="name=action,…"`` (action ``raise`` or ``exit``) or with
``enable()`` in a test. Disabled failpoints cost one dict lookup.
"""

from __future__ import annotations

import os

_ACTIONS = {"raise", "exit"}
_enabled: dict[str, str] = {}


class FailpointTriggered(RuntimeError):
    """Raised by a failpoint whose action is ``raise``."""


def _load_from_env() -> None:
    for item in os.environ.get("SCHULERFOLG_FAILPOINTS", "").split(","):
        name, _, action = item.strip().partition("=")
        if name:
            enable(name, action or "raise")


def enable(name: str, action: str = "raise") -> None:
    """Turn a failpoint on."""
    if action not in _ACTIONS:
        raise ValueError(f"failpoint action must be one of {sorted(_ACTIONS)}")
    _enabled[name] = action


def disable(name: str) -> None:
    """Turn a failpoint off."""
    _enabled.pop(name, None)


def failpoint(name: str) -> None:
    """Fail here if the failpoint ``name`` is on: raise, or end the process at once (a crash)."""
    action = _enabled.get(name)
    if action == "raise":
        raise FailpointTriggered(name)
    if action == "exit":
        os._exit(70)


_load_from_env()
