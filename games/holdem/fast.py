"""The hold'em kernel from Python: binding it to a World and reading the view it writes.

A World made by ``TexasHoldem.new_world()`` has the game's kernel (``kernel.zig``, compiled
into the WASM module with the core). There :class:`KernelView` plays the setup and each
move in one kernel call and reads what every seat sees (the seat to act, its legal
actions, the chips, every seat's default observation) from the view the kernel writes to
linear memory (``kernel_view.zig``), with one read per World change: the game's
``legal_actions``, ``player_view``, ``rewards`` and ``infos`` then cost no property reads.
When the World changed by other means (the Python rules played a move the kernel declined,
a restore, :func:`~games.holdem.table.restack`), the next read asks the kernel to look
again (``th_look``). Worlds without the kernel play the Python rules, which stay the
reference (``tests/games/test_holdem_kernel.py`` compares both).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from games.holdem.actions import PENALTY, Layout
from games.holdem.rules import Stakes
from games.kernels import bind
from hypertoken.core import World

__all__ = ["KernelHost", "KernelView", "config", "kernel_view"]

KernelFn = Callable[[bytes], int]
_NAMES = ("th_setup", "th_step", "th_look")
_HEAD = struct.Struct("<iIqqq")
_SEATS_AT = 32
_SEAT = 5  # i64 fields per seat
_OBS_AT = 32 + 40 * 10
_OBS_BYTES = 4 * 20
_SETUP = struct.Struct("<I").pack
_STEP = struct.Struct("<IIII").pack
_KERNEL_DECLINED = 0x40000000


class KernelGame(Protocol):
    """What the view needs of the game: its seats and stakes."""

    seats: tuple[str, ...]
    stakes: Stakes


class KernelHost:
    """What ``TexasHoldem`` adds to reach its kernel: the World's view, kept up to date,
    and the masks by bits. Static once set up (the views live in the Worlds).
    """

    seats: tuple[str, ...]
    stakes: Stakes
    layout: Layout

    def _kernel_setup(self, strict: bool) -> None:
        """Set the kernel's settings: its key (``th_configure``'s input) and ``strict``."""
        self._kernel_config = config(len(self.seats), self.stakes, self.layout)
        self._strict = strict
        #: Legal masks by mask bits (bool arrays, built on first use).
        self._masks: dict[int, np.ndarray] = {}

    def _kernel(self, world: World) -> KernelView | None:
        """The World's kernel view, up to date; None without the kernel or a table."""
        state = world.kernel_state
        if type(state) is tuple and state[0] is self._kernel_config:
            view: KernelView | None = state[2]
            if view is None or view.version == world._gen:
                return view  # the hot path: the view of the World's last change
        else:
            view = self._kernel_of(world)
        return None if view is None else view.fresh()

    def _kernel_of(self, world: World) -> KernelView | None:
        """The World's kernel view as it is, or None without the kernel."""
        state = world.kernel_state
        if type(state) is tuple and state[0] is self._kernel_config:
            return state[2]  # type: ignore[no-any-return]
        return kernel_view(world, self._kernel_config, self, self._strict)

    def _mask(self, bits: int) -> np.ndarray:
        """The bool mask of ``bits`` (shared: copy it)."""
        mask = self._masks.get(bits)
        if mask is None:
            mask = self._masks[bits] = np.array(
                [bits >> a & 1 for a in range(self.layout.num_actions)], dtype=bool
            )
        return mask


def config(n: int, stakes: Stakes, layout: Layout) -> bytes:
    """``th_configure``'s input (see ``kernel.zig``): the table's settings."""
    raises = [s for s in layout.sizes if s is not None]
    num = [s.numerator for s in raises] + [0] * (8 - len(raises))
    den = [s.denominator for s in raises] + [1] * (8 - len(raises))
    head = struct.pack(
        "<IIqqqq",
        n,
        layout.num_actions,
        stakes.small_blind,
        stakes.big_blind,
        stakes.starting_stack,
        stakes.hands,
    )
    return head + struct.pack("<8I8I", *num, *den)


