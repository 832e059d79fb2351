"""The control socket in room mode (:mod:`peers.control`): a connection bound to the
daemon's seat, over a fake of the daemon's Room made of real RoomEngines
(:mod:`tests.peers.roomkit`).

Most checks talk to a :class:`~peers.control.RoomSession` directly; the rest go through a
real :class:`~hypertoken.control.servers.ControlServer` on a Unix socket and a WebSocket,
with HyperToken's own client (``HyperTokenAECEnv``) or bare frame clients. Nothing sleeps:
the tests wait on the fake room's events (``waited``: a session started waiting;
``idle``: no wait is left), with timeouts that only fail a hung test.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest

from hypertoken.client import HyperTokenAECEnv
from hypertoken.control import EnvHost
from hypertoken.control.servers import ControlServer
from hypertoken.protocol.control import encode_frame
from peers.control import RoomHost, RoomLike, RoomSession, run_bot
from tests.kits.control import FrameClient, short_tmp_dir
from tests.peers.roomkit import FakeRoom, Table, autoplay, first_legal
from tests.peers.roomplay import memory_room
from tests.peers.roomplay import play_seat as play_room_seat

HUNG = 30.0
"""Seconds after which a wait means the test hung (never a timing assertion)."""


class CountingSession(RoomSession):
    """A RoomSession that records every request's command on its host."""

    async def answer(self, request: object) -> dict[str, Any]:
        host = self.host
        assert isinstance(host, CountingHost)
        host.commands.append(request.get("cmd") if isinstance(request, dict) else None)
        return await super().answer(request)


class CountingHost(RoomHost):
    """A RoomHost whose sessions count requests, and which signals when one ends."""

    def __init__(self, room: RoomLike) -> None:
        super().__init__(room)
        self.commands: list[object] = []
        self.ended_event = asyncio.Event()

    def session(self, *, require_ids: bool = False) -> RoomSession:
        self.connections += 1
        return CountingSession(self, require_ids=require_ids)

    def ended(self, session: RoomSession) -> None:
        super().ended(session)
        self.ended_event.set()


@dataclass
class Running:
    """A ControlServer on one room: its host and URLs."""

    server: ControlServer
    host: CountingHost
    ws_url: str
    unix_url: str

    def url(self, kind: str) -> str:
        """The URL of ``kind`` ("unix" or "ws")."""
        return self.unix_url if kind == "unix" else self.ws_url


@asynccontextmanager
async def serving(room: RoomLike, **options: Any) -> AsyncIterator[Running]:
    """A ControlServer around ``room`` on a Unix socket and a WebSocket (port 0)."""
    tmp = short_tmp_dir()
    host = CountingHost(room)
    server = ControlServer(host, port=0, unix=tmp / "ht.sock", **options)
    try:
        ws_url, unix_url = await server.start()
        yield Running(server, host, ws_url, unix_url)
    finally:
        await server.close()
        shutil.rmtree(tmp, ignore_errors=True)


async def ask(session: RoomSession, cmd: str, **fields: Any) -> dict[str, Any]:
    """One request straight to a session."""
    return await asyncio.wait_for(session.answer({"cmd": cmd, **fields}), HUNG)


def snapshot(table: Table) -> tuple[set[str], list[int]]:
    """Every peer's state hash and entry count."""
    return table.state_hashes(), [len(e.chronicle.graph) for e in table.engines]


# ---- seat binding -----------------------------------------------------------------------------


async def test_step_for_another_seat_is_refused_naming_both_seats() -> None:
    table = Table("tictactoe", 2)
    session = RoomHost(table.room("player_1")).session()
    before = snapshot(table)
    response = await ask(session, "step", action=4)
    assert response["code"] == "not_your_seat"
    assert response["error"] == "it is player_0's turn; this connection plays player_1"
    assert snapshot(table) == before


async def test_a_seat_that_moved_this_round_may_not_move_again() -> None:
    table = Table("prisoners_dilemma", 2)
    session = RoomHost(table.room("player_0")).session()
    assert await ask(session, "step", action=0) == {"ok": True}
    before = snapshot(table)
    response = await ask(session, "step", action=1)
    assert response["code"] == "not_your_seat"
    assert "player_0 may not move now" in response["error"]
    assert snapshot(table) == before


