"""The control socket's asyncio transports: WebSocket JSON and HTTP on aiohttp, msgpack frames
over a Unix socket and TCP.

:class:`ControlServer` puts one host (:class:`ControlHost`: ``hypertoken serve``'s
:class:`~hypertoken.control.host.EnvHost`, or a peer daemon's room host) behind every
listener. Each connection gets its own session (``host.session()``), closed when the
connection ends; the transports only move bytes and apply the admission rules of
:mod:`hypertoken.control.limits`.

Two kinds of session:

- a :class:`ServedSession` answers at once (``handle_json``, ``handle_msgpack``: the
  sans-IO :class:`~hypertoken.control.session.ControlSession`), on the fast path below;
- an :class:`AwaitedSession` may wait before it answers (``answer_json``,
  ``answer_msgpack`` are coroutines: a room's seat waits for its turn). The server answers
  one connection's requests one at a time, in order: requests pipelined behind a waiting
  one queue (at most ``max_pending``; more closes the connection with an error, since a
  client that cannot wait for its answers would otherwise grow the queue without bound),
  and the connection ending cancels the wait. The connection is read all the while, so a
  client that goes away is seen at once.

Listeners:

- ``ws://HOST:PORT`` (any path): one JSON request per text frame, one response each, in
  order. Plain HTTP: ``GET /health`` (``host.health()``), ``GET /ready`` (200, 503 once
  shutdown has begun); anything else 426.
- ``unix://PATH`` and ``msgpack+tcp://HOST:PORT``: 4-byte length-prefixed msgpack frames.
  Requests are answered as they arrive and the answers to one read go out in one write, so a
  pipelining client pays one round trip for a whole batch.

Admission is the same on every transport (:mod:`hypertoken.control.limits`): a refused
WebSocket is closed with a code and reason, a refused msgpack connection gets one error frame.

:func:`run` is the blocking entry point (uvloop where available; SIGINT and SIGTERM only set
the shutdown event); :func:`serve` is the same as a coroutine.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMessage, WSMsgType, web

from hypertoken.control import limits
from hypertoken.control.connections import (
    MAX_PENDING,
    PENDING_REASON,
    AwaitedSession,
    ControlHost,
    ServedSession,
    close_session,
    nodelay,
)
from hypertoken.control.frames import FrameConnection
from hypertoken.control.limits import RateWindow, error_response
from hypertoken.protocol.control import (
    MAX_FRAME_BYTES,
    encode_json,
)

__all__ = ["AwaitedSession", "ControlHost", "ControlServer", "ServedSession", "run", "serve"]

logger = logging.getLogger(__name__)

UPGRADE_REQUIRED = "WebSocket connection required. Use ws:// protocol."
"""The body of the 426 answer to plain HTTP on the WebSocket port (the old bridge's words)."""


def _url(scheme: str, host: str, port: int) -> str:
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


class _ControlWebSocket(web.WebSocketResponse):
    """aiohttp closes an oversized message's connection with 1009 and no reason; this adds
    the limit to the reason, so the client's error says what to change."""

    reason_too_big = b""

    async def close(self, *, code: int = 1000, message: bytes = b"", drain: bool = True) -> bool:
        if code == limits.CLOSE_TOO_BIG and not message:
            message = self.reason_too_big
        return await super().close(code=code, message=message, drain=drain)


class ControlServer:
    """The control socket's listeners around one host (:class:`ControlHost`).

    ``host_addr``/``port`` is the WebSocket listener (``port=0`` picks a free port, None:
    no WebSocket listener);
    ``unix`` a Unix socket path and ``msgpack_port`` a TCP port for msgpack frames (None:
    no such listener). ``token`` (None: no auth), ``max_connections`` (0: no cap) and
    ``rate_limit`` (messages per second per connection, 0: no limit) apply to every
    transport. The server owns ``host``: :meth:`close` closes it. ``max_frame`` is the
    largest request frame in bytes, ``shutdown_timeout`` how long :meth:`close` waits for
    connections to end, ``clock`` the monotonic seconds the rate limit counts in.
    ``max_pending``: requests a connection may queue behind one that waits (awaited
    sessions only).
    """

    def __init__(
        self,
        host: ControlHost,
        *,
        host_addr: str = "127.0.0.1",
        port: int | None = 9999,
        unix: str | os.PathLike[str] | None = None,
        msgpack_port: int | None = None,
        token: str | None = None,
        max_connections: int = 10,
        rate_limit: int = 0,
        max_frame: int = MAX_FRAME_BYTES,
        shutdown_timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        max_pending: int = MAX_PENDING,
    ) -> None:
        """Configure the listeners; nothing is bound until :meth:`start`."""
        self.host = host
        self.host_addr = host_addr
        self.port = port
        self.unix = Path(unix) if unix is not None else None
        self.msgpack_port = msgpack_port
        self.token = token
        self.rate_limit = max(0, rate_limit)
        self.max_frame = max_frame
        self.shutdown_timeout = shutdown_timeout
        self.clock = clock
        self.max_pending = max(1, max_pending)
        self.urls: list[str] = []
        self._ids = itertools.count(1)
        self._slots = limits.ConnectionSlots(max_connections)
        self._websockets: set[web.WebSocketResponse] = set()
        self._frames: set[FrameConnection] = set()
        self._runner: web.ServerRunner | None = None
        self._frame_servers: list[asyncio.AbstractServer] = []
        self._unix_inode: int | None = None
        self._started = False
        self._closed: asyncio.Future[None] | None = None

    @property
    def ready(self) -> bool:
        """True from :meth:`start` until shutdown begins (``GET /ready``)."""
        return self._started and not self._slots.closing

    @property
    def connections(self) -> int:
        """Connections admitted and still open, on every transport."""
        return self._slots.count

    # ---- lifecycle ---------------------------------------------------------------------

    async def start(self) -> list[str]:
        """Bind every listener and return their URLs (WebSocket first, then unix, then TCP).

        On failure (a port in use, say) whatever was bound is closed again and the error is
        raised.
        """
        if self._started:
            return list(self.urls)
        self._started = True
        loop = asyncio.get_running_loop()
        try:  # aiohttp's low-level server: no router, one handler for every request
            if self.port is not None:
                server = web.Server(self._http, access_log=None)
                self._runner = web.ServerRunner(server, shutdown_timeout=1.0)
                await self._runner.setup()
                site = web.TCPSite(self._runner, self.host_addr, self.port)
                await site.start()
                port = self.port
                for address in self._runner.addresses:
                    if isinstance(address, tuple):
                        port = int(address[1])
                        break
                self.urls.append(_url("ws", self.host_addr, port))
            if self.unix is not None:
                unix = await loop.create_unix_server(
                    lambda: FrameConnection(self, "unix"), path=str(self.unix)
                )
                self._frame_servers.append(unix)
                self._unix_inode = os.stat(self.unix).st_ino
                self.urls.append(f"unix://{self.unix}")
            if self.msgpack_port is not None:
                tcp = await loop.create_server(
                    lambda: FrameConnection(self, "tcp"), self.host_addr, self.msgpack_port
                )
                self._frame_servers.append(tcp)
                bound = int(tcp.sockets[0].getsockname()[1])
                self.urls.append(_url("msgpack+tcp", self.host_addr, bound))
        except BaseException:
            await self.close()
            raise
        for url in self.urls:
            logger.debug("listening on %s", url)
        return list(self.urls)

    async def close(self) -> None:
        """Shut down gracefully; idempotent (a second call waits for the first).

        In order: stop accepting, close every connection (WebSocket 1001, msgpack after its
        pending answers are written), wait up to ``shutdown_timeout`` for them to end, close
        the host (which flushes recordings), and remove the unix socket file.
        """
        if self._closed is not None:
            await asyncio.shield(self._closed)
            return
        self._closed = asyncio.get_running_loop().create_future()
        self._slots.closing = True
        try:
            await self._shutdown()
        finally:
            self._closed.set_result(None)

    async def _shutdown(self) -> None:
        for srv in self._frame_servers:
            srv.close()
        runner = self._runner
        if runner is not None:
            for site in list(runner.sites):
                await site.stop()
        reason = limits.SHUTTING_DOWN_REASON.encode()
        await asyncio.gather(
            *(
                ws.close(code=limits.CLOSE_GOING_AWAY, message=reason)
                for ws in list(self._websockets)
            ),
            return_exceptions=True,
        )
        for conn in list(self._frames):
            conn.finish("server shutting down")
        if not await self._slots.wait_idle(self.shutdown_timeout):
            logger.warning(
                "%d connections still open after %.1f s: cutting them off",
                self._slots.count,
                self.shutdown_timeout,
            )
            for conn in list(self._frames):
                conn.abort()
        if runner is not None:
            await runner.cleanup()
        for srv in self._frame_servers:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(srv.wait_closed(), self.shutdown_timeout)
        try:
            self.host.close()
        except Exception:
            logger.exception("closing the env host failed")
        self._unlink_unix()
        logger.info("control server closed")

    def _unlink_unix(self) -> None:
        # Only the file this server bound: another server may have taken the path since.
        if self.unix is None or self._unix_inode is None:
            return
        with contextlib.suppress(FileNotFoundError):
            if os.stat(self.unix).st_ino == self._unix_inode:
                self.unix.unlink()
        self._unix_inode = None

    # ---- HTTP and WebSocket ------------------------------------------------------------

    async def _http(self, request: web.BaseRequest) -> web.StreamResponse:
        ws = _ControlWebSocket(
            max_msg_size=self.max_frame, compress=False, timeout=self.shutdown_timeout
        )
        ws.reason_too_big = limits.too_large_reason(self.max_frame).encode()
        if ws.can_prepare(request).ok:
            return await self._websocket(request, ws)
        if request.method in ("GET", "HEAD"):
            if request.path == "/health":
                return web.json_response(self.host.health())
            if request.path == "/ready":
                return web.json_response({"ready": self.ready}, status=200 if self.ready else 503)
        return web.Response(
            status=426,
            text=UPGRADE_REQUIRED,
            headers={"Upgrade": "websocket", "Connection": "Upgrade"},
        )

    async def _websocket(
        self, request: web.BaseRequest, ws: _ControlWebSocket
    ) -> web.StreamResponse:
        await ws.prepare(request)
        transport = request.transport
        nodelay(transport.get_extra_info("socket") if transport is not None else None)
        conn = f"ws#{next(self._ids)} from {request.remote or '?'}"
        refused = self._slots.take()
        if refused is not None:
            code = limits.CLOSE_GOING_AWAY if self._slots.closing else limits.CLOSE_TRY_AGAIN
            logger.info("refused %s: %s", conn, refused)
            await ws.close(code=code, message=refused.encode())
            return ws
        try:
            given = request.query.get("token") or request.headers.get("x-api-token")
            if not limits.token_matches(self.token, given):
                logger.info("refused %s: bad or missing token", conn)
                await ws.close(
                    code=limits.CLOSE_UNAUTHORIZED, message=limits.UNAUTHORIZED_REASON.encode()
                )
                return ws
            session = self.host.session(require_ids=False)
            self._websockets.add(ws)
            logger.info("opened %s (%d open)", conn, self._slots.count)
            why = "client closed"
            try:
                if isinstance(session, AwaitedSession):
                    why = await self._serve_websocket_awaited(ws, session)
                else:
                    why = await self._serve_websocket(ws, session)
            finally:
                self._websockets.discard(ws)
                close_session(session, conn)
                logger.info("closed %s: %s (%d open)", conn, why, self._slots.count - 1)
        finally:
            self._slots.give_back()
        return ws

    async def _serve_websocket(self, ws: web.WebSocketResponse, session: ServedSession) -> str:
        """Answer frames until the connection ends; return why it ended."""
        rate = RateWindow(self.rate_limit)
        clock = self.clock
        try:
            while True:
                msg = await ws.receive()
                kind = msg.type
                if kind is WSMsgType.TEXT or kind is WSMsgType.BINARY:
                    if self.rate_limit and not rate.allow(clock()):
                        return await _close_rate_limited(ws)
                    if kind is WSMsgType.TEXT:
                        reply = self._answer_json(session, msg.data)
                    else:
                        reply = limits.BINARY_FRAME_ANSWER
                    await ws.send_str(reply)
                else:
                    ended = self._ended(msg)
                    if ended is not None:
                        return ended
        except (ConnectionError, RuntimeError) as exc:  # the peer vanished mid-send
            return f"connection lost ({exc})"

    def _ended(self, msg: WSMessage) -> str | None:
        """Why a frame that is not a request ends the connection (None: read on)."""
        kind = msg.type
        if kind is WSMsgType.ERROR:
            return f"error: {msg.data}"
        if kind in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
            return "server shutting down" if self._slots.closing else "client closed"
        return None

    @staticmethod
    def _answer_json(session: ServedSession, text: str) -> str:
        try:
            return session.handle_json(text)
        except Exception:  # the session answers bad input itself: this is a bug
            logger.exception("the control session failed on a JSON request")
            return _INTERNAL_JSON

    async def _serve_websocket_awaited(
        self, ws: web.WebSocketResponse, session: AwaitedSession
    ) -> str:
        """As :meth:`_serve_websocket` for a session that may wait: this reads, a worker
        answers in order; the connection ending cancels the worker (and its wait)."""
        rate = RateWindow(self.rate_limit)
        clock = self.clock
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        worker = asyncio.create_task(_answer_websocket(ws, session, queue))
        try:
            while True:
                msg = await ws.receive()
                kind = msg.type
                if kind is WSMsgType.TEXT or kind is WSMsgType.BINARY:
                    if self.rate_limit and not rate.allow(clock()):
                        return await _close_rate_limited(ws)
                    if queue.qsize() >= self.max_pending:
                        worker.cancel()
                        await ws.close(code=limits.CLOSE_POLICY, message=PENDING_REASON.encode())
                        return f"over {self.max_pending} requests waiting"
                    queue.put_nowait(msg.data if kind is WSMsgType.TEXT else None)
                else:
                    ended = self._ended(msg)
                    if ended is not None:
                        return ended
        except (ConnectionError, RuntimeError) as exc:  # the peer vanished mid-send
            return f"connection lost ({exc})"
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)


