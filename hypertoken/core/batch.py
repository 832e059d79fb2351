"""Batches: many actions executed in ONE call into the core.

Build a :class:`Batch` with the same typed methods as :class:`World` (each appends its
action and returns the batch, so calls chain), then run it with ``world.apply(batch)``,
which returns the :class:`BatchResults`. A batch is plain encoded bytes: build it once and
apply it to any number of worlds. Names are resolved by the core when the batch runs.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from hypertoken.core._runtime import default_encoders
from hypertoken.core.actions import Actions
from hypertoken.core.encode import unknown

_HEAD = struct.Struct("<II")
_ENCODERS: dict[str, Any] = {}


def _load_encoders() -> dict[str, Any]:
    """The packaged core's encoders, bound once per process."""
    _ENCODERS.update(default_encoders())
    return _ENCODERS


class Batch(Actions["Batch", "Batch", "Batch", "Batch"]):
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

    def do(self, name: str, /, *args: Any, **kwargs: Any) -> Batch:
        """Append the action ``name``, given by its core name, with the arguments and
        defaults of its typed method: ``b.do("stack.draw", "deck", 2)`` is
        ``b.stack_draw("deck", 2)``."""
        done: Batch = super().do(name, *args, **kwargs)
        return done

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

    def run(self, world: Applies, *, atomic: bool = True) -> BatchResults:
        """Shorthand for ``world.apply(self, atomic=atomic)``."""
        return world.apply(self, atomic=atomic)


class Applies(Protocol):
    """What runs a batch: a :class:`~hypertoken.core.world.World`."""

    def apply(self, batch: Batch, *, atomic: bool = True) -> BatchResults:
        """Run ``batch`` in one call."""
        ...


class _Source(Protocol):
    """What batch results are read from (the World that ran the batch)."""

    _gen: int

    def _read_results(self, ops: Sequence[str]) -> list[Any]: ...


class BatchResults:
    """Results of an applied batch, one per action, each what the World's typed method
    would have returned: None, an int, a list of token ids, or one id as an int for the
    actions that always yield exactly one token (``token_create``, ``token_merge``,
    ``stack_remove_at``, ``agent_steal_token``).

    Decoded lazily from the core's result buffer, so they must be read before the
    world runs another action (reading later raises).
    """

    __slots__ = ("_gen", "_ops", "_values", "_world")

    def __init__(self, world: _Source, gen: int, ops: Sequence[str]) -> None:
        self._world = world
        self._gen = gen
        self._ops = ops
        self._values: list[Any] | None = None

    def _load(self) -> list[Any]:
        if self._values is None:
            if self._world._gen != self._gen:
                raise RuntimeError("batch results were not read before the world ran again")
            self._values = self._world._read_results(self._ops)
        return self._values

    def __getitem__(self, i: int) -> Any:
        return self._load()[i]

    def __len__(self) -> int:
        return len(self._load())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._load())

    def __repr__(self) -> str:
        return f"BatchResults({self._load()!r})"
