"""The relay's aiohttp application, its HTTP endpoints, and its lifecycle.

Routes:

- ``GET /ws``: the WebSocket peers connect to (``?format=json`` for JSON text frames)
- ``GET /health``: liveness, always 200 while the process serves HTTP
- ``GET /ready``: 200 while accepting peers, 503 once shutdown has begun
- ``GET /metrics``: Prometheus text exposition

Lifecycle: :func:`serve` runs until its ``shutdown`` event is set (SIGTERM and SIGINT only set
that event). Shutdown then sends ``bye`` to every peer, waits up to ``shutdown_timeout`` for the
connections to close, cuts off those still open, and stops the HTTP server.

Run the application with :class:`RelayRunner` (as :func:`serve` does): it puts the
:class:`~relay.gate.ConnectionGate` in front of HTTP, which counts and caps TCP connections at
accept. Under a plain :class:`aiohttp.web.AppRunner` the relay works without those caps.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import signal
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import WSMsgType, web

from hypertoken.protocol import RELAY_PROTOCOL_VERSION, Error
from relay.config import RelayConfig
from relay.connection import PeerConnection, RelayWebSocket
from relay.gate import ConnectionGate, client_address
from relay.hub import Hub
from relay.logs import configure_logging, log_event
from relay.metrics import CONTENT_TYPE

logger = logging.getLogger(__name__)

RELAY_SERVER_KEY: web.AppKey[RelayServer] = web.AppKey("relay_server")
"""Where :func:`create_app` stores the :class:`RelayServer` in its application."""

YIELD_EVERY = 256
"""Frames one connection's reader handles before it lets other connections run."""


def connection_cap(config: RelayConfig) -> int:
    """The TCP connection cap: ``--max-connections``, or by default ``--max-peers`` + 100 kept
    under the process's open-file limit (64 descriptors spare for everything else)."""
    if config.max_connections:
        return config.max_connections
    cap = config.max_peers + 100
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):  # no such limit here (Windows)
        return cap
    if soft != resource.RLIM_INFINITY and soft > 0:
        cap = min(cap, max(16, soft - 64))
    return cap


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


