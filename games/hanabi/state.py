"""The state of :mod:`games.hanabi` in the World: every property, container and bit.

This module is the layout's documentation and its only definition: the rules
(:mod:`~games.hanabi.rules`), the view (:mod:`~games.hanabi.view`) and the scenario helper
(:mod:`~games.hanabi.scenario`) read and write the packed ints through the functions below.

Cards
    Fifty card tokens, created by ``Game.prepare`` colour by colour (red, yellow, green,
    white, blue, HLE's order), each colour's ranks 1 1 1 2 2 3 3 4 4 5, so token ``t`` is
    card ``CARD[t]``; a card's *identity* is ``colour * 5 + rank`` with ``rank`` 0..4 (the
    printed rank minus one). Its label reads ``"R1"``, ``"B5"``...

Containers
    Stack ``deck`` (shuffled with the setup's seed; the top is the next card drawn), the
    seats' inventories (the cards in hand), stack ``fireworks`` (cards played
    successfully) and stack ``discard`` (discarded and misplayed cards). Scenario
    positions (:mod:`~games.hanabi.scenario`) may park unused cards in stack ``box``.

Game properties (packed ints; few, because every read decodes all of them)
    ==========  =================================================================
    ``s``       the table: information tokens (bits 0-3), lives left (4-5), each
                colour's firework height (3 bits per colour from bit 6), cards in the
                deck (21-26), turns left once the deck is empty (27-29), the seat to
                move (30-32), over (33), lost on the third life (34)
    ``h{i}``    seat i's hand: slot j's card token in bits 6j..6j+5 (slot 0 the oldest
                card; 0 for no card), the card count in bits 30-32
    ``k{i}``    what seat i knows of its hand from hints, 12 bits per slot from bit 12j:
                the colours the card may still be (bits 0-4), the ranks (5-9), a colour
                hint touched it (10), a rank hint touched it (11)
    ``d``       the discards: 2 bits per card identity (how many copies are discarded)
    ``last``    the last move (:func:`pack_last`)
    ==========  =================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from hypertoken.game.fields import Field, Layout

#: The generated Zig declarations of the layouts below, beside this module (for the kernel,
#: ``kernel.zig``; ``python -m games.kernels`` regenerates it, CI checks it).
ZIG_FILE = "kernel_state.zig"

COLOURS = "RYGWB"
COLOUR_NAMES = ("red", "yellow", "green", "white", "blue")
NUM_COLOURS = 5
NUM_RANKS = 5
#: How many copies of each rank (index 0 = rank 1) a colour has.
COPIES = (3, 2, 2, 2, 1)
DECK_SIZE = NUM_COLOURS * sum(COPIES)  # 50
MAX_INFO = 8
MAX_LIVES = 3
MAX_SCORE = NUM_COLOURS * NUM_RANKS  # 25

#: The ranks of one colour, in token order.
_RANK_ORDER = tuple(r for r, c in enumerate(COPIES) for _ in range(c))
#: Card identity (colour * 5 + rank) of token t (index 0 unused: token ids start at 1).
CARD: tuple[int, ...] = (-1, *(c * 5 + r for c in range(NUM_COLOURS) for r in _RANK_ORDER))


def label(card: int) -> str:
    """A card identity as text, e.g. ``"R1"``."""
    return f"{COLOURS[card // 5]}{card % 5 + 1}"


def parse_card(text: str) -> int:
    """The identity of a card written ``"R1"`` (colour letter, printed rank)."""
    if len(text) != 2 or text[0].upper() not in COLOURS or text[1] not in "12345":
        raise ValueError(f"a card is written as a colour of {COLOURS} and a rank 1-5, not {text!r}")
    return COLOURS.index(text[0].upper()) * 5 + int(text[1]) - 1


def hand_size(num_players: int) -> int:
    """Cards in a hand: 5 for 2 or 3 players, 4 for 4 or 5."""
    return 5 if num_players <= 3 else 4


# ---- the packed ints, declared once (the kernel's Zig constants are generated from them) --


class TableBits(Layout):
    """The table, property ``s``."""

    info = Field(4, "information tokens, 0..8")
    lives = Field(2, "life tokens left, 0..3")
    fireworks = Field(15, "each colour's firework height (0..5), 3 bits per colour, R Y G W B")
    deck = Field(6, "cards in the deck")
    turns = Field(3, "moves left once the deck is empty (from the player count down)")
    seat = Field(3, "the seat to move")
    over = Field(1, "the game is over")
    lost = Field(1, "the third life was lost")


class HandBits(Layout):
    """A seat's hand, property ``h{i}``: slot j's card token (1..50) in bits 6j..6j+5."""

    count = Field(3, "how many cards the hand holds", at=30)


class SlotBits(Layout):
    """What a seat knows of one slot from hints: 12 bits per slot of ``k{i}``, slot j at
    bit 12j.
    """

    colours = Field(5, "bit c: the card may be colour c")
    ranks = Field(5, "bit r: the card may be rank r + 1")
    colour_hinted = Field(1, "a colour hint touched the card")
    rank_hinted = Field(1, "a rank hint touched the card")


class LastBits(Layout):
    """The last move, property ``last`` (see :class:`LastMove`)."""

    kind = Field(3, "0 none, 1 play, 2 discard, 3 hint colour, 4 hint rank")
    mover = Field(3, "the seat that moved")
    target = Field(3, "hints: the seat hinted")
    value = Field(3, "hints: the colour or rank index (0..4)")
    touched = Field(5, "hints: bit j, the hint touched slot j")
    slot = Field(3, "plays and discards: the slot")
    card = Field(5, "plays and discards: the card's identity (colour * 5 + rank)")
    success = Field(1, "the play placed the card")
    bonus = Field(1, "the play completed a firework and regained a token")


# ---- the table ("s") ---------------------------------------------------------------------

_FW = TableBits.fireworks.shift
_DECK = TableBits.deck.shift
_TURNS = TableBits.turns.shift
_SEAT = TableBits.seat.shift
_OVER = TableBits.over.mask
_LOST = TableBits.lost.mask


@dataclass(slots=True)
class Table:
    """The table property ``s``, unpacked."""

    info: int
    lives: int
    fireworks: list[int]
    deck: int
    #: Moves left once the deck is empty (starts at the player count; HLE's turns_to_play).
    turns: int
    seat: int
    over: bool
    lost: bool

    def pack(self) -> int:
        """The packed int."""
        s = self.info | self.lives << 4 | self.deck << _DECK | self.turns << _TURNS
        s |= self.seat << _SEAT
        for c, height in enumerate(self.fireworks):
            s |= height << (_FW + 3 * c)
        if self.over:
            s |= _OVER
        if self.lost:
            s |= _LOST
        return s

    def score(self, lose_all_on_fail: bool) -> int:
        """The sum of the fireworks (0 once the third life is lost, with the option)."""
        return 0 if self.lost and lose_all_on_fail else sum(self.fireworks)


def table(s: int) -> Table:
    """Unpack the table property."""
    return Table(
        info=s & 15,
        lives=(s >> 4) & 3,
        fireworks=[(s >> (_FW + 3 * c)) & 7 for c in range(NUM_COLOURS)],
        deck=(s >> _DECK) & 63,
        turns=(s >> _TURNS) & 7,
        seat=(s >> _SEAT) & 7,
        over=bool(s & _OVER),
        lost=bool(s & _LOST),
    )


def info_of(s: int) -> int:
    """Information tokens in table state ``s``."""
    return s & 15


def seat_of(s: int) -> int:
    """The seat to move in table state ``s``."""
    return (s >> _SEAT) & 7


def is_over(s: int) -> bool:
    """Whether table state ``s`` is over."""
    return bool(s & _OVER)


def fireworks_of(s: int) -> list[int]:
    """Each colour's firework height in table state ``s``."""
    return [(s >> (_FW + 3 * c)) & 7 for c in range(NUM_COLOURS)]


