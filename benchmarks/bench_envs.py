"""Environment speed: HyperToken's RL environments against the libraries RL users run
today, each row measured side by side with its peer in the same run. Prints one JSON object
per line.

Rows (ours vs peer, target ratio):

- blackjack_aec_vs_gymnasium: ``aec_env("blackjack_v1")`` (the PettingZoo AEC loop) vs
  gymnasium ``gym.make("Blackjack-v1")``; >= 3.0.
- blackjack_aec_vs_rlcard: the same AEC loop vs RLCard ``rlcard.make("blackjack")``; >= 3.0.
- blackjack_gym_vs_gymnasium: ``gym_env("blackjack_v1")`` vs gymnasium ``Blackjack-v1``;
  >= 4.0.
- blackjack_gym_make_vs_gymnasium: ``gymnasium.make("hypertoken/Blackjack-v1")`` (with the
  wrappers ``make`` adds, as the peer has them) vs gymnasium ``Blackjack-v1``; >= 4.0.
- blackjack_vector64_vs_envpool: ``vector_env("blackjack_v1", num_envs=64)`` vs envpool
  ``make_gymnasium("Blackjack-v1", num_envs=64)``, env-steps; >= 0.5 (stretch 1.0).
- holdem2_aec_vs_pettingzoo / holdem2_aec_vs_rlcard: ``aec_env("texas_holdem_v1",
  num_players=2)`` vs PettingZoo ``texas_holdem_no_limit_v6`` (>= 5.0) and RLCard
  ``no-limit-holdem`` (>= 1.0); holdem6_aec_vs_pettingzoo: six players (reported).
- hanabi2_aec_vs_pettingzoo / hanabi2_aec_vs_openspiel: ``aec_env("hanabi_v1",
  num_players=2)`` vs PettingZoo ``hanabi_v5`` (>= 5.0) and OpenSpiel's raw ``hanabi``
  with ``observation_tensor()`` per decision (reported).
- cuttle_aec: ``aec_env("cuttle_v1")`` alone (our decisions/s, reported).
- pd_parallel_vs_rps: ``parallel_env("prisoners_dilemma_v1")`` vs PettingZoo
  ``classic.rps_v2.parallel_env()``, per-agent decisions; >= 2.0.

Every side plays random legal actions (``benchmarks/envs_ours.py``,
``benchmarks/envs_peers.py``) and counts decisions: env steps that take an action (the
vector rows count ``num_envs`` per step on both sides, next-step resets included). Resets
are inside the timing. Each row times ours and the peer alternately (A, B, A, B, ...,
``--pairs`` pairs after one untimed warm-up run each), since these machines are shared and
noisy, and reports the medians and ``ratio`` = median(ours) / median(peer) (above 1: we
are faster; ``pair_ratio_median`` is the median of the pairs' own ratios). A side that
cannot run (a peer not installed: ``pip install 'hypertoken[bench]'``; an env not built
yet) leaves ``ratio`` null and says why in ``skipped``; the other side is still timed.
``--profile`` prints cProfile's top costs of our side of each row (stderr) instead.

Usage: python benchmarks/bench_envs.py [--quick] [--rows NAME,...] [--pairs N]
[--steps N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import envs_ours
import envs_peers
from bench_util import best_rate
from envs_peers import Loop, Unavailable


@dataclass(frozen=True)
class Row:
    """One comparison: how to build each side, and what the row says about it."""

    name: str
    unit: str
    #: None: the row reports the ratio (or our speed) without a target.
    target_ratio: float | None
    ours: Callable[[], Loop]
    #: What our side is, for the note.
    ours_name: str
    peer: Callable[[], Loop]
    peer_name: str
    #: The peer's distribution, for its version.
    peer_dist: str
    #: Decisions (env-steps) per timed run, full mode.
    steps: int
    stretch_ratio: float | None = None


ROWS = (
    Row(
        "blackjack_aec_vs_gymnasium",
        "decisions/s",
        3.0,
        envs_ours.aec_loop,
        "hypertoken.envs.aec_env('blackjack_v1')",
        envs_peers.gymnasium_blackjack_loop,
        "gymnasium Blackjack-v1 (gym.make)",
        "gymnasium",
        30_000,
    ),
    Row(
        "blackjack_aec_vs_rlcard",
        "decisions/s",
        3.0,
        envs_ours.aec_loop,
        "hypertoken.envs.aec_env('blackjack_v1')",
        envs_peers.rlcard_blackjack_loop,
        "rlcard blackjack (rlcard.make)",
        "rlcard",
        30_000,
    ),
    Row(
        "blackjack_gym_vs_gymnasium",
        "decisions/s",
        4.0,
        envs_ours.gym_loop,
        "hypertoken.envs.gym_env('blackjack_v1')",
        envs_peers.gymnasium_blackjack_loop,
        "gymnasium Blackjack-v1 (gym.make)",
        "gymnasium",
        30_000,
    ),
    Row(
        "blackjack_gym_make_vs_gymnasium",
        "decisions/s",
        4.0,
        lambda: envs_ours.gym_loop(via_make=True),
        "gymnasium.make('hypertoken/Blackjack-v1')",
        envs_peers.gymnasium_blackjack_loop,
        "gymnasium Blackjack-v1 (gym.make)",
        "gymnasium",
        30_000,
    ),
    Row(
        "blackjack_vector64_vs_envpool",
        "steps/s",
        0.5,
        envs_ours.vector_loop,
        "hypertoken.envs.vector_env('blackjack_v1', num_envs=64)",
        envs_peers.envpool_blackjack_loop,
        "envpool Blackjack-v1 (make_gymnasium, num_envs=64)",
        "envpool",
        64 * 3_000,
        stretch_ratio=1.0,
    ),
    Row(
        "holdem2_aec_vs_pettingzoo",
        "decisions/s",
        5.0,
        lambda: envs_ours.aec_loop("texas_holdem_v1", num_players=2),
        "hypertoken.envs.aec_env('texas_holdem_v1', num_players=2)",
        envs_peers.pettingzoo_holdem_loop,
        "pettingzoo classic.texas_holdem_no_limit_v6 (2 players)",
        "pettingzoo",
        20_000,
    ),
    Row(
        "holdem2_aec_vs_rlcard",
        "decisions/s",
        1.0,
        lambda: envs_ours.aec_loop("texas_holdem_v1", num_players=2),
        "hypertoken.envs.aec_env('texas_holdem_v1', num_players=2)",
        envs_peers.rlcard_nolimit_loop,
        "rlcard no-limit-holdem (rlcard.make)",
        "rlcard",
        20_000,
    ),
    Row(
        "holdem6_aec_vs_pettingzoo",
        "decisions/s",
        None,
        lambda: envs_ours.aec_loop("texas_holdem_v1", num_players=6),
        "hypertoken.envs.aec_env('texas_holdem_v1', num_players=6)",
        lambda: envs_peers.pettingzoo_holdem_loop(6),
        "pettingzoo classic.texas_holdem_no_limit_v6 (6 players)",
        "pettingzoo",
        20_000,
    ),
    Row(
        "hanabi2_aec_vs_pettingzoo",
        "decisions/s",
        5.0,
        lambda: envs_ours.aec_loop("hanabi_v1", num_players=2),
        "hypertoken.envs.aec_env('hanabi_v1', num_players=2)",
        envs_peers.pettingzoo_hanabi_loop,
        "pettingzoo classic.hanabi_v5 (2 players)",
        "pettingzoo",
        20_000,
    ),
    Row(
        "hanabi2_aec_vs_openspiel",
        "decisions/s",
        None,
        lambda: envs_ours.aec_loop("hanabi_v1", num_players=2),
        "hypertoken.envs.aec_env('hanabi_v1', num_players=2)",
        envs_peers.openspiel_hanabi_loop,
        "open_spiel hanabi (raw, observation_tensor each decision)",
        "open_spiel",
        20_000,
    ),
    Row(
        "cuttle_aec",
        "decisions/s",
        None,
        lambda: envs_ours.aec_loop("cuttle_v1"),
        "hypertoken.envs.aec_env('cuttle_v1')",
        envs_peers.no_peer("our decisions/s"),
        "none",
        "none",
        20_000,
    ),
    Row(
        "pd_parallel_vs_rps",
        "decisions/s",
        2.0,
        envs_ours.parallel_loop,
        "hypertoken.envs.parallel_env('prisoners_dilemma_v1')",
        envs_peers.pettingzoo_rps_loop,
        "pettingzoo classic.rps_v2.parallel_env()",
        "pettingzoo",
        30_000,
    ),
)


class Failed(str):
    """A side's reason for not running that is a failure (an exception), not an absence."""


