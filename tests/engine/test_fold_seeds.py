"""Move seeds: BLAKE2b of the room seed, the epoch and the index (the fold keeps the hash
state of the first two between moves; the seeds must not depend on that).
"""

from __future__ import annotations

import hashlib

import games
from hypertoken.engine import LocalEngine
from hypertoken.engine.state import FoldState


def expected(room_seed: bytes, epoch: int, index: int) -> int:
    digest = hashlib.blake2b(
        room_seed + epoch.to_bytes(8, "big") + index.to_bytes(8, "big"), digest_size=4
    ).digest()
    return int.from_bytes(digest, "big")


def test_seeds_follow_room_seed_epoch_and_index_in_any_order() -> None:
    referee = LocalEngine(games.make("tictactoe")).referee
    a, b = FoldState(room_seed=b"a" * 32), FoldState(room_seed=b"b" * 32)
    for st, epoch, index in [
        (a, 0, 1),
        (a, 0, 2),
        (a, 1, 2),
        (b, 1, 2),
        (a, 1, 2),
        (a, 0, 1),
        (FoldState(room_seed=b"a" * 32), 0, 1),
    ]:
        assert referee.seed_at(st, epoch, index) == expected(st.room_seed, epoch, index)
    assert referee.seed_at(FoldState(), 0, 1) == 0  # no room seed yet
