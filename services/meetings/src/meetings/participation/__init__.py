"""ESF+ participant figures of a meeting's attendance and its announcement (issue 19)."""
