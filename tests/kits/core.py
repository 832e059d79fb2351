"""Shared helpers for the action core tests."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

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


_ISOLATED = "HYPERTOKEN_TEST_ISOLATED"
_F = TypeVar("_F", bound=Callable[..., Any])


def isolated(test: _F) -> _F:
    """Run ``test`` in a fresh interpreter that imports only what its own module does.

    For the tests that make the core trap: wasmtime turns a trap into CoreTrapError with
    its signal handlers, and in a process that has also loaded torch (the suite's SB3
    tests) a trap under pytest aborts the whole run, so those tests run apart.
    """

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> Any:
        if os.environ.get(_ISOLATED):
            return test(*args, **kwargs)
        nodeid = os.environ["PYTEST_CURRENT_TEST"].rsplit(" ", 1)[0]
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", nodeid],
            env={**os.environ, _ISOLATED: "1"},
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            check=False,
        )  # exit status 0: collected and passed (5 would be "no such test")
        assert proc.returncode == 0, (
            f"{nodeid} failed in its own process:\n{proc.stdout}{proc.stderr}"
        )
        return None

    return run  # type: ignore[return-value]
