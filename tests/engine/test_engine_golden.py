"""State hashes of fixed move sequences are byte-identical to the ones the engine of 0.1
reached (the values were recorded from that tree): the two engines, the fold core they
share and the argument order changed, the fold did not.
"""

from __future__ import annotations

import random
import time

import pytest

import games
from hypertoken.engine import LocalEngine
from tests.kits.engine import make_room, sync_all

#: (game, players, episode seed) -> (moves, state hash) from 0.1's ``Engine.local``.
LOCAL = {
    ("tictactoe", 2, 0): (7, "7369a530078802eedac52bf5e14d5a2647246cfa7841d01c38100ed19a1c1987"),
    ("grab", 3, 1): (12, "55d39972d44bea5432652364d8dc2c1b122522a73daf052400abe06d11b38816"),
    ("prisoners_dilemma", 2, 2): (
        200,
        "de0fdbcddecc752d40e4d6ac3e5122ef5b96a56a43dfc01029b6110852abe7ee",
    ),
}

#: (game, peers, epoch size) -> (entries, state hash, epochs) from 0.1's room ``Engine``.
ROOM = {
    ("tictactoe", 2, 8): (
        19,
        "9adf5228b28f89f1a8fef9d21763d2b7d236a698fd33320697acdb9b492729a0",
        [0, 1, 2],
    ),
    ("grab", 3, 5): (
        18,
        "1bda176b7db16a1380787185c0a04b65021e288b7bc3f5dc215f8f87f0f28f8e",
        [0, 1, 2, 3],
    ),
}


@pytest.mark.parametrize("key", sorted(LOCAL))
def test_training_episodes_hash_as_before(key: tuple[str, int, int]) -> None:
    name, players, seed = key
    game = games.make(name, players)
    engine = LocalEngine(game, seed=seed)
    rng = random.Random(seed)
    moves = 0
    while not engine.is_over and moves < 300:
        seats = [s for s in game.seats if engine.legal_mask(s).any()]
        seat = rng.choice(seats)
        engine.step(rng.choice([i for i, ok in enumerate(engine.legal_mask(seat)) if ok]), seat)
        moves += 1
    assert (moves, engine.state_hash().hex()) == LOCAL[key]
    assert engine.fork().state_hash() == engine.state_hash()


@pytest.mark.parametrize("key", sorted(ROOM))
def test_room_folds_hash_as_before(
    key: tuple[str, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The seed entries take the wall clock, and the game's first turn starts then.
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    name, peers, epoch_size = key
    options = {"rounds": 5} if name == "tictactoe" else {}
    engines = make_room(name, peers, options=options, room="hash-room", epoch_size=epoch_size)
    rng = random.Random(7)
    for t in range(40):
        e = engines[rng.randrange(peers)]
        seat = e.my_seats[0]
        legal = [i for i, ok in enumerate(e.legal_mask(seat)) if ok]
        if legal:
            e.submit(rng.choice(legal), seat, time_ms=1000 + t)
        if rng.random() < 0.5:
            sync_all(engines)
    sync_all(engines)
    hashes = {e.state_hash().hex() for e in engines}
    assert len(hashes) == 1
    first = engines[0]
    assert (len(first.outcomes()), hashes.pop(), first.chronicle.epochs) == ROOM[key]
