"""HTTP routes of the registry."""
