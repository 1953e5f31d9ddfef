"""Alembic environment of planning: its own metadata, run on the async engine."""

from planning.models import metadata
from schulerfolg.migrations import run_env

run_env(metadata)
