"""The control servers' admission rules: the token, the per-connection rate window, the close
codes and reasons, and the error responses the transports build themselves.

The session (:mod:`hypertoken.control.session`) answers requests; what happens before a
request reaches it (who may connect, how many, how fast) is the transport's, and lives here so
the WebSocket and msgpack servers apply the same rules with the same words.
"""

from __future__ import annotations

import asyncio
import hmac
from collections import deque

from hypertoken.protocol.control import (
    ControlError,
    ErrorCode,
    decode_msgpack,
    encode_frame,
    encode_json,
    parse_request,
)

__all__ = [
    "BAD_REQUEST",
    "BINARY_FRAME_ANSWER",
    "CLOSE_GOING_AWAY",
    "CLOSE_POLICY",
    "CLOSE_TOO_BIG",
    "CLOSE_TRY_AGAIN",
    "CLOSE_UNAUTHORIZED",
    "INTERNAL",
    "INTERNAL_MESSAGE",
    "MAX_CONNECTIONS_REASON",
    "RATE_LIMITED",
    "RATE_LIMIT_REASON",
    "SHUTTING_DOWN_REASON",
    "TOO_MANY_CONNECTIONS",
    "UNAUTHORIZED",
    "UNAUTHORIZED_REASON",
    "ConnectionSlots",
    "RateWindow",
    "check_auth_frame",
    "error_response",
    "peek_id",
    "refusal_frame",
    "token_matches",
    "too_large_reason",
]

CLOSE_UNAUTHORIZED = 4001
"""WebSocket close code for a missing or wrong token (the old bridge's)."""
CLOSE_TRY_AGAIN = 1013
"""WebSocket close code when ``max_connections`` are already open."""
CLOSE_POLICY = 1008
"""WebSocket close code when a connection sends faster than the rate limit."""
CLOSE_TOO_BIG = 1009
"""WebSocket close code for a frame over the size limit."""
CLOSE_GOING_AWAY = 1001
"""WebSocket close code when the server shuts down."""

UNAUTHORIZED_REASON = "Unauthorized: Invalid API token"
MAX_CONNECTIONS_REASON = "Max connections reached"
RATE_LIMIT_REASON = "Rate limit exceeded"
SHUTTING_DOWN_REASON = "Server shutting down"

# Error codes for refusals the session never sees (it only answers requests).
RATE_LIMITED = ErrorCode.RATE_LIMITED.value
TOO_MANY_CONNECTIONS = ErrorCode.TOO_MANY_CONNECTIONS.value
UNAUTHORIZED = ErrorCode.UNAUTHORIZED.value
BAD_REQUEST = ErrorCode.BAD_REQUEST.value
INTERNAL = ErrorCode.INTERNAL.value


INTERNAL_MESSAGE = "the server failed on this request (a HyperToken bug: the server log has it)"


def too_large_reason(limit: int) -> str:
    """The close reason for an oversized WebSocket frame (a close reason holds 123 bytes)."""
    return f"Message too large: the limit is {limit} bytes per frame"


def token_matches(expected: str | None, given: object) -> bool:
    """Whether ``given`` is the server's token (always True when the server has none).

    Compared in constant time, so the answer's timing says nothing about the token.
    """
    if expected is None:
        return True
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def error_response(code: str, message: str, request_id: object = None) -> dict[str, object]:
    """An error response in the control protocol's shape: ``{"error", "code", ["id"]}``.

    ``request_id`` is echoed only when it is a valid id (a non-negative int), as the session
    does.
    """
    response: dict[str, object] = {"error": message, "code": code}
    if isinstance(request_id, int) and not isinstance(request_id, bool) and request_id >= 0:
        response["id"] = request_id
    return response


class RateWindow:
    """At most ``limit`` messages in any sliding one-second window (``limit`` 0: no limit).

    Keeps the arrival times of the last ``limit`` messages; a message is allowed when the
    oldest of them is at least a second old. Memory is O(limit) per connection.
    """

    __slots__ = ("_times", "limit")

    def __init__(self, limit: int) -> None:
        """Allow ``limit`` messages per second (0 or less: every message)."""
        self.limit = max(0, limit)
        self._times: deque[float] = deque(maxlen=self.limit or 1)

    def allow(self, now: float) -> bool:
        """Count a message arriving at ``now`` (seconds, monotonic); False when over the limit.

        A refused message is not counted: the transport closes the connection on the first.
        """
        if not self.limit:
            return True
        times = self._times
        if len(times) == self.limit and now - times[0] < 1.0:
            return False
        times.append(now)
        return True


class ConnectionSlots:
    """The cap on open connections, counted over every transport together (``cap`` 0: none).

    :meth:`take` on accept, :meth:`give_back` when an admitted connection has ended;
    :meth:`wait_idle` is how shutdown waits for the last one.
    """

    def __init__(self, cap: int) -> None:
        """Allow ``cap`` connections at once (0 or less: any number)."""
        self.cap = max(0, cap)
        self.count = 0
        self.closing = False  # set by shutdown: every later connection is refused
        self._idle = asyncio.Event()
        self._idle.set()

    def take(self) -> str | None:
        """Take a slot; or, when there is none, the reason to refuse the connection with."""
        if self.closing:
            return SHUTTING_DOWN_REASON
        if self.cap and self.count >= self.cap:
            return MAX_CONNECTIONS_REASON
        self.count += 1
        self._idle.clear()
        return None

    def give_back(self) -> None:
        """An admitted connection has ended."""
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until no connection is open; False if some still are after ``timeout`` s."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True


BINARY_FRAME_ANSWER = encode_json(
    error_response(
        BAD_REQUEST,
        "binary frames are not accepted here: send JSON text frames "
        '(one object per frame, such as {"cmd": "reset"}), or use msgpack frames over '
        "--unix / --msgpack-port",
    )
)
"""The answer to a binary WebSocket frame (the connection stays open)."""


def refusal_frame(code: str, message: str, request_id: object = None) -> bytes:
    """:func:`error_response` as a whole msgpack frame."""
    return encode_frame(error_response(code, message, request_id))


def _id_of(raw: object) -> object:
    return raw.get("id") if isinstance(raw, dict) else None


def peek_id(body: bytes) -> object:
    """The id of a msgpack request body, for an error response (None when it has none)."""
    try:
        return _id_of(decode_msgpack(body))
    except ControlError:
        return None


def check_auth_frame(token: str | None, body: bytes) -> bytes | None:
    """Check the first frame of a msgpack connection to a server with ``token``.

    None when it is an ``auth`` request with the right token: the session then answers it
    (``{"ok": true, "id"}``), so its id counts as the connection's first. Otherwise the error
    frame to send before closing.
    """
    try:
        raw = decode_msgpack(body)
    except ControlError as exc:
        return encode_frame(exc.response())
    if not (isinstance(raw, dict) and raw.get("cmd") == "auth"):
        message = (
            "this server needs a token: send {cmd: auth, token: T, id: n} as the first "
            "frame (the server's --token / HYPERTOKEN_API_KEY)"
        )
        return refusal_frame(UNAUTHORIZED, message, _id_of(raw))
    try:
        request = parse_request(raw, require_id=True)
    except ControlError as exc:
        given = _id_of(raw)
        valid = given if type(given) is int and given >= 0 else None
        return encode_frame(exc.response(valid))
    if not token_matches(token, request.args.get("token")):
        return refusal_frame(UNAUTHORIZED, UNAUTHORIZED_REASON, request.id)
    return None
