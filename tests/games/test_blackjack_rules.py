"""Blackjack scenarios on a stacked shoe: every rule with its exact payout.

The shoe is arranged with :func:`games.blackjack.table.restack` (World actions only). Its
letters are in deal order: a card per seat, the upcard, a second card per seat, the hole
card, then the cards drawn in play order (hits, doubles, splits), then the dealer's.
"""

from __future__ import annotations

import numpy as np
import pytest

from games.blackjack import DOUBLE, HIT, INSURANCE, SPLIT, STAND, Blackjack
from games.blackjack.rules import (
    best,
    dealer_hits,
    hand_of,
    hand_return,
    is_natural,
    is_soft,
    pair_rank,
)
from games.blackjack.state import TableState
from games.blackjack.table import restack
from hypertoken.core import Batch, World
from hypertoken.game import IllegalMove, MoveContext

CTX = MoveContext(0, 0, 0, 12345)
#: Which planner plays the moves in this test (set by the ``planner`` fixture).
PLANNER = ["kernel"]


@pytest.fixture(autouse=True, params=["kernel", "python"])
def planner(request: pytest.FixtureRequest) -> str:
    """Every scenario runs twice: in the game's World (moves planned by its WASM kernel)
    and in a plain core World (moves planned by the Python reference planner).
    """
    PLANNER[0] = request.param
    return PLANNER[0]


def new_world(game: Blackjack) -> World:
    """A World for ``game`` with the planner under test."""
    return game.new_world() if PLANNER[0] == "kernel" else World()


def table(ranks: str, players: int = 1, **options: object) -> tuple[Blackjack, World]:
    """A game whose first hand is dealt from ``ranks``."""
    game = Blackjack(players, **options)  # type: ignore[arg-type]
    world = new_world(game)
    for seat in game.seats:
        world.agent_create(seat)
    world.game_start(0)
    game.setup(world, CTX)
    restack(game.table, world, ranks, CTX)
    return game, world


def play(game: Blackjack, world: World, *actions: int) -> None:
    """Play ``actions`` for whichever seat is to move."""
    for n, a in enumerate(actions):
        seat = game.current_player(world)
        assert seat is not None, f"the game ended before action {n} ({a})"
        game.apply(world, seat, a, MoveContext(0, 0, n + 1, 1000 + n))


def mask(game: Blackjack, world: World, seat: str = "player_0") -> list[int]:
    """The available action ids of ``seat``."""
    ids: list[int] = np.flatnonzero(game.available_actions(world, seat)).tolist()
    return ids


def bank(world: World, i: int = 0) -> int:
    value: int = world.property(f"bank{i}")
    return value


# ---- hand arithmetic ------------------------------------------------------------------


def test_hand_summaries() -> None:
    ranks = {c: "A23456789TJQK".index(c) for c in "A23456789TJQK"}
    soft17 = hand_of([ranks["A"], ranks["6"]])
    assert best(soft17) == 17 and is_soft(soft17) and not is_natural(soft17)
    hard12 = hand_of([ranks["A"], ranks["6"], ranks["5"]])
    assert best(hard12) == 12 and not is_soft(hard12)
    assert is_natural(hand_of([ranks["A"], ranks["K"]]))
    assert pair_rank(hand_of([ranks["8"], ranks["8"]])) == 7
    assert pair_rank(hand_of([ranks["K"], ranks["Q"]])) is None  # equal value, not rank
    assert pair_rank(hand_of([ranks["8"], ranks["8"], ranks["2"]])) is None
    assert dealer_hits(hand_of([ranks["T"], ranks["6"]]), h17=False)
    assert not dealer_hits(soft17, h17=False) and dealer_hits(soft17, h17=True)
    assert hand_return(hand_of([ranks["T"], ranks["9"]]), 10, 22) == 20  # dealer bust


# ---- settlement ---------------------------------------------------------------------------


def test_natural_pays_three_to_two_and_needs_no_decision() -> None:
    game, world = table("A 9 K 7")  # player A K, dealer 9 7
    assert game.is_over(world) and game.hand_over(world)
    assert game.rewards(world) == {"player_0": 1.5}
    assert bank(world) == 1015


