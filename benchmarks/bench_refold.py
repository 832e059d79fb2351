"""Refold benchmark: how fast a room engine folds a signed log whose entries it already
accepted, the figure to compare across source trees (``compare_trees.py``).

A hot-seat host plays ``--moves`` legal tictactoe moves in one long match; a read-only
replay of its chronicle then refolds the whole log from the start ``--repeats`` times.
Prints one JSON line ``{"name": "refold", "ours": entries/s (median), ...}``. It uses only
calls every tree since 0.2 has (``RoomEngine``, ``submit``, ``replay``, ``refold``), so
the same file runs in an older tree for a before/after comparison.

Run: ``python benchmarks/bench_refold.py`` (a few seconds).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import games
from hypertoken.engine import RoomEngine
from hypertoken.log.chronicle import Chronicle, RoomConfig
from hypertoken.log.identity import Identity


def main() -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    host_id = Identity.from_seed(b"h" * 32)
    game = games.make("tictactoe", rounds=1_000_000)
    config = RoomConfig.for_game(game, [host_id] * len(game.seats), room="bench-refold")
    host = RoomEngine(game, Chronicle.create(config), host_id)
    host.start()
    rng = random.Random(1)
    world = host.world
    for k in range(args.moves):
        seat = game.current_player(world)
        assert seat is not None
        host.submit(
            rng.choice([i for i in range(9) if game.is_legal(world, seat, i)]), seat, time_ms=k
        )
    replay = RoomEngine.replay(host.chronicle.fork(), game)
    total = len(replay.outcomes())
    rates = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        result = replay.refold()
        rates.append(total / (time.perf_counter() - t))
        assert result.state_hash == host.state_hash()
    print(
        json.dumps(
            {
                "name": "refold",
                "ours": round(statistics.median(rates), 1),
                "unit": "entries/s",
                "entries": total,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
