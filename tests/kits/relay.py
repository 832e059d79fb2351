"""Test helpers for the relay: signing peers, a small WebSocket client over aiohttp, and a
WebSocket client on a bare socket that misbehaves on purpose (:class:`RawSocket`)."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import os
import socket
import struct
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import aiohttp
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web_runner import BaseRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hypertoken.protocol import (
    RELAY_PROTOCOL_VERSION,
    Challenge,
    Error,
    Hello,
    Join,
    Leave,
    Peers,
    Relay,
    RelayMessage,
    Welcome,
    decode,
    encode,
    encode_json,
    hello_signed_bytes,
    peer_id_from_key,
)
from relay import RELAY_SERVER_KEY, RelayConfig, RelayServer, create_app
from relay.server import RelayRunner

WAIT = 10.0  # upper bound on any single wait, so a broken relay fails instead of hanging
BYSTANDER_ROOM = "bystanders"  # a room the tests keep beside the one under test
SYNC_ROOM = "~sync~"  # a room no test joins: leaving it is the round-trip probe

M = TypeVar("M")


@dataclass
class Identity:
    """An Ed25519 key and the peer id derived from it."""

    private: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def key(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def peer(self) -> str:
        return peer_id_from_key(self.key)

    def hello(self, nonce: bytes, *, peer: str | None = None, auth: str | None = None) -> Hello:
        peer = peer or self.peer
        sig = self.private.sign(hello_signed_bytes(nonce, peer, self.key))
        return Hello(version=RELAY_PROTOCOL_VERSION, peer=peer, key=self.key, sig=sig, auth=auth)


class Peer:
    """One test connection to the relay."""

    def __init__(
        self, ws: aiohttp.ClientWebSocketResponse[Any], identity: Identity, json: bool
    ) -> None:
        self.ws = ws
        self.identity = identity
        self.json = json
        self.challenge: Challenge | None = None

    @property
    def id(self) -> str:
        return self.identity.peer

    async def send(self, message: RelayMessage) -> None:
        if self.json:
            await self.ws.send_str(encode_json(message))
        else:
            await self.ws.send_bytes(encode(message))

    async def send_raw(self, data: bytes | str) -> None:
        if isinstance(data, str):
            await self.ws.send_str(data)
        else:
            await self.ws.send_bytes(data)

    async def recv(self) -> RelayMessage:
        """Return the next message; fail if the socket closes instead."""
        msg = await self.ws.receive(timeout=WAIT)
        if msg.type in (WSMsgType.BINARY, WSMsgType.TEXT):
            return decode(msg.data)
        raise AssertionError(f"expected a message, got {msg.type.name} {msg.data!r}")

    async def expect(self, cls: type[M], **fields: Any) -> M:
        """Return the next message, asserting it is a ``cls`` with these field values."""
        message = await self.recv()
        assert isinstance(message, cls), f"expected {cls.__name__}, got {message!r}"
        for name, value in fields.items():
            assert getattr(message, name) == value, (name, message)
        return message

    async def expect_error(self, code: str, *, closed: bool = False) -> Error:
        error = await self.expect(Error, code=code)
        assert error.message  # every refusal explains itself
        if closed:
            await self.expect_closed()
        return error

    async def expect_closed(self) -> int | None:
        """Wait for the relay to close this socket; fail if a message arrives first."""
        msg = await self.ws.receive(timeout=WAIT)
        assert msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING), (
            msg.type,
            msg.data,
        )
        return self.ws.close_code

    async def handshake(self, *, auth: str | None = None) -> Welcome:
        self.challenge = await self.expect(Challenge)
        await self.send(self.identity.hello(self.challenge.nonce, auth=auth))
        return await self.expect(Welcome, peer=self.id)

    async def join(self, room: str, token: str | None = None) -> Peers:
        await self.send(Join(room=room, token=token))
        peers = await self.expect(Peers, room=room)
        assert self.id in [m.peer for m in peers.members]
        return peers

    async def sync(self) -> None:
        """Round-trip with the relay and assert nothing else was queued to this peer first."""
        before = await self.until_sync()
        assert not before, f"expected nothing before the sync probe's answer, got {before!r}"

    async def until_sync(self) -> list[RelayMessage]:
        """Round-trip with the relay; return every message queued to this peer before the answer.

        The relay handles one connection's frames in order and its queue to one peer is FIFO,
        so everything the relay routed here before it read this probe (including the answers
        to frames this peer sent earlier) arrives before the probe's answer, and nothing it
        routes here later arrives before it. Messages other peers cause concurrently may land
        on either side: compare only what the probe orders.
        """
        await self.send(Leave(room=SYNC_ROOM))
        before: list[RelayMessage] = []
        while True:
            message = await self.recv()
            if isinstance(message, Error) and _answers_the_probe(message):
                return before
            before.append(message)


def _answers_the_probe(error: Error) -> bool:
    return error.code == "not-in-room" and repr(SYNC_ROOM) in error.message


class RelayHarness:
    """A relay on an in-process test server plus a factory of connected peers."""

    def __init__(self, client: TestClient[web.Request, web.Application]) -> None:
        self.client = client
        self.peers: list[Peer] = []
        self.sessions: list[aiohttp.ClientSession] = []
        self.raw: list[RawSocket] = []

    @property
    def server(self) -> RelayServer:
        return self.client.app[RELAY_SERVER_KEY]

    @property
    def port(self) -> int:
        port = self.client.server.port
        assert port is not None
        return port

    def sample(self, name: str, **labels: str) -> float:
        """The current value of one of the relay's metrics (0 if it was never counted)."""
        metrics = self.server.hub.metrics
        metrics.flush()  # frames written are tallied, and counted at each scrape
        value = metrics.registry.get_sample_value(name, labels)
        return value or 0.0

    async def health(self) -> dict[str, Any]:
        """``GET /health`` on a connection of its own (not one the pool kept alive)."""
        response = await self.client.get("/health", headers={"Connection": "close"})
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body

    async def connect(
        self,
        *,
        json: bool = False,
        query: str = "",
        autoping: bool = True,
        local_host: str | None = None,
    ) -> Peer:
        """A new WebSocket connection; ``local_host`` makes it come from that address."""
        ws: aiohttp.ClientWebSocketResponse[Any]
        if local_host is None:
            ws = await self.client.ws_connect("/ws" + query, max_msg_size=0, autoping=autoping)
        else:
            connector = aiohttp.TCPConnector(local_addr=(local_host, 0))
            session = aiohttp.ClientSession(connector=connector)
            self.sessions.append(session)
            url = self.client.make_url("/ws" + query)
            ws = await session.ws_connect(url, max_msg_size=0, autoping=autoping)
        peer = Peer(ws, Identity(), json)
        self.peers.append(peer)
        return peer

    async def close_peers(self) -> None:
        for raw in self.raw:
            raw.close()
        for peer in self.peers:
            await peer.ws.close()
        for session in self.sessions:
            await session.close()

    async def raw_socket(self, *, rcvbuf: int | None = None, local_host: str = "") -> RawSocket:
        """A bare TCP connection to the relay (see :class:`RawSocket`), closed at the end."""
        raw = await RawSocket.connect(self.port, rcvbuf=rcvbuf, local_host=local_host)
        self.raw.append(raw)
        return raw

    async def room(self, name: str, count: int) -> list[Peer]:
        """Connect ``count`` peers to room ``name``, consuming every ``peers`` update."""
        members: list[Peer] = []
        for _ in range(count):
            newcomer = await self.peer(name)
            for member in members:
                await member.expect(Peers, room=name, joined=newcomer.id)
            members.append(newcomer)
        return members

    async def peer(self, *rooms: str, json: bool = False, auth: str | None = None) -> Peer:
        peer = await self.connect(json=json)
        await peer.handshake(auth=auth)
        for room in rooms:
            await peer.join(room)
        return peer


