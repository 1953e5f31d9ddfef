"""Personal data in meetings through its whole life: erasure (by person and by address),
retention of registrations, the caller's own data (``GET /me/data``)."""
