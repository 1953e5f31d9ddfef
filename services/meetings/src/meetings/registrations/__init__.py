"""Registrations for meetings: confirmed up to capacity, then a fair waiting list in arrival order."""