async def test_observe_and_mask_answer_only_for_the_seat() -> None:
    table = Table("tictactoe", 2)
    room = table.room("player_1")
    session = RoomHost(room).session()
    for cmd in ("observe", "action_mask"):
        response = await ask(session, cmd, agent="player_0")
        assert response["code"] == "not_your_seat"
        assert "this connection plays player_1" in response["error"]
    engine = room.engine
    assert engine is not None
    view = engine.game.player_view(engine.world, "player_1")
    assert (await ask(session, "observe", agent="player_1"))["observation"] == view.tolist()
    mask = (await ask(session, "action_mask", agent="player_1"))["mask"]
    assert mask == [False] * 9  # player_0 is to move


async def test_agents_is_the_seat_until_the_game_is_over() -> None:
    table = Table("tictactoe", 2)
    session = RoomHost(table.room("player_0")).session()
    assert await ask(session, "agents") == {"agents": ["player_0"]}
    assert await ask(session, "possible_agents") == {"possible_agents": ["player_0", "player_1"]}
    opponent = asyncio.create_task(autoplay(table.room("player_1"), first_legal))
    turn = (await ask(session, "reset", reply="turn"))["turn"]
    while not turn["terminated"]:
        turn = (await ask(session, "step", action=turn["mask"].index(True), reply="turn"))["turn"]
        assert turn["agent"] == "player_0"
    await asyncio.wait_for(opponent, HUNG)
    assert turn["agents"] == ["player_0"] and turn["finished"] == {}
    assert await ask(session, "agents") == {"agents": []}
    out = await ask(session, "step", action=None, reply="turn")
    assert out["turn"]["agents"] == []
    assert (await ask(session, "step", action=0))["code"] == "episode_over"


async def test_reset_waits_for_the_room_to_start() -> None:
    table = Table("tictactoe", 2, start=False)
    room = table.room("player_0")
    session = RoomHost(room).session()
    reset = asyncio.create_task(session.answer({"cmd": "reset", "reply": "turn"}))
    await asyncio.wait_for(room.waited.wait(), HUNG)
    assert not reset.done()
    table.start()
    response = await asyncio.wait_for(reset, HUNG)
    assert response["turn"]["agent"] == "player_0"
    assert response["turn"]["mask"] == [True] * 9


async def test_last_reward_is_what_the_seat_earned_since_it_moved() -> None:
    table = Table("prisoners_dilemma", 2, options={"rounds": 3})
    room = table.room("player_0")
    session = RoomHost(room).session()
    opponent = asyncio.create_task(autoplay(table.room("player_1"), first_legal))
    turn = (await ask(session, "reset", reply="turn"))["turn"]
    total = turn["reward"]
    while not turn["terminated"]:
        turn = (await ask(session, "step", action=1, reply="turn"))["turn"]
        total += turn["reward"]
    await asyncio.wait_for(opponent, HUNG)
    assert room.engine is not None
    assert total == pytest.approx(room.engine.rewards()["player_0"])
    rewards = (await ask(session, "rewards"))["rewards"]
    assert rewards == pytest.approx(room.engine.rewards())


# ---- bad input ----------------------------------------------------------------------------------


async def test_bad_input_is_answered_and_changes_nothing() -> None:
    table = Table("tictactoe", 2)
    session = RoomHost(table.room("player_0")).session()
    assert await ask(session, "step", action=0) == {"ok": True}
    await table.room("player_1").play(1)
    before = snapshot(table)
    cases: list[tuple[object, str]] = [
        ({"cmd": "nope"}, "unknown_command"),
        ({"cmd": "step"}, "missing_field"),
        ({"cmd": "step", "action": "x"}, "bad_field"),
        ({"cmd": "step", "action": 99}, "bad_action"),
        ({"cmd": "step", "action": -1}, "bad_action"),
        ({"cmd": "step", "action": None}, "bad_action"),
        ({"cmd": "step", "action": 0}, "illegal_move"),
        ({"cmd": "reset", "seed": 3}, "bad_field"),
        ({"cmd": "step_all", "actions": {"player_0": 2}}, "bad_request"),
        ({"cmd": "observe", "agent": "nobody"}, "bad_field"),
        ({"cmd": "observation_space", "agent": "nobody"}, "bad_field"),
        ([1, 2], "bad_request"),
    ]
    for request, code in cases:
        response = await asyncio.wait_for(session.answer(request), HUNG)
        assert response.get("code") == code, (request, response)
        assert snapshot(table) == before, request
    assert '"code":"bad_json"' in await session.answer_json("{not json")
    assert b"bad_msgpack" in await session.answer_msgpack(b"\xc1")
    assert snapshot(table) == before


