"""The relay's aiohttp application, its HTTP endpoints, and its lifecycle.

Routes:

- ``GET /ws``: the WebSocket peers connect to (``?format=json`` for JSON text frames)
- ``GET /health``: liveness, always 200 while the process serves HTTP
- ``GET /ready``: 200 while accepting peers, 503 once shutdown has begun
- ``GET /metrics``: Prometheus text exposition

Lifecycle: :func:`serve` runs until its ``shutdown`` event is set (SIGTERM and SIGINT only set
that event). Shutdown then sends ``bye`` to every peer, waits up to ``shutdown_timeout`` for the
connections to close, and stops the HTTP server.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import WSMsgType, web

from hypertoken.protocol import RELAY_PROTOCOL_VERSION
from relay.config import RelayConfig
from relay.connection import PeerConnection, RelayWebSocket
from relay.hub import Hub
from relay.logs import configure_logging, log_event
from relay.metrics import CONTENT_TYPE

logger = logging.getLogger(__name__)

RELAY_SERVER_KEY: web.AppKey[RelayServer] = web.AppKey("relay_server")
"""Where :func:`create_app` stores the :class:`RelayServer` in its application."""


class RelayServer:
    """One relay: the hub, the aiohttp application, and the tasks they run."""

    def __init__(self, config: RelayConfig) -> None:
        """Build the hub and the application; nothing runs until the app starts."""
        self.config = config
        self.hub = Hub(config)
        self.started = time.monotonic()
        self._conn_ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._handlers = 0
        self._idle = asyncio.Event()  # set while no WebSocket handler is running
        self._idle.set()
        self._sweep_handle: asyncio.TimerHandle | None = None
        self._shutdown_done = False
        app = web.Application()
        app[RELAY_SERVER_KEY] = self
        app.router.add_get("/ws", self._websocket)
        app.router.add_get("/health", self._health)
        app.router.add_get("/ready", self._ready)
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/", self._index)
        app.on_startup.append(self._on_startup)
        app.on_shutdown.append(self._on_shutdown)
        self.app = app

    # --- tasks and timers ---------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def sweep_interval(self) -> float:
        """Seconds between timeout checks: a quarter of the shortest timeout."""
        cfg = self.config
        return max(0.01, min(cfg.heartbeat, cfg.idle_timeout, cfg.hello_timeout) / 4)

    def _schedule_sweep(self) -> None:
        loop = asyncio.get_running_loop()
        self._sweep_handle = loop.call_later(self.sweep_interval, self._sweep)

    def _sweep(self) -> None:
        try:
            self.hub.sweep(asyncio.get_running_loop().time())
        except Exception:
            logger.exception("relay bug in the timeout sweep")
        if not self.hub.closing:
            self._schedule_sweep()

    async def _on_startup(self, app: web.Application) -> None:
        self._schedule_sweep()
        log_event(
            logger,
            logging.INFO,
            "started",
            protocol=RELAY_PROTOCOL_VERSION,
            auth=self.config.token is not None,
            max_message_bytes=self.config.max_message_bytes,
        )

    async def _on_shutdown(self, app: web.Application) -> None:
        await self.shutdown()

    async def shutdown(self) -> None:
        """Say ``bye`` to every peer and wait (bounded) for their connections to close."""
        if self._shutdown_done:
            return
        self._shutdown_done = True
        if self._sweep_handle is not None:
            self._sweep_handle.cancel()
        peers = len(self.hub.connections)
        self.hub.shutdown()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=self.config.shutdown_timeout)
        except asyncio.TimeoutError:
            logger.warning("%d connections still open after the shutdown timeout", self._handlers)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=1.0)
        log_event(logger, logging.INFO, "stopped", peers_said_bye=peers)

    # --- HTTP endpoints -----------------------------------------------------------------------

    async def _health(self, request: web.Request) -> web.Response:
        hub = self.hub
        return web.json_response(
            {
                "status": "ok",
                "protocol": RELAY_PROTOCOL_VERSION,
                "uptime": round(time.monotonic() - self.started, 3),
                "peers": len(hub.peers),
                "connections": len(hub.connections),
                "rooms": len(hub.rooms),
            }
        )

    async def _ready(self, request: web.Request) -> web.Response:
        if self.hub.closing:
            return web.json_response({"ready": False, "reason": "shutting down"}, status=503)
        return web.json_response({"ready": True})

    async def _metrics(self, request: web.Request) -> web.Response:
        response = web.Response(body=self.hub.metrics.render())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    async def _index(self, request: web.Request) -> web.Response:
        return web.Response(
            text="HyperToken relay. Peers connect to the WebSocket at /ws; see also /health, "
            "/ready and /metrics.\n"
        )

    # --- WebSocket ----------------------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        cfg = self.config
        ws = RelayWebSocket(
            max_msg_size=cfg.max_message_bytes,
            autoping=False,  # pings and pongs reach the hub: they count as activity
            compress=False,  # CPU per frame and decompression bombs are not worth it here
            timeout=max(0.5, min(5.0, cfg.shutdown_timeout)),  # wait for the peer's close reply
        )
        if not ws.can_prepare(request).ok:
            return web.Response(
                status=426,
                text="connect with a WebSocket client to /ws\n",
                headers={"Upgrade": "websocket"},
            )
        await ws.prepare(request)
        loop = asyncio.get_running_loop()
        conn = PeerConnection(
            ws,
            conn_id=next(self._conn_ids),
            remote=request.remote or "?",
            now=loop.time(),
            rate=cfg.rate,
            burst=cfg.burst,
            send_queue_bytes=cfg.send_queue_bytes,
            json_text=request.query.get("format") == "json",
        )
        ws.too_large_frame = lambda: self.hub.too_large_error(conn)
        self._handlers += 1
        self._idle.clear()
        writer = self._spawn(conn.run_writer())
        try:
            if self.hub.accept(conn):
                await self._read(ws, conn, loop.time)
        except Exception:
            logger.exception("relay bug in the WebSocket reader of %r", conn)
        finally:
            try:
                self.hub.on_gone(conn)
                done, _ = await asyncio.wait({writer}, timeout=cfg.shutdown_timeout + 1.0)
                if not done:
                    writer.cancel()
            finally:  # also when aiohttp cancels this handler because the peer vanished
                self._handlers -= 1
                if self._handlers == 0:
                    self._idle.set()
        return ws

    async def _read(
        self, ws: web.WebSocketResponse, conn: PeerConnection, clock: Callable[[], float]
    ) -> None:
        hub = self.hub
        while True:
            msg = await ws.receive()
            kind = msg.type
            if kind is WSMsgType.BINARY or kind is WSMsgType.TEXT:
                hub.on_frame(conn, msg.data, clock())
            elif kind is WSMsgType.PING:
                conn.last_seen = clock()
                conn.pong(msg.data)
            elif kind is WSMsgType.PONG:
                conn.last_seen = clock()
            else:  # CLOSE, CLOSING, CLOSED or ERROR: the socket is done
                return


def create_app(config: RelayConfig | None = None) -> web.Application:
    """Return the relay's aiohttp application; the :class:`RelayServer` is in
    ``app[RELAY_SERVER_KEY]``."""
    return RelayServer(config or RelayConfig()).app


async def serve(
    config: RelayConfig,
    *,
    shutdown: asyncio.Event | None = None,
    on_listening: Callable[[int], None] | None = None,
) -> None:
    """Run the relay until ``shutdown`` is set, then close gracefully.

    ``on_listening`` receives the bound port (useful with ``port=0`` in tests).
    """
    shutdown = shutdown or asyncio.Event()
    server = RelayServer(config)
    runner = web.AppRunner(server.app, access_log=None, shutdown_timeout=config.shutdown_timeout)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    port = config.port
    addresses = runner.addresses
    if addresses and isinstance(addresses[0], tuple):
        port = int(addresses[0][1])
    log_event(logger, logging.INFO, "listening", host=config.host, port=port)
    if on_listening is not None:
        on_listening(port)
    try:
        await shutdown.wait()
    finally:
        await server.shutdown()
        await runner.cleanup()


def run(config: RelayConfig) -> None:
    """Configure logging and run the relay until SIGTERM or SIGINT (blocking)."""
    configure_logging(config.log_format, config.log_level)

    async def main() -> None:
        shutdown = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            # Signals only set the event; the shutdown itself runs in serve().
            with contextlib.suppress(NotImplementedError, RuntimeError):  # no signals on Windows
                loop.add_signal_handler(sig, shutdown.set)
        await serve(config, shutdown=shutdown)

    # uvloop roughly halves the relay's per-message overhead; plain asyncio is the
    # fallback (Windows, or an image built without it).
    try:
        import uvloop
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())
