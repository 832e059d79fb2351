"""Cuttle scenarios: every one-off, every permanent, scuttling, counter chains, the king
thresholds, the hand limit, passing, each with its expected outcome written out.

Tables are laid out with :func:`games.cuttle.scenario.arrange` (World token moves only);
moves go through the Game's ``apply`` as the Engine plays them.
"""

from __future__ import annotations

import pytest

from games.cuttle.cards import DRAW, RESOLVE, parse
from games.cuttle.game import Cuttle
from games.cuttle.scenario import arrange, decider, legal, new_game, where
from games.cuttle.scenario import move as a
from games.cuttle.scenario import play as act
from games.cuttle.state import Phase
from hypertoken.core import World


@pytest.fixture
def gw() -> tuple[Cuttle, World]:
    return new_game(seed=7)


# ---- setup, drawing, points ------------------------------------------------------------


def test_deal_six_to_the_non_dealer_who_starts_five_to_the_dealer() -> None:
    game, world = new_game(seed=3)
    t = game.table(world)
    assert len(t.hand(0)) == 6 and len(t.hand(1)) == 5 and len(t.deck) == 41
    assert game.current_player(world) == "player_0"
    assert t.phase is Phase.MAIN


def test_draw_takes_the_top_card_and_passes_the_turn(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "3C", 1: "4C"}, deck="KH QH")
    act(game, world, DRAW)
    assert where(game, world, "KH") == "hand0" and where(game, world, "QH") == "deck"
    assert game.current_player(world) == "player_1"


def test_points_count_and_21_wins(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "2C 10H", 1: "4C"}, points={0: "10S 9S"}, deck="KH")
    assert game.table(world).points(0) == 19
    act(game, world, a("points", "2C"))
    assert game.is_over(world)
    assert game.rewards(world) == {"player_0": 1.0, "player_1": -1.0}
    assert game.winner(world) == "player_0"


def test_points_below_the_threshold_do_not_win(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "AC 10H", 1: "4C"}, points={0: "10S 9S"}, deck="KH")
    act(game, world, a("points", "AC"))
    assert not game.is_over(world)
    assert game.table(world).points(0) == 20
    assert game.rewards(world) == {"player_0": 0.0, "player_1": 0.0}


@pytest.mark.parametrize(("kings", "threshold"), [(0, 21), (1, 14), (2, 10), (3, 5), (4, 0)])
def test_king_thresholds(gw: tuple[Cuttle, World], kings: int, threshold: int) -> None:
    game, world = gw
    held = " ".join(f"K{s}" for s in "CDHS"[:kings])
    arrange(game, world, hands={0: "3C", 1: "4C"}, permanents={0: held}, deck="5H")
    assert game.table(world).threshold(0) == threshold


def test_a_king_that_reaches_the_threshold_wins(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    # 10 points and one king (threshold 14): a second king lowers it to 10, a win.
    arrange(game, world, hands={0: "KD", 1: "4C"}, points={0: "10S"}, permanents={0: "KC"})
    act(game, world, a("effect", "KD"))
    assert game.winner(world) == "player_0"


def test_the_fourth_king_wins_with_no_points(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "KS 3C", 1: "4C"}, permanents={0: "KC KD KH"})
    assert game.table(world).threshold(0) == 5
    act(game, world, a("effect", "KS"))
    assert game.winner(world) == "player_0"


# ---- scuttling -------------------------------------------------------------------------


def test_scuttle_legality_by_rank_then_suit(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "9S 9C 5H KD", 1: "4C"}, points={1: "9D 10C 4H"})
    moves = legal(game, world)
    assert a("scuttle", "9S", "9D") in moves  # same rank, spades beat diamonds
    assert a("scuttle", "9C", "9D") not in moves  # clubs lose to diamonds
    assert a("scuttle", "9S", "10C") not in moves  # a lower rank never scuttles
    assert a("scuttle", "5H", "4H") in moves and a("scuttle", "9C", "4H") in moves
    assert not any(a("scuttle", "5H", x) in moves for x in ("9D", "10C"))
    act(game, world, a("scuttle", "9S", "9D"))
    assert where(game, world, "9S") == "scrap" and where(game, world, "9D") == "scrap"
    assert game.table(world).points(1) == 14
    assert game.current_player(world) == "player_1"


