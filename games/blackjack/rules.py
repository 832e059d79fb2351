"""Blackjack arithmetic for :mod:`games.blackjack`: card values, hand summaries, the
dealer's play and payouts. Pure functions over ints, so the rules can be tested (and read)
without a World.

A *hand summary* is a :class:`~games.blackjack.state.Hand` (its fields are documented
there): the total with aces counted 1, whether it holds an ace, its card count, a pair's
rank, and the flags doubled, split and done.
"""

from __future__ import annotations

import functools

from games.blackjack.state import Hand, rank_of

#: Card ranks in creation order; a token's rank is ``(token_id - 1) % 13`` (:func:`rank_of`).
RANKS = "A23456789TJQK"
SUITS = "shdc"
#: The value of each rank (ace 1 here; the summary adds 10 when that helps).
VALUES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10)

__all__ = [
    "RANKS",
    "SUITS",
    "VALUES",
    "add",
    "best",
    "cards",
    "dealer_hits",
    "finished",
    "hand_of",
    "hand_return",
    "is_bust",
    "is_done",
    "is_natural",
    "is_soft",
    "pair_rank",
    "rank_of",
]


def best(h: int) -> int:
    """The hand's best total: an ace counts 11 when that does not bust it."""
    hard = Hand.hard.get(h)
    return hard + 10 if Hand.ace.get(h) and hard <= 11 else hard


def is_soft(h: int) -> bool:
    """Whether an ace counts 11 in the best total."""
    return bool(Hand.ace.get(h)) and Hand.hard.get(h) <= 11


def cards(h: int) -> int:
    """How many cards the hand holds."""
    return Hand.cards.get(h)


def pair_rank(h: int) -> int | None:
    """The rank of a two-card pair of equal rank, else None."""
    pair = Hand.pair.get(h)
    return pair - 1 if pair and cards(h) == 2 else None


def is_natural(h: int) -> bool:
    """A blackjack: two cards totalling 21, not from a split."""
    return cards(h) == 2 and best(h) == 21 and not Hand.split.get(h)


def is_bust(h: int) -> bool:
    """Over 21."""
    return Hand.hard.get(h) > 21


def is_done(h: int) -> bool:
    """The hand takes no more decisions."""
    return bool(Hand.done.get(h))


def finished(h: int) -> int:
    """The hand marked done."""
    return Hand.done.set(h, 1)


@functools.lru_cache(maxsize=1 << 14)  # a pure function over a small domain, called often
def add(h: int, rank: int) -> int:
    """The summary after the card of ``rank`` joins the hand. A hand that reaches 21 or
    more is done (hitting 21 cannot help, so it stands by itself).
    """
    count = cards(h) + 1
    pair = count == 1 or (count == 2 and Hand.pair.get(h) == rank + 1)
    out = Hand.replace(
        Hand.flags.of(h),
        hard=min(Hand.hard.get(h) + VALUES[rank], Hand.hard.limit),
        ace=1 if Hand.ace.get(h) or rank == 0 else 0,
        cards=count,
        pair=rank + 1 if pair else 0,
    )
    return finished(out) if best(out) >= 21 else out


def hand_of(ranks: list[int] | tuple[int, ...], flags: int = 0) -> int:
    """The summary of a hand holding ``ranks`` (in deal order), from the summary ``flags``
    (such as ``Hand.pack(split=1)``).
    """
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
    wager = 2 * bet if Hand.doubled.get(h) else bet
    if is_bust(h):
        return 0
    if is_natural(h):
        return bet + bet * 3 // 2
    total = best(h)
    if dealer_total > 21 or total > dealer_total:
        return 2 * wager
    return wager if total == dealer_total else 0
