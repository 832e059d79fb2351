"""``hypertoken serve`` as a real process (:func:`tests.kits.control.serve_process`): its
"serving" lines, bridge compatibility over a raw WebSocket, msgpack on Unix and TCP, the token
from the environment, connection logs, graceful SIGTERM, and usage errors.

The raw clients are aiohttp's WebSocket and :class:`tests.kits.control.FrameClient`: nothing
here goes through HyperToken's client, so these tests pin the wire format on their own.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType
from click.testing import CliRunner

from hypertoken.cli import main
from hypertoken.cli.options import parse_options
from hypertoken.client import HyperTokenClient
from tests.kits.control import API_KEY_VAR, FrameClient, Served, serve_process


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """One blackjack server for the module, every listener on."""
    with serve_process("--env", "blackjack", tcp=True) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """An aiohttp client session."""
    async with aiohttp.ClientSession() as session:
        yield session


async def ws_call(ws: aiohttp.ClientWebSocketResponse[Any], request: dict[str, Any]) -> Any:
    """Send one JSON request and return the decoded response."""
    await ws.send_str(json.dumps(request))
    return json.loads(await ws.receive_str())


def test_prints_one_serving_line_per_listener(served: Served) -> None:
    assert served.env_id == "blackjack_v1"
    assert len(served.lines) == 3
    assert served.lines[0] == f"serving blackjack_v1 on {served.ws_url} (one env per connection)"
    assert served.ws_url.startswith("ws://127.0.0.1:")
    assert served.unix_url is not None and served.unix_url.startswith("unix:///tmp/")
    assert served.tcp_url is not None and served.tcp_url.startswith("msgpack+tcp://127.0.0.1:")


async def test_bridge_commands_over_a_raw_websocket(
    served: Served, http: aiohttp.ClientSession
) -> None:
    # The command set of the earlier bridge, without ids, as its clients send it.
    async with http.ws_connect(served.ws_url) as ws:
        assert await ws_call(ws, {"cmd": "reset", "seed": 42}) == {"ok": True}
        assert await ws_call(ws, {"cmd": "agents"}) == {"agents": ["player_0"]}
        assert await ws_call(ws, {"cmd": "possible_agents"}) == {"possible_agents": ["player_0"]}
        assert await ws_call(ws, {"cmd": "agent_selection"}) == {"agent": "player_0"}
        last = await ws_call(ws, {"cmd": "last"})
        assert set(last) == {"observation", "reward", "terminated", "truncated", "info"}
        assert len(last["observation"]) == 7
        assert last["terminated"] is False
        observed = await ws_call(ws, {"cmd": "observe", "agent": "player_0"})
        assert observed == {"observation": last["observation"]}
        space = await ws_call(ws, {"cmd": "observation_space", "agent": "player_0"})
        assert space["space"]["shape"] == [7]
        assert space["space"]["dtype"] == "float32"
        assert await ws_call(ws, {"cmd": "action_space", "agent": "player_0"}) == {
            "space": {"n": 5, "shape": []}
        }
        mask = (await ws_call(ws, {"cmd": "action_mask", "agent": "player_0"}))["mask"]
        assert len(mask) == 5 and all(isinstance(m, bool) for m in mask)
        legal = mask.index(True)
        assert await ws_call(ws, {"cmd": "step", "action": legal}) == {"ok": True}
        for name in ("rewards", "terminations", "truncations", "infos"):
            assert set((await ws_call(ws, {"cmd": name}))[name]) == {"player_0"}
        rendered = await ws_call(ws, {"cmd": "render"})
        assert rendered["ok"] is True and isinstance(rendered["text"], str)
        assert isinstance((await ws_call(ws, {"cmd": "ping"}))["pong"], int)
        info = await ws_call(ws, {"cmd": "env_info"})
        assert info["env_id"] == "blackjack_v1"
        assert info["env_type"] == "blackjack"
        assert info["protocol"] == 1
        assert await ws_call(ws, {"cmd": "close"}) == {"ok": True}
        unknown = await ws_call(ws, {"cmd": "fly"})
        assert unknown["code"] == "unknown_command"
        assert "error" in unknown


async def test_same_seed_same_game_on_two_connections(
    served: Served, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(served.ws_url) as a, http.ws_connect(served.ws_url) as b:
        await ws_call(a, {"cmd": "reset", "seed": 7})
        await ws_call(b, {"cmd": "reset", "seed": 7})
        assert await ws_call(a, {"cmd": "state_hash"}) == await ws_call(b, {"cmd": "state_hash"})


async def test_msgpack_on_unix_and_tcp_reach_the_same_server(served: Served) -> None:
    assert served.unix_url is not None and served.tcp_url is not None
    for url in (served.unix_url, served.tcp_url):
        client = await FrameClient.connect(url)
        assert await client.call({"cmd": "reset", "seed": 42, "id": 1}) == {"ok": True, "id": 1}
        reply = await client.call({"cmd": "env_info", "id": 2})
        assert reply["env_id"] == "blackjack_v1"
        await client.close()


def test_health_over_plain_http(served: Served) -> None:
    url = served.ws_url.replace("ws://", "http://") + "/health"
    with urllib.request.urlopen(url, timeout=10) as response:
        body = json.loads(response.read())
    assert body["status"] == "healthy"
    assert body["env_id"] == "blackjack_v1"


async def test_token_from_the_environment(http: aiohttp.ClientSession) -> None:
    with serve_process(unix=False, env={API_KEY_VAR: "from-env"}) as running:
        async with http.ws_connect(running.ws_url) as ws:
            await ws.receive()
        assert ws.close_code == 4001
        async with http.ws_connect(running.ws_url + "/?token=from-env") as ws:
            assert "pong" in await ws_call(ws, {"cmd": "ping"})


async def test_shared_flag_serves_one_env(http: aiohttp.ClientSession) -> None:
    with serve_process("--shared", "--seed", "3") as running:
        assert running.lines[0].endswith("(one env for every connection)")
        assert running.unix_url is not None
        client = await FrameClient.connect(running.unix_url)
        async with http.ws_connect(running.ws_url) as ws:
            assert await ws_call(ws, {"cmd": "step", "action": 0}) == {"ok": True}
            moved = await ws_call(ws, {"cmd": "state_hash"})
        assert (await client.call({"cmd": "state_hash"}))["hash"] == moved["hash"]
        await client.close()


async def test_sigterm_exits_0_removes_the_socket_and_logs_connections(
    http: aiohttp.ClientSession,
) -> None:
    with serve_process() as running:
        path = running.unix_path
        assert path is not None and path.exists()
        async with http.ws_connect(running.ws_url) as ws:
            assert "pong" in await ws_call(ws, {"cmd": "ping"})
        client = await FrameClient.connect(str(running.unix_url))
        assert "pong" in await client.call({"cmd": "ping"})
        running.proc.send_signal(signal.SIGTERM)
        assert await client.read() is None  # the server closed the connection
        await client.close()
        assert running.proc.wait(30) == 0
        assert not path.exists()  # (the kit removes its directory only after this block)
        log = running.log_text()
    assert "opened ws#" in log
    assert "closed ws#" in log
    assert "opened unix#" in log
    assert "closed unix#" in log
    assert "Traceback" not in log


async def test_sigint_also_exits_0(http: aiohttp.ClientSession) -> None:
    with serve_process(unix=False) as running:
        async with http.ws_connect(running.ws_url) as ws:
            running.proc.send_signal(signal.SIGINT)
            msg = await ws.receive()
        assert msg.type is WSMsgType.CLOSE
        assert ws.close_code == 1001
        assert running.proc.wait(30) == 0


# ---- usage errors (in process: they fail before anything listens) --------------------------


def test_unknown_env_is_a_usage_error_listing_the_registered_ones() -> None:
    result = CliRunner().invoke(main, ["serve", "--env", "nope", "--port", "0"])
    assert result.exit_code == 2
    assert "Invalid value for --env" in result.output
    assert "blackjack_v1" in result.output
    assert "Traceback" not in result.output


def test_unknown_option_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["serve", "--option", "wings=2", "--port", "0"])
    assert result.exit_code == 2
    assert "wings" in result.output
    assert "decks" in result.output  # the message lists the game's options


def test_option_without_equals_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["serve", "--option", "decks", "--port", "0"])
    assert result.exit_code == 2
    assert "KEY=VALUE" in result.output


def test_bad_decks_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["serve", "--decks", "0", "--port", "0"])
    assert result.exit_code == 2
    assert "--decks" in result.output


def test_busy_port_is_a_clean_error(served: Served) -> None:
    port = served.ws_url.rsplit(":", 1)[1]
    result = CliRunner().invoke(main, ["serve", "--port", port])
    assert result.exit_code == 1
    assert "cannot listen" in result.output


def test_option_values_are_read_as_json_when_they_parse() -> None:
    assert parse_options(("decks=6", "h17=true", "name=six deck", "bet=null")) == {
        "decks": 6,
        "h17": True,
        "name": "six deck",
        "bet": None,
    }


def test_agents_is_the_games_player_count() -> None:
    args = ["serve", "--env", "prisoners_dilemma", "--agents", "3", "--port", "0"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "2..2 players, not 3" in result.output


def test_record_writes_episodes_that_replay_to_the_served_state(tmp_path: Path) -> None:
    record = tmp_path / "episodes"
    with serve_process("--env", "tictactoe", "--record", str(record)) as served:
        client = HyperTokenClient(served.ws_url)
        client.reset(seed=3)
        for action in (0, 3, 1, 4, 2):  # player_0 takes the top row
            client.step(action)
        served_hash = client.state_hash()
        client.disconnect()
    files = sorted(record.glob("*.chronicle"))
    assert files, f"no recording in {record}"
    replays = [
        subprocess.run(
            [sys.executable, "-m", "hypertoken.cli", "replay", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for path in files
    ]
    assert any(f"state hash {served_hash}" in out for out in replays)
