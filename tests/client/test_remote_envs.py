"""The remote PettingZoo envs (:mod:`hypertoken.client.aec`, :mod:`hypertoken.client.parallel`)
against real ``hypertoken serve`` processes, over WebSocket JSON and msgpack on a unix
socket: whole episodes compared move for move with the in-process envs (observations,
rewards, terminations, infos and the world hash), PettingZoo's own API tests, and the
earlier package's quick-start code, run unchanged.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

import numpy as np
import pytest
from clientkit import TRANSPORTS, choose, local_hash, url_of
from pettingzoo.test import api_test, parallel_api_test

import hypertoken
import hypertoken.envs as envs
from hypertoken.client import HyperTokenAECEnv, HyperTokenEnv, HyperTokenParallelEnv, Reply
from tests.kits.control import Served

SEEDS = (0, 1, 7, 42)


def play_both(remote: HyperTokenAECEnv, local: envs.RawEnv, seed: int) -> int:
    """Play one seeded episode in both envs with the same actions, checking after every
    step that they agree; the number of steps.
    """
    remote.reset(seed=seed)
    local.reset(seed=seed)
    steps = 0
    while local.agents:
        assert remote.agents == local.agents
        agent = local.agent_selection
        assert remote.agent_selection == agent
        obs, reward, term, trunc, info = remote.last()
        l_obs, l_reward, l_term, l_trunc, l_info = local.last()
        assert isinstance(obs, np.ndarray) and obs.dtype == l_obs.dtype
        np.testing.assert_array_equal(obs, l_obs)
        assert (reward, term, trunc) == (l_reward, l_term, l_trunc)
        np.testing.assert_array_equal(info["action_mask"], l_info["action_mask"])
        assert {k: v for k, v in info.items() if k != "action_mask"} == {
            k: v for k, v in l_info.items() if k != "action_mask"
        }
        mask = remote.action_mask(agent)
        assert mask is not None
        np.testing.assert_array_equal(mask, local.action_mask(agent).astype(bool))
        action = None if term or trunc else choose(l_info["action_mask"], steps, seed)
        remote.step(action)
        local.step(action)
        steps += 1
        assert dict(remote.rewards) == local.rewards
        assert dict(remote.terminations) == local.terminations
        assert dict(remote.truncations) == local.truncations
        assert set(remote.infos) == set(local.infos)
        assert remote.state_hash() == local_hash(local)
    assert remote.agents == []
    return steps


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_blackjack_episodes_match_the_in_process_env(blackjack: Served, transport: str) -> None:
    local = envs.raw_env("blackjack_v1", mask_in_obs=False)
    with HyperTokenAECEnv(url_of(blackjack, transport)) as remote:
        for seed in SEEDS:
            assert play_both(remote, local, seed) >= 2  # a decision and the step out


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_three_seat_blackjack_episodes_match(blackjack3: Served, transport: str) -> None:
    local = envs.raw_env("blackjack_v1", num_players=3, mask_in_obs=False)
    with HyperTokenAECEnv(url_of(blackjack3, transport)) as remote:
        assert remote.possible_agents == local.possible_agents
        for seed in SEEDS:
            play_both(remote, local, seed)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_tictactoe_episodes_match(tictactoe: Served, transport: str) -> None:
    local = envs.raw_env("tictactoe_v1", mask_in_obs=False)
    with HyperTokenAECEnv(url_of(tictactoe, transport)) as remote:
        space = remote.observation_space("player_0")
        assert space == local.observation_space("player_0")
        assert space.dtype == np.int8
        for seed in SEEDS:
            assert play_both(remote, local, seed) >= 6  # five marks at least, then two step out


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_dicts_are_attributes_and_methods(blackjack3: Served, transport: str) -> None:
    with HyperTokenAECEnv(url_of(blackjack3, transport)) as env:
        env.reset(seed=3)
        rewards = env.rewards
        assert isinstance(rewards, Reply) and isinstance(rewards, dict)
        assert env.rewards() is rewards  # cached until the next step: no new round trip
        assert env.terminations() == env.terminations == dict.fromkeys(env.agents, False)
        assert env.truncations() == dict.fromkeys(env.agents, False)
        assert set(env.infos()) == set(env.agents)
        # The agent to move's info is last()'s own dict (PettingZoo compares the two).
        assert env.infos[env.agent_selection] is env.last()[4]
        assert env._cumulative_rewards[env.agent_selection] == env.last()[1]
        env.step(int(np.flatnonzero(env.last()[4]["action_mask"])[0]))
        assert env.rewards is not rewards


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_api_test_blackjack(blackjack: Served, transport: str) -> None:
    with HyperTokenAECEnv(url_of(blackjack, transport)) as env:
        api_test(env, num_cycles=100)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_api_test_tictactoe(tictactoe: Served, transport: str) -> None:
    with HyperTokenAECEnv(url_of(tictactoe, transport)) as env:
        api_test(env, num_cycles=100)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_parallel_api_test_prisoners_dilemma(dilemma: Served, transport: str) -> None:
    with HyperTokenParallelEnv(url_of(dilemma, transport)) as env:
        parallel_api_test(env, num_cycles=100)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_parallel_episodes_match_the_in_process_env(dilemma: Served, transport: str) -> None:
    local = envs.parallel_env("prisoners_dilemma_v1")
    with HyperTokenParallelEnv(url_of(dilemma, transport)) as remote:
        assert remote.possible_agents == local.possible_agents
        for seed in SEEDS:
            obs, infos = remote.reset(seed=seed)
            l_obs, l_infos = local.reset(seed=seed)
            rounds = 0
            while local.agents:
                assert remote.agents == local.agents
                assert obs.keys() == l_obs.keys()
                for agent in l_obs:
                    np.testing.assert_array_equal(obs[agent], l_obs[agent])
                    assert obs[agent].dtype == l_obs[agent].dtype
                actions = {
                    a: choose(l_infos[a]["action_mask"], rounds + i, seed)
                    for i, a in enumerate(local.agents)
                }
                obs, rewards, terms, truncs, infos = remote.step(actions)
                l_obs, l_rewards, l_terms, l_truncs, l_infos = local.step(actions)
                assert (rewards, terms, truncs) == (l_rewards, l_terms, l_truncs)
                assert infos.keys() == l_infos.keys()
                assert remote.state_hash() == local.engine.state_hash().hex()
                rounds += 1
            assert remote.agents == [] and rounds >= 1


def test_parallel_env_mask_and_render(dilemma: Served) -> None:
    with HyperTokenParallelEnv(dilemma.ws_url, render_mode="ansi") as env:
        env.reset(seed=1)
        mask = env.action_mask("player_0")
        assert mask is not None and mask.dtype == bool and mask.all()
        text = env.render()
        assert isinstance(text, str) and text


def test_close_is_idempotent_and_reset_reconnects(blackjack: Served) -> None:
    env = HyperTokenAECEnv(blackjack.unix_url or "")
    env.reset(seed=1)
    first = env.last()[0]
    env.close()
    env.close()
    assert not env.client.connected
    env.reset(seed=1)  # a new connection, a new env on the server: the same episode
    np.testing.assert_array_equal(env.last()[0], first)
    env.close()


def test_render_modes_and_the_alias(tictactoe: Served) -> None:
    assert HyperTokenEnv is HyperTokenAECEnv
    with pytest.raises(ValueError, match="render_mode"):
        HyperTokenAECEnv(tictactoe.ws_url, render_mode="rgb_array", auto_connect=False)
    with HyperTokenAECEnv(tictactoe.ws_url, render_mode="ansi") as env:
        env.reset(seed=0)
        text = env.render()
        assert isinstance(text, str) and text
    with HyperTokenAECEnv(tictactoe.ws_url, render_mode="human") as env:
        env.reset(seed=0)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert env.render() is None
        assert out.getvalue().strip() == text.strip()


def test_observing_another_agent_and_before_reset(tictactoe: Served) -> None:
    local = envs.raw_env("tictactoe_v1", mask_in_obs=False)
    local.reset(seed=None)
    with HyperTokenAECEnv(tictactoe.unix_url or "", auto_connect=False) as env:
        # The server resets every env it builds, so the episode is readable before reset.
        assert env.agents == ["player_0", "player_1"]
        assert env.agent_selection == "player_0"
        np.testing.assert_array_equal(env.last()[0], local.last()[0])
        env.reset(seed=5)
        local.reset(seed=5)
        env.step(4)
        local.step(4)
        np.testing.assert_array_equal(env.observe("player_0"), local.observe("player_0"))
        np.testing.assert_array_equal(env.observe("player_1"), local.observe("player_1"))
        other = env.action_mask("player_0")
        assert other is not None
        np.testing.assert_array_equal(other, local.action_mask("player_0").astype(bool))


def test_a_finished_agents_none_steps_it_out(tictactoe: Served) -> None:
    with HyperTokenAECEnv(tictactoe.ws_url) as env:
        env.reset(seed=0)
        for action in (0, 3, 1, 4, 2):  # player_0 takes the top row
            env.step(action)
        assert env.terminations == {"player_0": True, "player_1": True}
        assert env.rewards == {"player_0": 1.0, "player_1": -1.0}
        with pytest.raises(RuntimeError, match=r"^Server error: "):
            env.step(5)  # a finished agent may only step None
        first = env.agent_selection
        env.step(None)
        assert first not in env.agents and len(env.agents) == 1
        env.step(None)
        assert env.agents == []
        with pytest.raises(RuntimeError, match=r"^Server error: "):
            env.step(None)  # the episode is over: reset first


QUICK_START = """\
from hypertoken import HyperTokenAECEnv

env = HyperTokenAECEnv("ws://localhost:9999")
env.reset(seed=42)

for agent in env.agent_iter():
    obs, reward, term, trunc, info = env.last()

    if term or trunc:
        action = None
    else:
        action = env.action_space(agent).sample()

    env.step(action)

print(f"Final rewards: {env.rewards()}")
env.close()
"""
"""The earlier package's README quick start, verbatim."""


def run_quick_start(code: str, url: str) -> str:
    """Run the quick start against ``url``; what it printed."""
    out = io.StringIO()
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(out):
        exec(code.replace("ws://localhost:9999", url), namespace)
    return out.getvalue()


def test_the_earlier_quick_start_runs_unchanged(blackjack: Served) -> None:
    if "HyperTokenAECEnv" not in dir(hypertoken):
        pytest.skip("the hypertoken facade does not export HyperTokenAECEnv yet")
    printed = run_quick_start(QUICK_START, blackjack.ws_url)
    assert printed.startswith("Final rewards: {")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_quick_start_from_hypertoken_client(blackjack: Served, transport: str) -> None:
    code = QUICK_START.replace("from hypertoken import", "from hypertoken.client import")
    printed = run_quick_start(code, url_of(blackjack, transport))
    assert printed.startswith("Final rewards: {")
