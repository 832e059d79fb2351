"""Every limit, and malformed, oversized and unknown frames.

Each test keeps a room of bystanders on the same relay and checks afterwards that they still
talk: the relay stayed up and other rooms were unaffected.
"""

from __future__ import annotations

import msgpack
from aiohttp import WSMsgType

from hypertoken.protocol import Challenge, Error, Join, Peers, Relay, encode
from tests.kits.relay import BYSTANDER_ROOM, check_bystanders, drain_until, running_relay


async def test_oversized_frame_gets_an_error_then_a_1009_close() -> None:
    async with running_relay(max_message_bytes=4096) as relay:
        bystanders = await relay.room(BYSTANDER_ROOM, 2)
        peer = await relay.peer("room")
        await peer.send_raw(encode(Relay(room="room", data=b"x" * 5000)))
        error = await peer.expect_error("too-large")
        assert "4096" in error.message and "split_payload" in error.message
        assert await peer.expect_closed() == 1009
        await check_bystanders(bystanders)


async def test_oversized_frame_before_hello_and_as_json_text() -> None:
    async with running_relay(max_message_bytes=4096) as relay:
        bystanders = await relay.room(BYSTANDER_ROOM, 2)
        early = await relay.connect()
        await early.expect(Challenge)
        await early.send_raw("x" * 10_000)
        await early.expect_error("too-large", closed=True)
        await check_bystanders(bystanders)


async def test_frames_just_under_the_limit_pass() -> None:
    async with running_relay(max_message_bytes=4096) as relay:
        alice, bob = await relay.room("room", 2)
        data = b"y" * (4096 - 100)
        assert len(encode(Relay(room="room", data=data))) <= 4096
        await alice.send(Relay(room="room", data=data))
        await bob.expect(Relay, data=data)


async def test_rate_limit_refuses_and_closes() -> None:
    # A near-zero refill rate makes the test independent of how fast the machine is.
    async with running_relay(rate=0.001, burst=5) as relay:
        bystanders = await relay.room(BYSTANDER_ROOM, 2)
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


async def test_room_full() -> None:
    async with running_relay(max_peers_per_room=2) as relay:
        await relay.room("small", 2)
        third = await relay.peer()
        await third.send(Join(room="small"))
        error = await third.expect_error("room-full")
        assert "'small'" in error.message and "2" in error.message
        await third.join("elsewhere")  # refused, not disconnected


async def test_maximum_rooms_on_the_relay() -> None:
    async with running_relay(max_rooms=2) as relay:
        peer = await relay.peer("a", "b")
        await peer.send(Join(room="c"))
        error = await peer.expect_error("too-many-rooms")
        assert "2 rooms" in error.message
        other = await relay.peer("a")  # existing rooms can still be joined
        await peer.expect(Peers, joined=other.id)


async def test_maximum_rooms_per_peer() -> None:
    async with running_relay(max_rooms_per_peer=2) as relay:
        peer = await relay.peer("a", "b")
        await peer.send(Join(room="c"))
        error = await peer.expect_error("too-many-rooms")
        assert "leave one" in error.message
        await peer.join("a")  # re-joining a room it is in is fine


async def test_maximum_connections() -> None:
    async with running_relay(max_peers=2) as relay:
        await relay.peer()
        await relay.peer()
        extra = await relay.connect()
        error = await extra.expect_error("server-full")
        assert "2 connections" in error.message
        assert await extra.expect_closed() == 1013


async def test_hello_timeout() -> None:
    async with running_relay(hello_timeout=0.2) as relay:
        silent = await relay.connect()
        await silent.expect(Challenge)
        await silent.expect_error("hello-timeout", closed=True)


async def test_idle_timeout_after_unanswered_heartbeats() -> None:
    async with running_relay(heartbeat=0.05, idle_timeout=0.3) as relay:
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


async def test_answered_heartbeats_keep_a_quiet_peer_connected() -> None:
    async with running_relay(heartbeat=0.02, idle_timeout=0.5) as relay:
        quiet = await relay.connect(autoping=False)
        await quiet.handshake()
        for _ in range(40):  # at least 40 heartbeats: longer than the idle timeout
            msg = await quiet.ws.receive(timeout=10)
            assert msg.type is WSMsgType.PING, msg
            await quiet.ws.pong(msg.data)
        await quiet.join("still-here")


async def test_slow_consumer_is_dropped_and_the_sender_is_not_blocked() -> None:
    async with running_relay(send_queue_bytes=256 * 1024, rate=1000, burst=1000) as relay:
        bystanders = await relay.room(BYSTANDER_ROOM, 2)
        sender, sleeper = await relay.room("feed", 2)
        chunk = b"z" * (512 * 1024)
        for _ in range(80):  # 40 MiB: more than every socket buffer between them
            await sender.send(Relay(room="feed", data=chunk, to=sleeper.id))
        # The sleeper is dropped (its peers hear it left) while the sender goes on.
        await drain_until(sender, Peers, left=sleeper.id)
        await sender.sync()
        error = await drain_until(sleeper, Error)
        assert error.code == "slow-consumer" and "bytes were waiting" in error.message
        await sleeper.expect_closed()
        await check_bystanders(bystanders)


async def test_malformed_frames_after_hello_keep_the_connection(relay) -> None:  # type: ignore[no-untyped-def]
    bystanders = await relay.room(BYSTANDER_ROOM, 2)
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


async def test_garbage_before_hello_closes(relay) -> None:  # type: ignore[no-untyped-def]
    peer = await relay.connect()
    await peer.expect(Challenge)
    await peer.send_raw(b"\x00\x01\x02")
    await peer.expect_error("bad-frame", closed=True)
