"""Fixtures shared by the action core's tests.

``w`` is an empty World; a module that needs a furnished one overrides it (pytest's
fixture overriding: the module's own ``w`` asks for this one and adds to it). ``probe``
is the core linked with ``kernels/probe.zig``, built once per test session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hypertoken.core import CoreModule, World
from hypertoken.core.build import build

PROBE = Path(__file__).parent / "kernels" / "probe.zig"


@pytest.fixture
def w() -> World:
    """An empty World."""
    return World()


@pytest.fixture(scope="session")
def probe(tmp_path_factory: pytest.TempPathFactory) -> CoreModule:
    """The core with the probe kernel linked in, built with the pinned zig (once)."""
    out = tmp_path_factory.mktemp("kernel") / "probe.wasm"
    build(out, kernel=PROBE)
    return CoreModule.load(str(out))
