"""The table of :mod:`games.blackjack`: how each move changes the World.

Speed is the design constraint (the game is a training environment), so a move is planned
in Python and applied as ONE batch of World actions:

- everything a decision needs is packed into one int property, ``s`` (the table state: phase,
  seat to move, its hand summary, upcard, ...), the first property, so reading it is cheap;
- the cards a move will draw are read beforehand from the shoe's zero-copy view;
- the encoded commands are cached per argument tuple (:meth:`Table.cmd`), so a move mostly
  concatenates ready bytes, and the batch runs without an atomic copy of the arena (the
  plan is checked before it runs; the Engine restores its snapshot if anything fails).

Hand summaries are described in :mod:`games.blackjack_rules`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from games.blackjack_rules import (
    DONE,
    DOUBLED,
    RANKS,
    SPLIT,
    SUITS,
    SUMMARY_MASK,
    VALUES,
    add,
    best,
    cards,
    dealer_hits,
    hand_of,
    hand_return,
    is_bust,
    is_natural,
)
from hypertoken.core import Batch, To, World
from hypertoken.game import MoveContext

if TYPE_CHECKING:
    from games.blackjack import Blackjack

MAX_SPLITS = 3

# Bits of the table state "s" (documented with the fields in games.blackjack).
PHASE_SHIFT = 18
PLAY, INSURE, OVER = 0, 1, 2
SEAT_SHIFT = 20
K_SHIFT = 23
NH_SHIFT = 25
UP_SHIFT = 27
RICH_SHIFT = 31
HAND_OVER = 1 << 37
ILL_SHIFT = 38
MOVER_SHIFT = 41
LOW = 1 << 44
IN_SHIFT = 45
PER_MOVE = HAND_OVER | (7 << ILL_SHIFT) | (7 << MOVER_SHIFT) | LOW
#: Fields that stay the same for the whole hand.
KEEP = (15 << UP_SHIFT) | (63 << RICH_SHIFT) | (63 << IN_SHIFT)
#: The seat's hand count - 1, kept in bits 18-19 of its first hand's summary ``r{i}.0``.
R0_NH_SHIFT = 18

HIT_BIT, STAND_BIT, DOUBLE_BIT, SPLIT_BIT, INSURANCE_BIT = (1 << a for a in range(5))
_CACHE_LIMIT = 1 << 16


def _rank(token: int) -> int:
    return (token - 1) % 13


class Table:
    """The static half of the game: configuration-derived names, cached commands and the
    move planner. Holds nothing that changes during play.
    """

    def __init__(self, game: Blackjack) -> None:
        self.n = game.num_players
        self.bet = game.bet
        self.bankroll = game.bankroll
        self.half = game.bet // 2
        self.splits = game.splits
        self.h17 = game.h17
        self.hands = game.hands
        self.size = 52 * game.decks
        #: Reshuffle before a hand when fewer cards than this remain (the cut card).
        self.cut = self.size - round(self.size * game.penetration)
        #: Chips that cover every extra wager one seat can make in a hand.
        self.extra = self.half + game.splits * game.bet + (game.splits + 1) * game.bet
        self.zones = tuple(tuple(f"p{i}h{k}" for k in range(game.splits + 1))
                           for i in range(self.n))
        self.collect_cmd = Batch().collect(
            ["zone:dealer", *(f"zone:{z}" for hz in self.zones for z in hz)], "discard")
        self._cmds: dict[Any, Batch] = {}
        self._setup: Batch | None = None
        self.first_token_index = 0

    # ---- cached commands -----------------------------------------------------------------

    def cmd(self, key: tuple[Any, ...]) -> Batch:
        """The encoded command for ``key`` (built once): ``("p", name, value)`` sets a
        property, ``("draw", zone, n)`` draws n cards face up, ``("flip", token)`` turns a card
        up, ``("move", token, zone)`` moves a card, ``("deal", seats)`` deals a hand.
        """
        b = self._cmds.get(key)
        if b is None:
            if len(self._cmds) >= _CACHE_LIMIT:
                self._cmds.clear()
            b = self._cmds[key] = self._build(key)
        return b

    def _build(self, key: tuple[Any, ...]) -> Batch:
        op = key[0]
        if op == "p":
            return Batch().set_property(key[1], key[2])
        if op == "draw":
            return Batch().source_draw("shoe", key[2], f"zone:{key[1]}")
        if op == "flip":
            return Batch().flip(key[1], "up")
        if op == "move":
            return Batch().move(key[1], f"zone:{key[2]}")
        if op == "deal":  # ("deal", seats, clear the table first)
            zones = [f"zone:{self.zones[i][0]}" for i in key[1]]
            b = Batch().extend(self.collect_cmd) if key[2] else Batch()
            return (b.deal("source:shoe", 1, [*zones, "zone:dealer"])
                    .deal("source:shoe", 1, [*zones, To.zone("dealer", face_up=False)]))
        raise KeyError(key)

    def setup_batch(self) -> Batch:
        """Properties (``s`` first: the hottest read), containers and the cards."""
        if self._setup is None:
            b = Batch().set_property("s", 0).set_property("hand", 0).set_property("ins", 0)
            for i in range(self.n):
                b.set_property(f"bank{i}", self.bankroll).set_property(f"stake{i}", 0)
                b.set_property(f"r{i}.0", 0)
            b.stack_create("cards").stack_create("discard").source_create("shoe")
            b.zone_create("dealer")
            for hz in self.zones:
                for z in hz:
                    b.zone_create(z)
            self.first_token_index = len(b)
            for _ in range(self.size // 52):
                for suit in SUITS:
                    for rank in RANKS:
                        b.token_create("card", rank, suit, "stack:cards")
            b.source_add_stack("shoe", "cards")
            self._setup = b
        return self._setup

    # ---- reading the state ---------------------------------------------------------------

    def mask(self, world: World, s: int) -> int:
        """Bits of the legal actions of the seat to move, in state ``s`` (not over)."""
        i = (s >> SEAT_SHIFT) & 7
        rich = (s >> RICH_SHIFT) >> i & 1
        if (s >> PHASE_SHIFT) & 3 == INSURE:
            if rich or world.property(f"bank{i}") >= self.half:
                return STAND_BIT | INSURANCE_BIT
            return STAND_BIT
        bits = HIT_BIT | STAND_BIT
        h = s & SUMMARY_MASK
        if cards(h) == 2:
            extra = DOUBLE_BIT
            if (h >> 11) & 0xF and (s >> NH_SHIFT) & 3 < self.splits:
                extra |= SPLIT_BIT
            if rich or world.property(f"bank{i}") >= self.bet:
                bits |= extra
        if s & LOW:
            left = len(world.shoe("shoe")) + len(world.stack("discard"))
            if left < 2:
                bits &= ~SPLIT_BIT
            if left < 1:
                bits &= ~(HIT_BIT | DOUBLE_BIT)
        return bits

    # ---- moves ---------------------------------------------------------------------------

    def hit(self, m: TableMove, s: int) -> int:
        """Take a card."""
        i, k = (s >> SEAT_SHIFT) & 7, (s >> K_SHIFT) & 3
        h = add(s & SUMMARY_MASK, _rank(m.draw_to(self.zones[i][k])))
        if h & DONE:
            return self.hand_done(m, s, h)
        return (s & ~(SUMMARY_MASK | PER_MOVE)) | h

    def double(self, m: TableMove, s: int) -> int:
        """Double the wager and take exactly one card."""
        i, k = (s >> SEAT_SHIFT) & 7, (s >> K_SHIFT) & 3
        m.wager(i, self.bet)
        h = add((s & SUMMARY_MASK) | DOUBLED, _rank(m.draw_to(self.zones[i][k])))
        return self.hand_done(m, s, h | DONE)

    def split(self, m: TableMove, s: int) -> int:
        """Split the pair: the second card starts a new hand; each hand gets a card."""
        i, k = (s >> SEAT_SHIFT) & 7, (s >> K_SHIFT) & 3
        new = ((s >> NH_SHIFT) & 3) + 1  # the new hand's index = the old hand count
        first, second = m.world.zone(self.zones[i][k])["token"].tolist()
        r = _rank(first)
        m.wager(i, self.bet)
        m.add(self.cmd(("move", second, self.zones[i][new])))
        done = DONE if r == 0 else 0  # split aces take one card each and stand
        ha = add(hand_of((r,), SPLIT), _rank(m.draw_to(self.zones[i][k]))) | done
        hb = add(hand_of((r,), SPLIT), _rank(m.draw_to(self.zones[i][new]))) | done
        m.setp(f"r{i}.{new}", hb)
        s = (s & ~(3 << NH_SHIFT)) | (new << NH_SHIFT)
        if k:  # hand 0 is finished: its record keeps the hand count
            r0 = m.prop(f"r{i}.0")
            m.setp(f"r{i}.0", (r0 & ~(3 << R0_NH_SHIFT)) | (new << R0_NH_SHIFT))
        if ha & DONE:
            return self.hand_done(m, s, ha)
        return (s & ~(SUMMARY_MASK | PER_MOVE)) | ha

    def hand_done(self, m: TableMove, s: int, h: int) -> int:
        """Record the finished hand and move on: the seat's next hand, the next seat, or
        the dealer.
        """
        i, k, last = (s >> SEAT_SHIFT) & 7, (s >> K_SHIFT) & 3, (s >> NH_SHIFT) & 3
        m.setp(f"r{i}.{k}", h | (last << R0_NH_SHIFT if k == 0 else 0))
        for k2 in range(k + 1, last + 1):
            h2 = m.prop(f"r{i}.{k2}") & SUMMARY_MASK
            if not h2 & DONE:
                return ((s & ~(SUMMARY_MASK | PER_MOVE | (3 << K_SHIFT))) | (k2 << K_SHIFT)
                        | h2)
        return self.next_seat(m, s, i)

    def next_seat(self, m: TableMove, s: int, i: int) -> int:
        """The first seat after ``i`` with a hand to play, or the dealer's turn."""
        seats_in = (s >> IN_SHIFT) & 63
        for j in range(i + 1, self.n):
            if seats_in >> j & 1:
                h0 = m.prop(f"r{j}.0") & SUMMARY_MASK
                if not h0 & DONE:
                    return (s & KEEP) | (j << SEAT_SHIFT) | h0
        return self.end_of_play(m, s, i)

    def insure(self, m: TableMove, s: int, take: bool) -> int:
        """One seat's insurance decision; after the last one the dealer peeks."""
        i = (s >> SEAT_SHIFT) & 7
        if take:
            m.wager(i, self.half)
            m.setp("ins", m.prop("ins") | 1 << i)
        seats_in = (s >> IN_SHIFT) & 63
        for j in range(i + 1, self.n):
            if seats_in >> j & 1:
                return ((s & KEEP) | (INSURE << PHASE_SHIFT) | (j << SEAT_SHIFT)
                        | (m.prop(f"r{j}.0") & SUMMARY_MASK))
        dealer = m.world.zone("dealer")["token"].tolist()
        ins = m.prop("ins")
        seats = [j for j in range(self.n) if seats_in >> j & 1]
        if VALUES[_rank(dealer[1])] == 10:  # ace up, ten in the hole: blackjack
            self.settle(m, {j: [m.prop(f"r{j}.0") & SUMMARY_MASK] for j in seats}, dealer,
                        True, ins)
            return self.deal(m, s & KEEP)
        if ins:  # no blackjack: the insurance is lost
            for j in seats:
                if ins >> j & 1:
                    m.setp(f"stake{j}", m.prop(f"stake{j}") - self.half)
            m.setp("ins", 0)
        for j in seats:
            h0 = m.prop(f"r{j}.0") & SUMMARY_MASK
            if not h0 & DONE:
                return (s & KEEP) | (j << SEAT_SHIFT) | h0
        return self.end_of_play(m, s, -1)

    def end_of_play(self, m: TableMove, s: int, cur: int) -> int:
        """Every seat has played: the dealer plays, the hand settles, the next is dealt."""
        dealer = m.world.zone("dealer")["token"].tolist()
        seats_in = (s >> IN_SHIFT) & 63
        hands: dict[int, list[int]] = {}
        for j in range(self.n):
            if seats_in >> j & 1:
                last = ((s >> NH_SHIFT) & 3 if j == cur
                        else (m.prop(f"r{j}.0") >> R0_NH_SHIFT) & 3)
                hands[j] = [m.prop(f"r{j}.{k}") & SUMMARY_MASK for k in range(last + 1)]
        self.settle(m, hands, dealer, False, 0)
        return self.deal(m, s & KEEP)

    def settle(self, m: TableMove, hands: dict[int, list[int]], dealer: list[int],
               dealer_bj: bool, insured: int) -> None:
        """Reveal the hole card, let the dealer draw (if a hand is still live) and pay."""
        m.add(self.cmd(("flip", dealer[1])))
        d = hand_of([_rank(t) for t in dealer])
        live = any(not is_bust(h) and not is_natural(h) for hs in hands.values() for h in hs)
        if not dealer_bj and live:
            n = 0  # cards drawn from the shoe as it is, in one command
            while dealer_hits(d, self.h17):
                if m.remaining() > 0:
                    t = m.next_card()
                    n += 1
                else:  # the shoe is empty: flush what is planned, then draw the slow way
                    if n:
                        m.add(self.cmd(("draw", "dealer", n)))
                        n = 0
                    got = m.try_draw("dealer")
                    if got is None:  # no card left anywhere: the dealer stands
                        break
                    t = got
                d = add(d & ~DONE, _rank(t))
            if n:
                m.add(self.cmd(("draw", "dealer", n)))
        total = best(d)
        for j, hs in hands.items():
            if dealer_bj:
                ret = self.bet if is_natural(hs[0]) else 0
                if insured >> j & 1:
                    ret += 3 * self.half
            else:
                ret = sum(hand_return(h, self.bet, total) for h in hs)
            m.setp(f"bank{j}", m.prop(f"bank{j}") + ret)
            m.setp(f"stake{j}", 0)
        if insured:
            m.setp("ins", 0)
        m.hand_over = True

    def deal(self, m: TableMove, keep: int) -> int:
        """Deal the next hand and return the state of its first decision. Hands that need
        no decision (the dealer peeks a blackjack, or every seat has one) settle at once and
        the next is dealt. Returns the OVER state when the hands are played or nobody can
        bet.
        """
        while True:
            number = m.prop("hand")
            banks = [m.prop(f"bank{i}") for i in range(self.n)]
            seats = [i for i in range(self.n) if banks[i] >= self.bet]
            if number >= self.hands or not seats:
                return (OVER << PHASE_SHIFT) | keep
            c = len(seats)
            clear = number > 0
            if m.remaining() < max(self.cut, 2 * c + 2):
                if clear:
                    m.add(self.collect_cmd)
                    clear = False
                m.reshuffle()
            m.setp("hand", number + 1)
            for i in seats:
                m.setp(f"bank{i}", banks[i] - self.bet)
                m.setp(f"stake{i}", self.bet)
            m.add(self.cmd(("deal", tuple(seats), clear)))
            toks = m.take(2 * c + 2)
            first: dict[int, int] = {}
            rich = seats_in = 0
            for j, i in enumerate(seats):
                first[i] = h = hand_of((_rank(toks[j]), _rank(toks[j + c + 1])))
                m.setp(f"r{i}.0", h)
                seats_in |= 1 << i
                if banks[i] - self.bet >= self.extra:
                    rich |= 1 << i
            up, hole = toks[c], toks[-1]
            upv = 11 if _rank(up) == 0 else VALUES[_rank(up)]
            keep = (upv << UP_SHIFT) | (rich << RICH_SHIFT) | (seats_in << IN_SHIFT)
            if upv == 11:  # ace up: insurance round first
                return keep | (INSURE << PHASE_SHIFT) | (seats[0] << SEAT_SHIFT) | first[seats[0]]
            dealer_bj = upv == 10 and _rank(hole) == 0
            if not dealer_bj:
                for i in seats:
                    if not first[i] & DONE:
                        return keep | (i << SEAT_SHIFT) | first[i]
            self.settle(m, {i: [h] for i, h in first.items()}, [up, hole], dealer_bj, 0)


