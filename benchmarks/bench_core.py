"""Benchmarks of the action core's call boundary. Prints one JSON object per line:
``{"name", "ours", "baseline", "ratio", "unit", ...}``.

Rows (issue [A]):
- blackjack_deal_batch: shuffle a 6-deck shoe, then draw 2 cards to each of 3 hands
  and the dealer, as ONE batch (one boundary call). Baseline: the same five actions as
  five separate facade calls. ratio = baseline / ours (speed-up).
- empty_call: one empty call into the module through the facade's fast path.
  Baseline: wasmtime's public ``Func.__call__``. ratio = baseline / ours. Target <= 2 µs.
- apply_4_batch: ``World.apply`` of a 4-action batch. Baseline: the empty call above.
  ratio = ours / baseline. Target <= 2.0 (the boundary cost is the floor).
- snapshot_restore: snapshot + restore of the dealt blackjack world, per second.
  Baseline: the target of 200,000/s. ratio = ours / target.

Usage: python benchmarks/bench_core.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from hypertoken.core import Batch, To, World

HANDS = ["hand-1", "hand-2", "hand-3", "dealer"]


def blackjack_world() -> World:
    """A world with a 6-deck shoe and four agents, ready to deal."""
    w = World()
    b = Batch().source_create("shoe")
    for d in range(6):
        b.stack_create(f"deck-{d}")
        for suit in ("S", "H", "D", "C"):
            for rank in ("A", "2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K"):
                b.token_create("card", rank, suit, To.stack(f"deck-{d}"))
        b.source_add_stack("shoe", f"deck-{d}")
    for h in HANDS:
        b.agent_create(h)
    w.apply(b)
    return w


def deal_batch(seed: int) -> Batch:
    """Shuffle the shoe once, then two cards to each hand and the dealer."""
    b = Batch().source_shuffle("shoe", seed)
    for h in HANDS:
        b.source_draw("shoe", 2, To.agent(h))
    return b


def per_call(fn: Callable[[], object], n: int, repeats: int = 5) -> float:
    """Best-of-``repeats`` mean seconds per call of ``fn`` over ``n`` calls."""
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t) / n)
    return best


def timed_after_reset(world: World, snap: bytes, fn: Callable[[], object], n: int) -> float:
    """Median seconds of ``fn`` when the world is restored to ``snap`` before each run."""
    samples = []
    for _ in range(n):
        world.restore(snap)
        t = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t)
    return statistics.median(samples) / 1e9


def row(name: str, ours: float, baseline: float, ratio: float, unit: str, **extra: object) -> None:
    """Print one result line."""
    print(
        json.dumps(
            {
                "name": name,
                "ours": round(ours, 4),
                "baseline": round(baseline, 4),
                "ratio": round(ratio, 3),
                "unit": unit,
                **extra,
            }
        ),
        flush=True,
    )


def main() -> None:
    """Run every benchmark row."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    n = 2_000 if parser.parse_args().quick else 20_000

    world = blackjack_world()
    fresh = world.snapshot()
    batch = deal_batch(seed=7)
    one_call = timed_after_reset(world, fresh, lambda: world.apply(batch), n)

    def separate() -> None:
        world.source_shuffle("shoe", 7)
        for h in HANDS:
            world.source_draw("shoe", 2, To.agent(h))

    five_calls = timed_after_reset(world, fresh, separate, n)
    row(
        "blackjack_deal_batch",
        one_call * 1e6,
        five_calls * 1e6,
        five_calls / one_call,
        "us",
        actions=len(batch),
        actions_per_s=round(len(batch) / one_call),
        cards_per_s=round(8 / one_call),
        shoe=312,
        note="baseline: the same 5 actions as 5 facade calls; ratio = speed-up",
    )

    empty = per_call(world._noop, n * 5)
    public_func = world._inst._funcs["ht_noop"]
    store = world._inst.store
    public = per_call(lambda: public_func(store), n)
    row(
        "empty_call",
        empty * 1e6,
        public * 1e6,
        public / empty,
        "us",
        target_us=2.0,
        note="baseline: wasmtime Func.__call__; ratio = speed-up",
    )

    small = World()
    small.stack_create("s")
    for _ in range(4):
        small.token_create("card", "x", "", To.stack("s"))
    small.agent_create("a")
    four = (
        Batch()
        .agent_give_resource("a", "chips", 5)
        .agent_take_resource("a", "chips", 5)
        .stack_swap("s", 0, 3)
        .game_set_property("round", 1)
    )
    apply4 = per_call(lambda: small.apply(four), n * 5)
    apply4_loose = per_call(lambda: small.apply(four, atomic=False), n * 5)
    nothing = Batch()
    apply0 = per_call(lambda: small.apply(nothing), n * 5)
    row(
        "apply_4_batch",
        apply4 * 1e6,
        empty * 1e6,
        apply4 / empty,
        "us",
        target_ratio=2.0,
        non_atomic_us=round(apply4_loose * 1e6, 4),
        empty_batch_us=round(apply0 * 1e6, 4),
        note="baseline: the empty call; ratio = apply / empty call; empty_batch_us = apply "
        "of a batch with no actions (the facade's bookkeeping without core work)",
    )

    world.restore(fresh)
    world.apply(batch)
    dealt = world.snapshot()

    def snap_restore() -> None:
        world.restore(world.snapshot())

    pair = per_call(snap_restore, n * 2)
    row(
        "snapshot_restore",
        1 / pair,
        200_000,
        (1 / pair) / 200_000,
        "per_s",
        snapshot_bytes=len(dealt),
        us_per_pair=round(pair * 1e6, 3),
        note="baseline: the 200k/s target; ratio = ours / target",
    )


if __name__ == "__main__":
    main()
