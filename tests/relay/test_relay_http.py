"""HTTP endpoints, Prometheus metrics, structured logs and graceful shutdown."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from hypertoken.protocol import Bye, Challenge, Peers, Relay
from relay.logs import JsonFormatter, TextFormatter, log_event
from tests.kits.relay import Peer, RelayHarness


async def test_health_and_ready(relay: RelayHarness) -> None:
    await relay.room("r", 2)
    health = await relay.client.get("/health")
    assert health.status == 200
    body = await health.json()
    assert body["status"] == "ok" and body["protocol"] == 1
    assert body["peers"] == 2 and body["rooms"] == 1 and body["connections"] == 2
    ready = await relay.client.get("/ready")
    assert ready.status == 200 and (await ready.json())["ready"] is True


async def test_plain_http_on_the_websocket_path_is_told_to_upgrade(relay: RelayHarness) -> None:
    response = await relay.client.get("/ws")
    assert response.status == 426
    assert "WebSocket" in await response.text()


async def test_metrics_count_peers_rooms_messages_bytes_and_refusals(
    relay: RelayHarness,
) -> None:
    a, b, c = await relay.room("r", 3)
    await a.send(Relay(room="r", data=b"12345"))
    await b.expect(Relay)
    await c.expect(Relay)
    await a.send_raw(b"\xc1")
    await a.expect_error("bad-frame")

    response = await relay.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    for name in (
        "hypertoken_relay_peers 3.0",
        "hypertoken_relay_rooms 1.0",
        'hypertoken_relay_messages_total{direction="in",type="relay"} 1.0',
        'hypertoken_relay_messages_total{direction="out",type="relay"} 2.0',
        'hypertoken_relay_refusals_total{reason="bad-frame"} 1.0',
        'hypertoken_relay_messages_total{direction="in",type="undecoded"} 1.0',
    ):
        assert name in text, name
    relay_in = relay.sample("hypertoken_relay_bytes_total", direction="in", type="relay")
    relay_out = relay.sample("hypertoken_relay_bytes_total", direction="out", type="relay")
    assert relay_in > 5 and relay_out > 2 * 5
    assert relay.sample("hypertoken_relay_messages_total", direction="in", type="hello") == 3


async def test_one_log_line_per_join_leave_and_refusal(
    relay: RelayHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="relay")
    watcher = await relay.peer("lobby", "lobby2")
    alice = await relay.peer("lobby")
    await watcher.expect(Peers, room="lobby", joined=alice.id)
    await alice.join("lobby2")
    await watcher.expect(Peers, room="lobby2", joined=alice.id)
    await alice.send_raw(b"\xc1")
    await alice.expect_error("bad-frame")
    await alice.ws.close()
    # The relay logs each leave before it tells the room, so these mean the lines are there.
    for room in ("lobby", "lobby2"):
        await watcher.expect(Peers, room=room, left=alice.id)
    records = [(r.getMessage(), getattr(r, "relay_fields", {})) for r in caplog.records]
    events = [(e, f) for e, f in records if f.get("peer") == alice.id]
    joins = [f for e, f in events if e == "join"]
    leaves = [f for e, f in events if e == "leave"]
    refusals = [f for e, f in events if e == "refusal"]
    assert [j["room"] for j in joins] == ["lobby", "lobby2"]
    assert [f["room"] for f in leaves] == ["lobby", "lobby2"]
    assert all(f["reason"] == "disconnect" for f in leaves)
    assert len(refusals) == 1 and refusals[0]["code"] == "bad-frame"


def test_log_formatters_render_one_line() -> None:
    logger = logging.getLogger("relay.test")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        log_event(logger, logging.INFO, "join", room="a room", peer="p1", members=2)
    finally:
        logger.removeHandler(handler)
    (record,) = records
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line) | {"ts": 0} == {
        "ts": 0,
        "level": "info",
        "logger": "relay.test",
        "event": "join",
        "room": "a room",
        "peer": "p1",
        "members": 2,
    }
    text = TextFormatter().format(record)
    assert text.endswith('info relay.test join room="a room" peer=p1 members=2')


@pytest.mark.relay_config(shutdown_timeout=5)
async def test_graceful_shutdown_says_bye_to_everyone(relay: RelayHarness) -> None:
    peers = await relay.room("a", 2) + await relay.room("b", 1)
    newcomer = await relay.connect()
    await newcomer.expect(Challenge)

    async def say_bye(peer: Peer) -> int | None:
        await peer.expect(Bye, reason="shutdown")
        return await peer.expect_closed()

    # Peers read while the relay shuts down, as real peers do.
    stopping = asyncio.ensure_future(relay.server.shutdown())
    codes = await asyncio.gather(*(say_bye(p) for p in [*peers, newcomer]))
    await stopping
    assert codes == [1001] * 4
    ready = await relay.client.get("/ready")
    assert ready.status == 503
    assert relay.server.hub.connections == set()
    late = await relay.connect()
    await late.expect_error("shutting-down", closed=True)
