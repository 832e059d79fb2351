"""Small helpers shared by the benchmark scripts."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any


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


def print_rows(rows: Callable[[bool], list[dict[str, Any]]], doc: str | None) -> None:
    """A benchmark script's command line: ``--quick`` for shorter runs, then each row of
    ``rows(quick)`` printed as a JSON line.
    """
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    for r in rows(parser.parse_args().quick):
        print(json.dumps(r), flush=True)
