"""Log entries (format 2): encoding, signing over the room's genesis, decoding hostile
text, the links that place an entry in the signed order, and clear errors for bad input.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import math
from typing import Any

import msgpack
import pytest

from hypertoken.log.chronicle import Chronicle
from hypertoken.log.entries import (
    DIGEST_SIZE,
    MAX_ARG_BYTES,
    MAX_ARGS,
    MAX_COUNTER,
    MAX_PARENTS,
    MAX_TEXT,
    Entry,
    EntryError,
    decode_entry,
    encode_body,
    make_entry,
    verify_entry,
)
from hypertoken.log.identity import SIGNATURE_SIZE, Identity, Verifier, peer_id_of
from tests.kits.engine import IDS
from tests.log.logkit import room

CONFIG = room()
G = CONFIG.genesis
D1, D2, D3 = (bytes([n]) * DIGEST_SIZE for n in (1, 2, 3))


def _make(identity: Identity | None = IDS[0], genesis: bytes = G, **kw: Any) -> Entry:
    """An entry of ``player_0`` with every field defaulted (seq 0: no prev, lamport 1)."""
    fields: dict[str, Any] = {
        "seat": "player_0",
        "move": "place",
        "args": (4,),
        "time_ms": 1234,
        "seq": 0,
        "prev": b"",
        "parents": (),
        "lamport": 1,
    }
    fields.update(kw)
    seat, move, args, time_ms = (fields.pop(k) for k in ("seat", "move", "args", "time_ms"))
    return make_entry(identity, genesis, seat, move, args, time_ms, **fields)


_FIELDS: dict[str, Any] = {
    "actor": "a",
    "seat": "player_0",
    "move": "m",
    "args": [],
    "time_ms": 0,
    "seq": 0,
    "prev": b"",
    "parents": [],
    "lamport": 1,
}


def _body(**kw: Any) -> bytes:
    """A raw entry body (msgpack map) with every field defaulted, for decoding tests."""
    fields = {**_FIELDS, **kw}
    out: bytes = msgpack.packb(fields, use_bin_type=True)
    return out


def _text(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _local(body: bytes) -> str:
    """Stored text of an unsigned (format 0) entry with this body."""
    return _text(b"\x00" + body)


def _signed(sig: bytes, body: bytes) -> str:
    """Stored text of a signed (format 2) entry with this signature and body."""
    return _text(b"\x02" + sig + body)


# ---- round trips ------------------------------------------------------------------------


def test_signed_entry_round_trips_and_verifies() -> None:
    entry = _make(args=[4, [1, "x", b"\x00"]], seq=3, prev=D3, parents=[D2, D1], lamport=9)
    again = decode_entry(entry.to_text())
    assert again == entry
    assert again.args == (4, (1, "x", b"\x00"))  # lists come back as tuples
    assert again.actor == IDS[0].peer_id == peer_id_of(IDS[0].public_key)
    assert (again.seq, again.prev, again.parents, again.lamport) == (3, D3, (D1, D2), 9)
    assert again.deps == (D3, D1, D2)  # prev first, then the sorted parents
    assert again.signed and len(again.sig) == SIGNATURE_SIZE
    assert again.digest == hashlib.blake2b(again.body, digest_size=16).digest()
    v = Verifier()
    assert verify_entry(again, IDS[0].public_key, G, v)
    assert not verify_entry(again, IDS[1].public_key, G, v)  # another key
    assert not verify_entry(again, IDS[0].public_key, room(room_id="other").genesis, v)
    assert not verify_entry(again, b"\x00" * 5, G, v)  # a malformed key is just invalid


def test_the_digest_is_the_body_s_and_the_signature_is_not_part_of_it() -> None:
    signed = _make()
    unsigned = _make(None, actor=IDS[0].peer_id)
    assert signed.body == unsigned.body and signed.digest == unsigned.digest
    assert _make(args=(5,)).digest != signed.digest
    assert _make(lamport=2).digest != signed.digest


def test_unsigned_entries_decode_and_never_verify() -> None:
    entry = _make(None, actor="local")
    again = decode_entry(entry.to_text())
    assert again == entry and not again.signed and again.actor == "local"
    assert not verify_entry(again, IDS[0].public_key, G, Verifier())
    with pytest.raises(ValueError, match="needs its actor"):
        _make(None)


def test_signatures_are_deterministic_so_contributions_can_be_recomputed() -> None:
    seed = b"s" * 32
    assert Identity.from_seed(seed).sign(b"x") == Identity.from_seed(seed).sign(b"x")
    assert Identity.from_seed(seed).private_bytes() == seed
    assert _make().to_text() == _make().to_text()


# ---- bad fields ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("actor", "", "non-empty str"),
        ("seat", "", "non-empty str"),
        ("seat", 3, "non-empty str"),
        ("move", "m" * 65, "at most 64"),
        ("args", "notalist", "must be a list"),
        ("args", [object()], "entry arguments are"),
        ("args", [math.nan], "finite"),
        ("args", [math.inf], "finite"),
        ("args", [2**70], "64 bits"),
        ("args", [True, None, 1.5, "x", b"y"], None),  # every scalar kind is fine
        ("time_ms", -1, r"0\.\.9223372036854775807"),
        ("time_ms", 2**63, r"0\.\.9223372036854775807"),
        ("time_ms", True, "must be an int"),
        ("lamport", 1.5, "must be an int"),
    ],
)
def test_encoding_rejects_bad_fields_clearly(
    field: str, value: object, message: str | None
) -> None:
    fields = {**_FIELDS, field: value}
    if message is None:
        body, frozen = encode_body(**fields)
        assert decode_entry(_local(body)).args == frozen
        return
    with pytest.raises(EntryError, match=message):
        encode_body(**fields)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (123, "is text"),
        ("", "empty"),
        ("@@@", "not valid base64"),
        (_text(b"\x05abc"), "unknown entry format 5"),
        (_text(b"\x01abc"), "unknown entry format 1"),  # format 1 is gone
        (_text(b"\x02" + b"s" * 10), "too short"),
        (_text(b"\x02" + b"s" * SIGNATURE_SIZE), "too short"),  # a signature, no body
        (_text(b"\x00\xc1"), "not valid msgpack"),
        (_text(b"\x00" + msgpack.packb([1, 2])), "exactly the fields"),
        (
            _text(b"\x00" + msgpack.packb({"actor": "a", "seat": "s", "move": "m", "args": []})),
            "exactly the fields",
        ),
        (_local(_body(extra=1)), "not valid msgpack"),  # more keys than fields: refused unread
        (_local(_body(time_ms=None)), "'time_ms' must be an int"),
        (_local(_body(args=5)), "must be a list"),
        (_local(_body(actor=b"a")), "non-empty str"),
        (_local(_body(lamport=-1)), "'lamport' must be an int"),
        ("A" * (MAX_TEXT + 4), "limit"),
    ],
)
def test_decoding_rejects_malformed_text_clearly(text: object, message: str) -> None:
    with pytest.raises(EntryError, match=message):
        decode_entry(text)


# ---- links: seq, prev, parents ------------------------------------------------------------

_LINK_CASES = [
    pytest.param({"seq": 0, "prev": D1}, "only it has no 'prev'", id="seq0-with-prev"),
    pytest.param({"seq": 1, "prev": b""}, "only it has no 'prev'", id="seq1-without-prev"),
    pytest.param({"seq": 1, "prev": b"x" * 15}, "16-byte digest or empty", id="short-prev"),
    pytest.param({"seq": 1, "prev": b"x" * 17}, "16-byte digest or empty", id="long-prev"),
    pytest.param({"seq": 1, "prev": "x" * 16}, "16-byte digest or empty", id="text-prev"),
    pytest.param({"parents": [D1, D1]}, "sorted, distinct", id="duplicate-parents"),
    pytest.param({"seq": 1, "prev": D1, "parents": [D1, D2]}, "exclude 'prev'", id="prev-too"),
    pytest.param({"parents": [b"x" * 15]}, "16-byte digests", id="short-parent"),
    pytest.param({"parents": [b"x" * 32]}, "16-byte digests", id="long-parent"),
    pytest.param(
        {"parents": [bytes([i // 256, i % 256]) * 8 for i in range(MAX_PARENTS + 1)]},
        f"at most {MAX_PARENTS}",
        id="too-many-parents",
    ),
]


@pytest.mark.parametrize(("links", "message"), _LINK_CASES)
def test_links_are_checked_when_encoding(links: dict[str, Any], message: str) -> None:
    with pytest.raises(EntryError, match=message):
        encode_body(**{**_FIELDS, **links})
    with pytest.raises(EntryError, match=message):
        _make(**links)


@pytest.mark.parametrize(
    ("links", "message"),
    [
        *(c for c in _LINK_CASES if c.id != "too-many-parents"),
        # more items than any honest entry has: msgpack refuses the body unread
        pytest.param(
            {"parents": [bytes([i]) * DIGEST_SIZE for i in range(MAX_PARENTS + 1)]},
            "not valid msgpack",
            id="too-many-parents",
        ),
        pytest.param({"parents": [D2, D1]}, "must be sorted", id="unsorted-parents"),
        pytest.param({"parents": b"x" * 16}, "list of at most", id="parents-not-a-list"),
        pytest.param({"parents": [D1, 5]}, "16-byte digests", id="parent-not-bytes"),
    ],
)
def test_links_are_checked_when_decoding(links: dict[str, Any], message: str) -> None:
    with pytest.raises(EntryError, match=message):
        decode_entry(_local(_body(**links)))


def test_well_formed_links_are_accepted_and_parents_are_sorted_when_encoding() -> None:
    many = sorted(bytes([i]) * DIGEST_SIZE for i in range(MAX_PARENTS))
    assert decode_entry(_local(_body(parents=many))).parents == tuple(many)
    entry = _make(seq=1, prev=D3, parents=[D2, D1], lamport=2)
    assert entry.parents == (D1, D2)  # the writer's order does not matter
    assert decode_entry(entry.to_text()).parents == (D1, D2)
    body, _ = encode_body(**{**_FIELDS, "parents": [D3, D1]})
    assert msgpack.unpackb(body)["parents"] == [D1, D3]


@pytest.mark.parametrize("field", ["seq", "lamport"])
def test_sequence_numbers_and_lamports_stay_below_2_to_the_48(field: str) -> None:
    assert MAX_COUNTER == 2**48
    links = {"prev": D1} if field == "seq" else {}
    top = {**_FIELDS, **links, field: MAX_COUNTER - 1}
    body, _ = encode_body(**top)
    assert getattr(decode_entry(_local(body)), field) == MAX_COUNTER - 1
    over = {**top, field: MAX_COUNTER}
    with pytest.raises(EntryError, match=f"'{field}' must be an int in 0..{MAX_COUNTER - 1}"):
        encode_body(**over)
    with pytest.raises(EntryError, match=f"'{field}' must be an int"):
        decode_entry(_local(_body(**{**links, field: MAX_COUNTER})))
    with pytest.raises(EntryError, match=f"'{field}' must be an int"):
        decode_entry(_local(_body(**{**links, field: 2**64 - 1})))


# ---- size and nesting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message", "decoding"),
    [
        ([[[1]]], "two levels at most", None),
        ([[1, [2, [3]]]], "two levels at most", None),
        # msgpack itself refuses arrays longer than an entry ever holds
        (list(range(MAX_ARGS + 1)), f"more than {MAX_ARGS}", "not valid msgpack"),
        ([list(range(MAX_ARGS + 1))], f"more than {MAX_ARGS}", "not valid msgpack"),
        (["x" * (MAX_ARG_BYTES + 1)], "longer than", None),
        ([b"x" * (MAX_ARG_BYTES + 1)], "longer than", None),
        ([["x" * (MAX_ARG_BYTES + 1)]], "longer than", None),
    ],
)
def test_oversized_and_deeply_nested_args_are_refused(
    args: list[Any], message: str, decoding: str | None
) -> None:
    with pytest.raises(EntryError, match=message):
        encode_body(**{**_FIELDS, "args": args})
    with pytest.raises(EntryError, match=decoding or message):
        decode_entry(_local(_body(args=args)))


def test_args_at_the_limits_are_accepted() -> None:
    args = [list(range(MAX_ARGS)), "x" * MAX_ARG_BYTES, *range(MAX_ARGS - 2)]
    entry = _make(args=args)
    assert decode_entry(entry.to_text()).args == (tuple(range(MAX_ARGS)), "x" * 4096, *range(62))


def test_hostile_nesting_and_sizes_in_a_body_are_refused_cheaply() -> None:
    deep = b"\x91" * 5000 + b"\x01"  # 5000 nested one-element arrays
    body = _body().replace(b"\xa4args\x90", b"\xa4args" + deep)
    assert body != _body()
    with pytest.raises(EntryError, match="not valid msgpack"):
        decode_entry(_local(body))
    huge_map = _text(b"\x00" + b"\xdf\xff\xff\xff\xff")  # claims 2**32 - 1 keys
    with pytest.raises(EntryError, match="not valid msgpack"):
        decode_entry(huge_map)


def test_make_entry_never_builds_an_entry_that_decoding_refuses() -> None:
    args = ["x" * MAX_ARG_BYTES] * 4  # each argument is within the limits
    try:
        entry = _make(args=args)
    except EntryError:
        return  # refusing it here is fine: then nobody ever stores it
    assert decode_entry(entry.to_text()) == entry


@pytest.mark.parametrize("parents", [[D1, 5], 5, None])
def test_parents_of_the_wrong_type_raise_entry_error(parents: object) -> None:
    with pytest.raises(EntryError, match="parents"):
        encode_body(**{**_FIELDS, "parents": parents})


# ---- signatures ---------------------------------------------------------------------------


def test_a_forged_signature_fails_verification() -> None:
    entry = _make()
    v = Verifier()
    key = IDS[0].public_key
    flipped = bytes([entry.sig[0] ^ 1]) + entry.sig[1:]
    by_another = IDS[1].sign(b"hypertoken/entry/2" + G + entry.body)  # right payload, wrong key
    other_body = _make(args=(5,))
    forgeries = {
        "a flipped bit": _signed(flipped, entry.body),
        "another key's signature": _signed(by_another, entry.body),
        "another body's signature": _signed(other_body.sig, entry.body),
        "a zero signature": _signed(b"\x00" * SIGNATURE_SIZE, entry.body),
    }
    for what, text in forgeries.items():
        forged = decode_entry(text)  # well formed: only the signature is wrong
        assert forged.actor == IDS[0].peer_id and forged.digest == entry.digest
        assert not verify_entry(forged, key, G, v), what
    assert verify_entry(decode_entry(entry.to_text()), key, G, v)


def test_a_forged_entry_is_refused_by_the_chronicle() -> None:
    c = Chronicle.create(CONFIG)
    entry = _make()
    assert c.check_text(entry.to_text(), IDS[0].peer_id, 0) == entry
    flipped = _signed(bytes([entry.sig[0] ^ 1]) + entry.sig[1:], entry.body)
    with pytest.raises(EntryError, match="bad signature"):
        c.check_text(flipped, IDS[0].peer_id, 0)


@pytest.mark.parametrize(
    "change",
    [
        {"epoch_size": 8},
        {"options": {"rounds": 3}},
        {"max_turns": 9},
        {"game_version": 2},
        {"core": "c1" * 32},
        {"seats": {"player_1": IDS[1].public_key, "player_0": IDS[0].public_key}},
    ],
)
def test_an_entry_signed_for_one_config_does_not_verify_under_another_with_the_same_room_id(
    change: dict[str, Any],
) -> None:
    other = dataclasses.replace(CONFIG, **change)
    assert other.room == CONFIG.room and other.genesis != CONFIG.genesis
    entry = _make()
    v = Verifier()
    assert verify_entry(entry, IDS[0].public_key, CONFIG.genesis, v)
    assert not verify_entry(entry, IDS[0].public_key, other.genesis, v)
    with pytest.raises(EntryError, match="bad signature"):
        Chronicle.create(other).check_text(entry.to_text(), IDS[0].peer_id, 0)
