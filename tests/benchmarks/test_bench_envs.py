"""``benchmarks/bench_envs.py`` in its smallest mode: one pair of tiny runs per row, rows
that print well-formed JSON, and sides that cannot run (a peer not installed, a factory not
built, a factory that raises) giving a null ratio instead of a crash. Only gymnasium and
HyperToken are needed (rlcard and envpool, the ``bench`` extra, are made unimportable here).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import hypertoken.envs

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
KEYS = {"name", "ours", "baseline", "ratio", "unit", "target_ratio", "peer", "note"}


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The bench_envs module, imported from benchmarks/."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("bench_envs")


def run_rows(bench: Any, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[Any]]:
    code = bench.main(["--pairs", "1", "--steps", "40", *args])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for row in rows:
        assert row.keys() >= KEYS
    return code, rows


def test_a_row_times_both_sides_interleaved(bench: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, (row,) = run_rows(bench, capsys, "--rows", "blackjack_gym_vs_gymnasium")
    assert code == 0
    assert row["name"] == "blackjack_gym_vs_gymnasium"
    assert row["unit"] == "decisions/s" and row["target_ratio"] == 4.0
    assert row["peer"]["name"].startswith("gymnasium") and row["peer"]["version"]
    assert len(row["ours_runs"]) == len(row["baseline_runs"]) == 1
    assert row["ours"] == row["ours_runs"][0] > 0 and row["baseline"] == row["baseline_runs"][0] > 0
    assert row["ratio"] == pytest.approx(row["ours"] / row["baseline"], rel=1e-2)
    assert row["meets_target"] is (row["ratio"] >= 4.0)
    assert "skipped" not in row and "failed" not in row


def test_a_missing_peer_leaves_a_null_ratio_and_ours_timed(
    bench: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rlcard", None)  # import rlcard raises ImportError
    code, (row,) = run_rows(bench, capsys, "--rows", "blackjack_aec_vs_rlcard")
    assert code == 0
    assert row["ratio"] is None and row["baseline"] is None and row["meets_target"] is None
    assert "rlcard" in row["skipped"] and "hypertoken[bench]" in row["skipped"]
    assert row["ours"] > 0 and len(row["ours_runs"]) == 1


def test_a_factory_not_built_yet_is_skipped_and_the_peer_timed(
    bench: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(hypertoken.envs, "gym_env")
    code, (row,) = run_rows(bench, capsys, "--rows", "blackjack_gym_vs_gymnasium")
    assert code == 0
    assert row["ratio"] is None and row["ours"] is None
    assert row["skipped"] == "ours: not built yet: hypertoken.envs has no gym_env"
    assert row["baseline"] > 0


def test_a_factory_that_raises_fails_the_row_not_the_run(
    bench: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(hypertoken.envs, "gym_env", broken)
    rows = "blackjack_gym_vs_gymnasium,blackjack_aec_vs_gymnasium"
    code, (bad, good) = run_rows(bench, capsys, "--rows", rows)
    assert code == 1
    assert bad["failed"] is True and "error: ValueError: boom" in bad["skipped"]
    assert bad["ratio"] is None
    assert good["ratio"] is not None and "failed" not in good


def test_unknown_rows_are_refused(bench: Any) -> None:
    with pytest.raises(SystemExit, match="unknown rows"):
        bench.main(["--rows", "nope"])
