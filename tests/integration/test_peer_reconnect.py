"""The relay restarts mid-session (the room seated, its seed drawn): every daemon reaches it
again, the peers resync, and the game plays to one state.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

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

        async def until(ok: Callable[[list[dict[str, Any]]], bool]) -> None:
            while not ok([await control_status(d.control) for d in room.daemons]):
                await asyncio.sleep(0.05)

        # The room is seated and its seed drawn (the session is under way)...
        await asyncio.wait_for(until(lambda sts: all(st["started"] for st in sts)), 60)
        # ... when the relay goes away, and comes back on the same address.
        stop_first.set()
        await asyncio.wait_for(first, 10)
        await asyncio.wait_for(until(lambda sts: all(not st["peers"] for st in sts)), 30)
        stop_second = asyncio.Event()
        second = await _relay(port, stop_second)
        try:
            await asyncio.wait_for(until(lambda sts: all(len(st["peers"]) == 1 for st in sts)), 60)
            logs = [d.log.read_text() for d in room.daemons]
            assert all("reconnected to the relay" in log for log in logs)
            bots = [
                play_policy("basic-strategy", d.control, seed=i) for i, d in enumerate(room.daemons)
            ]
            await asyncio.wait_for(asyncio.gather(*bots), 120)
            statuses = await room.converged(60)
            assert len({st["state_hash"] for st in statuses}) == 1
            assert all(st["over"] and not st["rejections"] for st in statuses)
        finally:
            stop_second.set()
            await asyncio.wait_for(second, 10)
