"""The msgpack-frame listeners' connection (Unix socket or TCP) of a
:class:`~hypertoken.control.servers.ControlServer`: 4-byte length-prefixed msgpack frames
in, the session's answers out, under the server's admission rules.

Requests are answered as they arrive and the answers to one read go out in one write, so a
pipelining client pays one round trip for a whole batch. An
:class:`~hypertoken.control.connections.AwaitedSession`'s requests go to a queue instead,
answered in order by a worker task that writes whatever is answered whenever the queue
runs dry; the connection ending cancels the worker and its wait.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Protocol, cast

from hypertoken.control import limits
from hypertoken.control.connections import (
    PENDING_REASON,
    AwaitedSession,
    ControlHost,
    ServedSession,
    close_session,
    nodelay,
)
from hypertoken.control.limits import RateWindow, refusal_frame
from hypertoken.protocol.control import FrameReader, encode_frame

__all__ = ["FrameConnection", "FrameServer"]

logger = logging.getLogger("hypertoken.control.servers")


class FrameServer(Protocol):
    """What a frame connection reads of its server (a
    :class:`~hypertoken.control.servers.ControlServer`)."""

    @property
    def host(self) -> ControlHost:
        """Makes each connection's session."""

    @property
    def token(self) -> str | None:
        """The token a first auth frame must carry (None: no auth)."""

    @property
    def max_frame(self) -> int:
        """The largest request body, in bytes."""

    @property
    def rate_limit(self) -> int:
        """Requests per second per connection (0: no limit)."""

    @property
    def max_pending(self) -> int:
        """Requests that may queue behind a waiting one."""

    @property
    def clock(self) -> Callable[[], float]:
        """The monotonic clock of the rate limit."""

    @property
    def _ids(self) -> Iterator[int]:
        """Connection numbers, for the log."""

    @property
    def _slots(self) -> limits.ConnectionSlots:
        """The connection cap."""

    @property
    def _frames(self) -> set[FrameConnection]:
        """The open frame connections (shutdown closes them)."""


class _Refusal:
    """A last error frame queued behind an awaited session's answers: write it, then close."""

    __slots__ = ("frame", "why")

    def __init__(self, frame: bytes, why: str) -> None:
        self.frame = frame
        self.why = why


