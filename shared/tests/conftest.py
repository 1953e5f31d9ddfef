"""Fixtures of the shared library's tests (helpers live in ``platform_support``)."""

from platform_support import start_service  # noqa: F401  (fixture)
