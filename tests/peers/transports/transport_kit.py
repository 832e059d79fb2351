"""Test helpers for transports: a real relay in-process, and transports connected to it.

:func:`running_relay` serves :mod:`relay` on 127.0.0.1 (port 0) inside the test's event loop
and yields its WebSocket URL; :func:`relay_transports` connects N :class:`RelayTransport`
peers to one room on it. The contract suite and the WebRTC tests (which signal through the
relay) share them. :class:`EventReader` waits for events with a timeout that only fails a hung test.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

from hypertoken.log.identity import Identity
from peers.transports import Event, PeerJoined, RelayTransport, Transport
from relay.config import RelayConfig
from relay.server import serve

WAIT = 10.0  # upper bound on any single wait: a broken transport fails instead of hanging

#: Relay limits for tests that send many frames quickly: no rate limit worth the name.
FAST_RELAY: dict[str, Any] = {"rate": 1_000_000.0, "burst": 1_000_000}


@asynccontextmanager
async def running_relay(**options: Any) -> AsyncIterator[str]:
    """A relay on 127.0.0.1 with ``options`` (any :class:`RelayConfig` field); yields its
    ``ws://`` URL and stops it on exit."""
    options.setdefault("shutdown_timeout", 1.0)
    config = RelayConfig(host="127.0.0.1", port=0, **options)
    shutdown = asyncio.Event()
    loop = asyncio.get_running_loop()
    listening: asyncio.Future[int] = loop.create_future()
    server = loop.create_task(serve(config, shutdown=shutdown, on_listening=listening.set_result))
    try:
        waiters: set[asyncio.Future[Any]] = {server, listening}
        await asyncio.wait(waiters, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
        if server.done():
            server.result()  # raises what stopped it
        if not listening.done():
            raise TimeoutError(f"the test relay did not listen within {WAIT} s")
        yield f"ws://127.0.0.1:{listening.result()}/ws"
    finally:
        shutdown.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(server, WAIT)


@asynccontextmanager
async def relay_transports(
    url: str, n: int, room: str = "room", **options: Any
) -> AsyncIterator[list[RelayTransport]]:
    """``n`` relay transports with fresh identities, connected one after the other to
    ``room`` at ``url`` (``options`` go to :class:`RelayTransport`); closed on exit."""
    transports = [RelayTransport(url, Identity.generate(), room, **options) for _ in range(n)]
    try:
        for transport in transports:
            await transport.connect()
        yield transports
    finally:
        for transport in transports:
            await transport.close()


class EventReader:
    """Reads one transport's event stream in a test, each wait bounded by :data:`WAIT`."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self._events = transport.events()

    async def next(self, timeout: float = WAIT) -> Event:
        """The next event; TimeoutError (a hung test) if none comes in time,
        StopAsyncIteration if the stream ended."""
        return await asyncio.wait_for(self._events.__anext__(), timeout)

    async def until(self, want: Callable[[Event], bool], timeout: float = WAIT) -> list[Event]:
        """Events up to and including the first one ``want`` accepts."""
        seen = []
        while True:
            event = await self.next(timeout)
            seen.append(event)
            if want(event):
                return seen

    async def joined(self, peers: Iterable[str]) -> list[Event]:
        """Events until every one of ``peers`` has joined."""
        missing = set(peers)

        def done(event: Event) -> bool:
            if isinstance(event, PeerJoined):
                missing.discard(event.peer)
            return not missing

        return [] if not missing else await self.until(done)

    async def rest(self, timeout: float = WAIT) -> list[Event]:
        """Every event left, until the stream ends (which it must, in time)."""
        events = []
        while True:
            try:
                events.append(await self.next(timeout))
            except StopAsyncIteration:
                return events
