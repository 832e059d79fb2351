"""Cuttle as a Game: determinism, the view (glasses reveal the opponent's hand and
nothing else does), hidden variants, log names, rendering, and the greedy bot.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

import games
from games.cuttle import Cuttle
from games.cuttle.cards import DRAW, NUM_ACTIONS, RESOLVE, encode, move_name, parse, parse_move
from games.cuttle.scenario import arrange, new_game
from games.cuttle.view import HAND_SEC, OBS_SIZE, OPP_HAND, OPP_PERM, SCALARS
from hypertoken.core import World
from hypertoken.engine import LocalEngine
from hypertoken.game import IllegalMoveError, MoveContext
from hypertoken.policies.base import RandomLegal
from hypertoken.policies.cuttle import Greedy

CTX = MoveContext(0, 0, 1, 5)


def a(kind: str, *names: str) -> int:
    return encode(kind, tuple(parse(n) for n in names))


def random_game(seed: int) -> tuple[list[bytes], dict[str, float]]:
    engine = LocalEngine(Cuttle(), seed=seed)
    rng = random.Random(seed)
    hashes = [engine.state_hash()]
    while not engine.is_over:
        seat = engine.current_player()
        assert seat is not None
        engine.step(int(rng.choice(np.flatnonzero(engine.legal_mask(seat)))), seat)
        hashes.append(engine.state_hash())
    return hashes, engine.rewards()


def test_registered() -> None:
    game = games.make("cuttle")
    assert isinstance(game, Cuttle) and game.info.env_id == "cuttle_v1"
    assert game.info.num_actions == NUM_ACTIONS == 2247
    assert game.info.observation_shape == (OBS_SIZE,) == (597,)


def test_same_seed_same_game_and_seeds_differ() -> None:
    first, second = random_game(11), random_game(11)
    assert first == second
    assert random_game(12)[0][0] != first[0][0]  # another seed, another deal


def test_random_games_end_with_a_result() -> None:
    outcomes = {random_game(seed)[1]["player_0"] for seed in range(30)}
    assert outcomes <= {-1.0, 0.0, 1.0} and {-1.0, 1.0} <= outcomes


def test_glasses_reveal_the_opponents_hand_in_the_view() -> None:
    game, world = new_game()
    arrange(game, world, hands={0: "8H 3C", 1: "KD 9S"}, deck="5H")
    view = game.player_view(world, "player_0")
    assert not view[OPP_HAND : OPP_HAND + 52].any()
    game.apply(world, "player_0", a("effect", "8H"), CTX)
    view = game.player_view(world, "player_0")
    shown = set(np.flatnonzero(view[OPP_HAND : OPP_HAND + 52]).tolist())
    assert shown == {parse("KD"), parse("9S")}
    other = game.player_view(world, "player_1")
    assert not other[OPP_HAND : OPP_HAND + 52].any()  # player_1 has no glasses
    assert other[OPP_PERM + parse("8H")] == 1.0
    assert other[HAND_SEC + parse("KD")] == 1.0


def test_views_are_in_range() -> None:
    game, world = new_game(seed=4)
    for seat in game.seats:
        v = game.player_view(world, seat)
        assert v.dtype == np.float32 and v.shape == (597,)
        assert float(v.min()) >= 0.0 and float(v.max()) <= 1.0
        assert v[SCALARS] == pytest.approx(41 / 52)  # the deck


def test_hidden_variants_keep_every_view() -> None:
    game, world = new_game(seed=9)
    variants = game.hidden_variants(world)
    assert {seat for seat, _ in variants} == set(game.seats)
    for seat, variant in variants:
        assert variant.state_hash() != world.state_hash()
        assert np.array_equal(game.player_view(world, seat), game.player_view(variant, seat))


def test_with_glasses_the_hand_is_no_longer_hidden() -> None:
    game, world = new_game()
    arrange(game, world, hands={0: "3C", 1: "KD 9S"}, permanents={0: "8H"}, deck="5H 6H")
    variants = game.hidden_variants(world)
    # player_0 sees player_1's hand: only the deck's order is hidden from it.
    assert sum(seat == "player_0" for seat, _ in variants) == 1
    assert sum(seat == "player_1" for seat, _ in variants) == 3


def test_log_names_round_trip() -> None:
    for action in range(NUM_ACTIONS):
        move, args = move_name(action)
        assert parse_move(move, args) == action
    assert move_name(a("scuttle", "9S", "9D")) == ("scuttle", ("9S", "9D"))
    with pytest.raises(IllegalMoveError, match="no move"):
        parse_move("jack", ("9S", "9D"))


def test_render_hides_the_opponents_hand() -> None:
    game, world = new_game()
    arrange(game, world, hands={0: "3C", 1: "KD 9S"}, points={1: "7H"}, deck="5H")
    text = game.render(world, "player_0")
    assert "player_1: 7/21 points [7H]" in text and "hand 2 cards" in text
    assert "KD" not in text and "player_0 to main" in text
    assert "hand 9S KD" in game.render(world)  # cards in canonical order


def test_options() -> None:
    assert Cuttle(max_moves=50).info.max_length == 50
    assert Cuttle(max_moves=50).options == {"max_moves": 50} and Cuttle().options == {}
    with pytest.raises(ValueError, match="max_moves"):
        Cuttle(max_moves=0)
    with pytest.raises(ValueError, match=r"2\.\.3 players"):  # 3: cutthroat
        Cuttle(4)


# ---- the greedy bot --------------------------------------------------------------------


def greedy_move(game: Cuttle, world: World) -> int:
    seat = game.current_player(world)
    assert seat is not None
    mask = game.legal_actions(world, seat).astype(np.int8)
    view = game.player_view(world, seat)
    return Greedy().act(view, mask, random.Random(0))


def test_greedy_wins_when_it_can() -> None:
    game, world = new_game()
    arrange(game, world, hands={0: "2C 10H", 1: "4C"}, points={0: "10S 9S", 1: "9D"})
    assert greedy_move(game, world) == a("points", "2C")  # 21, not the bigger ten


def test_greedy_steals_to_win() -> None:
    game, world = new_game()
    arrange(game, world, hands={0: "JC 3H", 1: "4C"}, points={0: "10S 5S", 1: "6D"})
    assert greedy_move(game, world) == a("jack", "JC", "6D")


def test_greedy_scuttles_the_best_target_else_plays_its_highest_points() -> None:
    game, world = new_game()
    arrange(game, world, hands={0: "10C 9H 3C", 1: "4C"}, points={1: "9D 2S"})
    assert greedy_move(game, world) == a("scuttle", "9H", "9D")
    arrange(game, world, hands={0: "10C 9H 3C", 1: "4C"}, points={1: "10D"})
    assert greedy_move(game, world) == a("points", "10C")


def test_greedy_counters_the_opponents_one_off() -> None:
    game, world = new_game()
    arrange(game, world, hands={0: "AS", 1: "2C 4C"}, points={1: "10H"})
    game.apply(world, "player_0", a("effect", "AS"), CTX)
    assert greedy_move(game, world) == a("counter", "2C")
    game.apply(world, "player_1", a("counter", "2C"), CTX)
    assert greedy_move(game, world) == RESOLVE  # player_0 has no two left


def test_greedy_beats_random() -> None:
    game = Cuttle()
    wins = losses = 0
    for seed in range(60):
        engine = LocalEngine(game, seed=seed)
        rng = random.Random(seed)
        me = game.seats[seed % 2]
        bots = {me: Greedy(), game.seats[1 - seed % 2]: RandomLegal()}
        while not engine.is_over:
            seat = engine.current_player()
            assert seat is not None
            mask = engine.legal_mask(seat).astype(np.int8)
            engine.step(bots[seat].act(game.player_view(engine.world, seat), mask, rng), seat)
        r = engine.rewards()[me]
        wins, losses = wins + (r > 0), losses + (r < 0)
    assert wins > 2 * losses  # about 70% wins in 300 seeded games


def test_default_action_is_the_lowest_legal() -> None:
    game, world = new_game()
    arrange(game, world, hands={0: "3C", 1: "4C"}, deck="5H")
    assert game.default_action(world, "player_0") == DRAW
    assert game.default_action(world, "player_1") is None


def test_the_documented_layouts() -> None:
    from games.cuttle import cards, view

    ids = (cards.POINTS, cards.EFFECT, cards.COUNTER, cards.DISCARD, cards.PICK)
    assert ids == (3, 55, 107, 111, 163)
    assert (cards.SCUTTLE, cards.JACK_ON, cards.TWO_ON, cards.NINE_ON) == (215, 1815, 1975, 2039)
    assert (view.OPP_HAND, view.FROZEN, view.COUNTERS, view.JACKS) == (312, 520, 572, 576)
    assert (view.SCALARS, view.TO_DECIDE, view.PHASES) == (580, 590, 591)