def test_natural_against_dealer_blackjack_pushes() -> None:
    game, world = table("A K K A")  # ten up, ace in the hole: the dealer peeks
    assert game.is_over(world)
    assert game.rewards(world) == {"player_0": 0.0}


def test_dealer_blackjack_ends_the_hand_before_anyone_plays() -> None:
    game, world = table("T Q 9 A")  # player 19; dealer Q A
    assert game.is_over(world) and game.rewards(world) == {"player_0": -1.0}
    assert world.zone("dealer")["face_up"].tolist() == [True, True]  # revealed
    assert game.render(world).splitlines()[0].startswith("dealer: Q")


def test_push_returns_the_bet() -> None:
    game, world = table("T T 7 7")
    play(game, world, STAND)
    assert game.is_over(world) and game.rewards(world) == {"player_0": 0.0}
    assert bank(world) == 1000


def test_win_and_loss() -> None:
    game, world = table("T 9 9 8")  # 19 against 17
    play(game, world, STAND)
    assert game.rewards(world) == {"player_0": 1.0}
    game, world = table("T 9 7 8 8")  # 17 against 9 8
    play(game, world, HIT)  # 17 + 8 = 25: bust
    assert game.is_over(world) and game.rewards(world) == {"player_0": -1.0}
    # the dealer does not draw when every hand is bust: the 8 stays in the shoe
    assert len(world.zone("dealer")) == 2


def test_soft_hand_and_observation() -> None:
    game, world = table("A 9 6 7 5 T")  # soft 17 against a 9
    obs = game.player_view(world, "player_0")
    assert obs.dtype == np.float32 and obs.shape == (7,)
    assert obs[0] == pytest.approx(17 / 30) and obs[1] == pytest.approx(9 / 11)
    assert obs[2] == 1.0 and obs[3] == 1.0 and obs[4] == 0.0 and obs[5] == 0.0
    assert obs[6] == pytest.approx((312 - 4) / 312)
    play(game, world, HIT)  # A 6 5: hard 12
    obs = game.player_view(world, "player_0")
    assert obs[0] == pytest.approx(12 / 30) and obs[2] == 0.0 and obs[3] == 0.0
    play(game, world, HIT)  # + T = 22: bust
    assert game.rewards(world) == {"player_0": -1.0}


def test_hitting_to_21_stands_by_itself() -> None:
    game, world = table("5 T 6 7 K")  # 11 + K = 21; dealer 17
    play(game, world, HIT)
    assert game.is_over(world) and game.rewards(world) == {"player_0": 1.0}


def test_double_wins_and_loses_two_bets() -> None:
    game, world = table("6 9 5 7 T 6")  # 11 doubles into 21; dealer 9 7 draws 6: bust
    assert DOUBLE in mask(game, world)
    play(game, world, DOUBLE)
    assert game.is_over(world)
    assert game.rewards(world) == {"player_0": 2.0}
    assert bank(world) == 1020
    game, world = table("6 T 5 9 2")  # 11 + 2 = 13 doubled against 19
    play(game, world, DOUBLE)
    assert game.rewards(world) == {"player_0": -2.0}
    assert bank(world) == 980
    assert len(world.zone("p0h0")) == 3  # exactly one card


def test_double_only_on_two_cards() -> None:
    game, world = table("2 9 3 8 2")
    play(game, world, HIT)
    assert mask(game, world) == [HIT, STAND]


def test_split_pair_plays_both_hands_in_order() -> None:
    # 8 8 against a 6: split; hand 0 gets a 3 (11) and doubles into a T (21);
    # hand 1 gets a 9 (17) and stands; dealer 6 T = 16 draws a 7: 23 bust.
    game, world = table("8 6 8 T  3 9  T  7")
    assert SPLIT in mask(game, world)
    play(game, world, SPLIT)
    assert [len(world.zone("p0h0")), len(world.zone("p0h1"))] == [2, 2]
    assert mask(game, world) == [HIT, STAND, DOUBLE]  # split once by default: no resplit
    play(game, world, DOUBLE, STAND)
    assert game.is_over(world)
    assert game.rewards(world) == {"player_0": 3.0}  # +2 (doubled) +1
    assert bank(world) == 1030


