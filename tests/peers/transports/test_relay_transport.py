"""RelayTransport against a real relay (handshake, refusals, parts, pacing, pings, signalling,
a lost relay) and against a fake one (hostile frames, out-of-order parts, heartbeat)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from dataclasses import replace

import pytest

from hypertoken.log.identity import Identity
from hypertoken.protocol import Bye, Member, Relay, Signal, encode, split_payload
from peers.transports import Message, PeerJoined, PeerLeft, RelayTransport, TransportError
from peers.transports.relay import _ws_url
from tests.peers.transports.transport_kit import (
    FAST_RELAY,
    EventReader,
    FakeRelay,
    relay_transports,
    running_relay,
)


def _member(identity: Identity) -> Member:
    return Member(identity.peer_id, identity.public_key)


# --- handshake and refusals -------------------------------------------------------------------


async def test_handshake_lists_members_with_their_keys(relay_url: str) -> None:
    one, two = Identity.generate(), Identity.generate()
    a, b = RelayTransport(relay_url, one, "room"), RelayTransport(relay_url, two, "room")
    try:
        await a.connect()
        await b.connect()
        assert (a.peer_id, b.peer_id) == (one.peer_id, two.peer_id)
        assert a.peers() == {b.peer_id: "relay"}
        assert b.peers() == {a.peer_id: "relay"}
        assert b.members() == {a.peer_id: one.public_key}
        assert a.members() == {b.peer_id: two.public_key}
        await a.connect()  # idempotent: still one member each
        assert await EventReader(b).next() == PeerJoined(a.peer_id, "relay")
        assert await EventReader(a).next() == PeerJoined(b.peer_id, "relay")
    finally:
        await a.close()
        await b.close()


@pytest.mark.relay_options(token="right")
async def test_wrong_relay_token_raises_with_the_relays_message(relay_url: str) -> None:
    wrong = RelayTransport(relay_url, Identity.generate(), "room", token="wrong")
    with pytest.raises(TransportError, match="not this relay's auth token"):
        await wrong.connect()
    missing = RelayTransport(relay_url, Identity.generate(), "room")
    with pytest.raises(TransportError, match="requires an auth token"):
        await missing.connect()
    async with relay_transports(relay_url, 1, token="right") as (ok,):
        assert ok.peers() == {}
    with pytest.raises(TransportError, match="not connected"):
        await wrong.send(ok.peer_id, b"x")  # a refused transport is not connected


@pytest.mark.relay_options(room_tokens={"private": "secret"}, max_peers_per_room=1)
async def test_room_token_and_room_full_refusals(relay_url: str) -> None:
    bad = RelayTransport(relay_url, Identity.generate(), "private", room_token="guess")
    with pytest.raises(TransportError, match="join token is wrong"):
        await bad.connect()
    await bad.close()
    async with relay_transports(relay_url, 1, "private", room_token="secret"):
        full = RelayTransport(relay_url, Identity.generate(), "private", room_token="secret")
        with pytest.raises(TransportError, match="is full"):
            await full.connect()


async def test_unreachable_relay_raises() -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = RelayTransport(f"ws://127.0.0.1:{port}/ws", Identity.generate(), "room")
    with pytest.raises(TransportError, match="cannot reach the relay"):
        await transport.connect()


def test_urls_are_normalised() -> None:
    assert str(_ws_url("http://relay.example:8080")) == "ws://relay.example:8080/ws"
    assert str(_ws_url("https://relay.example/")) == "wss://relay.example/ws"
    assert str(_ws_url("ws://h:1/custom")) == "ws://h:1/custom"
    with pytest.raises(ValueError, match="must start with"):
        _ws_url("ftp://relay.example")


# --- messages ---------------------------------------------------------------------------------


@pytest.mark.relay_options(max_message_bytes=16 * 1024, **FAST_RELAY)
async def test_payloads_over_one_frame_travel_in_parts(relay_url: str) -> None:
    payload = os.urandom(200 * 1024)  # about 15 parts of 16 KiB frames
    async with relay_transports(relay_url, 2, rate=None) as (a, b):
        rb = EventReader(b)
        await rb.next()
        await a.send(b.peer_id, payload)
        await a.send(b.peer_id, b"small")
        assert await rb.next() == Message(a.peer_id, payload)
        assert await rb.next() == Message(a.peer_id, b"small")


@pytest.mark.relay_options(rate=50.0, burst=20)
async def test_pacing_keeps_under_the_relays_rate(relay_url: str) -> None:
    async with relay_transports(relay_url, 2, rate=40.0, burst=10) as (a, b):
        rb = EventReader(b)
        await rb.next()
        for i in range(60):  # three times the relay's burst
            await a.send(b.peer_id, bytes([i]))
        got = [await rb.next() for _ in range(60)]
        assert got == [Message(a.peer_id, bytes([i])) for i in range(60)]


@pytest.mark.relay_options(rate=50.0, burst=20)
async def test_without_pacing_the_relay_closes_us_and_the_stream_says_why(
    relay_url: str,
) -> None:
    async with relay_transports(relay_url, 2, rate=None) as (a, b):
        ra = EventReader(a)
        await ra.next()
        with contextlib.suppress(TransportError):  # once the refusal has been read
            for i in range(100):  # 20 over the burst, faster than 50 a second
                await a.send(b.peer_id, bytes([i]))
        events = await ra.rest()
        assert events == [PeerLeft(b.peer_id, events[0].reason)]  # type: ignore[union-attr]
        assert "frames per second" in events[0].reason  # type: ignore[union-attr]
        with pytest.raises(TransportError, match="frames per second"):
            await a.send(b.peer_id, b"after")


# --- signalling -------------------------------------------------------------------------------


async def test_signals_reach_the_callbacks(relay_url: str) -> None:
    async with relay_transports(relay_url, 2) as (a, b):
        got: list[tuple[object, ...]] = []
        done = asyncio.Event()

        def broken(*args: object) -> None:
            raise RuntimeError("a callback bug is logged, not fatal")

        def record(*args: object) -> None:
            got.append(args)
            if len(got) == 2:
                done.set()

        b.on_signal(broken)
        b.on_signal(record)
        await a.signal(b.peer_id, "offer", "v=0\r\n")
        await a.signal(
            b.peer_id, "ice", "candidate:1 1 udp 1 127.0.0.1 9 typ host", mid="0", mline=0
        )
        await asyncio.wait_for(done.wait(), 10)
        assert got == [
            (a.peer_id, "offer", "v=0\r\n", None, None),
            (a.peer_id, "ice", "candidate:1 1 udp 1 127.0.0.1 9 typ host", "0", 0),
        ]
        with pytest.raises(TransportError, match="kind"):
            await a.signal(b.peer_id, "hangup", "")
        with pytest.raises(TransportError, match="not in room"):
            await a.signal("0123456789abcdef", "offer", "")


async def test_members_follow_joins_and_leaves(relay_url: str) -> None:
    async with relay_transports(relay_url, 1) as (a,):
        ra = EventReader(a)
        async with relay_transports(relay_url, 1) as (b,):
            assert await ra.next() == PeerJoined(b.peer_id, "relay")
            assert list(a.members()) == [b.peer_id]
            assert len(a.members()[b.peer_id]) == 32
        assert await ra.next() == PeerLeft(b.peer_id, "left")
        assert a.members() == {} and a.peers() == {}


# --- the connection ends ----------------------------------------------------------------------


async def test_a_stopped_relay_ends_the_stream_and_sends_fail() -> None:
    async with running_relay() as url:
        a, b = (
            RelayTransport(url, Identity.generate(), "r"),
            RelayTransport(url, Identity.generate(), "r"),
        )
        await a.connect()
        await b.connect()
        ra = EventReader(a)
        assert await ra.next() == PeerJoined(b.peer_id, "relay")
    try:
        events = await ra.rest()
        assert [type(e) for e in events] == [PeerLeft]
        assert "bye" in events[0].reason or "closed" in events[0].reason  # type: ignore[union-attr]
        with pytest.raises(TransportError, match="closed"):
            await a.send(b.peer_id, b"x")
    finally:
        await a.close()
        await b.close()


async def test_the_same_identity_elsewhere_replaces_us(relay_url: str) -> None:
    me = Identity.generate()
    old = RelayTransport(relay_url, me, "room")
    await old.connect()
    async with relay_transports(relay_url, 1) as (other,):
        await EventReader(old).next()
        new = RelayTransport(relay_url, me, "room")
        try:
            await new.connect()
            events = await EventReader(old).rest()
            assert events == [PeerLeft(other.peer_id, events[0].reason)]  # type: ignore[union-attr]
            assert "connected again" in events[0].reason  # type: ignore[union-attr]
            assert new.peers() == {other.peer_id: "relay"}
        finally:
            await new.close()
            await old.close()


@pytest.mark.relay_options(heartbeat=30.0, idle_timeout=0.6)
async def test_pings_keep_us_past_the_idle_timeout(relay_url: str) -> None:
    # The relay itself never pings within its idle timeout here, so only our pings count:
    # the quiet peer without pings is timed out, the two that ping stay.
    async with relay_transports(relay_url, 2, heartbeat=20.0) as (a, c):
        quiet = RelayTransport(relay_url, Identity.generate(), "room", heartbeat=None)
        await quiet.connect()
        try:
            ra, rq = EventReader(a), EventReader(quiet)
            await ra.joined([c.peer_id, quiet.peer_id])
            left = await ra.until(lambda e: isinstance(e, PeerLeft))
            assert left[-1] == PeerLeft(quiet.peer_id, "left")
            lost = await rq.rest()
            assert any("nothing received" in getattr(e, "reason", "") for e in lost)
            await c.send(a.peer_id, b"still here")
            assert await ra.next() == Message(c.peer_id, b"still here")
        finally:
            await quiet.close()


# --- a fake relay: hostile frames, parts out of order, heartbeat -------------------------------


async def test_bad_frames_from_the_relay_are_dropped(fake_relay: FakeRelay) -> None:
    friend, stranger = Identity.generate(), Identity.generate()
    transport = RelayTransport(fake_relay.url, Identity.generate(), "room")
    connecting = asyncio.ensure_future(transport.connect())
    conn = await fake_relay.accept()
    await conn.handshake([_member(friend)])
    await connecting
    try:
        me, f = transport.peer_id, friend.peer_id
        signals: list[str] = []
        transport.on_signal(lambda peer, kind, data, mid, mline: signals.append(data))
        bad: list[bytes | str] = [
            b"\xc1 not msgpack",
            encode(Bye()) + b"trailing",
            b"\x93\x01\x02\x03",  # msgpack, but an array
            b"\x81\xa4type\xa5bogus",  # {"type": "bogus"}
            "{not json",
            '{"type":"relay","room":"room"}',  # missing data
            encode(Relay(room="room", data=b"stranger", to=me, sender=stranger.peer_id)),
            encode(Relay(room="room", data=b"no sender", to=me)),
            encode(Relay(room="other", data=b"other room", to=me, sender=f)),
            encode(Relay(room="room", data=b"to someone else", to=stranger.peer_id, sender=f)),
            encode(Relay(room="room", data=b"x", seq=1, part=3, parts=2, to=me, sender=f)),
            encode(Relay(room="room", data=b"ab", seq=2, part=0, parts=2, to=me, sender=f)),
            encode(Relay(room="room", data=b"abc", seq=2, part=1, parts=2, to=me, sender=f)),
            encode(
                Signal(room="room", to=me, kind="offer", data="stranger", sender=stranger.peer_id)
            ),
        ]
        for frame in bad:
            await conn.send(frame)
        await conn.send(Signal(room="room", to=me, kind="offer", data="friend", sender=f))
        await conn.send(Relay(room="room", data=b"good", to=me, sender=f))
        reader = EventReader(transport)
        assert await reader.next() == PeerJoined(f, "relay")
        assert await reader.next() == Message(f, b"good")  # and nothing before it
        assert signals == ["friend"]
        assert transport.peers() == {f: "relay"}
    finally:
        conn.done.set()
        await transport.close()


async def test_parts_from_two_senders_out_of_order_are_joined(fake_relay: FakeRelay) -> None:
    one, two = Identity.generate(), Identity.generate()
    transport = RelayTransport(fake_relay.url, Identity.generate(), "room")
    connecting = asyncio.ensure_future(transport.connect())
    conn = await fake_relay.accept()
    await conn.handshake([_member(one), _member(two)])
    await connecting
    try:
        me = transport.peer_id
        first, second = os.urandom(10_000), os.urandom(7_000)
        parts_one = list(split_payload("room", first, seq=5, to=me, max_message_bytes=5_000))
        parts_two = list(split_payload("room", second, seq=5, to=me, max_message_bytes=5_000))
        assert len(parts_one) > 2 and len(parts_two) > 2
        order = [replace(p, sender=one.peer_id) for p in parts_one]
        mixed = [replace(p, sender=two.peer_id) for p in parts_two]
        for part in [order[2], mixed[1], order[0], mixed[0], order[1], *order[3:], *mixed[2:]]:
            await conn.send(part)
        reader = EventReader(transport)
        await reader.joined([one.peer_id, two.peer_id])
        assert await reader.next() == Message(one.peer_id, first)
        assert await reader.next() == Message(two.peer_id, second)
    finally:
        conn.done.set()
        await transport.close()


async def test_pings_follow_the_relays_idle_timeout(fake_relay: FakeRelay) -> None:
    # heartbeat=20 s, but the relay's idle timeout of 0.3 s asks for a ping every 0.1 s.
    transport = RelayTransport(fake_relay.url, Identity.generate(), "room", heartbeat=20.0)
    connecting = asyncio.ensure_future(transport.connect())
    conn = await fake_relay.accept()
    await conn.handshake(idle_timeout=0.3)
    await connecting
    try:
        await conn.wait_pings(3)  # within the wait bound, not after 60 s
        assert transport.peers() == {}
    finally:
        conn.done.set()
        await transport.close()


async def test_a_relay_that_stops_answering_is_given_up(fake_relay: FakeRelay) -> None:
    friend = Identity.generate()
    transport = RelayTransport(fake_relay.url, Identity.generate(), "room", heartbeat=0.05)
    connecting = asyncio.ensure_future(transport.connect())
    conn = await fake_relay.accept()
    await conn.handshake([_member(friend)])
    await connecting
    try:
        reader = EventReader(transport)
        assert await reader.next() == PeerJoined(friend.peer_id, "relay")
        silent = asyncio.ensure_future(conn.wait_pings(1_000_000, answer=False))
        events = await reader.rest()
        assert events == [PeerLeft(friend.peer_id, events[0].reason)]  # type: ignore[union-attr]
        assert "sent nothing" in events[0].reason  # type: ignore[union-attr]
        silent.cancel()
        with contextlib.suppress(BaseException):
            await silent
    finally:
        conn.done.set()
        await transport.close()
