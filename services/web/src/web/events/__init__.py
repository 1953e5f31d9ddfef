"""The office's events (trainings, network meetings): scheduling, capacity, registrations, the
waiting list and cancellations (``/veranstaltungen/verwalten``)."""
