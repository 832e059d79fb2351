"""hanabi_v1's rules as the Engine plays them: the deal, each end condition, each token
rule, hint legality, plays, knowledge from hints, and determinism. Positions are laid out
with :func:`games.hanabi.scenario.arrange` in an engine's World, then played through it.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

import games
from games.hanabi import Hanabi
from games.hanabi.scenario import arrange
from games.hanabi.state import (
    CARD,
    COLOUR_HINTED,
    FRESH,
    HAND,
    HINT_COLOUR,
    HINT_RANK,
    KNOW,
    RANK_HINTED,
    Table,
    discards,
    hand,
    knowledge,
    label,
    parse_card,
    table,
)
from hypertoken.engine import IllegalMoveError, LocalEngine
from hypertoken.game import Information, TurnOrder

P0, P1, P2 = "player_0", "player_1", "player_2"
R, Y, G, W, B = range(5)


def refusal(game: Hanabi, engine: LocalEngine, seat: int, action: int) -> str:
    """The rules' reason for refusing a move ("" when legal)."""
    return game.rules_.refusal(engine.world.properties(), seat, action)


def start(n: int = 2, seed: int = 0, **options: bool) -> tuple[Hanabi, LocalEngine]:
    game = Hanabi(n, **options)
    return game, LocalEngine(game, seed=seed)


def state(engine: LocalEngine) -> Table:
    return table(engine.world.property("s"))


def cards(engine: LocalEngine, seat: int) -> list[str]:
    return [label(CARD[t]) for t in hand(engine.world.property(HAND[seat]))]


def know(engine: LocalEngine, seat: int) -> list[int]:
    count = engine.world.property(HAND[seat]) >> 30
    return knowledge(engine.world.property(KNOW[seat]), count)


def colour_bits(*colours: int) -> int:
    return sum(1 << c for c in colours)


def rank_bits(*ranks: int) -> int:
    """Knowledge bits of printed ranks 1..5."""
    return sum(1 << (4 + r) for r in ranks)


ALL_COLOURS = colour_bits(R, Y, G, W, B)
ALL_RANKS = rank_bits(1, 2, 3, 4, 5)


# ---- metadata and the deal ------------------------------------------------------------


def test_registered_with_its_metadata() -> None:
    game = games.make("hanabi_v1")
    assert isinstance(game, Hanabi) and game.num_players == 2
    info = game.info
    assert info.env_id == "hanabi_v1"
    assert (info.num_actions, info.observation_shape) == (20, (397,))
    assert info.information is Information.IMPERFECT and info.chance
    assert info.turn_order is TurnOrder.ROUND_ROBIN
    assert info.reward_range == (0.0, 25.0)
    assert info.max_length == 2 * 40 + 8 + 5 + 2
    assert game.options == {}
    assert Hanabi(2, lose_all_on_fail=False).options == {"lose_all_on_fail": False}


@pytest.mark.parametrize(
    ("n", "actions", "obs", "hand_size"),
    [(2, 20, 397, 5), (3, 30, 589, 5), (4, 38, 652, 4), (5, 48, 806, 4)],
)
def test_each_player_count_refines_its_info(n: int, actions: int, obs: int, hand_size: int) -> None:
    game, engine = start(n)
    assert game.info.num_actions == actions and game.info.observation_shape == (obs,)
    assert Hanabi.info.num_actions == 20  # the class keeps the two-player values
    for i in range(n):
        assert len(cards(engine, i)) == hand_size
        inventory = sorted(engine.world.inventory(game.seats[i]).tolist())
        assert inventory == sorted(hand(engine.world.property(HAND[i])))
        assert know(engine, i) == [FRESH] * hand_size
    t = state(engine)
    assert (t.info, t.lives, t.fireworks, t.deck, t.seat) == (8, 3, [0] * 5, 50 - n * hand_size, 0)
    assert len(engine.world.stack("deck")) == t.deck


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match=r"2\.\.5 players"):
        Hanabi(6)
    with pytest.raises(ValueError, match="lose_all_on_fail must be True or False"):
        Hanabi(2, lose_all_on_fail=1)  # type: ignore[arg-type]