def test_resplit_with_option() -> None:
    game, world = table("8 6 8 T  8 9 3 2", splits=2)
    play(game, world, SPLIT)  # hand 0: 8 8 again
    assert SPLIT in mask(game, world)
    play(game, world, SPLIT)  # hands: 0 = 8 3, 1 = 8 9, 2 = 8 2
    assert [len(world.zone(f"p0h{k}")) for k in range(3)] == [2, 2, 2]
    assert SPLIT not in mask(game, world)


def test_split_aces_take_one_card_each_and_21_is_not_blackjack() -> None:
    # A A against a 6: split; the hands get K (21) and 9 (20) and stand by themselves;
    # dealer 6 T = 16 draws T: bust. 21 after a split pays 1:1, not 3:2.
    game, world = table("A 6 A T  K 9  T")
    play(game, world, SPLIT)
    assert game.is_over(world)
    assert game.rewards(world) == {"player_0": 2.0}


def test_split_needs_equal_ranks() -> None:
    game, world = table("K 6 Q 7")
    assert SPLIT not in mask(game, world)
    assert game.player_view(world, "player_0")[4] == 0.0


# ---- insurance and the dealer -------------------------------------------------------------


def test_insurance_pays_two_to_one() -> None:
    game, world = table("T A 9 K")  # 19 against A, K in the hole
    assert game.current_player(world) == "player_0"
    assert mask(game, world) == [STAND, INSURANCE]
    assert game.player_view(world, "player_0")[5] == 1.0
    play(game, world, INSURANCE)
    assert game.is_over(world)
    # the bet is lost (-10), the insurance (5) pays 2:1 (+10): even
    assert game.rewards(world) == {"player_0": 0.0}
    assert bank(world) == 1000


def test_declined_insurance_against_blackjack_loses_the_bet() -> None:
    game, world = table("T A 9 K")
    play(game, world, STAND)  # no insurance
    assert game.is_over(world) and game.rewards(world) == {"player_0": -1.0}


def test_insurance_is_lost_when_the_dealer_has_no_blackjack() -> None:
    game, world = table("T A 9 7")  # dealer A 7 = soft 18
    play(game, world, INSURANCE)
    assert not game.is_over(world)
    assert game.rewards(world) == {"player_0": -0.5}  # lost at the peek
    assert mask(game, world) == [HIT, STAND, DOUBLE]
    play(game, world, STAND)  # 19 beats 18: +1 - 0.5
    assert game.rewards(world) == {"player_0": 0.5}
    assert bank(world) == 1005


def test_blackjack_with_insurance_is_even_money() -> None:
    game, world = table("A A K K")  # player blackjack; dealer A K
    play(game, world, INSURANCE)
    assert game.rewards(world) == {"player_0": 1.0}  # push + 2 * 5


def test_dealer_stands_on_soft_17() -> None:
    game, world = table("T 6 T A 4")  # 20 against 6 A (soft 17)
    play(game, world, STAND)
    assert game.rewards(world) == {"player_0": 1.0}
    assert len(world.zone("dealer")) == 2


def test_h17_dealer_hits_soft_17() -> None:
    game, world = table("T 6 T A 4", h17=True)  # soft 17 + 4 = 21
    play(game, world, STAND)
    assert game.rewards(world) == {"player_0": -1.0}
    assert len(world.zone("dealer")) == 3


def test_hole_card_is_face_down_until_revealed() -> None:
    game, world = table("T 6 9 K")
    placements = world.zone("dealer")
    assert placements["face_up"].tolist() == [True, False]
    assert "??" in game.render(world) and "??" in game.render(world, "player_0")
    play(game, world, STAND)
    assert world.zone("dealer")["face_up"].all()
    assert "??" not in game.render(world)


def test_player_view_does_not_depend_on_the_hole_card() -> None:
    views = []
    for hole in "2679TA":
        game, world = table(f"T 6 9 {hole}")
        views.append(game.player_view(world, "player_0").tobytes())
    assert len(set(views)) == 1


# ---- seats, turns and bankrolls -------------------------------------------------------


