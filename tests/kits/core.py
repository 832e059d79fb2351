"""Shared helpers for the action core tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from hypertoken.core import CoreError, To, World


def make_stack(world: World, name: str, n: int, kind: str = "card", group: str = "") -> list[int]:
    """Create stack ``name`` holding ``n`` new tokens labelled "0".."n-1"; return their ids."""
    world.stack_create(name)
    return [world.token_create(kind, str(i), group, To.stack(name)) for i in range(n)]


def ids(view: object) -> list[int]:
    """A numpy id view as a plain list."""
    return [int(x) for x in view]  # type: ignore[attr-defined]


@contextmanager
def refused(
    world: World, exc: type[CoreError], *needles: str
) -> Iterator[pytest.ExceptionInfo[CoreError]]:
    """Expect ``exc``; afterwards the world must be bit-identical and pass its invariants,
    and the message must contain every needle (action names, object names, numbers)."""
    before = world.state_hash()
    with pytest.raises(exc) as info:
        yield info
    assert world.state_hash() == before, "a refused action changed the world"
    world.check()
    message = str(info.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"
