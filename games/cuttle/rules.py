"""The rules of :mod:`games.cuttle` on a :class:`~games.cuttle.state.Table`: which actions
are legal, and what each one does (see the game's docstring for the rules in words).
"""

from __future__ import annotations

import numpy as np

from games.cuttle.cards import (
    ACE,
    CARDS,
    COUNTER,
    DISCARD,
    DRAW,
    EFFECT,
    EIGHT,
    FIVE,
    FOUR,
    JACK,
    JACK_ON,
    KING,
    NINE,
    NINE_ON,
    NUM_ACTIONS,
    PASS,
    PICK,
    POINT_CARDS,
    POINTS,
    QUEEN,
    RESOLVE,
    ROYAL_INDEX,
    ROYALS,
    SCUTTLE,
    SEVEN,
    SIX,
    THREE,
    TWO,
    TWO_ON,
    decode,
)
from games.cuttle.state import (
    CHAIN,
    HAND,
    PERM,
    PTS,
    REVEAL,
    SCRAP,
    Phase,
    Table,
    Turn,
)

#: The most cards a hand may hold and still draw.
HAND_LIMIT = 8
#: Seats (the rules are written for two players).
SEATS = 2


def plays(t: Table, c: int, me: int) -> list[int]:
    """The legal ways for seat ``me`` to play card ``c`` (from its hand or the reveal)."""
    opp = 1 - me
    r = c >> 2
    out: list[int] = []
    if c < POINT_CARDS:
        out.append(POINTS + c)
        out.extend(SCUTTLE + c * POINT_CARDS + x for x in t.points_cards(opp) if x < c)
    if r in (ACE, FOUR, SIX, EIGHT, QUEEN, KING):
        out.append(EFFECT + c)
    elif r == THREE:
        if SCRAP in t.loc:
            out.append(EFFECT + c)
    elif r in (FIVE, SEVEN):
        if t.deck:
            out.append(EFFECT + c)
    elif r == TWO:
        s = c & 3
        for p in t.permanents(opp):
            if not t.protected(p, opp) and not (p >> 2 == JACK and t.covered(p)):
                out.append(TWO_ON + s * len(ROYALS) + ROYAL_INDEX[p])
    elif r == NINE:
        s = c & 3
        for x in sorted(t.points_cards(opp) + t.permanents(opp)):
            if not t.protected(x, opp) and not (x >> 2 == JACK and t.covered(x)):
                out.append(NINE_ON + s * CARDS + x)
    elif r == JACK:
        s = c & 3
        out.extend(
            JACK_ON + s * POINT_CARDS + x for x in t.points_cards(opp) if not t.protected(x, opp)
        )
    return out


def legal(t: Table, seat: int) -> list[int]:
    """Seat ``seat``'s legal action ids, ascending (empty when it is not to decide)."""
    phase = t.phase
    if phase is Phase.OVER or t.actor != seat:
        return []
    out: list[int] = []
    if phase is Phase.MAIN:
        hand = t.hand(seat)
        if t.deck and len(hand) < HAND_LIMIT:
            out.append(DRAW)
        if not t.deck:
            out.append(PASS)
        frozen = Turn.frozen.get(t.s) - 1
        for c in hand:
            if c != frozen:
                out.extend(plays(t, c, seat))
        if not out:  # cannot happen with a full deck of cards; a pass keeps the game going
            out.append(PASS)
    elif phase is Phase.COUNTER:
        out.append(RESOLVE)
        frozen = Turn.frozen.get(t.s) - 1
        out.extend(
            COUNTER + (c & 3) for c in range(4, 8) if t.loc[c] == HAND + seat and c != frozen
        )
    elif phase is Phase.DISCARD:
        out.extend(DISCARD + c for c in t.hand(seat))
    elif phase is Phase.PICK:
        out.extend(PICK + c for c in t.at(SCRAP))
    elif phase is Phase.SEVEN:
        (c,) = t.at(REVEAL)
        out.extend(plays(t, c, seat))
        if not out:
            out.append(RESOLVE)  # the revealed card cannot be played: it is scrapped
    out.sort()
    return out


def mask(t: Table, seat: int) -> np.ndarray:
    """The legal mask of ``seat``."""
    m = np.zeros(NUM_ACTIONS, dtype=bool)
    m[legal(t, seat)] = True
    return m


# ---- effects ---------------------------------------------------------------------------


def _scrap_with_jacks(t: Table, x: int) -> None:
    """Scrap point card ``x`` and every jack on it."""
    for j in t.jacks_on(x):
        t.detach(j)
        t.move(j, SCRAP)
    t.move(x, SCRAP)


def _remove_jack(t: Table, j: int, to: int) -> None:
    """Take the top jack ``j`` off its point card (to ``to``): the card goes back to the
    other seat (the one who controlled it before that jack).
    """
    x = t.jack_target(j & 3)
    assert x is not None
    owner = t.owner_of(j)
    assert owner is not None
    t.detach(j)
    t.move(j, to)
    t.move(x, PTS + 1 - owner)


