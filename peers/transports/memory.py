"""In-process transports for tests: every peer of a :class:`MemoryHub` reaches every other.

Delivery is deterministic and uses no timers: a send puts a copy of the bytes straight on the
receiver's event queue, so messages arrive in send order and an event loop that runs the
same coroutines delivers the same events in the same order. Joins are announced in connect
order on both sides (the newcomer hears of the peers already there in the order they
connected; each of those hears of the newcomer).

Partitions for tests: :meth:`MemoryHub.cut` separates a pair (``PeerLeft`` on both sides,
and sends between them raise :class:`~peers.transports.base.TransportError`), and
:meth:`MemoryHub.heal` joins it again (``PeerJoined`` on both sides). A cut pair stays cut
across reconnects until healed.

>>> import asyncio
>>> async def demo() -> list[str]:
...     hub = MemoryHub()
...     a, b = hub.transport("a"), hub.transport("b")
...     await a.connect()
...     await b.connect()
...     await a.send("b", b"hi")
...     await b.close()
...     return [repr(event) async for event in b.events()]
>>> asyncio.run(demo())  # doctest: +NORMALIZE_WHITESPACE
["PeerJoined(peer='a', via='memory')", "Message(peer='a', data=b'hi')",
 "PeerLeft(peer='a', reason='closed')"]
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from peers.transports.base import (
    MAX_MESSAGE,
    Event,
    Message,
    PeerJoined,
    PeerLeft,
    Transport,
    TransportError,
)
from peers.transports.stream import EventStream

__all__ = ["MemoryHub", "MemoryTransport"]

logger = logging.getLogger(__name__)


def _pair(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


class MemoryHub:
    """The in-process "network" a set of :class:`MemoryTransport` peers share."""

    def __init__(self) -> None:
        self._transports: dict[str, MemoryTransport] = {}  # created, by peer id
        self._connected: dict[str, MemoryTransport] = {}  # in connect order
        self._cut: set[frozenset[str]] = set()

    def transport(self, peer_id: str) -> MemoryTransport:
        """A new transport for ``peer_id`` on this hub (not connected yet).

        Raises ValueError if the hub already has a transport for that peer that is not closed.
        """
        old = self._transports.get(peer_id)
        if old is not None and not old.closed:
            raise ValueError(f"peer {peer_id!r} already has an open transport on this hub")
        transport = MemoryTransport(self, peer_id)
        self._transports[peer_id] = transport
        return transport

    def cut(self, a: str, b: str) -> None:
        """Partition the pair ``a``-``b``: both hear ``PeerLeft`` (reason "cut") if they were
        linked, and they stay apart (also across reconnects) until :meth:`heal`."""
        pair = _pair(a, b)
        if a == b or pair in self._cut:
            return
        self._cut.add(pair)
        ta, tb = self._connected.get(a), self._connected.get(b)
        if ta is not None and tb is not None:
            ta._unlink(b, "cut")
            tb._unlink(a, "cut")

    def heal(self, a: str, b: str) -> None:
        """End the partition of ``a``-``b``: both hear ``PeerJoined`` if both are connected."""
        pair = _pair(a, b)
        if pair not in self._cut:
            return
        self._cut.discard(pair)
        ta, tb = self._connected.get(a), self._connected.get(b)
        if ta is not None and tb is not None:
            ta._link(tb)
            tb._link(ta)

    def _join(self, newcomer: MemoryTransport) -> None:
        for other in self._connected.values():
            if _pair(other.peer_id, newcomer.peer_id) not in self._cut:
                newcomer._link(other)
                other._link(newcomer)
        self._connected[newcomer.peer_id] = newcomer

    def _leave(self, leaver: MemoryTransport) -> None:
        if self._connected.get(leaver.peer_id) is leaver:
            del self._connected[leaver.peer_id]
        for peer in list(leaver._links):
            other = self._connected.get(peer)
            if other is not None:
                other._unlink(leaver.peer_id, "closed")
            leaver._unlink(peer, "closed")


class MemoryTransport(Transport):
    """One peer on a :class:`MemoryHub` (create it with :meth:`MemoryHub.transport`)."""

    kind = "memory"

    def __init__(self, hub: MemoryHub, peer_id: str) -> None:
        self._hub = hub
        self._peer_id = peer_id
        self._links: dict[str, MemoryTransport] = {}  # reachable peers, in join order
        self._stream = EventStream()
        self._connected = False
        self.closed = False  #: whether :meth:`close` was called

    @property
    def peer_id(self) -> str:
        """This peer's id, as given to :meth:`MemoryHub.transport`."""
        return self._peer_id

    async def connect(self) -> None:
        """Join the hub; the peers already connected are announced at once."""
        if self.closed:
            raise TransportError(f"memory transport {self._peer_id} is closed; make a new one")
        if not self._connected:
            self._connected = True
            self._hub._join(self)

    async def send(self, peer: str, data: bytes) -> None:
        """Queue a copy of ``data`` for ``peer``, which must be reachable now."""
        if self.closed:
            raise TransportError(f"memory transport {self._peer_id} is closed; make a new one")
        if len(data) > MAX_MESSAGE:
            raise TransportError(
                f"message of {len(data)} bytes is over the {MAX_MESSAGE}-byte limit; "
                "send less at once"
            )
        target = self._links.get(peer)
        if target is None:
            raise TransportError(
                f"peer {peer!r} is not connected to {self._peer_id} (connected: "
                f"{sorted(self._links) or 'none'})"
            )
        target._stream.put(Message(self._peer_id, bytes(data)))

    async def close(self) -> None:
        """Leave the hub: every linked peer hears ``PeerLeft``, and so does this one for each
        of them; then the event stream ends. Idempotent."""
        if self.closed:
            return
        self.closed = True
        if self._connected:
            self._hub._leave(self)
        self._stream.end()

    def events(self) -> AsyncIterator[Event]:
        """The events for this peer, in order; the stream ends after :meth:`close`."""
        return self._stream.__aiter__()

    def peers(self) -> dict[str, str]:
        """The peers reachable now, each via "memory"."""
        return dict.fromkeys(self._links, self.kind)

    # --- called by the hub --------------------------------------------------------------------

    def _link(self, other: MemoryTransport) -> None:
        if other.peer_id not in self._links:
            self._links[other.peer_id] = other
            self._stream.put(PeerJoined(other.peer_id, self.kind))

    def _unlink(self, peer: str, reason: str) -> None:
        if self._links.pop(peer, None) is not None:
            self._stream.put(PeerLeft(peer, reason))
