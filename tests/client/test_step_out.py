"""Finished agents step out without round trips: once a turn says every agent is finished
(its ``finished`` field), ``HyperTokenAECEnv.step(None)`` plays the step out locally, in
PettingZoo's order, and sends it with the next request. The remote env must still agree
with the in-process one at every point, and the server's world with the local one.
"""

from __future__ import annotations

import numpy as np
import pytest
from clientkit import TRANSPORTS, choose, local_hash, url_of

import hypertoken.envs as envs
from hypertoken.client import HyperTokenAECEnv
from tests.kits.control import Served


def _agree(remote: HyperTokenAECEnv, local: envs.RawEnv) -> None:
    """The remote env answers what the local one does, reading only the turn."""
    assert remote.agents == local.agents
    assert remote.agent_selection == local.agent_selection
    obs, reward, term, trunc, info = remote.last()
    l_obs, l_reward, l_term, l_trunc, l_info = local.last()
    np.testing.assert_array_equal(obs, l_obs)
    assert (reward, term, trunc) == (l_reward, l_term, l_trunc)
    assert {k: v for k, v in info.items() if k != "action_mask"} == {
        k: v for k, v in l_info.items() if k != "action_mask"
    }
    assert remote._cumulative_rewards == local._cumulative_rewards


def _play(remote: HyperTokenAECEnv, local: envs.RawEnv, seed: int) -> int:
    """One seeded episode in both, reading nothing but the turn; how many steps were
    deferred (sent with a later request).
    """
    remote.reset(seed=seed)
    local.reset(seed=seed)
    deferred, step = 0, 0
    while local.agents:
        _agree(remote, local)
        _, _, term, trunc, info = local.last()
        action = None if term or trunc else choose(info["action_mask"], step, seed)
        before = remote.client.deferred
        remote.step(action)
        local.step(action)
        deferred += remote.client.deferred - before
        step += 1
    assert remote.agents == [] == local.agents
    assert remote.agent_selection == local.agent_selection
    return deferred


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_three_seats_step_out_locally_and_the_worlds_agree(
    blackjack3: Served, transport: str
) -> None:
    local = envs.raw_env("blackjack_v1", num_players=3, mask_in_obs=False)
    with HyperTokenAECEnv(url_of(blackjack3, transport)) as remote:
        for seed in (0, 5, 9):
            # Every seat steps out at the end of the hand, none with a round trip.
            assert _play(remote, local, seed) == 3
            assert remote.client.deferred == 3
            # The next request carries them: the server's world is the local one.
            assert remote.state_hash() == local_hash(local)
            assert remote.client.deferred == 0


def test_the_dicts_read_after_a_local_step_out_are_the_servers(tictactoe: Served) -> None:
    local = envs.raw_env("tictactoe_v1", mask_in_obs=False)
    with HyperTokenAECEnv(tictactoe.unix_url or tictactoe.ws_url) as remote:
        remote.reset(seed=0)
        local.reset(seed=0)
        for action in (0, 3, 1, 4, 2):  # player_0 takes the top row
            remote.step(action)
            local.step(action)
        remote.step(None)
        local.step(None)
        assert remote.client.deferred == 1
        assert dict(remote.rewards) == local.rewards  # read from the server, after the step
        assert dict(remote.terminations) == local.terminations
        assert remote.client.deferred == 0
        _agree(remote, local)
        remote.step(None)
        local.step(None)
        assert remote.agents == [] == local.agents
        assert remote.agent_selection == local.agent_selection


def test_a_step_out_the_server_refuses_raises_on_the_next_call(tictactoe: Served) -> None:
    with HyperTokenAECEnv(tictactoe.ws_url) as remote:
        remote.reset(seed=0)
        for action in (0, 3, 1, 4, 2):
            remote.step(action)
        remote.client.defer({"cmd": "step", "action": 4})  # a finished agent may not move
        with pytest.raises(RuntimeError, match=r"^Server error: "):
            remote.state_hash()
        assert remote.client.deferred == 0


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_reset_withdraws_the_step_outs_it_makes_moot(blackjack3: Served, transport: str) -> None:
    local = envs.raw_env("blackjack_v1", num_players=3, mask_in_obs=False)
    with HyperTokenAECEnv(url_of(blackjack3, transport)) as remote:
        assert _play(remote, local, 3) == 3
        own = {"cmd": "ping"}
        remote.client.defer(own)  # someone else's deferred request is left alone
        assert remote.client.deferred == 4
        remote.reset(seed=4)  # the three step-outs are not sent; the ping goes out
        local.reset(seed=4)
        assert remote.client.deferred == 0
        _agree(remote, local)
        assert remote.state_hash() == local_hash(local)
        assert remote.client.withdraw(own) is False  # it went out with the reset


def test_withdraw_takes_back_a_waiting_request_by_identity(tictactoe: Served) -> None:
    with HyperTokenAECEnv(tictactoe.ws_url) as remote:
        first, second = {"cmd": "ping"}, {"cmd": "ping"}
        remote.client.defer(first)
        remote.client.defer(second)
        assert remote.client.withdraw(second) is True
        assert remote.client.withdraw(dict(first)) is False  # an equal map is not it
        assert remote.client.deferred == 1
        remote.reset(seed=0)
        assert remote.client.deferred == 0
