"""Alembic environment of offers: its own metadata, run on the async engine."""

from offers.models import metadata
from schulerfolg.migrations import run_env

run_env(metadata)
