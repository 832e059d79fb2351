"""Fuzzing: random bytes and random well-formed-but-wrong messages never break the relay.

For each example a fresh relay gets a sequence of hostile frames on one connection. After
every frame the test sends a probe (a ``leave`` of a room nobody is in, which the relay always
answers with an error) and reads until that answer or a close. The properties:

- every hostile frame is answered with an ``error`` or a clean close (never silence, never a
  crash, never a reply that does not decode);
- no frame triggers the relay's internal-error path;
- afterwards a room of bystanders still relays and ``/health`` answers.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgpack
from aiohttp import WSMsgType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypertoken.protocol import MESSAGE_TYPES, Error, Leave, ProtocolError, decode, encode
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


frames = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200),
    wrong_messages.map(_pack),
    values.map(_pack),
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
