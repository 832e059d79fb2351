"""Decoding limits, unencodable text, and forwarded frame sizes in the relay codec.

Each test builds the frame a misbehaving client would send and checks that ``decode`` refuses
it with the right code, and only that: exactly at every limit a frame is accepted.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import msgpack
import pytest

from hypertoken.protocol import (
    MAX_ARRAY_LEN,
    MAX_CONTAINERS,
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_JSON_INT_CHARS,
    MAX_MAP_LEN,
    MAX_PEER_ID_LEN,
    MAX_ROOM_LEN,
    MAX_ROOM_MEMBERS,
    RELAY_ENVELOPE_BYTES,
    ErrorCode,
    Join,
    Member,
    Peers,
    ProtocolError,
    Relay,
    Signal,
    Welcome,
    decode,
    encode,
    encode_json,
    max_relay_data_bytes,
    split_payload,
)

MiB = 1024 * 1024


def _join(**extra: Any) -> dict[str, Any]:
    """A valid join with extra (unknown, so ignored) keys: only the limits can refuse it."""
    return {"type": "join", "room": "r", **extra}


def _codecs(obj: Any) -> list[bytes | str]:
    return [msgpack.packb(obj, use_bin_type=True), json.dumps(obj, separators=(",", ":"))]


def _refused(frame: bytes | str, code: ErrorCode = ErrorCode.BAD_MESSAGE, **kw: Any) -> str:
    with pytest.raises(ProtocolError) as info:
        decode(frame, **kw)
    assert info.value.code is code, info.value
    return str(info.value)


def _nested(depth: int) -> Any:
    """``depth`` levels of lists, innermost empty: [[...[]...]]."""
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


# --- decode-cost bombs --------------------------------------------------------------------


def test_a_million_empty_arrays_is_refused_from_its_header() -> None:
    bomb = msgpack.packb([[]] * 1_000_000)  # what the hostile client sent
    assert len(bomb) >= 1_000_000
    assert "max_array_len" in _refused(bomb)
    in_a_field = msgpack.packb(_join(x=[[]] * (MiB - 40)))
    _refused(in_a_field)


def test_json_bombs_are_refused_before_parsing() -> None:
    _refused("[" + ",".join(["[]"] * 500_000) + "]")
    _refused(json.dumps(_join(x=[[]] * 300_000)))
    _refused("[" * 500_000 + "]" * 500_000)
    _refused(json.dumps(_join(x=[0] * 500_000)))
    # Brackets and commas inside strings are text, not structure: this one is fine.
    text = json.dumps(_join(note="[{,}]" * 100_000))
    assert decode(text) == Join(room="r")


def test_bombs_that_respect_each_container_limit_hit_the_totals() -> None:
    # 32 keys x 1,024 empty arrays: every map and array is within its own limit.
    many: dict[str, list[list[int]]] = {
        f"k{i}": [[]] * MAX_ARRAY_LEN for i in range(MAX_MAP_LEN - 2)
    }
    for frame in _codecs({"type": "join", "room": "r", **many}):
        assert f"{MAX_CONTAINERS} maps and arrays" in _refused(frame)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 50, 500, 5000, 200_000])
def test_deep_nesting_is_refused(depth: int) -> None:
    msgpack_frame = b"\x82\xa4type\xa4join\xa1x" + b"\x91" * (depth - 2) + b"\x90"
    assert "nested" in _refused(msgpack_frame)
    json_frame = '{"type":"join","x":' + "[" * (depth - 1) + "]" * (depth - 1) + "}"
    _refused(json_frame)


def _zeros(last: int) -> dict[str, list[int]]:
    return {"a": [0] * 1024, "b": [0] * 1024, "c": [0] * 1024, "d": [0] * 1024, "e": [0] * last}


def test_exactly_at_each_limit_is_accepted_and_one_more_is_not() -> None:
    cases = [
        # (within, over)
        (_join(x=_nested(MAX_DEPTH - 1)), _join(x=_nested(MAX_DEPTH))),
        (_join(x=[0] * MAX_ARRAY_LEN), _join(x=[0] * (MAX_ARRAY_LEN + 1))),
        (
            _join(**{f"k{i}": 0 for i in range(MAX_MAP_LEN - 2)}),
            _join(**{f"k{i}": 0 for i in range(MAX_MAP_LEN - 1)}),
        ),
        # containers: the top map, three arrays, and empty arrays in them
        (
            _join(a=[[]] * 1000, b=[[]] * (MAX_CONTAINERS - 1003)),
            _join(a=[[]] * 1000, b=[[]] * (MAX_CONTAINERS - 1002)),
        ),
        # values: 7 top-level entries and five arrays of zeros
        (
            _join(**_zeros(MAX_ITEMS - 4 * MAX_ARRAY_LEN - 7)),
            _join(**_zeros(MAX_ITEMS - 4 * MAX_ARRAY_LEN - 6)),
        ),
    ]
    for within, over in cases:
        for frame in _codecs(within):
            assert decode(frame) == Join(room="r")
        for frame in _codecs(over):
            _refused(frame)


def test_the_biggest_real_message_is_within_the_limits() -> None:
    members = tuple(Member(f"{i:016x}", bytes(32)) for i in range(MAX_ROOM_MEMBERS))
    peers = Peers(room="r" * MAX_ROOM_LEN, members=members, private=True, joined=members[0].peer)
    assert decode(encode(peers)) == peers
    assert decode(encode_json(peers)) == peers
    too_many = msgpack.packb({**msgpack.unpackb(encode(peers)), "members": [{}] * 1025})
    _refused(too_many)


def test_long_json_integers_are_refused_before_conversion() -> None:
    # int() of thousands of digits costs quadratic time; protocol integers fit 64 bits.
    _refused(json.dumps(_join(x=[int("9" * 4000)] * 200)))
    assert decode(json.dumps(_join(x=-(2**63), y=2**64 - 1))) == Join(room="r")
    assert len(str(-(2**63))) == MAX_JSON_INT_CHARS
    _refused(json.dumps(_join(x=2**70)))


def test_msgpack_extension_types_and_non_string_keys_are_refused() -> None:
    ext = msgpack.packb(_join(x=msgpack.ExtType(5, b"abc")))
    _refused(ext)
    int_key: dict[Any, Any] = {**_join(), 7: "x"}
    _refused(msgpack.packb(int_key), ErrorCode.BAD_FRAME)


# --- text that cannot be encoded ---------------------------------------------------------------


def test_lone_surrogates_are_refused_as_bad_message() -> None:
    signal = '{"type":"signal","room":"r","to":"ab","kind":"offer","data":"v=0\\ud800"}'
    message = _refused(signal)
    assert "signal.data" in message and "surrogate" in message
    for field in ("room", "to"):
        frame = json.loads(signal)
        frame[field] = "x\ud800"
        _refused(json.dumps(frame))
    _refused('{"type":"bye","reason":"\\udfff"}')
    _refused('{"type":"error","code":"x","message":"\\ud83d"}')
    # A properly paired surrogate is just a character.
    ok = decode('{"type":"signal","room":"r","to":"ab","kind":"offer","data":"\\ud83d\\ude00"}')
    assert isinstance(ok, Signal) and ok.data == "\U0001f600"
    assert decode(encode(ok)) == decode(encode_json(ok)) == ok  # and it encodes again


def test_peer_ids_are_ascii() -> None:
    frame = msgpack.packb({"type": "signal", "room": "r", "to": "é", "kind": "ice", "data": ""})
    assert "ASCII" in _refused(frame)


def test_non_finite_numbers_are_refused() -> None:
    for bad in ("NaN", "Infinity", "-1"):
        _refused(
            f'{{"type":"welcome","peer":"a","heartbeat":{bad},"idle_timeout":1,'
            '"max_message_bytes":4096}'
        )
    ok = decode(encode(Welcome(peer="a", heartbeat=1.5, idle_timeout=0, max_message_bytes=4096)))
    assert isinstance(ok, Welcome)


# --- sizes: what the relay forwards fits what it advertises ------------------------------------


def _worst_relay(data: bytes, *, room: str = "\U0001f600" * MAX_ROOM_LEN) -> Relay:
    """A relay frame whose envelope is as long as any can be, in both codecs, as forwarded."""
    quotes = '"' * MAX_PEER_ID_LEN  # printable ASCII, escaped to two characters in JSON
    return Relay(
        room=room, data=data, to=quotes, seq=2**63 - 1, part=2**32, parts=2**32, sender=quotes
    )


@pytest.mark.parametrize("limit", [4096, 65536, MiB, 16 * MiB + 3])
def test_the_envelope_allowance_holds_for_the_longest_envelope(limit: int) -> None:
    data = b"\xff" * max_relay_data_bytes(limit)
    worst = _worst_relay(data)
    assert len(encode_json(worst)) <= limit
    assert len(encode(worst)) <= limit
    empty = _worst_relay(b"")
    assert len(encode_json(empty)) <= RELAY_ENVELOPE_BYTES


@pytest.mark.parametrize("limit", [4096, MiB])
def test_relay_data_over_what_fits_a_json_peer_is_too_large(limit: int) -> None:
    most = max_relay_data_bytes(limit)
    ok = Relay(room="r", data=b"x" * most)
    assert decode(encode(ok), max_message_bytes=limit) == ok
    assert decode(encode_json(ok), max_message_bytes=limit) == ok
    # One byte more still fits a msgpack frame, but base64 for a JSON peer would not.
    over = encode(Relay(room="r", data=b"x" * (most + 1)))
    assert len(over) <= limit
    assert "split_payload" in _refused(over, ErrorCode.TOO_LARGE, max_message_bytes=limit)
    assert decode(over) is not None  # without a limit, nothing is checked


def _padded_join(size: int) -> bytes:
    """A valid msgpack join of exactly ``size`` bytes (an ignored key holds the padding)."""
    for pad in range(size, -1, -1):
        frame: bytes = msgpack.packb(_join(pad="p" * pad))
        if len(frame) == size:
            return frame
    raise AssertionError(size)


def test_exactly_the_advertised_maximum_is_accepted() -> None:
    limit = 8192
    exact = _padded_join(limit)
    assert decode(exact, max_message_bytes=limit) == Join(room="r")
    _refused(exact, ErrorCode.TOO_LARGE, max_message_bytes=limit - 1)
    prefix, suffix = '{"type":"join","room":"r","pad":"', '"}'
    text = prefix + "p" * (limit - len(prefix) - len(suffix)) + suffix
    assert len(text) == limit
    assert decode(text, max_message_bytes=limit) == Join(room="r")
    _refused(text, ErrorCode.TOO_LARGE, max_message_bytes=limit - 1)
    # Text frames are measured in UTF-8 bytes, as the WebSocket carries them.
    wide = prefix + "é" * 4100 + suffix
    assert len(wide) < limit < len(wide.encode())
    _refused(wide, ErrorCode.TOO_LARGE, max_message_bytes=limit)


@pytest.mark.parametrize("limit", [4096, 100_000])
def test_split_parts_fit_both_codecs_as_forwarded(limit: int) -> None:
    data = bytes(range(256)) * 2000
    room = "\U0001f600" * MAX_ROOM_LEN
    for part in split_payload(room, data, seq=2**63 - 1, to="f" * 16, max_message_bytes=limit):
        forwarded = replace(part, sender="f" * MAX_PEER_ID_LEN)
        assert len(encode(forwarded)) <= limit
        assert len(encode_json(forwarded)) <= limit
        assert decode(encode(part), max_message_bytes=limit) == part


def test_signals_that_would_not_fit_a_json_peer_are_too_large() -> None:
    limit = 4096
    # Control characters are 6 characters each in JSON: 700 of them fit msgpack, not JSON.
    sdp = "\x01" * 700
    frame = encode(Signal(room="r", to="b", kind="offer", data=sdp))
    assert len(frame) < limit
    assert "forwarded" in _refused(frame, ErrorCode.TOO_LARGE, max_message_bytes=limit)
    fine = Signal(room="r", to="b", kind="offer", data="a=x\r\n" * 500)
    assert decode(encode(fine), max_message_bytes=limit) == fine
    forwarded = replace(fine, sender="f" * MAX_PEER_ID_LEN)
    assert len(encode_json(forwarded)) <= limit
