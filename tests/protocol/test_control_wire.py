"""The control socket's wire format: checked requests, bounded decoding, msgpack framing."""

from __future__ import annotations

import json
from typing import Any

import msgpack
import pytest

from hypertoken.protocol.control import (
    COMMANDS,
    FRAME_HEADER,
    MAX_FRAME_BYTES,
    ControlError,
    ErrorCode,
    FrameReader,
    decode_json,
    decode_msgpack,
    encode_frame,
    encode_json,
    parse_request,
)


def _code(obj: object, **kw: Any) -> ErrorCode:
    with pytest.raises(ControlError) as info:
        parse_request(obj, **kw)
    return info.value.code


def test_bridge_requests_parse_with_their_fields() -> None:
    assert parse_request({"cmd": "reset", "seed": 42}).args == {"seed": 42}
    assert parse_request({"cmd": "reset"}).args == {}
    assert parse_request({"cmd": "reset", "seed": None}).args == {"seed": None}
    assert parse_request({"cmd": "step", "action": 3}).args == {"action": 3}
    assert parse_request({"cmd": "step", "action": None}).args == {"action": None}
    assert parse_request({"cmd": "observe", "agent": "player_0"}).args == {"agent": "player_0"}
    req = parse_request({"cmd": "step", "action": 1, "reply": "turn", "id": 9, "extra": [1]})
    assert (req.cmd, req.id, dict(req.args)) == ("step", 9, {"action": 1, "reply": "turn"})


def test_json_doubles_that_are_whole_numbers_are_actions() -> None:
    assert parse_request({"cmd": "step", "action": 2.0}).args == {"action": 2}


@pytest.mark.parametrize(
    ("request_obj", "code", "field"),
    [
        ([1, 2], ErrorCode.BAD_REQUEST, None),
        (None, ErrorCode.BAD_REQUEST, None),
        ({}, ErrorCode.MISSING_FIELD, "cmd"),
        ({"cmd": 5}, ErrorCode.BAD_FIELD, "cmd"),
        ({"cmd": "fly"}, ErrorCode.UNKNOWN_COMMAND, None),  # the bridge's message: below
        ({"cmd": "step"}, ErrorCode.MISSING_FIELD, "action"),
        ({"cmd": "step", "action": "1"}, ErrorCode.BAD_FIELD, "action"),
        ({"cmd": "step", "action": 1.5}, ErrorCode.BAD_FIELD, "action"),
        ({"cmd": "step", "action": True}, ErrorCode.BAD_FIELD, "action"),
        ({"cmd": "step", "action": 1, "reply": "all"}, ErrorCode.BAD_FIELD, "reply"),
        ({"cmd": "reset", "seed": -1}, ErrorCode.BAD_FIELD, "seed"),
        ({"cmd": "reset", "seed": 2**63}, ErrorCode.BAD_FIELD, "seed"),
        ({"cmd": "reset", "seed": "7"}, ErrorCode.BAD_FIELD, "seed"),
        ({"cmd": "observe"}, ErrorCode.MISSING_FIELD, "agent"),
        ({"cmd": "observe", "agent": 0}, ErrorCode.BAD_FIELD, "agent"),
        ({"cmd": "observe", "agent": "x" * 65}, ErrorCode.BAD_FIELD, "agent"),
        ({"cmd": "last", "observe": 1}, ErrorCode.BAD_FIELD, "observe"),
        ({"cmd": "step_all", "actions": {}}, ErrorCode.BAD_FIELD, "actions"),
        ({"cmd": "step_all", "actions": {"player_0": "c"}}, ErrorCode.BAD_FIELD, None),
        ({"cmd": "ping", "id": -1}, ErrorCode.BAD_FIELD, "id"),
        ({"cmd": "ping", "id": "1"}, ErrorCode.BAD_FIELD, "id"),
    ],
)
def test_bad_requests_name_the_field(
    request_obj: object, code: ErrorCode, field: str | None
) -> None:
    with pytest.raises(ControlError) as info:
        parse_request(request_obj)
    assert info.value.code is code
    if field is not None:
        assert info.value.field == field
        assert field in info.value.message


