"""Test helpers for transports: a real relay in-process, and transports connected to it.

:func:`running_relay` serves :mod:`relay` on 127.0.0.1 (port 0) inside the test's event loop
and yields its WebSocket URL; :func:`relay_transports` connects N :class:`RelayTransport`
peers to one room on it. The contract suite and the WebRTC tests (which signal through the
relay) share them. :class:`EventReader` waits for events with a timeout that only fails a hung test.
:class:`FakeRelay` is a bare WebSocket server whose connections a test plays by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from hypertoken.log.identity import Identity
from hypertoken.protocol import (
    RELAY_PROTOCOL_VERSION,
    Challenge,
    Hello,
    Join,
    Member,
    Peers,
    RelayMessage,
    Welcome,
    decode,
    encode,
)
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


T = TypeVar("T", bound=Transport)


@asynccontextmanager
async def connected(transports: list[T]) -> AsyncIterator[list[T]]:
    """Connect ``transports`` one after the other; close them all on exit."""
    try:
        for transport in transports:
            await transport.connect()
        yield transports
    finally:
        for transport in transports:
            await transport.close()


@asynccontextmanager
async def relay_transports(
    url: str, n: int, room: str = "room", **options: Any
) -> AsyncIterator[list[RelayTransport]]:
    """``n`` relay transports with fresh identities, connected one after the other to
    ``room`` at ``url`` (``options`` go to :class:`RelayTransport`); closed on exit."""
    transports = [RelayTransport(url, Identity.generate(), room, **options) for _ in range(n)]
    async with connected(transports) as ready:
        yield ready


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


# --- a fake relay the test plays by hand ------------------------------------------------


class FakeConnection:
    """One transport's connection to the fake relay, driven by the test."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.pings = 0  # WebSocket pings received so far
        self.hello: Hello | None = None
        #: Set it when the test is done playing: the fake then reads (and drops) frames until
        #: the transport closes, so its close handshake completes.
        self.done = asyncio.Event()

    async def send(self, message: RelayMessage | bytes | str) -> None:
        """Send a message, or raw bytes (a binary frame) or text (a text frame)."""
        if isinstance(message, bytes):
            await self.ws.send_bytes(message)
        elif isinstance(message, str):
            await self.ws.send_str(message)
        else:
            await self.ws.send_bytes(encode(message))

    async def receive(self, *, answer_pings: bool = True) -> RelayMessage:
        """The next message from the transport (pings are counted, answered if asked)."""
        while True:
            msg = await asyncio.wait_for(self.ws.receive(), WAIT)
            if msg.type == aiohttp.WSMsgType.PING:
                await self._count_ping(msg.data, answer_pings)
                continue
            if msg.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                raise ConnectionError(f"the transport closed the connection ({msg.type.name})")
            return decode(msg.data)

    async def wait_pings(self, count: int, *, answer: bool = True) -> None:
        """Read (and drop) frames until ``count`` pings have arrived in all."""
        while self.pings < count:
            msg = await asyncio.wait_for(self.ws.receive(), WAIT)
            if msg.type == aiohttp.WSMsgType.PING:
                await self._count_ping(msg.data, answer)
            elif msg.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                raise ConnectionError(f"the transport closed the connection ({msg.type.name})")

    async def handshake(
        self,
        members: Sequence[Member] = (),
        *,
        idle_timeout: float = 60.0,
        max_message_bytes: int = 1024 * 1024,
    ) -> Join:
        """Play the relay's side up to the join: challenge, welcome, then the full member
        list (``members`` after the joiner itself). Returns the transport's join."""
        await self.send(Challenge(RELAY_PROTOCOL_VERSION, os.urandom(32), max_message_bytes))
        hello = await self.receive()
        assert isinstance(hello, Hello)
        self.hello = hello
        await self.send(Welcome(hello.peer, 20.0, idle_timeout, max_message_bytes))
        join = await self.receive()
        assert isinstance(join, Join)
        listed = (Member(hello.peer, hello.key), *members)
        await self.send(Peers(room=join.room, members=listed, joined=hello.peer))
        return join

    async def _count_ping(self, data: bytes, answer: bool) -> None:
        self.pings += 1
        if answer:
            await self.ws.pong(data)


class FakeRelay:
    """A WebSocket server on 127.0.0.1 whose connections the test takes with
    :meth:`accept` and plays by hand."""

    def __init__(self) -> None:
        self.url = ""
        self._accepted: asyncio.Queue[FakeConnection] = asyncio.Queue()
        self._connections: list[FakeConnection] = []

    async def accept(self) -> FakeConnection:
        """The next connection a transport opens."""
        return await asyncio.wait_for(self._accepted.get(), WAIT)

    async def handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False, max_msg_size=64 * 1024 * 1024)
        await ws.prepare(request)
        conn = FakeConnection(ws)
        self._connections.append(conn)
        await self._accepted.put(conn)
        await conn.done.wait()
        async for _ in ws:  # the test is done with it: read until the transport closes
            pass
        return ws

    def finish(self) -> None:
        """Let every handler read on until its transport closes (see FakeConnection.done)."""
        for conn in self._connections:
            conn.done.set()
