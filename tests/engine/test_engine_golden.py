"""State hashes of fixed move sequences are pinned, so any change to what the fold
reaches is deliberate. The values were recorded when the log got its signed order (0.2,
issue [E]): the fold state no longer carries per-actor lamports (the signed order replaces
them) and it now carries the seed deadline, forfeits and timeout claims, so every state
hash changed then; the moves and the World they produce did not.
"""

from __future__ import annotations

import random
import time

import pytest

import games
from hypertoken.engine import LocalEngine
from tests.kits.engine import make_room, sync_all

#: (game, players, episode seed) -> (moves, state hash) of a training episode.
LOCAL = {
    ("tictactoe", 2, 0): (7, "03fd7dd88d7fec46a843f73250f46ec835f39fff81fa0579525e9c97d8f14a74"),
    ("grab", 3, 1): (12, "ab348352e405e42572bab4e90e78763d46d26b064e27c2892f2403c8c345d2d9"),
    ("prisoners_dilemma", 2, 2): (
        200,
        "eebd9b5f8078c44a66a363f212272c12b4c0440b1c4d4e4f04c4aa757856842d",
    ),
}

#: (game, peers, epoch size) -> (entries, state hash, epochs) of a room.
ROOM = {
    ("tictactoe", 2, 8): (
        19,
        "676629b7d1c75c7b3d398681b66d8ad6cac59bf8d27624fb2dc83e7e833b7724",
        [0, 1, 2],
    ),
    ("grab", 3, 5): (
        18,
        "a4203d3d0a7eb8c44f1c29a9591a717b83d1f920aab92e5b9f3d3cf84df19d14",
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
