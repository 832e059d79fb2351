"""Blackjack arithmetic for :mod:`games.blackjack`: card values, packed hand summaries, the
dealer's play and payouts. Pure functions over ints, so the rules can be tested (and read)
without a World.

A *hand summary* is an int that packs what the rules need to know about a hand:

============  =====  =====================================================================
bits          name   meaning
============  =====  =====================================================================
0..4          hard   the total with every ace counted 1 (at most 30: a hand stops at 21)
5             ace    the hand holds an ace
6..10         cards  how many cards the hand holds
11..14        pair   while the hand has one card: that card's rank + 1; with two cards of
                     the same rank: that rank + 1 (a splittable pair); otherwise 0
15            dbl    the hand was doubled (its wager is two bets)
16            split  the hand came from a split (a two-card 21 is then not a blackjack)
17            done   the hand takes no more decisions (stood, doubled, 21, bust, split aces)
============  =====  =====================================================================
"""

from __future__ import annotations

#: Card ranks in creation order; a token's rank is ``(token_id - 1) % 13``.
RANKS = "A23456789TJQK"
SUITS = "shdc"
#: The value of each rank (ace 1 here; the summary adds 10 when that helps).
VALUES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10)

HARD = 0x1F
ACE = 1 << 5
CARDS_SHIFT = 6
PAIR_SHIFT = 11
DOUBLED = 1 << 15
SPLIT = 1 << 16
DONE = 1 << 17
SUMMARY_MASK = (1 << 18) - 1


def rank_of(token: int) -> int:
    """The rank index (0 = ace .. 12 = king) of a card token (ids start at 1, in deck order)."""
    return (token - 1) % 13


def best(h: int) -> int:
    """The hand's best total: an ace counts 11 when that does not bust it."""
    hard = h & HARD
    return hard + 10 if h & ACE and hard <= 11 else hard


def is_soft(h: int) -> bool:
    """Whether an ace counts 11 in the best total."""
    return bool(h & ACE) and (h & HARD) <= 11


def cards(h: int) -> int:
    """How many cards the hand holds."""
    return (h >> CARDS_SHIFT) & 0x1F


def pair_rank(h: int) -> int | None:
    """The rank of a two-card pair of equal rank, else None."""
    p = (h >> PAIR_SHIFT) & 0xF
    return p - 1 if p and cards(h) == 2 else None


def is_natural(h: int) -> bool:
    """A blackjack: two cards totalling 21, not from a split."""
    return cards(h) == 2 and best(h) == 21 and not h & SPLIT


def is_bust(h: int) -> bool:
    """Over 21."""
    return (h & HARD) > 21


def add(h: int, rank: int) -> int:
    """The summary after the card of ``rank`` joins the hand. A hand that reaches 21 or
    more is done (hitting 21 cannot help, so it stands by itself).
    """
    n = cards(h) + 1
    hard = (h & HARD) + VALUES[rank]
    ace = ACE if (h & ACE or rank == 0) else 0
    same = n == 1 or (n == 2 and ((h >> PAIR_SHIFT) & 0xF) == rank + 1)
    pair = rank + 1 if same else 0
    out = (h & (DOUBLED | SPLIT | DONE)) | min(hard, HARD) | ace | (n << CARDS_SHIFT)
    out |= pair << PAIR_SHIFT
    total = hard + 10 if ace and hard <= 11 else hard
    return out | DONE if total >= 21 else out


def hand_of(ranks: list[int] | tuple[int, ...], flags: int = 0) -> int:
    """The summary of a hand holding ``ranks`` (in deal order), with extra flag bits."""
    h = flags
    for r in ranks:
        h = add(h, r)
    return h


def dealer_hits(h: int, h17: bool) -> bool:
    """Whether the dealer, holding ``h``, takes another card: below 17 always, and on a soft
    17 too when the table plays H17.
    """
    total = best(h)
    return total < 17 or (total == 17 and h17 and is_soft(h))


def hand_return(h: int, bet: int, dealer_total: int) -> int:
    """Chips handed back for one settled hand (0 for a loss), when the dealer does not hold a
    blackjack: a blackjack pays 3:2, a win 1:1, a push returns the wager.
    ``dealer_total`` over 21 means the dealer busted.
    """
    wager = 2 * bet if h & DOUBLED else bet
    if is_bust(h):
        return 0
    if is_natural(h):
        return bet + bet * 3 // 2
    total = best(h)
    if dealer_total > 21 or total > dealer_total:
        return 2 * wager
    return wager if total == dealer_total else 0
