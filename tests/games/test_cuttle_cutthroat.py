"""Cuttle's three-player cutthroat variant (``Cuttle(3)``), and the pin that the
two-player game did not change when the variant was added.

Each rule that differs from the two-player game has a scenario with its expected
outcome written out: the deck and deal, the goals, the hand limit, targets on either
opponent, counters round the table, the four's victim, glasses, the nine's freeze,
jokers, and the end by passes and by the move limit.
"""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest

from games.cuttle import NUM_ACTIONS, NUM_ACTIONS_3, Cuttle, cards, view3
from games.cuttle.cards import DRAW, PASS, RESOLVE, encode, parse
from games.cuttle.scenario import arrange, decider, legal, new_game, where
from games.cuttle.scenario import play as act
from games.cuttle.view3 import OBS_SIZE_3
from hypertoken.core import World
from hypertoken.engine import LocalEngine
from hypertoken.policies.base import RandomLegal
from hypertoken.policies.cuttle import Greedy


def a(kind: str, *args: str | int) -> int:
    """An action id: card names, and for the four the opponent's offset (1 or 2)."""
    return encode(kind, tuple(parse(x) if isinstance(x, str) else x for x in args))


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


# ---- three players: setup, goals, the hand limit --------------------------------------


def three(seed: int = 7) -> tuple[Cuttle, World]:
    return new_game(seed=seed, players=3)


def test_cutthroat_deck_deal_and_turn_order() -> None:
    game, world = three(seed=3)
    t = game.table(world)
    assert game.info.max_players == Cuttle.info.max_players == 3
    assert game.info.num_actions == NUM_ACTIONS_3 == 2307
    assert game.info.observation_shape == (OBS_SIZE_3,) == (792,)
    assert len(t.loc) == 54 and [len(t.hand(i)) for i in range(3)] == [5, 5, 5]
    assert len(t.deck) == 54 - 15
    assert game.current_player(world) == "player_0"  # left of the dealer player_2
    act(game, world, DRAW)
    assert game.current_player(world) == "player_1"
    act(game, world, DRAW)
    assert game.current_player(world) == "player_2"
    act(game, world, DRAW)
    assert game.current_player(world) == "player_0"


def test_cutthroat_wins_at_14_points() -> None:
    game, world = three()
    arrange(game, world, hands={0: "AC 10H", 1: "4C", 2: "4D"}, points={0: "10S 2S"}, deck="KH")
    act(game, world, a("points", "AC"))
    assert not game.is_over(world)  # 13 points
    arrange(game, world, hands={0: "2C 10H", 1: "4C", 2: "4D"}, points={0: "10S 2S"}, deck="KH")
    act(game, world, a("points", "2C"))
    assert game.winner(world) == "player_0"
    assert game.rewards(world) == {"player_0": 1.0, "player_1": -1.0, "player_2": -1.0}


@pytest.mark.parametrize(("kings", "goal"), [("", 14), ("KC", 9), ("KC KD", 5), ("KC KD KH", 0)])
def test_cutthroat_king_thresholds(kings: str, goal: int) -> None:
    game, world = three()
    arrange(game, world, hands={0: "3C", 1: "4C", 2: "4D"}, permanents={0: kings}, deck="5H")
    assert game.table(world).threshold(0) == goal


def test_three_kings_win_at_once_with_no_points() -> None:
    game, world = three()
    arrange(game, world, hands={0: "KH 3C", 1: "4C", 2: "4D"}, permanents={0: "KC KD"}, deck="5H")
    act(game, world, a("effect", "KH"))
    assert game.winner(world) == "player_0" and game.table(world).points(0) == 0


def test_cutthroat_hand_limit_is_seven() -> None:
    game, world = three()
    arrange(game, world, hands={0: "AC 2D 3C 4H 5C 6D 7C", 1: "4C", 2: "4D"}, deck="5H")
    assert DRAW not in legal(game, world)
    arrange(game, world, hands={0: "AC 2D 3C 4H 5C 6D", 1: "4C", 2: "4D"}, deck="5H")
    assert DRAW in legal(game, world)


# ---- targeting either opponent ----------------------------------------------------------


def test_scuttle_either_opponent() -> None:
    game, world = three()
    arrange(game, world, hands={0: "9S", 1: "4C", 2: "4D"}, points={1: "8H", 2: "9C"}, deck="5H")
    assert {a("scuttle", "9S", "8H"), a("scuttle", "9S", "9C")} <= legal(game, world)
    act(game, world, a("scuttle", "9S", "9C"))
    assert where(game, world, "9C") == "scrap" and where(game, world, "8H") == "pts1"


