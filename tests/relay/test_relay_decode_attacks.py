"""Hostile clients against the protocol side of the relay: decode-cost bombs, weak keys,
unencodable text, frames too large for JSON peers, and parts that do not fit together.

Every test runs a real relay in-process and a client that really misbehaves, then checks
that the hostile connection got a clear ``error`` (and a close where that is the policy),
that the relay never took its internal-error path, and that bystanders in another room still
exchange messages. Nothing here measures time; the cost of the bombs is measured outside the
tests (see the protocol's decoding limits).
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import msgpack
import pytest
from aiohttp import WSMsgType
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from hypertoken.protocol import (
    MAX_ARRAY_LEN,
    MAX_MAP_LEN,
    RELAY_PROTOCOL_VERSION,
    Challenge,
    Hello,
    Leave,
    Member,
    Peers,
    Reassembler,
    Relay,
    decode,
    encode,
    hello_signed_bytes,
    max_relay_data_bytes,
    peer_id_from_key,
    split_payload,
)
from tests.kits.relay import Peer, RelayHarness, check_bystanders, load_example_peer

relay_config = pytest.mark.relay_config
ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024


def _internal_errors(relay: RelayHarness) -> float:
    return relay.sample("hypertoken_relay_refusals_total", reason="internal")


def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert not tracebacks, [r.getMessage() for r in tracebacks]


# --- decode-cost bombs ------------------------------------------------------------------------

MSGPACK_BOMBS = {
    "a million empty arrays": msgpack.packb([[]] * 1_000_000),
    "a million empty arrays in a join": msgpack.packb(
        {"type": "join", "room": "r", "x": [[]] * (MiB - 40)}
    ),
    "every container within its limit": msgpack.packb(
        {"type": "join", "room": "r", **{f"k{i}": [[]] * MAX_ARRAY_LEN for i in range(30)}}
    ),
    "maps within their limit": msgpack.packb(
        {f"k{i}": [{}] * MAX_ARRAY_LEN for i in range(MAX_MAP_LEN)}
    ),
    "nested a million deep": b"\x91" * (MiB - 2) + b"\x90",
    "nested 500 deep": b"\x82\xa4type\xa4join\xa1x" + b"\x91" * 500 + b"\x90",
}
JSON_BOMBS = {
    "300,000 empty arrays": "[" + ",".join(["[]"] * 300_000) + "]",
    "nested half a million deep": "[" * 500_000 + "]" * 500_000,
    "nested 500 deep": '{"type":"join","x":' + "[" * 500 + "]" * 500 + "}",
    "half a million zeros": json.dumps(
        {"type": "join", "room": "r", "x": [0] * 500_000}, separators=(",", ":")
    ),
    "long integers": json.dumps({"type": "join", "room": "r", "x": [10**4000] * 200}),
}
BOMBS = [*MSGPACK_BOMBS.values(), *JSON_BOMBS.values()]
BOMB_IDS = [*MSGPACK_BOMBS, *(f"json: {name}" for name in JSON_BOMBS)]


@pytest.mark.parametrize("bomb", BOMBS, ids=BOMB_IDS)
async def test_a_decode_bomb_before_hello_is_refused_and_closed(
    relay: RelayHarness, bystanders: list[Peer], bomb: bytes | str
) -> None:
    assert len(bomb) < MiB  # within the frame limit: only the decoding limits stop it
    hostile = await relay.connect()
    await hostile.expect(Challenge)
    await hostile.send_raw(bomb)
    error = await hostile.expect_error("bad-message", closed=True)
    assert "frame holds" in error.message
    assert _internal_errors(relay) == 0
    await check_bystanders(bystanders)


async def test_decode_bombs_after_hello_get_an_error_and_the_connection_goes_on(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    hostile = await relay.peer("bombs")
    for bomb in BOMBS:
        await hostile.send_raw(bomb)
        await hostile.expect_error("bad-message")
        await check_bystanders(bystanders)
    await hostile.join("still-usable")
    assert _internal_errors(relay) == 0


async def test_many_connections_that_never_log_in_each_send_a_bomb(
    relay: RelayHarness, bystanders: list[Peer]
) -> None:
    hostiles = [await relay.connect() for _ in range(20)]
    for hostile in hostiles:
        await hostile.expect(Challenge)
    await asyncio.gather(*(h.send_raw(MSGPACK_BOMBS["a million empty arrays"]) for h in hostiles))
    for hostile in hostiles:
        await hostile.expect_error("bad-message", closed=True)
    await check_bystanders(bystanders)
    health = await relay.client.get("/health")
    assert health.status == 200


# --- weak keys --------------------------------------------------------------------------------

IDENTITY = bytes.fromhex("0100000000000000000000000000000000000000000000000000000000000000")
WEAK_KEYS = {
    "all zero": bytes(32),
    "identity": IDENTITY,
    "order 2": bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    "order 8": bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    "non-canonical y": bytes.fromhex(
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
    ),
    "non-canonical x": bytes.fromhex(
        "0100000000000000000000000000000000000000000000000000000000000080"
    ),
}


@pytest.mark.parametrize("key", WEAK_KEYS.values(), ids=WEAK_KEYS)
async def test_hello_with_a_weak_key_gets_no_welcome(
    relay: RelayHarness, bystanders: list[Peer], key: bytes
) -> None:
    hostile = await relay.connect()
    challenge = await hostile.expect(Challenge)
    peer = peer_id_from_key(key)
    # R = the identity point and S = 0: a forgery that small-order keys accept.
    forged = IDENTITY + bytes(32)
    signed = hello_signed_bytes(challenge.nonce, peer, key)
    if key == IDENTITY:  # the forgery is real: without the key check this gets a welcome
        Ed25519PublicKey.from_public_bytes(key).verify(forged, signed)
    sig = bytes(64) if key == bytes(32) else forged
    await hostile.send(Hello(version=RELAY_PROTOCOL_VERSION, peer=peer, key=key, sig=sig))
    error = await hostile.expect_error("bad-key", closed=True)
    assert "small-order" in error.message
    assert peer not in relay.server.hub.peers
    await check_bystanders(bystanders)


# --- text that cannot be encoded --------------------------------------------------------------


async def test_a_lone_surrogate_in_a_json_signal_is_bad_message_without_a_traceback(
    relay: RelayHarness, bystanders: list[Peer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="relay")
    target = await relay.peer("talk")
    hostile = await relay.peer("talk", json=True)
    await target.expect(Peers, joined=hostile.id)
    frame = json.dumps(
        {"type": "signal", "room": "talk", "to": target.id, "kind": "offer", "data": "v=0\ud800"}
    )
    assert "\\ud800" in frame  # the escape JSON allows and UTF-8 cannot carry
    for _ in range(20):
        await hostile.send_raw(frame)
        error = await hostile.expect_error("bad-message")
        assert "surrogate" in error.message and error.ref == "signal"
    await target.sync()  # nothing reached the target
    await hostile.join("still-usable")
    assert _internal_errors(relay) == 0
    _no_tracebacks(caplog)
    await check_bystanders(bystanders)


# --- sizes: JSON peers get nothing over the advertised limit ----------------------------------


async def _raw_frames(peer: Peer, count: int) -> list[Any]:
    frames: list[Any] = []
    while len(frames) < count:
        msg = await peer.ws.receive(timeout=10)
        assert msg.type in (WSMsgType.TEXT, WSMsgType.BINARY), msg
        frames.append(msg.data)
    return frames


@relay_config(max_message_bytes=4096)
async def test_a_json_peer_receives_split_parts_within_the_advertised_limit(
    relay: RelayHarness,
) -> None:
    sender = await relay.peer("mixed")
    reader = await relay.peer("mixed", json=True)
    await sender.expect(Peers, joined=reader.id)
    welcome_limit = 4096
    payload = bytes(range(256)) * 100
    parts = list(split_payload("mixed", payload, seq=1, max_message_bytes=welcome_limit))
    for part in parts:
        await sender.send(part)
    frames = await _raw_frames(reader, len(parts))
    assert all(isinstance(f, str) and len(f.encode()) <= welcome_limit for f in frames)
    joiner = Reassembler()
    messages = [decode(f) for f in frames]
    assert all(isinstance(m, Relay) for m in messages)
    results = [joiner.feed(m) for m in messages if isinstance(m, Relay)]
    assert results[-1] == payload


# Needs the hub to decode with decode(data, max_message_bytes=config.max_message_bytes).
@relay_config(max_message_bytes=4096)
async def test_relay_data_a_json_peer_could_not_receive_is_refused(relay: RelayHarness) -> None:
    sender = await relay.peer("mixed")
    reader = await relay.peer("mixed", json=True)
    await sender.expect(Peers, joined=reader.id)
    # Fits one msgpack frame, but as base64 for the JSON reader it would be ~5,500 bytes.
    oversized = Relay(room="mixed", data=b"x" * 4000)
    assert len(encode(oversized)) <= 4096 < 4 * 4000 // 3
    assert max_relay_data_bytes(4096) < 4000
    await sender.send(oversized)
    await sender.send(Leave(room="~probe~"))  # answered at once if the relay forwards instead
    await sender.expect_error("too-large")
    arrived = await reader.until_sync()
    assert not [m for m in arrived if isinstance(m, Relay)], arrived


# --- the example peer against a hostile member ------------------------------------------------


EXAMPLE = load_example_peer()


def _junk(room: str) -> list[Relay]:
    """What a hostile member sends the room: parts and payloads that are not the example's."""
    body = msgpack.packb
    return [
        # The crash: two 1-byte messages, same seq, different part counts.
        Relay(room=room, data=b"\x01", seq=1, part=0, parts=2),
        Relay(room=room, data=b"\x02", seq=1, part=1, parts=3),
        Relay(room=room, data=b"\x01"),  # one part, not a map
        Relay(room=room, data=b"\x01", seq=2),  # and again
        Relay(room=room, data=b"\xc1"),  # not msgpack
        Relay(room=room, data=b""),  # empty
        Relay(room=room, data=body({"name": 5, "n": "x"})),
        Relay(room=room, data=body({"name": "m" * 10_000, "n": 1})),
        Relay(room=room, data=body({"name": "mallory", "n": -1})),
        Relay(room=room, data=body({"name": "mallory", "n": True})),
        Relay(room=room, data=body([[]] * 100_000)),  # a bomb inside the payload
        Relay(room=room, data=body({"name": "mallory"})),
        Relay(room=room, data=b"a", seq=3, part=5, parts=2),  # part out of range
        Relay(room=room, data=b"a", seq=4, part=0, parts=2**32),  # can never complete
        Relay(room=room, data=b"aa", seq=5, part=0, parts=3),
        Relay(room=room, data=b"a", seq=5, part=1, parts=3),  # sizes disagree
        Relay(room=room, data=b"aa", seq=6, part=0, parts=2),
        Relay(room=room, data=b"bb", seq=6, part=0, parts=2),  # resent with other bytes
    ]


