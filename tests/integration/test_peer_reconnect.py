"""The relay restarts mid-session: every daemon reaches it again, the peers resync, and the
session completes to one state. The bots on the control sockets never notice.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from hypertoken.cli.daemons import control_status
from peers.control import play_policy
from relay.config import RelayConfig
from relay.server import serve
from tests.integration.peerkit import room_of_daemons


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _relay(port: int, stop: asyncio.Event) -> asyncio.Task[None]:
    up: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve(RelayConfig(host="127.0.0.1", port=port), shutdown=stop, on_listening=up.set_result)
    )
    await asyncio.wait_for(up, 10)
    return task


async def test_daemons_reconnect_when_the_relay_restarts(tmp_path: Path) -> None:
    port = _free_port()
    stop_first = asyncio.Event()
    first = await _relay(port, stop_first)
    url = f"ws://127.0.0.1:{port}"
    flags = ("--players", "2", "--option", "hands=8", "--ice-host", "127.0.0.1")
    async with room_of_daemons(tmp_path, url, "restart-room", *flags) as room:
        await room.start(0)
        await room.start(1)
        bots = [
            asyncio.create_task(play_policy("basic-strategy", d.control, seed=i))
            for i, d in enumerate(room.daemons)
        ]
        # Let the game get going, then take the relay away under it.
        while (await control_status(room.daemons[0].control)).get("entries", 0) < 8:
            await asyncio.wait(bots, timeout=0.05)
        stop_first.set()
        await asyncio.wait_for(first, 10)
        stop_second = asyncio.Event()
        second = await _relay(port, stop_second)
        try:
            await asyncio.wait_for(asyncio.gather(*bots), 120)
            statuses = await room.converged(60)
            assert len({st["state_hash"] for st in statuses}) == 1
            assert all(st["over"] and not st["rejections"] for st in statuses)
            assert all(len(st["peers"]) == 1 for st in statuses)  # reachable again
            logs = [d.log.read_text() for d in room.daemons]
            assert all("reconnected to the relay" in log for log in logs)
        finally:
            stop_second.set()
            await asyncio.wait_for(second, 10)
