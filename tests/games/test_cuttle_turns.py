"""Cuttle scenarios for the turn structure: counter chains (countered and re-countered),
the hand limit, passing and the three-pass end, refusals and the move limit.
"""

from __future__ import annotations

import pytest

from games.cuttle.cards import DRAW, PASS, RESOLVE
from games.cuttle.game import Cuttle
from games.cuttle.scenario import CTX, arrange, decider, legal, new_game, where
from games.cuttle.scenario import move as a
from games.cuttle.scenario import play as act
from hypertoken.core import World
from hypertoken.game import IllegalMoveError


@pytest.fixture
def gw() -> tuple[Cuttle, World]:
    return new_game(seed=7)


# ---- counters --------------------------------------------------------------------------


def test_a_countered_one_off_has_no_effect(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "AS", 1: "2C 4C"}, points={1: "10H"}, deck="KH")
    act(game, world, a("effect", "AS"))
    assert legal(game, world) == {RESOLVE, a("counter", "2C")}
    act(game, world, a("counter", "2C"))
    assert decider(game, world) == 0 and legal(game, world) == {RESOLVE}  # no two to answer
    act(game, world, RESOLVE)
    assert where(game, world, "10H") == "pts1"
    assert where(game, world, "AS") == "scrap" and where(game, world, "2C") == "scrap"
    assert game.current_player(world) == "player_1"


def test_a_re_countered_one_off_takes_effect(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "AS 2D", 1: "2C 2H"}, points={1: "10H"}, deck="KH")
    act(game, world, a("effect", "AS"), a("counter", "2C"), a("counter", "2D"))
    assert decider(game, world) == 1 and a("counter", "2H") in legal(game, world)
    act(game, world, RESOLVE)  # two counters: the ace resolves
    assert where(game, world, "10H") == "scrap"
    assert all(where(game, world, c) == "scrap" for c in ("AS", "2C", "2D"))
    assert where(game, world, "2H") == "hand1"


def test_a_three_deep_chain_cancels(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "AS 2D", 1: "2C 2H"}, points={1: "10H"}, deck="KH")
    act(game, world, a("effect", "AS"), a("counter", "2C"), a("counter", "2D"))
    act(game, world, a("counter", "2H"), RESOLVE)
    assert where(game, world, "10H") == "pts1"


def test_a_seat_without_twos_may_only_let_it_resolve(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "6C", 1: "4C KH"})
    act(game, world, a("effect", "6C"))
    assert legal(game, world) == {RESOLVE}


# ---- hand limit, passing, the end ------------------------------------------------------


def test_hand_limit_of_eight(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "3C 3D 3H 3S 4D 4H 4S 5C", 1: "4C"}, deck="KH")
    assert DRAW not in legal(game, world)
    arrange(game, world, hands={0: "3C 3D 3H 3S 4D 4H 4S", 1: "4C"}, deck="KH")
    assert DRAW in legal(game, world)


def test_pass_only_with_an_empty_deck(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "3C", 1: "4C"}, deck="KH")
    assert PASS not in legal(game, world)
    arrange(game, world, hands={0: "3C", 1: "4C"}, empty_deck=True)
    assert PASS in legal(game, world) and DRAW not in legal(game, world)
    assert a("effect", "5C") not in legal(game, world)


def test_three_passes_in_a_row_draw(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "3C", 1: "4C"}, empty_deck=True)
    act(game, world, PASS, PASS)
    assert not game.is_over(world)
    act(game, world, PASS)
    assert game.is_over(world) and game.winner(world) is None
    assert game.rewards(world) == {"player_0": 0.0, "player_1": 0.0}


def test_a_play_resets_the_pass_count(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "3C", 1: "4C"}, empty_deck=True)
    act(game, world, PASS, PASS, a("points", "3C"), PASS, PASS)
    assert not game.is_over(world)
    act(game, world, PASS)
    assert game.is_over(world)


def test_illegal_moves_are_refused(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "3C", 1: "4C"}, deck="KH")
    before = world.state_hash()
    with pytest.raises(IllegalMoveError, match="may not points 4C"):
        game.apply(world, "player_0", a("points", "4C"), CTX)
    with pytest.raises(IllegalMoveError, match="player_0's decision"):
        game.apply(world, "player_1", DRAW, CTX)
    assert world.state_hash() == before


def test_the_move_limit_is_a_draw() -> None:
    game, world = new_game(seed=2, max_moves=2)
    act(game, world, DRAW, DRAW)
    assert game.is_over(world) and game.rewards(world) == {"player_0": 0.0, "player_1": 0.0}
