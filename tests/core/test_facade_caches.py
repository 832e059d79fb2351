"""The facade's caches (memoised encodings, property positions) never change results."""

from __future__ import annotations

import pytest

from hypertoken.core import Batch, To, World
from hypertoken.core.errors import NotFoundError


def test_memoised_encoding_keeps_bool_and_int_apart() -> None:
    w = World()
    w.game_set_property("flag", 1)
    assert w.property("flag") == 1 and type(w.property("flag")) is int
    w.game_set_property("flag", True)
    assert w.property("flag") is True
    w.game_set_property("flag", 1)
    assert type(w.property("flag")) is int


def test_negative_zero_reaches_the_core_as_written() -> None:
    a, b = World(), World()
    a.game_set_property("x", 0.0)
    b.game_set_property("x", -0.0)
    assert a.state_hash() != b.state_hash()
    c = World()
    c.game_set_property("x", -0.0)
    assert c.state_hash() == b.state_hash()


def test_memoised_places_keep_a_negative_zero_coordinate() -> None:
    # Equal To's are memoised as one; To.zone("t", -0.0) equals To.zone("t", 0.0), yet its
    # bytes differ, whichever is encoded first.
    def placed(*xs: float) -> list[bytes]:
        return [Batch().token_move(1, To.zone("t", x)).encoded(0) for x in xs]

    zero, negative, zero_again, negative_again = placed(0.0, -0.0, 0.0, -0.0)
    assert zero == zero_again != negative == negative_again
    assert zero == Batch().token_move(1, "zone:t").encoded(0)
    a, b = World(), World()
    for w, x in ((a, 0.0), (b, -0.0)):
        w.space_create_zone("t")
        w.token_create("card", to=To.zone("t", y=x))
    assert a.state_hash() != b.state_hash()


def test_repeated_batches_encode_identically() -> None:
    first = Batch().game_set_property("k", 5).agent_give_resource("a", "chips", 3).encoded(1)
    again = Batch().game_set_property("k", 5).agent_give_resource("a", "chips", 3).encoded(1)
    assert first == again


def test_property_cache_follows_deletions_and_restores() -> None:
    w = World()
    for i, key in enumerate(("a", "b", "c", "d")):
        w.game_set_property(key, i)
    assert w.property("d") == 3
    snap = w.snapshot()
    w.game_set_property("a", None)  # entries after "a" shift down one slot
    assert w.property("d") == 3
    assert w.property("a", "gone") == "gone"
    w.game_set_property("d", 30)
    assert w.property("d") == 30
    w.restore(snap)
    assert w.property("a") == 0 and w.property("d") == 3
    assert w.properties() == {"a": 0, "b": 1, "c": 2, "d": 3}


def test_property_cache_survives_a_rolled_back_batch() -> None:
    w = World()
    w.game_set_property("x", 1)
    assert w.property("x") == 1
    with pytest.raises(NotFoundError):
        w.apply(Batch().game_set_property("fresh", 2).stack_draw("missing", 1, None))
    assert w.property("fresh") is None
    assert w.property("x") == 1


def test_view_addresses_follow_creations_and_deletions() -> None:
    w = World()
    w.space_create_zone("a")
    w.stack_create("s")
    t = w.token_create("card", "x", "", "stack:s")
    assert w.stack("s").tolist() == [t]
    for i in range(40):  # enough creations to move the zone table
        w.space_create_zone(f"z{i}")
    w.token_move(t, "zone:z39")
    assert w.zone("z39")["token"].tolist() == [t]
    assert len(w.zone("a")) == 0
    w.space_delete_zone("a")
    assert w.zone("z39")["token"].tolist() == [t]
    with pytest.raises(NotFoundError):
        w.zone("a")
    snap = w.snapshot()
    w.token_move(t, "stack:s")
    w.restore(snap)
    assert w.zone("z39")["token"].tolist() == [t] and w.stack("s").tolist() == []


def test_restoring_the_same_snapshot_keeps_only_the_caches_that_stay_true() -> None:
    """A training reset restores one snapshot again and again: the caches of its own
    symbols survive, those of symbols interned since are dropped (the next episode may
    intern other strings under the same ids)."""
    w = World()
    w.game_set_property("base", 7)
    snap = w.snapshot()
    for _ in range(2):
        w.restore(snap)
        assert w.property("base") == 7
        w.game_set_property("late_a", 1)
        assert w.property("late_a") == 1
        w.restore(snap)
        w.game_set_property("late_b", 2)  # the id "late_a" had, now another string
        assert w.property("late_a") is None
        assert w.property("late_b") == 2
        assert w.properties() == {"base": 7, "late_b": 2}
    w.restore(bytes(snap))  # an equal snapshot, but another object: a full reset
    assert w.property("late_b") is None and w.property("base") == 7
