"""The control servers in process (:mod:`hypertoken.control.servers`): HTTP, WebSocket JSON and
msgpack frames on loopback, their admission rules and their defences against bad frames.

Every server here is a :func:`tests.kits.control.running_server` on port 0; WebSocket clients
are aiohttp's and msgpack clients are :class:`tests.kits.control.FrameClient`, so nothing
depends on HyperToken's own client.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import uvloop
from aiohttp import WSMsgType

from hypertoken.control.limits import RateWindow
from hypertoken.protocol.control import FRAME_HEADER, MAX_FRAME_BYTES, encode_frame
from tests.kits.control import FrameClient, InProcess, running_server

TOKEN = "s3cret-token"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """An aiohttp client session (HTTP and WebSocket)."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def served() -> AsyncIterator[InProcess]:
    """A blackjack server with default limits, every listener on."""
    async with running_server() as running:
        yield running


async def ws_call(ws: aiohttp.ClientWebSocketResponse[Any], request: dict[str, Any]) -> Any:
    """Send one JSON request and return the decoded response."""
    await ws.send_str(json.dumps(request))
    return json.loads(await ws.receive_str())


def frozen_clock() -> float:
    """A clock that never moves: every message falls in one rate-limit window."""
    return 0.0


# ---- HTTP ----------------------------------------------------------------------------------


async def test_health_reports_the_env(served: InProcess, http: aiohttp.ClientSession) -> None:
    url = served.ws_url.replace("ws://", "http://") + "/health"
    async with http.get(url) as response:
        assert response.status == 200
        body = await response.json()
    assert body["status"] == "healthy"
    assert body["env_id"] == "blackjack_v1"
    assert body["environment"] == "blackjack"
    assert body["shared"] is False


async def test_ready_while_serving_and_not_after_close(
    served: InProcess, http: aiohttp.ClientSession
) -> None:
    url = served.ws_url.replace("ws://", "http://") + "/ready"
    async with http.get(url) as response:
        assert response.status == 200
        assert await response.json() == {"ready": True}
    await served.server.close()
    assert served.server.ready is False


async def test_plain_http_elsewhere_is_426(served: InProcess, http: aiohttp.ClientSession) -> None:
    url = served.ws_url.replace("ws://", "http://") + "/"
    async with http.get(url) as response:
        assert response.status == 426
        assert await response.text() == "WebSocket connection required. Use ws:// protocol."


