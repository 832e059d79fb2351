"""The Parallel environment of the prisoner's dilemma: rounds resolve per step, rewards
are per round, the end empties ``agents``, and it plays the LocalEngine's game."""

from __future__ import annotations

import pytest
from envkit import replay_hashes

import hypertoken.envs as envs
from games.prisoners_dilemma import PrisonersDilemma
from hypertoken.envs import EpisodeOverError


def test_a_round_per_step_with_the_payoffs() -> None:
    env = envs.parallel_env("prisoners_dilemma_v1", rounds=3)
    obs, infos = env.reset(seed=0)
    assert set(obs) == {"player_0", "player_1"}
    assert all(info["action_mask"].tolist() == [1, 1] for info in infos.values())
    _, rewards, terms, truncs, _ = env.step({"player_0": 0, "player_1": 1})
    assert rewards == {"player_0": 0.0, "player_1": 5.0}  # sucker and temptation
    assert not any(terms.values()) and not any(truncs.values())
    env.step({"player_0": 1, "player_1": 1})
    _, rewards, terms, _, _ = env.step({"player_0": 0, "player_1": 0})
    assert rewards == {"player_0": 3.0, "player_1": 3.0}
    assert all(terms.values())
    assert env.agents == []
    with pytest.raises(EpisodeOverError):
        env.step({"player_0": 0, "player_1": 0})


def test_parallel_env_agrees_with_local_engine() -> None:
    env = envs.parallel_env("prisoners_dilemma_v1", rounds=20, noise=0.1)
    env.reset(seed=5)
    moves, hashes = [], []
    k = 0
    while env.agents:
        actions = {"player_0": k % 2, "player_1": (k // 3) % 2}
        env.step(actions)
        moves += list(actions.items())
        hashes.append(env.engine.state_hash())
        k += 1
    assert replay_hashes(env.game, 5, moves)[1::2] == hashes
    assert isinstance(env.game, PrisonersDilemma)


@pytest.mark.parametrize(
    "actions",
    [{"player_0": 0}, {"player_0": 0, "player_1": 1, "player_2": 0}, [0, 1]],
)
def test_bad_action_dicts_change_nothing(actions: object) -> None:
    env = envs.parallel_env("prisoners_dilemma_v1", rounds=3)
    env.reset(seed=0)
    before = env.engine.state_hash()
    with pytest.raises((ValueError, TypeError)):
        env.step(actions)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outside"):
        env.step({"player_0": 0, "player_1": 2})  # checked before either moves
    assert env.engine.state_hash() == before


def test_turn_based_games_name_the_aec_env() -> None:
    with pytest.raises(ValueError, match=r"aec_env\('blackjack_v1'\)"):
        envs.parallel_env("blackjack_v1")
