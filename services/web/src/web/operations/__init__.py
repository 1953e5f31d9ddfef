"""The admins' operations page: e-mail deliveries and dead letters (``/betrieb``)."""