def load_example_peer() -> ModuleType:
    """``examples/relay_peer.py`` imported as the module ``relay_peer``."""
    path = Path(__file__).resolve().parents[2] / "examples/relay_peer.py"
    spec = importlib.util.spec_from_file_location("relay_peer", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("relay_peer", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


async def check_newcomer(relay: RelayHarness, bystanders: list[Peer]) -> None:
    """Assert that a newcomer still gets in: it joins the bystanders' room, they see it,
    and the room relays with it.
    """
    newcomer = await relay.peer("bystanders")
    for peer in bystanders:
        await peer.expect(Peers, joined=newcomer.id)
    await check_bystanders([*bystanders, newcomer])


async def check_bystanders(bystanders: list[Peer]) -> None:
    """Assert that a room of bystanders still relays: the relay is up, their room unharmed."""
    sender, *others = bystanders
    payload = bytes(8) + os.urandom(8)
    await sender.send(Relay(room=BYSTANDER_ROOM, data=payload))
    for other in others:
        await other.expect(Relay, data=payload, sender=sender.id)


class RelayTestServer(TestServer):
    """aiohttp's test server, run by :class:`relay.server.RelayRunner` (with the relay's
    connection gate), as :func:`relay.serve` runs it."""

    async def _make_runner(self, **kwargs: Any) -> BaseRunner:
        return RelayRunner(self.app, **kwargs)


@asynccontextmanager
async def running_relay(**config: Any) -> AsyncIterator[RelayHarness]:
    """Start a relay with ``config`` on a random local port; stop it afterwards."""
    app = create_app(RelayConfig(**config))
    async with TestClient(RelayTestServer(app)) as client:
        harness = RelayHarness(client)
        try:
            yield harness
        finally:
            await harness.close_peers()


# --- a WebSocket client on a bare socket --------------------------------------------------------

OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


def ws_frame(opcode: int, payload: bytes = b"", *, fin: bool = True) -> bytes:
    """One masked client-to-server WebSocket frame (the mask is zero: the payload as is)."""
    first = (0x80 if fin else 0) | opcode
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", first, 0x80 | size)
    elif size < 65536:
        head = struct.pack("!BBH", first, 0x80 | 126, size)
    else:
        head = struct.pack("!BBQ", first, 0x80 | 127, size)
    return head + b"\0\0\0\0" + payload


class RawSocket:
    """A TCP connection driven by hand: half-sent HTTP requests, a WebSocket handshake written
    out, frames built byte by byte, and reads only when the test asks (no transport reads ahead
    on its behalf, so a socket that is not read really is not read). Non-blocking, used through
    the event loop's ``sock_*`` calls; every wait is bounded by :data:`WAIT`."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    @classmethod
    async def connect(
        cls, port: int, *, rcvbuf: int | None = None, local_host: str = ""
    ) -> RawSocket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        if rcvbuf is not None:  # before connect, so the window is small from the start
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if local_host:
            sock.bind((local_host, 0))
        loop = asyncio.get_running_loop()
        await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", port)), WAIT)
        return cls(sock)

    def close(self) -> None:
        self.sock.close()

    async def send(self, data: bytes) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.wait_for(loop.sock_sendall(self.sock, data), WAIT)

    async def _fill(self) -> bytes:
        loop = asyncio.get_running_loop()
        chunk = await asyncio.wait_for(loop.sock_recv(self.sock, 65536), WAIT)
        if not chunk:
            raise EOFError("the relay closed the connection")
        self.buffer += chunk
        return chunk

    async def read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            await self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    async def read_until_closed(self, limit: int = 64 * 1024 * 1024) -> bytes:
        """Read until the relay closes the connection (EOF or reset); return what came."""
        received = self.buffer
        self.buffer = b""
        try:
            while len(received) < limit:
                loop = asyncio.get_running_loop()
                chunk = await asyncio.wait_for(loop.sock_recv(self.sock, 65536), WAIT)
                if not chunk:
                    break
                received += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass
        return received

    async def http_response_head(self) -> bytes:
        """Read an HTTP response's status line and headers."""
        while b"\r\n\r\n" not in self.buffer:
            await self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        return head

    async def upgrade(self, path: str = "/ws") -> None:
        """The WebSocket handshake, written out by hand."""
        key = base64.b64encode(os.urandom(16)).decode()
        await self.send(
            f"GET {path} HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = await self.http_response_head()
        assert head.startswith(b"HTTP/1.1 101"), head

    async def frame(self) -> tuple[int, bytes]:
        """Read one server frame: its opcode and payload (servers do not mask)."""
        first, second = await self.read_exactly(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", await self.read_exactly(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", await self.read_exactly(8))
        return first & 0x0F, await self.read_exactly(size)

    async def recv(self) -> RelayMessage:
        """The next relay message (skipping pongs); fail on a close."""
        while True:
            opcode, payload = await self.frame()
            if opcode in (OP_BINARY, OP_TEXT):
                return decode(payload if opcode == OP_BINARY else payload.decode())
            assert opcode in (OP_PING, OP_PONG), (opcode, payload)

    async def send_message(self, message: RelayMessage) -> None:
        await self.send(ws_frame(OP_BINARY, encode(message)))

    async def hello(self, identity: Identity | None = None) -> Welcome:
        """Upgrade, answer the challenge, and return the welcome."""
        identity = identity or Identity()
        self.identity = identity
        await self.upgrade()
        challenge = await self.recv()
        assert isinstance(challenge, Challenge), challenge
        await self.send_message(identity.hello(challenge.nonce))
        welcome = await self.recv()
        assert isinstance(welcome, Welcome), welcome
        return welcome