def test_seats_act_in_order_and_split_hands_by_the_same_seat() -> None:
    # p0: 8 8 (splits), p1: T 9; dealer 7 T.
    game, world = table("8 T 7  8 9 T  3 5", players=2)
    seen = []
    for a in (SPLIT, STAND, STAND, STAND):
        seat = game.current_player(world)
        seen.append(seat)
        game.apply(world, seat, a, CTX)  # type: ignore[arg-type]
    assert seen == ["player_0", "player_0", "player_0", "player_1"]
    assert game.is_over(world)
    # p0: 8 3 = 11 and 8 5 = 13 lose to 17; p1: 19 wins
    assert game.rewards(world) == {"player_0": -2.0, "player_1": 1.0}


def test_insurance_round_asks_every_seat_before_play() -> None:
    game, world = table("T 9 A  7 9 6", players=2)  # dealer A 6 (soft 17)
    assert game.current_player(world) == "player_0"
    play(game, world, INSURANCE)
    assert game.current_player(world) == "player_1"
    assert mask(game, world, "player_1") == [STAND, INSURANCE]
    play(game, world, STAND)  # no insurance; no blackjack: play starts with player_0
    assert game.current_player(world) == "player_0"
    assert mask(game, world) == [HIT, STAND, DOUBLE]
    play(game, world, STAND, STAND)  # 17 vs 17 push; 18 vs 17 win
    assert game.rewards(world) == {"player_0": -0.5, "player_1": 1.0}


def test_many_hands_keep_bankrolls_and_reshuffle_at_the_cut_card() -> None:
    game = Blackjack(2, decks=1, penetration=0.5, hands=40)
    world = new_world(game)
    for seat in game.seats:
        world.agent_create(seat)
    world.game_start(0)
    game.setup(world, CTX)
    reshuffles, n = 0, 0
    before = len(world.shoe("shoe"))
    worth = [1000, 1000]  # each seat's chips, off the table and on it
    dealt = world.property("hand")
    while not game.is_over(world):
        mover = game.current_player(world)
        assert mover is not None
        game.apply(world, mover, STAND, MoveContext(0, 0, n, n))
        n += 1
        if not game.hand_over(world):
            continue
        over = game.is_over(world)
        settled = world.property("hand") - dealt + (1 if over else 0)
        dealt = world.property("hand")
        for i in range(2):
            # Standing only (and declining insurance), each hand loses 10, pushes, wins 10
            # or pays a blackjack 15; the next bet is already on the table unless over.
            now = bank(world, i) + world.property(f"stake{i}")
            assert now - worth[i] in range(-10 * settled, 15 * settled + 1, 5)
            assert world.property(f"stake{i}") == (0 if over else 10)
            worth[i] = now
        if not over:
            left = len(world.shoe("shoe"))
            if left > before:  # the shoe grew: a reshuffle before this hand
                reshuffles += 1
                assert left >= 52 - 6 - 4 * 3  # 52 less this hand's cards
                assert len(world.stack("discard")) == 0
            before = left
    assert game.rewards(world) == {s: (worth[i] - 1000) / 10 for i, s in enumerate(game.seats)}
    assert world.property("hand") == 40
    assert reshuffles >= 3  # 26 cards per shoe at 2 seats: a reshuffle every ~4 hands


@pytest.mark.parametrize(("left", "reshuffled"), [(26, False), (25, True)])
def test_reshuffle_exactly_below_the_cut_card(left: int, reshuffled: bool) -> None:
    # 1 deck, penetration 0.5: the cut card leaves 26 cards.
    game, world = table("T 9 9 8", decks=1, penetration=0.5, hands=2)
    shoe = world.shoe("shoe").tolist()
    for t in shoe[: len(shoe) - left]:  # deal those out to the discard pile
        world.token_move(t, "stack:discard")
    play(game, world, STAND)  # 19 against 17: the dealer draws nothing
    assert game.hand_over(world) and not game.is_over(world)
    assert game.rewards(world) == {"player_0": 1.0}
    if reshuffled:
        assert len(world.stack("discard")) == 0
        assert len(world.shoe("shoe")) == 52 - 4
    else:
        assert len(world.shoe("shoe")) == left - 4
        assert len(world.stack("discard")) == (48 - left) + 4  # dealt out + hand 1


