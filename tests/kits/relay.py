"""Test helpers for the relay: signing peers and a small WebSocket client over aiohttp."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer
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

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, identity: Identity, json: bool) -> None:
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

    @property
    def server(self) -> RelayServer:
        return self.client.app[RELAY_SERVER_KEY]

    def sample(self, name: str, **labels: str) -> float:
        """The current value of one of the relay's metrics (0 if it was never counted)."""
        value = self.server.hub.metrics.registry.get_sample_value(name, labels)
        return value or 0.0

    async def connect(self, *, json: bool = False, query: str = "", autoping: bool = True) -> Peer:
        ws = await self.client.ws_connect("/ws" + query, max_msg_size=0, autoping=autoping)
        peer = Peer(ws, Identity(), json)
        self.peers.append(peer)
        return peer

    async def close_peers(self) -> None:
        for peer in self.peers:
            await peer.ws.close()

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


async def check_bystanders(bystanders: list[Peer]) -> None:
    """Assert that a room of bystanders still relays: the relay is up, their room unharmed."""
    sender, *others = bystanders
    payload = bytes(8) + id(others).to_bytes(8, "little")
    await sender.send(Relay(room=BYSTANDER_ROOM, data=payload))
    for other in others:
        await other.expect(Relay, data=payload, sender=sender.id)


@asynccontextmanager
async def running_relay(**config: Any) -> AsyncIterator[RelayHarness]:
    """Start a relay with ``config`` on a random local port; stop it afterwards."""
    app = create_app(RelayConfig(**config))
    async with TestClient(TestServer(app)) as client:
        harness = RelayHarness(client)
        try:
            yield harness
        finally:
            await harness.close_peers()
