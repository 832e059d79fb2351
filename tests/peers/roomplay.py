"""Helpers for room tests: peers of one room in one process over in-memory transports, and
a bot loop that plays a policy for a room's seat through :meth:`peers.room.Room.play`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import games
from hypertoken.log.identity import Identity
from hypertoken.policies import RandomLegal
from peers.room import Room
from peers.storage import RoomStore
from peers.transports.memory import MemoryHub

#: Fixed identities, so failures reproduce.
IDS = [Identity.from_seed(bytes([40 + i]) * 32) for i in range(8)]


def fixed_clock() -> int:
    """Every entry is stamped 5,000 ms, so digests repeat from run to run."""
    return 5_000


async def play_seat(room: Room, seed: int) -> int:
    """Play random legal moves for ``room``'s seat until the game is over; returns the
    number of moves made. Waits on the room's changes, never polls.
    """
    rng = random.Random(seed)
    policy = RandomLegal()
    await room.wait_started()
    engine = room.engine
    assert engine is not None and room.seat is not None
    moves = 0
    seen = room.version
    while not engine.is_over:
        mask = engine.legal_mask(room.seat)
        if mask.any():
            view = engine.game.player_view(engine.world, room.seat)
            action = policy.act(view, mask.astype(bool), rng)
            await room.play(int(action))
            moves += 1
            seen = room.version
            continue
        seen = await room.wait_changed(seen)
    return moves


@asynccontextmanager
async def memory_room(
    tmp: Path,
    game: str = "blackjack",
    players: int = 3,
    *,
    spectators: int = 0,
    options: dict[str, Any] | None = None,
    seats: Sequence[str | None] | None = None,
    hub: MemoryHub | None = None,
) -> AsyncIterator[list[Room]]:
    """``players`` seated peers and ``spectators`` watchers of one room over a MemoryHub,
    running; peer 0 creates the room. Closes everything on exit.
    """
    hub = hub or MemoryHub()
    made = games.make(game, players, **(options or {}))
    rooms: list[Room] = []
    tasks: list[asyncio.Task[None]] = []
    for i in range(players + spectators):
        ident = IDS[i]
        transport = hub.transport(ident.peer_id)
        store = RoomStore(tmp / f"peer{i}", "test-room")
        want = seats[i] if seats is not None and i < len(seats) else None
        room = Room(
            "test-room",
            ident,
            transport,
            store,
            made,
            seat=want,
            spectate=i >= players,
            clock=fixed_clock,
        )
        await transport.connect()
        tasks.append(asyncio.create_task(room.run()))
        expected = {r.identity.peer_id for r in rooms}
        await room.settle(expected, timeout=5.0)
        rooms.append(room)
    try:
        yield rooms
    finally:
        for room in rooms:
            await room.close()
            await room.transport.close()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)


async def until(rooms: Sequence[Room], done: Callable[[], bool], timeout: float = 20) -> None:
    """Wait on the rooms' changes (never a timer) until ``done()``; a hung test fails after
    ``timeout`` seconds instead of hanging.
    """

    async def wait() -> None:
        while not done():
            waits = [asyncio.create_task(r.wait_changed(r.version)) for r in rooms]
            _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()

    await asyncio.wait_for(wait(), timeout)
