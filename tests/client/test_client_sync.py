"""``HyperTokenClient`` against a real ``hypertoken serve`` on every transport: the earlier
bridge client's methods, the combined turn, pipelining, error responses, tokens, and the
client-side errors (bad URLs, refused connections, timeouts).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from clientkit import TOKEN, url_of

import hypertoken.envs as envs
from hypertoken.client import ConnectionClosedError, HyperTokenClient, ServerError
from hypertoken.client.transport import MAX_RESPONSE_BYTES
from hypertoken.protocol.control import FRAME_HEADER
from tests.kits.control import Served

ALL = ("ws", "unix", "tcp")


@pytest.fixture(params=ALL)
def client(request: pytest.FixtureRequest, blackjack: Served) -> Iterator[HyperTokenClient]:
    """A connected client of the blackjack server, once per transport."""
    with HyperTokenClient(url_of(blackjack, request.param), timeout=10.0) as c:
        yield c


def test_the_bridge_clients_methods(client: HyperTokenClient) -> None:
    info = client.env_info()
    assert info["env_id"] == "blackjack_v1" and info["protocol"] == 1
    assert client.possible_agents() == ["player_0"] == info["possible_agents"]
    client.reset(seed=42)
    assert client.agents() == ["player_0"]
    assert client.agent_selection() == "player_0"
    assert client.observation_space("player_0") == info["observation_spaces"]["player_0"]
    assert client.action_space("player_0") == {"n": 5, "shape": []}
    obs = client.observe("player_0")
    assert isinstance(obs, np.ndarray) and obs.dtype == np.float32 and obs.shape == (7,)
    last = client.last()
    np.testing.assert_array_equal(last["observation"], obs)
    assert last["reward"] == 0.0 and last["terminated"] is False
    assert client.last(observe=False).get("observation") is None
    mask = client.action_mask("player_0")
    assert mask is not None and mask.dtype == bool
    assert client.rewards() == {"player_0": 0.0}
    assert client.terminations() == {"player_0": False}
    assert client.truncations() == {"player_0": False}
    assert client.infos()["player_0"]["action_mask"] == mask.astype(int).tolist()
    text = client.render()
    assert isinstance(text, str) and "player_0" in text
    assert client.ping() > 0.0
    assert len(client.state_hash()) == 64


def test_turns_replay_the_in_process_episode(client: HyperTokenClient) -> None:
    local = envs.raw_env("blackjack_v1", mask_in_obs=False)
    for seed in (0, 5, 42):
        turn = client.reset_turn(seed=seed)
        local.reset(seed=seed)
        while turn["agents"]:
            obs, reward, term, trunc, info = local.last()
            assert turn["agent"] == local.agent_selection and turn["agents"] == local.agents
            np.testing.assert_array_equal(turn["observation"], obs)
            assert (turn["reward"], turn["terminated"], turn["truncated"]) == (
                reward,
                term,
                trunc,
            )
            np.testing.assert_array_equal(turn["mask"], info["action_mask"].astype(bool))
            action = None if term or trunc else int(np.flatnonzero(info["action_mask"])[-1])
            turn = client.step_turn(action)
            local.step(action)
        assert local.agents == []
        assert client.state_hash() == local.episode.engine.state_hash().hex()


def test_numpy_actions_are_sent_as_ints(client: HyperTokenClient) -> None:
    turn = client.reset_turn(seed=1)
    action = np.int64(np.flatnonzero(turn["mask"])[0])
    client.step(action)
    with pytest.raises(TypeError, match="int or None"):
        client.step(1.5)
    with pytest.raises(TypeError, match="int or None"):
        client.step(True)


def test_send_many_pipelines_in_order(client: HyperTokenClient) -> None:
    requests: list[dict[str, Any]] = [{"cmd": "reset", "seed": 3}, {"cmd": "state_hash"}]
    requests += [{"cmd": "ping"}] * 300
    responses = client.send_many(requests)
    assert len(responses) == len(requests)
    assert responses[0] == {"ok": True}
    assert set(responses[1]) == {"hash"}
    assert all(set(r) == {"pong"} for r in responses[2:])
    client.reset(seed=3)
    assert client.state_hash() == responses[1]["hash"]


def test_error_responses_raise_runtime_errors(client: HyperTokenClient) -> None:
    client.reset(seed=0)
    before = client.state_hash()
    with pytest.raises(RuntimeError, match=r"^Server error: ") as caught:
        client.step(99)
    assert isinstance(caught.value, ServerError)
    assert caught.value.code == "bad_action" and caught.value.field == "action"
    with pytest.raises(ServerError) as unknown:
        client.request({"cmd": "teleport"})
    assert unknown.value.code == "unknown_command"
    with pytest.raises(ServerError) as bad_agent:
        client.observe("nobody")
    assert bad_agent.value.field == "agent"
    assert client.state_hash() == before  # an error changes nothing
    # Without raise_errors the error comes back in place, the others around it intact.
    got = client.send_many([{"cmd": "ping"}, {"cmd": "nope"}, {"cmd": "ping"}], raise_errors=False)
    assert "pong" in got[0] and got[1]["code"] == "unknown_command" and "pong" in got[2]


def test_close_then_reconnect(blackjack: Served) -> None:
    client = HyperTokenClient(blackjack.ws_url)
    assert not client.connected
    client.reset(seed=1)  # connects on first use
    assert client.connected
    client.close()
    assert not client.connected
    client.close()  # idempotent
    client.disconnect()
    assert client.ping() > 0.0  # a new connection
    client.disconnect()


@pytest.mark.parametrize("transport", ALL)
def test_a_token_opens_the_door(tokened: Served, transport: str) -> None:
    with HyperTokenClient(url_of(tokened, transport), token=TOKEN) as client:
        assert client.possible_agents() == ["player_0", "player_1"]
    query = url_of(tokened, transport) + f"?token={TOKEN}"
    with HyperTokenClient(query) as client:
        assert client.ping() > 0.0


def test_a_missing_or_wrong_token_is_refused(tokened: Served) -> None:
    for token in (None, "wrong"):
        client = HyperTokenClient(tokened.ws_url, token=token)
        with pytest.raises(ConnectionClosedError) as ws_refused:
            client.ping()
        assert ws_refused.value.code == 4001
        assert "Unauthorized" in str(ws_refused.value)
    with pytest.raises(ServerError) as msgpack_refused:
        HyperTokenClient(url_of(tokened, "unix"), token="wrong").connect()
    assert msgpack_refused.value.code == "unauthorized"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9999", "127.0.0.1:9999", "tcp://127.0.0.1:1", "unix://", "ws://"],
)
def test_a_url_no_transport_speaks_is_a_value_error(url: str) -> None:
    with pytest.raises(ValueError, match=r"ws://|unix://|msgpack\+tcp://"):
        HyperTokenClient(url)


def test_msgpack_tcp_needs_a_port() -> None:
    with pytest.raises(ValueError, match="HOST:PORT"):
        HyperTokenClient("msgpack+tcp://127.0.0.1")


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.parametrize("scheme", ["ws", "msgpack+tcp"])
def test_nothing_listening_is_a_connection_error(scheme: str) -> None:
    url = f"{scheme}://127.0.0.1:{free_port()}"
    with pytest.raises(ConnectionError, match=r"cannot connect to .*hypertoken serve"):
        HyperTokenClient(url, timeout=5.0).connect()


def test_a_missing_unix_socket_is_a_connection_error(tmp_path: object) -> None:
    with pytest.raises(ConnectionError, match="cannot connect to unix://"):
        HyperTokenClient(f"unix://{tmp_path}/absent.sock").connect()


@pytest.fixture
def silent() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


def test_a_server_that_never_answers_times_out(silent: int) -> None:
    client = HyperTokenClient(f"msgpack+tcp://127.0.0.1:{silent}", timeout=0.2)
    client.connect()
    with pytest.raises(TimeoutError, match="did not answer"):
        client.ping()
    assert not client.connected  # a late answer would be taken for the next one's
    with pytest.raises(ConnectionClosedError, match=r"was lost .*call connect\(\)"):
        client.ping()  # never a silent new connection (a new env) mid-episode
    client.connect()
    assert client.connected
    client.disconnect()
    with pytest.raises(TimeoutError, match="timed out"):
        HyperTokenClient(f"ws://127.0.0.1:{silent}", timeout=0.2).connect()


def test_an_oversized_response_frame_is_a_clear_error(tmp_path: Path) -> None:
    """A server that announces a frame over the client's limit: a ConnectionError, not a
    hang (the client cannot resynchronise the stream after it).
    """
    path = str(tmp_path / "big.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(1 << 16)
            conn.sendall(FRAME_HEADER.pack(MAX_RESPONSE_BYTES + 1) + b"\x00" * 16)
            conn.recv(1 << 16)  # until the client closes

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = HyperTokenClient(f"unix://{path}", timeout=10)
    with pytest.raises(ConnectionError, match="over"):
        client.ping()
    thread.join(10)
    listener.close()
