"""One blackjack move being planned: :class:`TableMove`.

A move reads what it needs (the properties, decoded on the first read; the shoe's
zero-copy view), collects core actions and property changes, and applies them in one
``World.apply`` when it finishes; in several only where it must see the World in between
(a reshuffle, the discard pile coming back into an empty shoe). The kernel's ``Move``
(``kernel_move.zig``) does the same, so both write the same actions in the same order.
"""

from __future__ import annotations

from typing import Any

from games.blackjack.state import BANK, STAKE, TableState
from hypertoken.core import Batch, World
from hypertoken.game import MoveContext


class TableMove:
    """One move being planned: the actions so far (:attr:`batch`), the properties it sets
    (each written once, when the move is applied, and only if it changed), and a cursor
    over the shoe's top cards.
    """

    __slots__ = (
        "_props",
        "_set",
        "_shuffles",
        "_taken",
        "_touched",
        "_view",
        "batch",
        "ctx",
        "hand_over",
        "hole",
        "world",
    )

    def __init__(self, world: World, ctx: MoveContext) -> None:
        self.world = world
        self.ctx = ctx
        #: The actions planned so far, in order.
        self.batch = Batch()
        #: The move settled a hand.
        self.hand_over = False
        #: The hole card of the last hand settled (0: none).
        self.hole = 0
        self._props: dict[str, Any] | None = None  # the World's properties, once read
        self._set: dict[str, int] = {}  # properties set by the move, in the order first set
        self._view: Any = None  # the shoe, once read (bottom first)
        self._taken = 0  # how many of its top cards the plan has taken
        self._shuffles = 0
        self._touched = False  # the move looked at the shoe

    # ---- properties ----------------------------------------------------------------------

    def prop(self, key: str) -> int:
        """An (int) property as this move has left it so far (0 if unset)."""
        if key in self._set:
            return self._set[key]
        return self._world_props().get(key, 0)  # type: ignore[no-any-return]  # ints

    def setp(self, key: str, value: int) -> None:
        """Set a property (when the move is applied)."""
        self._set[key] = value

    def wager(self, seat: int, chips: int) -> None:
        """Move ``chips`` of ``seat`` from its bankroll to the table."""
        self.setp(BANK[seat], self.prop(BANK[seat]) - chips)
        self.setp(STAKE[seat], self.prop(STAKE[seat]) + chips)

    def _world_props(self) -> dict[str, Any]:
        if self._props is None:
            self._props = self.world.properties()
        return self._props

    # ---- the shoe ------------------------------------------------------------------------

    def remaining(self) -> int:
        """Cards left in the shoe once the planned draws are made."""
        self._touched = True
        if self._view is None:
            self._view = self.world.shoe("shoe")
            self._taken = 0
        return len(self._view) - self._taken

    def next_card(self) -> int:
        """The next card, for a draw the caller plans (it checked :meth:`remaining`)."""
        self._taken += 1
        return int(self._view[len(self._view) - self._taken])

    def take(self, n: int) -> list[int]:
        """The next ``n`` cards (top first), for a draw the caller plans (it made sure the
        shoe holds them).
        """
        self.remaining()  # reads the shoe again after a flush
        return [self.next_card() for _ in range(n)]

    def try_draw(self, zone: str) -> int | None:
        """Plan drawing one card face up to ``zone`` and return it. When the shoe is empty
        the discard pile is shuffled into it first; with no card left anywhere, None.
        """
        if self.remaining() == 0:
            self.flush()
            pile = self.world.stack("discard").tolist()
            if not pile:
                return None
            for card in pile:
                self.batch.token_move(card, "source:shoe")
            self.batch.source_shuffle("shoe", self.seed())
            self.run()
            self.remaining()
        self.batch.source_draw("shoe", 1, f"zone:{zone}")
        return self.next_card()

    def draw_to(self, zone: str) -> int:
        """:meth:`try_draw` where the mask allowed a draw (so a card exists)."""
        card = self.try_draw(zone)
        if card is None:
            raise RuntimeError("blackjack: no card left to draw, yet a draw was allowed")
        return card

    def reshuffle(self) -> None:
        """Bring every card back into the shoe and shuffle it (the cut card came out)."""
        self.batch.source_reset("shoe").source_shuffle("shoe", self.seed())
        self.flush()

    def seed(self) -> int:
        """A fresh shuffle seed: the move's own, then ``MoveContext.seed_for(n)``."""
        self._shuffles += 1
        return self.ctx.seed if self._shuffles == 1 else self.ctx.seed_for(self._shuffles)

    # ---- applying ------------------------------------------------------------------------

    def flush(self) -> None:
        """Apply the planned actions, then the properties that changed: the others in the
        order first set, then the bankrolls and the hand count (this order is part of the
        World's bytes, and the kernel keeps it).
        """
        now = self._world_props()
        changed = [(k, v) for k, v in self._set.items() if k not in now or now[k] != v]
        for key, value in sorted(changed, key=lambda kv: kv[0][0] == "b" or kv[0] == "hand"):
            self.batch.game_set_property(key, value)
        self._set = {}
        self._props = None
        self.run()

    def run(self) -> None:
        """Apply the actions planned so far (one call) and forget the shoe as read."""
        if len(self.batch):
            # Not atomic: the plan was checked before it runs, and the Engine restores its
            # snapshot of the World if a move fails anyway. This saves a copy of the arena.
            self.world.apply(self.batch, atomic=False)
            self.batch = Batch()
        self._view = None

    def finish(self, s: int, old: int = 0) -> None:
        """Set the new table state ``s`` and apply the move. ``old`` is the state before it:
        its ``low`` stands when the move did not look at the shoe.
        """
        if self.hand_over:
            s = TableState.hand_over.set(s, 1)
        if self._touched:
            s = TableState.low.set(s, 1 if self.remaining() < 2 else 0)
        else:
            s = TableState.low.set(s, TableState.low.get(old))
        self.setp("s", s)
        self.flush()
