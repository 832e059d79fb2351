"""Fuzzing: random bytes and random well-formed-but-wrong messages never break the relay.

For each example a fresh relay gets a sequence of hostile frames on one connection. After
every frame the test sends a probe (a ``leave`` of a room nobody is in, which the relay always
answers with an error) and reads until that answer or a close. The properties:

- every hostile frame is answered with an ``error`` or a clean close (never silence, never a
  crash, never a reply that does not decode);
- no frame triggers the relay's internal-error path;
- afterwards a room of bystanders still relays and ``/health`` answers.

The decoding limits are fuzzed too: structures of random nesting and size near and over every
limit (depth, map and array length, containers, values in all), in both codecs, with strings
full of brackets, commas, quotes and backslashes and random JSON whitespace. ``decode`` never
raises anything but ``ProtocolError``, refuses (``bad-message``) exactly what is over a limit,
and accepts everything under them. Limit-probing frames are also sent to a live relay.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgpack
from aiohttp import WSMsgType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypertoken.protocol import (
    MAX_ARRAY_LEN,
    MAX_CONTAINERS,
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_MAP_LEN,
    MESSAGE_TYPES,
    Error,
    ErrorCode,
    Join,
    Leave,
    ProtocolError,
    decode,
    encode,
)
from tests.kits.relay import BYSTANDER_ROOM, WAIT, Peer, check_bystanders, running_relay

PROBE_ROOM = "~probe~"
FIELD_NAMES = sorted(
    {
        "type",
        "room",
        "to",
        "from",
        "data",
        "kind",
        "peer",
        "key",
        "sig",
        "version",
        "token",
        "members",
        "seq",
        "part",
        "parts",
        "code",
        "message",
        "reason",
        "nonce",
        "auth",
        "mid",
        "mline",
        "private",
        "joined",
        "left",
        "heartbeat",
        "idle_timeout",
        "max_message_bytes",
    }
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.binary(max_size=80),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=12,
)
# Maps that look like messages: a real or near-real type tag and fields of the wrong kind.
wrong_messages = st.builds(
    lambda tag, body: {**body, "type": tag},
    st.one_of(st.sampled_from(sorted(MESSAGE_TYPES)), st.text(max_size=10), values),
    st.dictionaries(st.sampled_from(FIELD_NAMES), values, max_size=6),
)


def _pack(obj: Any) -> bytes:
    packed: bytes = msgpack.packb(obj, use_bin_type=True)
    return packed


# --- structures near the decoding limits ------------------------------------------------------


def _near(limit: int) -> st.SearchStrategy[int]:
    return st.integers(max(0, limit - 2), limit + 2)


# Scalars, and strings that look like structure to anything that does not parse JSON strings.
tricky = st.sampled_from(
    [
        0,
        -1,
        2**63 - 1,
        -(2**63),
        1.5,
        None,
        True,
        "",
        "[",
        "]{",
        ",",
        '"',
        "\\",
        'x\\"',
        "\\\\",
        "é",
    ]
)


def _nested(depth: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def _spread(total: int, parts: int, element: Any) -> dict[str, list[Any]]:
    """``total`` copies of ``element`` in ``parts`` arrays of at most MAX_ARRAY_LEN each."""
    out: dict[str, list[Any]] = {}
    for index in range(parts):
        share = min(MAX_ARRAY_LEN, total)
        out[f"a{index}"] = [element] * share
        total -= share
    assert total == 0
    return out


def _containers(total: int, parts: int) -> dict[str, Any]:
    # the top map and ``parts`` arrays are containers too
    return _spread(total - 1 - parts, parts, [])


def _items(total: int, parts: int, element: Any) -> dict[str, Any]:
    # the top map holds type, room and one key per array
    return _spread(total - 2 - parts, parts, element)


small_values = st.recursive(
    tricky,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6), st.dictionaries(st.sampled_from("abcdef"), inner, max_size=6)
    ),
    max_leaves=40,
)
shapes = st.one_of(
    st.builds(lambda d, leaf: {"x": _nested(d, leaf)}, _near(MAX_DEPTH - 1), tricky),
    st.builds(lambda n, e: {"x": [e] * n}, _near(MAX_ARRAY_LEN), st.one_of(tricky, st.just([]))),
    st.builds(lambda n, e: {f"k{i}": e for i in range(n)}, _near(MAX_MAP_LEN - 2), tricky),
    st.builds(lambda n, e: {"x": [{f"k{i}": e for i in range(n)}]}, _near(MAX_MAP_LEN), tricky),
    st.builds(_containers, _near(MAX_CONTAINERS), st.integers(2, 5)),
    st.builds(_items, _near(MAX_ITEMS), st.integers(5, 8), tricky),
    small_values.map(lambda v: {"x": v}),
)


def _measure(obj: Any) -> dict[str, int]:
    """The quantities the decoding limits bound, measured independently of the codec."""
    depth = longest_map = longest_array = containers = items = 0
    stack = [(obj, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            longest_map = max(longest_map, len(node))
            children = list(node.values())
        elif isinstance(node, list):
            longest_array = max(longest_array, len(node))
            children = node
        else:
            continue
        depth = max(depth, level)
        containers += 1
        items += len(node)
        stack.extend((child, level + 1) for child in children)
    return {
        "depth": depth,
        "map": longest_map,
        "array": longest_array,
        "containers": containers,
        "items": items,
    }


def _within(measured: dict[str, int]) -> bool:
    return (
        measured["depth"] <= MAX_DEPTH
        and measured["map"] <= MAX_MAP_LEN
        and measured["array"] <= MAX_ARRAY_LEN
        and measured["containers"] <= MAX_CONTAINERS
        and measured["items"] <= MAX_ITEMS
    )


def _limit_message(shape: dict[str, Any]) -> dict[str, Any]:
    return {"type": "join", "room": "fuzz", **shape}


def test_decode_limits_refuse_exactly_what_is_over_them() -> None:
    @settings(
        max_examples=400,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(shapes, st.sampled_from([None, 0, 1, 3]))
    def check(shape: dict[str, Any], indent: int | None) -> None:
        message = _limit_message(shape)
        measured = _measure(message)
        within = _within(measured)
        separators = (",", ":") if indent is None else None
        for frame in (
            _pack(message),
            json.dumps(message, indent=indent, separators=separators),
        ):
            try:
                decoded = decode(frame)
            except ProtocolError as exc:
                assert not within, (measured, str(exc))
                assert exc.code is ErrorCode.BAD_MESSAGE, (measured, str(exc))
            else:
                assert within, measured
                assert decoded == Join(room="fuzz")

    check()


frames = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200),
    wrong_messages.map(_pack),
    values.map(_pack),
    shapes.map(lambda shape: _pack(_limit_message(shape))),
    shapes.map(lambda shape: json.dumps(_limit_message(shape))),
)


def test_decode_only_ever_raises_protocol_errors() -> None:
    @settings(max_examples=400, deadline=None, derandomize=True)
    @given(st.one_of(frames, wrong_messages.map(lambda m: json.dumps(m, default=str))))
    def check(frame: bytes | str) -> None:
        try:
            message = decode(frame)
        except ProtocolError as exc:
            assert str(exc) and exc.code
        else:
            assert decode(encode(message)) == message

    check()


async def _answers(peer: Peer) -> tuple[list[Any], bool]:
    """Read until the probe's answer; return what came before it and whether it closed."""
    seen: list[Any] = []
    while True:
        msg = await peer.ws.receive(timeout=WAIT)
        if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
            return seen, True
        assert msg.type in (WSMsgType.BINARY, WSMsgType.TEXT), msg
        message = decode(msg.data)  # whatever the relay sends must itself be well-formed
        if isinstance(message, Error) and PROBE_ROOM in message.message:
            return seen, False
        seen.append(message)


