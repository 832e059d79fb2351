"""Cuttle's three-player cutthroat variant (``Cuttle(3)``), and the pin that the
two-player game did not change when the variant was added.
"""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest

from games.cuttle import Cuttle
from hypertoken.engine import LocalEngine

# ---- the two-player game is pinned ---------------------------------------------------


def seeded_two_player_game(seed: int) -> tuple[int, str, str, str, dict[str, float]]:
    """A two-player game of seeded random legal moves: its length, final state hash, a
    digest of its actions and of both seats' views before every move, and its rewards.
    """
    engine = LocalEngine(Cuttle(), seed=seed)
    rng = random.Random(seed)
    actions, views = hashlib.sha256(), hashlib.sha256()
    n = 0
    while not engine.is_over:
        seat = engine.current_player()
        assert seat is not None
        legal = np.flatnonzero(engine.legal_mask(seat))
        a = int(legal[rng.randrange(len(legal))])
        for s in engine.game.seats:
            views.update(engine.game.player_view(engine.world, s).tobytes())
        actions.update(a.to_bytes(2, "little"))
        engine.step(a, seat)
        n += 1
    return (
        n,
        engine.state_hash().hex(),
        actions.hexdigest()[:16],
        views.hexdigest()[:16],
        engine.rewards(),
    )


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        (
            3,
            (
                87,
                "5fbfdb357e43ac11ebf763d71b991f7b2315409e90f2b37b3194fd815b258d62",
                "b5a8f31c4be2f3fc",
                "8c86c5e0a06f9555",
                {"player_0": 1.0, "player_1": -1.0},
            ),
        ),
        (
            2024,
            (
                31,
                "1cefc20ea9c6d9af44127e6c32515f5c6eed863770adab6dc444e105338388bf",
                "8b71ca5e64393556",
                "5618315a461296ba",
                {"player_0": -1.0, "player_1": 1.0},
            ),
        ),
    ],
)
def test_two_player_game_is_unchanged(
    seed: int, expected: tuple[int, str, str, str, dict[str, float]]
) -> None:
    """Computed before the cutthroat variant existed: the same seed and the same moves
    give the same final state hash, the same action ids and the same observations.
    """
    assert seeded_two_player_game(seed) == expected
