"""Alembic environment of meetings: its own metadata, run on the async engine."""

from meetings.models import metadata
from schulerfolg.migrations import run_env

run_env(metadata)