# ---- hands ("h{i}") and knowledge ("k{i}") -----------------------------------------------

HAND = tuple(f"h{i}" for i in range(5))
KNOW = tuple(f"k{i}" for i in range(5))
_COUNT = HandBits.count.shift


def hand(h: int) -> list[int]:
    """The card tokens of a packed hand, oldest first."""
    return [(h >> (6 * j)) & 63 for j in range(h >> _COUNT)]


def pack_hand(tokens: list[int]) -> int:
    """Pack a hand's card tokens (oldest first)."""
    h = len(tokens) << _COUNT
    for j, t in enumerate(tokens):
        h |= t << (6 * j)
    return h


#: A card nobody has hinted: every colour and rank possible.
FRESH = SlotBits.colours.mask | SlotBits.ranks.mask
COLOUR_HINTED = SlotBits.colour_hinted.mask
RANK_HINTED = SlotBits.rank_hinted.mask
_SLOT_BITS = SlotBits.mask


def knowledge(k: int, count: int) -> list[int]:
    """The 12-bit knowledge of each of ``count`` slots."""
    return [(k >> (12 * j)) & _SLOT_BITS for j in range(count)]


def pack_knowledge(slots: list[int]) -> int:
    """Pack per-slot knowledge."""
    k = 0
    for j, v in enumerate(slots):
        k |= v << (12 * j)
    return k


