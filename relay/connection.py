"""One peer's WebSocket connection: its state, its outbound queue and its writer.

Everything the relay sends to a peer goes through :meth:`PeerConnection.send_frame` (or
``ping``/``pong``/``close``), which only appends to a queue and never waits. A single writer
coroutine per connection drains the queue into the socket. So routing a message is
synchronous, a slow reader never blocks the sender or anyone else in the room, and a reader that
falls too far behind is dropped: its queue is bounded in bytes, and everything queued counts
(messages, errors, pings, pongs, each plus :data:`ITEM_OVERHEAD` bytes of bookkeeping).

A write can wait for the peer to read (the socket's buffers are full). The hub's sweep watches
every connection's writer (:meth:`PeerConnection.stalled`): one that has not finished a write for
``--write-timeout`` seconds, or a closing connection that has not closed by then, is cut off with
:meth:`PeerConnection.abort`, which closes the TCP connection at once without waiting for the
writer. Nothing the relay holds for a peer outlives that deadline.

What was written, frame by frame, is tallied by message type for the metrics; what was queued
but never written is tallied as dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import struct
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from aiohttp import WSCloseCode, web, web_ws
from aiohttp.http import WebSocketReader

from hypertoken.protocol import NONCE_LEN
from relay.metrics import Tally
from relay.ratelimit import TokenBucket

logger = logging.getLogger(__name__)

Frame = bytes | str
"""An encoded message: msgpack bytes, or JSON text for peers that speak JSON."""

ITEM_OVERHEAD = 64
"""Bytes each queued item counts for beside its payload (the queue slot, the objects), so a
flood of empty pongs fills the queue too."""

LATE_FRAMES = 200
"""Frames a peer may still send after the relay closed its connection (while the close
handshake runs) before the relay cuts it off: a flood that goes on after a refusal costs
nothing more."""


class ConnectionState(Enum):
    """Where a connection is in its life. Transitions go down this list only."""

    AWAITING_HELLO = "awaiting-hello"  # challenge sent; only hello is accepted
    READY = "ready"  # hello verified; the peer id routes here
    CLOSING = "closing"  # a close is queued; nothing more is sent or handled
    CLOSED = "closed"  # the reader has stopped and the hub has forgotten it


@dataclass(frozen=True, slots=True)
class _Ping:
    pass


class _Pong:
    """A queued pong; a newer ping replaces its payload (RFC 6455 allows answering only the
    most recent of several pings), so a ping flood queues one pong, not one per ping."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


@dataclass(frozen=True, slots=True)
class _Close:
    code: int
    reason: str


_Item = tuple[Frame, str] | _Ping | _Pong | _Close  # (frame, message type) for messages


class FrameCountingReader(WebSocketReader):
    """aiohttp's WebSocket frame parser, reporting frames the relay's reader would not see.

    - ``on_fragment`` is called for every fragment of a fragmented message: aiohttp joins
      fragments before the relay sees a message, so a peer could otherwise send an endless
      stream of empty continuation fragments, costing parse time and never the rate limit.
      (Complete messages, pings and pongs reach the relay's reader and are charged there.)
    - ``on_late``, once set (when the relay has closed the connection), is called for every
      frame: aiohttp reads on while it waits for the peer's close reply, and nothing else
      would see a flood then.
    """

    on_fragment: Callable[[], None] | None = None
    on_late: Callable[[], None] | None = None

    def _handle_frame(
        self, fin: bool, opcode: int, payload: bytes | bytearray, compressed: int
    ) -> None:
        late = self.on_late
        if late is not None:
            late()
        # A continuation, or the first frame of a fragmented message. (aiohttp passes control
        # frames the ``fin`` of the last data frame, so only data opcodes are looked at.)
        elif opcode == 0 or (not fin and opcode < 8):
            hook = self.on_fragment
            if hook is not None:
                hook()
        _parse_frame(self, fin, opcode, payload, compressed)  # super(), without its cost


_parse_frame = WebSocketReader._handle_frame


