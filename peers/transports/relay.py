"""The relay transport: reach a room's other peers through the relay's WebSocket.

One WebSocket (``/ws``, msgpack frames) to a HyperToken relay, speaking the wire format of
:mod:`hypertoken.protocol.relay` exactly::

    relay -> us  challenge          us -> relay  hello (signed with our identity)
    relay -> us  welcome            us -> relay  join {room, token?}
    relay -> us  peers (full list)  ... relay, signal, peers deltas ...
    us -> relay  leave, bye         (on close)

:meth:`RelayTransport.connect` returns once the relay has listed the room's members (each
announced as ``PeerJoined(via="relay")``) and raises
:class:`~peers.transports.base.TransportError` with the relay's own message when the relay
refuses us (wrong auth token, wrong room token, room full...). Messages travel as ``relay``
frames addressed to one peer, split into parts that fit the relay's ``max_message_bytes``
(:func:`~hypertoken.protocol.split_payload`) and joined again by a
:class:`~hypertoken.protocol.Reassembler`.

Everything the relay sends is treated as hostile input (:mod:`peers.transports.relay_room`
turns its frames into events): a frame that does not decode, a part that breaks the
reassembly rules, a message from a peer that is not a member, is logged and dropped; the
connection stays up. When the connection ends without :meth:`close` (the relay
stopped, replaced us, timed us out), every member gets ``PeerLeft`` with the reason and the
event stream ends: make a new transport to reconnect.

Two things keep the relay from closing us:

- *Rate.* The relay allows ``--rate`` frames per second (bursts of ``--burst``; defaults 100
  and 200) and counts pings and pongs. Sends are paced by a local token bucket (``rate`` and
  ``burst``, a little under the relay's defaults), which waits for a token rather than
  tripping the relay's limit.
- *Idle timeout.* A WebSocket ping goes out every ``heartbeat`` seconds, or a third of the
  relay's ``idle_timeout`` if that is shorter, and a relay that sends nothing (not even a
  pong) for three intervals is taken as gone.

Signalling for the WebRTC transport rides the same connection: :meth:`RelayTransport.signal`
sends an offer, answer or ICE candidate to a member and :meth:`RelayTransport.on_signal`
registers a callback for those addressed to us. :meth:`RelayTransport.members` gives each
member's public key, as the relay's peer list announced it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import aiohttp
from yarl import URL

from hypertoken.log.identity import Identity
from hypertoken.protocol import (
    RELAY_PROTOCOL_VERSION,
    Bye,
    Challenge,
    Error,
    Hello,
    Join,
    Leave,
    Peers,
    ProtocolError,
    RelayMessage,
    Signal,
    Welcome,
    decode,
    encode,
    hello_signed_bytes,
    split_payload,
)
from hypertoken.protocol.relay import SIGNAL_KINDS
from peers.transports.base import (
    MAX_MESSAGE,
    Event,
    Transport,
    TransportError,
)
from peers.transports.relay_room import RelayRoom, SignalCallback, refusal
from peers.transports.stream import EventStream

__all__ = ["RelayTransport", "SignalCallback"]  # SignalCallback: from relay_room

logger = logging.getLogger(__name__)

#: Largest frame we read from the relay; a relay configured for bigger frames is refused.
_MAX_FRAME = MAX_MESSAGE
#: Seconds the close handshake may take before the socket is simply dropped (a stuck relay).
_CLOSE_WAIT = 2.0


class _Bucket:
    """A token bucket that waits for a token instead of refusing (None rate: no pacing)."""

    def __init__(self, rate: float | None, burst: int) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._stamp = asyncio.get_running_loop().time()

    async def take(self) -> None:
        """Wait until one frame may go out, and spend its token."""
        if self.rate is None:
            return
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return
            # Pacing, not synchronisation: the relay's budget refills with time only.
            await asyncio.sleep((1.0 - self._tokens) / self.rate)


def _ws_url(url: str) -> URL:
    """The relay's WebSocket URL: http(s) becomes ws(s), and an empty path becomes /ws."""
    parsed = URL(url)
    scheme = {"http": "ws", "https": "wss"}.get(parsed.scheme, parsed.scheme)
    if scheme not in ("ws", "wss"):
        raise ValueError(f"relay URL {url!r} must start with ws://, wss://, http:// or https://")
    parsed = parsed.with_scheme(scheme)
    if parsed.path in ("", "/"):
        parsed = parsed.with_path("/ws")
    return parsed