class FrameConnection(asyncio.Protocol):
    """One msgpack-frame connection (Unix or TCP): a FrameReader in, one write per read out.

    With an :class:`AwaitedSession` the bodies go to a queue instead, and a worker task
    answers them in order, writing whatever is answered whenever the queue runs dry.
    """

    def __init__(self, server: FrameServer, kind: str) -> None:
        self._server = server
        self._kind = kind
        self._reader = FrameReader(server.max_frame)
        self._rate = RateWindow(server.rate_limit)
        self._clock = server.clock
        self._transport: asyncio.Transport | None = None
        self._session: ServedSession | None = None  # after auth, when there is a token
        self._awaited: AwaitedSession | None = None  # the session, when it may wait
        self._queue: asyncio.Queue[bytes | _Refusal] | None = None  # bodies for _worker
        self._worker: asyncio.Task[None] | None = None
        self._admitted = False  # holds one of the server's connection slots
        self._done = False  # no more requests are read on this connection
        self._why = "client closed"
        self._name = kind

    # asyncio calls these four.

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream server's transport: uvloop's is not an asyncio.Transport subclass.
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        server = self._server
        nodelay(transport.get_extra_info("socket"))
        peer = transport.get_extra_info("peername")
        where = f" from {peer[0]}:{peer[1]}" if isinstance(peer, tuple) and peer else ""
        self._name = f"{self._kind}#{next(server._ids)}{where}"
        refused = server._slots.take()
        if refused is not None:
            logger.info("refused %s: %s", self._name, refused)
            self._done = True
            transport.write(refusal_frame(limits.TOO_MANY_CONNECTIONS, refused))
            transport.close()
            return
        self._admitted = True
        server._frames.add(self)
        if server.token is None:
            self._open_session()
        logger.info("opened %s (%d open)", self._name, server._slots.count)

    def _open_session(self) -> None:
        session = self._server.host.session(require_ids=True)
        if isinstance(session, AwaitedSession):
            self._awaited = session
            self._queue = asyncio.Queue()
            self._worker = asyncio.get_running_loop().create_task(self._work())
        else:
            self._session = session

    def data_received(self, data: bytes) -> None:
        if self._done:
            return
        reader = self._reader
        bodies = reader.feed(data)
        if not bodies:
            if reader.error is not None:  # a header announcing an oversized frame
                self._refuse(encode_frame(reader.error.response()), [], "oversized frame")
            return
        limited = self._server.rate_limit
        now = self._clock() if limited else 0.0
        out: list[bytes] = []
        for body in bodies:
            if limited and not self._rate.allow(now):
                message = f"{limits.RATE_LIMIT_REASON}: at most {limited} requests per second"
                frame = refusal_frame(limits.RATE_LIMITED, message, limits.peek_id(body))
                self._refuse(frame, out, "rate limit exceeded")
                return
            queue = self._queue
            if queue is not None:
                if queue.qsize() >= self._server.max_pending:
                    self._overflow(body)
                    return
                queue.put_nowait(body)
                continue
            if self._session is None:  # the server has a token: this must be the auth frame
                refusal = limits.check_auth_frame(self._server.token, body)
                if refusal is not None:
                    self._refuse(refusal, out, "bad or missing token")
                    return
                self._open_session()
                if self._queue is not None:
                    self._queue.put_nowait(body)
                    continue
            out.append(self._answer(body))
        if reader.error is not None:  # answered what came before the oversized header
            self._refuse(encode_frame(reader.error.response()), out, "oversized frame")
            return
        if out:
            assert self._transport is not None
            self._transport.write(out[0] if len(out) == 1 else b"".join(out))

    def pause_writing(self) -> None:
        # The client sends faster than it reads its answers: stop reading its requests until
        # the answers drain, so the buffer of unread answers stays bounded.
        if self._transport is not None and not self._done:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        if self._transport is not None and not self._done:
            self._transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self._done = True
        if not self._admitted:  # refused at accept: it never held a slot
            return
        self._admitted = False
        server = self._server
        server._frames.discard(self)
        if self._worker is not None:
            self._worker.cancel()  # and with it any wait of the session's
            self._worker = None
        session: ServedSession | AwaitedSession | None = self._session or self._awaited
        self._session = self._awaited = None
        if session is not None:
            close_session(session, self._name)
        server._slots.give_back()
        why = f"connection lost ({exc})" if exc is not None else self._why
        logger.info("closed %s: %s (%d open)", self._name, why, server._slots.count)

    # The server calls these two on shutdown.

    def finish(self, why: str) -> None:
        """Read no more requests; close once the answers already written are sent."""
        if self._transport is not None and not self._transport.is_closing():
            self._done = True
            self._why = why
            self._transport.close()

    def abort(self) -> None:
        """Close now, dropping unsent answers (shutdown timed out)."""
        if self._transport is not None:
            self._transport.abort()

    # ----

    def _refuse(self, frame: bytes, before: list[bytes], why: str) -> None:
        """Send the answers so far and a last error frame, then close (an awaited session:
        after the answers still queued)."""
        assert self._transport is not None
        self._done = True
        if self._queue is not None:
            self._queue.put_nowait(_Refusal(frame, why))
            return
        self._why = why
        self._transport.write(b"".join([*before, frame]))
        self._transport.close()

    def _overflow(self, body: bytes) -> None:
        """Over ``max_pending`` requests queued behind a wait: one error frame, then close
        (the wait is cancelled; the requests queued get no answer)."""
        assert self._transport is not None
        self._done = True
        limit = self._server.max_pending
        self._why = f"over {limit} requests waiting"
        if self._worker is not None:
            self._worker.cancel()
        message = (
            f"{PENDING_REASON}: at most {limit} requests may wait behind one that waits "
            "(read the answers before sending more)"
        )
        self._transport.write(refusal_frame(limits.RATE_LIMITED, message, limits.peek_id(body)))
        self._transport.close()

    async def _work(self) -> None:
        """Answer the queued bodies in order (the awaited path); cancelled at the end."""
        queue, session, transport = self._queue, self._awaited, self._transport
        assert queue is not None and session is not None and transport is not None
        out: list[bytes] = []
        while True:
            item = await queue.get()
            if isinstance(item, _Refusal):
                self._why = item.why
                transport.write(b"".join([*out, item.frame]))
                transport.close()
                return
            try:
                out.append(await session.answer_msgpack(item))
            except Exception:  # the session answers bad input itself: this is a bug
                logger.exception(
                    "the control session failed on a msgpack request of %s", self._name
                )
                out.append(
                    refusal_frame(limits.INTERNAL, limits.INTERNAL_MESSAGE, limits.peek_id(item))
                )
            if queue.empty():
                transport.write(out[0] if len(out) == 1 else b"".join(out))
                out.clear()

    def _answer(self, body: bytes) -> bytes:
        assert self._session is not None
        try:
            return self._session.handle_msgpack(body)
        except Exception:  # the session answers bad input itself: this is a bug
            logger.exception("the control session failed on a msgpack request of %s", self._name)
            return refusal_frame(limits.INTERNAL, limits.INTERNAL_MESSAGE, limits.peek_id(body))
