"""Alembic environment of the registry: its own metadata, run on the async engine."""

from registry.models import metadata
from schulerfolg.migrations import run_env

run_env(metadata)
