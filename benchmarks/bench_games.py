"""Game speed, side by side with each game's named peer in the same run. Prints one JSON
object per line: ``{"name", "ours", "baseline", "ratio", "unit", ...}``.

- blackjack (``benchmarks/games_blackjack.py``): random legal play through the game's own
  API and the training fast path, against gymnasium's ``Blackjack-v1``; recording mode too.
- prisoner's dilemma (``benchmarks/games_pd.py``): rounds per second, against the
  ``axelrod`` library's match loop when it is installed.

Usage: python benchmarks/bench_games.py [--quick]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

MODULES = ("games_blackjack", "games_pd")


def main() -> None:
    """Run every game's benchmark rows."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    quick = parser.parse_args().quick
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    for name in MODULES:
        module = importlib.import_module(name)
        for row in module.rows(quick):
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
