"""One peer's WebSocket connection: its state, its outbound queue and its writer.

Everything the relay sends to a peer goes through :meth:`PeerConnection.send_frame`, which only
appends to a queue and never waits. A single writer coroutine per connection drains the queue
into the socket. So routing a message is synchronous, a slow reader never blocks the sender or
anyone else in the room, and a reader that falls too far behind is dropped (its queue is
bounded in bytes).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from aiohttp import WSCloseCode, web

from hypertoken.protocol import NONCE_LEN
from relay.ratelimit import TokenBucket

logger = logging.getLogger(__name__)

Frame = bytes | str
"""An encoded message: msgpack bytes, or JSON text for peers that speak JSON."""


class ConnectionState(Enum):
    """Where a connection is in its life. Transitions go down this list only."""

    AWAITING_HELLO = "awaiting-hello"  # challenge sent; only hello is accepted
    READY = "ready"  # hello verified; the peer id routes here
    CLOSING = "closing"  # a close is queued; nothing more is sent or handled
    CLOSED = "closed"  # the reader has stopped and the hub has forgotten it


@dataclass(frozen=True, slots=True)
class _Ping:
    pass


@dataclass(frozen=True, slots=True)
class _Pong:
    data: bytes


@dataclass(frozen=True, slots=True)
class _Close:
    code: int
    reason: str


_Item = bytes | str | _Ping | _Pong | _Close


class RelayWebSocket(web.WebSocketResponse):
    """A WebSocket response that says why before it closes a frame that is too large.

    aiohttp refuses an oversized frame from its header, before reading the payload, and then
    closes with 1009 at once. ``too_large_frame`` lets the relay send its ``error`` first, so
    the peer learns the limit and that it should send in parts.
    """

    too_large_frame: Callable[[], Frame | None] | None = None

    async def close(
        self, *, code: int = WSCloseCode.OK, message: bytes = b"", drain: bool = True
    ) -> bool:
        """Close the socket; for a 1009 close, first send the relay's ``too-large`` error."""
        hook = self.too_large_frame
        if code == WSCloseCode.MESSAGE_TOO_BIG and hook is not None and not self.closed:
            self.too_large_frame = None
            try:
                frame = hook()
                if isinstance(frame, bytes):
                    await self.send_bytes(frame)
                elif isinstance(frame, str):
                    await self.send_str(frame)
            except Exception:  # the socket may already be gone; the close still follows
                logger.debug("could not send too-large error before closing", exc_info=True)
            message = message or b"message too large"
        return await super().close(code=code, message=message, drain=drain)


class PeerConnection:
    """The relay's view of one connected peer.

    Only the connection's reader (the WebSocket handler) and the hub change its fields; only
    :meth:`run_writer` writes to the socket (besides the too-large error above).
    """

    def __init__(
        self,
        ws: web.WebSocketResponse,
        *,
        conn_id: int,
        remote: str,
        now: float,
        rate: float,
        burst: int,
        send_queue_bytes: int,
        json_text: bool = False,
    ) -> None:
        """Wrap an accepted WebSocket; ``now`` is the event loop's clock."""
        self.ws = ws
        self.conn_id = conn_id  # unique per relay process, for logs
        self.remote = remote  # client address, for logs
        self.state = ConnectionState.AWAITING_HELLO
        self.nonce = secrets.token_bytes(NONCE_LEN)  # signed by the peer in hello
        self.json_text = json_text  # encode frames to this peer as JSON text
        self.peer: str | None = None  # verified peer id, once READY
        self.key: bytes | None = None  # verified Ed25519 public key, once READY
        self.rooms: set[str] = set()  # rooms this connection has joined
        self.connected_at = now
        self.last_seen = now  # last frame of any kind from the peer (pongs included)
        self.last_ping = now  # last heartbeat ping the relay sent
        self.bucket = TokenBucket(rate=rate, burst=burst, now=now)
        self._limit = send_queue_bytes
        self._queue: deque[_Item] = deque()
        self._queued_bytes = 0
        self._wakeup = asyncio.Event()

    def __repr__(self) -> str:
        """Short form for logs: connection number, peer id and state."""
        return f"<PeerConnection #{self.conn_id} {self.peer or '-'} {self.state.value}>"

    @property
    def label(self) -> str:
        """The peer id when known, else the connection number: what logs call this peer."""
        return self.peer or f"conn#{self.conn_id}"

    @property
    def open(self) -> bool:
        """Whether frames may still be queued to this peer."""
        return self.state in (ConnectionState.AWAITING_HELLO, ConnectionState.READY)

    def set_state(self, state: ConnectionState) -> None:
        """Move to ``state``, logging ``old -> new``."""
        if state is not self.state:
            logger.debug("%r: %s -> %s", self, self.state.value, state.value)
            self.state = state

    # --- outbound -----------------------------------------------------------------------------

    def send_frame(self, frame: Frame) -> bool:
        """Queue one encoded frame. Return False when the queue is full (a slow reader).

        Never waits. Frames to a closing connection are dropped (returns True: nothing to do).
        """
        if not self.open:
            return True
        size = len(frame)
        if self._queued_bytes + size > self._limit and self._queue:
            return False
        self._queue.append(frame)
        self._queued_bytes += size
        self._wakeup.set()
        return True

    def ping(self) -> None:
        """Queue a WebSocket ping (the heartbeat)."""
        if self.open:
            self._queue.append(_Ping())
            self._wakeup.set()

    def pong(self, data: bytes) -> None:
        """Queue the answer to a ping from the peer."""
        if self.open:
            self._queue.append(_Pong(data))
            self._wakeup.set()

    def close(
        self, code: int = WSCloseCode.OK, reason: str = "", last: Frame | None = None
    ) -> None:
        """Queue ``last`` (an error or bye), then the close. Idempotent.

        Anything still queued is dropped first when ``code`` is not a normal close: a peer
        that is refused or too slow does not get the backlog.
        """
        if not self.open:
            return
        if code not in (WSCloseCode.OK, WSCloseCode.GOING_AWAY):
            self._queue.clear()
            self._queued_bytes = 0
        if last is not None:
            self._queue.append(last)
            self._queued_bytes += len(last)
        self._queue.append(_Close(int(code), reason))
        self.set_state(ConnectionState.CLOSING)
        self._wakeup.set()

    async def run_writer(self) -> None:
        """Drain the queue into the socket until a close is written or the socket fails."""
        ws = self.ws
        queue = self._queue
        try:
            while True:
                if not queue:
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                item = queue.popleft()
                if isinstance(item, bytes):
                    self._queued_bytes -= len(item)
                    await ws.send_bytes(item)
                elif isinstance(item, str):
                    self._queued_bytes -= len(item)
                    await ws.send_str(item)
                elif isinstance(item, _Ping):
                    await ws.ping()
                elif isinstance(item, _Pong):
                    await ws.pong(item.data)
                else:
                    # Reasons in close frames are limited to 123 bytes by RFC 6455.
                    reason = item.reason.encode("utf-8")[:123]
                    await ws.close(code=item.code, message=reason)
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the peer vanished mid-write: nothing more can be sent
            logger.debug("%r: writer stopped: %s", self, exc)
        finally:
            queue.clear()
            self._queued_bytes = 0
