"""Poker hand evaluation for :mod:`games.holdem`: the best five cards of five to seven.

Cards are ints ``0..51``: ``rank * 4 + suit``, rank ``0..12`` for ``2..A`` and suit ``0..3``
for hearts, diamonds, clubs, spades (the order of the upstream PokerAEC's observation).
:func:`evaluate` returns a score: a bigger score is a better hand, equal scores tie (and
split the pot). A score is ``category << 20`` plus the ranks that decide within the
category, most significant first, four bits each (:func:`describe` spells it out):

====  ===============  ===========================================================
 8    straight flush   top card (a royal flush is the ace-high one; A-2-3-4-5 is 5-high)
 7    four of a kind   the quad rank, then the best kicker
 6    full house       the trips rank, then the pair rank
 5    flush            the five flush cards, high to low
 4    straight         top card (the wheel A-2-3-4-5 counts 5-high)
 3    three of a kind  the trips rank, then two kickers
 2    two pair         the high pair, the low pair, one kicker
 1    one pair         the pair rank, then three kickers
 0    high card        the five best cards
====  ===============  ===========================================================

Speed: one pass over the cards builds a rank mask per suit and the rank counts packed in an
int (three bits per rank). Flushes and straights are read from tables indexed by 13-bit
rank masks (built at import, 8192 entries each); every other hand's score depends only on
the rank counts and is memoised by them (at most 49,205 multisets of seven ranks), so a
showdown costs a loop over seven cards and a dict lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

RANKS = "23456789TJQKA"
SUITS = "hdcs"
CATEGORIES = (
    "high card",
    "one pair",
    "two pair",
    "three of a kind",
    "straight",
    "flush",
    "full house",
    "four of a kind",
    "straight flush",
)
HIGH_CARD, PAIR, TWO_PAIR, TRIPS, STRAIGHT, FLUSH, FULL_HOUSE, QUADS, STRAIGHT_FLUSH = range(9)


def card(name: str) -> int:
    """The card id of a name such as ``"As"`` or ``"Td"`` (rank letter, suit letter)."""
    if len(name) != 2 or name[0].upper() not in RANKS or name[1].lower() not in SUITS:
        raise ValueError(f"not a card name: {name!r} (rank of {RANKS}, suit of {SUITS})")
    return RANKS.index(name[0].upper()) * 4 + SUITS.index(name[1].lower())


def cards(names: str) -> list[int]:
    """Card ids of space-separated names: ``cards("As Kd 7h")``."""
    return [card(n) for n in names.split()]


def card_name(c: int) -> str:
    """``"As"`` for the ace of spades (``c`` in 0..51)."""
    return RANKS[c >> 2] + SUITS[c & 3]


def _top_bits(mask: int, k: int) -> list[int]:
    """The ``k`` highest set bit indices of ``mask``, high to low."""
    out: list[int] = []
    r = 12
    while r >= 0 and len(out) < k:
        if mask >> r & 1:
            out.append(r)
        r -= 1
    return out


def _pack(ranks: Iterable[int]) -> int:
    """Ranks, most significant first, as five nibbles."""
    v, n = 0, 0
    for r in ranks:
        v = (v << 4) | r
        n += 1
    return v << (4 * (5 - n))


def _straight_top(mask: int) -> int:
    """The top rank of the best straight in a 13-bit rank mask, or -1."""
    wide = (mask << 1) | (mask >> 12 & 1)  # bit 0: the ace playing low
    for top in range(13, 3, -1):  # bit ``top`` of ``wide`` is rank ``top - 1``
        if (wide >> (top - 4)) & 0b11111 == 0b11111:
            return top - 1
    return -1


#: Best straight's top rank per 13-bit rank mask (-1: none).
_STRAIGHT: tuple[int, ...] = tuple(_straight_top(m) for m in range(1 << 13))
#: Score of the flush of each rank mask with at least five bits (its best five, or the
#: straight flush), 0 for masks with fewer.
_FLUSH: tuple[int, ...] = tuple(
    0
    if m.bit_count() < 5
    else (STRAIGHT_FLUSH << 20) | _pack([_STRAIGHT[m]])
    if _STRAIGHT[m] >= 0
    else (FLUSH << 20) | _pack(_top_bits(m, 5))
    for m in range(1 << 13)
)
#: Non-flush scores by packed rank counts (filled on first use).
_BY_COUNTS: dict[int, int] = {}


def _score_counts(counts: int) -> int:
    """The score of a hand without a flush, from its rank counts (3 bits per rank)."""
    quads, trips, pairs, singles = [], [], [], []
    mask = 0
    for r in range(12, -1, -1):
        c = counts >> (3 * r) & 7
        if c:
            mask |= 1 << r
        if c == 4:
            quads.append(r)
        elif c == 3:
            trips.append(r)
        elif c == 2:
            pairs.append(r)
        elif c == 1:
            singles.append(r)
    if quads:
        q = quads[0]
        rest = [r for r in (*quads[1:], *trips, *pairs, *singles) if r != q]
        return (QUADS << 20) | _pack([q, max(rest)] if rest else [q])
    if trips and (len(trips) > 1 or pairs):
        t = trips[0]
        p = max([*trips[1:], *pairs])
        return (FULL_HOUSE << 20) | _pack([t, p])
    top = _STRAIGHT[mask]
    if top >= 0:
        return (STRAIGHT << 20) | _pack([top])
    if trips:
        t = trips[0]
        return (TRIPS << 20) | _pack([t, *sorted((*pairs, *singles), reverse=True)[:2]])
    if len(pairs) >= 2:
        hi, lo = pairs[0], pairs[1]
        kick = sorted((*pairs[2:], *singles), reverse=True)[:1]
        return (TWO_PAIR << 20) | _pack([hi, lo, *kick])
    if pairs:
        return (PAIR << 20) | _pack([pairs[0], *singles[:3]])
    return (HIGH_CARD << 20) | _pack(singles[:5])


def evaluate(hand: Sequence[int]) -> int:
    """The score of the best five of ``hand`` (five to seven distinct card ids)."""
    s0 = s1 = s2 = s3 = 0
    counts = 0
    for c in hand:
        r = c >> 2
        counts += 1 << (3 * r)
        s = c & 3
        if s == 0:
            s0 |= 1 << r
        elif s == 1:
            s1 |= 1 << r
        elif s == 2:
            s2 |= 1 << r
        else:
            s3 |= 1 << r
    if len(hand) >= 5:
        for m in (s0, s1, s2, s3):
            f = _FLUSH[m]
            if f:
                return f
    score = _BY_COUNTS.get(counts)
    if score is None:
        score = _BY_COUNTS[counts] = _score_counts(counts)
    return score


def category(score: int) -> int:
    """The category of a score (``STRAIGHT_FLUSH`` .. ``HIGH_CARD``)."""
    return score >> 20


def describe(score: int) -> str:
    """A score in words: ``"full house, K over 7"``, ``"one pair of A, kickers K 9 4"``."""
    cat = score >> 20
    ranks = [RANKS[score >> (16 - 4 * i) & 15] for i in range(5)]
    if cat in (STRAIGHT_FLUSH, STRAIGHT):
        if cat == STRAIGHT_FLUSH and ranks[0] == "A":
            return "royal flush"
        return f"{CATEGORIES[cat]}, {ranks[0]} high"
    if cat == QUADS:
        return f"four of a kind, {ranks[0]}, kicker {ranks[1]}"
    if cat == FULL_HOUSE:
        return f"full house, {ranks[0]} over {ranks[1]}"
    if cat == FLUSH:
        return f"flush, {' '.join(ranks)}"
    if cat == TRIPS:
        return f"three of a kind, {ranks[0]}, kickers {' '.join(ranks[1:3])}"
    if cat == TWO_PAIR:
        return f"two pair, {ranks[0]} and {ranks[1]}, kicker {ranks[2]}"
    if cat == PAIR:
        return f"one pair of {ranks[0]}, kickers {' '.join(ranks[1:4])}"
    return f"high card, {' '.join(ranks)}"


__all__ = [
    "CATEGORIES",
    "FLUSH",
    "FULL_HOUSE",
    "HIGH_CARD",
    "PAIR",
    "QUADS",
    "RANKS",
    "STRAIGHT",
    "STRAIGHT_FLUSH",
    "SUITS",
    "TRIPS",
    "TWO_PAIR",
    "card",
    "card_name",
    "cards",
    "category",
    "describe",
    "evaluate",
]
