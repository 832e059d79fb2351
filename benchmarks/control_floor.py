"""The floor of ``benchmarks/bench_control.py``: trivial echo servers with the control
socket's framings on its transports, so a round trip through them costs what the transport
and the framing cost and nothing else.

- msgpack frames (:func:`hypertoken.protocol.control.encode_frame`) over a Unix socket: every
  whole frame is split out with :class:`~hypertoken.protocol.control.FrameReader` and written
  back unchanged (same header, same body, so its ``id`` matches);
- WebSocket JSON text frames on aiohttp: every text frame is sent back unchanged.

Both run on uvloop when it is installed, as ``hypertoken serve`` does. Run as a process:
``python benchmarks/control_floor.py --unix PATH`` prints ``floor on unix://PATH`` and
``floor on ws://127.0.0.1:PORT`` and serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from aiohttp import WSMsgType, web

from hypertoken.protocol.control import FRAME_HEADER, FrameReader


class _Echo(asyncio.Protocol):
    """Writes every whole msgpack frame back as it came."""

    def __init__(self) -> None:
        self.reader = FrameReader()
        self.transport: asyncio.WriteTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses: take it as it is.
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        bodies = self.reader.feed(data)
        if bodies:
            self.transport.write(b"".join(FRAME_HEADER.pack(len(b)) + b for b in bodies))


async def _ws_echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for message in ws:
        if message.type is WSMsgType.TEXT:
            await ws.send_str(message.data)
    return ws


async def serve(unix: str) -> None:
    """Serve both echoes until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = await loop.create_unix_server(_Echo, unix)
    app = web.Application()
    app.router.add_get("/{tail:.*}", _ws_echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    sockets = site._server.sockets if site._server is not None else []  # type: ignore[attr-defined]
    port = sockets[0].getsockname()[1]
    print(f"floor on unix://{unix}", flush=True)
    print(f"floor on ws://127.0.0.1:{port}", flush=True)
    await stop.wait()
    server.close()
    await runner.cleanup()
    Path(unix).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """Run the echo servers (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unix", required=True, help="the Unix socket path to listen on")
    args = parser.parse_args(argv)
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(args.unix))
    else:
        uvloop.run(serve(args.unix))
    return 0


if __name__ == "__main__":
    sys.exit(main())
