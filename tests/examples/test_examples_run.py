"""Every example runs, as a reader would run it: each script with ``--smoke`` in its own
process with this interpreter, and the notebook executed cell by cell with nbclient.

The RLlib example needs ``ray[rllib]``, which CI does not install (it is heavy and pins its
own gymnasium); its test skips without it. To run it::

    pip install torch==2.13.0          # ray does not pull torch in; its PPO needs it
    pip install -e ".[dev,rllib]"      # note: ray pins gymnasium==1.2.2
    python -m pytest tests/examples -k rllib
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run_example(name: str, cwd: Path, timeout: float = 600) -> str:
    """Run ``examples/<name> --smoke`` in ``cwd``; fail with its output unless it exits 0."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name), "--smoke"],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, (
        f"{name} --smoke exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    )
    return proc.stdout


def needs(module: str) -> pytest.MarkDecorator:
    """Skip unless ``module`` is installed (saying which extra brings it)."""
    install = {
        "stable_baselines3": "-e '.[sb3]'",
        "ray": "-e '.[rllib]'",
        "torch": "torch (the CPU build: torch==2.13.0 here)",
    }.get(module, "-e '.[dev]'")
    return pytest.mark.skipif(
        importlib.util.find_spec(module) is None,
        reason=f"{module} is not installed: pip install {install}",
    )


def test_train_pettingzoo_smoke(tmp_path: Path) -> None:
    out = run_example("train_pettingzoo.py", tmp_path)
    # Both experiments ran, trained and met the fixed strategies.
    assert out.count("P(cooperate) by situation") == 2
    assert "[own] episode    10" in out and "[team] episode    10" in out
    assert "vs tit-for-tat" in out


@needs("stable_baselines3")
def test_train_sb3_smoke(tmp_path: Path) -> None:
    out = run_example("train_sb3.py", tmp_path)
    assert "steps      256/256" in out
    table = out[out.index("mean return per hand") :]
    for policy in ("ppo", "random", "basic-strategy"):
        assert f"  {policy} " in table


@needs("stable_baselines3")
def test_room_bot_smoke(tmp_path: Path) -> None:
    out = run_example("room_bot.py", tmp_path)
    # Trained in process, then seated in a real room of two daemons over WebRTC.
    assert "trained in" in out and "ppo              player_0:" in out
    assert "basic-strategy   player_1:" in out
    assert "one state on both peers" in out and "'webrtc'" in out


@pytest.mark.slow
@needs("ray")
@needs("torch")  # RLlib's PPO needs it, and ray does not pull it in
def test_train_rllib_smoke(tmp_path: Path) -> None:
    out = run_example("train_rllib.py", tmp_path)
    assert "iteration   1:" in out
    assert "rllib-ppo" in out and "basic-strategy" in out


@needs("nbclient")
@needs("stable_baselines3")
def test_jupyter_demo_executes(tmp_path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    path = EXAMPLES / "jupyter_demo.ipynb"
    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    # Committed clean: no outputs or execution counts to go stale.
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, "clear the notebook's outputs"
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
        extra_arguments=["--HistoryManager.hist_file=:memory:"],
    )
    client.execute(env={**os.environ, "PYTHONPATH": str(ROOT)})
    text = "\n".join(
        str(output.get("text", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "the replay reaches the live episode's state hash" in text
    assert "returns:" in text
