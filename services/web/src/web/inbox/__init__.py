"""The inbox (``/posteingang``, with its live relay) and the notification preferences
(``/einstellungen``), over notifications' API."""
