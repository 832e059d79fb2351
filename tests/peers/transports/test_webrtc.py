"""The WebRTC transport over real aiortc connections on loopback, signalled through a real
in-process relay: joins, meshes, the relay fallback, big messages, leaving and closing.

Nothing sleeps: every wait is for an event, bounded by a timeout that only fails a hung
test. (The one deliberate delay is a 0.2 s ``connect_timeout`` that is the behaviour under
test: a pair with no answer falls back when it expires.)
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re

import aioice.ice
import pytest
from aiortc import RTCPeerConnection

from hypertoken.log.identity import Identity
from peers.transports import Message, PeerJoined, PeerLeft, RelayTransport, ice
from peers.transports import webrtc as webrtc_module
from peers.transports.webrtc import WebRTCTransport
from tests.peers.transports.factories_webrtc import (
    UNREACHABLE,
    webrtc_transport,
    webrtc_transports,
)
from tests.peers.transports.transport_kit import (
    FAST_RELAY,
    WAIT,
    EventReader,
    running_relay,
)


async def settle(transports: list[WebRTCTransport]) -> list[EventReader]:
    """Readers for ``transports`` after each saw every other join (returned events checked
    to be joins only)."""
    readers = [EventReader(t) for t in transports]
    for reader in readers:
        others = {t.peer_id for t in transports if t is not reader.transport}
        events = await reader.joined(others)
        assert all(isinstance(e, PeerJoined) for e in events), events
    return readers


async def next_message(reader: EventReader) -> Message:
    event = await reader.next()
    assert isinstance(event, Message), event
    return event


def closed_future(pc: RTCPeerConnection) -> asyncio.Future[None]:
    """A future done once ``pc`` reaches the "closed" connection state."""
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def check() -> None:
        if pc.connectionState == "closed" and not done.done():
            done.set_result(None)

    pc.on("connectionstatechange", check)
    check()
    return done


def connections(transports: list[WebRTCTransport]) -> list[RTCPeerConnection]:
    pcs = []
    for t in transports:
        for peer in t.peers():
            pc = t.connection(peer)
            assert pc is not None
            pcs.append(pc)
    return pcs


async def test_two_peers_join_over_webrtc_on_loopback() -> None:
    async with webrtc_transports(2) as (a, b):
        ra, rb = await settle([a, b])
        assert a.peers() == {b.peer_id: "webrtc"}
        assert b.peers() == {a.peer_id: "webrtc"}
        for t, other in ((a, b), (b, a)):
            pc = t.connection(other.peer_id)
            assert pc is not None and pc.connectionState == "connected"
            assert pc.localDescription is not None
            # host_addresses: only the loopback address was gathered.
            hosts = re.findall(r"a=candidate:\S+ \d+ udp \d+ (\S+) ", pc.localDescription.sdp)
            assert hosts == ["127.0.0.1"]
        await a.send(b.peer_id, b"ping")
        assert await next_message(rb) == Message(a.peer_id, b"ping")
        await b.send(a.peer_id, b"pong")
        assert await next_message(ra) == Message(b.peer_id, b"pong")


async def test_three_peers_form_a_mesh_of_channels() -> None:
    async with webrtc_transports(3) as transports:
        readers = await settle(transports)
        for t in transports:
            others = {o.peer_id for o in transports if o is not t}
            assert t.peers() == dict.fromkeys(others, "webrtc")
        assert len(connections(transports)) == 6  # one per pair, seen from each end
        for sender in transports:
            for receiver in transports:
                if receiver is not sender:
                    await sender.send(receiver.peer_id, sender.peer_id.encode())
        for reader in readers:
            got = [await next_message(reader), await next_message(reader)]
            assert sorted(m.data.decode() for m in got) == sorted(m.peer for m in got)
            assert {m.peer for m in got} == set(reader.transport.peers())


async def test_forced_ice_failure_falls_back_to_the_relay() -> None:
    async with webrtc_transports(3, host_addresses=UNREACHABLE, fallback=True) as transports:
        readers = await settle(transports)
        a, b, c = transports
        for t in transports:
            assert set(t.peers().values()) == {"relay"} and len(t.peers()) == 2
            assert all(t.connection(peer) is None for peer in t.peers())  # released
        big = bytes(range(256)) * 4096  # 1 MiB: several relay parts
        await a.send(b.peer_id, big)
        await b.send(a.peer_id, b"back")
        await c.send(a.peer_id, b"from c")
        assert await next_message(readers[1]) == Message(a.peer_id, big)
        got = {await next_message(readers[0]), await next_message(readers[0])}
        assert got == {Message(b.peer_id, b"back"), Message(c.peer_id, b"from c")}


async def test_a_pair_with_no_answer_falls_back_after_the_connect_timeout() -> None:
    # A relay-only peer never answers (or offers): the timeout is the only way out.
    async with running_relay(**FAST_RELAY) as url:
        plain = RelayTransport(url, Identity.generate(), "room", rate=None, heartbeat=None)
        rtc = webrtc_transport(url, connect_timeout=0.2, fallback=True)
        try:
            await plain.connect()
            await rtc.connect()
            r_rtc, r_plain = EventReader(rtc), EventReader(plain)
            assert await r_rtc.next() == PeerJoined(plain.peer_id, "relay")
            assert await r_plain.next() == PeerJoined(rtc.peer_id, "relay")
            assert rtc.peers() == {plain.peer_id: "relay"}
            assert rtc.connection(plain.peer_id) is None
            await rtc.send(plain.peer_id, b"hello")
            assert await next_message(r_plain) == Message(rtc.peer_id, b"hello")
            await plain.send(rtc.peer_id, b"hi")
            assert await next_message(r_rtc) == Message(plain.peer_id, b"hi")
        finally:
            await rtc.close()
            await plain.close()


async def test_a_message_over_the_relay_moves_the_pair_to_the_relay_at_once() -> None:
    # The peer sends over the relay only once it has fallen back; this side follows at
    # once instead of waiting out its (long) connect timeout.
    async with running_relay(**FAST_RELAY) as url:
        plain = RelayTransport(url, Identity.generate(), "room", rate=None, heartbeat=None)
        rtc = webrtc_transport(url, fallback=True)
        try:
            await rtc.connect()
            await plain.connect()
            r_plain = EventReader(plain)
            await r_plain.joined([rtc.peer_id])
            await plain.send(rtc.peer_id, b"over the relay")
            r_rtc = EventReader(rtc)
            assert await r_rtc.next() == PeerJoined(plain.peer_id, "relay")
            assert await r_rtc.next() == Message(plain.peer_id, b"over the relay")
            assert rtc.peers() == {plain.peer_id: "relay"}
        finally:
            await rtc.close()
            await plain.close()


async def test_5_mib_messages_cross_the_channel_whole() -> None:
    # Fallback is off, so these can only have crossed the data channel.
    first = bytes(range(256)) * (5 * 1024 * 1024 // 256)
    second = bytes(reversed(first))
    async with webrtc_transports(2) as (a, b):
        _, rb = await settle([a, b])
        # Two at once: the frames of one message are never interleaved with another's.
        await asyncio.gather(a.send(b.peer_id, first), a.send(b.peer_id, second))
        await a.send(b.peer_id, b"after")
        got = [await next_message(rb) for _ in range(3)]
        assert [m.data for m in got] == [first, second, b"after"]
        assert a.peers() == {b.peer_id: "webrtc"}


async def test_a_leaving_peer_closes_its_connections() -> None:
    async with webrtc_transports(3) as transports:
        ra, rb, _ = await settle(transports)
        a, b, c = transports
        pcs = [t.connection(c.peer_id) for t in (a, b)]
        closed = [closed_future(pc) for pc in pcs if pc is not None]
        assert len(closed) == 2
        await c.close()
        for reader in (ra, rb):
            # The goodbye frame: "closed" at once, not a failed channel or a relay leave.
            assert await reader.next() == PeerLeft(c.peer_id, "closed")
        await asyncio.wait_for(asyncio.gather(*closed), WAIT)
        assert a.connection(c.peer_id) is None and b.connection(c.peer_id) is None
        assert a.peers() == {b.peer_id: "webrtc"}
        await a.send(b.peer_id, b"still here")
        assert await next_message(rb) == Message(a.peer_id, b"still here")


def aiortc_tasks() -> list[asyncio.Task[object]]:
    """Pending tasks running aiortc's, aioice's or this transport's code."""
    names = ("/aiortc/", "/aioice/", "peers/transports/webrtc.py")
    pending = []
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        if code is not None and any(name in code.co_filename for name in names):
            pending.append(task)
    return pending