def test_scuttling_a_stolen_card_scraps_its_jack(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    # player_1's jack of spades holds player_0's seven of hearts.
    arrange(
        game,
        world,
        hands={0: "8C", 1: "4C"},
        points={1: "7H"},
        permanents={1: "JS"},
        jacks={"JS": "7H"},
    )
    act(game, world, a("scuttle", "8C", "7H"))
    assert [where(game, world, c) for c in ("8C", "7H", "JS")] == ["scrap"] * 3
    assert game.table(world).jack_target(3) is None


# ---- one-offs --------------------------------------------------------------------------


def test_ace_scraps_every_point_card(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(
        game,
        world,
        hands={0: "AS", 1: "4C"},
        points={0: "10H 3C", 1: "9D 7H"},
        permanents={0: "KD", 1: "JS"},
        jacks={"JS": "7H"},
    )
    act(game, world, a("effect", "AS"))
    assert game.table(world).phase is Phase.COUNTER and decider(game, world) == 1
    assert where(game, world, "AS") == "chain"
    act(game, world, RESOLVE)
    for c in ("AS", "10H", "3C", "9D", "7H", "JS"):
        assert where(game, world, c) == "scrap", c
    assert where(game, world, "KD") == "perm0"  # permanents stay
    assert game.current_player(world) == "player_1"


def test_two_destroys_a_permanent(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "2C", 1: "4C"}, permanents={1: "KD 8S"})
    moves = legal(game, world)
    assert a("two", "2C", "KD") in moves and a("two", "2C", "8S") in moves
    act(game, world, a("two", "2C", "KD"), RESOLVE)
    assert where(game, world, "KD") == "scrap" and where(game, world, "2C") == "scrap"
    assert where(game, world, "8S") == "perm1"
    assert game.table(world).threshold(1) == 21


def test_two_on_a_jack_returns_the_stolen_card(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(
        game,
        world,
        hands={0: "2C", 1: "4C"},
        points={1: "7H"},
        permanents={1: "JS"},
        jacks={"JS": "7H"},
    )
    act(game, world, a("two", "2C", "JS"), RESOLVE)
    assert where(game, world, "JS") == "scrap"
    assert where(game, world, "7H") == "pts0"
    assert game.table(world).jack_target(3) is None


def test_three_takes_a_card_from_the_scrap(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "3D", 1: "4C"}, scrap="10H 5C", deck="KH")
    act(game, world, a("effect", "3D"), RESOLVE)
    assert game.table(world).phase is Phase.PICK and decider(game, world) == 0
    assert legal(game, world) == {a("pick", "10H"), a("pick", "5C")}  # not the three
    act(game, world, a("pick", "10H"))
    assert where(game, world, "10H") == "hand0" and where(game, world, "3D") == "scrap"
    assert game.current_player(world) == "player_1"


def test_three_needs_a_scrap(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "3D", 1: "4C"})
    assert a("effect", "3D") not in legal(game, world)
    assert a("points", "3D") in legal(game, world)


def test_four_makes_the_opponent_discard_two_of_their_choice(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "4D", 1: "KC 9H 2S"})
    act(game, world, a("effect", "4D"), RESOLVE)
    assert game.table(world).phase is Phase.DISCARD and decider(game, world) == 1
    assert legal(game, world) == {a("discard", c) for c in ("KC", "9H", "2S")}
    act(game, world, a("discard", "9H"))
    assert decider(game, world) == 1  # the second discard
    act(game, world, a("discard", "2S"))
    assert where(game, world, "9H") == "scrap" and where(game, world, "2S") == "scrap"
    assert where(game, world, "KC") == "hand1" and where(game, world, "4D") == "scrap"
    t = game.table(world)
    assert t.phase is Phase.MAIN and t.turn == 1  # player_1's own turn now