async def _run(batch: list[bytes | str], hello_first: bool) -> None:
    async with running_relay(rate=1e6, burst=10_000) as relay:
        bystanders = await relay.room(BYSTANDER_ROOM, 2)
        peer = await relay.connect()
        if hello_first:
            await peer.handshake()
            await peer.join("fuzz")
        else:
            await peer.recv()  # the challenge
        for frame in batch:
            try:
                await peer.send_raw(frame)
                await peer.send(Leave(room=PROBE_ROOM))
            except ConnectionError:
                break  # the relay closed this connection: a clean close
            seen, closed = await _answers(peer)
            if closed:
                # Closes must be explained, unless the frame was a well-formed bye.
                assert (seen and isinstance(seen[-1], Error)) or _is_bye(frame), (frame, seen)
                break
            if _is_hostile(frame):
                assert any(isinstance(m, Error) for m in seen), (frame, seen)
        registry = relay.server.hub.metrics.registry
        assert not registry.get_sample_value(
            "hypertoken_relay_refusals_total", {"reason": "internal"}
        )
        await check_bystanders(bystanders)
        health = await relay.client.get("/health")
        assert health.status == 200


def _is_bye(frame: bytes | str) -> bool:
    try:
        return decode(frame).TYPE == "bye"
    except ProtocolError:
        return False


def _is_hostile(frame: bytes | str) -> bool:
    """Frames that do not decode must be answered with an error."""
    try:
        decode(frame)
    except ProtocolError:
        return True
    return False


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batch=st.lists(frames, min_size=1, max_size=8), hello_first=st.booleans())
def test_relay_survives_hostile_frames(batch: list[bytes | str], hello_first: bool) -> None:
    asyncio.run(_run(batch, hello_first))
