"""WebRTC factories for the transport contract suite, and the helpers the WebRTC tests share.

Each factory is ``factory(n)``: an async context manager yielding ``n`` connected
:class:`~peers.transports.webrtc.WebRTCTransport` peers in one room of a fresh in-process
relay (no rate limits), closed on exit.

- ``webrtc``: data channels on loopback (host candidates 127.0.0.1 only). Fallback is off,
  so a pair whose channel does not open never joins and the test fails: every message in
  the suite really crosses a data channel.
- ``webrtc-fallback``: ICE forced to fail (the only host address is TEST-NET-1
  192.0.2.1, which no interface has, so no candidate is gathered): every pair falls back
  to the relay at once and the suite runs over the relay path of the WebRTC transport.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from hypertoken.log.identity import Identity
from peers.transports import RelayTransport, Transport
from peers.transports.webrtc import WebRTCTransport
from tests.peers.transports.transport_kit import FAST_RELAY, WAIT, connected, running_relay

LOOPBACK = ["127.0.0.1"]
UNREACHABLE = ["192.0.2.1"]  # TEST-NET-1 (RFC 5737): on no interface, so nothing binds


def webrtc_transport(url: str, room: str = "room", **options: Any) -> WebRTCTransport:
    """A WebRTC transport with a fresh identity, signalling through the relay at ``url``
    (unpaced); ``options`` go to :class:`WebRTCTransport` (default: loopback host
    addresses, no fallback, a connect timeout that only fails a hung test)."""
    options.setdefault("host_addresses", LOOPBACK)
    options.setdefault("fallback", False)
    options.setdefault("connect_timeout", WAIT)
    relay = RelayTransport(url, Identity.generate(), room, rate=None, heartbeat=None)
    return WebRTCTransport(relay, **options)


@asynccontextmanager
async def webrtc_transports(n: int, **options: Any) -> AsyncIterator[list[WebRTCTransport]]:
    """``n`` connected WebRTC transports (see :func:`webrtc_transport`) on a fresh relay."""
    async with (
        running_relay(**FAST_RELAY) as url,
        connected([webrtc_transport(url, **options) for _ in range(n)]) as ready,
    ):
        yield ready


@asynccontextmanager
async def webrtc_factory(n: int) -> AsyncIterator[list[Transport]]:
    """``n`` peers on loopback data channels, no fallback."""
    async with webrtc_transports(n) as transports:
        yield list(transports)


@asynccontextmanager
async def webrtc_fallback_factory(n: int) -> AsyncIterator[list[Transport]]:
    """``n`` peers whose ICE cannot succeed, so every pair uses the relay."""
    async with webrtc_transports(n, host_addresses=UNREACHABLE, fallback=True) as transports:
        yield list(transports)


FACTORIES: list[Any] = [
    pytest.param(webrtc_factory, id="webrtc"),
    pytest.param(webrtc_fallback_factory, id="webrtc-fallback"),
]
