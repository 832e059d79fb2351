"""The betting and settlement rules of :mod:`games.holdem`, on a :class:`~games.holdem.state.Table`.

Pure Python over plain values: the functions here read and change a ``Table`` and take
cards from a :class:`Dealer`; :mod:`games.holdem.table` loads the table from the World,
runs them and writes the result back in one batch. The rules themselves are in the game's
docstring; the comments here say how each is implemented.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from games.holdem.actions import CALL, CHECK, FOLD, Layout
from games.holdem.evaluator import evaluate
from games.holdem.state import (
    ACTED,
    ALL_IN,
    COMPLETE,
    FOLDED,
    HAND_OVER,
    IN,
    PREFLOP,
    RIVER,
    SHOWDOWN,
    Table,
)


class Dealer(Protocol):
    """Where the cards come from: a shuffled deck, dealt from the top."""

    def deal(self, k: int) -> list[int]:
        """The next ``k`` cards off the top (they leave the deck)."""

    def new_deck(self, seed: int) -> None:
        """Gather every card back and shuffle the deck with ``seed``."""


@dataclass(frozen=True)
class Stakes:
    """A table's static settings."""

    small_blind: int
    big_blind: int
    starting_stack: int
    hands: int
    layout: Layout


# ---- the deal -------------------------------------------------------------------------


def start_hand(t: Table, k: Stakes, dealer: Dealer, button: int) -> None:
    """Deal a hand with ``button`` on the button: seats with chips are dealt in, the blinds
    posted and two hole cards dealt to each seat (one at a time, from the left of the
    button). Then :func:`advance` finds the first seat to act (or plays the hand out when no
    betting is possible).
    """
    t.hand += 1
    t.button, t.street, t.board = button, PREFLOP, []
    for i in range(t.n):
        t.sbet[i] = t.total[i] = 0
        t.status[i] = IN if t.stack[i] > 0 else 0
        t.hole[i] = []
    seated = [s for s in _clockwise(t, button) if t.status[s] & IN]
    if len(seated) == 2:  # heads-up: the button posts the small blind
        sb_seat, bb_seat = button, seated[0] if seated[0] != button else seated[1]
    else:
        sb_seat, bb_seat = seated[0], seated[1]
    _put(t, sb_seat, min(k.small_blind, t.stack[sb_seat]))
    _put(t, bb_seat, min(k.big_blind, t.stack[bb_seat]))
    # The bet to match is the full big blind even when the big blind is short.
    t.bet, t.minr = k.big_blind, k.big_blind
    for _ in range(2):
        for s, c in zip(seated, dealer.deal(len(seated)), strict=True):
            t.hole[s].append(c)
    # Pre-flop the first to act sits left of the big blind (heads-up: the button).
    t.actor = bb_seat


def _clockwise(t: Table, start: int) -> list[int]:
    """Every seat, from the one left of ``start`` round to ``start``."""
    return [(start + j) % t.n for j in range(1, t.n + 1)]


def _put(t: Table, i: int, chips: int) -> None:
    """Seat i moves ``chips`` from its stack into its bet."""
    t.stack[i] -= chips
    t.sbet[i] += chips
    t.total[i] += chips
    if t.stack[i] == 0 and t.status[i] & IN:
        t.status[i] |= ALL_IN


# ---- what the seat to act may do -------------------------------------------------------


def may_raise(t: Table, i: int) -> bool:
    """Whether seat i may bet or raise: it has chips beyond a call, another seat could
    still answer, and the betting is open to it: it has not acted on this street, or it
    faces at least a full raise since it did (a short all-in does not reopen it).
    """
    if t.stack[i] <= t.to_call(i):
        return False
    if t.status[i] & ACTED and t.bet - t.sbet[i] < t.minr:
        return False
    return any(t.can_act(j) for j in range(t.n) if j != i)


def legal_bits(t: Table, k: Stakes, i: int) -> int:
    """The legal actions of seat i now, as bits of action ids (0 if it is not to act).

    Check only when there is nothing to call; Fold and Call only when there is; every
    raise size and All-in only when :func:`may_raise`.
    """
    if i != t.actor or i < 0:
        return 0
    bits = (1 << CHECK) if t.to_call(i) == 0 else (1 << FOLD) | (1 << CALL)
    if may_raise(t, i):
        bits |= ((1 << k.layout.num_actions) - 1) & ~0b111
    return bits


def raise_to(t: Table, k: Stakes, i: int, size: Fraction | None) -> int:
    """Seat i's street bet after a raise of ``size`` times the pot (None: all-in).

    The pot is every chip in play plus the call: a pot raise calls, then raises by the pot
    that makes. Below the minimum raise (the bet plus the last full raise; a first bet is
    at least the big blind) it rounds up to it; at or above the stack it is all-in.
    """
    cap = t.sbet[i] + t.stack[i]
    if size is None:
        return cap
    target = t.bet + int(size * (t.pot() + t.to_call(i)))
    return min(max(target, t.bet + t.minr), cap)


# ---- playing an action -----------------------------------------------------------------


def act(t: Table, k: Stakes, dealer: Dealer, action: int, seed: int) -> None:
    """Seat ``t.actor`` plays the legal ``action``, then the hand moves on (next seat,
    next street, showdown, next hand: whatever follows). ``seed`` shuffles any new hand.
    """
    i = t.actor
    if action == FOLD:
        t.status[i] |= FOLDED
    elif action == CALL:
        _put(t, i, min(t.to_call(i), t.stack[i]))
    elif action != CHECK:
        target = raise_to(t, k, i, k.layout.sizes[action - 3])
        _put(t, i, target - t.sbet[i])
        if target > t.bet:
            if target - t.bet >= t.minr:  # a full raise: the new minimum, and it reopens
                t.minr = target - t.bet
            t.bet = target
    t.status[i] |= ACTED
    advance(t, k, dealer, seed)


