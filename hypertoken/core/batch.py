"""Batches: many actions executed in ONE call into the core.

Build a :class:`Batch` with the same typed methods as :class:`World`, then run it with
``world.apply(batch)``. A batch is plain encoded bytes: build it once and apply it to
any number of worlds. Names are resolved by the core when the batch runs.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from hypertoken.core._runtime import default_encoders
from hypertoken.core.actions import Actions
from hypertoken.core.encode import unknown

if TYPE_CHECKING:
    from hypertoken.core.world import World

_HEAD = struct.Struct("<II")
_ENCODERS: dict[str, Any] = {}


def _load_encoders() -> dict[str, Any]:
    """The packaged core's encoders, bound once per process."""
    _ENCODERS.update(default_encoders())
    return _ENCODERS


class Batch(Actions["Batch"]):
    """An ordered list of encoded actions. Every typed method appends and returns ``self``."""

    __slots__ = ("_blobs", "_ops", "_parts")

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._ops: list[str] = []
        # Encoded command buffers, cached per flags value (World.apply keys by atomic).
        self._blobs: dict[object, bytes] = {}

    def _act(self, op: str, *args: Any) -> Batch:
        encoders = _ENCODERS or _load_encoders()
        enc = encoders.get(op)
        if enc is None:
            raise unknown(op, list(encoders))
        self._parts.append(enc(*args))
        self._ops.append(op)
        if self._blobs:
            self._blobs.clear()
        return self

    def do(self, op: str, *args: Any) -> Batch:
        """Append an action by its core name, e.g. ``batch.do("stack.draw", "deck", 2, None)``."""
        return self._act(op, *args)

    def extend(self, other: Batch) -> Batch:
        """Append every action of another batch."""
        self._parts.extend(other._parts)
        self._ops.extend(other._ops)
        self._blobs.clear()
        return self

    @property
    def ops(self) -> Sequence[str]:
        """The action names, in order."""
        return tuple(self._ops)

    def __len__(self) -> int:
        return len(self._parts)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ops)

    def __repr__(self) -> str:
        return f"Batch({len(self)} actions)"

    def encoded(self, flags: int) -> bytes:
        """The command-buffer bytes for this batch with the given flags."""
        return _HEAD.pack(len(self._parts), flags) + b"".join(self._parts)

    def run(self, world: World, *, atomic: bool = True) -> Any:
        """Shorthand for ``world.apply(self, atomic=atomic)``."""
        return world.apply(self, atomic=atomic)
