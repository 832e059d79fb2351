"""The chunker: frames fit the channel, messages come back whole, bad streams are refused."""

from __future__ import annotations

import os
import struct

import pytest

from peers.transports.base import MAX_MESSAGE
from peers.transports.chunks import (
    FIRST,
    FRAME_LIMIT,
    MORE,
    WHOLE,
    ChunkError,
    Reassembler,
    split,
)


def roundtrip(data: bytes, **limits: int) -> tuple[list[bytes], bytes]:
    frames = list(split(data, **limits))
    reassembler = Reassembler(**limits)
    out = [reassembler.feed(frame) for frame in frames]
    assert all(piece is None for piece in out[:-1])
    assert out[-1] is not None
    assert not reassembler.in_progress
    return frames, out[-1]


@pytest.mark.parametrize(
    "size",
    [0, 1, FRAME_LIMIT - 1, FRAME_LIMIT, FRAME_LIMIT + 1, 3 * FRAME_LIMIT, 5 * 1024 * 1024],
)
def test_roundtrip_at_the_edges(size: int) -> None:
    data = os.urandom(size)
    frames, back = roundtrip(data)
    assert back == data
    assert all(len(frame) <= FRAME_LIMIT for frame in frames)
    if size + 1 <= FRAME_LIMIT:
        assert [frame[0] for frame in frames] == [WHOLE]
    else:
        assert frames[0][0] == FIRST
        assert struct.unpack_from("!I", frames[0], 1) == (size,)
        assert {frame[0] for frame in frames[1:]} == {MORE}
        # Every frame but the last is full: no more frames than needed.
        assert all(len(frame) == FRAME_LIMIT for frame in frames[:-1])


def test_messages_follow_each_other() -> None:
    reassembler = Reassembler(frame_limit=8)
    messages = [b"", b"a", b"0123456789abcdef", b"xyz", b"q" * 30]
    got = []
    for message in messages:
        for frame in split(message, frame_limit=8):
            whole = reassembler.feed(frame)
            if whole is not None:
                got.append(whole)
    assert got == messages


def test_split_refuses_a_message_over_the_bound() -> None:
    with pytest.raises(ChunkError, match="over the 10-byte bound"):
        list(split(b"x" * 11, max_message=10))
    assert len(list(split(b"x" * 10, max_message=10, frame_limit=6))) == 3


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="frame_limit"):
        Reassembler(frame_limit=5)
    with pytest.raises(ValueError, match="max_message"):
        list(split(b"", max_message=2**32))


def first(total: int, data: bytes) -> bytes:
    return bytes((FIRST,)) + struct.pack("!I", total) + data


@pytest.mark.parametrize(
    ("frames", "error"),
    [
        ([b""], "empty frame"),
        ([b"\x07abc"], "unknown frame kind 0x07"),
        ([b"\x02abc"], "no message begun"),
        ([first(10, b"abc"), b"\x00hi"], "whole message began before"),
        ([first(10, b"abc"), first(10, b"abc")], "new message began before"),
        ([first(10, b"abc"), b"\x02"], "empty continuation"),
        ([first(10, b"abc"), b"\x02" + b"x" * 8], "longer than the announced 10"),
        ([bytes((FIRST,)) + b"\x00\x00"], "no total or no data"),
        ([first(10, b"")], "no total or no data"),
        ([first(3, b"abc")], "first part of 3 bytes for a 3-byte message"),
        ([first(MAX_MESSAGE + 1, b"abc")], f"over the {MAX_MESSAGE}"),
        ([b"\x00" + b"x" * FRAME_LIMIT], "over the 262144"),
    ],
)
def test_malformed_streams_raise(frames: list[bytes], error: str) -> None:
    reassembler = Reassembler()
    with pytest.raises(ChunkError, match=error):
        for frame in frames:
            reassembler.feed(frame)
    # The reassembler is empty afterwards (the caller drops the peer anyway).
    assert not reassembler.in_progress
    assert reassembler.feed(b"\x00ok") == b"ok"


def test_bound_is_checked_before_buffering() -> None:
    reassembler = Reassembler(max_message=100)
    with pytest.raises(ChunkError, match="101 bytes is over the 100"):
        reassembler.feed(first(101, b"x"))
    assert reassembler.feed(first(100, b"x" * 50)) is None
    assert reassembler.in_progress
    assert reassembler.feed(b"\x02" + b"y" * 50) == b"x" * 50 + b"y" * 50
