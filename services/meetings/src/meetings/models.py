"""The meetings service's tables."""

from __future__ import annotations

from schulerfolg.db import make_metadata, make_model_base
from schulerfolg.messaging.outbox import Outbox
from schulerfolg.tables import platform_tables

metadata = make_metadata()
Base = make_model_base(metadata)
platform = platform_tables(metadata)
outbox = Outbox(platform)
