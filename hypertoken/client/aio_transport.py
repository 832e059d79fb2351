"""The asyncio client's transports: the same framings as :mod:`hypertoken.client.transport`
(JSON text frames over a WebSocket on aiohttp; msgpack frames with ids over asyncio streams
on a unix or TCP socket), each exchange serialised by a lock so concurrent tasks sharing a
client never interleave their requests and responses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
import msgpack

from hypertoken.client.replies import ConnectionClosedError, ServerError, check
from hypertoken.client.transport import MAX_IN_FLIGHT, MAX_RESPONSE_BYTES, Endpoint, parse_url
from hypertoken.protocol.control import FrameReader, encode_frame

__all__ = ["AioMsgpackTransport", "AioWsTransport", "open_transport"]


def _refused(endpoint: Endpoint, exc: BaseException) -> ConnectionError:
    return ConnectionError(
        f"cannot connect to {endpoint.describe}: {exc} "
        "(is `hypertoken serve` or `hypertoken peer` running there?)"
    )


def _as_map(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConnectionError(f"the server sent {type(value).__name__}, not a response map")
    return value


class AioWsTransport:
    """JSON text frames over an aiohttp WebSocket."""

    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse[bool] | None = None

    async def open(self) -> None:
        """Connect (ConnectionError when refused, TimeoutError on a timeout)."""
        endpoint = self.endpoint
        headers = {"x-api-token": endpoint.token} if endpoint.token is not None else None
        session = self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, connect=self.timeout)
        )

        async def ws_connect() -> aiohttp.ClientWebSocketResponse[bool]:
            return await session.ws_connect(
                str(endpoint.address), headers=headers, autoping=True, max_msg_size=0
            )

        try:
            self._ws = await asyncio.wait_for(ws_connect(), self.timeout)
        except (TimeoutError, asyncio.TimeoutError) as exc:
            await self.close()
            raise TimeoutError(f"connecting to {endpoint.describe} timed out") from exc
        except (OSError, aiohttp.ClientError) as exc:
            await self.close()
            raise _refused(endpoint, exc) from exc

    async def exchange(self, requests: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Send every request, then read one response for each (in order)."""
        ws = self._ws
        if ws is None or ws.closed:
            raise ConnectionClosedError(f"the connection to {self.endpoint.describe} is closed")
        async with self._lock:
            try:
                for request in requests:
                    await ws.send_str(json.dumps(request, separators=(",", ":")))
                return [await asyncio.wait_for(self._recv(ws), self.timeout) for _ in requests]
            except (TimeoutError, asyncio.TimeoutError) as exc:
                raise TimeoutError(f"{self.endpoint.describe} did not answer in time") from exc
            except (aiohttp.ClientError, ConnectionResetError) as exc:
                raise ConnectionClosedError(
                    f"{self.endpoint.describe} dropped the connection: {exc}"
                ) from exc

    async def _recv(self, ws: aiohttp.ClientWebSocketResponse[bool]) -> dict[str, Any]:
        while True:
            msg = await ws.receive()
            if msg.type == aiohttp.WSMsgType.TEXT:
                return _as_map(json.loads(msg.data))
            if msg.type == aiohttp.WSMsgType.BINARY:
                return _as_map(json.loads(msg.data))
            if msg.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.ERROR,
            ):
                code = ws.close_code
                reason = str(msg.extra or "") if msg.type == aiohttp.WSMsgType.CLOSE else ""
                raise ConnectionClosedError(
                    f"{self.endpoint.describe} closed the connection ({code} {reason})".strip(),
                    code,
                    reason,
                )

    async def close(self) -> None:
        """Close the WebSocket and its session (idempotent)."""
        ws, self._ws = self._ws, None
        session, self._session = self._session, None
        if ws is not None:
            await ws.close()
        if session is not None:
            await session.close()


class AioMsgpackTransport:
    """msgpack frames with request ids over asyncio streams (unix or TCP)."""

    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._lock = asyncio.Lock()
        self._next_id = 1
        self._frames = FrameReader(MAX_RESPONSE_BYTES)
        self._ready: list[bytes] = []
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        """Connect, and authenticate when the endpoint has a token."""
        endpoint = self.endpoint
        address = endpoint.address
        try:
            if isinstance(address, str):
                opening = asyncio.open_unix_connection(address)
            else:
                opening = asyncio.open_connection(address[0], address[1])
            self._reader, writer = await asyncio.wait_for(opening, self.timeout)
        except (TimeoutError, asyncio.TimeoutError) as exc:
            raise TimeoutError(f"connecting to {endpoint.describe} timed out") from exc
        except OSError as exc:
            raise _refused(endpoint, exc) from exc
        self._writer = writer
        sock = writer.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if endpoint.token is not None:
            try:
                check((await self.exchange([{"cmd": "auth", "token": endpoint.token}]))[0])
            except (ServerError, ConnectionError):
                await self.close()
                raise

    async def exchange(self, requests: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Send the requests (with increasing ids), then read their responses in order."""
        async with self._lock:
            reader, writer = self._reader, self._writer
            if reader is None or writer is None:
                raise ConnectionClosedError(f"the connection to {self.endpoint.describe} is closed")
            out: list[dict[str, Any]] = []
            try:
                for start in range(0, len(requests), MAX_IN_FLIGHT):
                    ids = []
                    for request in requests[start : start + MAX_IN_FLIGHT]:
                        ids.append(self._next_id)
                        writer.write(encode_frame({**request, "id": self._next_id}))
                        self._next_id += 1
                    await writer.drain()
                    for request_id in ids:
                        body = await asyncio.wait_for(self._recv(reader), self.timeout)
                        out.append(await self._match(body, request_id))
                return out
            except (TimeoutError, asyncio.TimeoutError) as exc:
                raise TimeoutError(f"{self.endpoint.describe} did not answer in time") from exc
            except (BrokenPipeError, ConnectionResetError) as exc:
                await self._drop()
                raise ConnectionClosedError(
                    f"{self.endpoint.describe} dropped the connection"
                ) from exc

    async def _match(self, response: dict[str, Any], request_id: int) -> dict[str, Any]:
        got = response.pop("id", None)
        if got == request_id or (got is None and "error" in response):
            return response
        await self._drop()
        raise ConnectionError(
            f"{self.endpoint.describe} answered request {request_id} with id {got!r}"
        )

    async def _recv(self, reader: asyncio.StreamReader) -> dict[str, Any]:
        while not self._ready:
            data = await reader.read(1 << 16)
            if not data:
                await self._drop()
                raise ConnectionClosedError(f"{self.endpoint.describe} closed the connection")
            self._ready.extend(self._frames.feed(data))
            if not self._ready and self._frames.error is not None:
                await self._drop()
                raise ConnectionError(f"{self.endpoint.describe} sent an oversized frame")
        # The server's frames are decoded as they come: a client trusts the server it chose.
        return _as_map(msgpack.unpackb(self._ready.pop(0), raw=False))

    async def _drop(self) -> None:
        writer, self._writer = self._writer, None
        self._reader = None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def close(self) -> None:
        """Close the stream (idempotent)."""
        await self._drop()


async def open_transport(
    url: str, timeout: float, token: str | None = None
) -> AioWsTransport | AioMsgpackTransport:
    """A connected asyncio transport for ``url`` (errors as
    :func:`hypertoken.client.transport.connect`).
    """
    endpoint = parse_url(url, token)
    transport: AioWsTransport | AioMsgpackTransport
    if endpoint.kind == "ws":
        transport = AioWsTransport(endpoint, timeout)
    else:
        transport = AioMsgpackTransport(endpoint, timeout)
    await transport.open()
    return transport
