"""The rules of :mod:`games.cuttle` on a :class:`~games.cuttle.state.Table`: which actions
are legal, and what each one does (see the game's docstring for the rules in words).

One set of rules serves both variants: with two seats every "opponent" is the other
seat, and the three-player additions (jokers, the four's chosen victim, counters passed
round the table, the record of where stolen cards go back) are inert.
"""

from __future__ import annotations

import numpy as np

from games.cuttle.cards import (
    ACE,
    CARDS,
    COUNTER,
    DISCARD,
    DISCARD_JOKER,
    DRAW,
    EFFECT,
    EIGHT,
    FIVE,
    FOUR,
    FOUR_AT,
    JACK,
    JACK_ON,
    JOKER,
    JOKER_ON,
    KING,
    NINE,
    NINE_ON,
    NINE_ON_JOKER,
    NUM_ACTIONS,
    NUM_ACTIONS_3,
    PASS,
    PICK,
    PICK_JOKER,
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
    TWO_ON_JOKER,
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
    draw_fields,
)

#: The hand limit: a seat draws only with fewer cards than this (three players: 7).
HAND_LIMIT = 8
HAND_LIMIT_3 = 7


def hand_limit(t: Table) -> int:
    """The hand limit of ``t``'s variant."""
    return HAND_LIMIT if t.n == 2 else HAND_LIMIT_3


def _exposed(t: Table, x: int, owner: int) -> bool:
    """Whether card ``x`` of ``owner``'s field may be targeted by a two, nine or joker:
    not behind a queen, and not a jack or joker covered by another.
    """
    return not t.protected(x, owner) and not (x >> 2 in (JACK, JOKER) and t.covered(x))


def _two_on(s: int, p: int) -> int:
    return (
        TWO_ON_JOKER + s * 2 + p - CARDS
        if p >= CARDS
        else TWO_ON + s * len(ROYALS) + ROYAL_INDEX[p]
    )


def _nine_on(s: int, x: int) -> int:
    return NINE_ON_JOKER + s * 2 + x - CARDS if x >= CARDS else NINE_ON + s * CARDS + x


def plays(t: Table, c: int, me: int) -> list[int]:
    """The legal ways for seat ``me`` to play card ``c`` (from its hand or the reveal)."""
    opps = t.opponents(me)
    r = c >> 2
    out: list[int] = []
    if c < POINT_CARDS:
        out.append(POINTS + c)
        for opp in opps:
            out.extend(SCUTTLE + c * POINT_CARDS + x for x in t.points_cards(opp) if x < c)
    if r == FOUR and t.n > 2:
        out.extend(FOUR_AT + (c & 3) * 2 + k for k in range(t.n - 1))
    elif r in (ACE, FOUR, SIX, EIGHT, QUEEN, KING):
        out.append(EFFECT + c)
    elif r == THREE:
        if SCRAP in t.loc:
            out.append(EFFECT + c)
    elif r in (FIVE, SEVEN):
        if t.deck:
            out.append(EFFECT + c)
    elif r == TWO:
        s = c & 3
        for opp in opps:
            out.extend(_two_on(s, p) for p in t.permanents(opp) if _exposed(t, p, opp))
    elif r == NINE:
        s = c & 3
        for opp in opps:
            for x in sorted(t.points_cards(opp) + t.permanents(opp)):
                if _exposed(t, x, opp):
                    out.append(_nine_on(s, x))
    elif r == JACK:
        s = c & 3
        for opp in opps:
            out.extend(
                JACK_ON + s * POINT_CARDS + x
                for x in t.points_cards(opp)
                if not t.protected(x, opp)
            )
    elif r == JOKER:
        j = c - CARDS
        for opp in opps:
            out.extend(
                JOKER_ON + j * len(ROYALS) + ROYAL_INDEX[p]
                for p in t.permanents(opp)
                if p >> 2 in (EIGHT, QUEEN, KING) and not t.protected(p, opp)
            )
    return out


def _card_ids(base: int, joker_base: int, cards: list[int]) -> list[int]:
    """Discard or pick ids of ``cards`` (a joker has its own id)."""
    return [joker_base + c - CARDS if c >= CARDS else base + c for c in cards]


def legal(t: Table, seat: int) -> list[int]:
    """Seat ``seat``'s legal action ids, ascending (empty when it is not to decide)."""
    phase = t.phase
    if phase is Phase.OVER or t.actor != seat:
        return []
    out: list[int] = []
    if phase is Phase.MAIN:
        hand = t.hand(seat)
        if t.deck and len(hand) < hand_limit(t):
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
        out.extend(_card_ids(DISCARD, DISCARD_JOKER, t.hand(seat)))
    elif phase is Phase.PICK:
        out.extend(_card_ids(PICK, PICK_JOKER, t.at(SCRAP)))
    elif phase is Phase.SEVEN:
        (c,) = t.at(REVEAL)
        out.extend(plays(t, c, seat))
        if not out:
            out.append(RESOLVE)  # the revealed card cannot be played: it is scrapped
    out.sort()
    return out