async def test_the_example_peer_survives_a_hostile_member(
    relay: RelayHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = await relay.peer("demo")
    options = EXAMPLE.parse(
        ["--url", str(relay.client.make_url("/ws")), "--name", "example", "--room", "demo"]
    )
    options.messages, options.timeout, options.connect_attempts = 1, 20.0, 1
    example = asyncio.create_task(EXAMPLE.main_async(options))
    joined = await hostile.expect(Peers, room="demo")
    assert joined.joined is not None
    for junk in _junk("demo"):
        await hostile.send(junk)
    await hostile.until_sync()  # the relay has queued all of it to the example
    honest = await relay.peer("demo")
    body = msgpack.packb({"name": "honest", "n": 0, "fill": b"\x00" * 5000})
    for part in split_payload("demo", body, seq=0, max_message_bytes=4096):
        await honest.send(part)
    assert await asyncio.wait_for(example, 20) == 0
    out = capsys.readouterr().out
    assert "got payload 0 from honest" in out and "exchange complete" in out
    assert "got payload" not in out.replace("got payload 0 from honest", "")
    # One line per piece of junk, but for the three first parts that simply wait for more.
    assert out.count("skipped") == len(_junk("demo")) - 3


relay_parts = st.builds(
    Relay,
    room=st.just("r"),
    data=st.one_of(
        st.binary(max_size=64),
        st.builds(
            lambda n, name: msgpack.packb({"name": name, "n": n}),
            st.one_of(st.integers(-5, 5), st.text(max_size=3), st.none()),
            st.one_of(st.text(max_size=80), st.integers(-5, 2**63), st.binary(max_size=4)),
        ),
    ),
    seq=st.integers(0, 3),
    part=st.integers(0, 4),
    parts=st.integers(1, 4),
    sender=st.sampled_from(["mallory", None]),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(relay_parts, max_size=20))
def test_the_example_never_crashes_on_any_relay_message(messages: list[Relay]) -> None:
    options = EXAMPLE.parse(["--name", "fuzz"])
    progress, joiner = EXAMPLE.Progress(), Reassembler(max_pending_bytes=200)
    for message in messages:
        EXAMPLE.on_relay(message, joiner, progress, options)
    for count in progress.received.values():
        assert count >= 1


def test_the_example_follows_full_lists_and_deltas() -> None:
    options = EXAMPLE.parse(["--name", "me"])
    progress = EXAMPLE.Progress()
    key = bytes(32)
    full = Peers(room="r", members=(Member("a", key), Member("me", key)), joined="me")
    EXAMPLE.on_peers(full, "me", progress, options)
    assert set(progress.members) == {"a", "me"}
    EXAMPLE.on_peers(
        Peers(room="r", members=(Member("b", key),), joined="b"), "me", progress, options
    )
    assert set(progress.members) == {"a", "me", "b"}
    EXAMPLE.on_peers(Peers(room="r", members=(), left="a"), "me", progress, options)
    assert set(progress.members) == {"me", "b"}
    # A relay that sends everyone the full list is followed as well.
    everyone = (Member("me", key), Member("b", key), Member("c", key))
    EXAMPLE.on_peers(Peers(room="r", members=everyone, joined="c"), "me", progress, options)
    assert set(progress.members) == {"me", "b", "c"}
    EXAMPLE.on_peers(Peers(room="r", members=everyone[1:], left="me"), "me", progress, options)
    assert set(progress.members) == {"b", "c"}
