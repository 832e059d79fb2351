"""The cards of :mod:`games.cuttle` and its action layout (ids, names, log moves).

Cards are numbered in one canonical order, ``card = rank * 4 + suit``: rank 0 (ace) .. 12
(king), suit 0 clubs, 1 diamonds, 2 hearts, 3 spades. So a higher card number is a
stronger card for scuttling (a higher rank, or the same rank and a higher suit), the 40
point cards (ace to ten) are cards 0..39, and card ``c`` is World token ``c + 1``. The
three-player game adds the two jokers as cards 52 and 53 (``JK1``, ``JK2``; rank index
13). Its action ids are the two-player ids (0..2246, unchanged) followed by
:data:`EXTRA_ACTIONS` more (2247..2306), listed in the game's docstring.
"""

from __future__ import annotations

from typing import Any

from hypertoken.game import IllegalMoveError

RANKS = ("A", "2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K")
#: The jokers' names (cards 52 and 53, three players only).
JOKER_NAMES = ("JK1", "JK2")
SUITS = ("C", "D", "H", "S")
CARDS = 52
#: Cards 0..39 are the point cards (ace to ten).
POINT_CARDS = 40

ACE, TWO, THREE, FOUR, FIVE, SIX, SEVEN, EIGHT, NINE, TEN, JACK, QUEEN, KING, JOKER = range(14)
#: The cards of the three-player deck (the 52 and two jokers).
CARDS_3 = 54
#: The jokers' card numbers.
JOKERS = (52, 53)

#: The permanents a two may destroy, in target order: the eights, jacks, queens, kings.
ROYALS = (28, 29, 30, 31, *range(40, 52))
ROYAL_INDEX = {c: k for k, c in enumerate(ROYALS)}

#: The win threshold by the number of kings a seat holds.
THRESHOLDS = (21, 14, 10, 5, 0)
#: The same for three players (cutthroat: 14, 9, 5, then three kings win at once).
THRESHOLDS_3 = (14, 9, 5, 0, 0)

# ---- action layout -------------------------------------------------------------------

DRAW = 0
PASS = 1
RESOLVE = 2
POINTS = 3  # + card
EFFECT = POINTS + CARDS  # + card: untargeted one-off (A 3 4 5 6 7) or permanent (8 Q K)
COUNTER = EFFECT + CARDS  # + suit of the two
DISCARD = COUNTER + 4  # + card
PICK = DISCARD + CARDS  # + card
SCUTTLE = PICK + CARDS  # + attacker * 40 + target
JACK_ON = SCUTTLE + POINT_CARDS * POINT_CARDS  # + jack suit * 40 + target
TWO_ON = JACK_ON + 4 * POINT_CARDS  # + two suit * 16 + royal index
NINE_ON = TWO_ON + 4 * len(ROYALS)  # + nine suit * 52 + target
NUM_ACTIONS = NINE_ON + 4 * CARDS
# Three players only: these follow the two-player ids.
FOUR_AT = NUM_ACTIONS  # + four suit * 2 + (opponent offset - 1)
DISCARD_JOKER = FOUR_AT + 8  # + joker index
PICK_JOKER = DISCARD_JOKER + 2  # + joker index
JOKER_ON = PICK_JOKER + 2  # + joker index * 16 + royal index (eights, queens, kings)
TWO_ON_JOKER = JOKER_ON + 2 * len(ROYALS)  # + two suit * 2 + joker index
NINE_ON_JOKER = TWO_ON_JOKER + 8  # + nine suit * 2 + joker index
NUM_ACTIONS_3 = NINE_ON_JOKER + 8
#: Action ids the three-player game adds.
EXTRA_ACTIONS = NUM_ACTIONS_3 - NUM_ACTIONS


def rank(c: int) -> int:
    """The rank index of card ``c`` (0 = ace .. 12 = king)."""
    return c >> 2


def value(c: int) -> int:
    """The points of a point card (ace 1 .. ten 10)."""
    return (c >> 2) + 1


