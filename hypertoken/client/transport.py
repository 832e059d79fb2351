"""The synchronous client's transports, picked by the URL's scheme:

- ``ws://host:port[/path][?token=T]`` (or ``wss://``): one JSON text frame per request and
  per response, matched by order, with no request ids (what the earlier bridge spoke), on
  ``websocket-client`` with TCP_NODELAY;
- ``unix:///path/to.sock[?token=T]`` and ``msgpack+tcp://host:port[?token=T]``: msgpack
  frames (:func:`hypertoken.protocol.control.encode_frame`) over a blocking socket, each
  request with an increasing ``id`` that its response echoes. A token is sent as the first
  frame, ``{"cmd": "auth", "token": T}``.

Both write a batch of requests before reading any response (:meth:`Transport.exchange`), so
a caller can pipeline; the server answers in order.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import msgpack
import websocket

from hypertoken.client.replies import ConnectionClosedError, ServerError, check
from hypertoken.protocol.control import FrameReader, encode_frame

__all__ = ["SCHEMES", "Endpoint", "MsgpackTransport", "Transport", "WsTransport", "connect"]

SCHEMES = ("ws", "wss", "unix", "msgpack+tcp")
"""The URL schemes the clients speak."""

#: The largest response frame a client accepts (responses carry whole observation sets, so
#: more than a request's limit; the bound only stops a runaway header).
MAX_RESPONSE_BYTES = 64 << 20

#: Requests written before their responses are read. Both sides block on a full socket
#: buffer, so a batch is sent in slices small enough that neither buffer fills.
MAX_IN_FLIGHT = 128

_CLOSE = struct.Struct(">H")


@dataclass(frozen=True)
class Endpoint:
    """Where a URL points: ``kind`` is "ws" (JSON over WebSocket) or "msgpack"."""

    url: str  # as given
    kind: str  # "ws" or "msgpack"
    address: str | tuple[str, int]  # the ws URL, a unix socket path or (host, port)
    token: str | None  # the token= argument, else the URL's ?token=

    @property
    def describe(self) -> str:
        """The URL, for error messages (without a token)."""
        return self.url.split("?", 1)[0]


def parse_url(url: str, token: str | None = None) -> Endpoint:
    """The endpoint of a client URL; ValueError names the schemes it accepts."""
    if not isinstance(url, str):
        raise TypeError(f"the server URL must be a str, not {type(url).__name__}")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query_token = parse_qs(parts.query).get("token", [None])[0]
    if scheme in ("ws", "wss"):
        if not parts.hostname:
            raise ValueError(f"{url!r} has no host: use ws://HOST:PORT, e.g. ws://127.0.0.1:9999")
        return Endpoint(url, "ws", url, token if token is not None else query_token)
    if scheme == "unix":
        path = parts.netloc + parts.path
        if not path:
            raise ValueError(f"{url!r} has no socket path: use unix:///path/to.sock")
        return Endpoint(url, "msgpack", path, token if token is not None else query_token)
    if scheme == "msgpack+tcp":
        try:
            port = parts.port
        except ValueError as exc:
            raise ValueError(f"{url!r}: {exc}; use msgpack+tcp://HOST:PORT") from None
        if not parts.hostname or port is None:
            raise ValueError(f"{url!r} needs a host and a port: use msgpack+tcp://HOST:PORT")
        address = (parts.hostname, port)
        return Endpoint(url, "msgpack", address, token if token is not None else query_token)
    raise ValueError(
        f"unsupported server URL {url!r}: use ws://HOST:PORT (JSON over WebSocket), "
        "unix:///PATH (msgpack over a unix socket) or msgpack+tcp://HOST:PORT"
    )


class Transport(Protocol):
    """A connection that answers requests in order."""

    def exchange(self, requests: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Send every request, then read their responses (in order; errors not raised)."""
        ...

    def close(self) -> None:
        """Close the connection (idempotent)."""
        ...


def _refused(endpoint: Endpoint, exc: BaseException) -> ConnectionError:
    return ConnectionError(
        f"cannot connect to {endpoint.describe}: {exc} "
        "(is `hypertoken serve` or `hypertoken peer` running there?)"
    )


