"""Real multi-process rooms for the integration tests: an in-process relay on loopback and
``hypertoken peer`` daemons as subprocesses (:mod:`hypertoken.cli.daemons`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypertoken.cli.daemons import Daemon, control_status, read_ready, start_peer, stop_peers
from relay.config import RelayConfig
from relay.server import serve


@contextlib.asynccontextmanager
async def relay_on_loopback() -> AsyncIterator[str]:
    """A relay on 127.0.0.1 (a free port) for the duration; yields its ws:// URL."""
    stop = asyncio.Event()
    port: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve(RelayConfig(host="127.0.0.1", port=0), shutdown=stop, on_listening=port.set_result)
    )
    try:
        yield f"ws://127.0.0.1:{await asyncio.wait_for(port, 10)}"
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


@dataclass
class Room:
    """The daemons of one room started by a test."""

    relay: str
    workdir: Path
    name: str
    common: list[str]
    #: Peer index -> its daemon (the latest one started under that index).
    started: dict[int, Daemon] = field(default_factory=dict)

    @property
    def daemons(self) -> list[Daemon]:
        """The daemons, by peer index."""
        return [self.started[i] for i in sorted(self.started)]

    def args(self, i: int, *extra: str) -> list[str]:
        """Peer ``i``'s command line: the room's flags, its data dir and control socket."""
        own = ["--data-dir", str(self.workdir / f"peer{i}")]
        own += ["--control", f"unix://{self.workdir / f'peer{i}.sock'}"]
        return [*self.common, *own, *extra]

    async def start(self, i: int, *extra: str) -> Daemon:
        """Start peer ``i`` and wait until it is ready."""
        d = await start_peer(f"peer{i}", self.args(i, *extra), self.workdir)
        self.started[i] = d
        await read_ready(d, 90)
        return d

    async def statuses(self) -> list[dict[str, Any]]:
        """Every running daemon's status."""
        return [await control_status(d.control) for d in self.daemons]

    async def converged(self, timeout: float = 30) -> list[dict[str, Any]]:
        """Wait until every daemon reports the game over with one state hash and the same
        heads; returns their statuses (the last ones seen, if the wait timed out).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            sts = await self.statuses()
            keys = {(st.get("state_hash"), str(st.get("heads"))) for st in sts}
            if (len(keys) == 1 and all(st.get("over") for st in sts)) or loop.time() > deadline:
                return sts
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def room_of_daemons(tmp: Path, relay: str, name: str, *flags: str) -> AsyncIterator[Room]:
    """A :class:`Room` whose daemons are all stopped on exit (SIGTERM, then SIGKILL)."""
    common = ["--join", name, "--relay", relay, "--log-level", "info", *flags]
    room = Room(relay, tmp, name, common)
    try:
        yield room
    finally:
        await stop_peers(room.daemons)
