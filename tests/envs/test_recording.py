"""Recorded episodes: each adapter with ``record=`` writes Chronicle files that
``hypertoken replay`` plays back to the state hash the episode ended with."""

from __future__ import annotations

import random
from pathlib import Path

from click.testing import CliRunner
from envkit import legal_choice, play_aec

import hypertoken.envs as envs
from hypertoken.cli import main
from hypertoken.cli.replay import replay_file


def test_aec_episodes_replay_to_their_state_hash(tmp_path: Path) -> None:
    recorder = envs.Recorder(tmp_path / "rec")
    env = envs.aec_env("blackjack_v1", recorder=recorder)
    finals = []
    for seed in (1, 2, 3):
        play_aec(env, seed, random.Random(seed))
        finals.append(env.unwrapped.engine.state_hash().hex())
    assert len(recorder.paths) == 3
    for path, final in zip(recorder.paths, finals, strict=True):
        lines = list(replay_file(path))
        assert lines[-1] == f"state hash {final}"
        assert "game over" in lines[-2]


def test_gym_record_true_writes_under_recordings(tmp_path: Path, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.chdir(tmp_path)
    env = envs.gym_env("tictactoe_v1", record=True)
    _, info = env.reset(seed=7)
    rng = random.Random(7)
    while True:
        _obs, _, term, trunc, info = env.step(legal_choice(info["action_mask"], rng))
        if term or trunc:
            break
    final = env.engine.state_hash().hex()
    env.reset()  # the next episode, unfinished, is written at close
    env.close()
    files = sorted((tmp_path / "recordings").iterdir())
    assert len(files) == 2
    result = CliRunner().invoke(main, ["replay", str(files[0])])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == f"state hash {final}"
    assert "in progress" in list(replay_file(files[1]))[-2]


def test_parallel_record_to_a_directory(tmp_path: Path) -> None:
    env = envs.parallel_env("prisoners_dilemma_v1", rounds=4, record=tmp_path)
    env.reset(seed=0)
    while env.agents:
        env.step({"player_0": 0, "player_1": 1})
    (path,) = tmp_path.iterdir()
    assert list(replay_file(path))[-1] == f"state hash {env.engine.state_hash().hex()}"


def test_vector_env_records_every_tables_episodes(tmp_path: Path) -> None:
    import numpy as np

    env = envs.vector_env("blackjack_v1", num_envs=3, record=tmp_path)
    _, infos = env.reset(seed=10)
    ended = []
    for _ in range(6):
        # Stand where it is legal; a finished table (reset on this step) takes any action.
        actions = np.array(
            [int(np.flatnonzero(m)[-1]) if m.any() else 0 for m in infos["action_mask"]]
        )
        _, _, term, trunc, infos = env.step(actions)
        ended += [env.state_hash(i).hex() for i in np.flatnonzero(term | trunc).tolist()]
    env.close()
    assert env.recorder is not None and len(env.recorder.paths) >= len(ended) > 0
    finals = {list(replay_file(p))[-1] for p in env.recorder.paths}
    assert {f"state hash {h}" for h in ended} <= finals
