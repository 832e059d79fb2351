"""What the seats of :mod:`games.blackjack` see: the observation, a decision in basic
strategy's terms, the text rendering, and the worlds that differ only in what a seat must
not see (for the contract suite). Reads only; the layout it reads is
:mod:`games.blackjack.state`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from games.blackjack.actions import DOUBLE, INSURANCE, SPLIT
from games.blackjack.rules import RANKS, SUITS, VALUES, best, hand_of, is_soft, pair_rank, rank_of
from games.blackjack.state import (
    BANK,
    HAND_ZONE,
    RECORD,
    STAKE,
    HandRecord,
    Phase,
    TableState,
    phase,
    to_move,
)
from games.blackjack.table import Table
from hypertoken.core import Batch, World


class Decision(NamedTuple):
    """What a seat to move sees, in the terms basic strategy uses."""

    #: PLAY or INSURE.
    phase: Phase
    total: int
    soft: bool
    #: The dealer's upcard value, 2..11 (ace = 11).
    upcard: int
    #: The card value (2..11) of a two-card pair of equal rank, else None.
    pair: int | None
    #: Bits of the available actions (bit a = action a).
    mask: int


def observation(table: Table, world: World, i: int) -> np.ndarray:
    """Seat ``i``'s 7-element observation (the game's docstring); never the hole card."""
    s: int = world.property("s")
    if to_move(s) == i:
        h = TableState.hand.get(s)
        mask = table.mask(world, s)
    else:
        playing = TableState.seats_in.get(s) >> i & 1
        h = HandRecord.hand.get(world.property(RECORD[i][0], 0)) if playing else 0
        mask = 0
    return np.array(
        [
            best(h) / 30.0,
            TableState.upcard.get(s) / 11.0,
            1.0 if is_soft(h) else 0.0,
            (mask >> DOUBLE) & 1,
            (mask >> SPLIT) & 1,
            (mask >> INSURANCE) & 1,
            len(world.shoe("shoe")) / table.size,
        ],
        dtype=np.float32,
    )


def decision(table: Table, world: World, s: int) -> Decision:
    """The decision of the seat to move in table state ``s`` (not over)."""
    h = TableState.hand.get(s)
    pair = pair_rank(h)
    return Decision(
        phase(s),
        best(h),
        is_soft(h),
        TableState.upcard.get(s),
        None if pair is None else (11 if pair == 0 else VALUES[pair]),
        table.mask(world, s),
    )


def card_name(token: int) -> str:
    """A card token as rank and suit letters, ``"Ah"``."""
    return RANKS[rank_of(token)] + SUITS[((token - 1) // 13) % 4]


def render(world: World, seats: tuple[str, ...]) -> str:
    """The dealer's cards (the hole card as ?? until revealed), then every seat's hands."""
    s: int = world.property("s")
    dealer = " ".join(
        card_name(int(p["token"])) if p["face_up"] else "??" for p in world.zone("dealer")
    )
    lines = [f"dealer: {dealer}"]
    p = world.properties()
    for i, name in enumerate(seats):
        splits = HandRecord.splits.get(p.get(RECORD[i][0], 0))
        if to_move(s) == i:
            splits = TableState.splits.get(s)
        hands = []
        for k in range(splits + 1):
            toks = world.zone(HAND_ZONE[i][k])["token"].tolist()
            if toks:
                h = hand_of([rank_of(t) for t in toks])
                hands.append(f"[{' '.join(card_name(t) for t in toks)}] {best(h)}")
        table = "  ".join(hands) or "-"
        lines.append(f"{name}: bank {p[BANK[i]]}, stake {p[STAKE[i]]}: {table}")
    return "\n".join(lines)


def hole_card_variants(world: World, seats: tuple[str, ...]) -> list[tuple[str, World]]:
    """Worlds that differ from ``world`` only in the dealer's face-down card (swapped with
    one of the shoe's top cards of another rank), for every seat; none once the hole card
    is face up. What ``Blackjack.hidden_variants`` offers the contract suite.
    """
    placements = world.zone("dealer")
    if len(placements) < 2 or bool(placements["face_up"][1]):
        return []
    hole = int(placements["token"][1])
    out: list[tuple[str, World]] = []
    for other in world.shoe("shoe").tolist()[-3:]:
        if rank_of(other) == rank_of(hole):
            continue
        variant = world.fork()
        variant.apply(
            Batch()
            .token_move(hole, "source:shoe")
            .token_move(other, None)
            .space_place("dealer", other, face_up=False)
        )
        out.extend((seat, variant) for seat in seats)
    return out