def name(c: int) -> str:
    """The card's short name, e.g. ``"10H"``, ``"AS"``, ``"JK1"``."""
    if c >= CARDS:
        return JOKER_NAMES[c - CARDS]
    return RANKS[c >> 2] + SUITS[c & 3]


def parse(text: str) -> int:
    """Inverse of :func:`name` (case-insensitive); ValueError for anything else."""
    t = text.strip().upper()
    if t in JOKER_NAMES:
        return CARDS + JOKER_NAMES.index(t)
    r, s = t[:-1], t[-1:]
    if r in RANKS and s in SUITS:
        return RANKS.index(r) * 4 + SUITS.index(s)
    raise ValueError(f"{text!r} is not a card (write rank then suit, e.g. 10H, AS, QC, JK1)")


def card(r: int, suit: int) -> int:
    """The card of rank index ``r`` and suit index ``suit``."""
    return r * 4 + suit


def decode(action: int) -> tuple[str, tuple[int, ...]]:
    """An action id as (kind, card numbers); ValueError outside the space."""
    a = action
    if type(a) is not int or not 0 <= a < NUM_ACTIONS_3:
        raise ValueError(f"cuttle action ids are 0..{NUM_ACTIONS_3 - 1}, not {action!r}")
    if a >= NUM_ACTIONS:
        return _decode_3(a)
    if a == DRAW:
        return "draw", ()
    if a == PASS:
        return "pass", ()
    if a == RESOLVE:
        return "resolve", ()
    if a < EFFECT:
        return "points", (a - POINTS,)
    if a < COUNTER:
        return "effect", (a - EFFECT,)
    if a < DISCARD:
        return "counter", (card(TWO, a - COUNTER),)
    if a < PICK:
        return "discard", (a - DISCARD,)
    if a < SCUTTLE:
        return "pick", (a - PICK,)
    if a < JACK_ON:
        att, tgt = divmod(a - SCUTTLE, POINT_CARDS)
        return "scuttle", (att, tgt)
    if a < TWO_ON:
        s, tgt = divmod(a - JACK_ON, POINT_CARDS)
        return "jack", (card(JACK, s), tgt)
    if a < NINE_ON:
        s, k = divmod(a - TWO_ON, len(ROYALS))
        return "two", (card(TWO, s), ROYALS[k])
    s, tgt = divmod(a - NINE_ON, CARDS)
    return "nine", (card(NINE, s), tgt)


def _decode_3(a: int) -> tuple[str, tuple[int, ...]]:
    """The three-player ids (``a >= NUM_ACTIONS``). The four's second entry is the
    opponent's offset (1 or 2 seats after the player), not a card.
    """
    if a < DISCARD_JOKER:
        s, k = divmod(a - FOUR_AT, 2)
        return "four", (card(FOUR, s), k + 1)
    if a < PICK_JOKER:
        return "discard", (JOKERS[a - DISCARD_JOKER],)
    if a < JOKER_ON:
        return "pick", (JOKERS[a - PICK_JOKER],)
    if a < TWO_ON_JOKER:
        j, k = divmod(a - JOKER_ON, len(ROYALS))
        return "joker", (JOKERS[j], ROYALS[k])
    if a < NINE_ON_JOKER:
        s, j = divmod(a - TWO_ON_JOKER, 2)
        return "two", (card(TWO, s), JOKERS[j])
    s, j = divmod(a - NINE_ON_JOKER, 2)
    return "nine", (card(NINE, s), JOKERS[j])


