"""``benchmarks/bench_p2p.py`` in its smallest mode: two real daemons over WebRTC on
loopback, a bare aiortc channel beside them, and well-formed JSON rows (propagation with
its ratio to the bare round trip, and the join).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_p2p.py"


def test_propagation_and_join_rows() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--hands", "3"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {row["row"]: row for row in map(json.loads, done.stdout.splitlines())}
    assert set(rows) == {"p2p_propagation", "p2p_join"}  # --quick leaves the demo out
    prop = rows["p2p_propagation"]
    assert prop["samples"] > 0 and prop["bare_samples"] == 100
    assert prop["p50_ms"] <= prop["p90_ms"] <= prop["p99_ms"]
    assert prop["ratio"] == pytest.approx(
        prop["p50_ms"] / prop["bare_datachannel_rtt_p50_ms"], rel=0.02
    )
    assert prop["met"] is (prop["p50_ms"] <= 3.0 and prop["p99_ms"] <= 15.0)
    join = rows["p2p_join"]
    assert join["start_to_seated_s"] >= join["start_to_ready_s"] > 0
