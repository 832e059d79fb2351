"""No-limit hold'em scenarios on a stacked deck: every betting rule with its exact outcome.

The deck is arranged with :func:`games.holdem.table.restack` (World actions only) from the
hole cards and the board each test names; stacks other than the starting stack are set
as the World's properties before the deal. Seats are numbered; seat 0 has the button in
the first hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from games.holdem import CALL, CHECK, FOLD, TexasHoldem, cards
from games.holdem.rules import pots
from games.holdem.state import (
    ACTED,
    ALL_IN,
    COMPLETE,
    FLOP,
    IN,
    PREFLOP,
    RIVER,
    SB,
    SHOWDOWN,
    STK,
    TOT,
    TURN,
    Table,
)
from games.holdem.table import deal_order
from hypertoken.core import Batch, World
from hypertoken.engine import LocalEngine
from hypertoken.game import IllegalMove, MoveContext

CTX = MoveContext(0, 0, 0, 12345)
HALF, POT, ALLIN = 3, 4, 5


def table(
    holes: list[str],
    board: str = "",
    *,
    stacks: list[int] | None = None,
    **options: object,
) -> tuple[TexasHoldem, World]:
    """A game whose first hand deals ``holes[i]`` to seat i and then ``board``."""
    game = TexasHoldem(len(holes), **options)  # type: ignore[arg-type]
    world = World()
    for seat in game.seats:
        world.agent_create(seat)
    world.game_start(0)
    game.setup(world, CTX)
    if stacks is not None:
        b = Batch()
        for i, chips in enumerate(stacks):
            b.game_set_property(STK[i], chips).game_set_property(TOT[i], 0)
            b.game_set_property(SB[i], 0)
        world.apply(b)
    t = game.table(world)
    dealt = {i: cards(h) for i, h in enumerate(holes) if h}
    game.restack(world, deal_order(game.num_players, t.button, dealt, cards(board)))
    return game, world


def play(game: TexasHoldem, world: World, *actions: int) -> None:
    """Play ``actions`` (each legal) for whichever seat is to act."""
    for a in actions:
        seat = game.current_player(world)
        assert seat is not None, "the game is over"
        mask = game.legal_actions(world, seat)
        assert mask[a], f"{seat}: {game.layout.names[a]} not legal (mask {mask.astype(int)})"
        game.apply(world, seat, a, CTX)


def state(game: TexasHoldem, world: World) -> Table:
    return game.table(world)


def legal(game: TexasHoldem, world: World) -> list[str]:
    seat = game.current_player(world)
    assert seat is not None
    return [game.layout.names[a] for a in np.flatnonzero(game.legal_actions(world, seat))]


# ---- blinds and action order ----------------------------------------------------------


def test_heads_up_button_posts_small_blind_and_acts_first_preflop_last_after() -> None:
    game, world = table(["Ah Kh", "7c 2d"], "2s 3s 9d Tc Jh")
    t = state(game, world)
    assert (t.button, t.street, t.actor) == (0, PREFLOP, 0)
    assert (t.stack, t.sbet, t.bet, t.minr) == ([199, 198], [1, 2], 2, 2)
    assert legal(game, world) == ["fold", "call", "raise_half_pot", "raise_pot", "all_in"]
    play(game, world, CALL)
    t = state(game, world)
    assert t.actor == 1  # the big blind's option
    assert legal(game, world) == ["check", "raise_half_pot", "raise_pot", "all_in"]
    play(game, world, CHECK)
    t = state(game, world)
    assert (t.street, t.actor, t.board) == (FLOP, 1, cards("2s 3s 9d"))  # BB first post-flop
    play(game, world, CHECK)
    assert state(game, world).actor == 0  # the button last
    play(game, world, CHECK)
    t = state(game, world)
    assert (t.street, t.actor, len(t.board)) == (TURN, 1, 4)
    play(game, world, CHECK, CHECK)
    assert (state(game, world).street, state(game, world).actor) == (RIVER, 1)
    play(game, world, CHECK, CHECK)
    t = state(game, world)
    assert t.street == SHOWDOWN and game.is_over(world)
    assert t.stack == [198, 202]  # the deuce pairs: seven-deuce beats ace-king, a pot of 4
    assert game.rewards(world) == {"player_0": -1.0, "player_1": 1.0}


def test_three_handed_blinds_and_order() -> None:
    game, world = table(["Ah Kh", "7c 2d", "9s 9c"], "2s 3s 4d Tc Jh")
    t = state(game, world)
    assert t.sbet == [0, 1, 2] and t.actor == 0  # button is first pre-flop three-handed
    play(game, world, CALL, CALL)
    assert state(game, world).actor == 2
    play(game, world, CHECK)
    t = state(game, world)
    assert (t.street, t.actor) == (FLOP, 1)  # small blind first after the flop
    play(game, world, CHECK, CHECK)
    assert state(game, world).actor == 0


def test_four_handed_under_the_gun_acts_first_and_big_blind_last() -> None:
    game, world = table(["Ah Kh", "7c 2d", "9s 9c", "Qd Jd"], "2s 3s 4d Tc Jh")
    t = state(game, world)
    assert t.sbet == [0, 1, 2, 0] and t.actor == 3
    play(game, world, CALL, CALL, CALL)
    assert state(game, world).actor == 2
    play(game, world, POT)  # the big blind raises its option: pot 8 -> bet 2 + 8
    t = state(game, world)
    assert (t.bet, t.minr, t.actor) == (10, 8, 3)


# ---- raise sizes and the minimum raise ---------------------------------------------------


def test_raise_sizes_and_min_raise_round_up() -> None:
    game, world = table(["Ah Kh", "7c 2d"], "2s 3s 9d Tc Jh", actions="extended")
    play(game, world, 6)  # raise pot: call 1 -> pot 4, so the bet becomes 2 + 4
    t = state(game, world)
    assert (t.sbet, t.bet, t.minr) == ([6, 2], 6, 4)
    play(game, world, CALL)
    t = state(game, world)
    assert (t.street, t.bet, t.minr, t.pot()) == (FLOP, 0, 2, 12)
    play(game, world, 8)  # bet 2 pots: 24
    assert state(game, world).sbet == [0, 24]
    # 1/3 pot raises to 24 + (36 + 24) / 3 = 44, below the minimum 24 + 24: rounds up to 48.
    play(game, world, 3)
    t = state(game, world)
    assert (t.sbet, t.bet, t.minr) == ([48, 24], 48, 24)


def test_small_bet_rounds_up_to_the_big_blind() -> None:
    game, world = table(["Ah Kh", "7c 2d"], "2s 3s 9d Tc Jh", actions="extended")
    play(game, world, CALL, CHECK)
    play(game, world, 3)  # a third of a pot of 4 is 1: a bet is at least the big blind
    assert state(game, world).sbet == [0, 2]


def test_raise_at_or_above_the_stack_is_all_in() -> None:
    game, world = table(["Ah Kh", "7c 2d"], "2s 3s 9d Tc Jh", stacks=[10, 200])
    play(game, world, POT)  # pot raise to 6, then the big blind re-pots: 6 + (8 + 4)
    play(game, world, POT)
    assert state(game, world).sbet == [6, 18]
    assert legal(game, world) == ["fold", "call"]  # 4 chips behind: no raise possible
    play(game, world, CALL)  # a call for less: all-in for 10
    t = state(game, world)
    # 8 uncalled went back first; the deuce pairs and takes the pot of 20.
    assert t.street == SHOWDOWN and t.won == [0, 20] and t.stack == [0, 210]


def test_half_pot_raise_below_stack_and_all_in_when_over() -> None:
    game, world = table(["Ah Kh", "7c 2d"], "2s 3s 9d Tc Jh", stacks=[5, 200])
    play(game, world, POT)  # pot raise to 6 needs 6: the stack is 5, so all-in for 5
    t = state(game, world)
    assert t.sbet[0] == 5 and t.stack[0] == 0 and t.status[0] & ALL_IN


# ---- the short all-in rule ---------------------------------------------------------------


def test_short_all_in_does_not_reopen_the_betting() -> None:
    # Seat 2 (big blind) has 11 chips: after the flop it has 9 behind.
    game, world = table(["Ah Kh", "7c 2d", "9s 9c"], "2s 3s 4d Tc Jh", stacks=[200, 200, 11])
    play(game, world, CALL, CALL, CHECK)
    play(game, world, POT)  # seat 1 bets the pot: 6
    play(game, world, ALLIN)  # seat 2 all-in for 9: a raise of 3, less than a full 6
    t = state(game, world)
    assert (t.bet, t.minr, t.actor) == (9, 6, 0)
    # Seat 0 has not acted on this street: it may raise (at least to 9 + 6).
    assert legal(game, world) == ["fold", "call", "raise_half_pot", "raise_pot", "all_in"]
    play(game, world, CALL)
    # Seat 1 already acted and faces only the short raise: call or fold.
    assert state(game, world).actor == 1
    assert legal(game, world) == ["fold", "call"]
    play(game, world, CALL)
    t = state(game, world)
    assert t.street == TURN and t.pot() == 6 + 27


def test_full_raise_after_a_short_all_in_reopens_it() -> None:
    game, world = table(["Ah Kh", "7c 2d", "9s 9c"], "2s 3s 4d Tc Jh", stacks=[200, 200, 11])
    play(game, world, CALL, CALL, CHECK, POT, ALLIN)
    play(game, world, HALF)  # seat 0: 9 + (21 + 9) / 2 = 24, a full raise of 15
    t = state(game, world)
    assert (t.bet, t.minr, t.actor) == (24, 15, 1)
    assert legal(game, world) == ["fold", "call", "raise_half_pot", "raise_pot", "all_in"]


def test_short_all_ins_adding_up_to_a_full_raise_reopen_it() -> None:
    game, world = table(
        ["Ah Kh", "7c 2d", "9s 9c", "Qd Jd"], "2s 3s 4d Tc Jh", stacks=[200, 200, 13, 18]
    )
    play(game, world, CALL, CALL, CALL, CHECK)  # a pot of 8; seats 2 and 3 keep 11 and 16
    play(game, world, POT, ALLIN, ALLIN)  # 8, then all-in 11 and 16: short raises of 3, 5
    play(game, world, CALL)  # the button calls 16
    assert state(game, world).actor == 1  # it faces 8 more: a full raise in all
    assert legal(game, world) == ["fold", "call", "raise_half_pot", "raise_pot", "all_in"]


def test_no_raise_when_every_other_seat_is_all_in() -> None:
    game, world = table(["Ah Kh", "7c 2d"], "2s 3s 9d Tc Jh", stacks=[200, 50])
    play(game, world, CALL)
    play(game, world, ALLIN)  # the big blind shoves 50
    assert legal(game, world) == ["fold", "call"]


# ---- pots -------------------------------------------------------------------------------


def test_three_way_all_in_with_two_side_pots() -> None:
    # Button (seat 0) covers everyone; seats 1, 2, 3 are all-in for 50, 100 and 150.
    game, world = table(
        ["4c 5d", "As Ah", "Ks Kh", "Qs Qh"],
        "2c 7d 9h Js 3s",
        stacks=[300, 50, 100, 150],
    )
    play(game, world, ALLIN)  # seat 3 (under the gun) all-in 150
    play(game, world, CALL)  # the button calls 150
    play(game, world, CALL)  # small blind calls all-in for 50
    t = state(game, world)
    assert t.actor == 2
    # So far: the small blind's level 50 (the big blind's 2 in it), and 150.
    assert pots(t) == [(152, [0, 1, 3]), (200, [0, 3])]
    play(game, world, CALL)  # big blind calls all-in for 100
    t = state(game, world)
    assert t.street == SHOWDOWN and t.board == cards("2c 7d 9h Js 3s")
    # Main 4 x 50 to aces; side 3 x 50 to kings; side 2 x 50 to queens.
    assert t.won == [0, 200, 150, 100]
    assert t.stack == [150, 200, 150, 100]


def test_split_pot_odd_chip_goes_left_of_the_button() -> None:
    # Seat 1 (small blind) folds its blind: a pot of 5 split by seats 0 and 2 playing the
    # board's straight. Left of the button the first tied seat is seat 2: it takes 3.
    game, world = table(["2c 3d", "4c 5c", "2h 3s"], "Ts Jd Qh Kc Ad")
    play(game, world, CALL, FOLD, CHECK)
    play(game, world, *[CHECK] * 6)
    t = state(game, world)
    assert t.street == SHOWDOWN
    assert t.won == [2, 0, 3] and t.stack == [200, 199, 201]


def test_uncalled_bet_returns_when_everyone_folds() -> None:
    game, world = table(["Ah Kh", "7c 2d"], "2s 3s 9d Tc Jh")
    play(game, world, ALLIN, FOLD)
    t = state(game, world)
    assert (t.street, t.stack, t.board) == (COMPLETE, [202, 198], [])
    assert game.rewards(world) == {"player_0": 1.0, "player_1": -1.0}


def test_uncalled_part_of_an_all_in_returns_before_the_run_out() -> None:
    game, world = table(["7c 2d", "As Ah"], "2s 3s 9d Tc Jh", stacks=[150, 50])
    play(game, world, ALLIN, CALL)  # 150 in, called for 50: 100 is uncalled
    t = state(game, world)
    assert t.street == SHOWDOWN and t.won == [0, 100] and t.stack == [100, 100]


def test_fold_ends_the_hand_without_dealing() -> None:
    game, world = table(["Ah Kh", "7c 2d"], "2s 3s 9d Tc Jh")
    play(game, world, FOLD)
    t = state(game, world)
    assert game.is_over(world) and t.street == COMPLETE and t.board == []
    assert t.stack == [199, 201]
    assert game.rewards(world) == {"player_0": -0.5, "player_1": 0.5}


def test_board_runs_out_when_everyone_is_all_in() -> None:
    game, world = table(["Ah Kh", "Qc Qd"], "2s 3s 9d Tc Jh")
    play(game, world, ALLIN, CALL)
    t = state(game, world)
    assert t.board == cards("2s 3s 9d Tc Jh") and t.street == SHOWDOWN
    assert t.stack == [0, 400]  # no straight for ace-king without a queen: the queens win
    assert game.is_over(world)


def test_run_out_after_a_flop_all_in_call() -> None:
    game, world = table(["Ah Kh", "Qc Qd"], "As 3s 9d Tc 4h", stacks=[200, 30])
    play(game, world, CALL, CHECK)
    play(game, world, ALLIN, CALL)  # big blind shoves 28 on the flop; called
    t = state(game, world)
    assert t.street == SHOWDOWN and len(t.board) == 5
    assert t.stack == [230, 0]  # the ace pairs


def test_short_big_blind_all_in_needs_no_call_heads_up() -> None:
    # The big blind has 1 chip: the small blind matched it, so nobody can bet.
    game, world = table(["Ah Kh", "Qc Qd"], "2s 3s 9d Tc Jh", stacks=[200, 1])
    t = state(game, world)
    assert game.is_over(world) and t.street == SHOWDOWN
    assert t.stack == [199, 2]


# ---- sessions ---------------------------------------------------------------------------


def test_session_button_moves_and_busted_seats_sit_out() -> None:
    game, world = table(["As Ad", "7c 2d", "8h 3c"], "Ks 9h 4d 2c Jh", hands=4)
    play(game, world, ALLIN, FOLD, CALL)  # seat 2 calls off its stack and loses
    assert game.hand_over(world)
    t = state(game, world)
    assert t.stack[2] == 0 and t.status[2] == 0  # busted: sits out
    assert (t.hand, t.button, t.actor) == (2, 1, 1)  # button moved to seat 1
    assert t.sbet == [2, 1, 0]  # heads-up now: the button posts the small blind
    assert not t.hole[2]
    play(game, world, FOLD)
    assert game.hand_over(world)
    t = state(game, world)
    assert (t.hand, t.button) == (3, 0)  # seat 2 is skipped
    play(game, world, CALL)
    assert not game.hand_over(world)
    total = sum(t.stack) + t.pot()
    assert total == 600


def test_session_ends_when_one_seat_has_every_chip() -> None:
    game, world = table(["As Ad", "7c 2d"], "Ks 9h 4d 2c Jh", hands=10)
    play(game, world, ALLIN, CALL)
    t = state(game, world)
    assert game.is_over(world) and t.hand == 1 and t.stack == [400, 0]
    assert game.rewards(world) == {"player_0": 100.0, "player_1": -100.0}


def test_session_plays_every_hand() -> None:
    game = TexasHoldem(2, hands=3)
    engine = LocalEngine(game, seed=4)
    hands = 0
    while not engine.is_over:
        seat = engine.current_player()
        assert seat is not None
        engine.step(FOLD if engine.legal_mask(seat)[FOLD] else CHECK, seat)
        hands += game.hand_over(engine.world)
    assert hands == 3
    assert state(game, engine.world).hand == 3
    assert sum(engine.rewards().values()) == 0


# ---- unavailable actions --------------------------------------------------------------


def test_unavailable_action_plays_check_or_fold() -> None:
    game, world = table(["Ah Kh", "7c 2d"], "2s 3s 9d Tc Jh")
    play(game, world, CALL)
    assert game.tolerates(world, "player_1", FOLD)
    game.apply(world, "player_1", FOLD, CTX)  # fold when a check is free: a check
    assert state(game, world).street == FLOP
    info = game.infos(world)["player_1"]
    assert info["illegal_action"] == FOLD and info["played_as"] == "check"
    play(game, world, POT)
    game.apply(world, "player_0", CHECK, CTX)  # check facing a bet: a fold
    assert state(game, world).street == COMPLETE
    assert game.infos(world)["player_0"]["played_as"] == "fold"


def test_illegal_action_error_refuses() -> None:
    game, world = table(["Ah Kh", "7c 2d"], "2s 3s 9d Tc Jh", illegal_action="error")
    assert not game.tolerates(world, "player_0", CHECK)
    with pytest.raises(IllegalMove, match="check is not legal"):
        game.apply(world, "player_0", CHECK, CTX)
    with pytest.raises(IllegalMove, match="player_0's turn"):
        game.apply(world, "player_1", CALL, CTX)


def test_illegal_action_penalty() -> None:
    game, world = table(["Ah Kh", "7c 2d"], "2s 3s 9d Tc Jh", illegal_action="penalty")
    game.apply(world, "player_0", CHECK, CTX)
    assert game.current_player(world) == "player_0"
    assert game.rewards(world)["player_0"] == pytest.approx(-0.1)
    assert game.infos(world)["player_0"]["penalty"] == 0.1


# ---- views, determinism ------------------------------------------------------------------


def test_observation_layout() -> None:
    game, world = table(["Ah Kh", "7c 2d"], "2s 3s 9d Tc Jh")
    obs = game.player_view(world, "player_0")
    assert obs.shape == (20,) and obs.dtype == np.float32
    expected = [13 / 13, 1 / 4, 12 / 13, 1 / 4] + [0.0] * 10
    expected += [3 / 400, 199 / 400, 198 / 400, 1 / 400, 0.0, 1.0]
    assert np.allclose(obs, expected)
    other = game.player_view(world, "player_1")
    assert np.allclose(other[:4], [6 / 13, 3 / 4, 1 / 13, 2 / 4])  # 7c 2d, not Ah Kh
    assert other[19] == 0.0 and other[17] == 0.0


def test_rich_observation() -> None:
    game, world = table(["Ah Kh", "7c 2d", "9s 9c"], "2s 3s 9d Tc Jh", rich_obs=True)
    obs = game.player_view(world, "player_0")
    assert obs.shape == (54,) and obs.min() >= 0.0 and obs.max() <= 1.0
    assert np.allclose(obs[20:23] * 600, [200, 199, 198])
    assert np.allclose(obs[30:33] * 600, [0, 1, 2])
    assert list(obs[40:43]) == [1.0, 1.0, 1.0]
    assert np.allclose(obs[50:52] * 600, [4, 200])  # min raise to 4, all-in 200
    assert obs[52] == pytest.approx(0.3) and obs[53] == 0.0


def test_render_hides_other_hole_cards() -> None:
    game, world = table(["Ah Kh", "7c 2d"], "2s 3s 9d Tc Jh")
    text = game.render(world, "player_0")
    assert "[Ah Kh]" in text and "[?? ??]" in text and "7c" not in text
    assert "199 chips" in text and "pot 3" in text
    play(game, world, ALLIN, CALL)
    assert "won 400" in game.render(world, "player_0")


def test_hidden_variants_change_only_other_seats_cards() -> None:
    game, world = table(["Ah Kh", "7c 2d", "9s 9c"], "2s 3s 9d Tc Jh")
    variants = game.hidden_variants(world)
    assert variants
    for seat, variant in variants:
        assert np.array_equal(game.player_view(world, seat), game.player_view(variant, seat))
        assert variant.state_hash() != world.state_hash()


def test_same_seed_same_game_and_seeds_differ() -> None:
    def run(seed: int) -> list[bytes]:
        game = TexasHoldem(3, hands=3)
        engine = LocalEngine(game, seed=seed)
        hashes = [engine.state_hash()]
        while not engine.is_over:
            seat = engine.current_player()
            assert seat is not None
            legal_ids = np.flatnonzero(engine.legal_mask(seat))
            engine.step(int(legal_ids[len(hashes) % len(legal_ids)]), seat)
            hashes.append(engine.state_hash())
        return hashes

    assert run(11) == run(11)
    assert run(11)[0] != run(12)[0]


def test_status_bits_after_a_fold_and_acting() -> None:
    game, world = table(["Ah Kh", "7c 2d", "9s 9c"], "2s 3s 9d Tc Jh")
    play(game, world, FOLD)
    t = state(game, world)
    assert t.status[0] == IN | 2 | ACTED and not t.live(0)


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="big_blind"):
        TexasHoldem(2, small_blind=2, big_blind=1)
    with pytest.raises(ValueError, match="illegal_action"):
        TexasHoldem(2, illegal_action="stand")
    with pytest.raises(ValueError, match=r"takes 2\.\.10"):
        TexasHoldem(11)
    game = TexasHoldem(6, actions="extended", hands=5)
    assert game.info.num_actions == 10 and game.options == {"actions": "extended", "hands": 5}
    assert game.info.reward_range == (-100.0, 500.0)
