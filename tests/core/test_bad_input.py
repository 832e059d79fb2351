"""Bad input of every kind raises a clear CoreError subclass that names the action and the
object, and leaves the world bit-identical: unknown actions, malformed command bytes written
straight into the core, bad ids, wrong Python types, bad destinations, and snapshots that are
not snapshots of this core."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any

import pytest

from hypertoken.core import Batch, CoreError, To, World
from hypertoken.core.encode import enc_str
from hypertoken.core.errors import (
    ActionTypeError,
    BadArgumentError,
    CoreTrapError,
    InsufficientError,
    LockedError,
    MalformedActionError,
    NoSuchTokenError,
    NotFoundError,
    OverdrawError,
    SnapshotError,
    TokenNotLooseError,
    UnknownActionError,
)
from tests.kits.core import ids, isolated, make_stack, refused


@pytest.fixture
def w(w: World) -> World:
    make_stack(w, "deck", 5)
    w.space_create_zone("table")
    w.agent_create("ann")
    w.agent_give_resource("ann", "gold", 3)
    return w


# ---- unknown actions ----------------------------------------------------------------------


def test_unknown_action_name(w: World) -> None:
    with refused(w, UnknownActionError, "unknown action 'nope.x'") as info:
        w.do("nope.x")
    assert info.value.op == "nope.x"
    with refused(w, UnknownActionError, "'nope.draw'", "did you mean 'stack.draw'"):
        w.do("nope.draw", "deck", 1, None)
    with pytest.raises(UnknownActionError, match=r"'nope\.x'"):
        Batch().do("nope.x")


def test_wrong_number_of_arguments(w: World) -> None:
    # do() takes the typed method's arguments: the message shows them.
    with refused(w, ActionTypeError, "stack.draw(name, count=1, to=None)", "'name'"):
        w.do("stack.draw")
    with refused(w, ActionTypeError, "stack.create(name)", "too many"):
        w.do("stack.create", "a", "b")
    with refused(w, ActionTypeError, "stack.draw", "unexpected keyword", "'too'"):
        w.do("stack.draw", "deck", too=None)
    # Under the typed methods, the encoder checks the core's own argument count.
    with refused(w, ActionTypeError, "stack.draw takes 3 arguments, got 1"):
        w._act("stack.draw", "deck")


# ---- raw command bytes -------------------------------------------------------------------


def _code(w: World, op: str) -> int:
    return w.manifest.ops[op].code


def _action(code: int, body: bytes, nbytes: int | None = None) -> bytes:
    return struct.pack("<II", code, len(body) if nbytes is None else nbytes) + body


def _raw(*actions: bytes, flags: int = 1) -> bytes:
    return struct.pack("<II", len(actions), flags) + b"".join(actions)


def _dest(kind: int, name: str, flags: int = 0, x: float = 0.0, y: float = 0.0) -> bytes:
    return struct.pack("<IIdd", kind, flags, x, y) + enc_str(name)


def _u32(v: int) -> bytes:
    return struct.pack("<I", v)


def _f64(v: float) -> bytes:
    return struct.pack("<d", v)


RAW: list[tuple[str, type[CoreError], str, Callable[[World], bytes]]] = [
    (
        "unknown op code",
        UnknownActionError,
        "unknown action code 999",
        lambda w: _raw(_action(999, b"")),
    ),
    (
        "string longer than its arguments",
        MalformedActionError,
        "string longer",
        lambda w: _raw(_action(_code(w, "stack.create"), _u32(100) + b"ab\0\0")),
    ),
    (
        "extra argument bytes",
        MalformedActionError,
        "extra argument bytes",
        lambda w: _raw(_action(_code(w, "stack.create"), enc_str("new") + _u32(7))),
    ),
    (
        "truncated arguments",
        MalformedActionError,
        "truncated",
        lambda w: _raw(_action(_code(w, "stack.draw"), enc_str("deck") + b"\1\0")),
    ),
    (
        "arguments past the end of the buffer",
        MalformedActionError,
        "past the end",
        lambda w: _raw(_action(_code(w, "stack.create"), b"", nbytes=0xFFFFFFFF)),
    ),
    (
        "bool that is 2",
        ActionTypeError,
        "boolean must be 0 or 1",
        lambda w: _raw(_action(_code(w, "space.lock_zone"), enc_str("table") + _u32(2))),
    ),
    (
        "destination kind 9",
        ActionTypeError,
        "destination kind",
        lambda w: _raw(_action(_code(w, "stack.draw"), enc_str("deck") + _u32(1) + _dest(9, "x"))),
    ),
    (
        "destination flags 2",
        ActionTypeError,
        "destination flags",
        lambda w: _raw(
            _action(_code(w, "stack.draw"), enc_str("deck") + _u32(1) + _dest(4, "ann", flags=2))
        ),
    ),
    (
        "NaN coordinate",
        ActionTypeError,
        "finite",
        lambda w: _raw(
            _action(
                _code(w, "space.place"),
                enc_str("table") + _u32(6) + _f64(math.nan) + _f64(0) + _u32(1),
            )
        ),
    ),
    (
        "infinite destination",
        ActionTypeError,
        "finite",
        lambda w: _raw(
            _action(_code(w, "token.create"), enc_str("") * 3 + _dest(3, "table", x=math.inf))
        ),
    ),
    (
        "value tag 9",
        ActionTypeError,
        "value tag",
        lambda w: _raw(_action(_code(w, "game.set_property"), enc_str("k") + _u32(9))),
    ),
    (
        "NaN value",
        ActionTypeError,
        "NaN",
        lambda w: _raw(
            _action(_code(w, "game.set_property"), enc_str("k") + _u32(2) + _f64(math.nan))
        ),
    ),
    (
        "string value then junk",
        MalformedActionError,
        "extra argument bytes",
        lambda w: _raw(
            _action(
                _code(w, "game.set_property"),
                enc_str("brand-new-key") + _u32(4) + enc_str("brand-new-value") + _u32(0),
            )
        ),
    ),
    (
        "id list longer than its arguments",
        MalformedActionError,
        "id list",
        lambda w: _raw(_action(_code(w, "token.merge"), _u32(1000) + _u32(1))),
    ),
    (
        "predicate field 11",
        ActionTypeError,
        "predicate field",
        lambda w: _raw(
            _action(_code(w, "batch.count"), _u32(1) + enc_str("deck") + _u32(11) + enc_str(""))
        ),
    ),
    (
        "container kind 9",
        ActionTypeError,
        "container kind",
        lambda w: _raw(
            _action(_code(w, "batch.count"), _u32(9) + enc_str("deck") + _u32(0) + enc_str(""))
        ),
    ),
    (
        "deal from kind 3",
        ActionTypeError,
        "stack (1) or a source (5)",
        lambda w: _raw(
            _action(
                _code(w, "batch.draw"),
                _u32(3) + enc_str("table") + _u32(1) + _u32(1) + _dest(0, ""),
            )
        ),
    ),
    (
        "flip mode 3",
        ActionTypeError,
        "flip mode",
        lambda w: _raw(_action(_code(w, "space.flip"), _u32(1) + _u32(3))),
    ),
    (
        "reshuffle mode 2",
        ActionTypeError,
        "reshuffle mode",
        lambda w: _raw(
            _action(_code(w, "source.create"), enc_str("shoe")),
            _action(_code(w, "source.set_reshuffle_policy"), enc_str("shoe") + _u32(1) + _u32(2)),
        ),
    ),
    (
        "atomic batch failing after a valid action",
        MalformedActionError,
        "action 2 of 2",
        lambda w: _raw(
            _action(_code(w, "stack.create"), enc_str("new")),
            _action(_code(w, "stack.create"), enc_str("x") + b"junk"),
        ),
    ),
]


@pytest.mark.parametrize(("what", "exc", "needle", "blob"), RAW, ids=[r[0] for r in RAW])
def test_malformed_command_bytes_are_refused(
    w: World, what: str, exc: type[CoreError], needle: str, blob: Callable[[World], bytes]
) -> None:
    raw = blob(w)
    names = [f"raw{i}" for i in range(struct.unpack_from("<I", raw)[0])]
    with refused(w, exc, needle):
        w._run(raw, names)
    # The world still works afterwards.
    assert w.stack_draw("deck", 1) == [5]


def test_a_count_beyond_the_written_actions_reads_zeros_as_malformed() -> None:
    # The command count is trusted: in a fresh world the unwritten buffer is zeros, which
    # decode as an action with missing arguments.
    w = World()
    before = w.state_hash()
    with pytest.raises(MalformedActionError):
        w._run(
            struct.pack("<II", 3, 1) + _action(_code(w, "stack.create"), enc_str("a")),
            ["stack.create", "?", "?"],
        )
    assert w.state_hash() == before


def test_an_empty_command_list_does_nothing(w: World) -> None:
    before = w.state_hash()
    w._run(_raw(), [])
    assert w.state_hash() == before
    assert list(w.apply(Batch())) == []


# ---- ids and Python types ----------------------------------------------------------------


def test_bad_token_ids(w: World) -> None:
    for bad in (0, 6, 10**6, 2**32 - 1):
        with refused(w, NoSuchTokenError, "stack.insert_at", f"token {bad} does not exist"):
            w.stack_insert_at("deck", 0, bad)
    with refused(w, TokenNotLooseError, "agent.add_token", "token 5", "stack 'deck'"):
        w.agent_add_token("ann", 5)


#: Deliberately ill-typed calls: each takes its World as ``Any`` so the type checker lets
#: through what the facade must refuse at run time.
BAD_TYPES: list[tuple[str, Callable[[Any], Any], str]] = [
    ("str for int", lambda w: w.stack_draw("deck", "2"), "argument 2 must be an int"),
    ("bool for int", lambda w: w.stack_draw("deck", True), "not bool True"),
    ("float for int", lambda w: w.stack_draw("deck", 2.0), "not float 2.0"),
    ("negative count", lambda w: w.stack_draw("deck", -1), "0..2**32-1"),
    ("oversize count", lambda w: w.stack_draw("deck", 2**32), "0..2**32-1"),
    ("negative token id", lambda w: w.token_move(-1, None), "argument 1"),
    ("oversize time", lambda w: w.game_start(2**63), "64-bit int"),
    ("float time", lambda w: w.game_start(1.5), "64-bit int"),
    ("oversize amount", lambda w: w.agent_give_resource("ann", "gold", 2**63), "64-bit int"),
    ("oversize value", lambda w: w.game_set_property("k", 2**64), "64-bit int"),
    ("NaN value", lambda w: w.token_set_meta(1, "k", math.nan), "not NaN"),
    ("list value", lambda w: w.agent_set_meta("ann", "k", [1]), "None, bool, int, float or str"),
    ("NaN coordinate", lambda w: w.space_spread("table", math.nan, 0, 1), "finite number"),
    ("inf coordinate", lambda w: w.space_place("table", 1, math.inf), "finite number"),
    ("str coordinate", lambda w: w.space_stack("table", "1"), "finite number"),
    ("int for bool", lambda w: w.space_lock_zone("table", 1), "must be a bool"),
    ("int for name", lambda w: w.stack_create(5), "must be a str"),
    ("bytes for name", lambda w: w.stack_create(b"x"), "must be a str"),
    ("None for name", lambda w: w.agent_create(None), "must be a str"),
    ("str for id list", lambda w: w.token_merge("12", 1), "list of token ids"),
    ("str in id list", lambda w: w.token_merge([1, "2"], 1), "list of token ids"),
    ("int for id list", lambda w: w.token_merge(5, 1), "list of token ids"),
    ("str for trade tokens", lambda w: w.agent_trade("ann", "ann", "12"), "list of token ids"),
    ("str for name list", lambda w: w.batch_shuffle("deck", 1), "list of names"),
    ("int in name list", lambda w: w.batch_shuffle(["deck", 1], 1), "list of names"),
    ("NaN destination", lambda w: w.stack_draw("deck", 1, To.zone("table", math.nan)), "finite"),
    ("unknown destination kind", lambda w: w.stack_draw("deck", 1, "bogus:x"), "'bogus'"),
    ("destination without a name", lambda w: w.stack_draw("deck", 1, "stack:"), "kind:name"),
    ("destination without a kind", lambda w: w.stack_draw("deck", 1, "deck"), "kind:name"),
    ("'all' as a destination", lambda w: w.stack_draw("deck", 1, "all"), "kind:name"),
    ("int destination", lambda w: w.stack_draw("deck", 1, 3), "not int"),
    ("To with unknown kind", lambda w: w.stack_draw("deck", 1, To("bogus", "x")), "'bogus'"),
    (
        "destination list of str",
        lambda w: w.batch_draw("stack:deck", 1, "agent:ann"),
        "list of dest",
    ),
    (
        "container list of str",
        lambda w: w.batch_collect("stack:deck", "deck"),
        "list of containers",
    ),
    ("flip mode", lambda w: w.space_flip(1, "over"), "mode must be one of"),
]


@pytest.mark.parametrize(("what", "action", "needle"), BAD_TYPES, ids=[b[0] for b in BAD_TYPES])
def test_wrong_python_types_are_refused_before_the_core(
    w: World, what: str, action: Callable[[Any], Any], needle: str
) -> None:
    with refused(w, ActionTypeError, needle) as info:
        action(w)
    assert info.value.op  # the exception carries the action's name
    assert info.value.op in str(info.value)
    assert isinstance(info.value, TypeError)


def test_a_batch_refuses_bad_types_while_it_is_built(w: World) -> None:
    b = Batch().stack_shuffle("deck", 1)
    with pytest.raises(ActionTypeError, match=r"stack\.draw"):
        b.stack_draw("deck", "1")  # type: ignore[arg-type]
    assert len(b) == 1


def test_destinations_naming_missing_or_locked_things(w: World) -> None:
    with refused(w, NotFoundError, "stack.draw", "no zone named 'nope'"):
        w.stack_draw("deck", 1, "zone:nope")
    with refused(w, NotFoundError, "token.create", "no agent named 'bob'"):
        w.token_create("x", "", "", To.agent("bob"))
    w.space_lock_zone("table")
    with refused(w, LockedError, "token.create", "zone 'table' is locked"):
        w.token_create("x", "", "", "zone:table")


# ---- error messages ---------------------------------------------------------------------


MESSAGES: list[tuple[Callable[[World], Any], str, str, type[CoreError]]] = [
    (lambda w: w.stack_draw("deck", 9), "stack.draw", "'deck'", OverdrawError),
    (lambda w: w.stack_draw("dock", 1), "stack.draw", "'dock'", NotFoundError),
    (lambda w: w.space_delete_zone("tabel"), "space.delete_zone", "'tabel'", NotFoundError),
    (
        lambda w: w.agent_take_resource("ann", "gold", 4),
        "agent.take_resource",
        "'gold'",
        InsufficientError,
    ),
    (
        lambda w: w.agent_give_resource("bob", "gold", 1),
        "agent.give_resource",
        "'bob'",
        NotFoundError,
    ),
    (lambda w: w.source_draw("shoe"), "source.draw", "'shoe'", NotFoundError),
    (
        lambda w: w.agent_draw_cards("ann", "deck", 0),
        "agent.draw_cards",
        "'deck'",
        BadArgumentError,
    ),
    (
        lambda w: w.agent_transfer_resource("ann", "ann", "gold", 1),
        "agent.transfer_resource",
        "'ann'",
        BadArgumentError,
    ),
    (lambda w: w.stack_insert_at("deck", 0, 3), "stack.insert_at", "token 3", TokenNotLooseError),
]


@pytest.mark.parametrize(
    ("action", "op", "obj", "exc"), MESSAGES, ids=[f"{m[1]}-{m[2]}" for m in MESSAGES]
)
def test_error_messages_name_the_action_and_the_object(
    w: World, action: Callable[[World], Any], op: str, obj: str, exc: type[CoreError]
) -> None:
    with refused(w, exc, op, obj) as info:
        action(w)
    message = str(info.value)
    assert message.startswith(f"{op}: ")
    assert info.value.op == op


# ---- restore ------------------------------------------------------------------------------


def _prefix(w: World) -> int:
    return len(w._snap_prefix)


def test_restore_refuses_what_is_not_a_snapshot(w: World) -> None:
    snap = w.snapshot()
    p = _prefix(w)
    hdr = w.manifest.records["Header"][1]
    w.stack_shuffle("deck", 3)  # the world now differs from the snapshot

    def patched(at: int, data: bytes) -> bytes:
        return snap[:at] + data + snap[at + len(data) :]

    cases: list[tuple[Any, str]] = [
        (b"", "bad magic"),
        (b"garbage", "bad magic"),
        (b"HTS1", "truncated"),
        (bytearray(b"\xff" * 64), "bad magic"),
        ("HTS1" + "x" * 100, "snapshot is bytes, not str"),
        (123, "not int"),
        (None, "not NoneType"),
        (patched(4, b"\0" * 8), "different core.wasm"),
        (snap[: p + 100], "impossible size"),
        (snap[:-16], "truncated or padded"),
        (snap + b"\0" * 16, "truncated or padded"),
        (patched(p, b"XXXX"), "header does not match"),
        (patched(p + 4, _u32(99)), "header does not match"),
        (patched(p + hdr["arena"], _u32(7)), "truncated or padded"),
    ]
    for bad, needle in cases:
        with refused(w, SnapshotError, needle):
            w.restore(bad)
        with refused(w, SnapshotError, needle):
            w.restore(bad, verify=True)
    w.restore(snap)
    assert ids(w.stack("deck")) == [1, 2, 3, 4, 5]


def test_verified_restore_refuses_a_body_that_breaks_the_invariants(w: World) -> None:
    snap = bytearray(w.snapshot())
    p = _prefix(w)
    ptr, _ = w._hlist("tokens")
    size, offs = w.manifest.records["Token"]
    at = p + (ptr - w._base) + 2 * size + offs["loc_kind"]  # token 3, in the stack
    snap[at : at + 4] = _u32(3)  # ... claims to be in a zone
    w.stack_shuffle("deck", 11)
    with refused(w, SnapshotError, "invariants"):
        w.restore(bytes(snap), verify=True)
    assert w.stack_peek("deck", 5) == list(reversed(ids(w.stack("deck"))))


def test_verified_restore_of_a_garbage_body_changes_nothing(w: World) -> None:
    good = w.snapshot()
    p = _prefix(w)
    hdr_size = w.manifest.records["Header"][0]
    garbage = bytes((i * 151 + 7) & 0xFF for i in range(len(good) - p - hdr_size))
    bad = good[: p + hdr_size] + garbage  # a valid header over nonsense
    with refused(w, SnapshotError):
        w.restore(bad, verify=True)
    assert w.stack_draw("deck", 1) == [5]


@pytest.mark.parametrize("fast", [True, False])
@isolated
def test_a_trap_is_a_core_error_and_a_good_snapshot_recovers(fast: bool) -> None:
    # An unverified restore trusts its bytes. A token list claiming 10**8 tokens makes a
    # query over "all" read past the end of memory; both call paths turn the trap into
    # CoreTrapError, and the instance keeps working once a good snapshot is back.
    w = World(fast=fast)
    make_stack(w, "deck", 5)
    good = w.snapshot()
    bad = bytearray(good)
    at = _prefix(w) + w.manifest.records["Header"][1]["tokens"]
    bad[at + 4 : at + 8] = _u32(10**8)
    w.restore(bytes(bad))
    with pytest.raises(CoreTrapError, match="trapped in ht_exec"):
        w.batch_count("all")
    with pytest.raises(CoreTrapError):
        w.batch_count("all")  # the trap slot was cleared: a second trap is reported again
    with pytest.raises(CoreError, match="longer than its capacity"):
        w.check()
    w.restore(good)
    w.check()
    assert w.stack_draw("deck", 2) == [5, 4]