def test_a_stolen_card_goes_back_to_the_seat_it_was_taken_from() -> None:
    game, world = three()
    arrange(game, world, hands={0: "JC", 1: "2D", 2: "4D"}, points={2: "10H"}, deck="5H 6H")
    assert a("jack", "JC", "10H") in legal(game, world)
    act(game, world, a("jack", "JC", "10H"))
    assert where(game, world, "10H") == "pts0" and game.table(world).points(0) == 10
    act(game, world, a("two", "2D", "JC"))  # player_1 destroys the jack
    act(game, world, RESOLVE, RESOLVE)  # player_2, then player_0, let it stand
    assert where(game, world, "10H") == "pts2"  # back to player_2, not to player_1
    assert where(game, world, "JC") == "scrap"


# ---- counters round the table ------------------------------------------------------------


def test_each_opponent_in_turn_order_may_counter() -> None:
    game, world = three()
    arrange(game, world, hands={0: "AS", 1: "2C", 2: "2D"}, points={1: "10H", 2: "9H"}, deck="KH")
    act(game, world, a("effect", "AS"))
    assert decider(game, world) == 1 and legal(game, world) == {RESOLVE, a("counter", "2C")}
    act(game, world, RESOLVE)
    assert decider(game, world) == 2 and legal(game, world) == {RESOLVE, a("counter", "2D")}
    act(game, world, RESOLVE)  # both let it stand: the ace clears every field
    assert where(game, world, "10H") == "scrap" and where(game, world, "9H") == "scrap"
    assert game.current_player(world) == "player_1"


def test_the_second_opponent_counters_and_the_seats_after_it_answer() -> None:
    game, world = three()
    arrange(
        game,
        world,
        hands={0: "AS 2H", 1: "2C", 2: "2D"},
        points={1: "10H", 2: "9H"},
        deck="KH",
    )
    act(game, world, a("effect", "AS"), RESOLVE, a("counter", "2D"))
    assert decider(game, world) == 0  # the seat after the counterer
    act(game, world, a("counter", "2H"))
    assert decider(game, world) == 1 and a("counter", "2C") in legal(game, world)
    act(game, world, RESOLVE)
    assert decider(game, world) == 2 and legal(game, world) == {RESOLVE}
    act(game, world, RESOLVE)  # two counters: the ace acts
    assert where(game, world, "10H") == "scrap" and where(game, world, "9H") == "scrap"
    assert {where(game, world, c) for c in ("AS", "2D", "2H")} == {"scrap"}


def test_a_counter_that_stands_cancels_the_one_off() -> None:
    game, world = three()
    arrange(game, world, hands={0: "AS", 1: "2C", 2: "4D"}, points={1: "10H"}, deck="KH")
    act(game, world, a("effect", "AS"), a("counter", "2C"))
    assert decider(game, world) == 2
    act(game, world, RESOLVE)
    assert decider(game, world) == 0 and legal(game, world) == {RESOLVE}
    act(game, world, RESOLVE)
    assert where(game, world, "10H") == "pts1"  # one counter: cancelled
    assert game.current_player(world) == "player_1"


# ---- the four, glasses, the nine ----------------------------------------------------------


def test_the_four_makes_the_chosen_opponent_discard() -> None:
    game, world = three()
    arrange(game, world, hands={0: "4S", 1: "3C 5C 6C", 2: "3D 5D 6D"}, deck="KH")
    four_next, four_second = a("four", "4S", 1), a("four", "4S", 2)
    assert {four_next, four_second} <= legal(game, world)
    assert a("effect", "4S") not in legal(game, world)
    act(game, world, four_second, RESOLVE, RESOLVE)
    assert decider(game, world) == 2
    assert legal(game, world) == {a("discard", c) for c in ("3D", "5D", "6D")}
    act(game, world, a("discard", "6D"), a("discard", "3D"))
    assert game.table(world).hand(2) == [parse("5D")]
    assert len(game.table(world).hand(1)) == 3
    assert game.current_player(world) == "player_1"


