"""HTTP routes for organizations (thin: they call the service functions)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["organizations"])