def _to_hand(t: Table, x: int) -> None:
    """The nine's effect on card ``x`` of the opponent's field."""
    owner = t.owner_of(x)
    assert owner is not None
    if x >> 2 == JACK:
        _remove_jack(t, x, HAND + owner)
        return
    if x < POINT_CARDS:
        for j in t.jacks_on(x):
            t.detach(j)
            t.move(j, SCRAP)
    t.move(x, HAND + owner)


def end_turn(t: Table, *, frozen: int = -1, passed: bool = False) -> None:
    """The turn player's turn ends: a seat at its threshold wins (the turn player first),
    three passes in a row draw, else the other seat's turn begins.
    """
    me = t.turn
    for i in (me, 1 - me):
        if t.points(i) >= t.threshold(i):
            t.set(phase=Phase.OVER, result=1 + i, target=0, left=0)
            return
    passes = Turn.passes.get(t.s) + 1 if passed else 0
    if passes >= 3:
        t.set(phase=Phase.OVER, result=3, passes=3, target=0)
        return
    t.set(
        phase=Phase.MAIN,
        turn=1 - me,
        actor=1 - me,
        target=0,
        left=0,
        passes=passes,
        frozen=frozen + 1,
    )


def _finish_one_off(t: Table, *, frozen: int = -1) -> None:
    """The one-off and its counters go to the scrap; the turn ends."""
    for c in list(t.chain):
        t.move(c, SCRAP)
    end_turn(t, frozen=frozen)


def resolve(t: Table) -> None:
    """The counter chain ends: the one-off takes effect unless an odd number of twos
    countered it.
    """
    one = t.chain[0]
    me, opp = t.turn, 1 - t.turn
    target = Turn.target.get(t.s) - 1
    if (len(t.chain) - 1) % 2:
        _finish_one_off(t)
        return
    r = one >> 2
    if r == ACE:
        for x in t.points_cards(0) + t.points_cards(1):
            _scrap_with_jacks(t, x)
    elif r == TWO:
        if target >> 2 == JACK:
            _remove_jack(t, target, SCRAP)
        else:
            t.move(target, SCRAP)
    elif r == THREE:
        t.set(phase=Phase.PICK, actor=me)
        return
    elif r == FOUR:
        n = min(2, len(t.hand(opp)))
        if n:
            t.set(phase=Phase.DISCARD, actor=opp, left=n)
            return
    elif r == FIVE:
        room = max(0, HAND_LIMIT - len(t.hand(me)))
        for _ in range(min(2, len(t.deck), room)):
            t.move(t.deck[-1], HAND + me)
    elif r == SIX:
        for i in range(SEATS):
            for x in t.points_cards(i):
                if len(t.jacks_on(x)) % 2:
                    t.move(x, PTS + 1 - i)  # back to the seat that played it
        t.jk = 0
        for x in t.permanents(0) + t.permanents(1):
            t.move(x, SCRAP)
    elif r == SEVEN:
        for c in list(t.chain):
            t.move(c, SCRAP)
        if t.deck:
            t.move(t.deck[-1], REVEAL)
            t.set(phase=Phase.SEVEN, actor=me, target=0)
            return
        end_turn(t)
        return
    elif r == NINE:
        _to_hand(t, target)
        _finish_one_off(t, frozen=target)
        return
    _finish_one_off(t)


def play(t: Table, action: int) -> None:
    """Apply a legal ``action`` of the seat to decide (``t.actor``) to ``t``."""
    kind, cards = decode(action)
    me = t.turn
    opp = 1 - me
    phase = t.phase
    if phase is Phase.COUNTER:
        if kind == "counter":
            t.move(cards[0], CHAIN)
            t.set(actor=1 - t.actor)
        else:
            resolve(t)
        return
    if phase is Phase.DISCARD:
        t.move(cards[0], SCRAP)
        left = Turn.left.get(t.s) - 1
        if left and t.hand(t.actor):
            t.set(left=left)
        else:
            _finish_one_off(t)
        return
    if phase is Phase.PICK:
        t.move(cards[0], HAND + me)
        _finish_one_off(t)
        return
    if kind == "draw":
        t.move(t.deck[-1], HAND + me)
        end_turn(t)
    elif kind == "pass":
        end_turn(t, passed=True)
    elif kind == "resolve":  # a revealed card with no legal play
        (c,) = t.at(REVEAL)
        t.move(c, SCRAP)
        end_turn(t)
    elif kind == "points":
        t.move(cards[0], PTS + me)
        end_turn(t)
    elif kind == "scuttle":
        t.move(cards[0], SCRAP)
        _scrap_with_jacks(t, cards[1])
        end_turn(t)
    elif kind == "jack":
        j, x = cards
        t.move(j, PERM + me)
        t.attach(j, x)
        t.move(x, PTS + me)
        end_turn(t)
    elif kind == "effect" and (cards[0] >> 2) in (EIGHT, QUEEN, KING):
        t.move(cards[0], PERM + me)
        end_turn(t)
    else:  # a one-off: it waits for the opponent's counter or consent
        c = cards[0]
        target = cards[1] if len(cards) > 1 else -1
        t.move(c, CHAIN)
        t.set(phase=Phase.COUNTER, actor=opp, target=target + 1)


__all__ = [
    "HAND_LIMIT",
    "end_turn",
    "legal",
    "mask",
    "play",
    "plays",
    "resolve",
]