def test_glasses_reveal_both_opponents_hands() -> None:
    game, world = three()
    arrange(game, world, hands={0: "8H 3C", 1: "KD 9S", 2: "QC"}, deck="5H")
    view = game.player_view(world, "player_0")
    assert not view[view3.NEXT_HAND : view3.FROZEN].any()
    act(game, world, a("effect", "8H"))
    view = game.player_view(world, "player_0")
    assert set(np.flatnonzero(view[view3.NEXT_HAND : view3.SECOND_HAND])) == {
        parse("KD"),
        parse("9S"),
    }
    assert set(np.flatnonzero(view[view3.SECOND_HAND : view3.ONE_OFF])) == {parse("QC")}
    other = game.player_view(world, "player_2")
    assert not other[view3.NEXT_HAND : view3.ONE_OFF].any()
    assert other[view3.NEXT_PERM + parse("8H")] == 1.0  # player_0 is after player_2


def test_a_nines_card_stays_frozen_until_its_holders_turn_ends() -> None:
    game, world = three()
    arrange(
        game,
        world,
        hands={0: "9S", 1: "3C", 2: "4D"},
        permanents={2: "QH"},
        deck="5H 6H 7H 8C 9C",
    )
    act(game, world, a("nine", "9S", "QH"), RESOLVE, RESOLVE)
    assert where(game, world, "QH") == "hand2"
    act(game, world, DRAW)  # player_1's turn passes; player_2's turn comes
    assert decider(game, world) == 2 and a("effect", "QH") not in legal(game, world)
    act(game, world, DRAW, DRAW, DRAW)  # player_2's turn ended: free on its next
    assert decider(game, world) == 2 and a("effect", "QH") in legal(game, world)


# ---- jokers ---------------------------------------------------------------------------------


def test_a_joker_steals_a_king_and_its_goal() -> None:
    game, world = three()
    arrange(
        game,
        world,
        hands={0: "JK1", 1: "3C", 2: "4D"},
        points={0: "10S"},
        permanents={2: "KH"},
        deck="5H",
    )
    assert legal(game, world) >= {a("joker", "JK1", "KH")}
    act(game, world, a("joker", "JK1", "KH"))
    assert where(game, world, "KH") == "perm0" and where(game, world, "JK1") == "perm0"
    assert game.winner(world) == "player_0"  # 10 points, goal 9 with the stolen king


def test_a_two_on_the_joker_sends_the_royal_back() -> None:
    game, world = three()
    arrange(
        game,
        world,
        hands={0: "3C", 1: "2C", 2: "4D"},
        permanents={0: "JK2 KS"},
        jacks={"JK2": "KS"},
        taken={"JK2": 1},
        deck="5H",
        turn=1,
    )
    assert game.table(world).threshold(0) == 9 and game.table(world).threshold(1) == 14
    act(game, world, a("two", "2C", "JK2"), RESOLVE, RESOLVE)
    assert where(game, world, "KS") == "perm1" and where(game, world, "JK2") == "scrap"
    assert game.table(world).threshold(1) == 9


def test_a_stolen_queen_guards_the_joker_that_holds_it() -> None:
    game, world = three()
    arrange(
        game,
        world,
        hands={0: "3C", 1: "2C", 2: "4D"},
        permanents={0: "JK2 QS"},
        jacks={"JK2": "QS"},
        taken={"JK2": 1},
        deck="5H",
        turn=1,
    )
    assert a("two", "2C", "JK2") not in legal(game, world)  # behind the queen
    assert a("two", "2C", "QS") in legal(game, world)  # a lone queen is exposed


def test_a_two_on_a_stolen_royal_scraps_it_with_its_joker() -> None:
    game, world = three()
    arrange(
        game,
        world,
        hands={0: "3C", 1: "4C", 2: "2D"},
        permanents={0: "JK1 KS"},
        jacks={"JK1": "KS"},
        taken={"JK1": 1},
        deck="5H",
        turn=2,
    )
    act(game, world, a("two", "2D", "KS"), RESOLVE, RESOLVE)
    assert where(game, world, "KS") == "scrap" and where(game, world, "JK1") == "scrap"
    assert game.table(world).jo == 0


def test_a_six_scraps_jokers_and_returns_jacked_points_to_their_owners() -> None:
    game, world = three()
    arrange(
        game,
        world,
        hands={0: "6C", 1: "4C", 2: "4D"},
        points={0: "10H"},
        permanents={0: "JK1 KS", 1: "JD"},
        jacks={"JK1": "KS", "JD": "10H"},
        taken={"JK1": 2, "JD": 2},
        deck="5H",
    )
    act(game, world, a("effect", "6C"), RESOLVE, RESOLVE)
    assert {where(game, world, c) for c in ("JK1", "KS", "JD", "6C")} == {"scrap"}
    assert where(game, world, "10H") == "pts2"


