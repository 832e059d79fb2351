"""Blackjack's kernel entries for drivers of many tables (the vector environment): a whole
setup, or a whole move with its checks, in one call, each followed by one seat's view
written where the host reads it straight from linear memory (``kernel_view.zig``).

They change the World exactly as :meth:`Blackjack.setup` and :meth:`Blackjack.apply` do
(the same kernel code, called once instead of two or three times), and the view equals
``player_view``, ``legal_actions`` and the reward's parts; tests compare them. The
Python rules stay the reference: a World without the kernel has no :class:`KernelTable`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import numpy as np

from games.blackjack.actions import ILLEGAL_POLICIES, PENALTY
from games.blackjack.game import Blackjack
from games.blackjack.state import TableState
from hypertoken.core import World

__all__ = ["VIEW_BYTES", "VIEW_DTYPE", "KernelTable", "kernel_table"]

#: The view's bytes (see ``kernel_view.zig``).
VIEW_BYTES = 64
#: The view as a numpy record.
VIEW_DTYPE = np.dtype(
    [
        ("obs", "<f4", (7,)),
        ("mask", "<u4"),
        ("to_move", "<i4"),
        ("status", "<u4"),
        ("money", "<i8"),
        ("penalties", "<i8"),
        ("s", "<u8"),
    ]
)
assert VIEW_DTYPE.itemsize == VIEW_BYTES

#: The view after the observation: mask bits, seat to move, status, money, penalties, s.
_TAIL = struct.Struct("<IiIqqQ")
_STAKE = struct.Struct("<q")
_START = struct.Struct("<III").pack
_STEP = struct.Struct("<IIIII").pack
_LOOK = struct.Struct("<II").pack
_BEGIN = struct.Struct("<QQII").pack
_PLAY = struct.Struct("<IIIIQ").pack
_KERNEL_DECLINED = 0x40000000


class KernelTable:
    """One World's blackjack kernel, viewed from seat ``seat`` (an index).

    ``start(seed)`` is ``Blackjack.setup`` with a ``MoveContext`` of that seed;
    ``step(action, seed)`` is ``Blackjack.apply`` for the seat to move (the caller has
    checked the game is not over and the action is in 0..4) and returns False when the
    kernel declined, changing nothing: under ``illegal_action`` "error" or "penalty",
    an unavailable action is left to the game's Python rules. After each, :attr:`view`
    (a read-only numpy record over linear memory) holds the seat's view.
    """

    def __init__(self, game: Blackjack, world: World, seat: int) -> None:
        if game._kernel_fns(world) is None:  # configures the kernel of this World
            raise ValueError("this World's module has no blackjack kernel")
        self.game, self.world, self.seat = game, world, seat
        self._start: Callable[[bytes], int] = world.kernel("bj_start")
        self._step: Callable[[bytes], int] = world.kernel("bj_step")
        self._look: Callable[[bytes], int] = world.kernel("bj_look")
        self._begin: Callable[[bytes], int] = world.kernel("bj_begin")
        self._play: Callable[[bytes], int] = world.kernel("bj_play")
        self._at = int(world._inst.call("bj_view_at"))
        size = game.table.size
        self._strict = int(game.illegal_action != ILLEGAL_POLICIES[0])
        self._size = size
        self._view_seat = seat + 1
        self._mv: object = None
        self.view = self._bind()
        #: The action :meth:`play` plays.
        self.action = 0
        #: The episode :meth:`begin` starts: the k-th (``next_k``) after ``next_first``.
        self.next_first = 0
        self.next_k = 0
        #: Whether the game is over, as the last call left it.
        self.over = False
        #: The view's fields after the observation, as the last call left them.
        self.bits = 0
        self._money = self._penalties = 0
        self._s = 0
        self._tail = _TAIL.unpack_from
        self._tail_at = self._at + 28
        self._stake_at = self._at + 112

    def _bind(self) -> np.ndarray:
        """The view over the World's memory as it is now (memory can move as it grows)."""
        self._mv = self.world._mv
        view: np.ndarray = np.frombuffer(
            self.world._mv, dtype=np.uint8, count=VIEW_BYTES, offset=self._at
        )
        view.flags.writeable = False
        return view

    def _after(self) -> bool:
        """After a kernel call: re-take the view if memory moved; whether the game is over
        (also kept in :attr:`over`).
        """
        mv = self.world._mv
        if mv is not self._mv:
            self.view = self._bind()
        # One read of the view's fixed fields serves the mask, the reward and the info.
        self.bits, to_move, _, self._money, self._penalties, self._s = self._tail(mv, self._tail_at)
        over: bool = to_move == -1
        self.over = over
        return over

    def start(self, seed: int) -> None:
        """Shuffle the shoe with ``seed`` and deal the first hand (``Blackjack.setup``)."""
        self._start(_START(seed, self._view_seat, self._size))
        self._after()

    def step(self, action: int, seed: int) -> bool:
        """Play ``action`` for the seat to move with the move's shuffle seed ``seed``;
        False if the kernel declined (see the class docstring).
        """
        code = self._step(_STEP(action, seed, self._view_seat, self._size, self._strict))
        self._after()
        return code != _KERNEL_DECLINED

    def setup(self, seed: int) -> bool:
        """:meth:`start`, then whether the game is already over (``LocalEngine.reset_with``'s
        ``setup``).
        """
        self.start(seed)
        return self.over

    def play(self, seed: int) -> int:
        """:meth:`step` of :attr:`action` (``LocalEngine.step_with``'s ``play``): 0 if the
        kernel declined, 2 if the game is over, else 1.
        """
        if self._step(_STEP(self.action, seed, self._view_seat, self._size, self._strict)) == (
            _KERNEL_DECLINED
        ):
            return 0
        return 2 if self._after() else 1

    def begin(self) -> tuple[int, bytes, bool]:
        """Start the episode :attr:`next_k` after :attr:`next_first` (``next_seed``; 0: that
        seed itself), its seeds derived in the kernel as the engine derives them
        (``LocalEngine.begin_with``'s ``setup``): (episode seed, room seed, over).
        """
        self._begin(_BEGIN(self.next_first, self.next_k, self._view_seat, self._size))
        over = self._after()
        mv, at = self.world._mv, self._at
        return int.from_bytes(mv[at + 64 : at + 72], "little"), bytes(mv[at + 72 : at + 104]), over

    def play_at(self, index: int) -> int:
        """:meth:`play` with the move's seed derived in the kernel from its index
        (``LocalEngine.step_with(..., by_index=True)``); the episode began with
        :meth:`begin`.
        """
        if self._play(_PLAY(self.action, self._view_seat, self._size, self._strict, index)) == (
            _KERNEL_DECLINED
        ):
            return 0
        return 2 if self._after() else 1

    def look(self) -> None:
        """Write the view of the World as it is (after a move the Python rules played)."""
        self._look(_LOOK(self._view_seat, self._size))
        self._after()

    def observation(self) -> np.ndarray:
        """The seat's observation now (``player_view``): a new float32 array."""
        out: np.ndarray = self.view[:28].view(np.float32).copy()
        return out

    def mask_bits(self) -> int:
        """The bits of the seat's legal actions now (0 when it is not to move)."""
        return self.bits

    def reward(self) -> float:
        """The seat's reward so far (``Blackjack.rewards``)."""
        game = self.game
        return (self._money - game.bankroll) / game.bet - PENALTY * self._penalties

    def info(self) -> dict[str, Any]:
        """``Blackjack.infos`` of the view seat now, from the view (no property reads)."""
        (stake,) = _STAKE.unpack_from(self.world._mv, self._stake_at)
        out: dict[str, Any] = {"bankroll": self._money - stake, "stake": stake}
        s = self._s
        illegal = TableState.illegal.get(s)
        if illegal and TableState.mover.get(s) == self.seat:
            out["illegal_action"] = illegal - 1
            if self.game.illegal_action == "stand":
                out["played_as"] = "stand"
            else:
                out["penalty"] = PENALTY
        return out

    def record(self) -> np.void:
        """The view as one numpy record (:data:`VIEW_DTYPE`), a copy."""
        out: np.void = self.view.copy().view(VIEW_DTYPE)[0]
        return out


def kernel_table(game: object, world: World, seat: int) -> KernelTable | None:
    """A :class:`KernelTable` for ``world`` when ``game`` is blackjack and the World has its
    kernel, else None.
    """
    if not isinstance(game, Blackjack) or game._kernel_fns(world) is None:
        return None
    return KernelTable(game, world, seat)