class RelayWebSocket(web.WebSocketResponse):
    """The relay's WebSocket response.

    - ``close_hook`` lets the relay say why before aiohttp closes a connection on its own: a
      frame that is too large (refused from its header, before the payload is read, with a
      1009 close) or a text frame that is not UTF-8 (1007). The hook sends the ``error``.
    - ``on_fragment``, when set before :meth:`prepare`, is called for every fragment frame
      (see :class:`FrameCountingReader`).
    """

    close_hook: Callable[[int], Awaitable[None]] | None = None
    on_fragment: Callable[[], None] | None = None
    frame_reader: FrameCountingReader | None = None  # the parser, once prepared

    def _post_start(self, request: Any, protocol: Any, writer: Any) -> None:
        hook = self.on_fragment
        original = getattr(web_ws, "WebSocketReader", None)
        if hook is None or original is None:
            super()._post_start(request, protocol, writer)
            return

        def make_reader(*args: Any, **kwargs: Any) -> FrameCountingReader:
            reader = FrameCountingReader(*args, **kwargs)
            reader.on_fragment = hook
            self.frame_reader = reader
            return reader

        # aiohttp builds the parser from this module-level name, inside this synchronous
        # call; nothing else can run before it is put back.
        setattr(web_ws, "WebSocketReader", make_reader)  # noqa: B010
        try:
            super()._post_start(request, protocol, writer)
        finally:
            setattr(web_ws, "WebSocketReader", original)  # noqa: B010

    async def close(
        self, *, code: int = WSCloseCode.OK, message: bytes = b"", drain: bool = True
    ) -> bool:
        """Close the socket; for a 1009 or 1007 close, first send the relay's ``error``."""
        hook = self.close_hook
        if (
            code in (WSCloseCode.MESSAGE_TOO_BIG, WSCloseCode.INVALID_TEXT)
            and hook is not None
            and not self.closed
        ):
            self.close_hook = None
            try:
                await hook(code)
            except Exception:  # the socket may already be gone; the close still follows
                logger.debug("could not send the error before closing", exc_info=True)
            if not message:
                message = (
                    b"message too large"
                    if code == WSCloseCode.MESSAGE_TOO_BIG
                    else b"text frames must be UTF-8"
                )
        return await super().close(code=code, message=message, drain=drain)


