"""The registry's pages: schools, providers, persons, the schools' CSV import, materials and the
regional contact list (``/schulen``, ``/traeger``, ``/personen``)."""
