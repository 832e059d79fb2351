"""Fast paths of :mod:`games.blackjack`: the commonest moves without the general planner.

Random or basic-strategy play spends most moves on a few shapes: a Hit that leaves the hand
open, and a Stand, Double or Hit (bust or 21) that ends the hand of the last seat to play,
so the dealer plays, the table settles and the next hand is dealt. :class:`FastMoves` plans
those straight from the packed state ``s``, one read of the dealer's zone and one of the
shoe's zero-copy view, and applies each as ONE batch made of cached commands.

Invariant: a fast path either applies exactly the World changes the general planner
(:class:`~games.blackjack_move.TableMove` with :class:`~games.blackjack_table.Table`) would
apply, or returns False having changed nothing, and the caller runs the general planner.
It declines everything unusual: splits, a seat with split hands, the last hand of the game,
a reshuffle, an empty shoe, and a next hand that needs no decision.
``tests/games/test_blackjack_engine.py`` checks the invariant by state hashes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from games.blackjack_rules import (
    DONE,
    DOUBLED,
    SUMMARY_MASK,
    VALUES,
    best,
    dealer_hits,
    hand_return,
    is_bust,
    is_natural,
)
from games.blackjack_table import (
    _TWO,
    HAND_OVER,
    IN_SHIFT,
    INSURE,
    K_SHIFT,
    LOW,
    NH_SHIFT,
    PER_MOVE,
    PHASE_SHIFT,
    R0_NH_SHIFT,
    RICH_SHIFT,
    SEAT_SHIFT,
    UP_SHIFT,
    _add,
)
from hypertoken.core import Batch, World

if TYPE_CHECKING:
    from games.blackjack_table import Table

#: How many of the shoe's top cards a hand end reads at once (the dealer's draws and the
#: next deal of six seats fit easily; a hand end needing more takes the general path).
_LOOK = 32
_CACHE_LIMIT = 1 << 14


class FastMoves:
    """The fast paths of one game (static: caches of encoded commands only)."""

    def __init__(self, table: Table) -> None:
        self.t = table
        #: Per dealer summary: whether the dealer draws (a pure function of the rules).
        self._hits: dict[int, bool] = {}
        #: Cached open-hand hits: (seat, state after) -> draw + set s.
        self._open: dict[tuple[int, int], Batch] = {}
        #: Cached static parts of hand ends (see :meth:`end`).
        self._ends: dict[tuple[object, ...], Batch] = {}

    def hit(self, world: World, s: int, ill: int) -> bool:
        """Hit for the seat to move: the hand stays open, or it ends (see :meth:`end`)."""
        view = world.shoe("shoe")
        top = len(view)
        if not top:
            return False  # the discard pile comes back in: the general path
        h = _add(s & SUMMARY_MASK, (int(view[top - 1]) - 1) % 13)
        i, k = (s >> SEAT_SHIFT) & 7, (s >> K_SHIFT) & 3
        t = self.t
        if h & DONE:
            if (s >> NH_SHIFT) & 3:
                return False
            return self.end(world, s, h, t.draw_cmd(t.zones[i][0], 1), view, top - 1, 0, ill)
        s2 = (s & ~(SUMMARY_MASK | PER_MOVE)) | h | ill | (LOW if top - 1 < 2 else 0)
        key = (i << 2 | k, s2)
        b = self._open.get(key)
        if b is None:
            if len(self._open) >= _CACHE_LIMIT:
                self._open.clear()
            b = self._open[key] = (Batch().extend(t.draw_cmd(t.zones[i][k], 1))
                                   .extend(t.set_cmd("s", s2)))
        world.apply(b, atomic=False)
        return True

    def double(self, world: World, s: int, ill: int) -> bool:
        """Double for the seat to move (hand 0, no split in play): one card, then the end."""
        if (s >> NH_SHIFT) & 3:
            return False
        view = world.shoe("shoe")
        top = len(view)
        if not top:
            return False
        h = _add((s & SUMMARY_MASK) | DOUBLED, (int(view[top - 1]) - 1) % 13) | DONE
        t = self.t
        i = (s >> SEAT_SHIFT) & 7
        return self.end(world, s, h, t.draw_cmd(t.zones[i][0], 1), view, top - 1, t.bet, ill)

    def stand(self, world: World, s: int, ill: int) -> bool:
        """Stand for the seat to move (hand 0, no split in play)."""
        if (s >> NH_SHIFT) & 3:
            return False
        view = world.shoe("shoe")
        return self.end(world, s, (s & SUMMARY_MASK) | DONE, None, view, len(view), 0, ill)

    def end(self, world: World, s: int, h: int, pre: Batch | None, view: object, top: int,
            wager: int, ill: int) -> bool:
        """The seat to move finished its only hand with summary ``h``; if it is the last
        seat to play, the dealer plays, the hand settles and the next is dealt, in one
        batch: ``pre`` (this move's own draw, if any), the dealer's draws, the deal, then
        the properties. ``top`` is the shoe's size once ``pre`` has drawn; ``wager`` the
        chips this move adds to the seat's stake.
        """
        t = self.t
        i = (s >> SEAT_SHIFT) & 7
        seats_in = (s >> IN_SHIFT) & 63
        if seats_in >> (i + 1):
            return False  # a later seat still plays
        number: int = world.property("hand")
        if number >= t.hands:
            return False  # the last hand: its cards stay on the table, the hole card turns
        khand, kbank = t.khand, t.kbank
        finals: list[int] = []
        live = not is_bust(h) and not is_natural(h)
        for j in range(i):
            if seats_in >> j & 1:
                r: int = world.property(khand[j][0])
                if (r >> R0_NH_SHIFT) & 3:
                    return False  # that seat split: the general path reads its hands
                r &= SUMMARY_MASK
                finals.append(r)
                if not live and not is_bust(r) and not is_natural(r):
                    live = True
            else:
                finals.append(-1)
        finals.append(h)
        cards: list[int] = view[max(0, top - _LOOK):top].tolist()  # type: ignore[index]
        cards.reverse()  # the top card first
        dealer = world.zone("dealer")["token"].tolist()
        d = _TWO[13 * ((dealer[0] - 1) % 13) + (dealer[1] - 1) % 13]
        n = 0
        if live:
            hits = self._hits
            while True:
                more = hits.get(d)
                if more is None:
                    more = hits[d] = dealer_hits(d, t.h17)
                if not more:
                    break
                if n >= len(cards):
                    return False  # a long draw or an empty shoe: the general path
                d = _add(d & ~DONE, (cards[n] - 1) % 13)
                n += 1
        total = best(d)
        bet = t.bet
        n_seats = t.n
        banks: list[int] = []
        seats: list[int] = []
        for j in range(n_seats):
            b: int = world.property(kbank[j])
            if j <= i and seats_in >> j & 1:
                b += hand_return(finals[j], bet, total)
                if j == i:
                    b -= wager
            banks.append(b)
            if b >= bet:
                seats.append(j)
        c = len(seats)
        if not c or top - n < max(t.cut, 2 * c + 2) or n + 2 * c + 2 > len(cards):
            return False  # nobody can bet (the game ends), or a reshuffle comes first
        toks = cards[n:n + 2 * c + 2]
        up, hole = (toks[c] - 1) % 13, (toks[-1] - 1) % 13
        upv = 11 if up == 0 else VALUES[up]
        first = [_TWO[13 * ((toks[m] - 1) % 13) + (toks[m + c + 1] - 1) % 13]
                 for m in range(c)]
        rich = new_in = 0
        for j in seats:
            new_in |= 1 << j
            if banks[j] - bet >= t.extra:
                rich |= 1 << j
        keep = (upv << UP_SHIFT) | (rich << RICH_SHIFT) | (new_in << IN_SHIFT)
        if upv == 11:
            s2 = keep | (INSURE << PHASE_SHIFT) | (seats[0] << SEAT_SHIFT) | first[0]
        else:
            if upv == 10 and hole == 0:
                return False  # the dealer peeks a blackjack: the general path settles it
            for m in range(c):
                if not first[m] & DONE:
                    s2 = keep | (seats[m] << SEAT_SHIFT) | first[m]
                    break
            else:
                return False  # every seat holds a blackjack: settles as dealt
        left = top - n - 2 * c - 2
        s2 |= HAND_OVER | ill | (LOW if left < 2 else 0)
        # The commands that repeat (draws, deal, hand summaries, stakes) are cached whole.
        key = (pre, n, tuple(seats), seats_in, h if not new_in >> i & 1 else -1, *first)
        static = self._ends.get(key)
        if static is None:
            if len(self._ends) >= _CACHE_LIMIT:
                self._ends.clear()
            static = Batch()
            if pre is not None:
                static.extend(pre)
            if n:
                static.extend(t.draw_cmd("dealer", n))
            static.extend(t.deal_cmd(tuple(seats), True))
            if not new_in >> i & 1:  # the seat sits the next hand out: its hand stays
                static.extend(t.set_cmd(khand[i][0], h))
            for m, j in enumerate(seats):
                static.extend(t.set_cmd(khand[j][0], first[m]))
            for j in range(n_seats):
                if new_in >> j & 1:
                    static.extend(t.set_cmd(t.kstake[j], bet))
                elif seats_in >> j & 1:
                    static.extend(t.set_cmd(t.kstake[j], 0))
            self._ends[key] = static
        # Bankrolls and the hand count seldom repeat: encoded in place, not cached (a cache
        # of them would mostly miss, and its churn costs garbage-collection time).
        batch = Batch().extend(static)
        for j in range(n_seats):
            if new_in >> j & 1:
                batch.set_property(kbank[j], banks[j] - bet)
            elif seats_in >> j & 1:
                batch.set_property(kbank[j], banks[j])
        batch.set_property("hand", number + 1).extend(t.set_cmd("s", s2))
        world.apply(batch, atomic=False)
        return True