def encode(kind: str, cards: tuple[int, ...]) -> int:
    """Inverse of :func:`decode`; ValueError when the cards do not fit the kind."""
    n = len(cards)
    if (
        kind == "four"
        and n == 2
        and cards[0] in range(FOUR * 4, FOUR * 4 + 4)
        and cards[1] in (1, 2)
    ):
        return FOUR_AT + (cards[0] & 3) * 2 + cards[1] - 1
    ok = all(type(c) is int and 0 <= c < CARDS_3 for c in cards)
    if ok and any(c >= CARDS for c in cards):
        return _encode_3(kind, cards)
    if ok and kind in ("draw", "pass", "resolve") and n == 0:
        return {"draw": DRAW, "pass": PASS, "resolve": RESOLVE}[kind]
    if ok and n == 1:
        (c,) = cards
        if kind == "points":  # ids for J Q K exist but are never legal
            return POINTS + c
        if kind == "effect":
            return EFFECT + c
        if kind == "counter" and rank(c) == TWO:
            return COUNTER + (c & 3)
        if kind == "discard":
            return DISCARD + c
        if kind == "pick":
            return PICK + c
    if ok and n == 2:
        c, t = cards
        if kind == "scuttle" and c < POINT_CARDS and t < POINT_CARDS:
            return SCUTTLE + c * POINT_CARDS + t
        if kind == "jack" and rank(c) == JACK and t < POINT_CARDS:
            return JACK_ON + (c & 3) * POINT_CARDS + t
        if kind == "two" and rank(c) == TWO and t in ROYAL_INDEX:
            return TWO_ON + (c & 3) * len(ROYALS) + ROYAL_INDEX[t]
        if kind == "nine" and rank(c) == NINE:
            return NINE_ON + (c & 3) * CARDS + t
    raise ValueError(f"no cuttle action {kind} {[name(c) if type(c) is int else c for c in cards]}")


def _encode_3(kind: str, cards: tuple[int, ...]) -> int:
    """The three-player ids that name a joker (see :func:`encode`)."""
    if len(cards) == 1 and kind in ("discard", "pick"):
        return (DISCARD_JOKER if kind == "discard" else PICK_JOKER) + cards[0] - CARDS
    if len(cards) == 2:
        c, t = cards
        if kind == "joker" and c >= CARDS and t in ROYAL_INDEX:
            return JOKER_ON + (c - CARDS) * len(ROYALS) + ROYAL_INDEX[t]
        if kind == "two" and rank(c) == TWO and t >= CARDS:
            return TWO_ON_JOKER + (c & 3) * 2 + t - CARDS
        if kind == "nine" and rank(c) == NINE and t >= CARDS:
            return NINE_ON_JOKER + (c & 3) * 2 + t - CARDS
    raise ValueError(f"no cuttle action {kind} {[name(c) for c in cards]}")


def move_name(action: int) -> tuple[str, tuple[Any, ...]]:
    """How an action appears in the log: ``points ["10H"]``, ``scuttle ["9S", "9C"]``..."""
    kind, cards = decode(action)
    if kind == "four":
        return kind, (name(cards[0]), f"+{cards[1]}")
    return kind, tuple(name(c) for c in cards)


def parse_move(move: str, args: tuple[Any, ...]) -> int:
    """Inverse of :func:`move_name`; :class:`IllegalMoveError` for anything else."""
    try:
        if move == "four" and len(args) == 2 and args[1] in ("+1", "+2"):
            return encode(move, (parse(str(args[0])), int(args[1][1])))
        if not all(isinstance(a, str) for a in args):
            raise ValueError("card names are strings")
        return encode(move, tuple(parse(a) for a in args))
    except ValueError as e:
        raise IllegalMoveError(
            f"cuttle has no move {move} {list(args)} ({e}; moves: draw, pass, resolve, "
            "points/effect/counter/discard/pick [card], "
            "scuttle/jack/two/nine/joker [card, target], four [card, +1/+2])"
        ) from None


def describe(action: int) -> str:
    """A readable action, e.g. ``"scuttle 5C with 9S"`` (for prompts and rendering)."""
    kind, cards = decode(action)
    if not cards:
        return kind
    if len(cards) == 1:
        return f"{kind} {name(cards[0])}"
    if kind == "four":
        return f"four {name(cards[0])} -> the opponent {cards[1]} seat(s) on"
    return f"{kind} {name(cards[0])} -> {name(cards[1])}"
