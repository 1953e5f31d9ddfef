"""Agendas that fill themselves from submitted applications, and decisions with quorum."""