def build(make: Callable[[], Loop]) -> Loop | str:
    """A side's loop, or why it cannot run: Unavailable's message, or a :class:`Failed`
    reason for any other exception (with the traceback on stderr).
    """
    try:
        return make()
    except Unavailable as exc:
        return str(exc)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        return Failed(f"error: {type(exc).__name__}: {exc}")


def rate(loop: Loop, steps: int) -> float:
    """One timed run of ``loop``: decisions per second."""
    return float(best_rate(lambda: loop.run(steps), 1))


def time_sides(loops: list[Loop], runs: list[list[float]], pairs: int, steps: int) -> None:
    """A warm-up run of each loop, then ``pairs`` rounds of one timed run each, in turn."""
    for loop in loops:
        loop.run(max(1, steps // 10))
    for _ in range(pairs):
        for loop, got in zip(loops, runs, strict=True):
            got.append(rate(loop, steps))


def measure(row: Row, pairs: int, steps: int) -> dict[str, Any]:
    """Time one row and make its JSON object (``"failed": true`` if a side raised)."""
    ours, peer = build(row.ours), build(row.peer)
    ours_runs: list[float] = []
    peer_runs: list[float] = []
    reasons = [
        f"{who}: {side}" for who, side in (("ours", ours), ("peer", peer)) if isinstance(side, str)
    ]
    failed = isinstance(ours, Failed) or isinstance(peer, Failed)
    pairs_of = [(s, r) for s, r in ((ours, ours_runs), (peer, peer_runs)) if isinstance(s, Loop)]
    if pairs_of:
        try:
            time_sides([p[0] for p in pairs_of], [p[1] for p in pairs_of], pairs, steps)
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            reasons.append(f"error while running: {type(exc).__name__}: {exc}")
            failed = True
            ours_runs.clear()
            peer_runs.clear()
    ours_rate = statistics.median(ours_runs) if ours_runs else None
    peer_rate = statistics.median(peer_runs) if peer_runs else None
    ratio = ours_rate / peer_rate if ours_rate and peer_rate else None
    out: dict[str, Any] = {
        "name": row.name,
        "ours": round(ours_rate) if ours_rate else None,
        "baseline": round(peer_rate) if peer_rate else None,
        "ratio": round(ratio, 3) if ratio else None,
        "unit": row.unit,
        "target_ratio": row.target_ratio,
        "meets_target": (
            None if ratio is None or row.target_ratio is None else ratio >= row.target_ratio
        ),
    }
    if row.stretch_ratio is not None:
        out["stretch_ratio"] = row.stretch_ratio
    out["peer"] = {"name": row.peer_name, "version": envs_peers.version(row.peer_dist)}
    out["note"] = (
        f"ours: {row.ours_name}; random legal actions, resets timed; median of {pairs} "
        f"interleaved runs of {steps} each; ratio = ours / baseline"
    )
    if ours_rate:
        out["us_per_decision"] = round(1e6 / ours_rate, 2)
    out.update(pairs=pairs, steps_per_run=steps)
    if ours_runs and len(ours_runs) == len(peer_runs):
        # Load that hits one pair hits both of its runs: a second view of the ratio.
        by_pair = [a / b for a, b in zip(ours_runs, peer_runs, strict=True)]
        out["pair_ratio_median"] = round(statistics.median(by_pair), 3)
    out["ours_runs"] = [round(r) for r in ours_runs]
    out["baseline_runs"] = [round(r) for r in peer_runs]
    for who, side in (("ours", ours), ("peer", peer)):
        if isinstance(side, Loop) and side.info:
            out[f"{who}_info"] = side.info
    if reasons:
        out["skipped"] = "; ".join(reasons)
    if failed:
        out["failed"] = True
    return out


def profile(row: Row, steps: int, top: int = 15) -> str:
    """cProfile of one run of our side of ``row``: the ``top`` functions by own time, then
    by cumulative time.
    """
    ours = build(row.ours)
    if not isinstance(ours, Loop):
        return f"{row.name}: not profiled ({ours})\n"
    ours.run(max(1, steps // 10))
    profiler = cProfile.Profile()
    profiler.enable()
    done = ours.run(steps)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    text.write(f"== {row.name}: {done} decisions ({row.ours_name})\n")
    for order in ("tottime", "cumulative"):
        stats.sort_stats(order).print_stats(top)
    return text.getvalue()


def select(names: str | None) -> list[Row]:
    """The rows named (comma-separated), all rows when None."""
    if not names:
        return list(ROWS)
    by_name = {row.name: row for row in ROWS}
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise SystemExit(f"unknown rows {unknown}; rows: {', '.join(by_name)}")
    return [by_name[n] for n in wanted]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: see the module docstring. Returns 1 if a row failed with an error (a
    side merely unavailable is not a failure).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 pairs of shorter runs")
    parser.add_argument("--rows", help="comma-separated row names [all]")
    parser.add_argument("--pairs", type=int, help="interleaved pairs per row [7; quick 3]")
    parser.add_argument("--steps", type=int, help="decisions per timed run [per row]")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile our side of each row instead"
    )
    args = parser.parse_args(argv)
    pairs = args.pairs or (3 if args.quick else 7)
    failed = False
    for row in select(args.rows):
        steps = args.steps or (row.steps // 5 if args.quick else row.steps)
        if args.profile:
            print(profile(row, steps), file=sys.stderr, flush=True)
            continue
        out = measure(row, pairs, steps)
        failed = failed or bool(out.get("failed"))
        print(json.dumps(out), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
