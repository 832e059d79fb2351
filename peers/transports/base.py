"""The transport interface every way of reaching other peers implements.

A transport connects this peer to the other peers of one room and moves opaque byte
messages between them: reliable, ordered per remote peer, and of any size (a transport
whose channel limits message size chunks and reassembles). It knows nothing of
chronicles or games; the room (:mod:`peers.room`) decides what the bytes mean.

Four calls and one stream::

    await transport.connect()              # reach the room (idempotent)
    async for event in transport.events(): # PeerJoined / PeerLeft / Message, in order
        ...
    await transport.send(peer, data)       # to one connected peer
    await transport.close()                # leave; the event stream then ends

Events for one remote peer arrive in order: ``PeerJoined`` before its first ``Message``,
``PeerLeft`` after its last. A send to a peer that is not connected raises
:class:`TransportError`; a send never blocks forever on a slow peer (it may wait for the
channel's buffer to drain). Implementations: :mod:`peers.transports.memory` (deterministic
in-process pairs for tests), :mod:`peers.transports.relay` (through the relay's WebSocket)
and :mod:`peers.transports.webrtc` (aiortc data channels signalled through the relay, with
the relay as the per-pair fallback). ``tests/contracts/test_transport_contract.py`` runs
the same contract against each.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass

__all__ = [
    "MAX_MESSAGE",
    "Event",
    "Message",
    "PeerJoined",
    "PeerLeft",
    "Transport",
    "TransportError",
]

#: The largest message a transport must carry (a saved epoch sent to a late joiner, or a
#: sync frame after a long partition). Bigger sends raise :class:`TransportError`.
MAX_MESSAGE = 64 * 1024 * 1024


class TransportError(RuntimeError):
    """A send or connect that cannot be done (peer not connected, transport closed,
    message too large, relay refused us). The message says which and what to do.
    """


@dataclass(frozen=True, slots=True)
class PeerJoined:
    """A remote peer is now reachable. ``via`` names the path ("memory", "relay",
    "webrtc"); a later ``PeerJoined`` for the same peer means the path changed.
    """

    peer: str
    via: str


@dataclass(frozen=True, slots=True)
class PeerLeft:
    """A remote peer is no longer reachable (it left, closed, or its path failed)."""

    peer: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    """One whole message from a remote peer, reassembled if it travelled in parts."""

    peer: str
    data: bytes


Event = PeerJoined | PeerLeft | Message


class Transport(abc.ABC):
    """One peer's connection to one room's other peers (see the module docstring)."""

    #: The path name this transport reports in ``PeerJoined.via`` and ``hypertoken status``.
    kind: str = "abstract"

    @property
    @abc.abstractmethod
    def peer_id(self) -> str:
        """This peer's id (derived from its Ed25519 key where the transport checks keys)."""

    @abc.abstractmethod
    async def connect(self) -> None:
        """Reach the room. Idempotent; raises :class:`TransportError` if it cannot."""

    @abc.abstractmethod
    async def send(self, peer: str, data: bytes) -> None:
        """Send one message to a connected peer (reliable and ordered per peer)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Leave the room and release everything; the event stream ends. Idempotent."""

    @abc.abstractmethod
    def events(self) -> AsyncIterator[Event]:
        """The stream of events, in order. One consumer; it ends after :meth:`close`."""

    @abc.abstractmethod
    def peers(self) -> dict[str, str]:
        """The peers reachable now -> the path each uses ("relay", "webrtc", ...)."""
