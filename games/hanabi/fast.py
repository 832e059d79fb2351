"""Hanabi's kernel from the host: a World's ``hb_step`` and ``hb_look`` (see
``games/hanabi/kernel.zig``), and the view the kernel writes to linear memory, read with
one numpy read per mask or observation.

A move runs in the kernel when the World's module has it (``Hanabi.new_world()``, the
Engine's World); the kernel checks the move too and declines, changing nothing, when it
is not legal, so the Python rules (:mod:`games.hanabi.rules`) then refuse it with their
reason. The mask and the observation of a seat are written by one ``hb_look`` call and
kept until the World changes (its ``version`` moves): an engine step reads the mask
several times and the observation once between two moves. They equal
:meth:`Rules.mask <games.hanabi.rules.Rules.mask>` and
:func:`~games.hanabi.view.observation`, which stay the reference (tests compare).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

import numpy as np

from games.hanabi.state import TableBits
from games.hanabi.view import ObservationLayout
from hypertoken.core import World

__all__ = ["KEYS", "MASK_AT", "OBS_AT", "Kernel", "kernel_of"]

#: Where the view's parts lie from its address (see ``kernel_view.zig``).
MASK_AT = 8
OBS_AT = 64
_STEP = struct.Struct("<III").pack
_PAIR = struct.Struct("<II").pack
_S = struct.Struct("<Q").unpack_from
_SEAT = TableBits.seat.shift
_OVER = TableBits.over.mask
#: ``World.kernel_state`` keys, by player count (compared by identity: a game reads its
#: kernel with ``state[1] if state[0] is KEYS[n]``, binding it when that fails).
KEYS = tuple(f"hanabi/{n}" for n in range(6))


class Kernel:
    """The hanabi kernel of one World, for ``n`` players. It holds no reference to the
    World (the World holds it, in ``kernel_state``): every method takes the World.
    """

    __slots__ = (
        "_at",
        "_gen",
        "_look",
        "_n",
        "_none",
        "_num_actions",
        "_s",
        "_s_gen",
        "_seat",
        "_setup",
        "_size",
        "_step",
    )

    def __init__(self, world: World, n: int, num_actions: int) -> None:
        self._setup: Callable[[bytes], int] = world.kernel("hb_setup")
        self._step: Callable[[bytes], int] = world.kernel("hb_step")
        self._look: Callable[[bytes], int] = world.kernel("hb_look")
        self._at = int(world._inst.call("hb_view_at"))
        self._n = n
        self._num_actions = num_actions
        self._size = ObservationLayout(n).size
        #: The World version the view was written at (-1: none), and for which seat.
        self._gen = -1
        self._seat = -1
        #: The table state ``s`` at World version ``_s_gen`` (-1: none).
        self._s = 0
        self._s_gen = -1
        #: The mask of a seat not to move.
        self._none = np.zeros(num_actions, dtype=np.bool_)

    def setup(self, world: World, seed: int) -> bool:
        """``Hanabi.setup`` with the entry's ``seed``; False (nothing changed) if declined."""
        return not self._setup(_PAIR(seed, self._n))

    def step(self, world: World, me: int, action: int) -> bool:
        """Play seat ``me``'s ``action``; False (nothing changed) if it is not legal now."""
        return not self._step(_STEP(me, action, self._n))

    def look(self, world: World, me: int) -> None:
        """Have seat ``me``'s view written, unless it is already, of the World as it is."""
        if world.version != self._gen or me != self._seat:
            self._look(_PAIR(me, self._n))
            self._gen = self._s_gen = world.version
            self._seat = me
            (self._s,) = _S(world._mv, self._at)

    def table(self, world: World) -> int:
        """The table state ``s`` now (read once per World version)."""
        version = world.version
        if version != self._s_gen:
            self._s = world.property("s")
            self._s_gen = version
        return self._s

    def _to_move(self, world: World, me: int) -> bool:
        s = self.table(world)
        return not s & _OVER and (s >> _SEAT) & 7 == me

    def mask(self, world: World, me: int) -> np.ndarray:
        """Seat ``me``'s legal mask (bool), as ``Rules.mask``."""
        if not self._to_move(world, me):
            none: np.ndarray = self._none.copy()
            return none
        self.look(world, me)
        out: np.ndarray = np.frombuffer(
            world._mv, dtype=np.bool_, count=self._num_actions, offset=self._at + MASK_AT
        ).copy()
        return out

    def legal(self, world: World, me: int, action: int) -> bool:
        """Whether seat ``me`` may take ``action`` (in 0..num_actions - 1) now."""
        if not self._to_move(world, me):
            return False
        self.look(world, me)
        return bool(world._mv[self._at + MASK_AT + action])

    def observation(self, world: World, me: int) -> np.ndarray:
        """Seat ``me``'s observation (float32), as :func:`~games.hanabi.view.observation`."""
        self.look(world, me)
        out: np.ndarray = np.frombuffer(
            world._mv, dtype=np.float32, count=self._size, offset=self._at + OBS_AT
        ).copy()
        return out


def kernel_of(world: World, n: int, num_actions: int) -> Kernel | None:
    """The World's :class:`Kernel` for ``n`` players, bound on first use and kept in
    ``world.kernel_state``; None when the World's module has no hanabi kernel (a plain
    World: the Python rules play it).
    """
    key = KEYS[n]
    state = world.kernel_state
    if type(state) is tuple and state[0] is key:
        found: Kernel | None = state[1]
        return found
    names = world.kernel_names()
    has = all(f in names for f in ("hb_setup", "hb_step", "hb_look", "hb_view_at"))
    kernel = Kernel(world, n, num_actions) if has else None
    world.kernel_state = (key, kernel)
    return kernel
