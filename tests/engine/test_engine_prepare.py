"""Game.prepare: seed-independent construction runs once per engine, not per episode."""

from __future__ import annotations

import games
from games.tictactoe import TicTacToe
from hypertoken.core import To, World
from hypertoken.engine import LocalEngine


class CountingTicTacToe(TicTacToe):
    """Tic-tac-toe that prepares a decorative stack and counts its prepare calls."""

    prepared = 0

    def prepare(self, world: World) -> None:
        type(self).prepared += 1
        world.stack_create("decor")
        world.token_create("piece", "x", "", To.stack("decor"))


def test_prepare_runs_once_and_every_reset_starts_from_it() -> None:
    CountingTicTacToe.prepared = 0
    engine = LocalEngine(CountingTicTacToe(), seed=1)
    for seed in range(5):
        engine.reset(seed)
        assert engine.world.stack("decor").tolist() == [1]
        engine.step(4)
    assert CountingTicTacToe.prepared == 1


def test_prepared_blackjack_resets_match_a_fresh_engine() -> None:
    first = LocalEngine(games.make("blackjack"), seed=3)
    again = LocalEngine(games.make("blackjack"), seed=9)
    again.reset(3)
    assert again.state_hash() == first.state_hash()
    assert again.world.token_count() == first.world.token_count() == 312
