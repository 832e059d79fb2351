"""The relay under attack, server side: each test is a client that really misbehaves.

- a peer that stops reading (a bare socket with a tiny receive buffer that never reads): it is
  cut off, and its room seat, connection slot and peer id are free at once; shutdown does not
  wait for it;
- ping floods, before hello and from a peer that never reads: pings cost the rate budget,
  pongs count against the send queue (and a newer ping's pong replaces one still queued), so
  memory stays bounded;
- a flood of empty continuation fragments: each fragment costs the rate budget;
- half-sent HTTP requests (slowloris): closed after ``--http-timeout``, counted and capped at
  accept, in all and per client address, and reported by ``/health``;
- one address filling the room table, and join/leave toggling in a full room;
- the smaller ones: the size limit is inclusive, text that is not UTF-8 is answered with an
  ``error``, the outbound metrics count what was written, and ``peers_said_bye`` counts only
  byes that arrived.

Every test keeps innocent peers in another room and checks that they still exchange messages.
Nothing waits on a clock where an event can be awaited; the few polls of relay state that has
no event are bounded by :data:`tests.kits.relay.WAIT`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import struct
import time
from collections.abc import Callable

import aiohttp
import pytest
from aiohttp import WSMsgType

from hypertoken.protocol import (
    Bye,
    Challenge,
    Error,
    Join,
    Leave,
    Member,
    Peers,
    Relay,
    decode,
    encode,
)
from relay import RelayConfig, serve
from relay.connection import ITEM_OVERHEAD, PeerConnection
from tests.kits.relay import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    WAIT,
    Identity,
    Peer,
    RawSocket,
    RelayHarness,
    check_bystanders,
    check_newcomer,
    ws_frame,
)

relay_config = pytest.mark.relay_config

CHUNK = 64 * 1024  # a relay payload big enough to fill socket buffers quickly
TINY_RCVBUF = 4096  # the kernel doubles it; still a window of a few KiB


async def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll relay state that has no event to await, bounded by WAIT."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.01)


def rss_bytes() -> int:
    """This process's resident memory (the relay runs in it), from /proc."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


async def feed_until_dropped(sender: Peer, target: str, room: str) -> None:
    """Send relay payloads to ``target`` until the sender hears it left ``room``.

    The pacing only keeps the relay's queue for the target small while the relay notices;
    what the test waits for is the ``left`` update, an event.
    """

    async def feed() -> None:
        for seq in range(4000):  # bounded: 250 MiB at most
            await sender.send(Relay(room=room, data=b"z" * CHUNK, to=target, seq=seq))
            await asyncio.sleep(0.002)

    feeding = asyncio.ensure_future(feed())
    try:
        left = await sender.expect(Peers, room=room, left=target)
        assert left.members == ()
    finally:
        feeding.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await feeding
    # Frames that reached the relay after the drop were refused, and nothing else arrived.
    after = await sender.until_sync()
    assert all(isinstance(m, Error) and m.code == "no-such-peer" for m in after), after


# --- 1. peers that stop reading ------------------------------------------------------------


