"""The earlier package's helpers for scripts that start a server and talk to it:
:func:`wait_for_server` (block until it answers) and :func:`measure_latency` (ping
statistics).
"""

from __future__ import annotations

import statistics
import time

from hypertoken.client.client import HyperTokenClient
from hypertoken.client.transport import parse_url

__all__ = ["measure_latency", "wait_for_server"]


def wait_for_server(
    url: str, timeout: float = 30.0, poll_interval: float = 0.5, *, token: str | None = None
) -> bool:
    """Whether a server at ``url`` answered a ``ping`` within ``timeout`` seconds (tried
    every ``poll_interval`` seconds). A URL no transport speaks raises ValueError at once.
    """
    parse_url(url, token)
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        try:
            with HyperTokenClient(url, timeout=max(min(left, 5.0), 0.05), token=token) as client:
                client.ping()
            return True
        except (ConnectionError, TimeoutError, OSError):
            pass
        # A server that is not up yet cannot tell us when it will be: polling is the only way.
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(poll_interval, left))


def measure_latency(
    url: str, samples: int = 100, *, token: str | None = None
) -> dict[str, float | int]:
    """Round trips of ``samples`` pings over one connection, in milliseconds:
    ``{"min", "max", "mean", "median", "samples"}``.
    """
    if samples < 1:
        raise ValueError(f"samples must be at least 1, not {samples}")
    with HyperTokenClient(url, token=token) as client:
        times = [client.ping() for _ in range(samples)]
    return {
        "min": min(times),
        "max": max(times),
        "mean": statistics.fmean(times),
        "median": statistics.median(times),
        "samples": samples,
    }
