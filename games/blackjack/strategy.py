"""Basic strategy for blackjack with the default HyperToken rules (6 decks, dealer stands
on soft 17, double on any first two cards, double after split, split once, no surrender),
a bot that plays it, and a seeded simulation of its return per hand.

The table is the textbook multi-deck one; ``h17=True`` applies the three changes for a
dealer who hits soft 17 (double 11 against an ace, soft 18 against a 2 and soft 19
against a 6). Insurance is never taken. With one or two decks a few borderline plays
differ from the multi-deck table; the bot still plays the multi-deck one.

Actions use the blackjack action ids: 0 Hit, 1 Stand, 2 Double, 3 Split, 4 Insurance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from games.blackjack.game import Blackjack
from games.blackjack.state import Phase
from hypertoken.core import World
from hypertoken.game import MoveContext

HIT, STAND, DOUBLE, SPLIT, INSURANCE = range(5)

# Dealer upcards in table order: 2..10, then the ace as 11.
_UP = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11)

# Letters: H hit, S stand, D double (else hit), E double (else stand), P split.
_HARD = {
    8: "HHHHHHHHHH",
    9: "HDDDDHHHHH",
    10: "DDDDDDDDHH",
    11: "DDDDDDDDDH",
    12: "HHSSSHHHHH",
    13: "SSSSSHHHHH",
    14: "SSSSSHHHHH",
    15: "SSSSSHHHHH",
    16: "SSSSSHHHHH",
}
_SOFT = {
    13: "HHHDDHHHHH",
    14: "HHHDDHHHHH",
    15: "HHDDDHHHHH",
    16: "HHDDDHHHHH",
    17: "HDDDDHHHHH",
    18: "SEEEESSHHH",
    19: "SSSSSSSSSS",
}
# H17 changes (6 decks, DAS, no surrender).
_H17 = {("hard", 11): "DDDDDDDDDD", ("soft", 18): "EEEEESSHHH", ("soft", 19): "SSSSESSSSS"}
# Pairs by card value; a missing value (5s, 10s) plays as its hard total.
_PAIRS = {
    2: "PPPPPPHHHH",
    3: "PPPPPPHHHH",
    4: "HHHPPHHHHH",
    6: "PPPPPHHHHH",
    7: "PPPPPPHHHH",
    8: "PPPPPPPPPP",
    9: "PPPPPSPPSS",
    11: "PPPPPPPPPP",
}


def basic_strategy(
    total: int,
    soft: bool,
    upcard: int,
    *,
    pair: int | None = None,
    can_double: bool = True,
    can_split: bool = True,
    h17: bool = False,
) -> int:
    """The basic-strategy action for a hand.

    ``total`` is the hand's best value, ``soft`` whether an ace counts 11 in it,
    ``upcard`` the dealer's upcard value (2..10, ace = 11), ``pair`` the card value when
    the hand is a splittable pair, ``h17`` whether the dealer hits soft 17.
    """
    if upcard not in _UP:
        raise ValueError(f"dealer upcard must be 2..11 (ace = 11), not {upcard!r}")
    col = _UP.index(upcard)
    if pair is not None and can_split and pair in _PAIRS and _PAIRS[pair][col] == "P":
        return SPLIT
    kind = "soft" if soft else "hard"
    row = _H17.get((kind, total)) if h17 else None
    if row is None:
        if soft:
            row = _SOFT.get(total)
        elif 9 <= total <= 16:
            row = _HARD[total]
    stand_from = 19 if soft else 17  # beyond the tables: stand from here, else hit
    letter = row[col] if row is not None else ("S" if total >= stand_from else "H")
    if letter == "D":
        return DOUBLE if can_double else HIT
    if letter == "E":
        return DOUBLE if can_double else STAND
    return STAND if letter == "S" else HIT


def basic_strategy_action(game: Blackjack, world: World, seat: str) -> int:
    """The bot: basic strategy for ``seat``, which must be to move (never insures)."""
    d = game.decision(world, seat)
    if d.phase is Phase.INSURE:
        return STAND  # decline insurance
    return basic_strategy(
        d.total,
        d.soft,
        d.upcard,
        pair=d.pair,
        can_double=bool(d.mask >> DOUBLE & 1),
        can_split=bool(d.mask >> SPLIT & 1),
        h17=game.h17,
    )


def mimic_dealer_action(game: Blackjack, world: World, seat: str) -> int:
    """A reference bot: hit below 17 like the dealer (soft 17 too under H17), never
    double, split or insure.
    """
    d = game.decision(world, seat)
    if d.phase is Phase.INSURE:
        return STAND
    hits = d.total < 17 or (d.total == 17 and d.soft and game.h17)
    return HIT if hits else STAND


Bot = Callable[[Blackjack, World, str], int]


@dataclass(frozen=True)
class EVResult:
    """A simulation's return per hand, in bets."""

    #: Seat-hands played (a hand with three seats counts three).
    hands: int
    #: Mean return per seat-hand.
    mean: float
    #: Its standard error (per-hand returns are independent but for the seats sharing a
    #: dealer, so the error is estimated over rounds).
    stderr: float
    #: Moves made.
    moves: int


