"""The environment contract suite: every registered game, through every adapter that
applies to it, passes the Farama test suites. Parametrised over ``games.names()``, so a
new game is tested by being registered.

- PettingZoo's ``api_test`` and ``seed_test`` for the AEC env (classic masked observation
  and bare view), ``parallel_api_test`` for simultaneous games' Parallel env;
- Gymnasium's ``check_env`` for the single-agent env (through ``gymnasium.make`` too, so
  the registration is tested);
- spaces agree with what the envs return, and a masked random playout of each adapter ends.
"""

from __future__ import annotations

import random
import warnings
from typing import Any

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import api_test, parallel_api_test, seed_test

import games
import hypertoken.envs as envs
from hypertoken.envs.registry import gym_id

GAMES = games.names()
SIMULTANEOUS = [g for g in GAMES if games.game_class(g).info.simultaneous]
#: Options that keep each game's episodes short enough for the suites' many resets.
SHORT: dict[str, dict[str, Any]] = {"prisoners_dilemma_v1": {"rounds": 12}}


def options(env_id: str) -> dict[str, Any]:
    return dict(SHORT.get(env_id, {}))


@pytest.mark.parametrize("env_id", GAMES)
@pytest.mark.parametrize("mask_in_obs", [True, False])
def test_aec_api(env_id: str, mask_in_obs: bool) -> None:
    env = envs.aec_env(env_id, mask_in_obs=mask_in_obs, **options(env_id))
    api_test(env, num_cycles=200)


@pytest.mark.parametrize("env_id", GAMES)
def test_aec_seed(env_id: str) -> None:
    seed_test(lambda: envs.aec_env(env_id, **options(env_id)), num_cycles=200)


@pytest.mark.parametrize("env_id", SIMULTANEOUS)
def test_parallel_api(env_id: str) -> None:
    parallel_api_test(envs.parallel_env(env_id, **options(env_id)), num_cycles=200)


@pytest.mark.parametrize("env_id", sorted(set(GAMES) - set(SIMULTANEOUS)))
def test_parallel_refuses_turn_based_games(env_id: str) -> None:
    with pytest.raises(ValueError, match="aec_env"):
        envs.parallel_env(env_id)


@pytest.mark.parametrize("env_id", GAMES)
def test_gym_check_env(env_id: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # check_env's warnings are failures here
        check_env(envs.gym_env(env_id, **options(env_id)), skip_render_check=True)


@pytest.mark.parametrize("env_id", GAMES)
def test_gymnasium_make(env_id: str) -> None:
    env = gymnasium.make(gym_id(env_id), **options(env_id))
    obs, info = env.reset(seed=5)
    assert env.observation_space.contains(obs)
    assert info["action_mask"].shape == (games.game_class(env_id).info.num_actions,)
    check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize("env_id", GAMES)
def test_aec_masked_playout_ends(env_id: str) -> None:
    """Random legal play ends every episode, with observations inside the space."""
    env = envs.aec_env(env_id, **options(env_id))
    rng = random.Random(3)
    for episode in range(3):
        env.reset(seed=episode)
        steps = 0
        for agent in env.agent_iter(max_iter=100_000):
            obs, _, term, trunc, info = env.last()
            assert env.observation_space(agent).contains(obs)
            assert np.array_equal(info["action_mask"], obs["action_mask"])
            legal = np.flatnonzero(info["action_mask"])
            env.step(None if term or trunc else int(rng.choice(legal)))
            steps += 1
        assert not env.agents
        assert steps > 0


@pytest.mark.parametrize("env_id", GAMES)
def test_render_ansi(env_id: str) -> None:
    env = envs.aec_env(env_id, render_mode="ansi", **options(env_id))
    env.reset(seed=0)
    text = env.render()
    assert isinstance(text, str) and text
