"""The table of :mod:`games.blackjack`: how each move changes the World.

Speed is the design constraint (the game is a training environment), so a move is planned
in Python and applied as ONE batch of World actions:

- everything a decision needs is packed into one int property, ``s`` (the table state: phase,
  seat to move, its hand summary, upcard, ...), the first property, so reading it is cheap;
- the cards a move will draw are read beforehand from the shoe's zero-copy view;
- the encoded commands are cached per argument tuple (:meth:`Table.cmd`), so a move mostly
  concatenates ready bytes, and the batch runs without an atomic copy of the arena (the
  plan is checked before it runs; the Engine restores its snapshot if anything fails).

A move is planned on a :class:`~games.blackjack.move.TableMove`. Hand summaries are
described in :mod:`games.blackjack.rules`.

This planner is the reference for the game's kernel (``games/blackjack/kernel.zig``),
which ports it function by function and runs in Worlds made by ``Blackjack.new_world``;
a change here needs the same change there (the differential test in
``tests/games/test_blackjack_engine.py`` fails until both agree).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from games.blackjack.rules import (
    CARDS_SHIFT,
    DONE,
    DOUBLED,
    PAIR_SHIFT,
    RANKS,
    SPLIT,
    SUITS,
    SUMMARY_MASK,
    VALUES,
    add,
    best,
    dealer_hits,
    hand_of,
    hand_return,
    is_bust,
    is_natural,
)
from hypertoken.core import Batch, To, World

if TYPE_CHECKING:
    from games.blackjack.game import Blackjack
    from games.blackjack.move import TableMove

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

_CACHE_LIMIT = 1 << 14  # cached values per property name

HIT_BIT, STAND_BIT, DOUBLE_BIT, SPLIT_BIT, INSURANCE_BIT = (1 << a for a in range(5))

#: Two-card hands by ``13 * first rank + second rank``.
_TWO = tuple(hand_of((a, b)) for a in range(13) for b in range(13))
#: ``add`` memoised (a pure function of a small domain: the reachable summaries).
_ADDED: dict[int, int] = {}


def _add(h: int, rank: int) -> int:
    key = h << 4 | rank
    out = _ADDED.get(key)
    if out is None:
        out = _ADDED[key] = add(h, rank)
    return out


def _rank(token: int) -> int:
    return (token - 1) % 13


class Table:
    """The static half of the game: configuration-derived names, cached commands and the
    move planner. Holds nothing that changes during play.
    """

    def __init__(self, game: Blackjack) -> None:
        self.n = n = game.num_players
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
        self.zones = tuple(tuple(f"p{i}h{k}" for k in range(game.splits + 1)) for i in range(n))
        # Property names, built once.
        self.kbank = tuple(f"bank{i}" for i in range(n))
        self.kstake = tuple(f"stake{i}" for i in range(n))
        self.khand = tuple(tuple(f"r{i}.{k}" for k in range(game.splits + 1)) for i in range(n))
        self.collect_cmd = Batch().collect(
            ["zone:dealer", *(f"zone:{z}" for hz in self.zones for z in hz)], "discard"
        )
        self._props: dict[str, dict[Any, Batch]] = {}
        self._combos: dict[tuple[Any, ...], Batch] = {}
        self._draws: dict[tuple[str, int], Batch] = {}
        self._flips: dict[int, Batch] = {}
        self._deals: dict[tuple[tuple[int, ...], bool], Batch] = {}
        self._setup: Batch | None = None

    # ---- cached commands -----------------------------------------------------------------
    # Each is built once per argument tuple (they are pure functions of it), so a move
    # mostly concatenates ready bytes.

    def set_cmd(self, key: str, value: int) -> Batch:
        """``set_property(key, value)``."""
        per_key = self._props.get(key)
        if per_key is None:
            per_key = self._props[key] = {}
        b = per_key.get(value)
        if b is None:
            if len(per_key) >= _CACHE_LIMIT:
                per_key.clear()
            b = per_key[value] = Batch().set_property(key, value)
        return b

    def cmd(self, desc: tuple[Any, ...]) -> Batch:
        """The command a plan descriptor stands for: ``("p", key, value)``,
        ``("draw", zone, n)``, ``("deal", seats, clear)``, ``("flip", token)`` or
        ``("collect",)``.
        """
        op = desc[0]
        if op == "p":
            return self.set_cmd(desc[1], desc[2])
        if op == "draw":
            return self.draw_cmd(desc[1], desc[2])
        if op == "deal":
            return self.deal_cmd(desc[1], desc[2])
        if op == "flip":
            return self.flip_cmd(desc[1])
        if op == "collect":
            return self.collect_cmd
        raise KeyError(desc)

    def combo(self, descs: tuple[tuple[Any, ...], ...]) -> Batch:
        """The commands of ``descs`` in one batch (cached: a move's plan repeats often)."""
        b = self._combos.get(descs)
        if b is None:
            if len(self._combos) >= 4 * _CACHE_LIMIT:
                self._combos.clear()
            b = Batch()
            for d in descs:
                b.extend(self.cmd(d))
            self._combos[descs] = b
        return b

    def draw_cmd(self, zone: str, n: int) -> Batch:
        """Draw ``n`` cards face up from the shoe to ``zone``."""
        b = self._draws.get((zone, n))
        if b is None:
            b = self._draws[(zone, n)] = Batch().source_draw("shoe", n, f"zone:{zone}")
        return b

    def flip_cmd(self, token: int) -> Batch:
        """Turn a card face up."""
        b = self._flips.get(token)
        if b is None:
            b = self._flips[token] = Batch().flip(token, "up")
        return b

    def deal_cmd(self, seats: tuple[int, ...], clear: bool) -> Batch:
        """Deal a hand to ``seats`` and the dealer (hole card down), clearing the table
        into the discard pile first when ``clear``.
        """
        b = self._deals.get((seats, clear))
        if b is None:
            zones = [f"zone:{self.zones[i][0]}" for i in seats]
            b = Batch().extend(self.collect_cmd) if clear else Batch()
            b.deal("source:shoe", 1, [*zones, "zone:dealer"])
            b.deal("source:shoe", 1, [*zones, To.zone("dealer", face_up=False)])
            self._deals[(seats, clear)] = b
        return b

    def setup_batch(self) -> Batch:
        """Properties (``s`` first: the hottest read), containers and the cards."""
        if self._setup is None:
            b = Batch().set_property("s", 0).set_property("hand", 0).set_property("ins", 0)
            for i in range(self.n):
                b.set_property(self.kbank[i], self.bankroll).set_property(self.kstake[i], 0)
                b.set_property(self.khand[i][0], 0)
            b.stack_create("cards").stack_create("discard").source_create("shoe")
            b.zone_create("dealer")
            for hz in self.zones:
                for z in hz:
                    b.zone_create(z)
            for _ in range(self.size // 52):
                for suit in SUITS:
                    for rank in RANKS:
                        b.token_create("card", rank, suit, "stack:cards")
            b.source_add_stack("shoe", "cards")
            self._setup = b
        return self._setup

    # ---- reading the state ---------------------------------------------------------------

    def mask(self, world: World, s: int) -> int:
        """Bits of the available actions of the seat to move, in state ``s`` (not over)."""
        i = (s >> SEAT_SHIFT) & 7
        rich = (s >> RICH_SHIFT) >> i & 1
        if (s >> PHASE_SHIFT) & 3 == INSURE:
            if rich or world.property(self.kbank[i]) >= self.half:
                return STAND_BIT | INSURANCE_BIT
            return STAND_BIT
        bits = HIT_BIT | STAND_BIT
        if (s >> CARDS_SHIFT) & 0x1F == 2:
            extra = DOUBLE_BIT
            if (s >> PAIR_SHIFT) & 0xF and (s >> NH_SHIFT) & 3 < self.splits:
                extra |= SPLIT_BIT
            if rich or world.property(self.kbank[i]) >= self.bet:
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
        h = _add(s & SUMMARY_MASK, _rank(m.draw_to(self.zones[i][k])))
        if h & DONE:
            return self.hand_done(m, s, h)
        return (s & ~(SUMMARY_MASK | PER_MOVE)) | h

    def double(self, m: TableMove, s: int) -> int:
        """Double the wager and take exactly one card."""
        i, k = (s >> SEAT_SHIFT) & 7, (s >> K_SHIFT) & 3
        m.wager(i, self.bet)
        h = _add((s & SUMMARY_MASK) | DOUBLED, _rank(m.draw_to(self.zones[i][k])))
        return self.hand_done(m, s, h | DONE)

    def split(self, m: TableMove, s: int) -> int:
        """Split the pair: the second card starts a new hand; each hand gets a card."""
        i, k = (s >> SEAT_SHIFT) & 7, (s >> K_SHIFT) & 3
        new = ((s >> NH_SHIFT) & 3) + 1  # the new hand's index = the old hand count
        first, second = m.world.zone(self.zones[i][k])["token"].tolist()
        r = _rank(first)
        m.wager(i, self.bet)
        m.add_batch(Batch().move(second, f"zone:{self.zones[i][new]}"))
        done = DONE if r == 0 else 0  # split aces take one card each and stand
        ha = _add(hand_of((r,), SPLIT), _rank(m.draw_to(self.zones[i][k]))) | done
        hb = _add(hand_of((r,), SPLIT), _rank(m.draw_to(self.zones[i][new]))) | done
        m.setp(self.khand[i][new], hb)
        s = (s & ~(3 << NH_SHIFT)) | (new << NH_SHIFT)
        if k:  # hand 0 is finished: its record keeps the hand count
            r0 = m.prop(self.khand[i][0])
            m.setp(self.khand[i][0], (r0 & ~(3 << R0_NH_SHIFT)) | (new << R0_NH_SHIFT))
        if ha & DONE:
            return self.hand_done(m, s, ha)
        return (s & ~(SUMMARY_MASK | PER_MOVE)) | ha

    def hand_done(self, m: TableMove, s: int, h: int) -> int:
        """Record the finished hand and move on: the seat's next hand, the next seat, or
        the dealer.
        """
        i, k, last = (s >> SEAT_SHIFT) & 7, (s >> K_SHIFT) & 3, (s >> NH_SHIFT) & 3
        keys = self.khand[i]
        m.setp(keys[k], h | (last << R0_NH_SHIFT if k == 0 else 0))
        for k2 in range(k + 1, last + 1):
            h2 = m.prop(keys[k2]) & SUMMARY_MASK
            if not h2 & DONE:
                return (s & ~(SUMMARY_MASK | PER_MOVE | (3 << K_SHIFT))) | (k2 << K_SHIFT) | h2
        seats_in = (s >> IN_SHIFT) & 63
        for j in range(i + 1, self.n):  # the next seat with a hand to play
            if seats_in >> j & 1:
                h0 = m.prop(self.khand[j][0]) & SUMMARY_MASK
                if not h0 & DONE:
                    return (s & KEEP) | (j << SEAT_SHIFT) | h0
        return self.end_of_play(m, s, i, h if k == last else -1)

    def insure(self, m: TableMove, s: int, take: bool) -> int:
        """One seat's insurance decision; after the last one the dealer peeks."""
        i = (s >> SEAT_SHIFT) & 7
        if take:
            m.wager(i, self.half)
            m.setp("ins", m.prop("ins") | 1 << i)
        seats_in = (s >> IN_SHIFT) & 63
        for j in range(i + 1, self.n):
            if seats_in >> j & 1:
                return (
                    (s & KEEP)
                    | (INSURE << PHASE_SHIFT)
                    | (j << SEAT_SHIFT)
                    | (m.prop(self.khand[j][0]) & SUMMARY_MASK)
                )
        dealer = m.world.zone("dealer")["token"].tolist()
        ins = m.prop("ins")
        seats = [j for j in range(self.n) if seats_in >> j & 1]
        if VALUES[_rank(dealer[1])] == 10:  # ace up, ten in the hole: blackjack
            self.settle(
                m,
                seats,
                [[m.prop(self.khand[j][0]) & SUMMARY_MASK] for j in seats],
                dealer,
                True,
                ins,
            )
            return self.deal(m, s & KEEP)
        if ins:  # no blackjack: the insurance is lost
            for j in seats:
                if ins >> j & 1:
                    m.setp(self.kstake[j], m.prop(self.kstake[j]) - self.half)
            m.setp("ins", 0)
        for j in seats:
            h0 = m.prop(self.khand[j][0]) & SUMMARY_MASK
            if not h0 & DONE:
                return (s & KEEP) | (j << SEAT_SHIFT) | h0
        return self.end_of_play(m, s, -1, -1)

    def end_of_play(self, m: TableMove, s: int, cur: int, h_last: int) -> int:
        """Every seat has played: the dealer plays, the hand settles, the next is dealt.
        ``cur`` is the seat that just finished (its hand count is in ``s``) and ``h_last``
        its last hand's summary, when known.
        """
        dealer = m.world.zone("dealer")["token"].tolist()
        seats_in = (s >> IN_SHIFT) & 63
        seats: list[int] = []
        hands: list[list[int]] = []
        for j in range(self.n):
            if seats_in >> j & 1:
                keys = self.khand[j]
                if j == cur:
                    last = (s >> NH_SHIFT) & 3
                    if last == 0 and h_last >= 0:  # the common case: one hand, just played
                        seats.append(j)
                        hands.append([h_last])
                        continue
                else:
                    last = (m.prop(keys[0]) >> R0_NH_SHIFT) & 3
                seats.append(j)
                hands.append([m.prop(keys[k]) & SUMMARY_MASK for k in range(last + 1)])
        self.settle(m, seats, hands, dealer, False, 0)
        return self.deal(m, s & KEEP)

    def settle(
        self,
        m: TableMove,
        seats: list[int],
        hands: list[list[int]],
        dealer: list[int],
        dealer_bj: bool,
        insured: int,
    ) -> None:
        """Reveal the hole card, let the dealer draw (if a hand is still live) and pay
        ``hands[n]`` of ``seats[n]``.
        """
        m.hole = dealer[1]  # turned up if the cards stay on the table (see deal)
        d = _TWO[13 * _rank(dealer[0]) + _rank(dealer[1])]
        if not dealer_bj and any(not is_bust(h) and not is_natural(h) for hs in hands for h in hs):
            n = 0  # cards drawn from the shoe as it is, in one command
            while dealer_hits(d, self.h17):
                if m.remaining() > 0:
                    t = m.next_card()
                    n += 1
                else:  # the shoe is empty: apply what is planned, draw the slow way
                    if n:
                        m.parts.append(("draw", "dealer", n))
                        n = 0
                    got = m.try_draw("dealer")
                    if got is None:  # no card left anywhere: the dealer stands
                        break
                    t = got
                d = _add(d & ~DONE, _rank(t))
            if n:
                m.parts.append(("draw", "dealer", n))
        total = best(d)
        bet = self.bet
        for j, hs in zip(seats, hands, strict=True):
            if dealer_bj:
                ret = bet if is_natural(hs[0]) else 0
                if insured >> j & 1:
                    ret += 3 * self.half
            else:
                ret = 0
                for h in hs:
                    ret += hand_return(h, bet, total)
            m.setp(self.kbank[j], m.prop(self.kbank[j]) + ret)
            m.setp(self.kstake[j], 0)
        if insured:
            m.setp("ins", 0)
        m.hand_over = True

    def deal(self, m: TableMove, keep: int) -> int:
        """Deal the next hand and return the state of its first decision. Hands that need
        no decision (the dealer peeks a blackjack, or every seat has one) settle at once and
        the next is dealt. Returns the OVER state when the hands are played or nobody can
        bet.
        """
        n, bet = self.n, self.bet
        while True:
            number = m.prop("hand")
            banks = [m.prop(self.kbank[i]) for i in range(n)]
            seats = tuple(i for i in range(n) if banks[i] >= bet)
            if number >= self.hands or not seats:
                if m.hole:  # the last hand stays on the table: show the hole card
                    m.parts.append(("flip", m.hole))
                return (OVER << PHASE_SHIFT) | keep
            c = len(seats)
            clear = number > 0
            if m.remaining() < max(self.cut, 2 * c + 2):
                if clear:
                    m.parts.append(("collect",))
                    clear = False
                m.reshuffle()
            m.setp("hand", number + 1)
            m.parts.append(("deal", seats, clear))
            toks = m.take(2 * c + 2)
            first: list[int] = []
            rich = seats_in = 0
            for j, i in enumerate(seats):
                h = _TWO[13 * _rank(toks[j]) + _rank(toks[j + c + 1])]
                first.append(h)
                m.setp(self.khand[i][0], h)
                m.setp(self.kbank[i], banks[i] - bet)
                m.setp(self.kstake[i], bet)
                seats_in |= 1 << i
                if banks[i] - bet >= self.extra:
                    rich |= 1 << i
            up, hole = _rank(toks[c]), _rank(toks[-1])
            upv = 11 if up == 0 else VALUES[up]
            keep = (upv << UP_SHIFT) | (rich << RICH_SHIFT) | (seats_in << IN_SHIFT)
            if upv == 11:  # ace up: the insurance round comes first
                return keep | (INSURE << PHASE_SHIFT) | (seats[0] << SEAT_SHIFT) | first[0]
            dealer_bj = upv == 10 and hole == 0
            if not dealer_bj:
                for j, i in enumerate(seats):
                    if not first[j] & DONE:
                        return keep | (i << SEAT_SHIFT) | first[j]
            self.settle(m, list(seats), [[h] for h in first], [toks[c], toks[-1]], dealer_bj, 0)


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
        if (other - 1) % 13 == (hole - 1) % 13:
            continue
        variant = world.fork()
        variant.apply(
            Batch()
            .move(hole, "source:shoe")
            .move(other, None)
            .place("dealer", other, face_up=False)
        )
        out.extend((seat, variant) for seat in seats)
    return out
