"""The AEC environment: it plays the LocalEngine's games move for move, follows
PettingZoo's conventions for turns, rewards and ends, and refuses bad input cleanly."""

from __future__ import annotations

import random

import numpy as np
import pytest
from envkit import legal_choice, play_aec, replay_hashes

import games
import hypertoken.envs as envs
from hypertoken.envs import EpisodeOverError, UnknownEnvError
from hypertoken.envs.seeding import next_seed
from hypertoken.game import IllegalMoveError

GAMES = games.names()


@pytest.mark.parametrize("env_id", GAMES)
@pytest.mark.parametrize("seed", [0, 11])
def test_aec_agrees_with_local_engine_move_by_move(env_id: str, seed: int) -> None:
    opts = {"rounds": 8} if env_id.startswith("prisoners") else {}
    env = envs.aec_env(env_id, **opts)
    moves, hashes = play_aec(env, seed, random.Random(seed))
    assert moves
    assert replay_hashes(env.unwrapped.game, seed, moves) == hashes


def test_multi_hand_blackjack_turns_and_rewards() -> None:
    """Two seats, four hands: agent_selection follows the game (a seat can decide several
    times in a row), and the rewards handed out add up to the game's totals."""
    env = envs.aec_env("blackjack_v1", num_players=2, hands=4)
    env.reset(seed=3)
    game, engine = env.unwrapped.game, env.unwrapped.engine
    rng = random.Random(3)
    earned = dict.fromkeys(env.possible_agents, 0.0)
    repeats = 0
    previous = None
    final = None
    for agent in env.agent_iter():
        obs, reward, term, trunc, _info = env.last()
        earned[agent] += reward
        if term or trunc:
            final = final or engine.rewards()
            env.step(None)
            continue
        assert agent == engine.current_player()
        repeats += agent == previous
        previous = agent
        env.step(legal_choice(obs["action_mask"], rng))
    assert repeats > 0  # the same seat decided twice in a row
    assert final is not None and final == pytest.approx(earned)
    assert game.hands == 4


def test_last_after_the_end_carries_the_terminal_reward() -> None:
    env = envs.aec_env("tictactoe_v1")
    env.reset(seed=0)
    for cell in (0, 3, 1, 4, 2):  # player_0 wins on the top row
        env.step(cell)
    assert env.terminations == {"player_0": True, "player_1": True}
    rewards = {}
    for agent in env.agent_iter():
        _, reward, term, _, _ = env.last()
        assert term
        rewards[agent] = reward
        env.step(None)
    assert rewards == {"player_0": 1.0, "player_1": -1.0}
    assert env.agents == []


def test_simultaneous_game_turns_go_round_in_seat_order() -> None:
    env = envs.aec_env("prisoners_dilemma_v1", rounds=3)
    env.reset(seed=1)
    order = []
    for agent in env.agent_iter():
        _, _, term, trunc, _ = env.last()
        order.append(agent)
        env.step(None if term or trunc else 1)
    assert order[:6] == ["player_0", "player_1"] * 3


def test_mask_in_obs_false_gives_the_bare_view_and_the_mask_in_infos() -> None:
    env = envs.aec_env("blackjack_v1", mask_in_obs=False)
    env.reset(seed=2)
    obs, _, _, _, info = env.last()
    assert isinstance(obs, np.ndarray) and obs.shape == (7,)
    assert env.observation_space("player_0").contains(obs)
    assert info["action_mask"].dtype == np.int8


def test_render_modes() -> None:
    env = envs.aec_env("tictactoe_v1", render_mode="ansi")
    env.reset(seed=0)
    assert "X" in env.render() or "." in env.render() or env.render()
    with pytest.raises(ValueError, match="render_mode"):
        envs.aec_env("tictactoe_v1", render_mode="rgb_array")