class TableMove:
    """One move being planned: the commands so far, the properties it reads (all of them,
    decoded once, on the first read) and sets (written once each, when the move is
    applied, and only if changed), and a cursor over the shoe's top cards.
    """

    __slots__ = ("_props", "_set", "_shuffles", "_taken", "_touched", "_view", "ctx",
                 "hand_over", "parts", "table", "world")

    def __init__(self, table: Table, world: World, ctx: MoveContext) -> None:
        self.table = table
        self.world = world
        self.ctx = ctx
        self.parts: list[Batch] = []
        self.hand_over = False
        self._props: dict[str, Any] | None = None
        self._set: dict[str, int] = {}
        self._view: Any = None
        self._taken = 0
        self._shuffles = 0
        self._touched = False

    def prop(self, key: str) -> int:
        """An (int) property as this move has left it so far (0 if unset)."""
        v = self._set.get(key)
        if v is None:
            if self._props is None:
                self._props = self.world.properties()
            v = self._props.get(key, 0)
        return int(v)

    def setp(self, key: str, value: int) -> None:
        """Set a property (when the move is applied)."""
        self._set[key] = value

    def add(self, cmd: Batch) -> None:
        """Append a command."""
        self.parts.append(cmd)

    def wager(self, i: int, chips: int) -> None:
        """Move ``chips`` of seat ``i`` from its bankroll to the table."""
        self.setp(f"bank{i}", self.prop(f"bank{i}") - chips)
        self.setp(f"stake{i}", self.prop(f"stake{i}") + chips)

    # ---- the shoe ------------------------------------------------------------------------

    def _shoe(self) -> Any:
        self._touched = True
        if self._view is None:
            self._view = self.world.shoe("shoe")
            self._taken = 0
        return self._view

    def remaining(self) -> int:
        """Cards left in the shoe once the planned draws are made."""
        return len(self._shoe()) - self._taken

    def take(self, n: int) -> list[int]:
        """The next ``n`` cards (top first) for a draw the caller plans; the caller made
        sure the shoe holds them.
        """
        view = self._shoe()
        top = len(view) - self._taken
        self._taken += n
        return view[top - n:top][::-1].tolist()  # type: ignore[no-any-return]

    def next_card(self) -> int:
        """The next card, for a draw the caller plans (the shoe holds it)."""
        view = self._shoe()
        self._taken += 1
        return int(view[len(view) - self._taken])

    def draw_to(self, zone: str) -> int:
        """Plan drawing one card face up to ``zone`` and return it (the mask allowed a draw,
        so a card exists).
        """
        t = self.try_draw(zone)
        if t is None:
            raise RuntimeError("blackjack: no card left to draw, yet a draw was allowed")
        return t

    def try_draw(self, zone: str) -> int | None:
        """Plan drawing one card face up to ``zone`` and return it. When the shoe is empty
        the discard pile is shuffled in; with no card left anywhere, None.
        """
        if self.remaining() <= 0:
            self.flush()
            pile = self.world.stack("discard").tolist()
            if not pile:
                return None
            b = Batch()
            for t in pile:
                b.move(t, "source:shoe")
            b.source_shuffle("shoe", self.seed())
            self.world.apply(b)
        self.parts.append(self.table.cmd(("draw", zone, 1)))
        return self.next_card()

    def reshuffle(self) -> None:
        """Bring every card back into the shoe and shuffle it (the cut card came out)."""
        self.parts.append(Batch().source_reset("shoe").source_shuffle("shoe", self.seed()))
        self.flush()

    def seed(self) -> int:
        """A fresh shuffle seed from the move's context."""
        self._shuffles += 1
        c = self.ctx
        return c.seed if self._shuffles == 1 else c.seed_for(self._shuffles)

    # ---- applying ------------------------------------------------------------------------

    def flush(self) -> None:
        """Apply the planned commands and property changes (one call); forget the view."""
        parts = self.parts
        if self._set:
            known = self._props or {}
            cmd = self.table.cmd
            for key, value in self._set.items():
                if known.get(key) != value:
                    if key[0] == "b" or key == "hand":  # bankrolls and the hand count:
                        parts.append(Batch().set_property(key, value))  # seldom repeat
                    else:
                        parts.append(cmd(("p", key, value)))
            if self._props is not None:
                self._props.update(self._set)
            self._set = {}
        if parts:
            if len(parts) == 1:
                batch = parts[0]
            else:
                batch = Batch()
                for p in parts:
                    batch.extend(p)
            # Not atomic: the plan was checked before it runs, and the Engine restores its
            # snapshot of the World if a move fails anyway. This saves a copy of the arena.
            self.world.apply(batch, atomic=False)
            self.parts = []
        self._view = None

    def finish(self, s: int, old: int = 0) -> None:
        """Set the new table state and apply the move. ``old`` is the state before it (its
        LOW bit stands when the move did not look at the shoe).
        """
        if self.hand_over:
            s |= HAND_OVER
        if self._touched:
            if self.remaining() < 2:
                s |= LOW
        else:
            s |= old & LOW
        self.setp("s", s)
        self.flush()


