"""``hypertoken bot`` and ``hypertoken status`` (and :func:`peers.control.run_bot` /
:func:`~peers.control.play_policy` behind them), against a real
:class:`~hypertoken.control.servers.ControlServer` in this process: on a fake Room of real
RoomEngines (:mod:`tests.peers.roomkit`), or on a served env.

The command runs in a worker thread (click's runner blocks) while the server and the other
seats play on the test's event loop; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
from click.testing import CliRunner, Result

from hypertoken.cli import main
from hypertoken.control import EnvHost
from hypertoken.control.servers import ControlHost, ControlServer
from hypertoken.policies import Policy
from peers.control import RoomHost, play_policy, run_bot
from tests.kits.control import short_tmp_dir
from tests.peers.roomkit import Table, autoplay

HUNG = 60.0
"""Seconds after which a wait means the test hung (never a timing assertion)."""


@asynccontextmanager
async def control(host: ControlHost) -> AsyncIterator[tuple[str, str]]:
    """A ControlServer around ``host``: its unix:// and ws:// URLs."""
    tmp = short_tmp_dir()
    server = ControlServer(host, port=0, unix=tmp / "ht.sock")
    try:
        ws_url, unix_url = await server.start()
        yield unix_url, ws_url
    finally:
        await server.close()
        shutil.rmtree(tmp, ignore_errors=True)


async def invoke(*args: str) -> Result:
    """``hypertoken ARGS`` in a worker thread."""
    runner = CliRunner()
    return await asyncio.wait_for(
        asyncio.to_thread(runner.invoke, main, list(args), catch_exceptions=False), HUNG
    )


async def test_bot_plays_its_seat_of_a_room_to_the_end() -> None:
    table = Table("blackjack", 2, options={"hands": 3})
    mine = table.room("player_0")
    other = asyncio.create_task(autoplay(table.room("player_1"), seed=5))
    async with control(RoomHost(mine)) as (unix_url, _):
        result = await invoke(
            "bot", "--policy", "basic-strategy", "--control", unix_url, "--seed", "1", "-v"
        )
    await asyncio.wait_for(other, HUNG)
    assert result.exit_code == 0, result.output
    assert mine.engine is not None and mine.engine.is_over
    lines = result.output.splitlines()
    moves = [line for line in lines if line.startswith("player_0: ")]
    assert len(moves) == mine.plays > 0  # one line per move, of this seat only
    assert lines[-1].startswith("game over: 1 episode(s)")
    assert mine.engine.state_hash().hex()[:16] in lines[-1]


async def test_play_policy_plays_any_policy_object() -> None:
    table = Table("prisoners_dilemma", 2, options={"rounds": 4})
    mine = table.room("player_1")
    seen: list[tuple[int, ...]] = []

    def defect(observation: np.ndarray, mask: np.ndarray | None, rng: random.Random) -> int:
        assert mask is not None
        seen.append(tuple(int(x) for x in mask))
        return 1

    other = asyncio.create_task(autoplay(table.room("player_0"), seed=3))
    async with control(RoomHost(mine)) as (_, ws_url):
        result = await asyncio.wait_for(
            play_policy(Policy.from_callable(defect, name="defect"), ws_url, seed=0), HUNG
        )
    await asyncio.wait_for(other, HUNG)
    assert seen == [(1, 1)] * 4
    assert result.moves == {"player_1": 4}
    engine = mine.engine
    assert engine is not None and engine.is_over
    assert result.returns["player_1"] == engine.rewards()["player_1"]
    assert result.state_hash == engine.state_hash().hex()


async def test_run_bot_plays_every_agent_of_a_served_env_for_its_episodes() -> None:
    async with control(EnvHost("blackjack", seed=11)) as (unix_url, _):
        result = await asyncio.to_thread(run_bot, "random", unix_url, seed=2, episodes=3)
    assert result.episodes == 3
    assert set(result.moves) <= {"player_0"}


async def test_bot_with_an_unknown_policy_lists_the_games_policies() -> None:
    table = Table("tictactoe", 2)
    async with control(RoomHost(table.room("player_0"))) as (unix_url, _):
        result = await invoke("bot", "--policy", "no-such", "--control", unix_url)
    assert result.exit_code == 2
    assert "no policy named 'no-such'" in result.output
    assert "random" in result.output


async def test_bot_without_a_daemon_fails_cleanly() -> None:
    tmp = short_tmp_dir()
    try:
        result = await invoke("bot", "--policy", "random", "--control", f"unix://{tmp}/none.sock")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    assert result.exit_code == 1
    assert "cannot connect" in result.output


# ---- hypertoken status ---------------------------------------------------------------------------


def _status_of(table: Table, seat: str | None) -> dict[str, Any]:
    return {"mode": "room", "seat": seat, **table.room(seat).status()}


async def test_status_shows_the_room() -> None:
    table = Table("tictactoe", 3, players=2)
    await table.room("player_0").play(4)
    room = table.room("player_1")
    async with control(RoomHost(room)) as (unix_url, _):
        shown = await invoke("status", "--control", unix_url)
        raw = await invoke("status", "--control", unix_url, "--json")
    assert shown.exit_code == 0, shown.output
    status = json.loads(raw.output)
    assert status["heads"] == {
        str(e): heads for e, heads in _status_of(table, "player_1")["heads"].items()
    }
    assert status["seat"] == "player_1" and status["mode"] == "room"
    text = shown.output
    assert "room test-room" in text and "seat player_1" in text
    for peer in status["peers"]:
        assert peer in text
    assert "memory" in text  # the transport of each peer
    assert "player_0" in text and "player_1" in text
    assert str(status["entries"]) in text
    assert status["state_hash"] in text
    assert "rejections: none" in text


async def test_status_of_a_served_env() -> None:
    async with control(EnvHost("tictactoe", seed=1)) as (_, ws_url):
        result = await invoke("status", "--control", ws_url)
    assert result.exit_code == 0, result.output
    assert "tictactoe_v1" in result.output and "player_0" in result.output
