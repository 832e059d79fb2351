"""Helpers for the engine and Chronicle tests: rooms of in-process peers that sync through
their sync sessions in memory (no network, no timers: delivery is lockstep).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import games
from hypertoken.engine import RoomEngine
from hypertoken.game import Game
from hypertoken.log.chronicle import Chronicle, RoomConfig
from hypertoken.log.identity import Identity

#: Fixed identities, so failures reproduce.
IDS = [Identity.from_seed(bytes([i + 1]) * 32) for i in range(6)]


def fixed_clock() -> int:
    """The clock of test peers: entries written without a time are stamped 5,000 ms, so
    digests, and with them the order of concurrent entries, repeat from run to run.
    """
    return 5_000


def room_config(game: Game, holders: Sequence[Identity], **kw: Any) -> RoomConfig:
    """A room where seat i is held by ``holders[i]``."""
    return RoomConfig.for_game(game, holders, room=kw.pop("room", "test-room"), **kw)


def make_room(
    name: str = "tictactoe",
    peers: int = 2,
    *,
    players: int | None = None,
    holders: Sequence[int] | None = None,
    start: bool = True,
    options: dict[str, Any] | None = None,
    engine: dict[str, Any] | None = None,
    **kw: Any,
) -> list[RoomEngine]:
    """``peers`` RoomEngines on fresh copies of one room's chronicle. Seat i is held by peer
    ``holders[i]`` (default: seat i by peer i). With ``start`` the seed protocol is run and
    everyone is synced, so the game has begun. ``engine`` holds RoomEngine keyword arguments;
    the rest are RoomConfig fields.
    """
    game = games.make(name, players or peers, **(options or {}))
    holders = list(holders) if holders is not None else list(range(len(game.seats)))
    config = room_config(game, [IDS[h] for h in holders], **kw)
    # Fixed Automerge actor ids: the merge order of concurrent entries depends on them, so
    # fixing them makes every run take the same paths.
    options_ = {"clock": fixed_clock, **(engine or {})}
    engines = [
        RoomEngine(game, Chronicle.create(config, actor=bytes([p + 1]) * 16), IDS[p], **options_)
        for p in range(peers)
    ]
    if start:
        for e in engines:
            if e.my_seats:  # a peer holding no seat only watches
                e.start()
        sync_all(engines)
    return engines


def name_of(engine: RoomEngine) -> str:
    """The name a peer is known by in sync sessions."""
    return engine.identity.peer_id if engine.identity else "reader"


def sync_pair(a: RoomEngine, b: RoomEngine, max_rounds: int = 50) -> int:
    """Exchange sync messages in lockstep until both sides are quiet. Returns messages sent."""
    sent = 0
    for _ in range(max_rounds):
        m1 = a.generate_sync_message(name_of(b))
        if m1 is not None:
            b.receive_sync_message(name_of(a), m1)
            sent += 1
        m2 = b.generate_sync_message(name_of(a))
        if m2 is not None:
            a.receive_sync_message(name_of(b), m2)
            sent += 1
        if m1 is None and m2 is None:
            return sent
    raise AssertionError("sync did not settle")


def sync_all(engines: Sequence[RoomEngine]) -> None:
    """Full-mesh sync until no pair has anything left to say."""
    for _ in range(10):
        sent = 0
        for i, a in enumerate(engines):
            for b in engines[i + 1 :]:
                sent += sync_pair(a, b)
        if not sent:
            return
    raise AssertionError("mesh sync did not settle")


def play_turns(engines: Sequence[RoomEngine], n: int, *, seed: int = 0, sync: bool = True) -> None:
    """Up to ``n`` legal moves of a turn-based game, each by whichever peer holds the seat
    to move (syncing everyone after each, unless ``sync=False``).
    """
    rng = random.Random(seed)
    for t in range(n):
        seat = engines[0].current_player()
        if seat is None:
            return
        e = next(x for x in engines if seat in x.my_seats)
        legal = [i for i, ok in enumerate(e.legal_mask(seat)) if ok]
        e.submit(rng.choice(legal), seat, time_ms=1_000 + t)
        if sync:
            sync_all(engines)


def verdicts(engine: RoomEngine) -> list[tuple[int, int, bytes, bool, str]]:
    """(epoch, index, digest, accepted, reason) of every entry, in fold order."""
    return [(o.epoch, o.index, o.digest, o.accepted, o.reason) for o in engine.outcomes()]


def assert_converged(engines: Sequence[RoomEngine]) -> None:
    """Every peer holds the same entries, the same verdicts and the same state, and that state
    is also what a fresh replay of the merged log reaches.
    """
    first = engines[0]
    for e in engines[1:]:
        assert e.chronicle.epochs == first.chronicle.epochs
        for ep in first.chronicle.epochs:
            assert e.chronicle.raw(ep) == first.chronicle.raw(ep)
        assert verdicts(e) == verdicts(first)
        assert e.state_hash() == first.state_hash()
    replayed = RoomEngine.replay(ch := first.chronicle.fork(), games.for_room(ch.config))
    assert verdicts(replayed) == verdicts(first)
    assert replayed.state_hash() == first.state_hash()
