"""Basic strategy for blackjack with the default HyperToken rules: 6 decks, dealer
stands on soft 17, double on any first two cards, double after split allowed, split
once, no surrender. Insurance is never taken.

Actions use the blackjack action ids: 0 Hit, 1 Stand, 2 Double, 3 Split, 4 Insurance.
"""

from __future__ import annotations

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
}
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
) -> int:
    """The basic-strategy action for a hand.

    ``total`` is the hand's best value, ``soft`` whether an ace counts 11 in it,
    ``upcard`` the dealer's upcard value (2..10, ace = 11), ``pair`` the card value when
    the hand is a splittable pair.
    """
    if upcard not in _UP:
        raise ValueError(f"dealer upcard must be 2..11 (ace = 11), not {upcard!r}")
    col = _UP.index(upcard)
    if pair is not None and can_split and pair in _PAIRS and _PAIRS[pair][col] == "P":
        return SPLIT
    if soft and total in _SOFT:
        letter = _SOFT[total][col]
    elif soft:
        letter = "S" if total >= 19 else "H"
    elif total >= 17:
        letter = "S"
    elif total <= 8:
        letter = "H"
    else:
        letter = _HARD[total][col]
    if letter == "D":
        return DOUBLE if can_double else HIT
    if letter == "E":
        return DOUBLE if can_double else STAND
    return STAND if letter == "S" else HIT
