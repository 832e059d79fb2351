"""Test helpers for the control socket: a real ``hypertoken serve`` process on loopback.

:func:`serve_process` starts ``python -m hypertoken.cli serve --port 0 ...`` as a subprocess,
reads the URLs from the "serving ..." lines it prints, yields them as a :class:`Served`, and on
exit sends SIGTERM and asserts a clean exit 0. The unix socket lives in a fresh short
directory under /tmp (unix socket paths are limited to about 107 bytes).
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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
    tmp = Path(tempfile.mkdtemp(prefix="ht", dir="/tmp" if os.path.isdir("/tmp") else None))
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


__all__ = ["API_KEY_VAR", "SERVING", "ServeFailed", "Served", "serve_process"]
