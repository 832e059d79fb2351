"""The action layout of :mod:`games.hanabi`: HLE's order, for a given player count.

For ``n`` players with hand size ``H``:

==============================  ===========================================================
``0 .. H-1``                    discard the card in slot i (slot 0 is the oldest card)
``H .. 2H-1``                   play the card in slot i - H
``2H + 5(o-1) + c``             hint colour c (0..4: R Y G W B) to the player o seats on
``2H + 5(n-1) + 5(o-1) + r``    hint rank r + 1 (r 0..4) to the player o seats on
==============================  ===========================================================

``o`` is the offset of the hinted player, 1..n-1 (1 = the next player). The count is
``2H + 10(n-1)``: 20 for two players, 30 for three, 38 for four, 48 for five, as the Hanabi
Learning Environment numbers its moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from games.hanabi.state import (
    COLOURS,
    HINT_COLOUR,
    HINT_RANK,
    NUM_COLOURS,
    NUM_RANKS,
    hand_size,
)

DISCARD_MOVE = "discard"
PLAY_MOVE = "play"
HINT_COLOUR_MOVE = "hint_colour"
HINT_RANK_MOVE = "hint_rank"


@dataclass(frozen=True, slots=True)
class Action:
    """A decoded action: ``kind`` is ``"discard"``, ``"play"``, ``"hint_colour"`` or
    ``"hint_rank"``; ``slot`` for the first two; ``offset`` and ``value`` (colour or
    rank index 0..4) for hints.
    """

    kind: str
    slot: int = 0
    offset: int = 0
    value: int = 0


class ActionLayout:
    """The action ids of an ``n``-player game (see the module docstring)."""

    def __init__(self, num_players: int) -> None:
        self.num_players = num_players
        self.hand_size = h = hand_size(num_players)
        self.colour_base = 2 * h
        self.rank_base = 2 * h + NUM_COLOURS * (num_players - 1)
        self.num_actions = self.rank_base + NUM_RANKS * (num_players - 1)
        self.decoded = tuple(self._decode(a) for a in range(self.num_actions))

    def discard(self, slot: int) -> int:
        """Discard the card in ``slot``."""
        return slot

    def play(self, slot: int) -> int:
        """Play the card in ``slot``."""
        return self.hand_size + slot

    def hint(self, offset: int, kind: int, value: int) -> int:
        """Hint ``value`` (a colour, or a rank index 0..4) to the player ``offset`` seats
        on; ``kind`` is :data:`~games.hanabi.state.HINT_COLOUR` or ``HINT_RANK``.
        """
        base = self.colour_base if kind == HINT_COLOUR else self.rank_base
        return base + 5 * (offset - 1) + value

    def _decode(self, a: int) -> Action:
        h = self.hand_size
        if a < h:
            return Action(DISCARD_MOVE, slot=a)
        if a < 2 * h:
            return Action(PLAY_MOVE, slot=a - h)
        if a < self.rank_base:
            o, v = divmod(a - self.colour_base, 5)
            return Action(HINT_COLOUR_MOVE, offset=o + 1, value=v)
        o, v = divmod(a - self.rank_base, 5)
        return Action(HINT_RANK_MOVE, offset=o + 1, value=v)

    def name(self, action: int) -> tuple[str, tuple[Any, ...]]:
        """The log's name of an action: ``discard [slot]``, ``play [slot]``,
        ``hint_colour [offset, "R"]``, ``hint_rank [offset, rank 1..5]``.
        """
        d = self.decoded[action]
        if d.kind in (DISCARD_MOVE, PLAY_MOVE):
            return (d.kind, (d.slot,))
        if d.kind == HINT_COLOUR_MOVE:
            return (d.kind, (d.offset, COLOURS[d.value]))
        return (d.kind, (d.offset, d.value + 1))

    def parse(self, move: str, args: tuple[Any, ...]) -> int | None:
        """The action of a logged move (None if it is not one)."""
        h, n = self.hand_size, self.num_players
        if move in (DISCARD_MOVE, PLAY_MOVE) and len(args) == 1:
            slot = args[0]
            if type(slot) is int and 0 <= slot < h:
                return slot if move == DISCARD_MOVE else h + slot
            return None
        if move not in (HINT_COLOUR_MOVE, HINT_RANK_MOVE) or len(args) != 2:
            return None
        offset, value = args
        if type(offset) is not int or not 1 <= offset < n:
            return None
        if move == HINT_COLOUR_MOVE and value in tuple(COLOURS):
            return self.hint(offset, HINT_COLOUR, COLOURS.index(value))
        if move == HINT_RANK_MOVE and type(value) is int and 1 <= value <= NUM_RANKS:
            return self.hint(offset, HINT_RANK, value - 1)
        return None

    def describe(self, action: int) -> str:
        """An action as text, e.g. ``"hint rank 1 to +1"``."""
        d = self.decoded[action]
        if d.kind in (DISCARD_MOVE, PLAY_MOVE):
            return f"{d.kind} slot {d.slot}"
        what = COLOURS[d.value] if d.kind == HINT_COLOUR_MOVE else str(d.value + 1)
        word = "colour" if d.kind == HINT_COLOUR_MOVE else "rank"
        return f"hint {word} {what} to +{d.offset}"


__all__ = [
    "DISCARD_MOVE",
    "HINT_COLOUR_MOVE",
    "HINT_RANK_MOVE",
    "PLAY_MOVE",
    "Action",
    "ActionLayout",
]
