"""``benchmarks/bench_control.py`` in its smallest mode: it starts a real ``hypertoken serve``
and the echo floor (``benchmarks/control_floor.py``) on loopback, times both sides of each
row, and prints well-formed JSON rows whose ratio is ours over the floor.
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The bench_control module, imported from benchmarks/."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("bench_control")


def test_both_transports_are_timed_against_their_floor(
    bench: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--pairs", "1", "--steps", "60", "--placement", "one_core"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    pinned = hasattr(os, "sched_getaffinity")  # else the kernel places them ("none")
    suffix = "_one_core" if pinned else ""
    assert [row["name"] for row in rows] == [
        f"control_msgpack_unix{suffix}",
        f"control_ws_json{suffix}",
    ]
    for row in rows:
        assert row["placement"] == ("one_core" if pinned else "none")
        if pinned:
            assert row["cpus"]["servers"] == row["cpus"]["client"]
        assert row["ours"] > 0 and row["baseline"] > 0
        assert row["ratio"] == pytest.approx(row["ours"] / row["baseline"], rel=2e-2)
        assert row["meets_target"] is (row["ratio"] >= row["target_ratio"])
        assert row["vs_1ms"] == pytest.approx(row["ours"] / 1000, rel=2e-2)
        assert len(row["ours_runs"]) == len(row["baseline_runs"]) == 1
        # Blackjack's hands: some steps decide, the finished agent's steps do not.
        assert 0 < row["decisions_per_step_last_run"] < 1


def test_placements_pin_the_servers_and_the_client(bench: Any) -> None:
    allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    assert bench.cpus_for("none") is None
    if allowed:
        assert bench.cpus_for("one_core") == (allowed[0], allowed[0])
    if len(allowed) >= 2:
        assert bench.cpus_for("two_cores") == (allowed[0], allowed[1])
    elif allowed:
        assert bench.cpus_for("two_cores") is None  # one CPU: that placement is skipped
