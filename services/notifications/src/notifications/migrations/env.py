"""Alembic environment of notifications: its own metadata, run on the async engine."""

from notifications.models import metadata
from schulerfolg.migrations import run_env

run_env(metadata)