async def test_msgpack_ids_are_checked() -> None:
    table = Table("tictactoe", 2)
    session = RoomHost(table.room("player_0")).session(require_ids=True)
    assert (await session.answer({"cmd": "ping"}))["code"] == "missing_field"
    assert (await session.answer({"cmd": "ping", "id": 5}))["id"] == 5
    again = await session.answer({"cmd": "step", "action": 4, "id": 5})
    assert again["code"] == "duplicate_id" and again["id"] == 5
    assert table.engines[0].current_player() == "player_0"


# ---- spectators ---------------------------------------------------------------------------------


async def test_a_spectator_reads_and_cannot_move_or_observe() -> None:
    table = Table("tictactoe", 3, players=2)  # peer 2 holds no seat
    room = table.room(None)
    session = RoomHost(room).session()
    before = snapshot(table)
    for request in (
        {"cmd": "step", "action": 4},
        {"cmd": "observe", "agent": "player_0"},
        {"cmd": "last"},
        {"cmd": "action_mask", "agent": "player_0"},
    ):
        response = await ask(session, **request)  # type: ignore[arg-type]
        assert response["code"] == "read_only", request
        assert "spectates" in response["error"]
    assert snapshot(table) == before
    assert await ask(session, "agents") == {"agents": ["player_0", "player_1"]}
    assert await ask(session, "agent_selection") == {"agent": "player_0"}
    assert (await ask(session, "state_hash"))["hash"] == table.engines[2].state_hash().hex()
    status = await ask(session, "status")
    assert status["mode"] == "room" and status["seat"] is None
    assert (await ask(session, "env_info"))["seat"] is None


# ---- status ------------------------------------------------------------------------------------


async def test_status_answers_the_rooms_status() -> None:
    table = Table("tictactoe", 2)
    room = table.room("player_0")
    session = RoomHost(room).session()
    first = await ask(session, "status")
    await ask(session, "step", action=4)
    status = await ask(session, "status")
    engine = room.engine
    assert engine is not None
    assert status["mode"] == "room" and status["seat"] == "player_0"
    assert status["room"] == "test-room"
    assert status["peer_id"] == engine.identity.peer_id  # type: ignore[union-attr]
    assert list(status["peers"].values()) == ["memory"]
    assert set(status["seats"]) == {"player_0", "player_1"}
    assert status["entries"] == first["entries"] + 1
    assert status["state_hash"] == engine.state_hash().hex()
    assert status["started"] is True and status["over"] is False
    assert status["rejections"] == []
    assert all(isinstance(h, str) for heads in status["heads"].values() for h in heads)


def test_status_in_serve_mode_summarises_the_env() -> None:
    host = EnvHost("tictactoe", seed=7)
    session = host.session()
    status = session.handle({"cmd": "status"})
    assert status["mode"] == "serve"
    assert status["env_id"] == "tictactoe_v1"
    assert status["agents"] == ["player_0", "player_1"]
    assert status["agent_selection"] == "player_0"
    assert status["over"] is False
    assert status["state_hash"] == session.handle({"cmd": "state_hash"})["hash"]
    host.close()


# ---- the real client over real sockets -------------------------------------------------------


def play_seat(url: str) -> tuple[list[str], float, str]:
    """HyperTokenAECEnv's standard loop with the first legal action: the agents it
    iterated, the sum of last()'s rewards and the final state hash."""
    env = HyperTokenAECEnv(url)
    env.reset()
    seen: list[str] = []
    total = 0.0
    for agent in env.agent_iter():
        _, reward, terminated, truncated, info = env.last()
        seen.append(agent)
        total += reward
        done = terminated or truncated
        env.step(None if done else int(np.flatnonzero(info["action_mask"])[0]))
    state = env.state_hash()
    env.close()
    return seen, total, state


async def gated_opponent(table: Table, seat: str, watched: FakeRoom) -> int:
    """Play ``seat`` with the first legal action, each move only once the watched room's
    session is waiting for it (so the client provably waits while this seat moves)."""
    room = table.room(seat)
    played = 0
    while True:
        version = room.version
        engine = room.engine
        assert engine is not None
        if engine.is_over:
            return played
        mask = engine.legal_mask(seat)
        if engine.is_to_move(seat) and mask.any():
            await asyncio.wait_for(watched.waited.wait(), HUNG)
            assert watched.waiting == 1  # the other seat's request waits, it does not poll
            watched.waited.clear()
            await room.play(int(np.flatnonzero(mask)[0]))
            played += 1
            continue
        await room.wait_changed(version)


