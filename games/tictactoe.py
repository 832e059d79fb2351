"""Tic-tac-toe (``tictactoe_v1``): the minimal game the Engine's tests and benchmarks use.

Rules
    Two seats. ``player_0`` plays X and ``player_1`` plays O; seats alternate (round robin).
    Three in a row wins the round; a full board is a draw. With the ``rounds`` option (default
    1) the board is cleared after each round and play goes on, the turn passing as usual, until
    ``rounds`` rounds have been played. Each round is a *hand* (a room may start a new epoch
    per hand).

Actions
    ========  =====================================
    0..8      place a mark on cell ``row * 3 + col``
    ========  =====================================

    In the log a move reads ``place [cell]``.

Observation (``player_view``), int8, shape (18,)
    ``[0:9]`` the seat's own marks, ``[9:18]`` the opponent's (1 where a mark is).

Rewards
    Per round: +1 win, -1 loss, 0 draw, summed over rounds.

State in the World (game properties)
    ``c0``..``c8`` (0 empty, 1 X, 2 O), ``next`` (seat index to move), ``round``, ``score0``,
    ``score1``, ``hand_over`` (the last move ended a round), ``over``.

Version history
    v1: first version.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hypertoken.core import Batch, World
from hypertoken.game import Game, GameInfo, IllegalMove, Information, MoveContext, TurnOrder

_LINES = ((0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8),
          (2, 4, 6))
_CELLS = tuple(f"c{i}" for i in range(9))
_CLEAR = Batch()
for _c in _CELLS:
    _CLEAR.set_property(_c, 0)


class TicTacToe(Game):
    """Tic-tac-toe over one or more rounds. Options: ``rounds`` (int >= 1)."""

    info = GameInfo(
        name="tictactoe",
        version=1,
        min_players=2,
        max_players=2,
        num_actions=9,
        observation_shape=(18,),
        information=Information.PERFECT,
        reward_range=(-1.0, 1.0),
        max_length=9,
        turn_order=TurnOrder.ROUND_ROBIN,
    )

    def __init__(self, num_players: int | None = None, *, rounds: int = 1) -> None:
        super().__init__(num_players)
        if type(rounds) is not int or rounds < 1:
            raise ValueError(f"tictactoe rounds must be an int >= 1, not {rounds!r}")
        self.rounds = rounds
        self.options = {"rounds": rounds} if rounds != 1 else {}

    def setup(self, world: World, ctx: MoveContext) -> None:
        """An empty board; X (player_0) moves first."""
        b = Batch().extend(_CLEAR)
        for key in ("next", "round", "score0", "score1"):
            b.set_property(key, 0)
        b.set_property("hand_over", False).set_property("over", False)
        world.apply(b)

    def current_player(self, world: World) -> str | None:
        """The seat to move: kept in ``next`` (equal to the World's active agent, and a
        single property read instead of a full game-state read).
        """
        p = world.properties()
        return None if p["over"] else self.seats[p["next"]]

    def legal_actions(self, world: World, seat: str) -> np.ndarray:
        """Empty cells, if the game is not over."""
        p = world.properties()
        if p["over"]:
            return np.zeros(9, dtype=bool)
        return np.array([p[c] == 0 for c in _CELLS], dtype=bool)

    def is_legal(self, world: World, seat: str, action: int) -> bool:
        """The cell is empty and the game goes on (one property read)."""
        p = world.properties()
        return 0 <= action < 9 and not p["over"] and p[_CELLS[action]] == 0

    def apply(self, world: World, seat: str, action: int, ctx: MoveContext) -> None:
        """Place the mark; score and clear the board when the round ends."""
        p = world.properties()
        if p[_CELLS[action]] != 0:
            raise IllegalMove(f"cell {action} is taken")
        me = self.seats.index(seat)
        board = [p[c] for c in _CELLS]
        board[action] = me + 1
        b = Batch().set_property(_CELLS[action], me + 1).set_property("next", 1 - me)
        won = any(board[x] == board[y] == board[z] == me + 1 for x, y, z in _LINES)
        ended = won or all(board)
        b.set_property("hand_over", ended)
        if ended:
            if won:
                b.set_property(f"score{me}", p[f"score{me}"] + 1)
                b.set_property(f"score{1 - me}", p[f"score{1 - me}"] - 1)
            rnd = p["round"] + 1
            b.set_property("round", rnd)
            if rnd >= self.rounds:
                b.set_property("over", True)
            else:
                b.extend(_CLEAR)
        world.apply(b)

    def player_view(self, world: World, seat: str) -> np.ndarray:
        """Own marks then the opponent's."""
        p = world.properties()
        me = self.seats.index(seat) + 1
        board = np.array([p[c] for c in _CELLS], dtype=np.int8)
        return np.concatenate([(board == me), (board == 3 - me)]).astype(np.int8)

    def rewards(self, world: World) -> dict[str, float]:
        """Wins minus losses, per seat."""
        p = world.properties()
        return {self.seats[0]: float(p["score0"]), self.seats[1]: float(p["score1"])}

    def is_over(self, world: World) -> bool:
        """All rounds played."""
        return bool(world.properties()["over"])

    def hand_over(self, world: World) -> bool:
        """The last move ended a round."""
        return bool(world.properties()["hand_over"])

    def default_action(self, world: World, seat: str) -> int | None:
        """A timed-out seat plays the first empty cell."""
        p = world.properties()
        return next((i for i, c in enumerate(_CELLS) if p[c] == 0), None)

    def move_name(self, action: int) -> tuple[str, tuple[Any, ...]]:
        """``place [cell]``."""
        return ("place", (action,))

    def parse_move(self, move: str, args: tuple[Any, ...]) -> int:
        """Inverse of :meth:`move_name`."""
        if move == "place" and len(args) == 1 and type(args[0]) is int and 0 <= args[0] < 9:
            return int(args[0])
        raise IllegalMove(f"tictactoe has no move {move} {list(args)} (it has place [0..8])")

    def render(self, world: World, seat: str | None = None) -> str:
        """The board, rows top to bottom."""
        p = world.properties()
        marks = ".XO"
        rows = ["".join(marks[p[_CELLS[r * 3 + c]]] for c in range(3)) for r in range(3)]
        return "\n".join(rows)
