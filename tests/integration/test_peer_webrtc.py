"""Three ``hypertoken peer`` processes and a real relay on loopback: seeded bots play to the
end over real WebRTC data channels (and, with ICE made to fail, over the relay), and every
peer holds the same Chronicle and state. ``hypertoken demo`` runs too.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from hypertoken.cli.daemons import stop_peers
from peers.control import play_policy
from tests.integration.peerkit import relay_on_loopback, room_of_daemons

#: aioice offers no loopback candidates: the daemons offer 127.0.0.1 only.
LOOPBACK = ("--ice-host", "127.0.0.1")
#: A TEST-NET address nothing answers on: ICE cannot connect, so each pair falls back.
UNREACHABLE = ("--ice-host", "192.0.2.1", "--connect-timeout", "2")


async def _session(tmp: Path, name: str, *flags: str) -> list[dict[str, object]]:
    async with relay_on_loopback() as relay:
        common = ("--players", "3", "--option", "hands=3", *flags)
        async with room_of_daemons(tmp, relay, name, *common) as room:
            await room.start(0)  # the first peer creates the room
            await asyncio.gather(room.start(1), room.start(2))
            bots = [
                play_policy("basic-strategy", d.control, seed=i) for i, d in enumerate(room.daemons)
            ]
            results = await asyncio.wait_for(asyncio.gather(*bots), 120)
            assert all(r.episodes == 1 for r in results)
            statuses = await room.converged()
            # SIGTERM is a graceful close: each daemon saves, says bye and exits 0.
            await stop_peers(room.daemons)
            for d in room.daemons:
                assert d.proc.returncode == 0, d.log.read_text()[-2000:]
                assert "Traceback" not in d.log.read_text()
            return statuses


async def test_three_processes_converge_over_webrtc(tmp_path: Path) -> None:
    statuses = await _session(tmp_path, "webrtc-room", *LOOPBACK)
    assert len({st["state_hash"] for st in statuses}) == 1
    assert len({str(st["heads"]) for st in statuses}) == 1
    assert all(st["over"] and not st["rejections"] for st in statuses)
    for st in statuses:  # every pair really used a data channel
        peers = st["peers"]
        assert isinstance(peers, dict) and len(peers) == 2
        assert set(peers.values()) == {"webrtc"}, peers
    assert sorted(str(st["seat"]) for st in statuses) == ["player_0", "player_1", "player_2"]


async def test_the_session_completes_over_the_relay_when_ice_fails(tmp_path: Path) -> None:
    statuses = await _session(tmp_path, "fallback-room", *UNREACHABLE)
    assert len({st["state_hash"] for st in statuses}) == 1
    assert all(st["over"] and not st["rejections"] for st in statuses)
    for st in statuses:
        peers = st["peers"]
        assert isinstance(peers, dict) and set(peers.values()) == {"relay"}, peers


def test_hypertoken_demo_runs_and_proves_convergence() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hypertoken.cli", "demo", "--hands", "10"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "converged: 4 peers, one state" in done.stdout
    assert "webrtc" in done.stdout and "spectator" in done.stdout


async def test_a_prisoners_dilemma_room_with_tit_for_tat(tmp_path: Path) -> None:
    async with relay_on_loopback() as relay:
        flags = ("--game", "prisoners_dilemma", "--option", "rounds=5", *LOOPBACK)
        async with room_of_daemons(tmp_path, relay, "pd-room", *flags) as room:
            await room.start(0)
            await room.start(1)
            results = await asyncio.wait_for(
                asyncio.gather(
                    play_policy("tit-for-tat", room.daemons[0].control, seed=1),
                    play_policy("random", room.daemons[1].control, seed=2),
                ),
                120,
            )
            statuses = await room.converged()
    assert len({st["state_hash"] for st in statuses}) == 1
    assert [r.moves for r in results] == [{"player_0": 5}, {"player_1": 5}]
    moves = statuses[0]["moves"]
    assert isinstance(moves, list)
    mine = [m for s, m, _ in moves if s == "player_0"]
    theirs = [m for s, m, _ in moves if s == "player_1"]
    # Tit for tat, played through the control socket in a room: cooperate, then copy.
    assert mine == ["cooperate", *theirs[:-1]]
