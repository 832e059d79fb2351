"""Test helpers for the control socket: a real ``hypertoken serve`` process on loopback, the
same server in process, and a raw msgpack frame client.

- :func:`serve_process` starts ``python -m hypertoken.cli serve --port 0 ...`` as a
  subprocess, reads the URLs from the "serving ..." lines it prints, yields them as a
  :class:`Served`, and on exit sends SIGTERM and asserts a clean exit 0.
- :func:`running_server` is a :class:`~hypertoken.control.servers.ControlServer` in this
  process's event loop (port 0), for tests that need its internals or many configurations.
- :class:`FrameClient` speaks msgpack frames over a Unix socket or TCP with no HyperToken
  client code, so server tests do not depend on the client.

Unix sockets live in a fresh short directory under /tmp (their paths are limited to about
107 bytes).
"""

from __future__ import annotations

import asyncio
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgpack

from hypertoken.control import EnvHost
from hypertoken.control.servers import ControlServer
from hypertoken.protocol.control import FRAME_HEADER, encode_frame

ROOT = Path(__file__).resolve().parents[2]

SERVING = re.compile(r"^serving (?P<env>\S+) on (?P<url>\S+)")
"""A listener line printed by ``hypertoken serve``: the env id and the URL."""

API_KEY_VAR = "HYPERTOKEN_API_KEY"
"""The environment variable ``serve`` reads its default token from; the kit removes it from
the child's environment unless the caller passes it in ``env``."""


@dataclass(frozen=True)
class Served:
    """A running ``hypertoken serve`` process and where it listens."""

    ws_url: str  # "ws://127.0.0.1:PORT"
    unix_url: str | None  # "unix:///tmp/.../ht.sock" when started with unix=True
    tcp_url: str | None  # "msgpack+tcp://127.0.0.1:PORT" when started with tcp=True
    proc: subprocess.Popen[str]
    env_id: str  # the versioned env id the server printed, e.g. "blackjack_v1"
    lines: tuple[str, ...]  # the "serving ..." lines, as printed
    log: Path  # the file receiving the server's stderr (its log lines)

    @property
    def unix_path(self) -> Path | None:
        """The unix socket's file, or None without one."""
        if self.unix_url is None:
            return None
        return Path(self.unix_url.removeprefix("unix://"))

    def log_text(self) -> str:
        """Everything the server has logged to stderr so far."""
        return self.log.read_text(errors="replace")


class ServeFailed(AssertionError):
    """The server did not start, or did not stop cleanly."""


def short_tmp_dir() -> Path:
    """A new empty directory with a short path (for unix sockets); the caller removes it."""
    return Path(tempfile.mkdtemp(prefix="ht", dir="/tmp" if os.path.isdir("/tmp") else None))


def _pump(stream: object, lines: queue.Queue[str | None]) -> None:
    # Drains the child's stdout for its whole life, so a chatty child never blocks on a full
    # pipe; None marks end of file.
    assert hasattr(stream, "readline")
    for line in iter(stream.readline, ""):
        lines.put(line.rstrip("\n"))
    lines.put(None)


@contextmanager
def serve_process(
    *args: str,
    unix: bool = True,
    tcp: bool = False,
    timeout: float = 30.0,
    env: Mapping[str, str] | None = None,
) -> Iterator[Served]:
    """Run `python -m hypertoken.cli serve --port 0 [--unix tmp] [--msgpack-port 0] *args` as a
    real process on loopback, wait for its "serving ..." lines, yield; then SIGTERM, wait, and
    assert exit 0.

    ``env`` adds (or overrides) variables of the child's environment; without it the child
    gets no ``HYPERTOKEN_API_KEY``, so a stray key in the caller's environment changes nothing.
    """
    tmp = short_tmp_dir()
    sock = tmp / "ht.sock"
    log = tmp / "stderr.log"
    cmd = [sys.executable, "-m", "hypertoken.cli", "serve", "--port", "0"]
    if unix:
        cmd += ["--unix", str(sock)]
    if tcp:
        cmd += ["--msgpack-port", "0"]
    cmd += list(args)
    child_env = {k: v for k, v in os.environ.items() if k != API_KEY_VAR}
    child_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    child_env["PYTHONUNBUFFERED"] = "1"
    child_env.update(env or {})
    expected = 1 + int(unix) + int(tcp)
    with log.open("w") as err:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    lines: queue.Queue[str | None] = queue.Queue()
    pump = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
    pump.start()
    try:
        served = _wait_serving(proc, lines, expected, timeout, log, cmd)
        yield served
    finally:
        try:
            _stop(proc, timeout, log)
        finally:
            pump.join(timeout)
            if proc.stdout is not None:
                proc.stdout.close()
            shutil.rmtree(tmp, ignore_errors=True)


def _tail(log: Path, n: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no stderr)"


