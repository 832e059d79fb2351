"""``python -m relay.healthcheck``: exit 0 if the local relay is ready, 1 otherwise.

The container's ``HEALTHCHECK`` runs this (the slim image has no curl). It asks
``/ready`` on 127.0.0.1 at ``HYPERTOKEN_RELAY_PORT`` (default 8080), or at ``--port``.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence


def check(port: int, *, path: str = "/ready", timeout: float = 3.0) -> bool:
    """Return whether ``GET http://127.0.0.1:<port><path>`` answers 200."""
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``--port``/``--path`` and return the health check's exit status."""
    parser = argparse.ArgumentParser(prog="python -m relay.healthcheck")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("HYPERTOKEN_RELAY_PORT", "8080"))
    )
    parser.add_argument("--path", default="/ready")
    args = parser.parse_args(argv)
    return 0 if check(args.port, path=args.path) else 1


if __name__ == "__main__":
    sys.exit(main())
