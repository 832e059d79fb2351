"""A stand-in for the peer daemon's ``peers.room.Room``, for tests of what sits on a room
(the control socket, bots): in-process peers of one room, built from real RoomEngines
(:func:`tests.kits.engine.make_room`), synced in lockstep after every move.

:class:`FakeRoom` has exactly the Room API the control socket uses (``seat``, ``version``,
``engine``, ``status()``, ``wait_changed``, ``wait_started``, ``play``), so the real Room
drops in. :class:`Table` holds every peer's FakeRoom; the seats a test does not drive are
played by :func:`autoplay` tasks, which wait on ``wait_changed`` like any client (no polling,
no sleeps).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from hypertoken.engine import RoomEngine
from hypertoken.engine.room import SeatError
from hypertoken.engine.state import Outcome
from hypertoken.log.identity import peer_id_of
from tests.kits.engine import make_room, name_of, sync_all

__all__ = ["FakeRoom", "Table", "autoplay", "first_legal", "random_legal", "seats"]


class FakeRoom:
    """One peer's room, shaped like ``peers.room.Room`` (see the module docstring)."""

    def __init__(self, table: Table, index: int) -> None:
        self.table = table
        self.index = index
        #: The room's engine (the fake knows its genesis from the start).
        self.engine: RoomEngine | None = table.engines[index]
        mine = self.engine.my_seats
        #: This peer's seat; None for a spectator.
        self.seat: str | None = mine[0] if mine else None
        #: Bumped whenever the fold changed.
        self.version = 0
        self.plays = 0
        #: Tasks inside wait_changed now; ``waited`` is set when one starts waiting, ``idle``
        #: while none is (tests await them instead of sleeping).
        self.waiting = 0
        self.waited = asyncio.Event()
        self.idle = asyncio.Event()
        self.idle.set()
        self._changed = asyncio.Event()

    def bump(self) -> None:
        """The fold changed: wake every waiter."""
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_changed(self, since: int) -> int:
        """Return once ``version > since``."""
        if self.version > since:
            return self.version
        self.waiting += 1
        self.idle.clear()
        self.waited.set()
        try:
            while self.version <= since:
                await self._changed.wait()
        finally:
            self.waiting -= 1
            if not self.waiting:
                self.idle.set()
        return self.version

    async def wait_started(self) -> None:
        """Return once the engine exists and the seed is complete."""
        while self.engine is None or not self.engine.started:
            await self.wait_changed(self.version)

    async def play(self, action: int) -> Outcome:
        """Submit ``action`` for this seat, then sync every peer (raises having changed
        nothing: IllegalMoveError, SeatError)."""
        engine = self.engine
        if engine is None or self.seat is None:
            raise SeatError("this peer holds no seat in the room (it is spectating)")
        outcome = engine.submit(action, self.seat)
        self.plays += 1
        self.table.sync()
        return outcome

    def status(self) -> dict[str, Any]:
        """The Room's status fields."""
        engine = self.engine
        assert engine is not None
        chronicle = engine.chronicle
        me = name_of(engine)
        return {
            "room": engine.config.room,
            "peer_id": me,
            "peers": {name_of(e): "memory" for e in self.table.engines if name_of(e) != me},
            "seats": {s: peer_id_of(k) for s, k in engine.config.seats.items()},
            "started": engine.started,
            "over": engine.is_over,
            "entries": len(chronicle.graph),
            "heads": {e: [h.hex() for h in chronicle.heads(e)] for e in chronicle.epochs},
            "state_hash": engine.state_hash().hex(),
            "rejections": [
                f"{o.seat} {o.move}: {o.reason}" for o in engine.outcomes() if not o.accepted
            ],
        }


class Table:
    """``peers`` in-process peers of one room of ``game`` (``make_room``'s arguments: by
    default seat i is peer i's, extra peers spectate). With ``start`` the seed protocol has
    run; otherwise :meth:`start` runs it (waking ``wait_started``).
    """

    def __init__(
        self,
        game: str = "tictactoe",
        peers: int = 2,
        *,
        players: int | None = None,
        start: bool = True,
        options: dict[str, Any] | None = None,
        **config: Any,
    ) -> None:
        self.engines = make_room(
            game, peers, players=players, start=start, options=options, **config
        )
        self.rooms = [FakeRoom(self, i) for i in range(peers)]

    def sync(self) -> None:
        """Sync every pair until quiet, then bump every room."""
        sync_all(self.engines)
        for room in self.rooms:
            room.bump()

    def start(self) -> None:
        """Run the seed protocol (every seated peer commits and reveals)."""
        for engine in self.engines:
            if engine.my_seats:
                engine.start()
        self.sync()

    def room(self, seat: str | None) -> FakeRoom:
        """The room of the peer holding ``seat`` (None: the first spectator)."""
        return next(r for r in self.rooms if r.seat == seat)

    def state_hashes(self) -> set[str]:
        """Every peer's state hash (one value once they converged)."""
        return {e.state_hash().hex() for e in self.engines}


Chooser = Callable[[np.ndarray, random.Random], int]


def random_legal(mask: np.ndarray, rng: random.Random) -> int:
    """A uniformly drawn legal action."""
    legal = [int(i) for i in np.flatnonzero(mask)]
    return legal[int(rng.random() * len(legal))]


def first_legal(mask: np.ndarray, rng: random.Random) -> int:
    """The lowest legal action."""
    return int(np.flatnonzero(mask)[0])


async def autoplay(
    room: FakeRoom, choose: Chooser = random_legal, *, seed: int = 0, moves: int | None = None
) -> int:
    """Play ``room``'s seat whenever it may move, until the game is over (or ``moves``
    moves); returns the moves played. Waits on ``wait_changed`` between turns.
    """
    rng = random.Random(seed)
    seat = room.seat
    assert seat is not None
    played = 0
    await room.wait_started()
    while moves is None or played < moves:
        version = room.version
        engine = room.engine
        assert engine is not None
        if engine.is_over:
            break
        mask = engine.legal_mask(seat)
        if engine.is_to_move(seat) and mask.any():
            await room.play(choose(mask, rng))
            played += 1
            continue
        await room.wait_changed(version)
    return played


def seats(table: Table) -> Sequence[str]:
    """The room's seats in order."""
    engine = table.engines[0]
    return list(engine.config.seats)
