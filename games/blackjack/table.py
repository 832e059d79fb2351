"""The table of :mod:`games.blackjack`: how each move changes the World.

This is the planner, and the specification of the game's kernel (``kernel.zig``, which
ports it function by function): a move reads the table state ``s`` (a
:class:`~games.blackjack.state.TableState`, whose fields document every bit), plans its
World actions on a :class:`~games.blackjack.move.TableMove` and returns the next table
state. A change here needs the same change there: the differential tests
(``tests/games/test_blackjack_engine.py``, and every rule scenario in
``tests/games/test_blackjack_rules.py``) play both and compare state hashes move by move.

A World of the plain core (``World()``) runs every move here; a World of the game's
module (``Blackjack.new_world``) runs them in the kernel.
"""

from __future__ import annotations

from games.blackjack.move import TableMove
from games.blackjack.rules import (
    RANKS,
    SUITS,
    VALUES,
    add,
    best,
    cards,
    dealer_hits,
    finished,
    hand_of,
    hand_return,
    is_bust,
    is_done,
    is_natural,
    pair_rank,
    rank_of,
)
from games.blackjack.state import (
    BANK,
    HAND_ZONE,
    RECORD,
    STAKE,
    Hand,
    HandRecord,
    Phase,
    TableState,
    phase,
)
from hypertoken.core import Batch, To, World
from hypertoken.game import MoveContext

HIT_BIT, STAND_BIT, DOUBLE_BIT, SPLIT_BIT, INSURANCE_BIT = (1 << a for a in range(5))


def turn(s: int, seat: int, hand: int, in_phase: Phase = Phase.PLAY) -> int:
    """The state where ``seat`` decides on ``hand``, in the same deal as ``s`` (its
    hand-wide fields kept; the seat's first hand, the move's report clear).
    """
    return TableState.replace(TableState.hand_wide.of(s), phase=in_phase, seat=seat, hand=hand)


def play_on(s: int, hand: int, current: int | None = None) -> int:
    """The state where the seat to move in ``s`` decides on ``hand``: the same hand, or
    its hand number ``current``.
    """
    s = TableState.hand.set(TableState.per_move.clear(s), hand)
    return s if current is None else TableState.current.set(s, current)


def first_hand(m: TableMove, seat: int) -> int:
    """The summary of ``seat``'s first hand, as the move has left it."""
    return HandRecord.hand.get(m.prop(RECORD[seat][0]))


