"""``World.version``: moves with every change (actions, batches, restores), not with reads."""

from __future__ import annotations

import pytest

from hypertoken.core import Batch, CoreError, World


def test_version_moves_with_changes_and_not_with_reads() -> None:
    w = World()
    v0 = w.version
    w.stack_create("deck")
    v1 = w.version
    assert v1 != v0
    w.stack("deck")
    w.properties()
    w.snapshot()
    w.state_hash()
    assert w.version == v1
    w.apply(Batch().game_set_property("x", 1))
    v2 = w.version
    assert v2 != v1
    w.restore(w.snapshot())
    assert w.version != v2
    v3 = w.version
    with pytest.raises(CoreError):  # a refused action counts too: it was a call
        w.stack_draw("no-such-stack", 1)
    assert w.version != v3