def test_the_deck_holds_ranks_1_1_1_2_2_3_3_4_4_5_per_colour() -> None:
    counts = Counter(label(CARD[t]) for t in range(1, 51))
    for colour in "RYGWB":
        assert [counts[f"{colour}{r}"] for r in range(1, 6)] == [3, 2, 2, 2, 1]
    _, engine = start()
    labels = Counter(engine.world.token(t).label for t in range(1, 51))
    assert labels == counts


def test_same_seed_same_game_and_another_seed_another_deal() -> None:
    def play(seed: int) -> tuple[list[bytes], list[list[str]]]:
        _, engine = start(3, seed)
        dealt = [cards(engine, i) for i in range(3)]
        rng = random.Random(seed)
        hashes = [engine.state_hash()]
        while not engine.is_over:
            seat = engine.current_player()
            assert seat is not None
            engine.step(int(rng.choice(np.flatnonzero(engine.legal_mask(seat)))), seat)
            hashes.append(engine.state_hash())
        return hashes, dealt

    assert play(11) == play(11)
    assert play(11)[1] != play(12)[1]


# ---- plays -------------------------------------------------------------------------------


def test_a_play_that_fits_builds_the_firework_and_draws_into_the_newest_slot() -> None:
    game, engine = start()
    arrange(
        game,
        engine.world,
        [["Y2", "R1", "G1", "W1", "B1"], ["R2", "Y1", "Y1", "Y1", "W2"]],
        ["G3", "G4"],
    )
    engine.step(game.layout.play(1), P0)  # R1
    t = state(engine)
    assert t.fireworks == [1, 0, 0, 0, 0] and t.lives == 3 and t.info == 8 and t.deck == 1
    assert cards(engine, 0) == ["Y2", "G1", "W1", "B1", "G3"]
    assert [label(CARD[x]) for x in engine.world.stack("fireworks").tolist()] == ["R1"]
    assert game.rewards(engine.world) == {P0: 1.0, P1: 1.0}
    assert game.current_player(engine.world) == P1 == engine.world.active_agent()


def test_a_play_that_does_not_fit_costs_a_life_and_is_discarded() -> None:
    game, engine = start()
    arrange(game, engine.world, [["Y2", "R1", "G1", "W1", "B1"], ["Y1"] * 3 + ["R2", "R2"]], ["G3"])
    engine.step(game.layout.play(0), P0)  # Y2 on an empty yellow firework
    t = state(engine)
    assert t.fireworks == [0] * 5 and t.lives == 2 and not t.over
    assert [label(CARD[x]) for x in engine.world.stack("discard").tolist()] == ["Y2"]
    assert discards(engine.world.property("d"))[parse_card("Y2")] == 1
    assert cards(engine, 0) == ["R1", "G1", "W1", "B1", "G3"]
    assert game.rewards(engine.world) == {P0: 0.0, P1: 0.0}


# ---- the end -------------------------------------------------------------------------------


def test_the_game_ends_at_25() -> None:
    game, engine = start()
    arrange(
        game,
        engine.world,
        [["B5", "R1", "R1", "Y1", "Y1"], ["G1", "G1", "W1", "W1", "B1"]],
        ["B2", "B3"],
        fireworks=(5, 5, 5, 5, 4),
        info=3,
    )
    engine.step(game.layout.play(0), P0)
    t = state(engine)
    assert engine.is_over and t.over and t.fireworks == [5] * 5
    assert game.rewards(engine.world) == {P0: 25.0, P1: 25.0}
    assert not engine.legal_mask(P1).any()


@pytest.mark.parametrize(("lose_all", "score"), [(True, 0.0), (False, 3.0)])
def test_the_third_life_lost_ends_the_game(lose_all: bool, score: float) -> None:
    game, engine = start(lose_all_on_fail=lose_all)
    arrange(
        game,
        engine.world,
        [["R5", "R4", "W1", "W1", "W1"], ["B4", "B4", "G1", "G1", "G1"]],
        ["Y2", "G2", "W2"],
        fireworks=(2, 1, 0, 0, 0),
        lives=2,
    )
    assert game.rewards(engine.world)[P0] == 3.0
    engine.step(game.layout.play(0), P0)  # R5 on red 2: second life lost, the game goes on
    assert state(engine).lives == 1 and not engine.is_over
    engine.step(game.layout.play(0), P1)  # B4 on an empty blue firework: the third life
    t = state(engine)
    assert engine.is_over and t.lost and t.lives == 0
    assert game.rewards(engine.world) == {P0: score, P1: score}


