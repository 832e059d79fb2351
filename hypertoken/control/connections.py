"""What every control-socket listener shares (:mod:`hypertoken.control.servers`,
:mod:`hypertoken.control.frames`): the host and session protocols, the cap on requests
queued behind a waiting one, and two small socket helpers.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "MAX_PENDING",
    "PENDING_REASON",
    "AwaitedSession",
    "ControlHost",
    "ServedSession",
    "close_session",
    "nodelay",
]

logger = logging.getLogger("hypertoken.control.servers")

MAX_PENDING = 256
"""The default cap on requests queued behind a waiting one, per connection."""

PENDING_REASON = "Too many requests waiting"
"""The close reason (and error message start) when a connection queues over the cap."""


class ServedSession(Protocol):
    """A session that answers every request at once (the sans-IO
    :class:`~hypertoken.control.session.ControlSession`)."""

    def handle_json(self, text: str | bytes) -> str:
        """One WebSocket text frame in, the response's text out (never raises on bad input)."""

    def handle_msgpack(self, body: bytes) -> bytes:
        """One msgpack frame body in, the response's whole frame out."""

    def close(self) -> None:
        """The connection ended."""


@runtime_checkable
class AwaitedSession(Protocol):
    """A session whose answers may wait (a room's seat waiting for its turn): the server
    awaits one request at a time per connection and cancels the wait when it ends."""

    async def answer_json(self, text: str) -> str:
        """One WebSocket text frame in, the response's text out (never raises on bad input)."""

    async def answer_msgpack(self, body: bytes) -> bytes:
        """One msgpack frame body in, the response's whole frame out."""

    def close(self) -> None:
        """The connection ended (after any wait of its was cancelled)."""


class ControlHost(Protocol):
    """What the server needs of its host (:class:`~hypertoken.control.host.EnvHost`, a
    peer daemon's room host)."""

    def session(self, *, require_ids: bool = False) -> ServedSession | AwaitedSession:
        """A session for a new connection; ``require_ids``: every request carries an id."""

    def health(self) -> dict[str, Any]:
        """What ``GET /health`` answers."""

    def close(self) -> None:
        """The server closed: no more sessions."""


def nodelay(sock: socket.socket | None) -> None:
    """Turn Nagle off on a TCP socket (no-op for others and for None)."""
    # Requests and responses are single small writes; Nagle would hold each for the peer's
    # delayed ACK.
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def close_session(session: ServedSession | AwaitedSession, conn: str) -> None:
    """Close ``session`` (of connection ``conn``), logging rather than raising a failure."""
    try:
        session.close()
    except Exception:  # one connection's env failing to close must not stop the server
        logger.exception("closing the session of %s failed", conn)
