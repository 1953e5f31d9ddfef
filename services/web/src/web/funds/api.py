"""Routes of funds (pages being built; see the package's docstring)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
