"""Grab (``grab_v1``): a blind, simultaneous card grab; the minimal game with chance and
concurrent conflicting moves.

Rules
    Twelve cards worth 1..12 are shuffled (the room seed decides) and laid face down in
    twelve slots. Any seat may grab any free slot at any time, up to ``12 // players`` cards.
    When two seats grab the same slot at once, the log's order decides and the later grab is
    rejected. The game ends when every seat holds its share.

Actions
    ========  =====================
    0..11     grab the card in slot i
    ========  =====================

    In the log a move reads ``grab [slot]``.

Observation (``player_view``), int8, shape (24,)
    ``[0:12]`` 1 where a slot still holds a card; ``[12:24]`` 1 for each card value (1..12)
    the seat holds. The values of cards still on the table are hidden.

Rewards
    The sum of the seat's card values.

State in the World
    Stack ``deck`` (the cards, shuffled), agents' inventories (grabbed cards), properties
    ``slot0``..``slot11`` (the token in the slot, 0 once grabbed) and ``left`` (slots left).

Version history
    v1: first version.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from hypertoken.core import Batch, To, World
from hypertoken.game import Game, GameInfo, IllegalMove, Information, MoveContext, TurnOrder

SLOTS = 12
_SLOT = tuple(f"slot{i}" for i in range(SLOTS))


class Grab(Game):
    """The blind card grab, for 2 to 4 seats."""

    info = GameInfo(
        name="grab",
        version=1,
        min_players=2,
        max_players=4,
        num_actions=SLOTS,
        observation_shape=(2 * SLOTS,),
        observation_dtype="int8",
        information=Information.IMPERFECT,
        reward_range=(0.0, float(sum(range(SLOTS + 1)))),
        max_length=SLOTS,
        turn_order=TurnOrder.ANY,
        chance=True,
    )

    def setup(self, world: World, ctx: MoveContext) -> None:
        """Create the cards, shuffle them with the entry's seed, and fill the slots."""
        world.stack_create("deck")
        b = Batch()
        for value in range(1, SLOTS + 1):
            b.token_create("card", str(value), "", To.stack("deck"))
        world.apply(b)
        world.stack_shuffle("deck", ctx.seed)
        order = world.stack("deck").tolist()
        b = Batch().game_set_property("left", SLOTS)
        for slot, token in zip(_SLOT, order, strict=True):
            b.game_set_property(slot, token)
        world.apply(b)

    def _share(self) -> int:
        return SLOTS // self.num_players

    def legal_actions(self, world: World, seat: str) -> np.ndarray:
        """Free slots, while the seat holds less than its share."""
        p = world.properties()
        if len(world.inventory(seat)) >= self._share():
            return np.zeros(SLOTS, dtype=bool)
        return np.array([p[s] != 0 for s in _SLOT], dtype=bool)

    def apply(self, world: World, seat: str, action: int, ctx: MoveContext) -> None:
        """Move the slot's card into the seat's inventory."""
        p = world.properties()
        token = p[_SLOT[action]]
        if not token:
            raise IllegalMove(f"slot {action} was already grabbed")
        world.apply(
            Batch()
            .token_move(token, To.agent(seat))
            .game_set_property(_SLOT[action], 0)
            .game_set_property("left", p["left"] - 1)
        )

    def player_view(self, world: World, seat: str) -> np.ndarray:
        """Which slots are free, and the values of the seat's own cards only."""
        p = world.properties()
        obs = np.zeros(2 * SLOTS, dtype=np.int8)
        obs[:SLOTS] = [p[s] != 0 for s in _SLOT]
        for token in world.inventory(seat).tolist():
            obs[SLOTS + int(world.token(token).label) - 1] = 1
        return obs

    def hidden_variants(self, world: World) -> list[tuple[str, World]]:
        """The table with two face-down cards swapped: no seat may tell the difference."""
        p = world.properties()
        full = [s for s in _SLOT if p[s]]
        out: list[tuple[str, World]] = []
        for a, b in itertools.islice(itertools.pairwise(full), 2):
            variant = world.fork()
            variant.apply(Batch().game_set_property(a, p[b]).game_set_property(b, p[a]))
            out.extend((seat, variant) for seat in self.seats)
        return out

    def rewards(self, world: World) -> dict[str, float]:
        """The sum of each seat's card values."""
        return {
            s: float(sum(int(world.token(t).label) for t in world.inventory(s).tolist()))
            for s in self.seats
        }

    def is_over(self, world: World) -> bool:
        """Every seat holds its share."""
        return int(world.properties()["left"]) <= SLOTS - self._share() * self.num_players

    def move_name(self, action: int) -> tuple[str, tuple[Any, ...]]:
        """``grab [slot]``."""
        return ("grab", (action,))

    def parse_move(self, move: str, args: tuple[Any, ...]) -> int:
        """Inverse of :meth:`move_name`."""
        if move == "grab" and len(args) == 1 and type(args[0]) is int and 0 <= args[0] < SLOTS:
            return int(args[0])
        raise IllegalMove(f"grab has no move {move} {list(args)} (it has grab [0..11])")

    def render(self, world: World, seat: str | None = None) -> str:
        """Slots as # (card) or . (grabbed), then each visible hand."""
        p = world.properties()
        line = "".join("#" if p[s] else "." for s in _SLOT)
        hands = [
            f"{s}: {sorted(int(world.token(t).label) for t in world.inventory(s).tolist())}"
            for s in self.seats
            if seat is None or s == seat
        ]
        return "\n".join([line, *hands])
