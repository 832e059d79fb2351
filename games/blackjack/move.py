"""One blackjack move being planned (:class:`TableMove`), and :func:`restack`, the testing
aid that stacks the shoe.

A move reads what it needs once (all properties, decoded on the first read; the shoe's
zero-copy view), collects its commands and property changes, and applies them in one call
when it finishes (see :mod:`games.blackjack.table` for why).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from games.blackjack.rules import RANKS, rank_of
from games.blackjack.table import HAND_OVER, LOW, Table
from hypertoken.core import Batch, World
from hypertoken.game import MoveContext

if TYPE_CHECKING:
    from games.blackjack.game import Blackjack


class TableMove:
    """One move being planned: the commands so far, the properties it reads (all of them,
    decoded once, on the first read) and sets (written once each, when the move is
    applied, and only if changed), and a cursor over the shoe's top cards.
    """

    __slots__ = (
        "_mixed",
        "_props",
        "_set",
        "_shuffles",
        "_taken",
        "_touched",
        "_view",
        "ctx",
        "hand_over",
        "hole",
        "parts",
        "table",
        "world",
    )

    def __init__(self, table: Table, world: World, ctx: MoveContext) -> None:
        self.table = table
        self.world = world
        self.ctx = ctx
        #: Planned commands in order: descriptors (see :meth:`Table.cmd`) or batches.
        self.parts: list[tuple[Any, ...] | Batch] = []
        self._mixed = False  # a Batch (not a descriptor) is among the parts
        self.hand_over = False
        #: The hole card of the last hand settled (0: none).
        self.hole = 0
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
        return v  # type: ignore[no-any-return]  # the game's properties are ints

    def setp(self, key: str, value: int) -> None:
        """Set a property (when the move is applied)."""
        self._set[key] = value

    def add_batch(self, batch: Batch) -> None:
        """Append a command that is not cached."""
        self.parts.append(batch)
        self._mixed = True

    def wager(self, i: int, chips: int) -> None:
        """Move ``chips`` of seat ``i`` from its bankroll to the table."""
        t = self.table
        self.setp(t.kbank[i], self.prop(t.kbank[i]) - chips)
        self.setp(t.kstake[i], self.prop(t.kstake[i]) + chips)

    # ---- the shoe ------------------------------------------------------------------------

    def remaining(self) -> int:
        """Cards left in the shoe once the planned draws are made."""
        self._touched = True
        view = self._view
        if view is None:
            view = self._view = self.world.shoe("shoe")
            self._taken = 0
        return len(view) - self._taken

    def take(self, n: int) -> list[int]:
        """The next ``n`` cards (top first) for a draw the caller plans; the caller made
        sure the shoe holds them (by :meth:`remaining`, which also reads the shoe).
        """
        if self._view is None:
            self.remaining()
        view = self._view
        top = len(view) - self._taken
        self._taken += n
        return view[top - n : top][::-1].tolist()  # type: ignore[no-any-return]

    def next_card(self) -> int:
        """The next card, for a draw the caller plans (checked by :meth:`remaining`)."""
        self._taken += 1
        view = self._view
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
            self.remaining()
        self.parts.append(("draw", zone, 1))
        return self.next_card()

    def reshuffle(self) -> None:
        """Bring every card back into the shoe and shuffle it (the cut card came out)."""
        self.add_batch(Batch().source_reset("shoe").source_shuffle("shoe", self.seed()))
        self.flush()

    def seed(self) -> int:
        """A fresh shuffle seed from the move's context."""
        self._shuffles += 1
        c = self.ctx
        return c.seed if self._shuffles == 1 else c.seed_for(self._shuffles)

    # ---- applying ------------------------------------------------------------------------

    def flush(self) -> None:
        """Apply the planned commands and property changes (one call); forget the view.

        A plan of cached commands is looked up whole (:meth:`Table.combo`); bankrolls and
        the hand count, whose values seldom repeat, are appended to it.
        """
        table = self.table
        known = self._props
        plan = self.parts
        extra: list[Batch] = []
        for key, value in self._set.items():
            if known is None or known.get(key) != value:
                if key[0] == "b" or key == "hand":  # values that seldom repeat: kept out
                    extra.append(table.set_cmd(key, value))  # of the plan's cache key
                else:
                    plan.append(("p", key, value))
        if known is not None:
            known.update(self._set)
        self._set = {}
        if plan or extra:
            if not self._mixed:
                batch = table.combo(tuple(plan))  # type: ignore[arg-type]
                if extra:
                    batch = Batch().extend(batch)
            else:
                batch = Batch()
                for p in plan:
                    batch.extend(p if isinstance(p, Batch) else table.cmd(p))
            for b in extra:
                batch.extend(b)
            # Not atomic: the plan was checked before it runs, and the Engine restores its
            # snapshot of the World if a move fails anyway. This saves a copy of the arena.
            self.world.apply(batch, atomic=False)
            self.parts = []
            self._mixed = False
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
        pool.setdefault(rank_of(t), []).append(t)
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
