"""Blackjack's training tables (:mod:`hypertoken.game.tables`): ``tables.zig``, many
one-hand episodes in one WASM instance of their own, stepped by one call per batch.

Each table holds what the World's properties hold (the table state ``s``, bankrolls,
stakes and hand records) and the shoe's ranks, and plays the game's rules as
``games/blackjack/table.py`` states them; the tests compare every table state, view and
reward with a LocalEngine's, move by move. Offered for one hand per episode (the
default) and the policies "stand" and "error"; other options stay on the World.
"""

from __future__ import annotations

import ctypes
from importlib import resources
from typing import Any, TypeVar

import numpy as np

from games.blackjack.actions import ACTION_NAMES, ILLEGAL_POLICIES
from games.blackjack.state import TableState
from hypertoken.core import KernelInstance
from hypertoken.game import TrainingTables

__all__ = ["BlackjackTables", "unsupported"]

#: The words of ``bt_layout`` (see tables.zig).
_ARGS, _TABLES, _OBS, _BITS, _TOTAL, _TO_MOVE, _S, _STAKE, _BANK, _STATUS = range(10)
_ACTIONS, _FIRST, _K, _EPISODE, _MOVES, _HISTORY, _PER_TABLE, _DONE, _PENDING = range(10, 19)
_TODO, _MASK = 19, 20
_LAYOUT_WORDS = 21
_CONFIGURE_ERRORS = {
    1: "settings out of the tables' scope or range",
    2: "the module's memory cannot grow that far",
    3: "already configured",
}

_WASM: str | None = None
_C = TypeVar(
    "_C", ctypes.c_uint8, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int64, ctypes.c_double
)
#: The report fields of the table state, read inline on the hot path.
_ILLEGAL = (TableState.illegal.shift, TableState.illegal.limit)
_MOVER = (TableState.mover.shift, TableState.mover.limit)


def _wasm_path() -> str:
    global _WASM
    if _WASM is None:
        _WASM = str(resources.files("games.blackjack").joinpath("tables.wasm"))
    return _WASM


def unsupported(game: Any) -> str | None:
    """Why blackjack ``game``'s options have no training tables, or None when they do."""
    if game.hands != 1:
        return f"hands={game.hands}: the tables play one hand per episode"
    if game.illegal_action == "penalty":
        return "illegal_action='penalty': its episodes have no length bound"
    return None