@relay_config(
    write_timeout=0.5, rate=10_000, burst=10_000, send_queue_bytes=1 << 30, max_peers_per_room=2
)
async def test_a_peer_that_stops_reading_is_cut_off_and_forgotten_at_once(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    zombie = await relay.raw_socket(rcvbuf=TINY_RCVBUF)
    await zombie.hello()
    await zombie.send_message(Join(room="zoo"))
    assert isinstance(await zombie.recv(), Peers)
    zombie_id = zombie.identity.peer
    sender = await relay.peer("zoo")
    # From here on the zombie reads nothing. Its queue is allowed to grow to 1 GiB, so what
    # drops it is the write deadline, not the queue limit.
    await feed_until_dropped(sender, zombie_id, "zoo")
    assert relay.sample("hypertoken_relay_aborted_total", reason="stalled") == 1
    hub = relay.server.hub
    assert zombie_id not in hub.peers
    health = await relay.health()
    assert health["connections"] == 3  # the two bystanders and the sender
    # Its seat is free: a newcomer fits in the room of two and does not see it.
    newcomer = await relay.peer()
    joined = await newcomer.join("zoo")
    assert [m.peer for m in joined.members] == [sender.id, newcomer.id]
    # Its peer id is free: the same key connects again at once, and nobody is replaced.
    again = await relay.connect()
    again.identity = zombie.identity
    await again.handshake()
    assert hub.peers[zombie_id] is not None
    assert relay.sample("hypertoken_relay_refusals_total", reason="replaced") == 0
    # The zombie's socket was cut (reset), not left waiting for a close handshake.
    await zombie.read_until_closed()
    await check_bystanders(bystanders)


@relay_config(write_timeout=0.5, rate=10_000, burst=10_000, send_queue_bytes=1 << 20)
async def test_a_slow_consumer_that_never_reads_its_close_is_aborted(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    zombie = await relay.raw_socket(rcvbuf=TINY_RCVBUF)
    await zombie.hello()
    await zombie.send_message(Join(room="zoo"))
    assert isinstance(await zombie.recv(), Peers)
    sender = await relay.peer("zoo")
    await feed_until_dropped(sender, zombie.identity.peer, "zoo")  # the queue overflowed
    assert relay.sample("hypertoken_relay_refusals_total", reason="slow-consumer") == 1
    # Its error and close can never be written: the close deadline cuts it off.
    hub = relay.server.hub
    await wait_until(lambda: not hub.closed, "the closing zombie is gone")
    assert relay.sample("hypertoken_relay_aborted_total", reason="close-timeout") == 1
    await zombie.read_until_closed()
    await check_bystanders(bystanders)


async def test_shutdown_takes_the_shutdown_timeout_even_with_a_peer_that_stopped_reading(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="relay")
    timeout = 2.0
    config = RelayConfig(
        host="127.0.0.1",
        port=0,
        shutdown_timeout=timeout,
        write_timeout=30.0,  # the shutdown, not the write deadline, must end it
        send_queue_bytes=1 << 30,
        rate=10_000,
        burst=10_000,
    )
    stop = asyncio.Event()
    listening: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    running = asyncio.ensure_future(serve(config, shutdown=stop, on_listening=listening.set_result))
    port = await asyncio.wait_for(listening, WAIT)
    zombie = await RawSocket.connect(port, rcvbuf=TINY_RCVBUF)
    try:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws", max_msg_size=0)
            polite = Peer(ws, Identity(), json=False)
            await polite.handshake()
            await zombie.hello()
            await zombie.send_message(Join(room="zoo"))
            assert isinstance(await zombie.recv(), Peers)
            await polite.join("zoo")
            # 24 MiB for a socket that reads nothing: more than the kernel buffers hold, so
            # the relay's writer to the zombie is stuck waiting when the shutdown begins.
            for seq in range(384):
                await polite.send(Relay(room="zoo", data=b"z" * CHUNK, seq=seq))
            await polite.sync()
            started = time.monotonic()
            stop.set()
            await polite.expect(Bye, reason="shutdown")
            assert await polite.expect_closed() == 1001
            await asyncio.wait_for(running, WAIT)
            elapsed = time.monotonic() - started
    finally:
        zombie.close()
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(running, WAIT)
    # About the timeout (the zombie never reads its bye), well short of three times it.
    assert elapsed < timeout + 2.5, elapsed
    stopped = [r for r in caplog.records if r.getMessage() == "stopped"]
    assert len(stopped) == 1
    fields = stopped[0].relay_fields  # type: ignore[attr-defined]
    assert fields["peers"] == 2
    assert fields["peers_said_bye"] == 1  # the polite peer's bye arrived; the zombie's did not
    assert fields["aborted"] == 1


# --- 2. ping floods ------------------------------------------------------------------------


@relay_config(rate=0.001, burst=50)
async def test_a_ping_flood_before_hello_is_rate_limited(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    flooder = await relay.raw_socket()
    await flooder.upgrade()
    assert isinstance(await flooder.recv(), Challenge)
    await flooder.send(ws_frame(OP_PING, b"x" * 125) * 500)
    pongs = 0
    while True:
        opcode, payload = await flooder.frame()
        if opcode == OP_PONG:
            pongs += 1
            continue
        assert opcode == OP_BINARY
        error = decode(payload)
        break
    assert isinstance(error, Error) and error.code == "rate-limited", error
    assert "pings count" in error.message
    assert pongs <= 50
    opcode, payload = await flooder.frame()
    assert opcode == OP_CLOSE and struct.unpack("!H", payload[:2])[0] == 1008
    await check_bystanders(bystanders)


@relay_config(rate=1000, burst=100_000, send_queue_bytes=256 * 1024, write_timeout=0.5)
async def test_a_ping_flood_from_a_peer_that_never_reads_is_cut_off_with_memory_bounded(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    # A budget of 100,000 frames: 13 MB of pings pass before the rate limit, 100,000 pongs
    # owed to a peer that reads none of them.
    flooder = await relay.raw_socket(rcvbuf=TINY_RCVBUF)
    await flooder.hello()
    conn = next(c for c in relay.server.hub.connections if c.peer == flooder.identity.peer)
    before = rss_bytes()
    batch = ws_frame(OP_PING, b"x" * 125) * 1000
    sent = 0
    most_queued = 0
    with contextlib.suppress(ConnectionError, asyncio.TimeoutError):
        while sent < 2000:  # 260 MB of pings at most; the relay cuts it off long before
            await flooder.send(batch)
            sent += 1
            most_queued = max(most_queued, conn.queued_bytes)
    assert sent < 2000, "the relay never stopped the flood"
    assert relay.sample("hypertoken_relay_refusals_total", reason="rate-limited") == 1
    hub = relay.server.hub
    await wait_until(lambda: not hub.closed, "the flooder is gone")
    # It went on flooding after its error and close: cut off.
    assert relay.sample("hypertoken_relay_aborted_total", reason="flood") == 1
    # What the relay held for it was a pong at a time (beside, at the end, its error and
    # close frames), not one per ping: 100,000 pongs would be about 19 MB.
    assert most_queued <= 4 * (125 + ITEM_OVERHEAD)
    assert rss_bytes() - before < 64 * 1024 * 1024
    metrics = await relay.client.get("/metrics")
    assert "process_resident_memory_bytes" in await metrics.text()
    await check_bystanders(bystanders)


class _Socketless:
    """Enough of a WebSocket for a connection whose writer never runs."""


def test_the_send_queue_counts_pongs_and_pings_too() -> None:
    conn = PeerConnection(
        _Socketless(),  # type: ignore[arg-type]
        conn_id=1,
        remote="test",
        now=0.0,
        rate=1.0,
        burst=1,
        send_queue_bytes=1100,
    )
    assert conn.send_frame(b"m" * 800, "relay")
    assert conn.queued_bytes == 800 + ITEM_OVERHEAD
    assert conn.pong(b"p" * 100)  # 864 + 164: still under 1100
    assert conn.pong(b"q" * 120)  # answers both pings: the queued pong takes the new payload
    assert conn.queued_bytes == 800 + 120 + 2 * ITEM_OVERHEAD
    assert not conn.ping()  # one more item would go over the limit
    assert not conn.send_frame(b"e", "error")
    fresh = PeerConnection(
        _Socketless(),  # type: ignore[arg-type]
        conn_id=2,
        remote="test",
        now=0.0,
        rate=1.0,
        burst=1,
        send_queue_bytes=100,
    )
    assert fresh.pong(b"p" * 125)  # the first item always fits, whatever its size
    assert not fresh.ping()


# --- fragments -----------------------------------------------------------------------------


@relay_config(rate=0.001, burst=50)
async def test_a_flood_of_empty_continuation_fragments_is_rate_limited(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    flooder = await relay.raw_socket()
    await flooder.upgrade()
    assert isinstance(await flooder.recv(), Challenge)
    # A text message that never ends: one empty first fragment, then empty continuations.
    flood = ws_frame(OP_TEXT, fin=False) + ws_frame(OP_CONTINUATION, fin=False) * 20_000
    await flooder.send(flood)
    opcode, payload = await flooder.frame()
    assert opcode == OP_BINARY
    error = decode(payload)
    assert isinstance(error, Error) and error.code == "rate-limited", error
    assert "fragment" in error.message
    opcode, payload = await flooder.frame()
    assert opcode == OP_CLOSE and struct.unpack("!H", payload[:2])[0] == 1008
    assert relay.sample("hypertoken_relay_refusals_total", reason="rate-limited") == 1
    await check_bystanders(bystanders)


# --- 3. HTTP slowloris ---------------------------------------------------------------------

HALF_REQUEST = b"GET /health HTTP/1.1\r\nHost: relay\r\nX-Slow: "


@relay_config(http_timeout=0.5)
async def test_half_sent_http_requests_are_closed_after_the_http_timeout(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    slow = [await relay.raw_socket() for _ in range(30)]
    for raw in slow:
        await raw.send(HALF_REQUEST)
    for raw in slow:
        answer = await raw.read_until_closed()  # the relay hangs up on each of them
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer
    hub = relay.server
    await wait_until(lambda: len(hub.gate) <= 3, "the slow connections are forgotten")
    assert relay.sample("hypertoken_relay_refusals_total", reason="http-timeout") >= 1
    await check_bystanders(bystanders)
    assert (await relay.health())["status"] == "ok"


@relay_config(http_timeout=30, max_connections_per_address=8)
async def test_connections_are_counted_at_accept_and_capped_per_address(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    try:
        hog = [await relay.raw_socket(local_host="127.0.0.2") for _ in range(12)]
    except OSError as exc:  # pragma: no cover - loopback aliases are a Linux thing
        pytest.skip(f"cannot connect from 127.0.0.2: {exc}")
    for raw in hog:
        await raw.send(HALF_REQUEST)
    # The kernel hands connections to the relay in order, so by the time this request is
    # answered the relay has seen all twelve: eight let in, four refused at accept.
    health = await relay.health()
    assert health["tcp_connections"] >= 8 + 2 + 1  # the hog's, the bystanders', this one
    assert health["max_connections"] > 0
    for raw in hog[8:]:
        answer = await raw.read_until_closed()
        assert answer.startswith(b"HTTP/1.1 429"), answer
        assert b"8 connections from your address" in answer
    assert relay.sample("hypertoken_relay_refusals_total", reason="too-many-connections") == 4
    # Everyone else still gets in: a newcomer from another address joins and talks.
    await check_newcomer(relay, bystanders)


@relay_config(http_timeout=30, connect_rate=0.001, connect_burst=5)
async def test_a_client_reconnecting_in_a_loop_is_refused_at_accept(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    try:
        churn = [await relay.raw_socket(local_host="127.0.0.2") for _ in range(8)]
    except OSError as exc:  # pragma: no cover - loopback aliases are a Linux thing
        pytest.skip(f"cannot connect from 127.0.0.2: {exc}")
    for raw in churn[:5]:  # the burst gets in
        await raw.send(HALF_REQUEST)
    for raw in churn[5:]:  # the rest is refused before anything is read
        answer = await raw.read_until_closed()
        assert answer.startswith(b"HTTP/1.1 429"), answer
        assert b"new connections per second from your address" in answer
    assert relay.sample("hypertoken_relay_refusals_total", reason="connecting-too-often") == 3
    # Another address is not affected: a newcomer joins and talks.
    await check_newcomer(relay, bystanders)


@relay_config(http_timeout=30, max_connections=6, max_connections_per_address=0)
async def test_connections_over_the_cap_are_refused_before_any_request_or_upgrade(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    slow = [await relay.raw_socket() for _ in range(6)]  # with the bystanders: 8 > 6
    for raw in slow[4:]:
        answer = await raw.read_until_closed()  # refused without sending anything
        assert answer.startswith(b"HTTP/1.1 503"), answer
        assert b"maximum of 6 connections" in answer
    assert relay.sample("hypertoken_relay_refusals_total", reason="server-full") == 2
    await check_bystanders(bystanders)  # connections already in are unharmed
    for raw in slow[:4]:
        raw.close()
    gate = relay.server.gate
    await wait_until(lambda: len(gate) == 2, "the closed connections are forgotten")
    newcomer = await relay.peer("bystanders")
    for peer in bystanders:
        await peer.expect(Peers, joined=newcomer.id)


# --- 4. one address, many rooms ------------------------------------------------------------


@relay_config(max_rooms_per_address=3)
async def test_one_address_cannot_fill_the_room_table(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    # The bystanders' room was created from 127.0.0.1; the hog comes from 127.0.0.2.
    try:
        hog = await relay.connect(local_host="127.0.0.2")
    except aiohttp.ClientError as exc:  # pragma: no cover
        pytest.skip(f"cannot connect from 127.0.0.2: {exc}")
    await hog.handshake()
    other = await relay.connect(local_host="127.0.0.2")
    await other.handshake()
    await hog.join("h1")
    await hog.join("h2")
    await other.join("h3")  # another connection, the same address
    await other.send(Join(room="h4"))
    error = await other.expect_error("too-many-rooms")
    assert "your address" in error.message and "3" in error.message
    await other.join("h1")  # joining a room that exists is fine
    await hog.expect(Peers, room="h1", joined=other.id)
    # Another address creates rooms as before.
    elsewhere = await relay.peer("somewhere-else")
    assert relay.server.hub.rooms.get("somewhere-else") is not None
    # A room the hog's address created that empties gives its place back.
    await other.send(Leave(room="h3"))
    await other.expect(Peers, room="h3", left=other.id)
    await other.join("h4")
    await elsewhere.sync()
    await check_bystanders(bystanders)


# --- 5. join/leave amplification -----------------------------------------------------------


@relay_config(join_rate=0.001, join_burst=10)
async def test_membership_changes_send_deltas_and_have_their_own_rate(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    members = await relay.room("big", 8)
    toggler = await relay.peer()
    out_before = relay.sample("hypertoken_relay_bytes_total", direction="out", type="peers")
    toggles = 5  # 10 joins and leaves: the whole join burst
    for _ in range(toggles):
        full = await toggler.join("big")
        assert len(full.members) == 9  # the joiner gets the whole list
        for member in members:
            delta = await member.expect(Peers, room="big", joined=toggler.id)
            assert delta.members == (Member(toggler.id, toggler.identity.key),)
        await toggler.send(Leave(room="big"))
        await toggler.expect(Peers, room="big", left=toggler.id)
        for member in members:
            delta = await member.expect(Peers, room="big", left=toggler.id)
            assert delta.members == ()
    # Per toggle: two lists to the toggler and a one-member delta to each of the 8 members,
    # where full lists to everyone would be 16 lists of 8 or 9 members.
    out = relay.sample("hypertoken_relay_bytes_total", direction="out", type="peers") - out_before
    full_list = len(encode(full))
    assert out <= toggles * (2 * full_list + 2 * 8 * 200), out
    assert out < toggles * 16 * full_list / 3
    # The eleventh change is refused, without closing: the toggler can still talk.
    await toggler.send(Join(room="big"))
    error = await toggler.expect_error("rate-limited")
    assert "joins and leaves per second" in error.message
    for member in members:
        await member.sync()  # the room heard nothing of the refused join
    await toggler.send(Relay(room="nowhere", data=b"still here"))
    await toggler.expect_error("not-in-room")
    await check_bystanders(bystanders)


# --- 6. the smaller ones -------------------------------------------------------------------


@relay_config(max_message_bytes=4096)
async def test_a_frame_of_exactly_the_advertised_maximum_is_accepted(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    peer = await relay.peer()
    # A peer's error is read and logged, never forwarded: only the frame limit applies to it.
    size = 4000
    while len(encode(Error(code="x", message="m" * size))) < 4096:
        size += 1
    exact = Error(code="x", message="m" * size)
    assert len(encode(exact)) == 4096
    await peer.send(exact)
    await peer.sync()  # read, not refused
    too_big = Error(code="x", message="m" * (size + 1))
    assert len(encode(too_big)) == 4097
    await peer.send(too_big)
    error = await peer.expect_error("too-large")
    assert "4096" in error.message
    assert await peer.expect_closed() == 1009
    await check_bystanders(bystanders)


@pytest.mark.parametrize("hello_first", [True, False])
async def test_text_that_is_not_utf8_gets_a_bad_message_error_before_the_close(
    relay: RelayHarness, bystanders: list[Peer], hello_first: bool
) -> None:
    peer = await relay.connect()
    if hello_first:
        await peer.handshake()
    else:
        await peer.expect(Challenge)
    await peer.ws.send_frame(b'{"type": "\xff\xfe"}', WSMsgType.TEXT)
    error = await peer.expect_error("bad-message")
    assert "UTF-8" in error.message
    assert await peer.expect_closed() == 1007
    assert relay.sample("hypertoken_relay_refusals_total", reason="bad-message") == 1
    await check_bystanders(bystanders)


@relay_config(rate=10_000, burst=10_000, send_queue_bytes=4 * 1024 * 1024)
async def test_outbound_metrics_count_bytes_written_not_queued_nor_times_recipients(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    slow = await relay.raw_socket(rcvbuf=TINY_RCVBUF)
    await slow.hello()
    await slow.send_message(Join(room="feed"))
    assert isinstance(await slow.recv(), Peers)
    sender = await relay.peer("feed")
    reader = await relay.peer("feed")
    await sender.expect(Peers, joined=reader.id)
    base_out = relay.sample("hypertoken_relay_bytes_total", direction="out", type="relay")
    frames = 200  # 12.5 MiB to each of the two others: the slow one's queue overflows

    async def read_all() -> int:  # the reader keeps up, as a healthy peer does
        got = count = 0
        while count < frames:
            msg = await reader.ws.receive(timeout=WAIT)
            message = decode(msg.data)
            if isinstance(message, Peers):  # the slow one leaving
                continue
            assert isinstance(message, Relay), message
            got += len(msg.data)
            count += 1
        return got

    reading = asyncio.ensure_future(read_all())
    for seq in range(frames):
        await sender.send(Relay(room="feed", data=b"z" * CHUNK, seq=seq))
        await asyncio.sleep(0.002)  # pacing: no burst fills the healthy reader's queue
    await sender.expect(Peers, room="feed", left=slow.identity.peer)
    await sender.until_sync()
    got = await asyncio.wait_for(reading, WAIT)
    frame_len = len(encode(Relay(room="feed", data=b"z" * CHUNK, seq=frames, sender=sender.id)))
    # The slow peer now reads everything the relay managed to write to it, then its error.
    to_slow = 0
    while True:
        opcode, payload = await slow.frame()
        if opcode == OP_CLOSE:
            break
        message = decode(payload)
        if isinstance(message, Relay):
            to_slow += len(payload)
        elif not isinstance(message, Peers):  # the others' joins came first
            assert isinstance(message, Error) and message.code == "slow-consumer", message
    out = relay.sample("hypertoken_relay_bytes_total", direction="out", type="relay") - base_out
    assert out == got + to_slow  # exactly what reached the two sockets
    assert out < frames * 2 * frame_len  # not the message size times the recipients
    assert relay.sample("hypertoken_relay_dropped_total", type="relay") >= 1
    await check_bystanders(bystanders)
