"""Needs surveys (Bedarfsabfragen): the office's list, form, detail with invitations and results,
the topic demand, and the public answer form (``/bedarfsabfragen``, ``/umfrage/{id}``)."""
