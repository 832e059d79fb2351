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

from typing import TYPE_CHECKING, Any

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
    KEEP,
    LOW,
    NH_SHIFT,
    OVER,
    PER_MOVE,
    PHASE_SHIFT,
    R0_NH_SHIFT,
    RICH_SHIFT,
    SEAT_SHIFT,
    UP_SHIFT,
    _add,
)
from hypertoken.core import Batch, World
from hypertoken.game import MoveContext

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
        self._ends_one: dict[tuple[Batch | None, int, int], Batch] = {}

    def hit(self, world: World, ctx: MoveContext, s: int, ill: int) -> bool:
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
            return self.end(world, ctx, s, h, t.draw_cmd(t.zones[i][0], 1), view, top - 1, 0, ill)
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

    def double(self, world: World, ctx: MoveContext, s: int, ill: int) -> bool:
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
        return self.end(world, ctx, s, h, t.draw_cmd(t.zones[i][0], 1), view, top - 1, t.bet, ill)

    def stand(self, world: World, ctx: MoveContext, s: int, ill: int) -> bool:
        """Stand for the seat to move (hand 0, no split in play)."""
        if (s >> NH_SHIFT) & 3:
            return False
        view = world.shoe("shoe")
        return self.end(world, ctx, s, (s & SUMMARY_MASK) | DONE, None, view, len(view), 0, ill)

    def end(self, world: World, ctx: MoveContext, s: int, h: int, pre: Batch | None,
            view: Any, top: int, wager: int, ill: int) -> bool:
        """Dispatch a hand end: :meth:`end_one` for a table of one seat, else
        :meth:`end_many` (its arguments).
        """
        if self.t.n == 1:
            return self.end_one(world, ctx, s, h, pre, view, top, wager, ill)
        return self.end_many(world, ctx, s, h, pre, view, top, wager, ill)

    def end_one(self, world: World, ctx: MoveContext, s: int, h: int, pre: Batch | None,
                view: Any, top: int, wager: int, ill: int) -> bool:
        """:meth:`end_many` for one seat, straight-line, in the usual case: the next hand
        is dealt without a reshuffle and needs a decision (else :meth:`end_many`).
        """
        t = self.t
        cards: list[int] = view[max(0, top - _LOOK):top].tolist()
        cards.reverse()  # the top card first
        dealer = world.zone("dealer")["token"].tolist()
        d = _TWO[13 * ((dealer[0] - 1) % 13) + (dealer[1] - 1) % 13]
        n = 0
        if not is_bust(h) and not is_natural(h):
            drawn = self._dealer_draws(d, cards)
            if drawn is None:
                return False  # a long draw or an empty shoe: the general path
            d, n = drawn
        number: int = world.property("hand")
        old: int = world.property("bank0")
        bet = t.bet
        bank = old + hand_return(h, bet, best(d)) - wager - bet
        if (number >= t.hands or bank < 0 or top - n < max(t.cut, 4)
                or n + 4 > len(cards)):
            return self.end_many(world, ctx, s, h, pre, view, top, wager, ill)
        c0, c1, c2, c3 = cards[n:n + 4]
        up = (c1 - 1) % 13
        h0 = _TWO[13 * ((c0 - 1) % 13) + (c2 - 1) % 13]
        upv = 11 if up == 0 else VALUES[up]
        keep = (upv << UP_SHIFT) | (1 << IN_SHIFT) | (1 << RICH_SHIFT if bank >= t.extra else 0)
        if upv == 11:
            s2 = keep | (INSURE << PHASE_SHIFT) | h0
        elif h0 & DONE or (upv == 10 and (c3 - 1) % 13 == 0):
            return self.end_many(world, ctx, s, h, pre, view, top, wager, ill)
        else:
            s2 = keep | h0
        s2 |= HAND_OVER | ill | (LOW if top - n - 4 < 2 else 0)
        key = (pre, n, h0)
        static = self._ends_one.get(key)
        if static is None:
            if len(self._ends_one) >= _CACHE_LIMIT:
                self._ends_one.clear()
            static = Batch()
            if pre is not None:
                static.extend(pre)
            if n:
                static.extend(t.draw_cmd("dealer", n))
            static.extend(t.deal_cmd((0,), True))
            self._props(static, {0: h0}, {0: bet})
            self._ends_one[key] = static
        # Changes as deltas: their encodings repeat (a bet won or lost, one more hand), so
        # they are memoised, where the new totals would have to be encoded afresh.
        batch = Batch().extend(static)
        if bank != old:
            batch.add_property("bank0", bank - old)
        batch.add_property("hand", 1)
        world.apply(batch.extend(t.set_cmd("s", s2)), atomic=False)
        return True

    def end_many(self, world: World, ctx: MoveContext, s: int, h: int, pre: Batch | None,
                 view: Any, top: int, wager: int, ill: int) -> bool:
        """The seat to move finished its only hand with summary ``h``; if it is the last
        seat to play, the dealer plays, the hand settles and the next is dealt (with the
        hands that settle as dealt, a reshuffle, or the end of the game), in one batch:
        ``pre`` (this move's own draw, if any), the dealer's draws, the deals, then the
        properties. ``top`` is the shoe's size once ``pre`` has drawn; ``wager`` the chips
        this move adds to the seat's stake. A reshuffle applies what comes before it first,
        as the general planner does.
        """
        t = self.t
        i = (s >> SEAT_SHIFT) & 7
        seats_in = (s >> IN_SHIFT) & 63
        if seats_in >> (i + 1):
            return False  # a later seat still plays
        khand, kbank = t.khand, t.kbank
        finals: dict[int, int] = {}
        live = not is_bust(h) and not is_natural(h)
        for j in range(i):
            if seats_in >> j & 1:
                r: int = world.property(khand[j][0])
                if (r >> R0_NH_SHIFT) & 3:
                    return False  # that seat split: the general path reads its hands
                r &= SUMMARY_MASK
                finals[j] = r
                if not live and not is_bust(r) and not is_natural(r):
                    live = True
        finals[i] = h
        cards: list[int] = view[max(0, top - _LOOK):top].tolist()
        cards.reverse()  # the top card first
        dealer = world.zone("dealer")["token"].tolist()
        hole: int = dealer[1]
        d = _TWO[13 * ((dealer[0] - 1) % 13) + (hole - 1) % 13]
        n = 0
        if live:
            drawn = self._dealer_draws(d, cards)
            if drawn is None:
                return False  # a long draw or an empty shoe: the general path
            d, n = drawn
        bet, n_seats = t.bet, t.n
        number: int = world.property("hand")
        old: list[int] = []
        for j in range(n_seats):
            old.append(world.property(kbank[j]))
        banks = old[:]
        total = best(d)
        for j, hj in finals.items():
            banks[j] += hand_return(hj, bet, total)
        banks[i] -= wager
        rvals = {i: h}
        stakes = {j: 0 for j in finals}
        cmds: list[Batch] = [pre] if pre is not None else []
        if n:
            cmds.append(t.draw_cmd("dealer", n))
        pos, clear, shuffles, keep, dealt = n, True, 0, s & KEEP, number
        while True:  # deal; hands that need no decision settle at once
            seats = []
            for j in range(n_seats):
                if banks[j] >= bet:
                    seats.append(j)
            c = len(seats)
            if dealt >= t.hands or not c:  # the game is over: the hole card turns up
                cmds.append(t.flip_cmd(hole))
                s2 = (OVER << PHASE_SHIFT) | keep
                break
            if top - pos < max(t.cut, 2 * c + 2):  # the cut card came out: reshuffle
                if clear:
                    cmds.append(t.collect_cmd)
                    clear = False
                shuffles += 1
                seed = ctx.seed if shuffles == 1 else ctx.seed_for(shuffles)
                cmds.append(Batch().source_reset("shoe").source_shuffle("shoe", seed))
                first_part = Batch()
                for b in cmds:
                    first_part.extend(b)
                world.apply(first_part, atomic=False)
                cmds = []
                view = world.shoe("shoe")
                top, pos = len(view), 0
                cards = view.tolist()
                cards.reverse()
            elif pos + 2 * c + 2 > len(cards):
                return False  # past the cards read (nothing is applied yet)
            dealt += 1
            cmds.append(t.deal_cmd(tuple(seats), clear))
            clear = True
            toks = cards[pos:pos + 2 * c + 2]
            pos += 2 * c + 2
            up, hole = (toks[c] - 1) % 13, toks[-1]
            upv = 11 if up == 0 else VALUES[up]
            first = []
            for m in range(c):
                first.append(_TWO[13 * ((toks[m] - 1) % 13) + (toks[m + c + 1] - 1) % 13])
            rich = new_in = 0
            for m, j in enumerate(seats):
                new_in |= 1 << j
                banks[j] -= bet
                if banks[j] >= t.extra:
                    rich |= 1 << j
                rvals[j] = first[m]
                stakes[j] = bet
            keep = (upv << UP_SHIFT) | (rich << RICH_SHIFT) | (new_in << IN_SHIFT)
            if upv == 11:  # ace up: the insurance round comes first
                s2 = keep | (INSURE << PHASE_SHIFT) | (seats[0] << SEAT_SHIFT) | first[0]
                break
            dealer_bj = upv == 10 and (hole - 1) % 13 == 0
            if not dealer_bj:
                for m in range(c):
                    if not first[m] & DONE:
                        break
                else:
                    m = -1
                if m >= 0:
                    s2 = keep | (seats[m] << SEAT_SHIFT) | first[m]
                    break
            for m, j in enumerate(seats):  # settles as dealt (nobody can beat a natural)
                h0 = first[m]
                if dealer_bj:
                    banks[j] += bet if is_natural(h0) else 0
                else:
                    banks[j] += hand_return(h0, bet, 0)
                stakes[j] = 0
        s2 |= HAND_OVER | ill | (LOW if top - pos < 2 else 0)
        if shuffles:
            static = Batch()
            for b in cmds:
                static.extend(b)
            self._props(static, rvals, stakes)
        else:
            # The commands that repeat (draws, deals, hand summaries, stakes) are cached.
            key = (*cmds, *rvals.items(), None, *stakes.items())
            static = self._ends.get(key)  # type: ignore[assignment]
            if static is None:
                if len(self._ends) >= _CACHE_LIMIT:
                    self._ends.clear()
                static = Batch()
                for b in cmds:
                    static.extend(b)
                self._props(static, rvals, stakes)
                self._ends[key] = static
        # Bankrolls and the hand count change by a few fixed amounts: written as deltas,
        # whose encodings repeat and are memoised.
        batch = Batch().extend(static)
        for j in range(n_seats):
            if banks[j] != old[j]:
                batch.add_property(kbank[j], banks[j] - old[j])
        if dealt != number:
            batch.add_property("hand", dealt - number)
        world.apply(batch.extend(t.set_cmd("s", s2)), atomic=False)
        return True

    def _dealer_draws(self, d: int, cards: list[int]) -> tuple[int, int] | None:
        """Play the dealer's hand ``d`` from the shoe's top ``cards`` (top first): the final
        hand and how many cards it drew, or None if the known cards do not suffice.
        """
        hits, h17 = self._hits, self.t.h17
        n = 0
        while True:
            more = hits.get(d)
            if more is None:
                more = hits[d] = dealer_hits(d, h17)
            if not more:
                return d, n
            if n >= len(cards):
                return None
            d = _add(d & ~DONE, (cards[n] - 1) % 13)
            n += 1

    def _props(self, batch: Batch, rvals: dict[int, int], stakes: dict[int, int]) -> None:
        """Append the hand summaries and stakes a hand end leaves."""
        t = self.t
        for j, v in rvals.items():
            batch.extend(t.set_cmd(t.khand[j][0], v))
        for j, v in stakes.items():
            batch.extend(t.set_cmd(t.kstake[j], v))
