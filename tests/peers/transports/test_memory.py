"""MemoryHub and MemoryTransport: join order, copies, cut and heal (the contract suite covers
the rest)."""

from __future__ import annotations

import pytest

from peers.transports import (
    MemoryHub,
    MemoryTransport,
    Message,
    PeerJoined,
    PeerLeft,
    TransportError,
)
from tests.peers.transports.transport_kit import EventReader


async def _connected(hub: MemoryHub, *names: str) -> list[MemoryTransport]:
    transports = [hub.transport(name) for name in names]
    for transport in transports:
        await transport.connect()
    return transports


async def test_joins_arrive_in_connect_order_on_both_sides() -> None:
    hub = MemoryHub()
    a, b, c = await _connected(hub, "a", "b", "c")
    assert [await EventReader(a).next() for _ in range(2)] == [
        PeerJoined("b", "memory"),
        PeerJoined("c", "memory"),
    ]
    reader_c = EventReader(c)
    assert [await reader_c.next() for _ in range(2)] == [
        PeerJoined("a", "memory"),
        PeerJoined("b", "memory"),
    ]
    assert list(c.peers()) == ["a", "b"]
    await a.connect()  # idempotent: nobody hears of a again
    assert b.peers() == {"a": "memory", "c": "memory"}


async def test_messages_are_copies() -> None:
    hub = MemoryHub()
    a, b = await _connected(hub, "a", "b")
    reader = EventReader(b)
    await reader.next()
    buffer = bytearray(b"before")
    await a.send("b", buffer)  # type: ignore[arg-type]  # callers may pass any bytes-like
    buffer[:] = b"after!"
    message = await reader.next()
    assert message == Message("a", b"before")
    assert type(message.data) is bytes  # type: ignore[union-attr]


async def test_cut_parts_a_pair_and_heal_joins_it_again() -> None:
    hub = MemoryHub()
    a, b, c = await _connected(hub, "a", "b", "c")
    ra, rb, rc = EventReader(a), EventReader(b), EventReader(c)
    for reader in (ra, rb, rc):
        await reader.next()
        await reader.next()
    await a.send("b", b"before the cut")
    hub.cut("a", "b")
    hub.cut("b", "a")  # already cut: nothing more happens
    assert await ra.next() == PeerLeft("b", "cut")
    assert await rb.next() == Message("a", b"before the cut")  # sent before: still delivered
    assert await rb.next() == PeerLeft("a", "cut")
    assert a.peers() == {"c": "memory"}
    with pytest.raises(TransportError, match="not connected"):
        await a.send("b", b"across the cut")
    await a.send("c", b"around it")  # the rest of the room is unaffected
    assert await rc.next() == Message("a", b"around it")

    hub.heal("a", "b")
    hub.heal("a", "b")  # already healed: nothing more happens
    assert await ra.next() == PeerJoined("b", "memory")
    assert await rb.next() == PeerJoined("a", "memory")
    await b.send("a", b"healed")
    assert await ra.next() == Message("b", b"healed")


async def test_a_cut_outlasts_a_reconnect_until_healed() -> None:
    hub = MemoryHub()
    a, b = await _connected(hub, "a", "b")
    hub.cut("a", "b")
    await b.close()
    with pytest.raises(ValueError, match="already has an open transport"):
        hub.transport("a")
    b2 = hub.transport("b")
    await b2.connect()
    assert b2.peers() == {} and a.peers() == {}
    hub.heal("a", "b")
    assert a.peers() == {"b": "memory"} and b2.peers() == {"a": "memory"}
    assert await EventReader(b2).next() == PeerJoined("a", "memory")


async def test_heal_of_a_pair_not_both_connected_joins_later() -> None:
    hub = MemoryHub()
    hub.cut("a", "b")
    hub.heal("a", "b")  # neither exists yet: nothing to announce
    (a,) = await _connected(hub, "a")
    hub.cut("a", "b")
    hub.heal("a", "b")
    assert a.peers() == {}
    (b,) = await _connected(hub, "b")
    assert a.peers() == {"b": "memory"}
    assert b.peers() == {"a": "memory"}


async def test_closed_transport_cannot_connect_again() -> None:
    hub = MemoryHub()
    (a,) = await _connected(hub, "a")
    await a.close()
    with pytest.raises(TransportError, match="closed"):
        await a.connect()
    assert await EventReader(a).rest() == []