def test_msgpack_requests_need_an_id() -> None:
    assert _code({"cmd": "ping"}, require_id=True) is ErrorCode.MISSING_FIELD
    assert parse_request({"cmd": "ping", "id": 0}, require_id=True).id == 0


def test_unknown_command_lists_the_commands() -> None:
    with pytest.raises(ControlError) as info:
        parse_request({"cmd": "fly"})
    assert "Unknown command: fly" in info.value.message and info.value.field == "cmd"
    assert all(name in info.value.message for name in COMMANDS)


def test_error_responses_carry_code_field_and_id() -> None:
    err = ControlError(ErrorCode.BAD_FIELD, "seed must be an int", "seed")
    assert err.response(4) == {
        "error": "seed must be an int",
        "code": "bad_field",
        "field": "seed",
        "id": 4,
    }
    assert ControlError(ErrorCode.BAD_JSON, "no").response() == {"error": "no", "code": "bad_json"}


def test_json_round_trip_and_bad_json() -> None:
    assert decode_json(encode_json({"cmd": "step", "action": 1})) == {"cmd": "step", "action": 1}
    assert decode_json(b'{"cmd":"ping"}') == {"cmd": "ping"}
    for text in ("{", "", "nul", b"\xff\xfe"):
        with pytest.raises(ControlError) as info:
            decode_json(text)
        assert info.value.code is ErrorCode.BAD_JSON


@pytest.mark.parametrize("depth", [5, 50, 5000, 200_000])
def test_deep_json_and_msgpack_are_refused(depth: int) -> None:
    text = '{"cmd":' + "[" * depth + "]" * depth + "}"
    with pytest.raises(ControlError) as info:
        decode_json(text)
    assert info.value.code is ErrorCode.TOO_DEEP
    body = b"\x91" * depth + b"\x90"  # arrays of one array, msgpack
    with pytest.raises(ControlError) as info:
        decode_msgpack(body)
    assert info.value.code is ErrorCode.TOO_DEEP


def test_huge_integers_and_wide_containers_are_refused() -> None:
    with pytest.raises(ControlError):
        decode_json('{"cmd":"reset","seed":' + "9" * 5000 + "}")
    wide = msgpack.packb({"cmd": "ping", "x": list(range(10_000))})
    with pytest.raises(ControlError) as info:
        decode_msgpack(wide)
    assert info.value.code is ErrorCode.TOO_DEEP


def test_oversized_frames_are_refused() -> None:
    big = json.dumps({"cmd": "ping", "pad": "x" * MAX_FRAME_BYTES})
    with pytest.raises(ControlError) as info:
        decode_json(big)
    assert info.value.code is ErrorCode.TOO_LARGE
    reader = FrameReader(max_frame=1000)
    ping = encode_frame({"id": 1, "cmd": "ping"})
    # The whole frames before the oversized header still come out, to be answered...
    assert reader.feed(ping + FRAME_HEADER.pack(1001) + b"x" * 10) == [ping[4:]]
    assert reader.error is not None and reader.error.code is ErrorCode.TOO_LARGE
    assert "limit of 1000" in reader.error.message
    # ...and the stream is unusable after it.
    with pytest.raises(ControlError) as info:
        reader.feed(ping)
    assert info.value.code is ErrorCode.TOO_LARGE


def test_malformed_msgpack_is_a_clear_error() -> None:
    for body in (b"\xc1", b"\x92\x01", b""):
        with pytest.raises(ControlError) as info:
            decode_msgpack(body)
        assert info.value.code in (ErrorCode.BAD_MSGPACK, ErrorCode.TOO_DEEP)


def test_frames_split_anywhere_reassemble_in_order() -> None:
    frames = [encode_frame({"id": i, "cmd": "ping", "pad": "x" * i}) for i in range(20)]
    stream = b"".join(frames)
    for chunk in (1, 3, 7, 64, len(stream)):
        reader = FrameReader()
        bodies: list[bytes] = []
        for at in range(0, len(stream), chunk):
            bodies += reader.feed(stream[at : at + chunk])
        assert [decode_msgpack(b) for b in bodies] == [
            {"id": i, "cmd": "ping", "pad": "x" * i} for i in range(20)
        ]
        assert reader.pending == 0
