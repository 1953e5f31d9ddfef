"""HTTP routes for materials (thin: they call the service functions)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["materials"])
