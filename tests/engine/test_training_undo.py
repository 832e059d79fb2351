"""Training moves take no snapshot each: a move that fails halfway is undone by replaying
the episode from its blank World, which must give back exactly the World before it.
"""

from __future__ import annotations

import pytest

from games.blackjack import STAND, Blackjack
from hypertoken.core import World
from hypertoken.engine import EngineError, IllegalMoveError, LocalEngine
from hypertoken.engine.state import FoldState, training_seed
from hypertoken.game import MoveContext, Rule


class BreaksOnce:
    """A rule action that changes the World and then fails, the first time it runs."""

    def __init__(self) -> None:
        self.broke = False

    def __call__(self, world: World, ctx: MoveContext) -> None:
        if not self.broke:
            self.broke = True
            world.game_set_property("half", 1)
            world.stack_draw("no-such-stack", 1)


def first_legal(engine: LocalEngine) -> int:
    seat = engine.current_player()
    assert seat is not None
    mask = engine.game.legal_actions(engine.world, seat)
    return int(mask.nonzero()[0][0])


@pytest.mark.parametrize("fail_at", [1, 6])
def test_a_failed_move_is_undone_exactly_and_play_goes_on(fail_at: int) -> None:
    breaks = BreaksOnce()
    hits = {"n": 0}

    def condition(world: World) -> bool:
        hits["n"] += 1
        return hits["n"] == fail_at  # the fail_at-th move to reach the rules

    game = Blackjack(1, hands=40)
    engine = LocalEngine(game, seed=3, rules=[Rule("breaks", condition, breaks)])
    reference = LocalEngine(Blackjack(1, hands=40), seed=3)
    for _ in range(fail_at - 1):
        action = first_legal(reference)
        reference.step(action)
        engine.step(action)
    before = engine.state_hash()
    assert before == reference.state_hash()
    action = first_legal(engine)
    with pytest.raises(IllegalMoveError, match="failed in the core"):
        engine.step(action)
    assert engine.state_hash() == before  # the replay put every byte back
    assert "half" not in engine.world.properties()
    assert len(engine.moves) == fail_at - 1
    moves = 0
    while not reference.is_over:
        action = first_legal(reference)
        reference.step(action)
        engine.step(action)
        moves += 1
        assert engine.state_hash() == reference.state_hash()
    assert moves > 10 and engine.is_over


def test_an_explicit_seat_is_still_checked_for_its_turn() -> None:
    engine = LocalEngine(Blackjack(2, hands=3), seed=1)
    seat = engine.current_player()
    other = "player_1" if seat == "player_0" else "player_0"
    with pytest.raises(IllegalMoveError, match="turn"):
        engine.step(STAND, other)


class FailsOnSeed13(Blackjack):
    """Blackjack whose setup changes the World and then fails for one episode seed."""

    def setup(self, world: World, ctx: MoveContext) -> None:
        super().setup(world, ctx)
        if ctx.seed == LocalEngine(Blackjack(1), seed=13).referee.seed_at(
            FoldState(room_seed=training_seed(13)), 0, 0
        ):
            world.game_set_property("half", 1)
            world.stack_draw("no-such-stack", 1)


def test_a_failing_reset_leaves_a_clean_engine_that_resets_again() -> None:
    engine = LocalEngine(FailsOnSeed13(1, hands=5), seed=1)
    reference = LocalEngine(Blackjack(1, hands=5), seed=2)
    with pytest.raises(EngineError, match="setup failed"):
        engine.reset(13)
    assert "half" not in engine.world.properties()
    engine.reset(2)  # episodes start from the same blank as ever
    assert engine.state_hash() == reference.state_hash()
    engine.step(STAND)
    reference.step(STAND)
    assert engine.state_hash() == reference.state_hash()


class LaxBlackjack(Blackjack):
    """Blackjack whose legality check lets everything through to ``apply``, which then
    refuses unavailable actions (option ``illegal_action="error"``) before any change.
    """

    def is_legal(self, world: World, seat: str, action: int) -> bool:
        return True


def test_a_refusal_before_any_change_needs_no_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = LocalEngine(LaxBlackjack(1, hands=20, illegal_action="error"), seed=4)
    replays: list[int] = []
    monkeypatch.setattr(engine, "_rebuild", lambda: replays.append(1))
    seat = engine.current_player()
    assert seat is not None
    unavailable = [a for a in range(5) if not engine.game.legal_actions(engine.world, seat)[a]]
    before = engine.state_hash()
    with pytest.raises(IllegalMoveError, match="not legal"):
        engine.step(unavailable[0])
    assert engine.state_hash() == before and replays == []
