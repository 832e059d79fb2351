"""Transports: the ways one peer reaches the other peers of its room.

:mod:`peers.transports.base` defines the interface; :class:`MemoryTransport` (on a
:class:`MemoryHub`) connects peers in one process for tests, :class:`RelayTransport` goes
through a HyperToken relay, and ``WebRTCTransport`` (aiortc data channels, imported only
when first used, since aiortc is heavy) connects peers directly, signalled through the relay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peers.transports.base import (
    MAX_MESSAGE,
    Event,
    Message,
    PeerJoined,
    PeerLeft,
    Transport,
    TransportError,
)
from peers.transports.memory import MemoryHub, MemoryTransport
from peers.transports.relay import RelayTransport

if TYPE_CHECKING:
    from peers.transports.webrtc import WebRTCTransport

__all__ = [
    "MAX_MESSAGE",
    "Event",
    "MemoryHub",
    "MemoryTransport",
    "Message",
    "PeerJoined",
    "PeerLeft",
    "RelayTransport",
    "Transport",
    "TransportError",
    "WebRTCTransport",
]


def __getattr__(name: str) -> Any:
    """Import ``WebRTCTransport`` (and aiortc) on first use only."""
    if name == "WebRTCTransport":
        from peers.transports.webrtc import WebRTCTransport

        return WebRTCTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
