"""Small helpers shared by the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_rate(run: Callable[[], int], repeats: int) -> float:
    """The best of ``repeats`` runs of ``run`` (which returns how many steps or rounds it
    made), per second.
    """
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        n = run()
        best = max(best, n / (time.perf_counter() - t))
    return best