async def test_websocket_on_any_path(served: InProcess, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(served.ws_url + "/some/path") as ws:
        assert (await ws_call(ws, {"cmd": "agents"})) == {"agents": ["player_0"]}


# ---- auth ----------------------------------------------------------------------------------


async def test_token_in_query(http: aiohttp.ClientSession) -> None:
    async with (
        running_server(token=TOKEN) as running,
        http.ws_connect(f"{running.ws_url}/?token={TOKEN}") as ws,
    ):
        assert "pong" in await ws_call(ws, {"cmd": "ping"})


async def test_token_in_header(http: aiohttp.ClientSession) -> None:
    async with (
        running_server(token=TOKEN) as running,
        http.ws_connect(running.ws_url, headers={"x-api-token": TOKEN}) as ws,
    ):
        assert "pong" in await ws_call(ws, {"cmd": "ping"})


async def test_bad_token_closes_4001(http: aiohttp.ClientSession) -> None:
    async with (
        running_server(token=TOKEN) as running,
        http.ws_connect(f"{running.ws_url}/?token=wrong") as ws,
    ):
        msg = await ws.receive()
    assert msg.type is WSMsgType.CLOSE
    assert ws.close_code == 4001
    assert msg.extra == "Unauthorized: Invalid API token"


async def test_missing_token_closes_4001(http: aiohttp.ClientSession) -> None:
    async with running_server(token=TOKEN) as running, http.ws_connect(running.ws_url) as ws:
        msg = await ws.receive()
    assert msg.type is WSMsgType.CLOSE
    assert ws.close_code == 4001


async def test_msgpack_auth_frame_then_requests() -> None:
    async with running_server(token=TOKEN) as running:
        assert running.unix_url is not None
        client = await FrameClient.connect(running.unix_url)
        assert await client.call({"cmd": "auth", "token": TOKEN, "id": 1}) == {"ok": True, "id": 1}
        assert await client.call({"cmd": "agents", "id": 2}) == {"agents": ["player_0"], "id": 2}
        await client.close()


async def test_msgpack_auth_id_counts_as_the_first_id() -> None:
    async with running_server(token=TOKEN) as running:
        assert running.unix_url is not None
        client = await FrameClient.connect(running.unix_url)
        await client.call({"cmd": "auth", "token": TOKEN, "id": 5})
        reply = await client.call({"cmd": "agents", "id": 5})
        assert reply["code"] == "duplicate_id"
        await client.close()


async def test_msgpack_wrong_token_gets_an_error_and_eof() -> None:
    async with running_server(token=TOKEN) as running:
        assert running.unix_url is not None
        client = await FrameClient.connect(running.unix_url)
        reply = await client.call({"cmd": "auth", "token": "wrong", "id": 1})
        assert reply["code"] == "unauthorized"
        assert reply["id"] == 1
        assert await client.read() is None
        await client.close()


async def test_msgpack_request_before_auth_is_refused() -> None:
    async with running_server(token=TOKEN) as running:
        assert running.tcp_url is not None
        client = await FrameClient.connect(running.tcp_url)
        reply = await client.call({"cmd": "reset", "id": 1})
        assert reply["code"] == "unauthorized"
        assert "auth" in reply["error"]
        assert await client.read() is None
        await client.close()


async def test_msgpack_auth_without_server_token_is_accepted() -> None:
    async with running_server() as running:
        assert running.unix_url is not None
        client = await FrameClient.connect(running.unix_url)
        assert await client.call({"cmd": "auth", "token": "any", "id": 1}) == {"ok": True, "id": 1}
        await client.close()


# ---- connection cap and rate limit ---------------------------------------------------------


async def test_connection_over_the_cap_closes_1013(http: aiohttp.ClientSession) -> None:
    async with (
        running_server(max_connections=1) as running,
        http.ws_connect(running.ws_url) as first,
    ):
        assert "pong" in await ws_call(first, {"cmd": "ping"})
        async with http.ws_connect(running.ws_url) as second:
            msg = await second.receive()
        assert msg.type is WSMsgType.CLOSE
        assert second.close_code == 1013
        assert msg.extra == "Max connections reached"
        assert "pong" in await ws_call(first, {"cmd": "ping"})


async def test_msgpack_over_the_cap_gets_an_error_and_eof(http: aiohttp.ClientSession) -> None:
    async with running_server(max_connections=1) as running:
        assert running.unix_url is not None
        async with http.ws_connect(running.ws_url) as first:
            assert "pong" in await ws_call(first, {"cmd": "ping"})
            client = await FrameClient.connect(running.unix_url)
            reply = await client.read()
            assert reply["code"] == "too_many_connections"
            assert reply["error"] == "Max connections reached"
            assert await client.read() is None
            await client.close()


async def test_rate_limit_closes_1008(http: aiohttp.ClientSession) -> None:
    async with (
        running_server(rate_limit=3, clock=frozen_clock) as running,
        http.ws_connect(running.ws_url) as ws,
    ):
        for _ in range(4):
            await ws.send_str('{"cmd": "ping"}')
        answers = [json.loads(await ws.receive_str()) for _ in range(3)]
        msg = await ws.receive()
    assert all("pong" in a for a in answers)
    assert msg.type is WSMsgType.CLOSE
    assert ws.close_code == 1008
    assert msg.extra == "Rate limit exceeded"


async def test_msgpack_rate_limit_answers_then_errors_and_closes() -> None:
    async with running_server(rate_limit=3, clock=frozen_clock) as running:
        assert running.unix_url is not None
        client = await FrameClient.connect(running.unix_url)
        client.send(*({"cmd": "ping", "id": i} for i in range(1, 5)))
        answers = [await client.read() for _ in range(3)]
        refusal = await client.read()
        assert [a["id"] for a in answers] == [1, 2, 3]
        assert refusal["code"] == "rate_limited"
        assert refusal["id"] == 4
        assert await client.read() is None
        await client.close()


def test_rate_window_slides() -> None:
    window = RateWindow(2)
    assert window.allow(0.0)
    assert window.allow(0.5)
    assert not window.allow(0.9)
    assert window.allow(1.0)  # the message at 0.0 has left the window
    assert not window.allow(1.2)
    assert window.allow(1.5)


def test_rate_window_zero_allows_everything() -> None:
    window = RateWindow(0)
    assert all(window.allow(0.0) for _ in range(1000))


# ---- bad frames ----------------------------------------------------------------------------


async def test_oversized_websocket_frame_closes_1009(
    served: InProcess, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(served.ws_url) as ws:
        await ws.send_str(" " * (MAX_FRAME_BYTES + 1))
        msg = await ws.receive()
    assert msg.type is WSMsgType.CLOSE
    assert ws.close_code == 1009
    assert msg.extra == f"Message too large: the limit is {MAX_FRAME_BYTES} bytes per frame"


async def test_oversized_msgpack_frame_gets_too_large_and_eof(served: InProcess) -> None:
    assert served.unix_url is not None
    client = await FrameClient.connect(served.unix_url)
    assert "pong" in await client.call({"cmd": "ping", "id": 1})
    client.send_raw(FRAME_HEADER.pack(MAX_FRAME_BYTES + 1))
    reply = await client.read()
    assert reply["code"] == "too_large"
    assert await client.read() is None
    await client.close()


async def test_binary_websocket_frame_is_an_error_and_the_connection_stays(
    served: InProcess, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(served.ws_url) as ws:
        await ws.send_bytes(b'{"cmd": "ping"}')
        reply = json.loads(await ws.receive_str())
        assert reply["code"] == "bad_request"
        assert "text frames" in reply["error"]
        assert "pong" in await ws_call(ws, {"cmd": "ping"})


async def test_malformed_json_is_an_error_and_changes_nothing(
    served: InProcess, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(served.ws_url) as ws:
        before = await ws_call(ws, {"cmd": "state_hash"})
        await ws.send_str('{"cmd": "step", "action": ')
        reply = json.loads(await ws.receive_str())
        assert reply["code"] == "bad_json"
        assert "JSON" in reply["error"]
        assert await ws_call(ws, {"cmd": "state_hash"}) == before


async def test_malformed_msgpack_is_an_error_and_changes_nothing(served: InProcess) -> None:
    assert served.unix_url is not None
    client = await FrameClient.connect(served.unix_url)
    before = (await client.call({"cmd": "state_hash"}))["hash"]
    body = b"\xc1\xff"  # 0xc1 is never valid msgpack
    client.send_raw(FRAME_HEADER.pack(len(body)) + body)
    reply = await client.read()
    assert reply["code"] == "bad_msgpack"
    assert (await client.call({"cmd": "state_hash"}))["hash"] == before
    await client.close()


async def test_msgpack_pipelined_requests_answer_in_order(served: InProcess) -> None:
    assert served.tcp_url is not None
    client = await FrameClient.connect(served.tcp_url)
    client.send(
        {"cmd": "reset", "seed": 3, "id": 10},
        {"cmd": "agent_selection", "id": 11},
        {"cmd": "step", "action": 0, "id": 12},
        {"cmd": "nope", "id": 13},
        {"cmd": "ping", "id": 14},
    )
    replies = [await client.read() for _ in range(5)]
    assert [r["id"] for r in replies] == [10, 11, 12, 13, 14]
    assert replies[0]["ok"] is True
    assert replies[1]["agent"] == "player_0"
    assert replies[3]["code"] == "unknown_command"
    assert "pong" in replies[4]
    await client.close()


async def test_msgpack_request_split_across_writes(served: InProcess) -> None:
    assert served.unix_url is not None
    client = await FrameClient.connect(served.unix_url)
    frame = encode_frame({"cmd": "agents", "id": 1})
    client.send_raw(frame[:3])
    await client.writer.drain()
    client.send_raw(frame[3:])
    assert await client.read() == {"agents": ["player_0"], "id": 1}
    await client.close()


# ---- sessions: one env each, or shared -----------------------------------------------------


async def test_connections_get_independent_envs_by_default(
    served: InProcess, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(served.ws_url) as a, http.ws_connect(served.ws_url) as b:
        start = await ws_call(b, {"cmd": "state_hash"})
        assert await ws_call(a, {"cmd": "state_hash"}) == start  # same seed, same start
        assert (await ws_call(a, {"cmd": "step", "action": 0})) == {"ok": True}
        assert await ws_call(a, {"cmd": "state_hash"}) != start
        assert await ws_call(b, {"cmd": "state_hash"}) == start


async def test_shared_connections_drive_one_env(http: aiohttp.ClientSession) -> None:
    async with running_server(shared=True) as running:
        assert running.unix_url is not None
        client = await FrameClient.connect(running.unix_url)
        async with http.ws_connect(running.ws_url) as ws:
            start = await ws_call(ws, {"cmd": "state_hash"})
            assert (await ws_call(ws, {"cmd": "step", "action": 0})) == {"ok": True}
            moved = await ws_call(ws, {"cmd": "state_hash"})
            assert moved != start
            assert (await client.call({"cmd": "state_hash"}))["hash"] == moved["hash"]
        await client.close()


async def test_host_counts_open_sessions(served: InProcess, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(served.ws_url) as ws:
        await ws_call(ws, {"cmd": "ping"})
        assert served.host.health()["connections"] == 1
        assert served.server.connections == 1


# ---- shutdown ------------------------------------------------------------------------------


async def test_close_ends_connections_and_removes_the_socket(http: aiohttp.ClientSession) -> None:
    async with running_server() as running:
        assert running.unix_url is not None
        path = running.unix_url.removeprefix("unix://")
        client = await FrameClient.connect(running.unix_url)
        assert "pong" in await client.call({"cmd": "ping"})
        async with http.ws_connect(running.ws_url) as ws:
            assert "pong" in await ws_call(ws, {"cmd": "ping"})
            _, msg = await asyncio.gather(running.server.close(), ws.receive())
            assert msg.type is WSMsgType.CLOSE
            assert ws.close_code == 1001
        assert await client.read() is None
        await client.close()
        assert running.server.connections == 0
        assert not os.path.exists(path)


async def test_close_twice_is_fine(served: InProcess) -> None:
    await served.server.close()
    await served.server.close()
    assert served.server.ready is False


# ---- uvloop --------------------------------------------------------------------------------


def test_msgpack_and_websocket_on_uvloop() -> None:
    # ``hypertoken serve`` runs on uvloop, whose transports are not asyncio.Transport
    # subclasses; the tests above run on asyncio's loop.
    async def scenario() -> None:
        async with running_server(token=TOKEN) as running, aiohttp.ClientSession() as http:
            assert running.unix_url is not None and running.tcp_url is not None
            for url in (running.unix_url, running.tcp_url):
                client = await FrameClient.connect(url)
                client.send(
                    {"cmd": "auth", "token": TOKEN, "id": 1},
                    {"cmd": "agents", "id": 2},
                    {"cmd": "ping", "id": 3},
                )
                replies = [await client.read() for _ in range(3)]
                assert [r["id"] for r in replies] == [1, 2, 3]
                client.send_raw(FRAME_HEADER.pack(MAX_FRAME_BYTES + 1))
                assert (await client.read())["code"] == "too_large"
                assert await client.read() is None
                await client.close()
            async with http.ws_connect(f"{running.ws_url}/?token={TOKEN}") as ws:
                assert await ws_call(ws, {"cmd": "agents"}) == {"agents": ["player_0"]}

    uvloop.run(scenario())
