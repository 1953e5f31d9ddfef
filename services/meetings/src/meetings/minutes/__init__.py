"""A meeting's minutes in Markdown; published once, then read-only."""