async def test_close_releases_every_connection_and_task() -> None:
    assert aiortc_tasks() == []
    async with webrtc_transports(3) as transports:
        await settle(transports)
        pcs = connections(transports)
        assert len(pcs) == 6 and aiortc_tasks() != []
        for t in transports:
            await t.close()
        assert [pc.connectionState for pc in pcs] == ["closed"] * 6
        assert all(t.peers() == {} for t in transports)
        assert aiortc_tasks() == []


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"\x02no message begun", "malformed chunk stream: a continuation with no"),
        (b"\x01\xff\xff\xff\xffx", "malformed chunk stream: a message of 4294967295"),
        (b"\x09", "malformed chunk stream: unknown frame kind 0x09"),
        ("text", "sent text on the data channel"),
    ],
)
async def test_a_peer_breaking_the_chunk_rules_is_dropped(
    frame: bytes | str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with webrtc_transports(3) as transports:
        ra, _, rc = await settle(transports)
        a, b, c = transports
        # Write on b's channel to a behind the transport's back, as a hostile peer would.
        channel = b._pairs[a.peer_id].channel
        assert channel is not None
        with caplog.at_level(logging.WARNING, logger=webrtc_module.__name__):
            channel.send(frame)
            left = await ra.next()
        assert isinstance(left, PeerLeft) and left.peer == b.peer_id
        assert left.reason.startswith(reason), left.reason
        assert f"dropped peer {b.peer_id}" in caplog.text
        assert a.peers() == {c.peer_id: "webrtc"}
        assert a.connection(b.peer_id) is None
        await a.send(c.peer_id, b"a is fine")
        assert await next_message(rc) == Message(a.peer_id, b"a is fine")


def test_host_addresses_are_scoped_to_a_context() -> None:
    def chosen() -> list[str]:
        ice.use_host_addresses(("127.0.0.1", "::1"))
        ice.use_host_addresses(("127.0.0.1", "::1"))  # the hook goes in once
        return aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True)

    assert contextvars.copy_context().run(chosen) == ["127.0.0.1", "::1"]
    hook = aioice.ice.get_host_addresses
    assert hook.__module__ == ice.__name__
    # Outside that context: aioice's own answer (it never offers loopback).
    assert "127.0.0.1" not in aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False)

    def cleared() -> list[str]:
        ice.use_host_addresses(None)
        return aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False)

    assert "127.0.0.1" not in contextvars.copy_context().run(cleared)


