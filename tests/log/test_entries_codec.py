"""Log entries: encoding, signing and decoding, and clear errors for bad input."""

from __future__ import annotations

import base64
import math

import msgpack
import pytest

from hypertoken.log.entries import (
    MAX_TEXT,
    EntryError,
    decode_entry,
    encode_body,
    entry_context,
    local_entry,
    sign_entry,
    verify_entry,
)
from hypertoken.log.identity import Identity, Verifier, peer_id_of
from tests.kits.engine import IDS

CTX = entry_context("room", 0)


def test_signed_entry_round_trips_and_verifies() -> None:
    entry = sign_entry(IDS[0], CTX, "player_0", "place", [4, [1, "x", b"\x00"]], 1234, 7)
    again = decode_entry(entry.to_text())
    assert again == entry
    assert again.args == (4, (1, "x", b"\x00"))  # lists come back as tuples
    assert again.actor == IDS[0].peer_id == peer_id_of(IDS[0].public_key)
    v = Verifier()
    assert verify_entry(again, IDS[0].public_key, CTX, v)
    assert not verify_entry(again, IDS[1].public_key, CTX, v)  # another key
    assert not verify_entry(again, IDS[0].public_key, entry_context("room", 1), v)  # epoch
    assert not verify_entry(again, IDS[0].public_key, entry_context("other", 0), v)  # room
    assert not verify_entry(again, b"\x00" * 5, CTX, v)  # a malformed key is just invalid


def test_unsigned_entries_decode_and_never_verify() -> None:
    entry = local_entry("local", "player_0", "act", (1,), 0, 0)
    again = decode_entry(entry.to_text())
    assert again == entry and not again.signed
    assert not verify_entry(again, IDS[0].public_key, CTX, Verifier())


def test_signatures_are_deterministic_so_contributions_can_be_recomputed() -> None:
    seed = b"s" * 32
    assert Identity.from_seed(seed).sign(b"x") == Identity.from_seed(seed).sign(b"x")
    assert Identity.from_seed(seed).private_bytes() == seed


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("seat", "", "non-empty str"),
        ("seat", 3, "non-empty str"),
        ("move", "m" * 65, "at most 64"),
        ("args", "notalist", "must be a list"),
        ("args", [object()], "entry arguments are"),
        ("args", [[[1]]], "two levels at most"),
        ("args", [math.nan], "finite"),
        ("args", [2**70], "64 bits"),
        ("args", list(range(65)), "more than 64"),
        ("args", ["x" * 5000], "longer than"),
        ("time_ms", -1, "0..2"),
        ("lamport", 1.5, "0..2"),
    ],
)
def test_encoding_rejects_bad_fields_clearly(field: str, value: object, message: str) -> None:
    fields = {"actor": "a", "seat": "player_0", "move": "m", "args": [], "time_ms": 0, "lamport": 0}
    fields[field] = value
    with pytest.raises(EntryError, match=message):
        encode_body(**fields)  # type: ignore[arg-type]


def _text(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (123, "is text"),
        ("", "empty"),
        ("@@@", "not valid base64"),
        (_text(b"\x05abc"), "unknown entry format 5"),
        (_text(b"\x01" + b"s" * 10), "too short"),
        (_text(b"\x00\xc1"), "not valid msgpack"),
        (_text(b"\x00" + msgpack.packb([1, 2])), "exactly the fields"),
        (
            _text(
                b"\x00"
                + msgpack.packb({"actor": "a", "seat": "s", "move": "m", "args": [], "time_ms": 0})
            ),
            "exactly the fields",
        ),
        (
            _text(
                b"\x00"
                + msgpack.packb(
                    {"actor": "a", "seat": "s", "move": "m", "args": 5, "time_ms": 0, "lamport": 0}
                )
            ),
            "must be a list",
        ),
        ("A" * (MAX_TEXT + 4), "limit"),
    ],
)
def test_decoding_rejects_malformed_text_clearly(text: object, message: str) -> None:
    with pytest.raises(EntryError, match=message):
        decode_entry(text)