def test_an_empty_shoe_takes_in_the_discard_pile_mid_hand() -> None:
    game, world = table("T 9 2 8", decks=1)  # 12 against 17
    for t in world.shoe("shoe").tolist():
        world.token_move(t, "stack:discard")
    play(game, world, HIT)  # the discard pile is shuffled into the shoe, then drawn from
    assert len(world.zone("p0h0")) == 3
    assert len(world.stack("discard")) == 0
    assert len(world.shoe("shoe")) == 48 - 1


def test_no_card_left_anywhere_allows_only_stand() -> None:
    game, world = table("T 9 2 8", decks=1)
    for t in world.shoe("shoe").tolist():
        world.token_move(t, None)  # cards out of play (as if all were on the table)
    world.game_set_property("s", TableState.low.set(world.property("s"), 1))  # as moves keep it
    assert mask(game, world) == [STAND]
    play(game, world, HIT)  # played as Stand: 12 against 17
    assert game.is_over(world) and game.rewards(world) == {"player_0": -1.0}


def test_wagers_need_chips_and_a_broke_seat_sits_out() -> None:
    # Hand 1: p0 T 6 (16), p1 T 9 (19); dealer 9 8 (17). Hand 2: p1 5 7 against 6 9.
    game, world = table("T T 9 6 9 8  5 6 7 9", players=2, bankroll=15, hands=2)
    assert bank(world, 0) == bank(world, 1) == 5
    assert mask(game, world) == [HIT, STAND]  # 5 chips: no double (nor split)
    assert game.player_view(world, "player_0")[3] == 0.0
    play(game, world, STAND, STAND)
    assert game.hand_over(world) and not game.is_over(world)
    assert bank(world, 0) == 5 and bank(world, 1) == 5 + 20 - 10  # p1 won, bet again
    assert game.current_player(world) == "player_1"  # p0 cannot bet: it sits out
    assert game.player_view(world, "player_0")[0] == 0.0
    assert game.rewards(world) == {"player_0": -1.0, "player_1": 1.0}


def test_nobody_able_to_bet_ends_the_game() -> None:
    game, world = table("T 9 6 8", bankroll=10, hands=5)  # 16 against 17
    play(game, world, STAND)
    assert game.is_over(world) and world.property("hand") == 1
    assert game.rewards(world) == {"player_0": -1.0}


# ---- actions outside the mask -------------------------------------------------------------


def test_legal_mask_is_the_available_actions_under_every_policy() -> None:
    for policy in ("stand", "penalty", "error"):
        game, world = table("T 9 9 8", illegal_action=policy)
        legal = game.legal_actions(world, "player_0")
        assert legal.tolist() == [True, True, True, False, False]
        assert legal.tolist() == game.available_actions(world, "player_0").tolist()
        assert [game.is_legal(world, "player_0", a) for a in range(5)] == legal.tolist()
        assert not game.legal_actions(world, "player_1").any()  # not its turn
        tolerated = [game.tolerates(world, "player_0", a) for a in range(5)]
        assert tolerated == [policy != "error"] * 5
        assert not game.tolerates(world, "player_1", SPLIT)  # never out of turn
        assert not game.tolerates(world, "player_0", 5)  # never outside 0..4


def test_unavailable_action_is_played_as_stand_by_default() -> None:
    game, world = table("T 9 9 8")  # no pair, no ace up
    assert not game.is_legal(world, "player_0", SPLIT)
    assert game.tolerates(world, "player_0", SPLIT)  # accepted ...
    play(game, world, SPLIT)  # ... and played as Stand: 19 vs 17
    assert game.rewards(world) == {"player_0": 1.0}
    info = game.infos(world)["player_0"]
    assert info["illegal_action"] == SPLIT and info["played_as"] == "stand"


def test_insurance_outside_the_insurance_round_is_a_stand() -> None:
    game, world = table("T 9 9 8")
    play(game, world, INSURANCE)
    assert game.is_over(world) and game.rewards(world) == {"player_0": 1.0}


