"""Run one benchmark script from two source trees, interleaved, and compare them.

Before/after comparisons of a change must come from the same machine in the same run:
these machines are shared and noisy. This runs ``BEFORE/benchmarks/SCRIPT`` and
``AFTER/benchmarks/SCRIPT`` alternately (A, B, A, B, ...), each with its own tree first on
``PYTHONPATH``, collects every JSON row's ``ours`` figure, and prints one JSON line per
row with both medians and ``speedup`` (> 1: the after tree is faster; for rows in
microseconds it is before / after, for rates after / before)::

    git worktree add /tmp/before HEAD~5
    python benchmarks/compare_trees.py --before /tmp/before bench_core.py --runs 5 -- --quick

Extra arguments after ``--`` go to both runs of the script. The script must exist in both
trees under the same name; rows are matched by their ``name``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def run_once(tree: Path, script: str, extra: list[str]) -> dict[str, dict[str, object]]:
    """One run of ``script`` from ``tree``: row name -> row."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run(
        [sys.executable, str(tree / "benchmarks" / script), *extra],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows: dict[str, dict[str, object]] = {}
    for line in done.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            row = json.loads(line)
            rows[str(row["name"])] = row
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the old source tree")
    parser.add_argument("--after", type=Path, default=HERE, help="the new tree [this one]")
    parser.add_argument("--runs", type=int, default=5, help="runs of each tree [5]")
    parser.add_argument("script", help="a script in benchmarks/, e.g. bench_core.py")
    parser.add_argument("extra", nargs="*", help="arguments for the script (after --)")
    args = parser.parse_args(argv)
    figures: dict[str, dict[str, list[float]]] = {}
    units: dict[str, str] = {}
    for i in range(args.runs):
        for label, tree in (("before", args.before), ("after", args.after)):
            print(f"run {i + 1}/{args.runs}: {label}", file=sys.stderr, flush=True)
            for name, row in run_once(tree.resolve(), args.script, args.extra).items():
                value = row.get("ours")
                if isinstance(value, (int, float)):
                    figures.setdefault(name, {"before": [], "after": []})[label].append(value)
                    units[name] = str(row.get("unit", ""))
    for name, got in figures.items():
        if not got["before"] or not got["after"]:
            continue
        before, after = statistics.median(got["before"]), statistics.median(got["after"])
        lower_is_better = units[name] in ("us", "ms", "s", "ns", "bytes")
        speedup = before / after if lower_is_better else after / before
        out = {
            "name": name,
            "unit": units[name],
            "before": round(before, 4),
            "after": round(after, 4),
            "speedup": round(speedup, 3),
            "runs": args.runs,
        }
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
