"""Development tools of the schulerfolg suite: the ``schulerfolg`` command (``up``, ``token``),
process helpers, the gateway's routing table and its Caddy configuration, the SMTP sink, and the
test servers and fixtures. Only the workspace and the tests install it, never a service image."""
