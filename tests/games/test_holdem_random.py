"""Hold'em under random legal play, 2 to 10 seats, sessions and short stacks: chips are
conserved, the seat to act always has a legal move, observations stay in [0, 1], and an
episode's rewards sum to zero.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from games.holdem import TexasHoldem
from hypertoken.engine import LocalEngine


@pytest.mark.parametrize("episode", range(40))
def test_random_sessions_conserve_chips(episode: int) -> None:
    rng = random.Random(episode)
    n = rng.randint(2, 10)
    game = TexasHoldem(
        n,
        hands=rng.randint(1, 8),
        starting_stack=rng.choice([3, 10, 50, 200]),
        actions=rng.choice(["default", "extended"]),
        rich_obs=rng.random() < 0.5,
    )
    engine = LocalEngine(game, seed=episode)
    total = n * game.stakes.starting_stack
    while not engine.is_over:
        seat = engine.current_player()
        assert seat is not None
        mask = engine.legal_mask(seat)
        t = game.table(engine.world)
        assert sum(t.stack) + t.pot() == total
        obs = game.player_view(engine.world, seat)
        assert obs.min() >= 0.0 and obs.max() <= 1.0
        engine.step(int(rng.choice(np.flatnonzero(mask))), seat)
    t = game.table(engine.world)
    assert sum(t.stack) == total and t.pot() == 0
    assert sum(engine.rewards().values()) == pytest.approx(0.0)
