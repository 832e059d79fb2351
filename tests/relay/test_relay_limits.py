"""Every limit, and malformed, oversized and unknown frames.

Each test keeps a room of bystanders on the same relay and checks afterwards that they still
talk: the relay stayed up and other rooms were unaffected.
"""

from __future__ import annotations

import msgpack
import pytest
from aiohttp import WSMsgType

from hypertoken.protocol import Challenge, Error, Join, Peers, Relay, encode, max_relay_data_bytes
from tests.kits.relay import Peer, RelayHarness, check_bystanders

relay_config = pytest.mark.relay_config


@relay_config(max_message_bytes=4096)
async def test_oversized_frame_gets_an_error_then_a_1009_close(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    peer = await relay.peer("room")
    await peer.send_raw(encode(Relay(room="room", data=b"x" * 5000)))
    error = await peer.expect_error("too-large")
    assert "4096" in error.message and "split_payload" in error.message
    assert await peer.expect_closed() == 1009
    await check_bystanders(bystanders)


@relay_config(max_message_bytes=4096)
async def test_oversized_frame_before_hello_and_as_json_text(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    early = await relay.connect()
    await early.expect(Challenge)
    await early.send_raw("x" * 10_000)
    await early.expect_error("too-large", closed=True)
    await check_bystanders(bystanders)


@relay_config(max_message_bytes=4096)
async def test_frames_just_under_the_limit_pass(relay: RelayHarness) -> None:
    alice, bob = await relay.room("room", 2)
    # The most relay data one part may carry (it must fit JSON peers as base64 too).
    data = b"y" * max_relay_data_bytes(4096)
    assert len(encode(Relay(room="room", data=data))) <= 4096
    await alice.send(Relay(room="room", data=data))
    await bob.expect(Relay, data=data)


# A near-zero refill rate makes the test independent of how fast the machine is.
@relay_config(rate=0.001, burst=5)
async def test_rate_limit_refuses_and_closes(relay: RelayHarness, bystanders: list[Peer]) -> None:
    chatty = await relay.peer()  # challenge+hello used 1 of the 5
    for _ in range(4):
        await chatty.send(Join(room="r"))
    for _ in range(4):
        await chatty.expect(Peers)
    await chatty.send(Join(room="r"))
    error = await chatty.expect_error("rate-limited")
    assert "per second" in error.message
    assert await chatty.expect_closed() == 1008
    await check_bystanders(bystanders)


@relay_config(max_peers_per_room=2)
async def test_room_full(relay: RelayHarness) -> None:
    await relay.room("small", 2)
    third = await relay.peer()
    await third.send(Join(room="small"))
    error = await third.expect_error("room-full")
    assert "'small'" in error.message and "2" in error.message
    await third.join("elsewhere")  # refused, not disconnected


@relay_config(max_rooms=2)
async def test_maximum_rooms_on_the_relay(relay: RelayHarness) -> None:
    peer = await relay.peer("a", "b")
    await peer.send(Join(room="c"))
    error = await peer.expect_error("too-many-rooms")
    assert "2 rooms" in error.message
    other = await relay.peer("a")  # existing rooms can still be joined
    await peer.expect(Peers, joined=other.id)


@relay_config(max_rooms_per_peer=2)
async def test_maximum_rooms_per_peer(relay: RelayHarness) -> None:
    peer = await relay.peer("a", "b")
    await peer.send(Join(room="c"))
    error = await peer.expect_error("too-many-rooms")
    assert "leave one" in error.message
    await peer.join("a")  # re-joining a room it is in is fine


@relay_config(max_peers=2)
async def test_maximum_connections(relay: RelayHarness) -> None:
    await relay.peer()
    await relay.peer()
    extra = await relay.connect()
    error = await extra.expect_error("server-full")
    assert "2 connections" in error.message
    assert await extra.expect_closed() == 1013


@relay_config(hello_timeout=0.2)
async def test_hello_timeout(relay: RelayHarness) -> None:
    silent = await relay.connect()
    await silent.expect(Challenge)
    await silent.expect_error("hello-timeout", closed=True)


@relay_config(heartbeat=0.05, idle_timeout=0.3)
async def test_idle_timeout_after_unanswered_heartbeats(relay: RelayHarness) -> None:
    deaf = await relay.connect(autoping=False)
    await deaf.handshake()
    pings = 0
    while True:  # the relay pings first, then gives up with an error
        msg = await deaf.ws.receive(timeout=10)
        if msg.type is WSMsgType.PING:
            pings += 1
            continue
        break
    assert pings >= 1
    error = Error(**{k: v for k, v in msgpack.unpackb(msg.data).items() if k != "type"})
    assert error.code == "idle-timeout" and "pings" in error.message
    await deaf.expect_closed()


@relay_config(heartbeat=0.02, idle_timeout=0.5)
async def test_answered_heartbeats_keep_a_quiet_peer_connected(relay: RelayHarness) -> None:
    quiet = await relay.connect(autoping=False)
    await quiet.handshake()
    for _ in range(40):  # at least 40 heartbeats: longer than the idle timeout
        msg = await quiet.ws.receive(timeout=10)
        assert msg.type is WSMsgType.PING, msg
        await quiet.ws.pong(msg.data)
    await quiet.join("still-here")


FRAMES = 80
CHUNK = 512 * 1024  # 80 of them, 40 MiB: more than every socket buffer between the peers
QUEUE = 256 * 1024  # less than one chunk: the sleeper's queue holds one frame at a time


@relay_config(send_queue_bytes=QUEUE, rate=1000, burst=1000)
async def test_slow_consumer_is_dropped_and_the_sender_is_not_blocked(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    sender, sleeper = await relay.room("feed", 2)
    for _ in range(FRAMES):
        await sender.send(Relay(room="feed", data=b"z" * CHUNK, to=sleeper.id))
    # The relay drops the sleeper the moment its queue overflows, while it handles one of
    # those frames, so the first thing the sender hears is that the sleeper left...
    left = await sender.expect(Peers, room="feed", left=sleeper.id)
    assert left.members == ()  # a delta: only who left
    # ...then, in order and before the probe's answer, a refusal for each frame the relay read
    # after that. How many frames came before the overflow depends on how fast the sleeper's
    # socket took bytes, so the test counts instead of assuming: each frame was written to the
    # sleeper, dropped from its queue when it was dropped, overflowed its queue (one), or was
    # refused; none vanished.
    refused = await sender.until_sync()
    assert all(
        isinstance(m, Error) and (m.code, m.ref) == ("no-such-peer", "relay") for m in refused
    ), refused
    # The sleeper reads every frame written to its socket (a dropped peer does not get the
    # backlog still in its queue), then the reason and the close.
    delivered = 0
    while not isinstance(message := await sleeper.recv(), Error):
        assert isinstance(message, Relay) and message.sender == sender.id, message
        delivered += 1
    assert message.code == "slow-consumer" and "bytes were waiting" in message.message
    await sleeper.expect_closed()
    # The metrics count what reached the socket, not what was queued.
    written = relay.sample("hypertoken_relay_messages_total", direction="out", type="relay")
    dropped = relay.sample("hypertoken_relay_dropped_total", type="relay")
    assert written == delivered and dropped >= 1
    assert written + dropped + 1 + len(refused) == FRAMES
    await check_bystanders(bystanders)


async def test_malformed_frames_after_hello_keep_the_connection(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    peer = await relay.peer()
    cases = [
        (b"\xc1\xc1", "bad-frame"),
        (b"", "bad-frame"),
        ("not json", "bad-frame"),
        (msgpack.packb(42), "bad-frame"),
        (msgpack.packb({"type": "warp", "room": "r"}), "unknown-type"),
        (msgpack.packb({"type": None}), "unknown-type"),
        (msgpack.packb({"type": "join", "room": 7}), "bad-message"),
        (msgpack.packb({"type": "relay", "room": "r"}), "bad-message"),
        ('{"type": "signal", "room": "r", "to": "x", "kind": "offer"}', "bad-message"),
        (msgpack.packb({"type": "join", "room": "r" * 500}), "bad-message"),
    ]
    for frame, code in cases:
        await peer.send_raw(frame)
        error = await peer.expect_error(code)
        assert len(error.message) > 20
    await peer.join("after-the-garbage")
    await check_bystanders(bystanders)


async def test_garbage_before_hello_closes(relay: RelayHarness) -> None:
    peer = await relay.connect()
    await peer.expect(Challenge)
    await peer.send_raw(b"\x00\x01\x02")
    await peer.expect_error("bad-frame", closed=True)
