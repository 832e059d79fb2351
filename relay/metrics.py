"""Prometheus metrics of one relay, on a registry of its own (so several relays can share a
process, as in tests).

Exposed at ``GET /metrics``:

- ``hypertoken_relay_peers``: connections that completed hello
- ``hypertoken_relay_connections``: open WebSocket connections, hello or not
- ``hypertoken_relay_tcp_connections``: open TCP connections (HTTP and WebSocket), counted at
  accept
- ``hypertoken_relay_rooms``: rooms with at least one member
- ``hypertoken_relay_messages_total{direction,type}``: frames in and out, by message type
  (``ping``/``pong`` for control frames). Out counts what was written to a peer's socket, not
  what was queued.
- ``hypertoken_relay_bytes_total{direction,type}``: frame payload bytes in and out, likewise
- ``hypertoken_relay_dropped_total{type}``: frames queued to a peer but never written (the
  backlog of a peer that was dropped or vanished)
- ``hypertoken_relay_refusals_total{reason}``: errors sent, by error code, and connections
  refused or cut off before any WebSocket (``server-full``, ``too-many-connections``,
  ``http-timeout``)
- ``hypertoken_relay_aborted_total{reason}``: connections cut off without a close handshake
  (``stalled``: a peer that stopped reading; ``close-timeout``; ``flood``; ``shutdown``)
- ``process_*``: the relay process's memory, CPU and open files (where the platform has them)
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, ProcessCollector
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
"""The ``Content-Type`` of :meth:`RelayMetrics.render`."""

# The label value for frames that could not be decoded, so a flood of garbage is visible.
UNDECODED = "undecoded"

Tally = dict[str, list[int]]
"""Frames and bytes by message type: ``{type: [frames, bytes]}``, counted as plain integers
(cheaper than a Prometheus counter per frame); :meth:`RelayMetrics.flush` moves them into the
counters, at every scrape and every sweep."""


class RelayMetrics:
    """The relay's counters and gauges. Children are cached: labels() is not free."""

    def __init__(
        self,
        *,
        peers: Callable[[], float],
        connections: Callable[[], float],
        rooms: Callable[[], float],
    ) -> None:
        """Create the metrics; the gauges read the live counts through the callables."""
        self.registry = CollectorRegistry(auto_describe=True)
        Gauge(
            "hypertoken_relay_peers", "Connections that completed hello.", registry=self.registry
        ).set_function(peers)
        Gauge(
            "hypertoken_relay_connections",
            "Open WebSocket connections.",
            registry=self.registry,
        ).set_function(connections)
        Gauge(
            "hypertoken_relay_rooms", "Rooms with at least one member.", registry=self.registry
        ).set_function(rooms)
        self._messages = Counter(
            "hypertoken_relay_messages",
            "Frames by direction and message type.",
            ["direction", "type"],
            registry=self.registry,
        )
        self._bytes = Counter(
            "hypertoken_relay_bytes",
            "Frame bytes by direction and message type.",
            ["direction", "type"],
            registry=self.registry,
        )
        self._refusals = Counter(
            "hypertoken_relay_refusals",
            "Errors sent to peers, by error code, and connections refused before any WebSocket.",
            ["reason"],
            registry=self.registry,
        )
        self._dropped = Counter(
            "hypertoken_relay_dropped",
            "Frames queued to a peer but never written, by message type.",
            ["type"],
            registry=self.registry,
        )
        self._aborted = Counter(
            "hypertoken_relay_aborted",
            "Connections cut off without a close handshake, by reason.",
            ["reason"],
            registry=self.registry,
        )
        try:
            ProcessCollector(registry=self.registry)
        except Exception:  # no /proc (macOS, Windows): the relay runs without these
            logger.debug("process metrics unavailable", exc_info=True)
        self._children: dict[tuple[str, str], tuple[Counter, Counter]] = {}
        self._refusal_children: dict[str, Counter] = {}
        self.written: Tally = {}  # outbound: what connections wrote to their sockets
        self.read: Tally = {}  # inbound
        self.dropped: dict[str, int] = {}

    def gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """Add a gauge that reads its value through ``read`` at each scrape."""
        Gauge(name, documentation, registry=self.registry).set_function(read)

    def _pair(self, direction: str, kind: str) -> tuple[Counter, Counter]:
        key = (direction, kind)
        pair = self._children.get(key)
        if pair is None:
            pair = (
                self._messages.labels(direction=direction, type=kind),
                self._bytes.labels(direction=direction, type=kind),
            )
            self._children[key] = pair
        return pair

    def received(self, kind: str, size: int) -> None:
        """Count one inbound frame of message type ``kind``."""
        try:
            counts = self.read[kind]
        except KeyError:
            counts = self.read[kind] = [0, 0]
        counts[0] += 1
        counts[1] += size

    def aborted(self, reason: str) -> None:
        """Count one connection cut off without a close handshake."""
        self._aborted.labels(reason=reason).inc()

    def flush(self) -> None:
        """Move the tallies into the counters."""
        for direction, tally in (("in", self.read), ("out", self.written)):
            for kind, counts in tally.items():
                frames, size = counts
                if frames:
                    messages, size_counter = self._pair(direction, kind)
                    messages.inc(frames)
                    size_counter.inc(size)
                    counts[0] = counts[1] = 0
        for kind, frames in self.dropped.items():
            if frames:
                self._dropped.labels(type=kind).inc(frames)
        self.dropped.clear()

    def refused(self, reason: str) -> None:
        """Count one error sent, by its code."""
        child = self._refusal_children.get(reason)
        if child is None:
            child = self._refusals.labels(reason=reason)
            self._refusal_children[reason] = child
        child.inc()

    def render(self) -> bytes:
        """Return the Prometheus text exposition of every metric."""
        self.flush()
        return generate_latest(self.registry)