class RelayTransport(Transport):
    """This peer's connection to one room through a relay (see the module docstring).

    Args:
        url: the relay's address, e.g. ``ws://relay.example:8080/ws`` (``http://host:port``
            works too: an empty path means ``/ws``).
        identity: this peer's key; the relay checks the peer id against it.
        room: the room to join.
        token: the relay-wide auth token, if the relay requires one.
        room_token: the room's join token (a private room; the creator's token makes it so).
        heartbeat: seconds between pings (at most a third of the relay's idle timeout is
            used); None sends none (tests).
        rate: frames per second this side sends at most (None: no pacing); keep it under
            the relay's ``--rate``, which counts pings and pongs too.
        burst: frames that may go out at once above ``rate``.
        connect_timeout: seconds :meth:`connect` may take before it gives up.
    """

    kind = "relay"

    def __init__(
        self,
        url: str,
        identity: Identity,
        room: str,
        *,
        token: str | None = None,
        room_token: str | None = None,
        heartbeat: float | None = 20.0,
        rate: float | None = 80.0,
        burst: int = 150,
        connect_timeout: float = 10.0,
    ) -> None:
        self.url = _ws_url(url)
        self.room = room
        self._identity = identity
        self._token = token
        self._room_token = room_token
        self._heartbeat = heartbeat
        self._rate = rate
        self._burst = burst
        self._connect_timeout = connect_timeout
        self._stream = EventStream()
        self._state = RelayRoom(room, identity.peer_id, self._stream)
        # A random start: a peer that reconnects must not reuse the seq of a payload whose
        # parts the others may still hold from its previous connection.
        self._seq = itertools.count(secrets.randbits(48))
        self._send_lock = asyncio.Lock()  # one message's parts go out together, in order
        self._connect_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse[Any] | None = None
        self._bucket: _Bucket | None = None
        self._max_frame = 0
        self._idle_timeout = 0.0
        self._last_heard = 0.0
        self._joined = False
        self._closed = False
        self._ended_reason = ""  # why the connection ended without close(), for errors

    # --- Transport ----------------------------------------------------------------------------

    @property
    def peer_id(self) -> str:
        """This peer's id, derived from ``identity``'s public key."""
        return self._identity.peer_id

    async def connect(self) -> None:
        """Connect, say hello and join the room; return once the members are known.

        Idempotent. Raises :class:`TransportError` with the relay's message if it refuses
        (auth token, room token, room full, ...), or naming the problem if the relay cannot
        be reached or does not answer within ``connect_timeout``.
        """
        async with self._connect_lock:
            if self._closed:
                raise TransportError(self._closed_message())
            if self._joined:
                return
            try:
                await asyncio.wait_for(self._handshake(), self._connect_timeout)
            except asyncio.TimeoutError:
                await self._teardown()
                raise TransportError(
                    f"the relay at {self.url} did not let us into room {self.room!r} within "
                    f"{self._connect_timeout:g} s; check the URL and that the relay runs"
                ) from None
            except (aiohttp.ClientError, OSError) as exc:
                await self._teardown()
                raise TransportError(
                    f"cannot reach the relay at {self.url}: {exc or type(exc).__name__}"
                ) from exc
            except BaseException:
                await self._teardown()
                raise
            self._joined = True
            self._spawn(self._read_loop())
            if self._ping_interval() is not None:
                self._spawn(self._ping_loop())

    async def send(self, peer: str, data: bytes) -> None:
        """Send ``data`` to the member ``peer`` through the relay, in parts if need be.

        Raises :class:`TransportError` if ``peer`` is not a member now, the message is over
        :data:`~peers.transports.base.MAX_MESSAGE`, or the connection is closed or lost.
        """
        self._check_open()
        if len(data) > MAX_MESSAGE:
            raise TransportError(
                f"message of {len(data)} bytes is over the {MAX_MESSAGE}-byte limit; "
                "send less at once"
            )
        self._check_member(peer)
        async with self._send_lock:
            parts = split_payload(
                self.room,
                bytes(data),
                seq=next(self._seq),
                to=peer,
                max_message_bytes=self._max_frame,
            )
            for part in parts:
                await self._send_frame(part)

    async def close(self) -> None:
        """Leave the room and close the connection. Every member gets ``PeerLeft`` here
        (reason "closed") and the event stream ends. Idempotent."""
        if self._closed:
            await self._teardown()  # the connection may have been lost: release it all
            return
        self._closed = True
        ws = self._ws
        if ws is not None and not ws.closed and self._joined:
            # Best effort: the others hear "left" either way once the socket closes.
            with contextlib.suppress(Exception):
                await ws.send_bytes(encode(Leave(room=self.room)))
                await ws.send_bytes(encode(Bye(reason="closed")))
        await self._teardown()
        self._state.drop_members("closed")
        self._stream.end()

    def events(self) -> AsyncIterator[Event]:
        """The events for this peer, in order; the stream ends after :meth:`close` or when
        the connection to the relay is lost."""
        return self._stream.__aiter__()

    def peers(self) -> dict[str, str]:
        """The room's other members now, each via "relay"."""
        return dict.fromkeys(self._state.members, self.kind)

    # --- signalling ---------------------------------------------------------------------------

    def members(self) -> dict[str, bytes]:
        """The room's other members now -> their raw Ed25519 public keys, from the relay's
        peer list (this peer is not included)."""
        return dict(self._state.members)

    async def signal(
        self,
        peer: str,
        kind: str,
        data: str,
        *,
        mid: str | None = None,
        mline: int | None = None,
    ) -> None:
        """Send a WebRTC signal to the member ``peer``: an "offer" or "answer" (SDP text in
        ``data``) or an "ice" candidate (``data`` the candidate line, "" to end; ``mid`` and
        ``mline`` its sdpMid and sdpMLineIndex).

        Raises :class:`TransportError` for an unknown kind, a peer that is not a member, or
        a closed connection.
        """
        if kind not in SIGNAL_KINDS:
            raise TransportError(f"signal kind {kind!r} is not one of {', '.join(SIGNAL_KINDS)}")
        self._check_open()
        self._check_member(peer)
        message = Signal(room=self.room, to=peer, kind=kind, data=data, mid=mid, mline=mline)
        await self._send_frame(message)

    def on_signal(self, callback: SignalCallback) -> None:
        """Call ``callback(peer, kind, data, mid, mline)`` for every signal a member sends us
        in this room, from the reader (so it must not block; exceptions are logged)."""
        self._state.callbacks.append(callback)

    # --- connection ---------------------------------------------------------------------------

    async def _handshake(self) -> None:
        self._session = aiohttp.ClientSession()
        self._ws = ws = await self._session.ws_connect(
            self.url, autoping=False, max_msg_size=_MAX_FRAME
        )
        challenge = await self._expect(Challenge, "challenge")
        if challenge.version != RELAY_PROTOCOL_VERSION:
            raise TransportError(
                f"the relay speaks relay protocol version {challenge.version}, this peer "
                f"{RELAY_PROTOCOL_VERSION}; upgrade the older side"
            )
        me, key = self._identity.peer_id, self._identity.public_key
        sig = self._identity.sign(hello_signed_bytes(challenge.nonce, me, key))
        hello = Hello(RELAY_PROTOCOL_VERSION, me, key, sig, auth=self._token)
        await ws.send_bytes(encode(hello))
        welcome = await self._expect(Welcome, "welcome")
        self._max_frame = min(welcome.max_message_bytes, _MAX_FRAME)
        self._idle_timeout = welcome.idle_timeout
        self._bucket = _Bucket(self._rate, self._burst)
        await self._send_frame(Join(room=self.room, token=self._room_token))
        while True:
            peers = await self._expect(Peers, "peers")
            if peers.room == self.room and peers.left is None:
                break
        self._last_heard = asyncio.get_running_loop().time()
        for member in peers.members:
            if member.peer != me:
                self._state.add_member(member.peer, member.key)

    async def _expect(self, cls: type[Any], what: str) -> Any:
        """The next message during the handshake, which must be a ``cls``."""
        assert self._ws is not None
        while True:
            msg = await self._ws.receive()
            if msg.type == aiohttp.WSMsgType.PING:
                await self._ws.pong(msg.data)
                continue
            if msg.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                raise TransportError(
                    f"the relay at {self.url} closed the connection while we waited for "
                    f"{what} ({msg.type.name.lower()} {msg.data!r})"
                )
            try:
                message = decode(msg.data)
            except ProtocolError as exc:
                raise TransportError(
                    f"the relay at {self.url} sent a bad frame while we waited for {what}: {exc}"
                ) from None
            if isinstance(message, Error):
                raise TransportError(refusal(message))
            if isinstance(message, cls):
                return message
            if isinstance(message, Bye):
                raise TransportError(f"the relay said bye while we waited for {what}")
            logger.warning("relay sent %s while we waited for %s; ignored", message.TYPE, what)

    async def _send_frame(self, message: RelayMessage) -> None:
        assert self._bucket is not None and self._ws is not None
        await self._bucket.take()
        if self._closed:
            raise TransportError(self._closed_message())
        try:
            await self._ws.send_bytes(encode(message))
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
            raise TransportError(f"the relay connection is lost: {exc}") from exc

    def _ping_interval(self) -> float | None:
        if self._heartbeat is None or self._heartbeat <= 0:
            return None
        if self._idle_timeout > 0:
            return min(self._heartbeat, self._idle_timeout / 3)
        return self._heartbeat

    async def _ping_loop(self) -> None:
        interval = self._ping_interval()
        assert interval is not None and self._ws is not None and self._bucket is not None
        loop = asyncio.get_running_loop()
        while not self._ws.closed:
            # A timer: the relay must hear from us before its idle timeout, whatever happens.
            await asyncio.sleep(interval)
            if loop.time() - self._last_heard > 3 * interval:
                self._ended_reason = f"the relay sent nothing for {3 * interval:g} s"
                self._lost()  # at once: a dead relay would not finish a close handshake
                return
            await self._bucket.take()
            with contextlib.suppress(Exception):
                await self._ws.ping()

    async def _read_loop(self) -> None:
        assert self._ws is not None
        ws = self._ws
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    msg = await ws.receive()
                except (aiohttp.ClientError, OSError, RuntimeError) as exc:
                    self._ended_reason = f"the relay connection failed: {exc!r}"
                    break
                self._last_heard = loop.time()
                if msg.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                    self._state.on_frame(msg.data)
                elif msg.type == aiohttp.WSMsgType.PING:
                    assert self._bucket is not None
                    await self._bucket.take()
                    with contextlib.suppress(Exception):
                        await ws.pong(msg.data)
                elif msg.type == aiohttp.WSMsgType.PONG:
                    continue
                else:
                    if not self._ended_reason:
                        self._ended_reason = self._state.last_error or (
                            f"the relay closed the connection (code {ws.close_code})"
                        )
                    break
        finally:
            self._lost()

    def _lost(self) -> None:
        """The connection ended without :meth:`close`: everyone left, the stream ends."""
        if self._closed:
            return
        reason = self._ended_reason or "the relay connection ended"
        logger.warning("relay transport %s lost its relay: %s", self.peer_id, reason)
        self._closed = True
        self._state.drop_members(reason)
        self._stream.end()
        self._spawn(self._teardown())

    def _check_open(self) -> None:
        if self._closed:
            raise TransportError(self._closed_message())
        if not self._joined:
            raise TransportError("the relay transport is not connected; await connect() first")

    def _check_member(self, peer: str) -> None:
        if peer not in self._state.members:
            raise TransportError(
                f"peer {peer!r} is not in room {self.room!r} on the relay (members: "
                f"{sorted(self._state.members) or 'none'})"
            )

    def _closed_message(self) -> str:
        if self._ended_reason:
            return f"the relay transport is closed: {self._ended_reason}"
        return "the relay transport is closed; make a new one to reconnect"

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _teardown(self) -> None:
        """Close the socket and session and stop the reader and pinger (not this task)."""
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current]
        ws, session = self._ws, self._session
        if ws is not None and not ws.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), _CLOSE_WAIT)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if session is not None and not session.closed:
            await session.close()
        if not self._joined:  # a failed connect: leave nothing behind, so it can be retried
            self._ws = self._session = self._bucket = None
            self._state.members.clear()
