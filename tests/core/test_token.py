"""Token actions: create, meta, transform, attach/detach (no cycles), merge/split with
provenance, and move."""

from __future__ import annotations

import pytest

from hypertoken.core import To, World
from hypertoken.core.errors import (
    ActionTypeError,
    BadArgumentError,
    NoSuchTokenError,
    TokenConsumedError,
    TokenNotHereError,
    TokenNotLooseError,
)
from tests.kits.core import ids, make_stack, refused


def test_create_everywhere(w: World) -> None:
    w.stack_create("deck")
    w.space_create_zone("table")
    w.agent_create("ann")
    w.source_create("shoe")
    assert w.token_create() == 1
    assert w.token_create("card", "A", "spades", "stack:deck") == 2
    assert w.token_create("card", "K", "", To.zone("table", 2, 3, face_up=False)) == 3
    assert w.token_create("chip", "", "", "agent:ann") == 4
    assert w.token_create("card", "", "", "source:shoe") == 5
    assert w.token_create("card", "", "", "tray:shoe") == 6
    assert w.token_create("card", "", "", "discards:deck") == 7
    assert w.token_count() == 7
    t = w.token(2)
    assert (t.id, t.kind, t.label, t.group, t.location, t.where, t.home) == (
        2,
        "card",
        "A",
        "spades",
        "stack",
        "deck",
        "deck",
    )
    # Only tokens created on a stack's top have a home.
    assert [w.token(i).home for i in (1, 3, 4, 5, 6, 7)] == [None] * 6
    assert (w.token(1).kind, w.token(1).location) == ("", "loose")
    assert [(int(p["token"]), int(p["face_up"]), float(p["x"])) for p in w.zone("table")] == [
        (3, 0, 2.0)
    ]


def test_unknown_and_zero_ids(w: World) -> None:
    w.token_create()
    for bad in (0, 2, 2**32 - 1):
        with refused(w, NoSuchTokenError, "token.set_meta", f"token {bad} does not exist"):
            w.token_set_meta(bad, "k", 1)
    with pytest.raises(NoSuchTokenError):
        w.token(0)
    with pytest.raises(NoSuchTokenError):
        w.token(2)


def test_meta_is_typed_and_deletable(w: World) -> None:
    t = w.token_create("card")
    w.token_set_meta(t, "power", 7)
    w.token_set_meta(t, "shiny", False)
    w.token_set_meta(t, "weight", -0.5)
    w.token_set_meta(t, "owner", "ann")
    assert w.token(t).meta == {"power": 7, "shiny": False, "weight": -0.5, "owner": "ann"}
    w.token_set_meta(t, "power", None)
    assert w.token(t).meta == {"shiny": False, "weight": -0.5, "owner": "ann"}
    with refused(w, BadArgumentError, "token.set_meta"):
        w.token_set_meta(t, "", 1)


def test_transform_changes_given_fields_and_records_the_time(w: World) -> None:
    t = w.token_create("pawn", "p1", "white")
    assert w.token(t).transformed_at is None
    w.token_transform(t, 500, kind="queen")
    info = w.token(t)
    assert (info.kind, info.label, info.group, info.transformed_at) == ("queen", "p1", "white", 500)
    w.token_transform(t, 600, label="q1", group="black")
    info = w.token(t)
    assert (info.kind, info.label, info.group, info.transformed_at) == ("queen", "q1", "black", 600)
    with refused(w, BadArgumentError, "token.transform", "nothing to transform"):
        w.token_transform(t, 700)


def test_attach_and_detach(w: World) -> None:
    host, a, b = (w.token_create("t", str(i)) for i in range(3))
    w.token_attach(host, a, 10, kind="sword")
    w.token_attach(host, b, 11)
    assert w.token(host).attachments == [a, b]
    info = w.token(a)
    assert (info.location, info.where, info.attach_type, info.attached_at) == (
        "attached",
        host,
        "sword",
        10,
    )
    w.token_detach(host, a)
    assert w.token(host).attachments == [b]
    info = w.token(a)
    assert (info.location, info.where, info.attached_at) == ("loose", None, None)
    with refused(w, TokenNotHereError, "token.detach", f"token {a}"):
        w.token_detach(host, a)
    with refused(w, TokenNotLooseError, "token.attach", f"token {b}", f"attached to token {host}"):
        w.token_attach(a, b, 12)


def test_attach_refuses_cycles(w: World) -> None:
    a, b, c = (w.token_create("t", str(i)) for i in range(3))
    with refused(w, BadArgumentError, "token.attach", "cycle"):
        w.token_attach(a, a, 1)
    w.token_attach(a, b, 1)  # b on a
    w.token_attach(b, c, 1)  # c on b
    # a is loose, but attaching it under c (which hangs from a) would form a loop.
    with refused(w, BadArgumentError, "token.attach", "cycle"):
        w.token_attach(c, a, 1)
    with refused(w, BadArgumentError, "token.attach", "cycle"):
        w.token_attach(b, a, 1)
    d = w.token_create("t", "d")
    w.token_attach(c, d, 1)  # deeper chains are fine
    assert w.token(c).attachments == [d]


def test_attachments_travel_with_their_host(w: World) -> None:
    make_stack(w, "deck", 1)
    w.agent_create("ann")
    a = w.token_create("t")
    w.token_attach(1, a, 5)
    w.stack_draw("deck", 1, "agent:ann")
    assert w.token(a).location == "attached"
    assert w.token(1).attachments == [a]
    w.token_move(a, "agent:ann")  # moving an attachment detaches it
    assert w.token(1).attachments == []
    assert ids(w.inventory("ann")) == [1, a]