class BlackjackTables(TrainingTables):
    """``count`` tables of blackjack ``game``, seen from seat index ``seat`` (see the module
    docstring); ``unsupported(game)`` must be None.
    """

    def __init__(self, game: Any, count: int, seat: int) -> None:
        why = unsupported(game)
        if why is not None:
            raise ValueError(f"blackjack has no training tables for {why}")
        if type(count) is not int or count < 1:
            raise ValueError(f"count must be an int >= 1, not {count!r}")
        if not 0 <= seat < game.num_players:
            raise ValueError(f"seat {seat} is not one of the {game.num_players} seats")
        self.game, self.count, self.seat = game, count, seat
        self.refuses = game.illegal_action == ILLEGAL_POLICIES[1]
        self._kernel = kernel = KernelInstance(_wasm_path())
        at = kernel.call("bt_layout")
        words = kernel.array(at, "<u4", _LAYOUT_WORDS)
        table = game.table
        settings = (
            count,
            table.n,
            int(table.h17),
            table.splits,
            table.bet,
            table.bankroll,
            table.extra,
            table.size // 52,
            seat,
            int(self.refuses),
            game.info.max_length,
            table.cut,
        )
        kernel.array(int(words[_ARGS]), "<u8", 16)[: len(settings)] = settings
        code = kernel.call("bt_configure")
        if code:
            raise RuntimeError(f"bt_configure refused: {_CONFIGURE_ERRORS.get(code, code)}")
        lay = kernel.array(at, "<u4", _LAYOUT_WORDS).tolist()  # the arrays' addresses now
        n = count

        def arr(word: int, dtype: str, shape: int | tuple[int, ...] = n) -> np.ndarray:
            return kernel.array(lay[word], dtype, shape)

        self.obs = arr(_OBS, "<f4", (n, 7))
        self.mask = arr(_MASK, "u1", (n, 5)).view(np.bool_)
        self.total = arr(_TOTAL, "<f8")
        self.done = arr(_DONE, "u1").view(np.bool_)
        self.pending = arr(_PENDING, "u1").view(np.bool_)
        self.status = arr(_STATUS, "u1")
        self.episode = arr(_EPISODE, "<u8")
        self.actions = arr(_ACTIONS, "u1")
        self.first = arr(_FIRST, "<u8")
        self.k = arr(_K, "<u8")
        self.todo = arr(_TODO, "u1").view(np.bool_)
        self.bits = arr(_BITS, "<u4")
        self.to_move = arr(_TO_MOVE, "<i4")
        self.s = arr(_S, "<u8")
        self.stake = arr(_STAKE, "<i8")
        self.bank = arr(_BANK, "<i8")
        self._moves = arr(_MOVES, "<u4")
        self._history = arr(_HISTORY, "u1", (n, lay[_PER_TABLE]))
        self._begin = kernel.fn("bt_begin")
        self._play = kernel.fn("bt_play")
        self._step = kernel.fn("bt_step")

        # Table 0 through ctypes scalars: the single-table environments' hot path.
        def scalar(ctype: type[_C], word: int) -> _C:
            return ctype.from_address(kernel.address(lay[word]))

        u8, u32, u64, i64 = ctypes.c_uint8, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int64
        self._action0, self._status0 = scalar(u8, _ACTIONS), scalar(u8, _STATUS)
        self._first0, self._k0, self._episode0 = (
            scalar(u64, _FIRST),
            scalar(u64, _K),
            scalar(u64, _EPISODE),
        )
        self._done0, self._pending0 = scalar(u8, _DONE), scalar(u8, _PENDING)
        self._bits0, self._total0 = scalar(u32, _BITS), scalar(ctypes.c_double, _TOTAL)
        self._bank0, self._stake0, self._s0 = (
            scalar(i64, _BANK),
            scalar(i64, _STAKE),
            scalar(u64, _S),
        )
        if count == 1:
            self.todo[0] = True  # the one table is always the one to work on

    def begin(self) -> None:
        """Every table in ``todo`` begins episode ``next_seed(first, k)``."""
        self._begin()

    def play(self) -> None:
        """Every table in ``todo`` plays its ``actions`` entry for the seat to move."""
        self._play()

    def step(self) -> None:
        """A vector step with next-step autoreset (see :class:`TrainingTables`)."""
        self._step()

    # ---- one table ---------------------------------------------------------------------

    def begin_one(self, i: int, first: int, k: int) -> int:
        """Table ``i`` begins episode ``next_seed(first, k)``; that episode seed."""
        if self.count == 1:  # the single-table environments: ctypes scalars, no numpy
            self._first0.value, self._k0.value = first, k
            self._begin()
            return self._episode0.value
        self.todo[:] = False
        self.todo[i] = True
        self.first[i], self.k[i] = first, k
        self.begin()
        return int(self.episode[i])

    def play_one(self, i: int, action: int) -> int:
        """Table ``i`` plays ``action`` for the seat to move; its status."""
        if self.count == 1:
            self._action0.value = action
            self._play()
            return self._status0.value
        self.todo[:] = False
        self.todo[i] = True
        self.actions[i] = action
        self.play()
        return int(self.status[i])

    def over_one(self) -> bool:
        """Whether table 0's episode is over (``done`` or ``pending``)."""
        return bool(self._done0.value or self._pending0.value)

    def total_one(self) -> float:
        """Table 0's reward so far (its ``total``)."""
        return self._total0.value

    def bits_one(self) -> int:
        """The bits of table 0's mask."""
        return self._bits0.value

    # ---- what the tables kept ----------------------------------------------------------

    def moves(self, i: int) -> list[int]:
        """Table ``i``'s episode's actions so far."""
        out: list[int] = self._history[i, : int(self._moves[i])].tolist()
        return out

    def info(self, i: int) -> dict[str, Any]:
        """``Blackjack.infos`` of the seat at table ``i``."""
        if i == 0:  # the single-table environments' hot path: ctypes scalars
            out: dict[str, Any] = {"bankroll": self._bank0.value, "stake": self._stake0.value}
            s = self._s0.value
        else:
            out = {"bankroll": int(self.bank[i]), "stake": int(self.stake[i])}
            s = int(self.s[i])
        illegal = (s >> _ILLEGAL[0]) & _ILLEGAL[1]
        if illegal and (s >> _MOVER[0]) & _MOVER[1] == self.seat:
            out["illegal_action"] = illegal - 1
            out["played_as"] = "stand"  # the only policy that plays them
        return out

    def refusal(self, i: int, action: int) -> str:
        """Why table ``i`` refused ``action``: the engine's words for it."""
        mover = self.game.seats[TableState.seat.get(int(self.s[i]))]
        return f"illegal move for {mover}: {ACTION_NAMES[action]}"
