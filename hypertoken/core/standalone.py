"""A game's WASM module that holds no World: :class:`KernelInstance`.

Some game code runs in a module of its own (a game's training tables: many compact
tables stepped by one call, see :mod:`hypertoken.game.tables`), built from its Zig
sources like the kernels (``python -m games.kernels``) but linked only with the core's
shuffle, not the core. Such a module exports its memory and ``() -> u32`` functions that
read their arguments from memory; this class loads it (compiled once per process), calls
its functions on the core's fast path and maps its memory as numpy arrays.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

import numpy as np

from hypertoken.core._runtime import CoreModule, Instance

__all__ = ["KernelInstance"]


class KernelInstance:
    """One instance of the module in file ``path`` (its memory and exports)."""

    def __init__(self, path: str) -> None:
        self.module = CoreModule.load(path)
        self._inst = Instance(module=self.module, core=False)

    def fn(self, name: str) -> Callable[[], int]:
        """A fast zero-argument callable for the export ``name`` (a trap raises
        :class:`~hypertoken.core.errors.CoreTrapError`).
        """
        run: Callable[[], int] = self._inst.exec_fn(name)
        return run

    def call(self, name: str) -> int:
        """Call the export ``name`` once; its result as an unsigned 32-bit int."""
        return self._inst.call(name) & 0xFFFFFFFF

    def _memory(self) -> Any:
        store = self._inst.store
        n = self._inst.memory.data_len(store)
        ptr = self._inst.memory.data_ptr(store)
        return (ctypes.c_ubyte * n).from_address(ctypes.addressof(ptr.contents))

    def address(self, at: int) -> int:
        """The process address of linear-memory address ``at`` (for ctypes scalars);
        valid while the memory does not grow.
        """
        return ctypes.addressof(self._memory()) + at

    def array(self, at: int, dtype: Any, shape: int | tuple[int, ...]) -> np.ndarray:
        """A numpy view of ``shape`` items of ``dtype`` at linear-memory address ``at``;
        valid while the memory does not grow (the caller's module must not grow it after
        laying out what it hands out).
        """
        dt = np.dtype(dtype)
        count = int(np.prod(shape))
        buf = self._memory()
        if at < 0 or at + count * dt.itemsize > len(buf):
            raise ValueError(f"{count} x {dt} at {at} is outside the module's memory")
        return np.frombuffer(buf, dtype=dt, count=count, offset=at).reshape(shape)