def mask(t: Table, seat: int) -> np.ndarray:
    """The legal mask of ``seat``."""
    m = np.zeros(NUM_ACTIONS if t.n == 2 else NUM_ACTIONS_3, dtype=bool)
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
    seat that controlled it before that jack.
    """
    x = t.jack_target(j & 3)
    assert x is not None
    owner = t.owner_of(j)
    assert owner is not None
    back = 1 - owner if t.n == 2 else t.jack_from(j)
    t.detach(j)
    t.move(j, to)
    t.move(x, PTS + back)


def _remove_joker(t: Table, k: int, to: int) -> None:
    """Take the top joker ``k`` off its royal (to ``to``): the royal goes back to the
    seat it was taken from.
    """
    r = t.joker_target(k)
    assert r is not None
    back = t.joker_from(k)
    t.detach_joker(k)
    t.move(k, to)
    t.move(r, PERM + back)


def _scrap_jokers_on(t: Table, r: int) -> None:
    """Scrap the jokers on royal ``r`` (the royal leaves the field with them)."""
    for k in t.jokers_on(r):
        t.detach_joker(k)
        t.move(k, SCRAP)


def _to_hand(t: Table, x: int) -> None:
    """The nine's effect on card ``x`` of an opponent's field."""
    owner = t.owner_of(x)
    assert owner is not None
    if x >> 2 == JACK:
        _remove_jack(t, x, HAND + owner)
        return
    if x >= CARDS:
        _remove_joker(t, x, HAND + owner)
        return
    if x < POINT_CARDS:
        for j in t.jacks_on(x):
            t.detach(j)
            t.move(j, SCRAP)
    else:
        _scrap_jokers_on(t, x)
    t.move(x, HAND + owner)


def _frozen_after(t: Table, me: int, frozen: int) -> int:
    """The card that stays unplayable after seat ``me``'s turn (+1, 0 for none): a new
    nine's card; with three players, an earlier one until its holder has had its turn.
    """
    if frozen >= 0 or t.n == 2:
        return frozen + 1
    old = Turn.frozen.get(t.s) - 1
    holder = t.loc[old] - HAND if old >= 0 else -1
    return old + 1 if 0 <= holder < t.n and holder != me else 0


def end_turn(t: Table, *, frozen: int = -1, passed: bool = False) -> None:
    """The turn player's turn ends: a seat at its threshold wins (the turn player first,
    then the others in turn order), three passes in a row draw, else the next seat's turn
    begins.
    """
    me = t.turn
    for i in (me, *t.opponents(me)):
        if t.points(i) >= t.threshold(i):
            t.set(phase=Phase.OVER, result=1 + i, target=0, left=0, victim=0)
            return
    passes = Turn.passes.get(t.s) + 1 if passed else 0
    if passes >= 3:
        t.set(phase=Phase.OVER, passes=3, target=0, victim=0, **draw_fields(t.n))
        return
    nxt = (me + 1) % t.n
    t.set(
        phase=Phase.MAIN,
        turn=nxt,
        actor=nxt,
        target=0,
        left=0,
        passes=passes,
        frozen=_frozen_after(t, me, frozen),
        victim=0,
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
    me = t.turn
    opp = Turn.victim.get(t.s) if t.n > 2 else 1 - me
    target = Turn.target.get(t.s) - 1
    t.set(declined=0)
    if (len(t.chain) - 1) % 2:
        _finish_one_off(t)
        return
    r = one >> 2
    if r == ACE:
        for i in range(t.n):
            for x in t.points_cards(i):
                _scrap_with_jacks(t, x)
    elif r == TWO:
        if target >> 2 == JACK:
            _remove_jack(t, target, SCRAP)
        elif target >= CARDS:
            _remove_joker(t, target, SCRAP)
        else:
            _scrap_jokers_on(t, target)
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
        room = max(0, hand_limit(t) - len(t.hand(me)))
        for _ in range(min(2, len(t.deck), room)):
            t.move(t.deck[-1], HAND + me)
    elif r == SIX:
        for i in range(t.n):
            for x in t.points_cards(i):
                jacks = t.jacks_on(x)
                if t.n > 2 and jacks:
                    t.move(x, PTS + t.jack_from(jacks[0]))  # back to the seat that played it
                elif len(jacks) % 2:
                    t.move(x, PTS + 1 - i)  # back to the seat that played it
        t.jk = t.jf = t.jo = 0
        for i in range(t.n):
            for x in t.permanents(i):
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
    nxt = (me + 1) % t.n
    phase = t.phase
    if phase is Phase.COUNTER:
        if kind == "counter":  # the seats after the counterer answer it in turn
            t.move(cards[0], CHAIN)
            t.set(actor=(t.actor + 1) % t.n, declined=0)
            return
        declined = Turn.declined.get(t.s) + 1
        if declined >= t.n - 1:  # every other seat let the last card stand
            resolve(t)
        else:
            t.set(actor=(t.actor + 1) % t.n, declined=declined)
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
        t.attach(j, x, t.owner_of(x) if t.n > 2 else None)
        t.move(x, PTS + me)
        end_turn(t)
    elif kind == "joker":
        k, x = cards
        frm = t.owner_of(x)
        assert frm is not None
        t.move(k, PERM + me)
        t.attach_joker(k, x, frm)
        t.move(x, PERM + me)
        end_turn(t)
    elif kind == "four":  # three players: a four on the chosen opponent
        c, offset = cards
        t.move(c, CHAIN)
        t.set(phase=Phase.COUNTER, actor=nxt, victim=(me + offset) % t.n, target=0)
    elif kind == "effect" and (cards[0] >> 2) in (EIGHT, QUEEN, KING):
        t.move(cards[0], PERM + me)
        end_turn(t)
    else:  # a one-off: it waits for the opponent's counter or consent
        c = cards[0]
        target = cards[1] if len(cards) > 1 else -1
        t.move(c, CHAIN)
        t.set(phase=Phase.COUNTER, actor=nxt, target=target + 1)


__all__ = [
    "HAND_LIMIT",
    "HAND_LIMIT_3",
    "end_turn",
    "hand_limit",
    "legal",
    "mask",
    "play",
    "plays",
    "resolve",
]