def _next_actor(t: Table) -> int:
    """The first seat after ``t.actor`` that must act, or -1 when the street's betting is
    over: every seat that can bet has acted and matched the bet, or at most one seat can
    bet and it has nothing to call (nobody could answer it).
    """
    able = [j for j in range(t.n) if t.can_act(j)]
    if not able:
        return -1
    if len(able) == 1:
        j = able[0]
        others = max((t.sbet[s] for s in range(t.n) if s != j), default=0)
        if t.sbet[j] >= others:
            return -1
    return t.next_seat(
        t.actor, lambda j: t.can_act(j) and (not t.status[j] & ACTED or t.sbet[j] < t.bet)
    )


def advance(t: Table, k: Stakes, dealer: Dealer, seed: int) -> None:
    """Move the game on until a seat must act or the game is over."""
    while True:
        live = [j for j in range(t.n) if t.live(j)]
        if len(live) == 1:  # every other seat folded
            _return_uncalled(t)
            _settle(t, {live[0]: t.pot()}, COMPLETE)
        else:
            nxt = _next_actor(t)
            if nxt >= 0:
                t.actor = nxt
                return
            _return_uncalled(t)
            if t.street == RIVER:
                _showdown(t)
            else:
                _next_street(t, k, dealer)
                continue
        # The hand is settled: deal the next one, or the game is over.
        seated = [j for j in range(t.n) if t.stack[j] > 0]
        if t.hand >= k.hands or len(seated) < 2:
            t.actor = -1
            return
        button = t.next_seat(t.button, lambda j: t.stack[j] > 0)
        dealer.new_deck((seed ^ (t.hand * 0x9E3779B1)) & 0xFFFFFFFF)
        start_hand(t, k, dealer, button)


def _next_street(t: Table, k: Stakes, dealer: Dealer) -> None:
    """Burn a card and turn the flop (three cards), the turn or the river (one)."""
    t.street += 1
    drawn = dealer.deal(4 if t.street == 1 else 2)
    t.board.extend(drawn[1:])  # the first card off the deck is burnt
    t.bet, t.minr = 0, k.big_blind
    for j in range(t.n):
        t.sbet[j] = 0
        t.status[j] &= ~ACTED
    t.actor = t.button  # post-flop the first seat left of the button acts first


def _return_uncalled(t: Table) -> None:
    """The part of the biggest bet that no other seat matched goes back to its owner."""
    top = max(range(t.n), key=lambda j: t.total[j])
    second = max((t.total[j] for j in range(t.n) if j != top), default=0)
    excess = t.total[top] - second
    if excess > 0:
        t.total[top] -= excess
        t.sbet[top] = max(0, t.sbet[top] - excess)
        t.stack[top] += excess
        t.status[top] &= ~ALL_IN


def pots(t: Table) -> list[tuple[int, list[int]]]:
    """The main pot and the side pots: ``(chips, eligible seats)`` for every all-in
    level of the seats still holding cards and the top level, lowest (the main pot) first.
    A seat is eligible for a pot when it holds cards and has put in the pot's level.
    """
    live = [j for j in range(t.n) if t.live(j)]
    if not live:
        return []
    # Every seat still betting matches the top level by the showdown; during the betting
    # the seats below it are not (yet) in the pots above them.
    levels = sorted({t.total[j] for j in live if t.status[j] & ALL_IN} | {max(t.total)})
    out: list[tuple[int, list[int]]] = []
    prev = 0
    for level in levels:
        chips = sum(min(c, level) - min(c, prev) for c in t.total)
        eligible = [j for j in live if t.total[j] >= level]
        if out and out[-1][1] == eligible:  # same seats: one pot
            out[-1] = (out[-1][0] + chips, eligible)
        elif chips:
            out.append((chips, eligible))
        prev = level
    extra = sum(max(0, c - prev) for c in t.total)  # folded chips above every live level
    if extra and out:
        out[-1] = (out[-1][0] + extra, out[-1][1])
    return out


def _showdown(t: Table) -> None:
    """Each pot to the best hand among its eligible seats; a tie splits it, odd chips to
    the tied seats in turn from the first seat left of the button.
    """
    score = {j: evaluate(t.hole[j] + t.board) for j in range(t.n) if t.live(j)}
    order = _clockwise(t, t.button)
    won: dict[int, int] = {}
    for chips, eligible in pots(t):
        best = max(score[j] for j in eligible)
        winners = [j for j in order if j in eligible and score[j] == best]
        share, odd = divmod(chips, len(winners))
        for r, j in enumerate(winners):
            won[j] = won.get(j, 0) + share + (1 if r < odd else 0)
    _settle(t, won, SHOWDOWN)


def _settle(t: Table, won: dict[int, int], street: int) -> None:
    """Pay the pots: chips move from the bets to the winners' stacks."""
    for j in range(t.n):
        t.won[j] = won.get(j, 0)
        t.stack[j] += t.won[j]
        t.sbet[j] = t.total[j] = 0
    t.street, t.bet = street, 0
    t.flags |= HAND_OVER


__all__ = [
    "Dealer",
    "Stakes",
    "act",
    "advance",
    "legal_bits",
    "may_raise",
    "pots",
    "raise_to",
    "start_hand",
]
