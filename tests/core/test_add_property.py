"""game.add_property: integer counters in the game's key/value store."""

from __future__ import annotations

import pytest

from hypertoken.core import Batch, World
from hypertoken.core.errors import ActionTypeError, BadArgumentError


def test_adds_to_a_missing_key_from_zero_and_returns_the_total() -> None:
    w = World()
    assert w.game_add_property("chips", 10) == 10
    assert w.game_add_property("chips", -3) == 7
    assert w.property("chips") == 7
    assert w.game_add_property("chips", 0) == 7


def test_matches_set_property_bit_for_bit() -> None:
    a, b = World(), World()
    a.game_set_property("n", 5)
    a.game_add_property("n", 2)
    b.game_set_property("n", 7)
    assert a.state_hash() == b.state_hash()


def test_refuses_a_non_integer_property_and_changes_nothing() -> None:
    w = World()
    w.game_set_property("name", "x")
    w.game_set_property("flag", True)
    before = w.state_hash()
    for key in ("name", "flag"):
        with pytest.raises(ActionTypeError, match=f"game.add_property.*{key}"):
            w.game_add_property(key, 1)
    assert w.state_hash() == before


def test_refuses_overflow_and_bad_arguments() -> None:
    w = World()
    w.game_set_property("big", 2**63 - 1)
    before = w.state_hash()
    with pytest.raises(BadArgumentError):
        w.game_add_property("big", 1)
    with pytest.raises(BadArgumentError):
        w.game_add_property("", 1)
    with pytest.raises(ActionTypeError):
        w.game_add_property("big", 1.5)  # type: ignore[arg-type]
    assert w.state_hash() == before


def test_in_a_batch_results_are_running_totals() -> None:
    w = World()
    res = w.apply(
        Batch().game_add_property("k", 2).game_add_property("k", 2).game_add_property("k", -1)
    )
    assert list(res) == [2, 4, 3]