def possible_colours(slot: int) -> list[int]:
    """The colours a slot's card may be."""
    return [c for c in range(NUM_COLOURS) if slot >> c & 1]


def possible_ranks(slot: int) -> list[int]:
    """The ranks (0..4) a slot's card may be."""
    return [r for r in range(NUM_RANKS) if slot >> (5 + r) & 1]


# ---- discards ("d") ----------------------------------------------------------------------


def discards(d: int) -> list[int]:
    """Discarded copies per card identity (25 counts)."""
    return [(d >> (2 * i)) & 3 for i in range(NUM_COLOURS * NUM_RANKS)]


def add_discard(d: int, card: int) -> int:
    """``d`` with one more copy of ``card`` discarded."""
    return d + (1 << (2 * card))


# ---- the last move ("last") --------------------------------------------------------------

#: Kinds of move in ``last`` (0: no move yet).
NONE, PLAY, DISCARD, HINT_COLOUR, HINT_RANK = range(5)


@dataclass(frozen=True, slots=True)
class LastMove:
    """The last move, unpacked from property ``last``."""

    kind: int = NONE
    mover: int = 0
    #: Hints: the seat hinted, the colour or rank (0..4), and the slots it touched (bits).
    target: int = 0
    value: int = 0
    touched: int = 0
    #: Plays and discards: the slot and the card's identity; for plays, whether it was
    #: placed, and whether it completed a firework below 8 information tokens.
    slot: int = 0
    card: int = 0
    success: bool = False
    bonus: bool = False


def pack_last(m: LastMove) -> int:
    """Pack a :class:`LastMove` (its fields' bits are :class:`LastBits`)."""
    return LastBits.pack(
        kind=m.kind,
        mover=m.mover,
        target=m.target,
        value=m.value,
        touched=m.touched,
        slot=m.slot,
        card=m.card,
        success=int(m.success),
        bonus=int(m.bonus),
    )


def last_move(x: int) -> LastMove:
    """Unpack property ``last``."""
    f = LastBits.unpack(x)
    return LastMove(
        kind=f["kind"],
        mover=f["mover"],
        target=f["target"],
        value=f["value"],
        touched=f["touched"],
        slot=f["slot"],
        card=f["card"],
        success=bool(f["success"]),
        bonus=bool(f["bonus"]),
    )
