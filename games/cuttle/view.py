"""What the seats of :mod:`games.cuttle` see: the observation vector, the text rendering,
and the worlds that differ only in what a seat may not see (for the leak check).
"""

from __future__ import annotations

import numpy as np

from games.cuttle.cards import CARDS, JACK, POINT_CARDS, name
from games.cuttle.state import (
    HAND,
    PERM,
    PTS,
    REVEAL,
    SCRAP,
    Phase,
    Table,
    Turn,
    winner_of,
)
from hypertoken.core import To, World

# ---- observation layout: 11 card sections of 52, then the scalars -----------------------

HAND_SEC, MY_PTS, MY_PERM, OPP_PTS, OPP_PERM, SCRAP_SEC = (k * CARDS for k in range(6))
OPP_HAND, ONE_OFF, TARGET, REVEALED, FROZEN = (k * CARDS for k in range(6, 11))
#: Four entries, one per suit: that two is in the counter chain.
COUNTERS = 11 * CARDS
#: Four entries, one per jack suit: (the point card it holds + 1) / 40, 0 off the field.
JACKS = COUNTERS + 4
SCALARS = JACKS + 4
(
    DECK_SIZE,
    MY_HAND_SIZE,
    OPP_HAND_SIZE,
    MY_POINTS,
    OPP_POINTS,
    MY_THRESHOLD,
    OPP_THRESHOLD,
    PASSES,
    LEFT,
    MY_TURN,
    TO_DECIDE,
) = range(SCALARS, SCALARS + 11)
PHASES = SCALARS + 11
OBS_SIZE = PHASES + len(Phase)


def mark_pending(
    v: np.ndarray, t: Table, one_off: int, counters: int, target: int, frozen: int, jacks: int
) -> None:
    """The part of a view both table sizes share, at each layout's offsets: the one-off
    chain (its first card, then the twos countering it, by suit), the pending target, the
    frozen card, and the point card each jack holds.
    """
    if t.chain:
        v[one_off + t.chain[0]] = 1.0
        for c in t.chain[1:]:
            v[counters + (c & 3)] = 1.0
    aimed = Turn.target.get(t.s)
    if aimed:
        v[target + aimed - 1] = 1.0
    held = Turn.frozen.get(t.s)
    if held:
        v[frozen + held - 1] = 1.0
    for s in range(4):
        x = t.jack_target(s)
        if x is not None:
            v[jacks + s] = (x + 1) / POINT_CARDS


def observation(t: Table, me: int) -> np.ndarray:
    """Seat ``me``'s view (layout in the game's docstring). The opponent's hand appears
    only while ``me`` holds glasses; the deck's order and hidden hands never do.
    """
    opp = 1 - me
    v = np.zeros(OBS_SIZE, dtype=np.float32)
    loc = t.loc
    codes = {
        HAND + me: HAND_SEC,
        PTS + me: MY_PTS,
        PERM + me: MY_PERM,
        PTS + opp: OPP_PTS,
        PERM + opp: OPP_PERM,
        SCRAP: SCRAP_SEC,
        REVEAL: REVEALED,
    }
    if t.glasses(me):
        codes[HAND + opp] = OPP_HAND
    for c in range(CARDS):
        base = codes.get(loc[c])
        if base is not None:
            v[base + c] = 1.0
    mark_pending(v, t, ONE_OFF, COUNTERS, TARGET, FROZEN, JACKS)
    v[DECK_SIZE] = len(t.deck) / CARDS
    v[MY_HAND_SIZE] = min(len(t.hand(me)), 16) / 16
    v[OPP_HAND_SIZE] = min(len(t.hand(opp)), 16) / 16
    v[MY_POINTS] = min(t.points(me), 21) / 21
    v[OPP_POINTS] = min(t.points(opp), 21) / 21
    v[MY_THRESHOLD] = t.threshold(me) / 21
    v[OPP_THRESHOLD] = t.threshold(opp) / 21
    v[PASSES] = Turn.passes.get(t.s) / 3
    v[LEFT] = Turn.left.get(t.s) / 2
    v[MY_TURN] = float(t.turn == me)
    v[TO_DECIDE] = float(t.actor == me and t.phase is not Phase.OVER)
    v[PHASES + int(t.phase)] = 1.0
    return v


def hidden_variants(world: World, t: Table, seats: tuple[str, ...]) -> list[tuple[str, World]]:
    """Worlds that differ from ``world`` only in what a seat may not see: the deck's top
    two cards swapped (no seat sees the deck), and for a seat without glasses, a card of
    each opponent's hand (not one a nine returned, which is public) swapped with one from
    the deck.
    """
    out: list[tuple[str, World]] = []
    n = len(t.deck)
    if n >= 2:
        variant = world.fork()
        variant.stack_swap("deck", n - 1, n - 2)
        out.extend((seat, variant) for seat in seats)
    frozen = Turn.frozen.get(t.s) - 1
    for me, seat in enumerate(seats):
        for opp in t.opponents(me):
            hand = [c for c in t.hand(opp) if c != frozen]
            if t.glasses(me) or not hand or not n:
                continue
            for held, pos in ((hand[0], n - 1), (hand[-1], 0)):
                variant = world.fork()
                deck_card = variant.stack_remove_at("deck", pos)
                variant.token_move(held + 1, None)
                variant.stack_insert_at("deck", pos, held + 1)
                variant.token_move(deck_card, To.agent(seats[opp]))
                out.append((seat, variant))
    return out


def _cards(cards: list[int]) -> str:
    return " ".join(name(c) for c in cards) or "-"


def render(t: Table, seats: tuple[str, ...], viewer: int | None = None) -> str:
    """The table as text: deck and scrap, each seat's field and hand (a hidden hand as a
    card count), the pending one-off and its counters, and whose decision it is.
    """
    lines = [f"deck {len(t.deck)}  scrap {_cards(t.at(SCRAP))}"]
    for i, seat in enumerate(seats):
        jacks = []
        for j in t.permanents(i):
            x = t.jack_target(j & 3) if j >> 2 == JACK else None
            if j >= CARDS:
                x = t.joker_target(j)
            jacks.append(f"{name(j)}>{name(x)}" if x is not None else name(j))
        visible = viewer is None or viewer == i or t.glasses(viewer)
        hand = t.hand(i)
        shown = _cards(hand) if visible else f"{len(hand)} cards"
        lines.append(
            f"{seat}: {t.points(i)}/{t.threshold(i)} points [{_cards(t.points_cards(i))}]"
            f"  permanents [{' '.join(jacks) or '-'}]  hand {shown}"
        )
    if t.chain:
        target = Turn.target.get(t.s)
        on = f" on {name(target - 1)}" if target else ""
        counters = [name(c) for c in t.chain[1:]]
        lines.append(
            f"pending {name(t.chain[0])}{on}"
            + (f", countered by {' '.join(counters)}" if counters else "")
        )
    revealed = t.at(REVEAL)
    if revealed:
        lines.append(f"revealed {name(revealed[0])}")
    won = winner_of(t.s, t.n)
    if t.phase is Phase.OVER:
        lines.append("draw" if won is None else f"{seats[won]} wins")
    else:
        lines.append(f"{seats[t.actor]} to {t.phase.name.lower()}")
    return "\n".join(lines)


__all__ = ["OBS_SIZE", "hidden_variants", "mark_pending", "observation", "render"]
