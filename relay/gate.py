"""The gate: every TCP connection is counted and capped the moment it is accepted.

The WebSocket limits (``--max-peers`` and the rest) only see connections that completed an
HTTP upgrade. A client that opens thousands of TCP connections and never finishes a request
(slowloris) would get past them and use up the process's file descriptors. So the gate sits in
front of HTTP: it counts connections at accept, refuses those over ``--max-connections`` or over
``--max-connections-per-address`` with a short HTTP error (before reading anything), and closes
a connection that has not completed a request within ``--http-timeout``. (aiohttp's keep-alive
timeout, set to the same value, closes a keep-alive connection whose next request does not
arrive in time.) New connections from one address are also rate-limited (``--connect-rate``,
bursts of ``--connect-burst``), so a client that is cut off and reconnects in a loop is
refused at accept, before it costs anything.

Client addresses are grouped as peers see them: an IPv4 address, an IPv4-mapped IPv6 address
as its IPv4 address, any other IPv6 address by its /64 (one home or LAN gets one /64, and can
pick any address inside it).

The gate works on the :class:`aiohttp.web.Server` that :class:`relay.server.RelayRunner`
builds; its hooks are :meth:`ConnectionGate.attach` and :meth:`ConnectionGate.served`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from typing import Any

from aiohttp import web

from relay.logs import log_event
from relay.metrics import RelayMetrics
from relay.ratelimit import TokenBucket

logger = logging.getLogger(__name__)

LOG_EVERY = 5.0  # seconds between log lines about refused connections (a flood is one line)
#: Connect-rate buckets kept at most (the oldest full ones are forgotten first).
MAX_BUCKETS = 65536


def client_address(host: str | None) -> str:
    """Return the key the per-address caps count under (see the module docstring)."""
    if not host:
        return "?"
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host  # a Unix socket or something else without an IP address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _http_error(status: int, reason: str, text: str) -> bytes:
    body = text.encode("utf-8") + b"\n"
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class ConnectionGate:
    """Counts open TCP connections, in all and by client address, and enforces the caps."""

    def __init__(
        self,
        *,
        max_connections: int,
        max_per_address: int,
        http_timeout: float,
        metrics: RelayMetrics,
        connect_rate: float = 0.0,
        connect_burst: int = 0,
    ) -> None:
        """``max_per_address`` 0 means no per-address cap; ``connect_rate`` 0 means new
        connections from one address are not rate-limited.
        """
        self.max_connections = max_connections
        self.max_per_address = max_per_address
        self.connect_rate = connect_rate
        self.connect_burst = connect_burst
        self._buckets: dict[str, TokenBucket] = {}
        self.http_timeout = http_timeout
        self.metrics = metrics
        self.open: dict[Any, tuple[str, asyncio.Transport]] = {}  # handler -> (address, tcp)
        self.by_address: dict[str, int] = {}
        self._timers: dict[Any, asyncio.TimerHandle] = {}
        self._last_log = 0.0
        self._unlogged = 0

    def __len__(self) -> int:
        """Open TCP connections that were let in."""
        return len(self.open)

    def attach(self, server: web.Server) -> None:
        """Hook the gate into ``server``: it sees every connection as it is made and lost."""
        made, lost = server.connection_made, server.connection_lost

        def connection_made(handler: Any, transport: asyncio.Transport) -> None:
            made(handler, transport)
            self.opened(handler, transport)

        def connection_lost(handler: Any, exc: BaseException | None = None) -> None:
            try:
                lost(handler, exc)
            finally:
                self.closed(handler)

        # aiohttp's RequestHandler calls these two on its server; nothing else does.
        setattr(server, "connection_made", connection_made)  # noqa: B010
        setattr(server, "connection_lost", connection_lost)  # noqa: B010

    def opened(self, handler: Any, transport: asyncio.Transport) -> None:
        """Let a new connection in, or answer it with an HTTP error and close it."""
        peer = transport.get_extra_info("peername")
        host = peer[0] if isinstance(peer, tuple) and peer else None
        address = client_address(host if isinstance(host, str) else None)
        if len(self.open) >= self.max_connections:
            self._refuse(
                transport,
                address,
                "server-full",
                _http_error(
                    503,
                    "Service Unavailable",
                    f"the relay holds its maximum of {self.max_connections} connections; "
                    "try again later or use another relay",
                ),
            )
            return
        if self.connect_rate and not self._may_connect(address):
            self._refuse(
                transport,
                address,
                "connecting-too-often",
                _http_error(
                    429,
                    "Too Many Requests",
                    f"more than {self.connect_rate:g} new connections per second from your "
                    f"address (bursts of {self.connect_burst}); wait, then connect again",
                ),
            )
            return
        held = self.by_address.get(address, 0)
        if self.max_per_address and held >= self.max_per_address:
            self._refuse(
                transport,
                address,
                "too-many-connections",
                _http_error(
                    429,
                    "Too Many Requests",
                    f"{self.max_per_address} connections from your address are open already, "
                    "the most allowed; close some first",
                ),
            )
            return
        self.open[handler] = (address, transport)
        self.by_address[address] = held + 1
        loop = asyncio.get_running_loop()
        self._timers[handler] = loop.call_later(self.http_timeout, self._expire, handler)

    def _may_connect(self, address: str) -> bool:
        now = time.monotonic()
        bucket = self._buckets.get(address)
        if bucket is None:
            if len(self._buckets) >= MAX_BUCKETS:
                # Forget the oldest half: a bucket not used for a while is full again anyway.
                for key in list(self._buckets)[: MAX_BUCKETS // 2]:
                    del self._buckets[key]
            bucket = self._buckets[address] = TokenBucket(
                rate=self.connect_rate, burst=self.connect_burst, now=now
            )
        return bucket.take(now)

    def served(self, handler: Any) -> None:
        """A request on ``handler`` was answered (or upgraded): its first deadline is met."""
        timer = self._timers.pop(handler, None)
        if timer is not None:
            timer.cancel()

    def closed(self, handler: Any) -> None:
        """Forget a connection whose socket is gone."""
        timer = self._timers.pop(handler, None)
        if timer is not None:
            timer.cancel()
        entry = self.open.pop(handler, None)
        if entry is None:
            return  # refused at accept: never counted
        address = entry[0]
        held = self.by_address.get(address, 0) - 1
        if held > 0:
            self.by_address[address] = held
        else:
            self.by_address.pop(address, None)

    def abort_all(self) -> int:
        """Cut every open connection off (the end of a shutdown); return how many."""
        entries = list(self.open.values())
        for _, transport in entries:
            transport.abort()
        return len(entries)

    def _expire(self, handler: Any) -> None:
        self._timers.pop(handler, None)
        entry = self.open.get(handler)
        if entry is None:
            return
        address, transport = entry
        self.metrics.refused("http-timeout")
        log_event(
            logger,
            logging.DEBUG,
            "http-timeout",
            remote=address,
            message=f"no complete HTTP request within {self.http_timeout:g} s",
        )
        if not transport.is_closing():
            transport.write(
                _http_error(
                    408,
                    "Request Timeout",
                    f"send the whole request within {self.http_timeout:g} s",
                )
            )
        transport.close()

    def _refuse(self, transport: asyncio.Transport, address: str, code: str, answer: bytes) -> None:
        self.metrics.refused(code)
        try:
            transport.write(answer)
        finally:
            transport.close()
        now = time.monotonic()
        if now - self._last_log < LOG_EVERY:
            self._unlogged += 1
            return
        log_event(
            logger,
            logging.INFO,
            "refusal",
            code=code,
            remote=address,
            open=len(self.open),
            from_address=self.by_address.get(address, 0),
            unlogged=self._unlogged,
        )
        self._last_log, self._unlogged = now, 0
