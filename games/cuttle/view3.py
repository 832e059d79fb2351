"""What a seat of the three-player cutthroat game sees: its observation vector (the
two-player view is :mod:`games.cuttle.view`; rendering and hidden variants serve both).

Seats are named relative to the viewer: *next* is the seat after it in turn order (who
moves after it), *second* the one after that. Layout (float32, every entry in [0, 1]):
14 card sections of 54 entries (card numbers of :mod:`games.cuttle.cards`, the jokers
last), then the scalars; the offsets are the module constants below.
"""

from __future__ import annotations

import numpy as np

from games.cuttle.cards import CARDS, CARDS_3, FOUR, JOKERS
from games.cuttle.state import HAND, PERM, PTS, REVEAL, SCRAP, Phase, Table, Turn
from games.cuttle.view import mark_pending

__all__ = ["OBS_SIZE_3", "observation_3"]

# ---- 14 card sections of 54 -----------------------------------------------------------

(
    HAND_SEC,
    MY_PTS,
    MY_PERM,
    NEXT_PTS,
    NEXT_PERM,
    SECOND_PTS,
    SECOND_PERM,
    SCRAP_SEC,
    NEXT_HAND,
    SECOND_HAND,
    ONE_OFF,
    TARGET,
    REVEALED,
    FROZEN,
) = (k * CARDS_3 for k in range(14))
#: Four entries, one per suit: that two is in the counter chain.
COUNTERS = 14 * CARDS_3
#: Four entries, one per jack suit: (the point card it holds + 1) / 40, 0 off the field.
JACKS = COUNTERS + 4
#: Two entries, one per joker: (the royal it holds + 1) / 52, 0 off the field.
JOKER_HOLDS = JACKS + 4
SCALARS = JOKER_HOLDS + 2
DECK_SIZE = SCALARS
#: Hand sizes / 16 (capped), points / 21 (capped), thresholds / 21: me, next, second.
HAND_SIZES = SCALARS + 1
POINTS = HAND_SIZES + 3
THRESHOLDS = POINTS + 3
PASSES = THRESHOLDS + 3
LEFT = PASSES + 1
TO_DECIDE = LEFT + 1
#: One-hot (me, next, second): whose turn it is (who played the pending one-off).
TURN = TO_DECIDE + 1
#: One-hot (me, next, second): the seat a pending four makes discard (zeros: none).
VICTIM = TURN + 3
#: Seats that let the chain's last card stand so far / 2.
DECLINED = VICTIM + 3
PHASES = DECLINED + 1
OBS_SIZE_3 = PHASES + len(Phase)


def observation_3(t: Table, me: int) -> np.ndarray:
    """Seat ``me``'s view of a three-player table. Both opponents' hands appear only
    while ``me`` holds glasses; the deck's order and hidden hands never do.
    """
    nxt, second = (me + 1) % 3, (me + 2) % 3
    v = np.zeros(OBS_SIZE_3, dtype=np.float32)
    codes = {
        HAND + me: HAND_SEC,
        PTS + me: MY_PTS,
        PERM + me: MY_PERM,
        PTS + nxt: NEXT_PTS,
        PERM + nxt: NEXT_PERM,
        PTS + second: SECOND_PTS,
        PERM + second: SECOND_PERM,
        SCRAP: SCRAP_SEC,
        REVEAL: REVEALED,
    }
    if t.glasses(me):
        codes[HAND + nxt] = NEXT_HAND
        codes[HAND + second] = SECOND_HAND
    for c, where in enumerate(t.loc):
        base = codes.get(where)
        if base is not None:
            v[base + c] = 1.0
    mark_pending(v, t, ONE_OFF, COUNTERS, TARGET, FROZEN, JACKS)
    for j, k in enumerate(JOKERS):
        r = t.joker_target(k)
        if r is not None:
            v[JOKER_HOLDS + j] = (r + 1) / CARDS
    v[DECK_SIZE] = len(t.deck) / CARDS_3
    for k, seat in enumerate((me, nxt, second)):
        v[HAND_SIZES + k] = min(len(t.hand(seat)), 16) / 16
        v[POINTS + k] = min(t.points(seat), 21) / 21
        v[THRESHOLDS + k] = t.threshold(seat) / 21
    v[PASSES] = Turn.passes.get(t.s) / 3
    v[LEFT] = Turn.left.get(t.s) / 2
    v[TO_DECIDE] = float(t.actor == me and t.phase is not Phase.OVER)
    v[TURN + (t.turn - me) % 3] = 1.0
    four_pending = t.phase is Phase.COUNTER and bool(t.chain) and t.chain[0] >> 2 == FOUR
    if four_pending or t.phase is Phase.DISCARD:
        v[VICTIM + (Turn.victim.get(t.s) - me) % 3] = 1.0
    v[DECLINED] = Turn.declined.get(t.s) / 2
    v[PHASES + int(t.phase)] = 1.0
    return v
