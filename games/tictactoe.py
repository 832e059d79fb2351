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
    ``board``: a packed int (cell i's mark in bits 2i..2i+1; bit 18 set when player_1 moves
    next; bit 19 when the last move ended a round; bit 20 when the match is over), ``round``,
    ``score0``, ``score1``. Few properties, because each read decodes all of them.

Version history
    v1: first version.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from hypertoken.core import Batch, World
from hypertoken.game import Game, GameInfo, IllegalMove, Information, MoveContext, TurnOrder

_LINES = ((0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6))
# Bits of the "board" property: cell i holds its mark in bits 2i..2i+1 (0 empty, 1 X, 2 O).
_NEXT = 1 << 18  # set: player_1 moves next
_HAND_OVER = 1 << 19  # the last move ended a round
_OVER = 1 << 20  # every round is played
_CELLS_MASK = (1 << 18) - 1


def cells(board: int) -> list[int]:
    """The nine marks of a packed board (0 empty, 1 X, 2 O)."""
    return [(board >> (2 * i)) & 3 for i in range(9)]


class TicTacToe(Game):
    """Tic-tac-toe over one or more rounds. Options: ``rounds`` (int >= 1)."""

    info = GameInfo(
        name="tictactoe",
        version=1,
        min_players=2,
        max_players=2,
        num_actions=9,
        observation_shape=(18,),
        observation_dtype="int8",
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
        if rounds > 1:  # a multi-round match has no fixed length
            self.info = dataclasses.replace(
                self.info, max_length=9 * rounds, reward_range=(-float(rounds), float(rounds))
            )

    def setup(self, world: World, ctx: MoveContext) -> None:
        """An empty board; X (player_0) moves first."""
        world.apply(
            Batch()
            .game_set_property("board", 0)
            .game_set_property("round", 0)
            .game_set_property("score0", 0)
            .game_set_property("score1", 0)
        )

    @staticmethod
    def _board(world: World) -> int:
        board: int = world.property("board")  # one property, not the whole store
        return board

    def current_player(self, world: World) -> str | None:
        """The seat to move. It equals the World's active agent, but one property read is
        much cheaper than reading the whole game state.
        """
        board = self._board(world)
        return None if board & _OVER else self.seats[1 if board & _NEXT else 0]

    def legal_actions(self, world: World, seat: str) -> np.ndarray:
        """Empty cells, if the game is not over."""
        board = self._board(world)
        if board & _OVER:
            return np.zeros(9, dtype=bool)
        return np.array([c == 0 for c in cells(board)], dtype=bool)

    def is_legal(self, world: World, seat: str, action: int) -> bool:
        """The cell is empty and the game goes on (one property read)."""
        board = self._board(world)
        return 0 <= action < 9 and not board & _OVER and not (board >> (2 * action)) & 3

    def apply(self, world: World, seat: str, action: int, ctx: MoveContext) -> None:
        """Place the mark; score and clear the board when the round ends."""
        p = world.properties()
        board: int = p["board"]
        if (board >> (2 * action)) & 3:
            raise IllegalMove(f"cell {action} is taken")
        me = self.seats.index(seat)
        mark = me + 1
        board = (board | (mark << (2 * action))) & ~_HAND_OVER
        board = board | _NEXT if me == 0 else board & ~_NEXT
        grid = cells(board)
        won = any(grid[x] == grid[y] == grid[z] == mark for x, y, z in _LINES)
        b = Batch()
        if won or all(grid):
            if won:
                b.game_set_property(f"score{me}", p[f"score{me}"] + 1)
                b.game_set_property(f"score{1 - me}", p[f"score{1 - me}"] - 1)
            rnd = p["round"] + 1
            b.game_set_property("round", rnd)
            board |= _HAND_OVER
            if rnd >= self.rounds:
                board |= _OVER  # keep the final position on the board
            else:
                board &= ~_CELLS_MASK
        world.apply(b.game_set_property("board", board))

    def player_view(self, world: World, seat: str) -> np.ndarray:
        """Own marks then the opponent's."""
        me = self.seats.index(seat) + 1
        board = np.array(cells(self._board(world)), dtype=np.int8)
        return np.concatenate([(board == me), (board == 3 - me)]).astype(np.int8)

    def rewards(self, world: World) -> dict[str, float]:
        """Wins minus losses, per seat."""
        p = world.properties()
        return {self.seats[0]: float(p["score0"]), self.seats[1]: float(p["score1"])}

    def is_over(self, world: World) -> bool:
        """All rounds played."""
        return bool(self._board(world) & _OVER)

    def hand_over(self, world: World) -> bool:
        """The last move ended a round."""
        return bool(self._board(world) & _HAND_OVER)

    def default_action(self, world: World, seat: str) -> int | None:
        """A timed-out seat plays the first empty cell."""
        return next((i for i, c in enumerate(cells(self._board(world))) if c == 0), None)

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
        grid = cells(self._board(world))
        return "\n".join("".join(".XO"[grid[r * 3 + c]] for c in range(3)) for r in range(3))
