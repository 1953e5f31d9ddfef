"""``python -m schulerfolg.healthcheck``: the container HEALTHCHECK of a service.

Reads the service from ``SERVICE`` and its port from ``<SERVICE>_PORT`` and exits 0 when
``/healthz`` answers 200.
"""

from __future__ import annotations

import os
import sys
import urllib.request

DEFAULT_PORTS = {
    "registry": 8001,
    "offers": 8002,
    "meetings": 8003,
    "notifications": 8004,
    "web": 8005,
}


def main() -> int:
    """Probe the local service's liveness endpoint."""
    service = os.environ.get("SERVICE", "registry")
    port = os.environ.get(f"{service.upper()}_PORT") or DEFAULT_PORTS.get(service, 8000)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