class PeerConnection:
    """The relay's view of one connected peer.

    Only the connection's reader (the WebSocket handler) and the hub change its fields; only
    :meth:`run_writer` writes to the socket (besides :meth:`send_now`, for the error that
    precedes a close aiohttp makes on its own).
    """

    __slots__ = (
        "_bye_written",
        "_close_queued",
        "_dropped",
        "_limit",
        "_pending_pong",
        "_queue",
        "_queued_bytes",
        "_seen_progress",
        "_stall_since",
        "_tally",
        "_wakeup",
        "_writing",
        "aborted",
        "address",
        "bucket",
        "bye_delivered",
        "close_deadline",
        "close_sent",
        "conn_id",
        "connected_at",
        "frame_reader",
        "join_bucket",
        "json_text",
        "key",
        "last_ping",
        "last_seen",
        "late_frames",
        "late_hook",
        "nonce",
        "peer",
        "progress",
        "remote",
        "rooms",
        "state",
        "transport",
        "ws",
    )

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
        transport: asyncio.Transport | None = None,
        address: str = "",
        join_rate: float = 2.0,
        join_burst: int = 20,
        tally: Tally | None = None,
        dropped: dict[str, int] | None = None,
    ) -> None:
        """Wrap an accepted WebSocket; ``now`` is the event loop's clock.

        ``transport`` is the TCP connection under ``ws`` (what :meth:`abort` cuts), ``address``
        the client address the per-address caps count under, ``tally`` and ``dropped`` the
        shared tallies of frames written and dropped.
        """
        self.ws = ws
        self.transport = transport
        self.conn_id = conn_id  # unique per relay process, for logs
        self.remote = remote  # client address, for logs
        self.address = address or remote  # what the per-address caps count under
        self.state = ConnectionState.AWAITING_HELLO
        self.nonce = secrets.token_bytes(NONCE_LEN)  # signed by the peer in hello
        self.json_text = json_text  # encode frames to this peer as JSON text
        self.peer: str | None = None  # verified peer id, once READY
        self.key: bytes | None = None  # verified Ed25519 public key, once READY
        self.rooms: set[str] = set()  # rooms this connection has joined
        self.connected_at = now
        self.last_seen = now  # last frame of any kind from the peer (pongs included)
        self.last_ping = now  # last heartbeat ping the relay sent
        self.bucket = TokenBucket(rate=rate, burst=burst, now=now)  # every inbound frame
        self.join_bucket = TokenBucket(rate=join_rate, burst=join_burst, now=now)
        self.close_deadline: float | None = None  # set when the relay closes it
        self.aborted = False  # cut off by abort()
        self.late_frames = 0  # frames received after the relay closed it
        self.close_sent = False  # the writer has written the close frame
        self.frame_reader: FrameCountingReader | None = None  # set once prepared
        self.late_hook: Callable[[], None] | None = None  # what frame_reader calls once closed
        self.bye_delivered = False  # a bye was written and the close handshake finished
        self._limit = send_queue_bytes
        self._queue: deque[_Item] = deque()
        self._pending_pong: _Pong | None = None  # a queued pong not yet written
        self._queued_bytes = 0
        self._wakeup = asyncio.Event()
        self._tally: Tally = {} if tally is None else tally
        self._dropped: dict[str, int] = {} if dropped is None else dropped
        self._writing = False  # the writer is inside a write that may wait for the peer
        self._bye_written = False  # the close follows a bye (written once the close is reached)
        self._close_queued = False
        self.progress = 0  # writes finished, for the stall watchdog
        self._seen_progress = -1
        self._stall_since = now

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

    @property
    def queued_bytes(self) -> int:
        """What the queue counts against ``--send-queue-bytes`` now."""
        return self._queued_bytes

    @property
    def writing(self) -> bool:
        """Whether the writer is waiting inside a write (the peer's socket is full)."""
        return self._writing

    def set_state(self, state: ConnectionState) -> None:
        """Move to ``state``, logging ``old -> new``. Once closing, the frame parser reports
        every frame to ``late_hook``."""
        if state is not self.state:
            logger.debug("%r: %s -> %s", self, self.state.value, state.value)
            self.state = state
            reader = self.frame_reader
            if reader is not None and not self.open:
                reader.on_late = self.late_hook

    # --- outbound -----------------------------------------------------------------------------

    def send_frame(self, frame: Frame, kind: str) -> bool:
        """Queue one encoded frame of message type ``kind``. Return False when the queue is
        full (a slow reader).

        Never waits. Frames to a closing connection are dropped (returns True: nothing to do).
        """
        if not self.open:
            return True
        size = len(frame) + ITEM_OVERHEAD
        if self._queued_bytes + size > self._limit and self._queue:
            return False
        self._queue.append((frame, kind))
        self._queued_bytes += size
        self._wakeup.set()
        return True

    def _control(self, item: _Ping | _Pong, size: int) -> bool:
        if not self.open:
            return True
        size += ITEM_OVERHEAD
        if self._queued_bytes + size > self._limit and self._queue:
            return False
        self._queue.append(item)
        self._queued_bytes += size
        self._wakeup.set()
        return True

    def ping(self) -> bool:
        """Queue a WebSocket ping (the heartbeat); False when the queue is full."""
        return self._control(_Ping(), 0)

    def pong(self, data: bytes) -> bool:
        """Queue the answer to a ping from the peer; False when the queue is full.

        A pong still waiting in the queue answers this ping instead, with its payload.
        """
        pending = self._pending_pong
        if pending is not None and self.open:
            self._queued_bytes += len(data) - len(pending.data)
            pending.data = data
            return True
        pong = _Pong(data)
        if not self._control(pong, len(data)):
            return False
        self._pending_pong = pong
        return True

    def close(
        self,
        code: int = WSCloseCode.OK,
        reason: str = "",
        last: tuple[Frame, str] | None = None,
        *,
        deadline: float | None = None,
    ) -> None:
        """Queue ``last`` (an error or bye, with its message type), then the close. Idempotent.

        Anything still queued is dropped first when ``code`` is not a normal close: a peer
        that is refused or too slow does not get the backlog. ``deadline`` (the event loop's
        clock) is when the close must be done; the hub aborts the connection after it.
        """
        if deadline is not None and self.close_deadline is None:
            self.close_deadline = deadline
        if not self.open:
            # Closed without a close queued (cut off, or closed by aiohttp itself): queue one
            # anyway, which ends the writer once it is done with what it is writing.
            if not self._close_queued:
                self._close_queued = True
                self._queue.append(_Close(int(code), reason))
                self._wakeup.set()
            return
        if code not in (WSCloseCode.OK, WSCloseCode.GOING_AWAY):
            self._drop_queue()
        if last is not None:
            self._queue.append(last)
            self._queued_bytes += len(last[0]) + ITEM_OVERHEAD
            # Reaching the close means ``last`` was written just before it.
            self._bye_written = last[1] == "bye"
        self._close_queued = True
        self._queue.append(_Close(int(code), reason))
        self.set_state(ConnectionState.CLOSING)
        self._wakeup.set()

    def stalled(self, now: float, limit: float) -> bool:
        """Whether the writer has had something to write but finished nothing for ``limit``
        seconds. Called by the hub's sweep; cheap, and costs the writer nothing."""
        if self.progress != self._seen_progress or not (self._writing or self._queue):
            self._seen_progress = self.progress
            self._stall_since = now
            return False
        return now - self._stall_since >= limit

    def abort(self) -> None:
        """Cut the TCP connection now, discarding whatever is buffered. Idempotent.

        The reader sees the connection end and the writer's pending write returns, so the
        handler finishes at once instead of waiting for a peer that does not read.
        """
        self.aborted = True
        transport = self.transport
        if transport is None:
            return
        # Linger 0: the kernel resets the connection and frees what it still buffers for the
        # peer now, instead of probing a zero window for minutes.
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError, AttributeError, ValueError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()

    def _drop_queue(self) -> None:
        dropped = self._dropped
        for item in self._queue:
            if type(item) is tuple:
                kind = item[1]
                dropped[kind] = dropped.get(kind, 0) + 1
        self._queue.clear()
        self._queued_bytes = 0
        self._pending_pong = None

    def _wrote(self, kind: str, size: int) -> None:
        counts = self._tally.get(kind)
        if counts is None:
            counts = self._tally[kind] = [0, 0]
        counts[0] += 1
        counts[1] += size

    async def send_now(self, frame: Frame, kind: str) -> None:
        """Write ``frame`` at once, bypassing the queue: for the error that precedes a close
        aiohttp makes on its own (the hub's deadline still applies)."""
        self._writing = True
        try:
            if isinstance(frame, bytes):
                await self.ws.send_bytes(frame)
            else:
                await self.ws.send_str(frame)
        finally:
            self._writing = False
        if not self.aborted:
            self.progress += 1
            self._wrote(kind, len(frame))

    async def run_writer(self) -> None:
        """Drain the queue into the socket until a close is written or the socket fails."""
        ws = self.ws
        queue = self._queue
        tally = self._tally
        send_bytes, send_str = ws.send_bytes, ws.send_str
        try:
            while True:
                if not queue:
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                item = queue.popleft()
                if type(item) is tuple:
                    frame, kind = item
                    size = len(frame)
                    self._queued_bytes -= size + ITEM_OVERHEAD
                    self._writing = True
                    try:
                        if type(frame) is bytes:
                            await send_bytes(frame)
                        else:
                            await send_str(frame)  # type: ignore[arg-type]
                    except BaseException:
                        self._dropped[kind] = self._dropped.get(kind, 0) + 1
                        raise
                    self._writing = False
                    if self.aborted:  # it went into a buffer that abort() threw away
                        self._dropped[kind] = self._dropped.get(kind, 0) + 1
                        continue
                    self.progress += 1
                    try:
                        counts = tally[kind]
                    except KeyError:
                        counts = tally[kind] = [0, 0]
                    counts[0] += 1
                    counts[1] += size
                elif isinstance(item, _Close):  # (not counted in the queue: at most one)
                    # Reasons in close frames are limited to 123 bytes by RFC 6455.
                    reason = item.reason.encode("utf-8")[:123]
                    self._writing = True
                    # ws.close writes the close frame before it first waits, so from here on
                    # the frame is out (or in the socket's buffer).
                    self.close_sent = True
                    await ws.close(code=item.code, message=reason)
                    self._writing = False
                    self.progress += 1
                    if self._bye_written and not self.aborted and ws.exception() is None:
                        self.bye_delivered = True
                    return
                else:
                    self._writing = True
                    if isinstance(item, _Pong):
                        self._pending_pong = None
                        self._queued_bytes -= len(item.data) + ITEM_OVERHEAD
                        await ws.pong(item.data)
                        self._wrote("pong", len(item.data))
                    else:
                        self._queued_bytes -= ITEM_OVERHEAD
                        await ws.ping()
                        self._wrote("ping", 0)
                    self._writing = False
                    self.progress += 1
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the peer vanished mid-write: nothing more can be sent
            logger.debug("%r: writer stopped: %s", self, exc)
        finally:
            self._writing = False
            self._drop_queue()