def test_illegal_action_error_policy_refuses_and_changes_nothing() -> None:
    game, world = table("T 9 9 8", illegal_action="error")
    assert not game.is_legal(world, "player_0", SPLIT)
    assert game.is_legal(world, "player_0", STAND)
    before = world.state_hash()
    with pytest.raises(IllegalMove, match="split is not legal now"):
        play(game, world, SPLIT)
    assert world.state_hash() == before
    play(game, world, STAND)
    assert "illegal_action" not in game.infos(world)["player_0"]


def test_illegal_action_penalty_policy() -> None:
    game, world = table("T 9 9 8", illegal_action="penalty")
    play(game, world, INSURANCE, SPLIT)  # two penalties: no change to the hand
    assert game.current_player(world) == "player_0"
    assert len(world.zone("p0h0")) == 2
    assert game.rewards(world)["player_0"] == pytest.approx(-0.2)
    assert game.infos(world)["player_0"]["illegal_action"] == SPLIT
    play(game, world, STAND)
    assert game.rewards(world)["player_0"] == pytest.approx(0.8)
    assert game.info.max_length == 0 and game.info.reward_range[0] == float("-inf")


def test_bad_input_gets_clear_errors() -> None:
    game, world = table("T 9 9 8")
    before = world.state_hash()
    for bad, msg in (
        (7, "outside 0..4"),
        (-1, "outside 0..4"),
        ("hit", "an int 0..4"),
        (1.0, "an int 0..4"),
        (True, "an int 0..4"),
    ):
        with pytest.raises(IllegalMove, match=msg):
            game.apply(world, "player_0", bad, CTX)  # type: ignore[arg-type]
        assert not game.is_legal(world, "player_0", bad)  # type: ignore[arg-type]
    with pytest.raises(IllegalMove, match="player_0's turn"):
        game.apply(world, "player_1", STAND, CTX)
    assert world.state_hash() == before
    game.apply(world, "player_0", np.int64(1), CTX)  # type: ignore[arg-type]
    assert game.is_over(world)
    with pytest.raises(IllegalMove, match="over"):
        game.apply(world, "player_0", STAND, CTX)
    with pytest.raises(ValueError, match="no seat 'player_9'"):
        game.player_view(world, "player_9")
    with pytest.raises(IllegalMove, match="has no move"):
        game.parse_move("fold", ())
    assert game.parse_move(*game.move_name(DOUBLE)) == DOUBLE


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"decks": 0}, "decks"),
        ({"decks": 9}, "decks"),
        ({"bet": 5}, "even"),
        ({"bet": 0}, "bet"),
        ({"splits": 4}, "splits"),
        ({"h17": 1}, "h17"),
        ({"penetration": 0}, "penetration"),
        ({"penetration": 1.5}, "penetration"),
        ({"illegal_action": "ignore"}, "illegal_action"),
        ({"hands": 0}, "hands"),
        ({"bankroll": -1}, "bankroll"),
    ],
)
def test_bad_options(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Blackjack(1, **options)  # type: ignore[arg-type]


def test_player_counts() -> None:
    with pytest.raises(ValueError, match=r"1\.\.6 players"):
        Blackjack(7)
    assert Blackjack().num_players == 1
    assert Blackjack(3, decks=2).options == {"decks": 2}


def test_with_no_card_left_anywhere_seats_stand_and_the_dealer_stands() -> None:
    # 5 and 6 against a ten up and a six in the hole; then one 2 is all the shoe holds
    # (every other card is set aside) and the discard pile is empty.
    game, world = table("5T66 2", hands=2, decks=1)
    shoe = world.shoe("shoe").tolist()
    aside = Batch().stack_create("aside")
    for t in shoe[:-1]:
        aside.token_move(t, "stack:aside")
    world.apply(aside)
    assert mask(game, world) == [HIT, STAND, DOUBLE]
    play(game, world, HIT)  # the last card: 13
    assert mask(game, world) == [STAND]  # nothing left to draw, here or in the pile
    play(game, world, STAND)  # the dealer must hit 16 but cannot: it stands
    assert bank(world) + world.property("stake0") == 990  # 13 loses to 16
    assert world.property("hand") == 2  # the next hand was dealt from a reshuffled shoe
    assert len(world.shoe("shoe")) == 52 - 4