@pytest.mark.parametrize("n", [2, 3])
def test_the_game_ends_one_round_after_the_deck_runs_out(n: int) -> None:
    game, engine = start(n)
    hands = [
        ["W1", "W1", "W1", "Y1", "Y1"],
        ["G1", "G1", "G1", "B1", "B1"],
        ["R3", "R3", "R4", "R4", "Y3"],
    ]
    arrange(game, engine.world, hands[:n], ["R1"], info=4)
    engine.step(game.layout.discard(0), P0)  # draws the last card
    assert state(engine).deck == 0 and not engine.is_over
    assert cards(engine, 0) == ["W1", "W1", "Y1", "Y1", "R1"]
    for k in range(1, n + 1):  # every seat, player_0 included, moves once more
        seat = game.seats[k % n]
        assert not engine.is_over, f"over before {seat}'s last move"
        engine.step(game.layout.discard(0), seat)
    assert engine.is_over
    assert len(cards(engine, 0)) == 4  # discarded twice, drew only the last card
    assert engine.moves == [(game.seats[k % n], 0) for k in range(n + 1)]


def test_a_hint_in_the_last_round_counts_as_the_move() -> None:
    game, engine = start()
    arrange(
        game, engine.world, [["W1"] * 3 + ["Y1"] * 2, ["G1"] * 3 + ["B1"] * 2], [], info=4, turns=2
    )
    engine.step(game.layout.hint(1, HINT_COLOUR, G), P0)
    assert not engine.is_over and state(engine).turns == 1
    engine.step(game.layout.hint(1, HINT_RANK, 0), P1)
    assert engine.is_over


# ---- tokens ---------------------------------------------------------------------------------

HANDS = [["R1", "Y2", "G1", "W3", "B4"], ["R2", "Y1", "G1", "W4", "R4"]]


def test_a_hint_costs_an_information_token() -> None:
    game, engine = start()
    arrange(game, engine.world, HANDS, ["B1", "B2"], info=8)
    engine.step(game.layout.hint(1, HINT_RANK, 0), P0)
    assert state(engine).info == 7 and state(engine).deck == 2  # nothing drawn


def test_no_hint_without_an_information_token() -> None:
    game, engine = start()
    arrange(game, engine.world, HANDS, ["B1"], info=0)
    mask = engine.legal_mask(P0)
    assert not mask[game.layout.colour_base :].any()
    assert mask[: 2 * 5].all()  # discards and plays
    hint = game.layout.hint(1, HINT_RANK, 0)
    assert not game.is_legal(engine.world, P0, hint)
    before = engine.state_hash()
    assert refusal(game, engine, 0, hint) == "no hint without an information token"
    with pytest.raises(IllegalMoveError, match="illegal move for player_0: hint_rank 1 1"):
        engine.step(hint, P0)
    assert engine.state_hash() == before


def test_a_discard_regains_a_token_and_is_illegal_at_8() -> None:
    game, engine = start()
    arrange(game, engine.world, HANDS, ["B1", "B2"], info=5)
    engine.step(game.layout.discard(4), P0)
    assert state(engine).info == 6
    assert discards(engine.world.property("d"))[parse_card("B4")] == 1
    game, engine = start()
    arrange(game, engine.world, HANDS, ["B1"], info=8)
    assert not engine.legal_mask(P0)[:5].any()
    assert refusal(game, engine, 0, 0) == "no discarding with all 8 information tokens"
    with pytest.raises(IllegalMoveError, match="illegal move for player_0: discard 0"):
        engine.step(game.layout.discard(0), P0)


@pytest.mark.parametrize(("info", "after", "bonus"), [(5, 6, True), (8, 8, False)])
def test_completing_a_firework_regains_a_token_up_to_8(info: int, after: int, bonus: bool) -> None:
    game, engine = start()
    arrange(
        game,
        engine.world,
        [["G5", "R1", "R1", "Y1", "Y1"], HANDS[1]],
        ["B1"],
        fireworks=(0, 0, 4, 0, 0),
        info=info,
    )
    engine.step(game.layout.play(0), P0)
    t = state(engine)
    assert t.fireworks[G] == 5 and t.info == after
    m = engine.world.property("last")
    assert bool(m >> 26 & 1) is bonus


