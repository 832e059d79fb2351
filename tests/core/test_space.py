"""Space actions: zones of ordered placements (token, x, y, facing); a locked zone refuses
every change."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from hypertoken.core import To, World, shuffle_order
from hypertoken.core.errors import (
    ActionTypeError,
    BadArgumentError,
    BadStateError,
    ExistsError,
    LockedError,
    NotEmptyError,
    NotFoundError,
    TokenNotHereError,
    TokenNotLooseError,
)
from tests.kits.core import ids, make_stack, refused


def placements(w: World, zone: str) -> list[tuple[int, int, float, float]]:
    return [
        (int(p["token"]), int(p["face_up"]), float(p["x"]), float(p["y"])) for p in w.zone(zone)
    ]


def loose(w: World, n: int) -> list[int]:
    return [w.token_create("card", str(i)) for i in range(n)]


def test_create_delete_and_names(w: World) -> None:
    w.space_create_zone("table")
    w.space_create_zone("hand")
    assert w.zones() == ["table", "hand"]
    assert not w.zone_locked("table")
    with refused(w, ExistsError, "space.create_zone", "'table'"):
        w.space_create_zone("table")
    w.space_delete_zone("table")
    assert w.zones() == ["hand"]
    with pytest.raises(NotFoundError, match="'table'"):
        w.zone("table")
    with refused(w, NotFoundError, "space.delete_zone", "'table'"):
        w.space_delete_zone("table")
    w.space_create_zone("table")  # the name is free again
    assert w.zones() == ["hand", "table"]
    assert len(w.zone("table")) == 0


def test_delete_refuses_a_zone_holding_tokens(w: World) -> None:
    w.space_create_zone("table")
    (t,) = loose(w, 1)
    w.space_place("table", t)
    with refused(w, NotEmptyError, "space.delete_zone", "'table'", "holds 1"):
        w.space_delete_zone("table")


def test_place_puts_a_loose_token_on_top(w: World) -> None:
    w.space_create_zone("table")
    a, b = loose(w, 2)
    w.space_place("table", a, 1.0, 2.0)
    w.space_place("table", b, -3, 4.5, face_up=False)
    assert placements(w, "table") == [(a, 1, 1.0, 2.0), (b, 0, -3.0, 4.5)]
    assert w.token(a).location == "zone"
    assert w.token(a).where == "table"
    with refused(w, TokenNotLooseError, "space.place", f"token {a}", "zone 'table'"):
        w.space_place("table", a)


def test_unplace_makes_the_token_loose(w: World) -> None:
    w.space_create_zone("table")
    a, b = loose(w, 2)
    w.space_place("table", a)
    w.space_place("table", b)
    w.space_remove(a)
    assert placements(w, "table") == [(b, 1, 0.0, 0.0)]
    assert w.token(a).location == "loose"
    with refused(w, TokenNotHereError, "space.remove", f"token {a}", "loose"):
        w.space_remove(a)


def test_move_placement_keeps_facing_and_goes_on_top(w: World) -> None:
    w.space_create_zone("table")
    w.space_create_zone("hand")
    a, b, c = loose(w, 3)
    w.space_place("table", a, face_up=False)
    w.space_place("table", b)
    w.space_place("hand", c)
    w.space_move(a, "hand", 7, 8)
    assert placements(w, "table") == [(b, 1, 0.0, 0.0)]
    assert placements(w, "hand") == [(c, 1, 0.0, 0.0), (a, 0, 7.0, 8.0)]
    w.space_move(c, "hand", 1, 1)  # within its own zone: to the top
    assert placements(w, "hand") == [(a, 0, 7.0, 8.0), (c, 1, 1.0, 1.0)]
    with refused(w, NotFoundError, "space.move", "'nowhere'"):
        w.space_move(a, "nowhere")


def test_flip_modes(w: World) -> None:
    w.space_create_zone("table")
    (a,) = loose(w, 1)
    w.space_place("table", a)
    assert w.space_flip(a) == 0
    assert w.space_flip(a) == 1
    assert w.space_flip(a, "down") == 0
    assert w.space_flip(a, "down") == 0
    assert w.space_flip(a, "up") == 1
    assert placements(w, "table") == [(a, 1, 0.0, 0.0)]
    with refused(w, ActionTypeError, "space.flip", "mode"):
        w.space_flip(a, "sideways")
    (b,) = loose(w, 1)
    with refused(w, TokenNotHereError, "space.flip", f"token {b}"):
        w.space_flip(b)


def test_zone_shuffle_permutes_placements_with_their_positions(w: World) -> None:
    w.space_create_zone("table")
    toks = loose(w, 8)
    for i, t in enumerate(toks):
        w.space_place("table", t, float(i), float(-i), face_up=i % 2 == 0)
    before = placements(w, "table")
    w.space_shuffle_zone("table", 1234)
    assert placements(w, "table") == shuffle_order(before, 1234)


def test_fan_lays_placements_on_an_arc(w: World) -> None:
    w.space_create_zone("table")
    toks = loose(w, 4)
    for t in toks:
        w.space_place("table", t)
    w.space_fan("table", 10.0, 20.0, 5.0, 30.0)
    got = placements(w, "table")
    for i, (_, _, x, y) in enumerate(got):
        a = math.radians((i - 4 / 2) * 30.0)
        assert x == pytest.approx(10.0 + math.cos(a) * 5.0, abs=1e-12)
        assert y == pytest.approx(20.0 + math.sin(a) * 5.0, abs=1e-12)
    # Placement 2 of 4 sits at angle 0: exactly to the right of the centre.
    assert got[2][2:] == (15.0, 20.0)


def test_spread_and_stack_layouts(w: World) -> None:
    w.space_create_zone("table")
    toks = loose(w, 3)
    for t in toks:
        w.space_place("table", t, 9, 9)
    w.space_spread("table", 1.0, 2.0, 0.5, -1.0)
    assert [p[2:] for p in placements(w, "table")] == [(1.0, 2.0), (1.5, 1.0), (2.0, 0.0)]
    w.space_spread("table", 0.0, 0.0, 2.0)
    assert [p[2:] for p in placements(w, "table")] == [(0.0, 0.0), (2.0, 0.0), (4.0, 0.0)]
    w.space_stack("table", 3.0, 4.0)
    assert [p[2:] for p in placements(w, "table")] == [(3.0, 4.0)] * 3
    w.space_stack("table")
    assert [p[2:] for p in placements(w, "table")] == [(0.0, 0.0)] * 3
    assert [p[0] for p in placements(w, "table")] == toks


def test_transfer_moves_everything_in_order(w: World) -> None:
    w.space_create_zone("a")
    w.space_create_zone("b")
    x, y, z = loose(w, 3)
    w.space_place("b", z, 5, 5)
    w.space_place("a", x, 1, 2, face_up=False)
    w.space_place("a", y, 3, 4)
    assert w.space_transfer("a", "b") == 2
    assert placements(w, "a") == []
    assert placements(w, "b") == [(z, 1, 5.0, 5.0), (x, 0, 1.0, 2.0), (y, 1, 3.0, 4.0)]
    assert w.space_transfer("a", "b") == 0
    with refused(w, BadArgumentError, "space.transfer", "'b'"):
        w.space_transfer("b", "b")


def test_clear_zone_returns_ids_in_order(w: World) -> None:
    w.space_create_zone("table")
    toks = loose(w, 3)
    for t in reversed(toks):
        w.space_place("table", t)
    assert w.space_clear_zone("table") == list(reversed(toks))
    assert placements(w, "table") == []
    assert all(w.token(t).location == "loose" for t in toks)
    assert w.zones() == ["table"]


def test_space_clear_deletes_every_zone(w: World) -> None:
    w.space_create_zone("a")
    w.space_create_zone("b")
    x, y, z = loose(w, 3)
    w.space_place("a", x)
    w.space_place("b", y)
    w.space_place("a", z)
    assert w.space_clear() == [x, z, y]
    assert w.zones() == []
    assert all(w.token(t).location == "loose" for t in (x, y, z))
    assert w.space_clear() == []


def test_space_clear_refuses_if_any_zone_is_locked(w: World) -> None:
    w.space_create_zone("a")
    w.space_create_zone("b")
    (x,) = loose(w, 1)
    w.space_place("a", x)
    w.space_lock_zone("b")
    with refused(w, LockedError, "space.clear", "'b'"):
        w.space_clear()


def test_lock_and_unlock(w: World) -> None:
    w.space_create_zone("table")
    w.space_lock_zone("table")
    assert w.zone_locked("table")
    with refused(w, BadStateError, "space.lock_zone", "'table'", "already locked"):
        w.space_lock_zone("table")
    w.space_lock_zone("table", False)
    assert not w.zone_locked("table")
    with refused(w, BadStateError, "already unlocked"):
        w.space_lock_zone("table", locked=False)


def _locked_world() -> tuple[World, dict[str, int]]:
    w = World()
    w.space_create_zone("table")
    w.space_create_zone("open")
    make_stack(w, "deck", 3)
    w.agent_create("alice")
    t = {
        "in": w.token_create("card", "in", "", "zone:table"),
        "in2": w.token_create("card", "in2", "", "zone:table"),
        "out": w.token_create("card", "out"),
        "open": w.token_create("card", "open", "", "zone:open"),
    }
    w.token_move(1, "zone:table")  # a token whose home is "deck"
    w.space_lock_zone("table")
    return w, t


LOCKED_ACTIONS: list[tuple[str, Callable[[World, dict[str, int]], Any]]] = [
    ("space.place", lambda w, t: w.space_place("table", t["out"])),
    ("space.remove", lambda w, t: w.space_remove(t["in"])),
    ("space.move", lambda w, t: w.space_move(t["in"], "open")),
    ("space.move", lambda w, t: w.space_move(t["open"], "table")),
    ("space.flip", lambda w, t: w.space_flip(t["in"])),
    ("space.shuffle_zone", lambda w, t: w.space_shuffle_zone("table", 1)),
    ("space.fan", lambda w, t: w.space_fan("table", 0, 0, 1)),
    ("space.spread", lambda w, t: w.space_spread("table", 0, 0, 1)),
    ("space.stack", lambda w, t: w.space_stack("table")),
    ("space.transfer", lambda w, t: w.space_transfer("table", "open")),
    ("space.transfer", lambda w, t: w.space_transfer("open", "table")),
    ("space.clear_zone", lambda w, t: w.space_clear_zone("table")),
    ("space.delete_zone", lambda w, t: w.space_delete_zone("table")),
    ("space.clear", lambda w, t: w.space_clear()),
    ("token.create", lambda w, t: w.token_create("x", "", "", "zone:table")),
    ("token.move", lambda w, t: w.token_move(t["in"], None)),
    ("token.move", lambda w, t: w.token_move(t["out"], To.zone("table"))),
    ("token.merge", lambda w, t: w.token_merge([t["in"], t["out"]], 1)),
    ("token.split", lambda w, t: w.token_split(t["in"], 2, 1)),
    ("token.split", lambda w, t: w.token_split(t["out"], 2, 1, "zone:table")),
    ("stack.draw", lambda w, t: w.stack_draw("deck", 1, "zone:table")),
    ("stack.reset", lambda w, t: w.stack_reset("deck")),
    ("batch.collect", lambda w, t: w.batch_collect(["zone:table"], "deck")),
    ("batch.draw", lambda w, t: w.batch_draw("stack:deck", 1, ["zone:table"])),
]


@pytest.mark.parametrize(
    ("op", "action"), LOCKED_ACTIONS, ids=[f"{i}-{op}" for i, (op, _) in enumerate(LOCKED_ACTIONS)]
)
def test_a_locked_zone_refuses_every_change(
    op: str, action: Callable[[World, dict[str, int]], Any]
) -> None:
    w, t = _locked_world()
    with refused(w, LockedError, op, "'table'", "locked"):
        action(w, t)


def test_a_locked_zone_can_still_be_read_and_queried() -> None:
    w, t = _locked_world()
    assert w.batch_count("zone:table") == 3
    assert w.batch_filter("zone:table") == [t["in"], t["in2"], 1]
    assert ids(w.zone("table")["token"]) == [t["in"], t["in2"], 1]
