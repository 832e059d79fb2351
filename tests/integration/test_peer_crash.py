"""A daemon killed with SIGKILL mid-session and restarted on the same data dir rejoins,
has lost no entry it acknowledged, and the session completes to one state.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
from pathlib import Path

from hypertoken.client import AsyncHyperTokenClient
from hypertoken.policies import resolve
from peers.control import play_policy
from tests.integration.peerkit import relay_on_loopback, room_of_daemons


async def _play_some(url: str, moves: int) -> int:
    """Make ``moves`` acknowledged moves for the daemon's seat (basic strategy)."""
    policy = resolve("basic-strategy", "blackjack")
    rng = random.Random(0)
    made = 0
    async with AsyncHyperTokenClient(url, timeout=60) as client:
        turn = await client.reset_turn()
        while made < moves and not turn["terminated"]:
            action = policy.act(turn["observation"], turn["mask"], rng)
            turn = await client.step_turn(int(action))
            made += 1  # the daemon answered: the move is saved
    return made


async def test_sigkill_and_restart_lose_no_acknowledged_entry(tmp_path: Path) -> None:
    async with relay_on_loopback() as relay:
        flags = ("--players", "2", "--option", "hands=6", "--no-webrtc")
        async with room_of_daemons(tmp_path, relay, "crash-room", *flags) as room:
            await room.start(0)
            await room.start(1)
            other = asyncio.create_task(
                play_policy("basic-strategy", room.daemons[1].control, seed=2)
            )
            acked = await _play_some(room.daemons[0].control, 3)
            assert acked == 3
            before = (await room.statuses())[0]
            os.kill(room.daemons[0].proc.pid, signal.SIGKILL)
            await room.daemons[0].proc.wait()
            await room.start(0)  # the same data dir: the same identity, seat and chronicle
            after = (await room.statuses())[0]
            assert after["peer_id"] == before["peer_id"] and after["seat"] == before["seat"]
            # Two seed entries (commit, reveal) and every acknowledged move survived.
            assert after["own_entries"] >= before["own_entries"] >= acked + 2
            mine = asyncio.create_task(
                play_policy("basic-strategy", room.daemons[0].control, seed=1)
            )
            await asyncio.wait_for(asyncio.gather(mine, other), 120)
            statuses = await room.converged()
            assert len({st["state_hash"] for st in statuses}) == 1
            assert all(st["over"] for st in statuses)
            assert not any(st["rejections"] for st in statuses)
