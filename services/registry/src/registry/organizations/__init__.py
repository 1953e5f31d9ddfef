"""Organisations: providers and partners (youth welfare, municipalities, school associations, …)."""