def test_descriptions_without_candidates_are_spotted() -> None:
    assert ice.missing_candidates("v=0\r\na=end-of-candidates\r\n")
    assert not ice.missing_candidates("a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n")
    assert not ice.missing_candidates("v=0\r\n")  # candidates may still trickle in
    assert ice.signal_candidate("", "0", 0) is None
    candidate = ice.signal_candidate("candidate:1 1 udp 2130706431 127.0.0.1 9 typ host", "0", 0)
    assert candidate is not None
    assert (candidate.ip, candidate.port, candidate.sdpMid) == ("127.0.0.1", 9, "0")


async def test_a_channel_lost_after_opening_moves_the_pair_to_the_relay() -> None:
    async with webrtc_transports(2, fallback=True) as (a, b):
        ra, rb = await settle([a, b])
        assert a.peers() == {b.peer_id: "webrtc"}
        pc = a.connection(b.peer_id)
        assert pc is not None
        await pc.close()  # the path breaks under the transport (a dead network, say)
        assert await ra.next() == PeerJoined(b.peer_id, "relay")
        assert await rb.next() == PeerJoined(a.peer_id, "relay")
        assert a.peers() == {b.peer_id: "relay"} and b.peers() == {a.peer_id: "relay"}
        await a.send(b.peer_id, b"via the relay now")
        assert await next_message(rb) == Message(a.peer_id, b"via the relay now")


async def test_losing_the_relay_ends_the_transport() -> None:
    async with running_relay(**FAST_RELAY) as url:
        transports = [webrtc_transport(url) for _ in range(2)]
        for t in transports:
            await t.connect()
        readers = await settle(transports)
    # The relay has stopped: the room's membership is gone, so is every pair.
    for reader, other in zip(readers, reversed(transports), strict=True):
        rest = await reader.rest()
        assert [type(e) for e in rest] == [PeerLeft] and rest[0].peer == other.peer_id
        assert reader.transport.peers() == {}
    for t in transports:
        await t.close()  # idempotent after the loss
        assert t.connection(transports[0].peer_id) is None
