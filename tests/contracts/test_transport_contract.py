"""The contract every transport keeps (:mod:`peers.transports.base`), run against each kind.

A *factory* is ``factory(n)``: an async context manager yielding ``n`` connected transports
of one kind, all in one room, their event streams unread, closed on exit. The list below
holds the memory transport, the relay transport (through a real relay on 127.0.0.1, port
0) and whatever ``tests/peers/transports/factories_webrtc.py`` lists in ``FACTORIES``
(factories, or ``pytest.param`` of factories with an id).

Nothing here sleeps: every wait is for an event, bounded by a timeout that only fails a
hung test. A transport may announce a peer more than once (``PeerJoined`` again means its
path changed, e.g. relay -> webrtc), so the checks look for messages among other events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest

from peers.transports import (
    MAX_MESSAGE,
    Event,
    MemoryHub,
    Message,
    PeerJoined,
    PeerLeft,
    Transport,
    TransportError,
)
from tests.peers.transports import factories_webrtc
from tests.peers.transports.transport_kit import (
    FAST_RELAY,
    EventReader,
    connected,
    relay_transports,
    running_relay,
)

Factory = Callable[[int], AbstractAsyncContextManager[list[Transport]]]


@asynccontextmanager
async def memory_factory(n: int) -> AsyncIterator[list[Transport]]:
    """``n`` memory transports on one hub."""
    hub = MemoryHub()
    transports: list[Transport] = [hub.transport(f"peer-{i}") for i in range(n)]
    async with connected(transports) as ready:
        yield ready


@asynccontextmanager
async def relay_factory(n: int) -> AsyncIterator[list[Transport]]:
    """``n`` relay transports in one room of a fresh in-process relay (no rate limits, so
    the 500-message test does not wait on pacing; pacing has its own test)."""
    async with running_relay(**FAST_RELAY) as url, relay_transports(url, n, rate=None) as ts:
        yield list(ts)


def _factories() -> list[Any]:
    params: list[Any] = [
        pytest.param(memory_factory, id="memory"),
        pytest.param(relay_factory, id="relay"),
    ]
    for entry in factories_webrtc.FACTORIES:
        if hasattr(entry, "values") and hasattr(entry, "marks"):  # already a pytest.param
            params.append(entry)
        else:
            params.append(pytest.param(entry, id=getattr(entry, "__name__", "webrtc")))
    return params


@pytest.fixture(params=_factories())
def factory(request: pytest.FixtureRequest) -> Factory:
    """One transport kind's factory."""
    result: Factory = request.param
    return result


async def _settled(transports: list[Transport]) -> list[EventReader]:
    """Readers for ``transports``, after each has seen every other join."""
    readers = [EventReader(t) for t in transports]
    for reader in readers:
        others = [t.peer_id for t in transports if t is not reader.transport]
        await reader.joined(others)
    return readers


async def _messages(reader: EventReader, count: int) -> list[Message]:
    """The next ``count`` messages on ``reader``, skipping other events (path changes)."""
    got: list[Message] = []
    while len(got) < count:
        event = await reader.next()
        assert not isinstance(event, PeerLeft), f"a peer left before all messages came: {event}"
        if isinstance(event, Message):
            got.append(event)
    return got


async def test_join_events_reach_both_sides(factory: Factory) -> None:
    async with factory(3) as transports:
        readers = [EventReader(t) for t in transports]
        for reader in readers:
            others = {t.peer_id for t in transports if t is not reader.transport}
            events = await reader.joined(others)
            assert {e.peer for e in events if isinstance(e, PeerJoined)} == others
            assert set(reader.transport.peers()) == others
            assert all(isinstance(e, PeerJoined) and e.via for e in events)


async def test_500_messages_arrive_in_order(factory: Factory) -> None:
    async with factory(2) as (a, b):
        _, rb = await _settled([a, b])
        for i in range(500):
            await a.send(b.peer_id, i.to_bytes(2, "big"))
        got = await _messages(rb, 500)
        assert [m.peer for m in got] == [a.peer_id] * 500
        assert [int.from_bytes(m.data, "big") for m in got] == list(range(500))


async def test_5_mib_message_arrives_whole(factory: Factory) -> None:
    payload = bytes(range(256)) * (5 * 1024 * 1024 // 256) + b"tail"
    async with factory(2) as (a, b):
        _, rb = await _settled([a, b])
        await a.send(b.peer_id, payload)
        await a.send(b.peer_id, b"after")
        first, second = await _messages(rb, 2)
        assert first.data == payload
        assert second.data == b"after"


async def test_empty_message_arrives(factory: Factory) -> None:
    async with factory(2) as (a, b):
        ra, rb = await _settled([a, b])
        await a.send(b.peer_id, b"")
        await b.send(a.peer_id, b"back")
        assert (await _messages(rb, 1))[0] == Message(a.peer_id, b"")
        assert (await _messages(ra, 1))[0] == Message(b.peer_id, b"back")


async def test_messages_go_both_ways_between_several_peers(factory: Factory) -> None:
    async with factory(3) as transports:
        readers = await _settled(transports)
        for sender in transports:
            for receiver in transports:
                if receiver is not sender:
                    await sender.send(receiver.peer_id, f"{sender.peer_id}>".encode())
        for reader in readers:
            got = await _messages(reader, 2)
            senders = {t.peer_id for t in transports if t is not reader.transport}
            assert {m.peer for m in got} == senders
            assert all(m.data == f"{m.peer}>".encode() for m in got)


async def test_send_to_unknown_peer_raises(factory: Factory) -> None:
    async with factory(2) as (a, b):
        await _settled([a, b])
        with pytest.raises(TransportError):
            await a.send("0123456789abcdef", b"nobody")


async def test_send_over_max_message_raises(factory: Factory) -> None:
    async with factory(2) as (a, b):
        await _settled([a, b])

        class Huge(bytes):
            def __len__(self) -> int:  # a 64 MiB + 1 message without allocating it
                return MAX_MESSAGE + 1

        with pytest.raises(TransportError):
            await a.send(b.peer_id, Huge(b"x"))


async def test_close_tells_the_others_and_ends_the_closers_stream(factory: Factory) -> None:
    async with factory(3) as transports:
        readers = await _settled(transports)
        closer, *others = transports
        await closer.close()
        rest = await readers[0].rest()  # ends (rest() fails a hung test)
        assert not any(isinstance(e, (PeerJoined, Message)) for e in rest)
        assert closer.peers() == {}
        for reader in readers[1:]:
            events = await reader.until(lambda e: isinstance(e, PeerLeft))
            assert events[-1].peer == closer.peer_id
            assert closer.peer_id not in reader.transport.peers()
        assert set(others[0].peers()) == {others[1].peer_id}


async def test_send_after_close_raises(factory: Factory) -> None:
    async with factory(2) as (a, b):
        await _settled([a, b])
        await a.close()
        await a.close()  # idempotent
        with pytest.raises(TransportError):
            await a.send(b.peer_id, b"too late")


async def test_events_after_close_end(factory: Factory) -> None:
    async with factory(2) as (a, b):
        await _settled([a, b])
        await b.close()
        late: list[Event] = await EventReader(b).rest()
        assert not any(isinstance(e, Message) for e in late)
        again = await EventReader(b).rest()  # a second stream after close ends as well
        assert again == []
