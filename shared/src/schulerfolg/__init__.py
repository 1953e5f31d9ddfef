"""Shared platform library of the schulerfolg services."""

__version__ = "0.1.0"
