"""The Gymnasium single-agent environment: one learning seat against policies, the
LocalEngine's games move for move, exact seeding, and clean refusals."""

from __future__ import annotations

import random

import gymnasium
import numpy as np
import pytest
from envkit import legal_choice, replay_hashes

import hypertoken.envs as envs
from hypertoken.engine import LocalEngine
from hypertoken.envs import EpisodeOverError
from hypertoken.game import IllegalMoveError


def play_gym(env: envs.GameEnv, seed: int, rng: random.Random) -> tuple[float, list[bytes]]:
    """One seeded episode of random legal play; its return and the hash after each step."""
    _, info = env.reset(seed=seed)
    total, hashes = 0.0, []
    while True:
        _obs, reward, term, trunc, info = env.step(legal_choice(info["action_mask"], rng))
        total += reward
        hashes.append(env.engine.state_hash())
        if term or trunc:
            return total, hashes


@pytest.mark.parametrize(
    "env_id", ["blackjack_v1", "tictactoe_v1", "prisoners_dilemma_v1", "grab_v1"]
)
def test_gym_env_agrees_with_local_engine(env_id: str) -> None:
    opts = {"rounds": 10} if env_id.startswith("prisoners") else {}
    env = envs.gym_env(env_id, **opts)
    for seed in (0, 1, 2):
        total, _ = play_gym(env, seed, random.Random(seed))
        moves = env.engine.moves
        final = env.engine.state_hash()
        assert replay_hashes(env.game, seed, moves)[-1:] in ([final], [])
        engine = LocalEngine(env.game, seed=seed)
        for seat, action in moves:
            engine.step(action, seat)
        assert engine.state_hash() == final
        assert engine.rewards()["player_0"] == pytest.approx(total)


def test_the_same_seed_gives_the_same_episode() -> None:
    a = envs.gym_env("tictactoe_v1", opponents="random")
    b = gymnasium.make("hypertoken/TicTacToe-v1").unwrapped
    assert isinstance(b, envs.GameEnv)
    for seed in (3, 4):
        ra, ha = play_gym(a, seed, random.Random(seed))
        rb, hb = play_gym(b, seed, random.Random(seed))
        assert (ra, ha) == (rb, hb)


def test_opponents_play_the_other_seats() -> None:
    env = envs.gym_env("prisoners_dilemma_v1", rounds=5, opponents="always-defect")
    env.reset(seed=0)
    total = 0.0
    for _ in range(5):
        _, reward, term, _, _ = env.step(0)
        total += reward
    assert term and total == 0.0  # cooperating against always-defect scores the sucker's 0


def test_a_no_decision_episode_still_takes_one_step() -> None:
    env = envs.gym_env("blackjack_v1")
    for seed in range(400):
        _obs, info = env.reset(seed=seed)
        if info.get("no_decision"):
            break
    else:
        pytest.fail("no episode without a decision in 400 seeds")
    assert info["action_mask"].all()
    before = env.engine.state_hash()
    _, reward, term, trunc, _ = env.step(3)
    assert term and not trunc
    assert env.engine.state_hash() == before
    assert reward == env.engine.rewards()["player_0"]


def test_illegal_moves_follow_on_illegal() -> None:
    env = envs.gym_env("tictactoe_v1", opponents="random")
    env.reset(seed=0)
    env.step(4)
    taken = [c for c in range(9) if not env.action_masks()[c]]
    before = env.engine.state_hash()
    _, reward, term, _, info = env.step(taken[0])
    assert (reward, term, info["illegal_action"]) == (-1.0, False, taken[0])
    assert env.engine.state_hash() == before
    strict = envs.gym_env("tictactoe_v1", on_illegal="raise")
    strict.reset(seed=0)
    strict.step(4)
    with pytest.raises(IllegalMoveError):
        strict.step(4)


def test_blackjack_illegal_action_option_is_the_games() -> None:
    env = envs.gym_env("blackjack_v1")  # illegal_action="stand": Split without a pair stands
    _obs, info = env.reset(seed=1)
    assert not info["action_mask"][3]
    _, _, term, _, info = env.step(3)
    assert term and info.get("played_as") == "stand"


def test_bad_input() -> None:
    env = envs.gym_env("blackjack_v1")
    env.reset(seed=0)
    before = env.engine.state_hash()
    for action, error in ((7, ValueError), (1.0, TypeError), (np.array([1, 0]), TypeError)):
        with pytest.raises(error):
            env.step(action)
    assert env.engine.state_hash() == before
    with pytest.raises(ValueError, match="seed"):
        env.reset(seed=-3)
    while True:
        *_, term, trunc, _ = env.step(1)
        if term or trunc:
            break
    with pytest.raises(EpisodeOverError):
        env.step(1)
    with pytest.raises(ValueError, match="seat"):
        envs.gym_env("blackjack_v1", seat="dealer")
    with pytest.raises(ValueError, match="player_2"):
        envs.gym_env("tictactoe_v1", opponents={"player_2": "random"})
