"""The Stable-Baselines3 VecEnv: SB3's conventions (same-step autoreset with the terminal
observation, seeding, per-env access, masks for MaskablePPO), the same episodes as the
vector env, SB3's own wrappers and algorithms on it, and a clear error without SB3.
"""

from __future__ import annotations

import importlib
import random
import sys

import gymnasium
import numpy as np
import pytest

pytest.importorskip("stable_baselines3")

from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import VecEnv, VecMonitor, VecNormalize

import hypertoken.envs as envs
from hypertoken.engine import LocalEngine


def legal(masks: np.ndarray, rng: random.Random) -> np.ndarray:
    return np.array([rng.choice(np.flatnonzero(m).tolist()) for m in masks], dtype=np.int64)


def test_it_is_an_sb3_vec_env_with_its_spaces() -> None:
    venv = envs.sb3_vec_env("blackjack_v1", num_envs=4)
    assert isinstance(venv, VecEnv)
    assert venv.num_envs == 4
    assert venv.observation_space.shape == (7,)
    assert venv.action_space == gymnasium.spaces.Discrete(5)
    obs = venv.reset()
    assert isinstance(obs, np.ndarray)
    assert obs.shape == (4, 7) and venv.observation_space.contains(obs[0])
    assert len(venv.reset_infos) == 4 and venv.reset_infos[0]["action_mask"].dtype == np.bool_


@pytest.mark.parametrize("env_id", ["blackjack_v1", "tictactoe_v1"])
def test_steps_follow_sb3s_conventions_and_the_vector_envs_episodes(env_id: str) -> None:
    venv = envs.sb3_vec_env(env_id, num_envs=3)
    core = envs.vector_env(env_id, 3, autoreset_mode="SameStep")
    venv.seed(21)
    obs = venv.reset()
    obs_core, info_core = core.reset(seed=21)
    np.testing.assert_array_equal(obs, obs_core)
    rng = random.Random(2)
    finished = 0
    for _ in range(60):
        actions = legal(venv.action_masks(), rng)
        before = venv.core.seeds.tolist()
        venv.step_async(actions)
        obs, rewards, dones, infos = venv.step_wait()
        obs_core, rew_core, term, trunc, info_core = core.step(actions)
        np.testing.assert_array_equal(obs, obs_core)
        np.testing.assert_array_equal(rewards, rew_core.astype(np.float32))
        np.testing.assert_array_equal(dones, term | trunc)
        assert rewards.dtype == np.float32 and dones.dtype == np.bool_
        for i in range(3):
            np.testing.assert_array_equal(infos[i]["action_mask"], venv.action_masks()[i])
            if dones[i]:
                finished += 1
                np.testing.assert_array_equal(
                    infos[i]["terminal_observation"], info_core["final_obs"][i]
                )
                assert infos[i]["TimeLimit.truncated"] is False
                assert int(venv.core.seeds[i]) != before[i]  # it started its next episode
            else:
                assert "terminal_observation" not in infos[i]
    assert finished >= 3


def test_seed_applies_to_the_next_reset_only() -> None:
    venv = envs.sb3_vec_env("blackjack_v1", num_envs=2)
    assert venv.seed(7) == [7, 8]
    venv.reset()
    assert venv.core.seeds.tolist() == [7, 8]
    assert venv.env_method("state_hash", indices=1) == [
        LocalEngine(venv.core.game, seed=8).state_hash()
    ]
    venv.reset()
    assert venv.core.seeds.tolist() != [7, 8]


def test_per_env_access() -> None:
    venv = envs.sb3_vec_env("blackjack_v1", num_envs=3)
    venv.reset()
    assert venv.get_attr("seat") == ["player_0"] * 3
    assert venv.get_attr("seat", indices=[2]) == ["player_0"]
    assert venv.has_attr("action_masks") and not venv.has_attr("no_such_thing")
    masks = venv.env_method("action_masks")
    assert len(masks) == 3 and np.array_equal(np.stack(masks), venv.action_masks())
    assert venv.env_is_wrapped(VecMonitor) == [False] * 3
    venv.set_attr("illegal_reward", -2.0)
    assert venv.core.illegal_reward == -2.0
    with pytest.raises(ValueError, match="every table"):
        venv.set_attr("illegal_reward", -3.0, indices=[0])
    with pytest.raises(IndexError, match="no table 5"):
        venv.get_attr("seat", indices=[5])
    with pytest.raises(TypeError, match="same step"):
        envs.sb3_vec_env("blackjack_v1", 2, autoreset_mode="NextStep")


def test_bad_actions_and_misuse() -> None:
    venv = envs.sb3_vec_env("blackjack_v1", num_envs=2)
    venv.reset()
    with pytest.raises(RuntimeError, match="step_async"):
        venv.step_wait()
    venv.step_async(np.array([0, 9]))
    with pytest.raises(ValueError, match="outside"):
        venv.step_wait()
    venv.step_async(np.array([[1], [1]]))  # SB3's (n, 1) shape for Discrete
    venv.step_wait()
    venv.close()
    venv.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        venv.reset()


def test_sb3_wrappers_and_algorithms_run_on_it() -> None:
    venv = VecNormalize(VecMonitor(envs.sb3_vec_env("blackjack_v1", num_envs=8)))
    model = PPO("MlpPolicy", venv, n_steps=16, batch_size=64, n_epochs=1, seed=0, device="cpu")
    model.learn(256)
    contrib = pytest.importorskip("sb3_contrib")
    masked = contrib.MaskablePPO(
        "MlpPolicy",
        envs.sb3_vec_env("blackjack_v1", num_envs=4),
        n_steps=16,
        batch_size=32,
        n_epochs=1,
        seed=0,
        device="cpu",
    )
    masked.learn(128)


def test_without_sb3_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "stable_baselines3", None)
    monkeypatch.setitem(sys.modules, "stable_baselines3.common.vec_env", None)
    monkeypatch.delitem(sys.modules, "hypertoken.envs.sb3", raising=False)
    with pytest.raises(ImportError, match=r"hypertoken\[sb3\]"):
        importlib.import_module("hypertoken.envs.sb3")
    monkeypatch.delitem(sys.modules, "hypertoken.envs.sb3", raising=False)