def test_merge_records_provenance(w: World) -> None:
    make_stack(w, "deck", 3)
    w.space_create_zone("table")
    w.token_set_meta(1, "a", 1)
    w.token_set_meta(1, "shared", "first")
    w.token_set_meta(3, "shared", "last")
    w.token_set_meta(3, "c", True)
    extra = w.token_create("gem")
    w.token_attach(2, extra, 1)
    m = w.token_merge([1, 3, 2], time_ms=1234, to=To.zone("table", 1, 1))
    info = w.token(m)
    assert m == 5
    assert (info.kind, info.label, info.merged_from, info.merged_at) == (
        "card",
        "0",
        [1, 3, 2],
        1234,
    )
    assert info.meta == {"a": 1, "shared": "last", "c": True}  # later tokens win
    assert info.attachments == [extra]
    assert (info.location, info.where, info.home) == ("zone", "table", None)
    assert (info.split_from, info.split_at) == (None, None)
    for original in (1, 2, 3):
        o = w.token(original)
        assert (o.location, o.where) == ("merged", m)
    assert ids(w.stack("deck")) == []
    assert w.token(extra).where == m
    m2 = w.token_merge([m, extra], time_ms=2000, kind="crown", label="L", group="G")
    info = w.token(m2)
    assert (info.kind, info.label, info.group, info.merged_from) == ("crown", "L", "G", [m, extra])
    assert info.attachments == []


def test_merge_arguments_are_checked(w: World) -> None:
    a, b = w.token_create("x"), w.token_create("y")
    with refused(w, BadArgumentError, "token.merge", "at least two"):
        w.token_merge([a], 1)
    with refused(w, BadArgumentError, "token.merge", "listed twice"):
        w.token_merge([a, a], 1)
    with refused(w, NoSuchTokenError, "token.merge", "token 9"):
        w.token_merge([a, 9], 1)
    m = w.token_merge([a, b], 1)
    for action, op in (
        (lambda: w.token_merge([a, m], 2), "token.merge"),
        (lambda: w.token_split(a, 2, 2), "token.split"),
        (lambda: w.token_move(a, None), "token.move"),
        (lambda: w.token_attach(m, a, 2), "token.attach"),
        (lambda: w.token_transform(a, 2, kind="z"), "token.transform"),
    ):
        with refused(w, TokenConsumedError, op, f"token {a}", f"merged into token {m}"):
            action()


def test_split_records_provenance(w: World) -> None:
    make_stack(w, "deck", 1)
    w.agent_create("ann")
    w.token_set_meta(1, "value", 10)
    ring = w.token_create("ring")
    w.token_attach(1, ring, 3)
    parts = w.token_split(1, 3, time_ms=777, to="agent:ann")
    assert parts == [3, 4, 5]
    assert ids(w.inventory("ann")) == parts
    for i, p in enumerate(parts):
        info = w.token(p)
        assert (info.kind, info.label, info.meta) == ("card", "0", {"value": 10})
        assert (info.split_from, info.split_index, info.split_at) == (1, i, 777)
        assert (info.merged_from, info.merged_at, info.home) == ([], None, None)
    assert (w.token(1).location, w.token(1).where) == ("split", None)
    assert w.token(ring).location == "loose"  # the original's attachments are let go
    with refused(w, TokenConsumedError, "token.split", "token 1", "split up"):
        w.token_split(1, 2, 800)


def test_split_count_bounds(w: World) -> None:
    t = w.token_create("x")
    for bad in (0, 1, 1025):
        with refused(w, BadArgumentError, "token.split", "2..1024"):
            w.token_split(t, bad, 1)
    assert len(w.token_split(t, 1024, 1)) == 1024


def test_move_from_anywhere(w: World) -> None:
    make_stack(w, "deck", 2)
    w.space_create_zone("table")
    w.source_create("shoe")
    w.token_move(2, To.zone("table", 4, 5, face_up=False))
    assert ids(w.stack("deck")) == [1]
    w.token_move(2, "tray:shoe")
    assert ids(w.tray("shoe")) == [2]
    assert len(w.zone("table")) == 0
    w.token_move(1, "stack:deck")  # to where it already is: back on top
    assert ids(w.stack("deck")) == [1]
    w.token_move(2)
    assert w.token(2).location == "loose"
    with refused(w, NoSuchTokenError, "token.move", "token 3"):
        w.token_move(3, None)


def test_token_argument_types(w: World) -> None:
    w.token_create()
    with refused(w, ActionTypeError, "token.move", "argument 1"):
        w.token_move("1", None)  # type: ignore[arg-type]
    with refused(w, ActionTypeError, "token.split", "argument 2"):
        w.token_split(1, True, 1)
    with refused(w, ActionTypeError, "token.merge", "list of token ids"):
        w.token_merge("12", 1)  # type: ignore[arg-type]


def test_merge_of_a_host_with_its_own_attachment(w: World) -> None:
    a, b, c = (w.token_create("t", str(i)) for i in range(3))
    w.token_attach(a, b, 1)
    w.token_attach(b, c, 2)
    m = w.token_merge([a, b], 3)
    w.check()
    # b was a's attachment and is now part of m; c, hanging from b, now hangs from m.
    assert w.token(m).attachments == [c]
    assert (w.token(c).location, w.token(c).where) == ("attached", m)
    assert w.token(m).merged_from == [a, b]
    m2 = w.token_merge([c, m], 4)  # an attachment merged with its own host
    w.check()
    assert w.token(m2).attachments == []
    assert w.token(m2).location == "loose"
