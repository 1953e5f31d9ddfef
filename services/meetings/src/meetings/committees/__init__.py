"""Committees (steering groups, working groups, youth juries, …) and their members."""