def simulate(
    hands: int,
    *,
    seed: int = 0,
    players: int = 1,
    decks: int = 6,
    h17: bool = False,
    bot: Bot = basic_strategy_action,
    progress: Callable[[int], None] | None = None,
) -> EVResult:
    """Play ``hands`` rounds from one continuous shoe (reshuffled at the cut card) with
    ``bot`` in every seat, through the game's own API, and measure the return per hand.

    Seeded: the same arguments give the same result. ``progress`` is called with the
    number of rounds finished so far, about every thousand rounds and at the end.
    """
    if type(hands) is not int or hands < 1:
        raise ValueError(f"hands must be an int >= 1, not {hands!r}")
    # Bankrolls deep enough that no seat ever runs short (a hand loses at most 4.5 bets).
    game = Blackjack(
        players,
        decks=decks,
        h17=h17,
        hands=hands,
        bankroll=10 * (5 * hands + 10),
        illegal_action="error",
    )
    world = game.new_world()  # moves run in the game's kernel
    for s in game.seats:
        world.agent_create(s)
    world.game_start(0)
    base = MoveContext(0, 0, 0, seed & 0xFFFFFFFF)
    game.setup(world, base)
    n = len(game.seats)
    rounds = moves = 0  # hands settled, moves made
    last = 0.0  # the seats' total reward when ``rounds`` hands had settled
    # One block per move that settled hands: (their total return, seat-hands). A move can
    # settle more than one hand (the next may need no decision), hence blocks.
    blocks: list[tuple[float, int]] = []
    next_report = 1000
    while True:
        if game.hand_over(world):
            dealt: int = world.property("hand")
            over = game.is_over(world)
            settled = dealt if over else dealt - 1  # a hand in play is not settled
            if settled > rounds:
                total = sum(game.rewards(world).values())
                blocks.append((total - last, (settled - rounds) * n))
                rounds, last = settled, total
                if progress is not None and rounds >= next_report:
                    progress(rounds)
                    next_report = rounds + 1000
            if over:
                break
        seat = game.current_player(world)
        if seat is None:  # over without a hand ending in this move: nothing left to settle
            break
        moves += 1
        game.apply(
            world, seat, bot(game, world, seat), MoveContext(0, 0, moves, base.seed_for(moves))
        )
    ret = sum(r for r, _ in blocks)
    seat_hands = rounds * n
    mean = ret / seat_hands
    sq = sum((r - mean * k) ** 2 for r, k in blocks)
    b = len(blocks)
    stderr = math.sqrt(sq * b / (b - 1)) / seat_hands if b > 1 else float("nan")
    if progress is not None:
        progress(rounds)
    return EVResult(seat_hands, mean, stderr, moves)