# ---- the end ----------------------------------------------------------------------------------


def test_three_passes_in_a_row_draw() -> None:
    game, world = three()
    arrange(game, world, hands={0: "KC", 1: "KD", 2: "KH"}, empty_deck=True)
    act(game, world, PASS, PASS)
    assert not game.is_over(world)
    act(game, world, PASS)
    assert game.is_over(world) and game.winner(world) is None
    assert game.rewards(world) == {"player_0": 0.0, "player_1": 0.0, "player_2": 0.0}


def test_the_move_limit_draws() -> None:
    game, world = new_game(seed=1, players=3, max_moves=2)
    act(game, world, DRAW, DRAW)
    assert game.is_over(world) and game.winner(world) is None


# ---- the Game ----------------------------------------------------------------------------------


def random_three_player_game(seed: int) -> tuple[list[bytes], dict[str, float]]:
    engine = LocalEngine(Cuttle(3), seed=seed)
    rng = random.Random(seed)
    hashes = [engine.state_hash()]
    while not engine.is_over:
        seat = engine.current_player()
        assert seat is not None
        engine.step(int(rng.choice(np.flatnonzero(engine.legal_mask(seat)))), seat)
        hashes.append(engine.state_hash())
    return hashes, engine.rewards()


def test_three_player_games_are_deterministic_and_end() -> None:
    assert random_three_player_game(5) == random_three_player_game(5)
    assert random_three_player_game(6)[0][0] != random_three_player_game(5)[0][0]
    winners = set()
    for seed in range(20):
        rewards = random_three_player_game(seed)[1]
        assert sorted(rewards.values()) in ([-1.0, -1.0, 1.0], [0.0, 0.0, 0.0])
        winners |= {s for s, r in rewards.items() if r > 0}
    assert winners == {"player_0", "player_1", "player_2"}


def test_hidden_variants_cover_both_opponents_hands_and_the_deck() -> None:
    game, world = three(seed=9)
    variants = game.hidden_variants(world)
    assert sum(seat == "player_0" for seat, _ in variants) == 1 + 2 * 2
    for seat, variant in variants:
        assert variant.state_hash() != world.state_hash()
        assert np.array_equal(game.player_view(world, seat), game.player_view(variant, seat))


def test_three_player_log_names_round_trip_and_the_layout() -> None:
    for action in range(NUM_ACTIONS, NUM_ACTIONS_3):
        move_, args = cards.move_name(action)
        assert cards.parse_move(move_, args) == action
    assert cards.move_name(a("four", "4S", 2)) == ("four", ("4S", "+2"))
    assert (cards.FOUR_AT, cards.DISCARD_JOKER, cards.PICK_JOKER) == (2247, 2255, 2257)
    assert (cards.JOKER_ON, cards.TWO_ON_JOKER, cards.NINE_ON_JOKER) == (2259, 2291, 2299)
    assert (view3.COUNTERS, view3.SCALARS, view3.TURN, view3.PHASES) == (756, 766, 779, 786)


def test_greedy_plays_three_players_and_beats_random() -> None:
    game = Cuttle(3)
    wins = losses = 0
    for seed in range(45):
        engine = LocalEngine(game, seed=seed)
        rng = random.Random(seed)
        me = game.seats[seed % 3]
        bots = {s: Greedy() if s == me else RandomLegal() for s in game.seats}
        while not engine.is_over:
            seat = engine.current_player()
            assert seat is not None
            mask = engine.legal_mask(seat).astype(np.int8)
            engine.step(bots[seat].act(game.player_view(engine.world, seat), mask, rng), seat)
        r = engine.rewards()[me]
        wins, losses = wins + (r > 0), losses + (r < 0)
    assert wins > losses  # a random seat wins a third of the time


def test_greedy_steals_a_king_to_win() -> None:
    game, world = three()
    arrange(
        game,
        world,
        hands={0: "JK1 3C", 1: "4C", 2: "4D"},
        points={0: "10S"},
        permanents={1: "KH"},
        deck="5H",
    )
    mask = game.legal_actions(world, "player_0").astype(np.int8)
    view = game.player_view(world, "player_0")
    assert Greedy().act(view, mask, random.Random(0)) == a("joker", "JK1", "KH")