class KernelView:
    """One World's hold'em kernel and the last view it wrote (see the module docstring).

    The view's fields (:attr:`actor`, :attr:`bits`, :attr:`street`, :attr:`flags`,
    :attr:`report`, :attr:`seats`, the observations, and what the game hands out from them:
    :attr:`player`, :attr:`rewards`, :attr:`rows`) are those of the World at
    :attr:`version`; call :meth:`fresh` first.
    """

    def __init__(
        self, world: World, fns: tuple[KernelFn, ...], game: KernelGame, strict: bool
    ) -> None:
        self.world, self.game = world, game
        self.n = n = len(game.seats)
        self._names = game.seats
        #: (seat name, where its fields start in :attr:`seats`).
        self._name_at = tuple((name, _SEAT * i) for i, name in enumerate(game.seats))
        self._start, self._bb = game.stakes.starting_stack, game.stakes.big_blind
        self._setup, self._step, self._look = fns
        self._at = int(world._inst.call("th_view_at"))
        self._strict = int(strict)
        self._seats_fmt = struct.Struct(f"<{_SEAT * n}q")
        self.version = -1
        self.actor = -1
        self.bits = 0
        self.street = self.flags = self.report = 0
        #: Per seat: chips behind, street bet, chips in the hand, penalties, status (flat).
        self.seats: tuple[int, ...] = ()
        #: Each seat's default observation, read-only over the view (copy it).
        self.obs: dict[str, np.ndarray] = {}
        self._mv: object = None
        #: ``TexasHoldem.infos``, built on first use after each change (shared).
        self.infos: dict[str, dict[str, Any]] | None = None
        #: The seat to act by name (None once the game is over).
        self.player: str | None = None
        #: ``TexasHoldem.rewards`` (shared: copy it).
        self.rewards: dict[str, float] = {}
        #: Per seat: (name, chips behind, street bet, status), for ``infos``.
        self.rows: tuple[tuple[str, int, int, int], ...] = ()

    def _read(self) -> None:
        mv, at = self.world._mv, self._at
        if mv is not self._mv:
            self._bind()
        self.actor, self.bits, self.street, self.flags, self.report = _HEAD.unpack_from(mv, at)
        self.seats = s = self._seats_fmt.unpack_from(mv, at + _SEATS_AT)
        self.version = self.world.version
        self.infos = None
        names = self._names
        self.player = None if self.actor < 0 else names[self.actor]
        start, bb = self._start, self._bb
        rewards: dict[str, float] = {}
        rows = []
        for name, j in self._name_at:  # a plain loop: the cheapest way for a few seats
            rewards[name] = (s[j] + s[j + 2] - start) / bb - PENALTY * s[j + 3]
            rows.append((name, s[j], s[j + 1], s[j + 4]))
        self.rewards = rewards
        self.rows = tuple(rows)

    def fresh(self) -> KernelView | None:
        """This view, brought up to date with the World (one kernel call if it changed);
        None while the World holds no table (before the setup).
        """
        if self.world.version != self.version:
            if self._look(b""):
                return None
            self._read()
        return self

    def setup(self, seed: int) -> bool:
        """``setup`` of :mod:`games.holdem.table` in one call; False if the kernel declined."""
        if self._setup(_SETUP(seed)):
            return False
        self._read()
        return True

    def step(self, seat: int, action: int, seed: int) -> bool:
        """``TexasHoldem.apply`` of ``action`` for seat index ``seat`` with the move's seed;
        False if the kernel declined, changing nothing (the seat is not to act, or an
        unavailable action under ``illegal_action`` "error" or "penalty").
        """
        if self._step(_STEP(seat, action, seed, self._strict)) == _KERNEL_DECLINED:
            return False
        self._read()
        return True

    def observation(self, i: int) -> np.ndarray:
        """Seat i's default 20-entry observation (a new float32 array)."""
        out: np.ndarray = self.obs[self._names[i]].copy()
        return out

    def _bind(self) -> None:
        """The observations over linear memory as it is now (it moves when it grows)."""
        mv = self._mv = self.world._mv
        at = self._at + _OBS_AT
        rows = np.frombuffer(mv, np.float32, 20 * self.n, at).reshape(self.n, 20)
        rows.flags.writeable = False
        self.obs = {name: rows[i] for i, name in enumerate(self._names)}

    def seat(self, i: int) -> tuple[int, int, int, int, int]:
        """Seat i's chips behind, street bet, chips in the hand, penalties and status."""
        s = self.seats[_SEAT * i : _SEAT * i + _SEAT]
        return s[0], s[1], s[2], s[3], s[4]


def kernel_view(world: World, key: bytes, game: KernelGame, strict: bool) -> KernelView | None:
    """The :class:`KernelView` of ``world`` (configured with ``key``, ``th_configure``'s
    input, on first use), or None when its module has no hold'em kernel. Kept in
    ``world.kernel_state`` beside the bound functions, as ``(key, functions, view)``.
    """
    state = world.kernel_state
    if type(state) is tuple and state[0] is key and len(state) == 3:
        return state[2]  # type: ignore[no-any-return]
    fns = bind(world, key, _NAMES, ("th_configure", key))
    view = None if fns is None else KernelView(world, fns, game, strict)
    world.kernel_state = (key, fns, view)
    return view
