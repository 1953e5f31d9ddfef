"""Committees and their sessions: members, agenda with the office's recommendation, attendance,
decisions with votes, minutes (``/gremien``, ``/sitzungen``)."""