#: What a connection gets when its session fails on a JSON request (a bug).
_INTERNAL_JSON = encode_json(error_response(limits.INTERNAL, limits.INTERNAL_MESSAGE))


async def _close_rate_limited(ws: web.WebSocketResponse) -> str:
    """Close a connection over the rate limit (policy violation); why it ended."""
    await ws.close(code=limits.CLOSE_POLICY, message=limits.RATE_LIMIT_REASON.encode())
    return "rate limit exceeded"


async def _answer_websocket(
    ws: web.WebSocketResponse, session: AwaitedSession, queue: asyncio.Queue[str | None]
) -> None:
    """Answer one WebSocket's queued frames in order (None: a binary frame)."""
    while True:
        text = await queue.get()
        if text is None:
            reply = limits.BINARY_FRAME_ANSWER
        else:
            try:
                reply = await session.answer_json(text)
            except Exception:  # the session answers bad input itself: this is a bug
                logger.exception("the control session failed on a JSON request")
                reply = _INTERNAL_JSON
        try:
            await ws.send_str(reply)
        except (ConnectionError, RuntimeError):  # the reader sees the connection end
            return


# ---- entry points ------------------------------------------------------------------------


async def serve(
    server: ControlServer,
    *,
    shutdown: asyncio.Event,
    on_start: Callable[[list[str]], Any] | None = None,
) -> None:
    """Start ``server``, call ``on_start`` with its URLs, wait for ``shutdown``, then close
    it gracefully (also when starting fails)."""
    try:
        urls = await server.start()
        if on_start is not None:
            on_start(urls)
        await shutdown.wait()
    finally:
        await server.close()


def run(server: ControlServer, *, on_start: Callable[[list[str]], Any] | None = None) -> None:
    """Serve until SIGINT or SIGTERM (blocking), on uvloop where it is installed."""

    async def main() -> None:
        shutdown = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            # Signals only set the event; serve() does the shutdown itself.
            with contextlib.suppress(NotImplementedError, RuntimeError):  # no signals on Windows
                loop.add_signal_handler(sig, shutdown.set)
        await serve(server, shutdown=shutdown, on_start=on_start)

    try:
        import uvloop
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())
