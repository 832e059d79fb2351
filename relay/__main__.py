"""``python -m relay``: run the relay with flags or ``HYPERTOKEN_RELAY_*`` variables.

This entry point needs only the relay's own dependencies (no click), which keeps the relay
container small. ``hypertoken relay`` is the same server behind the main CLI.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from relay.config import config_from_args
from relay.server import run


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the relay until SIGTERM/SIGINT, and return the exit status."""
    run(config_from_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
