"""Prometheus metrics of one relay, on a registry of its own (so several relays can share a
process, as in tests).

Exposed at ``GET /metrics``:

- ``hypertoken_relay_peers``: connections that completed hello
- ``hypertoken_relay_connections``: open WebSocket connections, hello or not
- ``hypertoken_relay_rooms``: rooms with at least one member
- ``hypertoken_relay_messages_total{direction,type}``: frames in and out, by message type
- ``hypertoken_relay_bytes_total{direction,type}``: frame bytes in and out, by message type
- ``hypertoken_relay_refusals_total{reason}``: errors sent, by error code
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
"""The ``Content-Type`` of :meth:`RelayMetrics.render`."""

# The label value for frames that could not be decoded, so a flood of garbage is visible.
UNDECODED = "undecoded"


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
            "Errors sent to peers, by error code.",
            ["reason"],
            registry=self.registry,
        )
        self._children: dict[tuple[str, str], tuple[Counter, Counter]] = {}
        self._refusal_children: dict[str, Counter] = {}

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
        messages, size_counter = self._pair("in", kind)
        messages.inc()
        size_counter.inc(size)

    def sent(self, kind: str, size: int, count: int = 1) -> None:
        """Count ``count`` outbound frames of ``size`` bytes each."""
        messages, size_counter = self._pair("out", kind)
        messages.inc(count)
        size_counter.inc(size * count)

    def refused(self, reason: str) -> None:
        """Count one error sent, by its code."""
        child = self._refusal_children.get(reason)
        if child is None:
            child = self._refusals.labels(reason=reason)
            self._refusal_children[reason] = child
        child.inc()

    def render(self) -> bytes:
        """Return the Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