class Table:
    """A table's settings and the move planner. Holds nothing that changes during play."""

    def __init__(
        self,
        seats: int,
        *,
        decks: int,
        h17: bool,
        splits: int,
        bankroll: int,
        bet: int,
        penetration: float,
        hands: int,
    ) -> None:
        self.n = seats
        self.h17, self.splits, self.hands = h17, splits, hands
        self.bankroll, self.bet, self.half = bankroll, bet, bet // 2
        self.size = 52 * decks
        #: Reshuffle before a hand when fewer cards than this remain (the cut card).
        self.cut = self.size - round(self.size * penetration)
        #: Chips that cover every extra wager one seat can make in a hand (insurance,
        #: the splits, and doubling every hand).
        self.extra = self.half + splits * bet + (splits + 1) * bet
        #: The action that clears the table: every zone with cards, into the discard pile.
        self.clear_table = Batch().batch_collect(
            ["zone:dealer", *(f"zone:{z}" for hz in HAND_ZONE[:seats] for z in hz[: splits + 1])],
            "discard",
        )
        self._setup: Batch | None = None
        self._deals: dict[tuple[int, ...], Batch] = {}
        self._offers: dict[int, tuple[int, int, int, int, bool]] = {}

    def seats_in(self, s: int) -> list[int]:
        """The seats playing this hand, in seat order."""
        return [i for i in range(self.n) if TableState.seats_in.get(s) >> i & 1]

    def deal_actions(self, seats: tuple[int, ...]) -> Batch:
        """Deal a hand to ``seats`` and the dealer: one card to each seat, the upcard, one
        more each, the hole card face down. (They depend only on the seats, so they are
        encoded once per seat set: encoding is much of a Python-planned move's time.)
        """
        actions = self._deals.get(seats)
        if actions is None:
            zones = [f"zone:{HAND_ZONE[i][0]}" for i in seats]
            actions = self._deals[seats] = (
                Batch()
                .batch_draw("source:shoe", 1, [*zones, "zone:dealer"])
                .batch_draw("source:shoe", 1, [*zones, To.zone("dealer", face_up=False)])
            )
        return actions

    def setup_batch(self) -> Batch:
        """Properties (``s`` first: the hottest read), containers and the cards (built
        once: 312 tokens to encode with six decks).
        """
        if self._setup is None:
            b = (
                Batch()
                .game_set_property("s", 0)
                .game_set_property("hand", 0)
                .game_set_property("ins", 0)
            )
            for i in range(self.n):
                b.game_set_property(BANK[i], self.bankroll).game_set_property(STAKE[i], 0)
                b.game_set_property(RECORD[i][0], 0)
            b.stack_create("cards").stack_create("discard").source_create("shoe")
            b.space_create_zone("dealer")
            for i in range(self.n):
                for k in range(self.splits + 1):
                    b.space_create_zone(HAND_ZONE[i][k])
            for _ in range(self.size // 52):
                for suit in SUITS:
                    for rank in RANKS:
                        b.token_create("card", rank, suit, "stack:cards")
            b.source_add_stack("shoe", "cards")
            self._setup = b
        return self._setup

    # ---- the actions available ---------------------------------------------------------

    def offers(self, s: int) -> tuple[int, int, int, int, bool]:
        """What table state ``s`` (not over) offers the seat to move: ``(seat, actions,
        wagers, chips, count_cards)``. ``actions`` are available as they stand, ``wagers``
        only if the seat's bankroll holds ``chips`` (none when ``rich`` says it does), and
        with ``count_cards`` the shoe may be out: :meth:`mask` counts the cards left.

        A pure function of ``s`` and the settings, so :meth:`mask` memoises it.
        """
        seat = TableState.seat.get(s)
        rich = bool(TableState.rich.get(s) >> seat & 1)
        count_cards = bool(TableState.low.get(s))
        if phase(s) is Phase.INSURE:
            if rich:
                return seat, STAND_BIT | INSURANCE_BIT, 0, 0, False
            return seat, STAND_BIT, INSURANCE_BIT, self.half, False
        actions, wagers = HIT_BIT | STAND_BIT, 0
        h = TableState.hand.get(s)
        if cards(h) == 2:  # the first two cards: double, and split a pair
            wagers = DOUBLE_BIT
            if pair_rank(h) is not None and TableState.splits.get(s) < self.splits:
                wagers |= SPLIT_BIT
        if rich:
            actions, wagers = actions | wagers, 0
        return seat, actions, wagers, self.bet, count_cards

    def mask(self, world: World, s: int) -> int:
        """Bits of the available actions of the seat to move, in state ``s`` (not over)."""
        offer = self._offers.get(s)
        if offer is None:  # offers(s) memoised: this runs on every step, kernel or not
            if len(self._offers) >= 1 << 14:
                self._offers.clear()
            offer = self._offers[s] = self.offers(s)
        seat, bits, wagers, chips, count_cards = offer
        if wagers and world.property(BANK[seat]) >= chips:
            bits |= wagers
        if count_cards:  # the shoe is (nearly) out: count the discard pile too
            left = len(world.shoe("shoe")) + len(world.stack("discard"))
            if left < 2:
                bits &= ~SPLIT_BIT
            if left < 1:
                bits &= ~(HIT_BIT | DOUBLE_BIT)
        return bits

    # ---- moves ---------------------------------------------------------------------------

    def hit(self, m: TableMove, s: int) -> int:
        """Take a card."""
        seat, k = TableState.seat.get(s), TableState.current.get(s)
        h = add(TableState.hand.get(s), rank_of(m.draw_to(HAND_ZONE[seat][k])))
        return self.hand_done(m, s, h) if is_done(h) else play_on(s, h)

    def stand(self, m: TableMove, s: int) -> int:
        """End the hand."""
        return self.hand_done(m, s, finished(TableState.hand.get(s)))

    def double(self, m: TableMove, s: int) -> int:
        """Double the wager and take exactly one card."""
        seat, k = TableState.seat.get(s), TableState.current.get(s)
        m.wager(seat, self.bet)
        h = Hand.doubled.set(TableState.hand.get(s), 1)
        h = add(h, rank_of(m.draw_to(HAND_ZONE[seat][k])))
        return self.hand_done(m, s, finished(h))

    def split(self, m: TableMove, s: int) -> int:
        """Split the pair: the second card starts a new hand; each hand gets a card."""
        seat, k = TableState.seat.get(s), TableState.current.get(s)
        new = TableState.splits.get(s) + 1  # the new hand's number = the old hand count
        zone, new_zone = HAND_ZONE[seat][k], HAND_ZONE[seat][new]
        first, second = m.world.zone(zone)["token"].tolist()
        m.wager(seat, self.bet)
        m.batch.token_move(second, f"zone:{new_zone}")
        start = hand_of([rank_of(first)], Hand.pack(split=1))
        here = add(start, rank_of(m.draw_to(zone)))
        there = add(start, rank_of(m.draw_to(new_zone)))
        if rank_of(first) == 0:  # split aces take one card each and stand
            here, there = finished(here), finished(there)
        m.setp(RECORD[seat][new], HandRecord.pack(hand=there))
        s = TableState.splits.set(s, new)
        if k:  # hand 0 is finished: its record keeps the hand count
            m.setp(RECORD[seat][0], HandRecord.splits.set(m.prop(RECORD[seat][0]), new))
        return self.hand_done(m, s, here) if is_done(here) else play_on(s, here)

    def hand_done(self, m: TableMove, s: int, h: int) -> int:
        """Record the finished hand ``h`` and move on: the seat's next hand, the next seat,
        or the dealer.
        """
        seat, k = TableState.seat.get(s), TableState.current.get(s)
        last = TableState.splits.get(s)  # the seat's last hand
        m.setp(RECORD[seat][k], HandRecord.pack(hand=h, splits=last if k == 0 else 0))
        for later in range(k + 1, last + 1):
            h2 = HandRecord.hand.get(m.prop(RECORD[seat][later]))
            if not is_done(h2):
                return play_on(s, h2, current=later)
        for other in self.seats_in(s):
            if other > seat and not is_done(first_hand(m, other)):
                return turn(s, other, first_hand(m, other))
        return self.end_of_play(m, s)

    def insure(self, m: TableMove, s: int, take: bool) -> int:
        """One seat's insurance decision; after the last one the dealer peeks."""
        seat = TableState.seat.get(s)
        if take:
            m.wager(seat, self.half)
            m.setp("ins", m.prop("ins") | 1 << seat)
        seats = self.seats_in(s)
        for other in seats:
            if other > seat:
                return turn(s, other, first_hand(m, other), Phase.INSURE)
        dealer = m.world.zone("dealer")["token"].tolist()
        insured = m.prop("ins")
        if VALUES[rank_of(dealer[1])] == 10:  # ace up, ten in the hole: blackjack
            hands = [[first_hand(m, i)] for i in seats]
            self.settle(m, seats, hands, dealer, dealer_bj=True, insured=insured)
            return self.deal(m, TableState.hand_wide.of(s))
        if insured:  # no blackjack: the insurance is lost
            for i in seats:
                if insured >> i & 1:
                    m.setp(STAKE[i], m.prop(STAKE[i]) - self.half)
            m.setp("ins", 0)
        for i in seats:
            if not is_done(first_hand(m, i)):
                return turn(s, i, first_hand(m, i))
        return self.end_of_play(m, s)

    def end_of_play(self, m: TableMove, s: int) -> int:
        """Every seat has played: the dealer plays, the hand settles, the next is dealt."""
        dealer = m.world.zone("dealer")["token"].tolist()
        seats = self.seats_in(s)
        hands = []
        for i in seats:
            count = HandRecord.splits.get(m.prop(RECORD[i][0])) + 1
            hands.append([HandRecord.hand.get(m.prop(RECORD[i][k])) for k in range(count)])
        self.settle(m, seats, hands, dealer, dealer_bj=False, insured=0)
        return self.deal(m, TableState.hand_wide.of(s))

    def settle(
        self,
        m: TableMove,
        seats: list[int],
        hands: list[list[int]],
        dealer: list[int],
        *,
        dealer_bj: bool,
        insured: int,
    ) -> None:
        """Reveal the hole card, let the dealer draw (if a hand is still live) and pay
        ``hands[n]`` of ``seats[n]``. With a dealer blackjack, a seat's blackjack pushes,
        insurance (bit i of ``insured``) pays 2:1 and every other hand loses.
        """
        m.hole = dealer[1]  # turned up if the cards stay on the table (see deal)
        d = hand_of([rank_of(dealer[0]), rank_of(dealer[1])])
        live = any(not is_bust(h) and not is_natural(h) for hs in hands for h in hs)
        if not dealer_bj and live:
            d = self.dealer_plays(m, d)
        total = best(d)
        for i, hs in zip(seats, hands, strict=True):
            if dealer_bj:
                ret = self.bet if is_natural(hs[0]) else 0
                if insured >> i & 1:
                    ret += 3 * self.half
            else:
                ret = sum(hand_return(h, self.bet, total) for h in hs)
            m.setp(BANK[i], m.prop(BANK[i]) + ret)
            m.setp(STAKE[i], 0)
        if insured:
            m.setp("ins", 0)
        m.hand_over = True

    def dealer_plays(self, m: TableMove, d: int) -> int:
        """The dealer draws to ``d`` until it stands; its final hand."""
        drawn = 0  # cards taken from the shoe as it is, drawn in one action
        while dealer_hits(d, self.h17):
            if m.remaining() > 0:
                card = m.next_card()
                drawn += 1
            else:  # the shoe is empty: draw what was taken, then draw the slow way
                if drawn:
                    m.batch.source_draw("shoe", drawn, "zone:dealer")
                    drawn = 0
                got = m.try_draw("dealer")
                if got is None:  # no card left anywhere: the dealer stands
                    break
                card = got
            d = add(Hand.done.set(d, 0), rank_of(card))
        if drawn:
            m.batch.source_draw("shoe", drawn, "zone:dealer")
        return d

    def deal(self, m: TableMove, keep: int) -> int:
        """Deal the next hand and return the state of its first decision. Hands that need
        no decision (the dealer peeks a blackjack, or every seat has one) settle at once and
        the next is dealt. Returns the OVER state when the hands are played or nobody can
        bet. ``keep``: the hand-wide fields of the hand before (0 for the first).
        """
        while True:
            number = m.prop("hand")
            banks = [m.prop(BANK[i]) for i in range(self.n)]
            seats = [i for i in range(self.n) if banks[i] >= self.bet]
            if number >= self.hands or not seats:
                if m.hole:  # the last hand stays on the table: show the hole card
                    m.batch.space_flip(m.hole, "up")
                return TableState.replace(keep, phase=Phase.OVER)
            clear = number > 0  # the last hand's cards are still on the table
            if m.remaining() < max(self.cut, 2 * len(seats) + 2):
                if clear:
                    m.batch.extend(self.clear_table)
                    clear = False
                m.reshuffle()
            m.setp("hand", number + 1)
            if clear:
                m.batch.extend(self.clear_table)
            m.batch.extend(self.deal_actions(tuple(seats)))
            dealt = m.take(2 * len(seats) + 2)  # in deal order
            firsts, up, hole = dealt[: len(seats)], dealt[len(seats)], dealt[-1]
            seconds = dealt[len(seats) + 1 : -1]
            hands = []
            rich = seats_in = 0
            for i, a, b in zip(seats, firsts, seconds, strict=True):
                h = hand_of([rank_of(a), rank_of(b)])
                hands.append(h)
                m.setp(RECORD[i][0], HandRecord.pack(hand=h))
                m.setp(BANK[i], banks[i] - self.bet)
                m.setp(STAKE[i], self.bet)
                seats_in |= 1 << i
                if banks[i] - self.bet >= self.extra:
                    rich |= 1 << i
            upcard = 11 if rank_of(up) == 0 else VALUES[rank_of(up)]
            keep = TableState.pack(upcard=upcard, rich=rich, seats_in=seats_in)
            if upcard == 11:  # ace up: the insurance round comes first
                return turn(keep, seats[0], hands[0], Phase.INSURE)
            dealer_bj = upcard == 10 and rank_of(hole) == 0
            if not dealer_bj:
                for i, h in zip(seats, hands, strict=True):
                    if not is_done(h):
                        return turn(keep, i, h)
            self.settle(m, seats, [[h] for h in hands], [up, hole], dealer_bj=dealer_bj, insured=0)


def restack(table: Table, world: World, ranks: str, ctx: MoveContext) -> None:
    """Testing aid: start the game over with ``ranks`` on top of the shoe.

    Every card returns to the shoe, which is shuffled with ``ctx.seed``; then cards of the
    given ranks (letters of ``A23456789TJQK``, spaces ignored) are put on top, the first
    letter to be dealt first, bankrolls and wagers go back to their start, and the first
    hand is dealt. Deal order: one card per seat, the upcard, a second card per seat, the
    hole card; then hits, doubles and splits in play order, then the dealer's cards.
    Uses only World actions, after ``Blackjack.setup``.
    """
    wanted = [RANKS.index(c) for c in ranks if c != " "]
    world.source_reset("shoe")
    world.source_shuffle("shoe", ctx.seed)
    pool: dict[int, list[int]] = {}
    for t in world.shoe("shoe").tolist():
        pool.setdefault(rank_of(t), []).append(t)
    try:
        chosen = [pool[r].pop() for r in wanted]
    except IndexError:
        raise ValueError(f"the shoe has not enough cards for {ranks!r}") from None
    b = Batch()
    for t in reversed(chosen):
        b.token_move(t, None).token_move(t, "source:shoe")
    b.game_set_property("s", 0).game_set_property("hand", 0).game_set_property("ins", 0)
    for i in range(table.n):
        b.game_set_property(BANK[i], table.bankroll).game_set_property(STAKE[i], 0)
        b.game_set_property(f"pen{i}", None)
        for k in range(table.splits + 1):
            b.game_set_property(RECORD[i][k], 0 if k == 0 else None)
    world.apply(b)
    m = TableMove(world, ctx)
    m.finish(table.deal(m, 0))