def test_four_against_one_card_and_against_none(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "4D 4H", 1: "9H"}, deck="KS")
    act(game, world, a("effect", "4D"), RESOLVE, a("discard", "9H"))
    assert game.table(world).turn == 1 and game.table(world).hand(1) == []
    act(game, world, DRAW)  # player_1 draws KS
    arrange(game, world, hands={0: "4H", 1: ""}, deck="KS")
    act(game, world, a("effect", "4H"), RESOLVE)
    t = game.table(world)
    assert t.phase is Phase.MAIN and t.turn == 1 and where(game, world, "4H") == "scrap"


def test_five_draws_two(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "5C 3H", 1: "4C"}, deck="KD QS JH")
    act(game, world, a("effect", "5C"), RESOLVE)
    assert sorted(game.table(world).hand(0)) == sorted(parse(c) for c in ("3H", "KD", "QS"))
    assert where(game, world, "JH") == "deck"


def test_five_stops_at_the_hand_limit(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "5C 3H 3S 6H 6S 7H 7S 8H", 1: "4C"}, deck="KD QS")
    act(game, world, a("effect", "5C"), RESOLVE)
    assert len(game.table(world).hand(0)) == 8
    assert where(game, world, "KD") == "hand0" and where(game, world, "QS") == "deck"


def test_six_scraps_every_permanent_and_returns_stolen_points(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(
        game,
        world,
        hands={0: "6C", 1: "4C"},
        points={0: "10H", 1: "7H"},
        permanents={0: "QH KD", 1: "8S JS"},
        jacks={"JS": "7H"},  # player_1 stole player_0's seven
    )
    act(game, world, a("effect", "6C"), RESOLVE)
    for c in ("QH", "KD", "8S", "JS", "6C"):
        assert where(game, world, c) == "scrap", c
    assert where(game, world, "7H") == "pts0" and where(game, world, "10H") == "pts0"
    assert game.table(world).jk == 0


def test_seven_plays_the_top_card(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "7C", 1: "4C"}, points={1: "9D"}, deck="10S KH")
    act(game, world, a("effect", "7C"), RESOLVE)
    t = game.table(world)
    assert t.phase is Phase.SEVEN and decider(game, world) == 0
    assert where(game, world, "10S") == "reveal" and where(game, world, "7C") == "scrap"
    assert legal(game, world) == {a("points", "10S"), a("scuttle", "10S", "9D")}
    act(game, world, a("points", "10S"))
    assert where(game, world, "10S") == "pts0" and game.current_player(world) == "player_1"
    assert where(game, world, "KH") == "deck"


def test_seven_scraps_a_card_with_no_legal_play(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "7C", 1: "4C"}, deck="JD")  # a jack with no target
    act(game, world, a("effect", "7C"), RESOLVE)
    assert legal(game, world) == {RESOLVE}
    act(game, world, RESOLVE)
    assert where(game, world, "JD") == "scrap" and game.current_player(world) == "player_1"


def test_seven_revealing_a_one_off_can_be_countered(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "7C", 1: "2H 9S"}, deck="4D")
    act(game, world, a("effect", "7C"), RESOLVE, a("effect", "4D"))
    assert game.table(world).phase is Phase.COUNTER and decider(game, world) == 1
    act(game, world, a("counter", "2H"), RESOLVE)  # player_0 accepts the counter
    assert where(game, world, "9S") == "hand1"  # the four was cancelled
    assert where(game, world, "4D") == "scrap" and where(game, world, "2H") == "scrap"


