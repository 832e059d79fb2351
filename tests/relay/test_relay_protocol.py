"""The relay wire format: encoding, checking, identity helpers, and payload parts."""

from __future__ import annotations

import json

import msgpack
import pytest

from hypertoken.protocol import (
    MESSAGE_TYPES,
    Bye,
    Challenge,
    Error,
    ErrorCode,
    Hello,
    Join,
    Leave,
    Member,
    Peers,
    ProtocolError,
    Reassembler,
    Relay,
    RelayMessage,
    Signal,
    Welcome,
    decode,
    encode,
    encode_json,
    peer_id_from_key,
    split_payload,
    to_wire,
)
from tests.kits.relay import Identity

KEY = bytes(range(32))

EXAMPLES: list[RelayMessage] = [
    Challenge(version=1, nonce=b"n" * 32, max_message_bytes=1024),
    Hello(version=1, peer="abc", key=KEY, sig=b"s" * 64, auth="secret"),
    Hello(version=1, peer="abc", key=KEY, sig=b"s" * 64),
    Welcome(peer="abc", heartbeat=20.0, idle_timeout=60.0, max_message_bytes=1024),
    Join(room="lobby"),
    Join(room="lobby", token="t"),
    Leave(room="lobby"),
    Peers(room="lobby", members=(Member("a", KEY), Member("b", KEY)), private=True, joined="b"),
    Peers(room="lobby", members=(), left="a"),
    Signal(room="r", to="b", kind="offer", data="v=0\r\n"),
    Signal(room="r", to="b", kind="ice", data="candidate:1 1 udp", mid="0", mline=0, sender="a"),
    Relay(room="r", data=b"\x00\xff" * 10),
    Relay(room="r", data=b"", to="b", seq=7, part=1, parts=3, sender="a"),
    Error(code="room-full", message="room 'r' is full", ref="join"),
    Bye(),
    Bye(reason="shutdown"),
]


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: type(m).__name__)
def test_every_message_round_trips_in_msgpack_and_json(message: RelayMessage) -> None:
    assert decode(encode(message)) == message
    text = encode_json(message)
    json.loads(text)  # real JSON, bytes as base64
    assert decode(text) == message


def test_every_message_type_has_an_example() -> None:
    assert {type(m).TYPE for m in EXAMPLES} == set(MESSAGE_TYPES)


def test_wire_map_is_tagged_and_omits_defaults() -> None:
    wire = to_wire(Relay(room="r", data=b"x", sender="a"))
    assert wire == {"type": "relay", "room": "r", "data": b"x", "from": "a"}
    assert msgpack.unpackb(encode(Bye())) == {"type": "bye"}


def test_unknown_keys_are_ignored_for_forward_compatibility() -> None:
    frame = msgpack.packb({"type": "join", "room": "r", "colour": "blue"})
    assert decode(frame) == Join(room="r")


@pytest.mark.parametrize(
    ("frame", "code", "words"),
    [
        (b"\xc1", ErrorCode.BAD_FRAME, "msgpack"),
        ("{not json", ErrorCode.BAD_FRAME, "JSON"),
        (msgpack.packb([1, 2]), ErrorCode.BAD_FRAME, "map"),
        (msgpack.packb({"room": "r"}), ErrorCode.UNKNOWN_TYPE, "knows"),
        (msgpack.packb({"type": "teleport"}), ErrorCode.UNKNOWN_TYPE, "'teleport'"),
        (msgpack.packb({"type": "join"}), ErrorCode.BAD_MESSAGE, "'room'"),
        (msgpack.packb({"type": "join", "room": ""}), ErrorCode.BAD_MESSAGE, "join.room"),
        (msgpack.packb({"type": "join", "room": "a\nb"}), ErrorCode.BAD_MESSAGE, "printable"),
        (
            msgpack.packb({"type": "relay", "room": "r", "data": "text"}),
            ErrorCode.BAD_MESSAGE,
            "binary",
        ),
        (
            msgpack.packb({"type": "signal", "room": "r", "to": "b", "kind": "x", "data": ""}),
            ErrorCode.BAD_MESSAGE,
            "'offer'",
        ),
        (
            msgpack.packb({"type": "relay", "room": "r", "data": b"", "seq": True}),
            ErrorCode.BAD_MESSAGE,
            "integer",
        ),
        ('{"type":"relay","room":"r","data":"@@@"}', ErrorCode.BAD_MESSAGE, "base64"),
        (
            msgpack.packb(
                {"type": "hello", "version": 1, "peer": "p", "key": b"short", "sig": b"s" * 64}
            ),
            ErrorCode.BAD_MESSAGE,
            "32 bytes",
        ),
    ],
)
def test_bad_frames_raise_a_protocol_error_naming_the_problem(
    frame: bytes | str, code: ErrorCode, words: str
) -> None:
    with pytest.raises(ProtocolError) as info:
        decode(frame)
    assert info.value.code is code
    assert words in str(info.value)


def test_peer_id_is_derived_from_the_key() -> None:
    one, two = Identity(), Identity()
    assert one.peer == peer_id_from_key(one.key)
    assert one.peer != two.peer
    assert len(one.peer) == 16 and int(one.peer, 16) >= 0


def test_peer_id_matches_the_peer_identity_module() -> None:
    identity = pytest.importorskip("hypertoken.log.identity")
    key = Identity().key
    assert identity.peer_id_of(key) == peer_id_from_key(key)


def test_split_payload_respects_the_frame_limit_and_reassembles() -> None:
    data = bytes(range(256)) * 100  # 25,600 bytes
    parts = list(split_payload("r", data, seq=9, max_message_bytes=4096))
    assert len(parts) > 1
    assert all(len(encode(p)) <= 4096 for p in parts)
    assert {p.seq for p in parts} == {9} and [p.part for p in parts] == list(range(len(parts)))
    joiner = Reassembler()
    results = [joiner.feed(p) for p in reversed(parts)]  # order does not matter
    assert results[:-1] == [None] * (len(parts) - 1)
    assert results[-1] == data


def test_small_payload_is_one_part() -> None:
    (part,) = split_payload("r", b"abc", seq=1, to="b")
    assert part == Relay(room="r", data=b"abc", to="b", seq=1)
    assert Reassembler().feed(part) == b"abc"


def test_reassembler_bounds_memory_for_incomplete_payloads() -> None:
    joiner = Reassembler(max_pending_bytes=100)
    for seq in range(10):
        assert joiner.feed(Relay(room="r", data=b"x" * 40, seq=seq, parts=2)) is None
    assert joiner._pending_bytes <= 100 + 40
    # The newest incomplete payload survives and completes.
    assert joiner.feed(Relay(room="r", data=b"y", seq=9, part=1, parts=2)) == b"x" * 40 + b"y"
