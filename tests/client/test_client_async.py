"""``AsyncHyperTokenClient`` against a real ``hypertoken serve`` on every transport: the
same answers as the synchronous client, pipelining, tasks sharing a client, errors.
"""

from __future__ import annotations

import asyncio
import socket

import numpy as np
import pytest
from clientkit import TOKEN, TRANSPORTS, choose, url_of

from hypertoken.client import (
    AsyncHyperTokenClient,
    ConnectionClosedError,
    HyperTokenClient,
    ServerError,
)
from tests.kits.control import Served

ALL = ("ws", "unix", "tcp")


async def play(client: AsyncHyperTokenClient, seed: int) -> list[tuple[str, float, str]]:
    """One episode by turns: (agent, reward, world hash) after every step."""
    history = []
    turn = await client.reset_turn(seed=seed)
    step = 0
    while turn["agents"]:
        done = turn["terminated"] or turn["truncated"]
        turn = await client.step_turn(None if done else choose(turn["mask"], step, seed))
        history.append((turn["agent"], turn["reward"], await client.state_hash()))
        step += 1
    return history


def play_sync(client: HyperTokenClient, seed: int) -> list[tuple[str, float, str]]:
    """:func:`play` on the synchronous client."""
    history = []
    turn = client.reset_turn(seed=seed)
    step = 0
    while turn["agents"]:
        done = turn["terminated"] or turn["truncated"]
        turn = client.step_turn(None if done else choose(turn["mask"], step, seed))
        history.append((turn["agent"], turn["reward"], client.state_hash()))
        step += 1
    return history


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_async_turns_match_the_sync_client(blackjack3: Served, transport: str) -> None:
    url = url_of(blackjack3, transport)
    with HyperTokenClient(blackjack3.ws_url) as sync:
        expected = {seed: play_sync(sync, seed) for seed in (0, 9)}
    async with AsyncHyperTokenClient(url) as client:
        for seed, history in expected.items():
            assert await play(client, seed) == history


@pytest.mark.parametrize("transport", ALL)
async def test_the_bridge_methods_as_coroutines(blackjack: Served, transport: str) -> None:
    async with AsyncHyperTokenClient(url_of(blackjack, transport)) as client:
        info = await client.env_info()
        assert await client.possible_agents() == info["possible_agents"] == ["player_0"]
        await client.reset(seed=42)
        assert await client.agents() == ["player_0"]
        agent = await client.agent_selection()
        assert await client.observation_space(agent) == info["observation_spaces"][agent]
        assert await client.action_space(agent) == {"n": 5, "shape": []}
        obs = await client.observe(agent)
        assert obs.dtype == np.float32 and obs.shape == (7,)
        last = await client.last()
        np.testing.assert_array_equal(last["observation"], obs)
        mask = await client.action_mask(agent)
        assert mask is not None and mask.dtype == bool
        assert await client.rewards() == {agent: 0.0}
        assert await client.terminations() == {agent: False}
        assert await client.truncations() == {agent: False}
        assert set(await client.infos()) == {agent}
        assert "player_0" in (await client.render() or "")
        assert await client.ping() > 0.0
        await client.step(int(np.flatnonzero(mask)[0]))
        with pytest.raises(RuntimeError, match=r"^Server error: ") as caught:
            await client.step(99)
        assert isinstance(caught.value, ServerError) and caught.value.code in {
            "bad_action",
            "episode_over",
        }
        await client.close()
        assert not client.connected


@pytest.mark.parametrize("transport", ALL)
async def test_tasks_sharing_a_client_get_their_own_answers(
    blackjack: Served, transport: str
) -> None:
    async with AsyncHyperTokenClient(url_of(blackjack, transport)) as client:
        await client.reset(seed=4)
        expected = await client.state_hash()
        hashes = await asyncio.gather(*(client.state_hash() for _ in range(20)))
        pings = await asyncio.gather(*(client.send_many([{"cmd": "ping"}] * 5) for _ in range(5)))
        assert hashes == [expected] * 20
        assert all(len(batch) == 5 and all("pong" in r for r in batch) for batch in pings)


async def test_async_parallel_commands(dilemma: Served) -> None:
    async with AsyncHyperTokenClient(dilemma.unix_url or "") as client:
        await client.reset(seed=2)
        state = await client.observe_all()
        assert state["agents"] == ["player_0", "player_1"]
        result = await client.step_all({"player_0": 0, "player_1": 1})
        assert set(result) >= {"observations", "rewards", "terminations", "agents"}


@pytest.mark.parametrize("transport", ALL)
async def test_async_tokens(tokened: Served, transport: str) -> None:
    async with AsyncHyperTokenClient(url_of(tokened, transport), token=TOKEN) as client:
        assert await client.ping() > 0.0
    if transport == "ws":
        refused = AsyncHyperTokenClient(url_of(tokened, transport), token="wrong")
        with pytest.raises(ConnectionClosedError) as closed:
            await refused.ping()
        assert closed.value.code == 4001
        await refused.disconnect()
    else:
        with pytest.raises(ServerError) as caught:
            await AsyncHyperTokenClient(url_of(tokened, transport), token="wrong").connect()
        assert caught.value.code == "unauthorized"


async def test_async_client_side_errors(tmp_path: object) -> None:
    with pytest.raises(ValueError, match="unsupported server URL"):
        AsyncHyperTokenClient("http://127.0.0.1:1")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for url in (f"ws://127.0.0.1:{port}", f"msgpack+tcp://127.0.0.1:{port}"):
        with pytest.raises(ConnectionError, match="cannot connect"):
            await AsyncHyperTokenClient(url, timeout=5.0).connect()
    with pytest.raises(ConnectionError, match="cannot connect"):
        await AsyncHyperTokenClient(f"unix://{tmp_path}/absent.sock").connect()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        silent = listener.getsockname()[1]
        client = AsyncHyperTokenClient(f"msgpack+tcp://127.0.0.1:{silent}", timeout=0.2)
        await client.connect()
        with pytest.raises(TimeoutError, match="did not answer"):
            await client.ping()
        assert not client.connected
        with pytest.raises(TimeoutError, match="timed out"):
            await AsyncHyperTokenClient(f"ws://127.0.0.1:{silent}", timeout=0.2).connect()