def _wait_serving(
    proc: subprocess.Popen[str],
    lines: queue.Queue[str | None],
    expected: int,
    timeout: float,
    log: Path,
    cmd: list[str],
) -> Served:
    urls: list[str] = []
    printed: list[str] = []
    env_id = ""
    while len(urls) < expected:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise ServeFailed(
                f"`{' '.join(cmd)}` printed {len(urls)} of {expected} 'serving' lines within "
                f"{timeout} s; stderr:\n{_tail(log)}"
            ) from None
        if line is None:
            code = proc.wait(timeout)
            raise ServeFailed(
                f"`{' '.join(cmd)}` exited with {code} before serving; stderr:\n{_tail(log)}"
            )
        match = SERVING.match(line)
        if match is None:
            continue
        printed.append(line)
        env_id = match["env"]
        urls.append(match["url"])

    def pick(scheme: str) -> str | None:
        found = [u for u in urls if u.startswith(scheme)]
        return found[0] if found else None

    ws_url = pick("ws://")
    if ws_url is None:
        raise ServeFailed(f"no ws:// listener among {printed}")
    return Served(
        ws_url=ws_url,
        unix_url=pick("unix://"),
        tcp_url=pick("msgpack+tcp://"),
        proc=proc,
        env_id=env_id,
        lines=tuple(printed),
        log=log,
    )


def _stop(proc: subprocess.Popen[str], timeout: float, log: Path) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
            raise ServeFailed(
                f"the server ignored SIGTERM for {timeout} s; stderr:\n{_tail(log)}"
            ) from None
    if proc.returncode != 0:
        raise ServeFailed(f"the server exited with {proc.returncode}; stderr:\n{_tail(log)}")


@dataclass(frozen=True)
class InProcess:
    """A :class:`ControlServer` running in the test's event loop, and its URLs."""

    server: ControlServer
    ws_url: str
    unix_url: str | None
    tcp_url: str | None

    @property
    def host(self) -> EnvHost:
        """The server's env host."""
        host = self.server.host
        assert isinstance(host, EnvHost)
        return host


@asynccontextmanager
async def running_server(
    env: str = "blackjack",
    *,
    seed: int | None = 1,
    shared: bool = False,
    unix: bool = True,
    tcp: bool = True,
    **server_options: Any,
) -> AsyncIterator[InProcess]:
    """A ControlServer for ``env`` on loopback (port 0, a unix socket and msgpack TCP unless
    turned off), closed on exit. ``server_options`` go to :class:`ControlServer` (token,
    max_connections, rate_limit, max_frame, clock, ...)."""
    tmp = short_tmp_dir()
    host = EnvHost(env, seed=seed, shared=shared)
    server = ControlServer(
        host,
        port=0,
        unix=tmp / "s.sock" if unix else None,
        msgpack_port=0 if tcp else None,
        **server_options,
    )
    try:
        urls = await server.start()

        def pick(scheme: str) -> str | None:
            return next((u for u in urls if u.startswith(scheme)), None)

        ws_url = pick("ws://")
        assert ws_url is not None
        yield InProcess(server, ws_url, pick("unix://"), pick("msgpack+tcp://"))
    finally:
        await server.close()
        shutil.rmtree(tmp, ignore_errors=True)


class FrameClient:
    """A bare msgpack-frame client: write frames, read frames, nothing else."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Wrap an open connection (see :meth:`connect`)."""
        self.reader = reader
        self.writer = writer
        self._next_id = 1

    @classmethod
    async def connect(cls, url: str) -> FrameClient:
        """Connect to ``unix:///path`` or ``msgpack+tcp://host:port``."""
        if url.startswith("unix://"):
            reader, writer = await asyncio.open_unix_connection(url.removeprefix("unix://"))
        elif url.startswith("msgpack+tcp://"):
            parts = urlsplit(url)
            assert parts.hostname is not None and parts.port is not None
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        else:
            raise ValueError(f"not a msgpack URL: {url}")
        return cls(reader, writer)

    def next_id(self) -> int:
        """A fresh, increasing request id."""
        self._next_id += 1
        return self._next_id - 1

    def send(self, *requests: Mapping[str, Any]) -> None:
        """Write the requests as frames in one write, adding an id to those without one."""
        frames = []
        for request in requests:
            body = dict(request)
            body.setdefault("id", self.next_id())
            frames.append(encode_frame(body))
        self.writer.write(b"".join(frames))

    def send_raw(self, data: bytes) -> None:
        """Write bytes as they are (broken frames, for tests of the server's defences)."""
        self.writer.write(data)

    async def read(self) -> Any:
        """The next response frame, decoded; None at end of stream (the server closed)."""
        try:
            header = await self.reader.readexactly(FRAME_HEADER.size)
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise
            return None
        (size,) = FRAME_HEADER.unpack(header)
        return msgpack.unpackb(await self.reader.readexactly(size), raw=False)

    async def call(self, request: Mapping[str, Any]) -> Any:
        """Send one request and read its response."""
        self.send(request)
        return await self.read()

    async def close(self) -> None:
        """Close the connection."""
        self.writer.close()
        with suppress(ConnectionError):
            await self.writer.wait_closed()


__all__ = [
    "API_KEY_VAR",
    "SERVING",
    "FrameClient",
    "InProcess",
    "ServeFailed",
    "Served",
    "running_server",
    "serve_process",
    "short_tmp_dir",
]
