"""``hypertoken peer --join ROOM --relay URL`` and nothing else: two daemons on one machine
take the first two automatic profiles, find each other, seat themselves, and a game plays
to one state through the default control sockets.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from hypertoken.cli.daemons import control_status, read_ready, start_peer, stop_peers
from peers.control import play_policy
from tests.integration.peerkit import relay_on_loopback


async def test_two_daemons_with_default_flags_play(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # not the user's real home
    async with relay_on_loopback() as relay:
        daemons = []
        try:
            for i in range(2):
                d = await start_peer(f"peer{i}", ["--join", "plain", "--relay", relay], tmp_path)
                daemons.append(d)
                await read_ready(d, 90)
            profiles = tmp_path / "xdg" / "hypertoken" / "peers"
            assert [d.control for d in daemons] == [
                f"unix://{profiles / str(n) / 'control.sock'}" for n in (1, 2)
            ]
            results = await asyncio.wait_for(
                asyncio.gather(
                    *(play_policy("random", d.control, seed=i) for i, d in enumerate(daemons))
                ),
                120,
            )
            assert all(r.episodes == 1 for r in results)
            hashes = {r.state_hash for r in results}
            assert len(hashes) == 1
            statuses = [await control_status(d.control) for d in daemons]
            assert {st["seat"] for st in statuses} == {"player_0", "player_1"}
            assert all(st["game"] == "blackjack_v1" for st in statuses)
            # `hypertoken status` with no flag finds the first profile's daemon.
            shown = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "hypertoken.cli",
                "status",
                "--json",
                stdout=asyncio.subprocess.PIPE,
            )
            out, _ = await asyncio.wait_for(shown.communicate(), 60)
            assert shown.returncode == 0
            assert json.loads(out)["peer_id"] == daemons[0].peer_id
        finally:
            await stop_peers(daemons)