def test_nine_returns_a_permanent_that_cannot_be_played_next_turn(
    gw: tuple[Cuttle, World],
) -> None:
    game, world = gw
    arrange(game, world, hands={0: "9C", 1: "4C"}, permanents={1: "KD"}, deck="3H 3S")
    act(game, world, a("nine", "9C", "KD"), RESOLVE)
    assert where(game, world, "KD") == "hand1" and where(game, world, "9C") == "scrap"
    assert a("effect", "KD") not in legal(game, world)  # frozen for player_1's turn
    act(game, world, DRAW, DRAW)  # player_1 draws, then player_0 draws
    assert a("effect", "KD") in legal(game, world)


def test_nine_on_a_jack_returns_it_and_the_card_comes_back(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(
        game,
        world,
        hands={0: "9C", 1: "4C"},
        points={1: "7H"},
        permanents={1: "JS"},
        jacks={"JS": "7H"},
    )
    act(game, world, a("nine", "9C", "JS"), RESOLVE)
    assert where(game, world, "JS") == "hand1" and where(game, world, "7H") == "pts0"


def test_nine_on_a_stolen_point_card_scraps_its_jack(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(
        game,
        world,
        hands={0: "9C", 1: "4C"},
        points={1: "7H 10D"},
        permanents={1: "JS"},
        jacks={"JS": "7H"},
    )
    act(game, world, a("nine", "9C", "7H"), RESOLVE)
    assert where(game, world, "7H") == "hand1" and where(game, world, "JS") == "scrap"
    assert where(game, world, "10D") == "pts1"


# ---- permanents ------------------------------------------------------------------------


def test_eight_is_glasses_or_points(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "8H", 1: "4C"})
    assert {a("points", "8H"), a("effect", "8H")} <= legal(game, world)
    act(game, world, a("effect", "8H"))
    assert where(game, world, "8H") == "perm0" and game.table(world).glasses(0)
    assert game.table(world).points(0) == 0


def test_jacks_steal_and_steal_back(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "JD 2C", 1: "JC 4C"}, points={1: "9S"}, deck="3H")
    act(game, world, a("jack", "JD", "9S"))
    assert where(game, world, "9S") == "pts0" and where(game, world, "JD") == "perm0"
    assert game.table(world).points(0) == 9
    act(game, world, a("jack", "JC", "9S"))  # player_1 steals it back
    assert where(game, world, "9S") == "pts1" and where(game, world, "JC") == "perm1"
    t = game.table(world)
    assert t.jacks_on(parse("9S")) == [parse("JD"), parse("JC")]
    moves = legal(game, world)
    assert a("two", "2C", "JC") in moves  # the top jack
    assert a("jack", "JD", "9S") not in moves  # JD is on the field, not in hand
    act(game, world, a("two", "2C", "JC"), RESOLVE)
    assert where(game, world, "9S") == "pts0" and where(game, world, "JC") == "scrap"
    assert game.table(world).jacks_on(parse("9S")) == [parse("JD")]


def test_queen_protects_her_holders_other_cards(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(
        game,
        world,
        hands={0: "JC 2C 9C 10S", 1: "4C"},
        points={1: "10H"},
        permanents={1: "QS KD"},
    )
    moves = legal(game, world)
    assert a("jack", "JC", "10H") not in moves
    assert a("two", "2C", "KD") not in moves and a("nine", "9C", "10H") not in moves
    assert a("two", "2C", "QS") in moves and a("nine", "9C", "QS") in moves  # a lone queen
    assert a("scuttle", "10S", "10H") in moves  # scuttling is not targeting


def test_two_queens_protect_each_other(gw: tuple[Cuttle, World]) -> None:
    game, world = gw
    arrange(game, world, hands={0: "2C 9C", 1: "4C"}, permanents={1: "QS QD"})
    moves = legal(game, world)
    assert not {a("two", "2C", "QS"), a("two", "2C", "QD"), a("nine", "9C", "QS")} & moves
