"""Control-socket speed: remote AEC steps per second for blackjack through HyperToken's
client and a real ``hypertoken serve`` process, beside the floor of each transport, in one
run. Prints one JSON object per line.

Rows (ours vs floor, target ratio):

- ``control_msgpack_unix``: ``HyperTokenAECEnv("unix://...")`` vs round trips of the same
  client transport through an echo server with the same framing over the same Unix socket
  kind (``benchmarks/control_floor.py``); >= 0.5.
- ``control_ws_json``: ``HyperTokenAECEnv("ws://...")`` vs the WebSocket JSON echo; >= 0.4.

Our side is the standard PettingZoo loop (``agent_iter``, ``last``, a random legal action
from the mask, ``step(None)`` for the finished agent, ``reset`` when the hand is over), and
counts AEC steps: ``step`` calls, the finished agent's included. Resets are inside the timing
(and are round trips too). The floor counts round trips of a step-sized request. Runs
alternate (ours, floor, ours, floor, ...: ``--pairs`` pairs after one warm-up run each)
because these machines are shared and noisy; each row reports the medians, ``ratio`` =
median(ours) / median(floor), and ``vs_1ms``: ours against the 1 ms per step that the
earlier bridge's design cost (several round trips per step), i.e. ours / 1000 steps/s.

Placement: how the kernel places the client and the server on CPUs decides much of a
round trip's cost (on these machines a wake-up across cores costs far more than the
framing), and left to itself it places the echo floor and our server differently from run
to run. So every row pins both sides: ``two_cores`` (the default when the machine lets
this process use two CPUs) runs the servers on one CPU and the client on another, as a
trainer beside an env server runs; ``one_core`` runs all of them on one CPU, where a round
trip is a direct hand-off and the Python work on both sides is most of its cost; each row
name says its placement (``control_msgpack_unix`` and ``control_ws_json`` are two cores,
``*_one_core`` one). ``--placement none`` leaves placement to the kernel.

Usage: python benchmarks/bench_control.py [--quick] [--pairs N] [--steps N]
[--placement two_cores,one_core|none]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from hypertoken.client import HyperTokenAECEnv, HyperTokenClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGETS = {"control_msgpack_unix": 0.5, "control_ws_json": 0.4}


#: Placements: (the servers' CPU, the client's CPU) as indexes into the CPUs allowed.
PLACEMENTS = {"two_cores": (0, 1), "one_core": (0, 0)}


def cpus_for(placement: str) -> tuple[int, int] | None:
    """The (servers, client) CPUs of ``placement``, or None when it cannot be had here
    (``none``, no affinity control, or too few CPUs allowed).
    """
    if placement == "none" or not hasattr(os, "sched_getaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    server, client = PLACEMENTS[placement]
    if max(server, client) >= len(allowed):
        return None
    return allowed[server], allowed[client]


@contextmanager
def process(
    cmd: list[str], prefixes: tuple[str, ...], timeout: float = 60.0, cpu: int | None = None
) -> Iterator[list[str]]:
    """Run ``cmd`` (on CPU ``cpu`` alone when given); yield the URLs its stdout announces
    (lines starting with a prefix, the URL last), one per prefix; terminate it afterwards.
    """
    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def pin() -> None:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})

    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
        preexec_fn=pin if cpu is not None else None,
    )
    try:
        urls: list[str] = []
        deadline = time.monotonic() + timeout
        assert proc.stdout is not None
        while len(urls) < len(prefixes):
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{cmd[:4]} exited before announcing its URLs")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{cmd[:4]} did not announce its URLs in {timeout} s")
            for word in line.split():
                if word.startswith(prefixes):
                    urls.append(word)
        yield sorted(urls, key=lambda u: [u.startswith(p) for p in prefixes].index(True))
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def aec_run(url: str) -> tuple[Callable[[int], int], Callable[[], int], Callable[[], None]]:
    """Our side: ``run(n)`` plays at least ``n`` AEC steps and returns how many;
    ``decisions()`` counts the steps that took an action so far; ``close()``.
    """
    env = HyperTokenAECEnv(url)
    env.reset(seed=0)
    rng = random.Random(1)
    legal: dict[bytes, list[int]] = {}
    decided = [0]

    def run(steps: int) -> int:
        done = 0
        last, step, choice = env.last, env.step, rng.choice
        while done < steps:
            for _agent in env.agent_iter():
                _, _, terminated, truncated, info = last()
                if terminated or truncated:
                    step(None)
                else:
                    mask = info["action_mask"]
                    key = mask.tobytes()
                    ids = legal.get(key)
                    if ids is None:
                        ids = legal[key] = [int(i) for i in np.flatnonzero(mask)]
                    step(choice(ids))
                    decided[0] += 1
                done += 1
            env.reset()
        return done

    return run, lambda: decided[0], env.close


def floor_run(url: str) -> tuple[Callable[[int], int], Callable[[], None]]:
    """The floor: ``run(n)`` makes ``n`` round trips of a step-sized request through the
    client's own transport to the echo server.
    """
    client = HyperTokenClient(url)
    client.connect()
    request = client.request
    message = {"cmd": "step", "action": 1, "reply": "turn"}

    def run(steps: int) -> int:
        for _ in range(steps):
            request(message)
        return steps

    return run, client.disconnect


def rate(run: Callable[[int], int], steps: int) -> float:
    """Steps per second of one timed run."""
    t0 = time.perf_counter()
    done = run(steps)
    return done / (time.perf_counter() - t0)


def row(name: str, ours_url: str, floor_url: str, pairs: int, steps: int) -> dict[str, Any]:
    """One row: ours and the floor timed alternately."""
    ours, decisions, close_ours = aec_run(ours_url)
    floor, close_floor = floor_run(floor_url)
    try:
        ours(steps // 4)  # warm-up, untimed
        floor(steps // 4)
        ours_runs: list[float] = []
        floor_runs: list[float] = []
        before_decisions = done = 0
        for _ in range(pairs):
            before_decisions = decisions()
            t0 = time.perf_counter()
            done = ours(steps)
            ours_runs.append(done / (time.perf_counter() - t0))
            floor_runs.append(rate(floor, steps))
        decided = decisions() - before_decisions
    finally:
        close_ours()
        close_floor()
    median_ours = statistics.median(ours_runs)
    median_floor = statistics.median(floor_runs)
    ratio = median_ours / median_floor
    target = TARGETS[name]
    return {
        "name": name,
        "ours": round(median_ours),
        "baseline": round(median_floor),
        "ratio": round(ratio, 3),
        "unit": "AEC steps/s (floor: echo round trips/s)",
        "target_ratio": target,
        "meets_target": ratio >= target,
        "vs_1ms": round(median_ours / 1000.0, 2),
        "us_per_step": round(1e6 / median_ours, 1),
        "decisions_per_step_last_run": round(decided / max(done, 1), 3),
        "pairs": pairs,
        "steps_per_run": steps,
        "ours_runs": [round(r) for r in ours_runs],
        "baseline_runs": [round(r) for r in floor_runs],
        "note": (
            f"ours: HyperTokenAECEnv({ours_url.split(':')[0]}://...) against hypertoken serve "
            "--env blackjack, random legal actions, resets timed; floor: the same client "
            "transport's round trips through an echo server (benchmarks/control_floor.py); "
            f"median of {pairs} interleaved runs; ratio = ours / floor"
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the rows (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few short runs (a smoke run)")
    parser.add_argument("--pairs", type=int, default=None, help="timed pairs per row [7]")
    parser.add_argument("--steps", type=int, default=None, help="steps per timed run [5000]")
    parser.add_argument(
        "--placement",
        default="two_cores,one_core",
        help="comma-separated placements (two_cores, one_core) or none [two_cores,one_core]",
    )
    args = parser.parse_args(argv)
    pairs = args.pairs or (2 if args.quick else 7)
    steps = args.steps or (300 if args.quick else 5000)
    wanted = [p.strip() for p in args.placement.split(",") if p.strip()]
    unknown = [p for p in wanted if p not in (*PLACEMENTS, "none")]
    if unknown or not wanted:
        parser.error(f"--placement: {unknown or wanted} (two_cores, one_core or none)")
    placements: list[tuple[str, tuple[int, int] | None]] = []
    for placement in wanted:
        cpus = cpus_for(placement)
        if cpus is None and placement != "none":
            print(f"placement {placement}: not possible here, skipped", file=sys.stderr)
            continue
        placements.append((placement, cpus))
    if not placements:  # nothing can be pinned: let the kernel place them
        placements.append(("none", None))
    for placement, cpus in placements:
        suffix = "" if placement in ("two_cores", "none") else f"_{placement}"
        for result in rows_for(placement, cpus, pairs, steps):
            result["name"] += suffix
            print(json.dumps(result), flush=True)
    return 0


def rows_for(
    placement: str, cpus: tuple[int, int] | None, pairs: int, steps: int
) -> Iterator[dict[str, Any]]:
    """Both transports' rows, with the servers and this client on ``cpus`` (see the module
    docstring; None: unpinned).
    """
    before = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    server_cpu = None if cpus is None else cpus[0]
    with tempfile.TemporaryDirectory(prefix="htbc") as tmp:
        serve = [sys.executable, "-m", "hypertoken.cli", "serve", "--env", "blackjack"]
        serve += ["--port", "0", "--unix", f"{tmp}/ours.sock", "--max-connections", "0"]
        floor = [sys.executable, str(HERE / "control_floor.py"), "--unix", f"{tmp}/floor.sock"]
        with (
            process(serve, ("unix://", "ws://"), cpu=server_cpu) as (ours_unix, ours_ws),
            process(floor, ("unix://", "ws://"), cpu=server_cpu) as (floor_unix, floor_ws),
        ):
            try:
                if cpus is not None:
                    os.sched_setaffinity(0, {cpus[1]})
                for name, ours_url, floor_url in (
                    ("control_msgpack_unix", ours_unix, floor_unix),
                    ("control_ws_json", ours_ws, floor_ws),
                ):
                    result = row(name, ours_url, floor_url, pairs, steps)
                    result["placement"] = placement
                    if cpus is not None:
                        result["cpus"] = {"servers": cpus[0], "client": cpus[1]}
                    yield result
            finally:
                if before is not None:
                    os.sched_setaffinity(0, before)


if __name__ == "__main__":
    sys.exit(main())
