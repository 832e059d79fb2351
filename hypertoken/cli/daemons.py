"""Peer daemons as subprocesses: start one, read its ready line, ask its status, stop it.

``hypertoken demo`` and the multi-process tests run ``hypertoken peer`` daemons this way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

__all__ = ["Daemon", "control_status", "read_ready", "start_peer", "stop_peers"]


@dataclass
class Daemon:
    """One peer daemon started as a subprocess (its stderr goes to ``log``)."""

    name: str
    proc: asyncio.subprocess.Process
    control: str = ""
    peer_id: str = ""
    log: Path = field(default_factory=Path)


async def read_ready(d: Daemon, timeout: float) -> None:
    """Wait for the daemon's ready line and read its peer id and control URL."""
    assert d.proc.stdout is not None
    try:
        line = await asyncio.wait_for(d.proc.stdout.readline(), timeout)
    except asyncio.TimeoutError:
        raise click.ClickException(
            f"{d.name} did not start in {timeout:.0f} s (log: {d.log})"
        ) from None
    if not line:
        tail = d.log.read_text()[-2000:] if d.log.exists() else ""
        raise click.ClickException(f"{d.name} exited before it was ready:\n{tail}")
    info = json.loads(line)
    unix = [u for u in info["control"] if u.startswith("unix:")]
    d.control, d.peer_id = (unix or info["control"])[0], info["peer_id"]


def _stop_with_parent() -> None:
    """In the child, before it runs: on Linux, ask for SIGTERM (a graceful close) when the
    process that started it dies, so a killed demo or test run leaves no daemon behind.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


async def start_peer(name: str, args: list[str], workdir: Path) -> Daemon:
    """Start ``hypertoken peer ARGS`` (stderr to ``workdir/NAME.log``)."""
    log = workdir / f"{name}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hypertoken.cli",
        "peer",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=open(log, "wb"),  # noqa: SIM115 (the child owns it)
        env=env,
        start_new_session=True,
        preexec_fn=_stop_with_parent,
    )
    return Daemon(name, proc, log=log)


async def control_status(url: str) -> dict[str, Any]:
    """The ``status`` answer of the control socket at ``url``."""
    from hypertoken.client import AsyncHyperTokenClient

    async with AsyncHyperTokenClient(url, timeout=10.0) as client:
        return await client.request({"cmd": "status"})


async def stop_peers(daemons: list[Daemon]) -> None:
    """SIGTERM every daemon (a graceful close), then SIGKILL whatever is still running."""
    for d in daemons:
        if d.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                d.proc.send_signal(signal.SIGTERM)
    for d in daemons:
        try:
            await asyncio.wait_for(d.proc.wait(), 10)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(d.proc.pid, signal.SIGKILL)
            await d.proc.wait()