# ---- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "error"),
    [(1.5, TypeError), ("1", TypeError), (True, TypeError), (9, ValueError), (-1, ValueError)],
)
def test_bad_actions_are_refused_and_change_nothing(action: object, error: type) -> None:
    env = envs.aec_env("blackjack_v1")
    env.reset(seed=4)
    engine = env.unwrapped.engine
    before = engine.state_hash()
    with pytest.raises(error):
        env.step(action)  # type: ignore[arg-type]
    assert engine.state_hash() == before
    assert env.agent_selection == "player_0"
    env.step(np.int64(1))  # numpy ints are actions; the env still works


def test_none_for_a_live_agent_is_refused() -> None:
    env = envs.aec_env("tictactoe_v1")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="None"):
        env.step(None)


def test_an_illegal_move_raises_and_changes_nothing() -> None:
    env = envs.aec_env("tictactoe_v1")
    env.reset(seed=0)
    env.step(4)
    engine = env.unwrapped.engine
    before = engine.state_hash()
    with pytest.raises(IllegalMoveError):
        env.step(4)  # taken
    assert engine.state_hash() == before
    assert env.agent_selection == "player_1"


def test_stepping_a_finished_env() -> None:
    env = envs.raw_env("tictactoe_v1")
    with pytest.raises(EpisodeOverError, match="reset"):
        env.step(0)  # before reset
    env.reset(seed=0)
    for cell in (0, 3, 1, 4, 2):
        env.step(cell)
    for _ in env.agent_iter():
        env.step(None)
    with pytest.raises(EpisodeOverError, match="reset"):
        env.step(0)


def test_wrapped_env_enforces_reset_first() -> None:
    env = envs.aec_env("tictactoe_v1")
    with pytest.raises(AttributeError, match="reset"):
        _ = env.agent_selection


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True, 2**63])
def test_bad_seeds_are_refused(seed: object) -> None:
    env = envs.aec_env("blackjack_v1")
    with pytest.raises(ValueError, match="seed"):
        env.reset(seed=seed)  # type: ignore[arg-type]


def test_unknown_env_lists_the_registered_ones() -> None:
    with pytest.raises(UnknownEnvError) as err:
        envs.aec_env("chess_v9")
    for env_id in GAMES:
        assert env_id in str(err.value)


def test_unknown_game_option_is_refused() -> None:
    with pytest.raises(TypeError, match="options"):
        envs.aec_env("tictactoe_v1", colour="red")


def test_reset_without_seed_continues_the_seeded_sequence() -> None:
    a, b = envs.aec_env("blackjack_v1"), envs.aec_env("blackjack_v1")
    a.reset(seed=9)
    b.reset(seed=9)
    a.reset()
    b.reset()
    assert a.unwrapped.engine.state_hash() == b.unwrapped.engine.state_hash()
    assert a.unwrapped.episode.seed == next_seed(9, 1)


def test_an_episode_over_at_reset_still_takes_one_step() -> None:
    """Blackjack can end as it is dealt (the dealer peeks a blackjack). The first seat
    still gets one step with every action allowed, as trainers that act right after a
    reset expect; that step ends the episode, and last() carries what the deal settled."""
    env = envs.aec_env("blackjack_v1", num_players=2)
    for seed in range(400):
        env.reset(seed=seed)
        if env.unwrapped.engine.is_over:
            break
    else:
        pytest.fail("no hand over at the deal in 400 seeds")
    obs, reward, term, trunc, info = env.last()
    assert (reward, term, trunc) == (0.0, False, False)
    assert info["no_decision"] and obs["action_mask"].all() and info["action_mask"].all()
    before = env.unwrapped.engine.state_hash()
    with pytest.raises(ValueError):
        env.step(9)  # still range-checked
    env.step(0)
    assert env.unwrapped.engine.state_hash() == before
    settled = env.unwrapped.engine.rewards()
    seen = {}
    for agent in env.agent_iter():
        _, reward, term, _, _ = env.last()
        assert term
        seen[agent] = reward
        env.step(None)
    assert seen == settled and any(seen.values())
