"""The state of :mod:`games.blackjack` in the World: every property, container and bit.

This module is the layout's documentation and its only definition. The Python planner
(:mod:`~games.blackjack.rules`, :mod:`~games.blackjack.move`, :mod:`~games.blackjack.table`)
reads and writes the packed ints through the declarations below, and the kernel uses the
same fields from ``kernel_state.zig``, generated from them (``python -m games.kernels``
regenerates it before building; CI fails if it is stale). A change to a field is one edit
here.

Game properties
    ==============  ==============================================================
    ``s``           the table state, a :class:`TableState` (the first property, so the
                    hottest read is cheap)
    ``hand``        how many hands have been dealt
    ``ins``         bit i: seat i took insurance this hand
    ``bank{i}``     seat i's chips off the table
    ``stake{i}``    seat i's chips wagered this hand (back to 0 when it settles)
    ``r{i}.{k}``    seat i's hand k, a :class:`HandRecord` (hand 0 also holds the count)
    ``pen{i}``      refused actions under ``illegal_action="penalty"`` (set when one is)
    ==============  ==============================================================

Containers
    Cards are tokens, created deck by deck, suit by suit, ace to king, so card token
    ``t`` has rank ``(t - 1) % 13`` (:func:`rank_of`). Stack ``cards`` is their home,
    source ``shoe`` deals them, stack ``discard`` takes a settled hand's cards, zone
    ``dealer`` holds the upcard and the hole card (face down until the last hand settles)
    and zone ``p{i}h{k}`` seat i's hand k.

Packed ints
    A *hand summary* (:class:`Hand`) packs what the rules need to know about one hand; the
    *table state* (:class:`TableState`) packs what a decision needs: whose turn, the hand
    being played (its summary), the upcard, who could afford which wager, and what the
    last move did. Their fields, lowest bits first, with their meaning, are the classes
    below (``TableState.describe(s)`` reads one out).
"""

from __future__ import annotations

import functools
from enum import IntEnum

from hypertoken.game.fields import Field, Group, Layout

#: The generated Zig declarations of these layouts, beside this module (for the kernel).
ZIG_FILE = "kernel_state.zig"

MAX_SEATS = 6
#: At most this many splits per seat (so at most 4 hands; the ``splits`` option).
MAX_SPLITS = 3


class Phase(IntEnum):
    """Where the game is."""

    #: The seats play their hands, in seat order.
    PLAY = 0
    #: The insurance round (the upcard is an ace): each seat insures or declines.
    INSURE = 1
    #: Every hand is played, or no seat can afford a bet.
    OVER = 2


class Hand(Layout):
    """A hand summary: what the rules need to know about one hand."""

    hard = Field(5, "the total with every ace counted 1 (at most 30: a hand stops at 21)")
    ace = Field(1, "the hand holds an ace")
    cards = Field(5, "how many cards the hand holds")
    pair = Field(
        4,
        """while the hand has one card: that card's rank + 1; with two cards of the same
        rank: that rank + 1 (a splittable pair); otherwise 0""",
    )
    doubled = Field(1, "the hand was doubled (its wager is two bets)")
    split = Field(1, "the hand came from a split (a two-card 21 is then not a blackjack)")
    done = Field(1, "the hand takes no more decisions (stood, doubled, 21, bust, split aces)")
    flags = Group(doubled, split, done, doc="what a card joining the hand leaves as it was")


class HandRecord(Layout):
    """A seat's hand as kept in its property ``r{i}.{k}``."""

    hand = Field(Hand, "the hand's summary")
    splits = Field(
        2,
        """in hand 0's record, once the seat has played past it: how many times the seat
        split this hand (its hand count - 1); 0 in the other hands' records""",
    )


class TableState(Layout):
    """The table state, property ``s``: everything a decision needs in one read."""

    hand = Field(
        Hand,
        """the summary of the hand being played (the insurance round: the seat's first
        hand)""",
    )
    phase = Field(2, "where the game is", values=Phase)
    seat = Field(3, "the seat to move (an index into the seats)")
    current = Field(2, "which of its hands the seat to move plays (0 until it splits)")
    splits = Field(2, "how many times the seat to move has split this hand")
    upcard = Field(4, "the dealer's upcard value, 2..11 (an ace is 11)")
    rich = Field(
        6,
        """bit i: seat i's bankroll covers every extra wager it could make this hand, so
        the mask needs no bankroll read""",
        fmt="#b",
    )
    hand_over = Field(1, "the last move ended a hand (it settled)")
    illegal = Field(
        3,
        """the last move's action + 1 when it was outside the mask (played as Stand, or
        penalised); 0 when it was available""",
    )
    mover = Field(3, "the seat that made that unavailable move")
    low = Field(
        1,
        """fewer than 2 cards were left in the shoe after the last move that looked at it
        (the mask then counts the discard pile too)""",
    )
    seats_in = Field(6, "bit i: seat i plays this hand (it could bet)", fmt="#b")
    hand_wide = Group(
        upcard, rich, seats_in, doc="what stays the same for the whole hand (set by the deal)"
    )
    per_move = Group(
        hand_over, illegal, mover, low, doc="what each move reports afresh about itself"
    )


# ---- reading the table state -------------------------------------------------------------


def phase(s: int) -> Phase:
    """The phase of table state ``s``."""
    return TableState.phase.get(s)


@functools.lru_cache(maxsize=1 << 14)  # several calls a step: cached, it costs a shift's time
def to_move(s: int) -> int | None:
    """The index of the seat to move in table state ``s``, or None once the game is over."""
    return None if TableState.phase.get(s) is Phase.OVER else TableState.seat.get(s)


def rank_of(token: int) -> int:
    """The rank index (0 = ace .. 12 = king) of a card token (ids start at 1, in deck order)."""
    return (token - 1) % 13


# ---- names -------------------------------------------------------------------------------

#: Property names by seat (and hand), built once.
BANK = tuple(f"bank{i}" for i in range(MAX_SEATS))
STAKE = tuple(f"stake{i}" for i in range(MAX_SEATS))
PENALTIES = tuple(f"pen{i}" for i in range(MAX_SEATS))
RECORD = tuple(tuple(f"r{i}.{k}" for k in range(MAX_SPLITS + 1)) for i in range(MAX_SEATS))
#: Zone names of the seats' hands, by seat and hand.
HAND_ZONE = tuple(tuple(f"p{i}h{k}" for k in range(MAX_SPLITS + 1)) for i in range(MAX_SEATS))