def restack(game: Blackjack, world: World, ranks: str, ctx: MoveContext) -> None:
    """Testing aid: start the game over with ``ranks`` on top of the shoe.

    Every card returns to the shoe, which is shuffled with ``ctx.seed``; then cards of the
    given ranks (letters of ``A23456789TJQK``, spaces ignored) are put on top, the first
    letter to be dealt first, bankrolls and wagers go back to their start, and the first
    hand is dealt. Deal order: one card per seat, the upcard, a second card per seat, the
    hole card; then hits, doubles and splits in play order, then the dealer's cards.
    Uses only World actions, after :meth:`Blackjack.setup`.
    """
    wanted = [RANKS.index(c) for c in ranks if c != " "]
    world.source_reset("shoe")
    world.source_shuffle("shoe", ctx.seed)
    pool: dict[int, list[int]] = {}
    for t in world.shoe("shoe").tolist():
        pool.setdefault(_rank(t), []).append(t)
    try:
        chosen = [pool[r].pop() for r in wanted]
    except IndexError:
        raise ValueError(f"the shoe has not enough cards for {ranks!r}") from None
    b = Batch()
    for t in reversed(chosen):
        b.move(t, None).move(t, "source:shoe")
    b.set_property("s", 0).set_property("hand", 0).set_property("ins", 0)
    for i in range(game.num_players):
        b.set_property(f"bank{i}", game.bankroll).set_property(f"stake{i}", 0)
        b.set_property(f"pen{i}", None)
        for k in range(game.splits + 1):
            b.set_property(f"r{i}.{k}", 0 if k == 0 else None)
    world.apply(b)
    m = TableMove(game.table, world, ctx)
    m.finish(game.table.deal(m, 0))
