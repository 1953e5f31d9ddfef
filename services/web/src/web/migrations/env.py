"""Alembic environment of web: its own metadata, run on the async engine."""

from schulerfolg.migrations import run_env
from web.models import metadata

run_env(metadata)