class RelayServer:
    """One relay: the hub, the gate, the aiohttp application, and the tasks they run."""

    def __init__(self, config: RelayConfig) -> None:
        """Build the hub and the application; nothing runs until the app starts."""
        self.config = config
        self.hub = Hub(config, clock=_loop_time)
        self.max_connections = connection_cap(config)
        self.gate = ConnectionGate(
            max_connections=self.max_connections,
            max_per_address=config.max_connections_per_address,
            http_timeout=config.http_timeout,
            metrics=self.hub.metrics,
            connect_rate=config.connect_rate,
            connect_burst=config.connect_burst,
        )
        self.hub.metrics.gauge(
            "hypertoken_relay_tcp_connections",
            "Open TCP connections, HTTP and WebSocket, counted at accept.",
            lambda: len(self.gate),
        )
        self.started = time.monotonic()
        self._conn_ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._handlers = 0
        self._idle = asyncio.Event()  # set while no WebSocket handler is running
        self._idle.set()
        self._sweep_handle: asyncio.TimerHandle | None = None
        self._shutdown_done = False
        # keepalive_timeout: a keep-alive connection whose next request does not arrive
        # within the HTTP timeout is closed (the gate times the first request).
        app = web.Application(handler_args={"keepalive_timeout": config.http_timeout})
        app[RELAY_SERVER_KEY] = self
        app.on_response_prepare.append(self._on_response_prepare)
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
        shortest = min(cfg.heartbeat, cfg.idle_timeout, cfg.hello_timeout, cfg.write_timeout)
        return max(0.01, shortest / 4)

    @property
    def close_timeout(self) -> float:
        """Seconds a close waits for the peer's close reply (within the write deadline)."""
        cfg = self.config
        return max(0.05, min(5.0, cfg.shutdown_timeout, cfg.write_timeout))

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
            max_connections=self.max_connections,
        )

    async def _on_response_prepare(self, request: web.Request, response: Any) -> None:
        self.gate.served(request.protocol)

    async def _on_shutdown(self, app: web.Application) -> None:
        await self.shutdown()

    async def shutdown(self) -> None:
        """Say ``bye`` to every peer and wait (bounded) for their connections to close."""
        if self._shutdown_done:
            return
        self._shutdown_done = True
        if self._sweep_handle is not None:
            self._sweep_handle.cancel()
        targets = list(self.hub.connections)
        self.hub.shutdown()
        aborted = 0
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=self.config.shutdown_timeout)
        except asyncio.TimeoutError:
            # Peers that did not read their bye (or answer its close) in time, and HTTP
            # connections that did not finish: cut them off, so the shutdown takes the
            # timeout and no longer.
            aborted = self.hub.abort_all("shutdown")
            logger.warning("%d connections still open after the shutdown timeout", aborted)
            self.gate.abort_all()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._idle.wait(), timeout=1.0)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=1.0)
        self.hub.metrics.flush()
        log_event(
            logger,
            logging.INFO,
            "stopped",
            peers=len(targets),
            peers_said_bye=sum(1 for c in targets if c.bye_delivered),
            aborted=aborted,
        )

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
                "closing": len(hub.closed),
                "tcp_connections": len(self.gate),
                "max_connections": self.max_connections,
                "rooms": len(hub.rooms),
            }
        )

    async def _ready(self, request: web.Request) -> web.Response:
        if self.hub.closing:
            return web.json_response({"ready": False, "reason": "shutting down"}, status=503)
        return web.json_response({"ready": True})

    async def _metrics(self, request: web.Request) -> web.Response:
        response = web.Response(body=self.hub.metrics.render())  # flushes the tallies first
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
        hub = self.hub
        ws = RelayWebSocket(
            # aiohttp refuses a frame of max_msg_size bytes; the advertised maximum is allowed.
            max_msg_size=cfg.max_message_bytes + 1,
            autoping=False,  # pings and pongs reach the hub: they count as activity and rate
            compress=False,  # CPU per frame and decompression bombs are not worth it here
            timeout=self.close_timeout,  # wait for the peer's close reply
        )
        if not ws.can_prepare(request).ok:
            return web.Response(
                status=426,
                text="connect with a WebSocket client to /ws\n",
                headers={"Upgrade": "websocket"},
            )
        loop = asyncio.get_running_loop()
        metrics = hub.metrics
        conn = PeerConnection(
            ws,
            conn_id=next(self._conn_ids),
            remote=request.remote or "?",
            now=loop.time(),
            rate=cfg.rate,
            burst=cfg.burst,
            send_queue_bytes=cfg.send_queue_bytes,
            json_text=request.query.get("format") == "json",
            transport=request.transport,
            address=client_address(request.remote),
            join_rate=cfg.join_rate,
            join_burst=cfg.join_burst,
            tally=metrics.written,
            dropped=metrics.dropped,
        )

        async def last_words(code: int) -> None:
            frame = hub.closing_error(conn, code)
            if frame is not None:
                await conn.send_now(frame, Error.TYPE)

        ws.close_hook = last_words
        ws.on_fragment = lambda: hub.on_fragment(conn, loop.time())
        conn.late_hook = lambda: hub.on_late(conn)
        self._handlers += 1
        self._idle.clear()
        writer: asyncio.Task[None] | None = None
        try:
            await ws.prepare(request)
            conn.frame_reader = ws.frame_reader
            writer = self._spawn(conn.run_writer())
            if hub.accept(conn):
                await self._read(ws, conn, loop.time)
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception:
            logger.exception("relay bug in the WebSocket reader of %r", conn)
        finally:
            try:
                hub.on_gone(conn)  # its rooms, slot and id are free from here on
                if writer is not None:
                    limit = cfg.write_timeout + self.close_timeout + 1.0
                    done, _ = await asyncio.wait({writer}, timeout=limit)
                    if not done:
                        conn.abort()
                        writer.cancel()
            finally:  # also when aiohttp cancels this handler because the peer vanished
                hub.on_finished(conn)
                self._handlers -= 1
                if self._handlers == 0:
                    self._idle.set()
        return ws

    async def _read(
        self, ws: web.WebSocketResponse, conn: PeerConnection, clock: Callable[[], float]
    ) -> None:
        hub = self.hub
        budget = YIELD_EVERY
        while True:
            msg = await ws.receive()  # does not yield while frames are buffered
            kind = msg.type
            if kind is WSMsgType.BINARY or kind is WSMsgType.TEXT:
                hub.on_frame(conn, msg.data, clock())
            elif kind is WSMsgType.PING:
                hub.on_ping(conn, msg.data, clock())
            elif kind is WSMsgType.PONG:
                hub.on_pong(conn, msg.data, clock())
            else:  # CLOSE, CLOSING, CLOSED or ERROR: the socket is done
                return
            budget -= 1
            if not budget:  # a burst from one peer does not hold up everyone else
                budget = YIELD_EVERY
                await asyncio.sleep(0)


class RelayRunner(web.AppRunner):
    """An :class:`aiohttp.web.AppRunner` for the relay's application that puts the relay's
    :class:`~relay.gate.ConnectionGate` in front of its HTTP server."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        relay = self.app.get(RELAY_SERVER_KEY)
        if relay is not None:
            relay.gate.attach(server)
        return server


def create_app(config: RelayConfig | None = None) -> web.Application:
    """Return the relay's aiohttp application; the :class:`RelayServer` is in
    ``app[RELAY_SERVER_KEY]``. Run it with :class:`RelayRunner`."""
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
    # The relay's own shutdown has closed every connection before the runner's cleanup, so the
    # runner's grace period only covers HTTP requests in flight.
    runner = RelayRunner(
        server.app, access_log=None, shutdown_timeout=min(1.0, config.shutdown_timeout)
    )
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
    # Full collections of a heap holding thousands of connections pause every peer for tens
    # of milliseconds, and a client that reconnects in a loop triggers them. The objects
    # alive at start never die: keep them out of the collector, and collect the older
    # generations less often (the youngest, where churn dies, as usual).
    gc.freeze()
    gc.set_threshold(7000, 50, 1000)

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