class WsTransport:
    """JSON text frames over a WebSocket (see the module docstring)."""

    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        self.endpoint = endpoint
        headers = [f"x-api-token: {endpoint.token}"] if endpoint.token is not None else None
        try:
            self._ws = websocket.create_connection(
                str(endpoint.address),
                timeout=timeout,
                header=headers,
                sockopt=((socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),),
                enable_multithread=False,
                # websocket-client checks UTF-8 byte by byte in Python (most of a small
                # frame's cost); the strict decode("utf-8") in _recv checks it in C.
                skip_utf8_validation=True,
            )
        except websocket.WebSocketTimeoutException as exc:
            raise TimeoutError(f"connecting to {endpoint.describe} timed out") from exc
        except TimeoutError as exc:
            raise TimeoutError(f"connecting to {endpoint.describe} timed out") from exc
        except (OSError, websocket.WebSocketException) as exc:
            raise _refused(endpoint, exc) from exc

    def exchange(self, requests: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Send every request as a JSON text frame, then read one response for each."""
        try:
            for request in requests:
                self._ws.send(json.dumps(request, separators=(",", ":")))
            return [self._recv() for _ in requests]
        except websocket.WebSocketTimeoutException as exc:
            raise TimeoutError(f"{self.endpoint.describe} did not answer in time") from exc
        except websocket.WebSocketConnectionClosedException as exc:
            raise ConnectionClosedError(
                f"the connection to {self.endpoint.describe} is closed"
            ) from exc
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise ConnectionClosedError(f"{self.endpoint.describe} dropped the connection") from exc

    def _recv(self) -> dict[str, Any]:
        while True:
            opcode, frame = self._ws.recv_data_frame(True)
            if opcode == websocket.ABNF.OPCODE_TEXT:
                return _as_map(json.loads(frame.data.decode("utf-8")))
            if opcode == websocket.ABNF.OPCODE_BINARY:
                return _as_map(json.loads(frame.data))
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                data = frame.data or b""
                code = _CLOSE.unpack(data[:2])[0] if len(data) >= 2 else None
                reason = data[2:].decode("utf-8", "replace")
                self.close()
                raise ConnectionClosedError(
                    f"{self.endpoint.describe} closed the connection ({code} {reason})".strip(),
                    code,
                    reason,
                )
            # ping/pong/continuation frames carry no response

    def close(self) -> None:
        """Close the WebSocket (idempotent)."""
        with contextlib.suppress(OSError, websocket.WebSocketException):
            self._ws.close(timeout=1.0)


def _as_map(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConnectionError(f"the server sent {type(value).__name__}, not a response map")
    return value


class MsgpackTransport:
    """msgpack frames with request ids over a unix or TCP socket (module docstring)."""

    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        self.endpoint = endpoint
        self._next_id = 1
        self._reader = FrameReader(MAX_RESPONSE_BYTES)
        self._ready: list[bytes] = []
        family = socket.AF_UNIX if isinstance(endpoint.address, str) else socket.AF_INET
        if family == socket.AF_INET:
            host = endpoint.address[0]
            if ":" in host:
                family = socket.AF_INET6
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(endpoint.address)
        except TimeoutError as exc:
            sock.close()
            raise TimeoutError(f"connecting to {endpoint.describe} timed out") from exc
        except OSError as exc:
            sock.close()
            raise _refused(endpoint, exc) from exc
        if family != socket.AF_UNIX:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock: socket.socket | None = sock
        if endpoint.token is not None:
            try:
                check(self.exchange([{"cmd": "auth", "token": endpoint.token}])[0])
            except (ServerError, ConnectionError):
                self.close()
                raise

    def exchange(self, requests: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Send every request (each given the next id) in one write, then read their
        responses; a response whose id is not its request's raises ConnectionError (an
        error response without an id, as a server sends before closing, is returned).
        """
        sock = self._sock
        if sock is None:
            raise ConnectionClosedError(f"the connection to {self.endpoint.describe} is closed")
        out: list[dict[str, Any]] = []
        try:
            if len(requests) == 1:  # the common case: one request, one response
                request_id = self._next_id
                self._next_id += 1
                sock.sendall(encode_frame({**requests[0], "id": request_id}))
                return [self._match(self._recv(sock), request_id)]
            for start in range(0, len(requests), MAX_IN_FLIGHT):
                ids = []
                frames = []
                for request in requests[start : start + MAX_IN_FLIGHT]:
                    ids.append(self._next_id)
                    frames.append(encode_frame({**request, "id": self._next_id}))
                    self._next_id += 1
                sock.sendall(b"".join(frames))
                out.extend(self._match(self._recv(sock), i) for i in ids)
            return out
        except TimeoutError as exc:
            raise TimeoutError(f"{self.endpoint.describe} did not answer in time") from exc
        except (BrokenPipeError, ConnectionResetError) as exc:
            self.close()
            raise ConnectionClosedError(f"{self.endpoint.describe} dropped the connection") from exc

    def _match(self, response: dict[str, Any], request_id: int) -> dict[str, Any]:
        got = response.pop("id", None)
        if got == request_id or (got is None and "error" in response):
            return response
        self.close()
        raise ConnectionError(
            f"{self.endpoint.describe} answered request {request_id} with id {got!r}"
        )

    def _recv(self, sock: socket.socket) -> dict[str, Any]:
        while not self._ready:
            data = sock.recv(1 << 16)
            if not data:
                self.close()
                raise ConnectionClosedError(f"{self.endpoint.describe} closed the connection")
            self._ready.extend(self._reader.feed(data))
            if not self._ready and self._reader.error is not None:
                self.close()
                raise ConnectionError(
                    f"{self.endpoint.describe} sent a frame over {MAX_RESPONSE_BYTES} bytes"
                )
        # The server's frames are decoded as they come: a client trusts the server it chose.
        return _as_map(msgpack.unpackb(self._ready.pop(0), raw=False))

    def close(self) -> None:
        """Close the socket (idempotent)."""
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()


def connect(url: str, timeout: float, token: str | None = None) -> WsTransport | MsgpackTransport:
    """A connected transport for ``url`` (module docstring). Raises ValueError for a URL
    no transport speaks, ConnectionError when nothing answers, TimeoutError on a timeout.
    """
    endpoint = parse_url(url, token)
    if endpoint.kind == "ws":
        return WsTransport(endpoint, timeout)
    return MsgpackTransport(endpoint, timeout)