def test_placing_a_card_other_than_a_5_regains_nothing() -> None:
    game, engine = start()
    arrange(game, engine.world, HANDS, ["B1"], info=5)
    engine.step(game.layout.play(0), P0)  # R1
    assert state(engine).info == 5 and state(engine).fireworks[R] == 1


# ---- hints -------------------------------------------------------------------------------


def test_a_hint_must_touch_a_card() -> None:
    game, engine = start()
    arrange(game, engine.world, HANDS, ["B1"], info=3)
    mask = engine.legal_mask(P0)
    layout = game.layout
    # player_1 holds R2 Y1 G1 W4 R4: colours R Y G W and ranks 1 2 4.
    assert [bool(mask[layout.hint(1, HINT_COLOUR, c)]) for c in range(5)] == [True] * 4 + [False]
    assert [bool(mask[layout.hint(1, HINT_RANK, r)]) for r in range(5)] == [
        True,
        True,
        False,
        True,
        False,
    ]
    blue = layout.hint(1, HINT_COLOUR, B)
    assert refusal(game, engine, 0, blue) == "a hint must touch at least one card"
    with pytest.raises(IllegalMoveError, match="illegal move for player_0: hint_colour 1 B"):
        engine.step(blue, P0)


def test_there_is_no_hint_to_yourself() -> None:
    for n in range(2, 6):
        layout = Hanabi(n).layout
        offsets = {d.offset for d in layout.decoded if d.kind.startswith("hint")}
        assert offsets == set(range(1, n))
    game, engine = start(3)
    arrange(
        game, engine.world, [HANDS[0], HANDS[1], ["Y3", "Y3", "Y4", "Y4", "Y5"]], ["B1"], info=3
    )
    engine.step(game.layout.hint(2, HINT_COLOUR, Y), P0)  # offset 2: player_2
    assert know(engine, 2) == [colour_bits(Y) | ALL_RANKS | COLOUR_HINTED] * 5
    assert know(engine, 0) == [FRESH] * 5 and know(engine, 1) == [FRESH] * 5


def test_only_the_seat_to_move_has_legal_moves() -> None:
    game, engine = start()
    assert engine.legal_mask(P0).any() and not engine.legal_mask(P1).any()
    with pytest.raises(IllegalMoveError, match="not player_1's turn"):
        engine.step(game.layout.play(0), P1)


def test_hints_tell_which_cards_are_and_which_are_not() -> None:
    game, engine = start()
    arrange(
        game,
        engine.world,
        [["W1"] * 3 + ["Y1"] * 2, ["R1", "Y2", "G1", "W3", "R4"]],
        ["B1", "B2"],
        info=8,
    )
    engine.step(game.layout.hint(1, HINT_RANK, 0), P0)  # rank 1: slots 0 and 2
    not_one = ALL_RANKS & ~rank_bits(1)
    one = rank_bits(1) | RANK_HINTED
    assert (
        know(engine, 1)
        == [ALL_COLOURS | one, ALL_COLOURS | not_one, ALL_COLOURS | one]
        + [ALL_COLOURS | not_one] * 2
    )
    m = engine.world.property("last")
    assert (m & 7, m >> 12 & 31) == (HINT_RANK, 0b00101)
    engine.step(game.layout.hint(1, HINT_COLOUR, W), P1)  # to player_0: slots 0-2 white
    white = colour_bits(W) | COLOUR_HINTED | ALL_RANKS
    not_white = (ALL_COLOURS & ~colour_bits(W)) | ALL_RANKS
    assert know(engine, 0) == [white] * 3 + [not_white] * 2
    engine.step(game.layout.hint(1, HINT_COLOUR, R), P0)  # red: slots 0 and 4
    red = colour_bits(R) | COLOUR_HINTED
    not_red = ALL_COLOURS & ~colour_bits(R)
    assert know(engine, 1) == [
        red | one,
        not_red | not_one,
        not_red | one,
        not_red | not_one,
        red | not_one,
    ]
    engine.step(game.layout.discard(0), P1)  # knowledge moves with the cards; a fresh slot
    assert know(engine, 1) == [
        not_red | not_one,
        not_red | one,
        not_red | not_one,
        red | not_one,
        FRESH,
    ]
    assert cards(engine, 1) == ["Y2", "G1", "W3", "R4", "B1"]
