"""The suite as four processes on PostgreSQL with a real NATS server and SMTP sink, shared by
the flows of one test module (each flow sets up its own network, so they do not interfere)."""

from __future__ import annotations

# The fixtures: a NATS server of the module's own (fault tests stop and restart it) and the suite.
from suite_support import module_nats  # noqa: F401
from suite_support import module_suite as suite  # noqa: F401