@pytest.mark.parametrize("kind", ["unix", "ws"])
async def test_the_aec_client_iterates_only_its_seat_and_waits(kind: str) -> None:
    table = Table("tictactoe", 2)
    mine = table.room("player_0")
    async with serving(mine) as running:
        client = asyncio.create_task(asyncio.to_thread(play_seat, running.url(kind)))
        opponent = asyncio.create_task(gated_opponent(table, "player_1", mine))
        seen, total, state = await asyncio.wait_for(client, HUNG)
        their_moves = await asyncio.wait_for(opponent, HUNG)
    assert mine.engine is not None and mine.engine.is_over
    assert seen == ["player_0"] * (mine.plays + 1)  # each of its turns, then its end
    assert their_moves >= mine.plays - 1 > 0
    assert total == pytest.approx(mine.engine.rewards()["player_0"])
    assert table.state_hashes() == {state}
    # One round trip per step: env_info, reset, a step per move, the step out (sent with
    # state_hash), state_hash and close. No request repeats while the other seat moves.
    expected = ["env_info", "reset", *["step"] * (mine.plays + 1), "state_hash", "close"]
    assert running.host.commands == expected


@pytest.mark.parametrize("kind", ["unix", "ws"])
async def test_closing_the_connection_cancels_the_wait(kind: str) -> None:
    table = Table("tictactoe", 2)
    room = table.room("player_1")  # player_0 is to move: player_1's requests wait
    async with serving(room) as running:
        if kind == "unix":
            frames = await FrameClient.connect(running.unix_url)
            frames.send({"cmd": "agent_selection"})
            await asyncio.wait_for(room.waited.wait(), HUNG)
            await frames.close()
        else:
            async with aiohttp.ClientSession() as http, http.ws_connect(running.ws_url) as ws:
                await ws.send_str('{"cmd": "agent_selection"}')
                await asyncio.wait_for(room.waited.wait(), HUNG)
        await asyncio.wait_for(running.host.ended_event.wait(), HUNG)
        await asyncio.wait_for(room.idle.wait(), HUNG)
        assert room.waiting == 0
        assert running.host.connections == 0


async def test_requests_behind_a_waiting_one_queue_in_order() -> None:
    table = Table("tictactoe", 2)
    room = table.room("player_1")
    async with serving(room) as running:
        frames = await FrameClient.connect(running.unix_url)
        frames.send({"cmd": "agent_selection", "id": 1}, {"cmd": "agents", "id": 2})
        await asyncio.wait_for(room.waited.wait(), HUNG)
        await table.room("player_0").play(4)
        assert await asyncio.wait_for(frames.read(), HUNG) == {"agent": "player_1", "id": 1}
        assert await asyncio.wait_for(frames.read(), HUNG) == {"agents": ["player_1"], "id": 2}
        await frames.close()


async def test_too_many_requests_behind_a_wait_close_the_connection() -> None:
    table = Table("tictactoe", 2)
    room = table.room("player_1")
    async with serving(room, max_pending=2) as running:
        frames = await FrameClient.connect(running.unix_url)
        frames.send({"cmd": "agent_selection"})
        await asyncio.wait_for(room.waited.wait(), HUNG)
        frames.send_raw(b"".join(encode_frame({"cmd": "ping", "id": i}) for i in (2, 3, 4)))
        refusal = await asyncio.wait_for(frames.read(), HUNG)
        assert refusal["code"] == "rate_limited" and refusal["id"] == 4
        assert "at most 2 requests may wait" in refusal["error"]
        assert await asyncio.wait_for(frames.read(), HUNG) is None
        await asyncio.wait_for(room.idle.wait(), HUNG)


# ---- the daemon's real Room --------------------------------------------------------------------


async def test_the_real_room_drops_in(tmp_path: Path) -> None:
    async with memory_room(tmp_path, "blackjack", 2, spectators=1) as rooms:
        mine, theirs, watcher = rooms
        async with serving(mine) as running:
            bot = asyncio.create_task(
                asyncio.to_thread(run_bot, "basic-strategy", running.unix_url, seed=1)
            )
            other = asyncio.create_task(play_room_seat(theirs, 2))
            result = await asyncio.wait_for(bot, HUNG)
            await asyncio.wait_for(other, HUNG)
        spectator = RoomHost(watcher).session()
        assert (await ask(spectator, "observe", agent="player_0"))["code"] == "read_only"
        await asyncio.wait_for(watcher.wait_changed(-1), HUNG)
        status = await ask(spectator, "status")
        assert mine.engine is not None and mine.engine.is_over
        assert result.state_hash == mine.engine.state_hash().hex()
        assert result.moves.keys() <= {mine.seat}
        assert status["mode"] == "room" and status["seat"] is None
