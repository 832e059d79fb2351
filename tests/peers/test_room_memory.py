"""Three peers of one room in one process, over in-memory transports: seating, the
commit-reveal start, a whole session to identical state, spectators, refusals.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from peers.room import Room
from tests.peers.roomplay import memory_room, play_seat, until


def _same_state(rooms: list[Room]) -> None:
    hashes = {r.engine.state_hash() for r in rooms if r.engine is not None}
    heads = {
        tuple(tuple(r.engine.chronicle.heads(e)) for e in r.engine.chronicle.epochs)
        for r in rooms
        if r.engine
    }
    assert len(hashes) == 1 and len(heads) == 1


def _settled(rooms: list[Room]) -> bool:
    """Whether every peer has folded the same number of entries (the session ended)."""
    if any(r.engine is None for r in rooms):
        return False
    return len({len(r.engine.chronicle.graph) for r in rooms if r.engine}) == 1


@pytest.mark.parametrize(
    ("game", "options"), [("blackjack", {"hands": 3}), ("prisoners_dilemma", {"rounds": 5})]
)
async def test_three_peers_play_a_session_to_one_state(
    tmp_path: Path, game: str, options: dict[str, object]
) -> None:
    players = 3 if game == "blackjack" else 2
    async with memory_room(tmp_path, game, players, spectators=1, options=options) as rooms:
        seated = rooms[:players]
        engines = [r.engine for r in rooms]
        assert all(engines)
        assert sorted(str(r.seat) for r in seated) == sorted(engines[0].game.seats)  # type: ignore[union-attr]
        assert rooms[-1].seat is None
        moves = await asyncio.wait_for(
            asyncio.gather(*(play_seat(r, i) for i, r in enumerate(seated))), 60
        )
        assert sum(moves) > 0
        await until(rooms, lambda: _settled(rooms), 30)
        assert all(e is not None and e.is_over for e in engines)
        _same_state(rooms)
        assert not any(r.status()["rejections"] for r in rooms)
