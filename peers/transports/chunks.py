"""Chunking for channels that limit message size: a sans-IO splitter and reassembler.

A WebRTC data channel carries messages of at most 262,144 bytes (aiortc's SCTP limit, and
what browsers advertise), while a transport must carry up to
:data:`~peers.transports.base.MAX_MESSAGE`. :func:`split` turns one message into frames
that each fit the channel, and a :class:`Reassembler` per remote peer turns the frames back
into messages. Each frame is one channel message and starts with a one-byte kind::

    0x00 WHOLE  data                          a message that fits in one frame
    0x01 FIRST  total (u32, big-endian) data  the start of a longer message
    0x02 MORE   data                          the next part of it

The channel is reliable and ordered, so the parts of a message arrive in order and
contiguously; anything else (an unknown kind, a ``MORE`` with nothing begun, a new message
before the last one ended, more bytes than announced, a total over the bound, an empty
part) comes from a broken or hostile peer and raises :class:`ChunkError`. The caller drops
that peer: a reassembler never buffers more than it was told to accept.

>>> frames = list(split(b"x" * 10, frame_limit=6))
>>> [f[0] for f in frames], [len(f) for f in frames]
([1, 2, 2], [6, 6, 5])
>>> r = Reassembler(frame_limit=6)
>>> [r.feed(f) for f in frames][-1]
b'xxxxxxxxxx'
>>> r.feed(b"\\x00hi")
b'hi'
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from peers.transports.base import MAX_MESSAGE

__all__ = [
    "FIRST",
    "FRAME_LIMIT",
    "MORE",
    "WHOLE",
    "ChunkError",
    "Reassembler",
    "split",
]

#: The largest frame (one data channel message), header included.
FRAME_LIMIT = 262_144

WHOLE = 0x00
FIRST = 0x01
MORE = 0x02

_TOTAL = struct.Struct("!I")
_FIRST_HEADER = 1 + _TOTAL.size
_MIN_FRAME_LIMIT = _FIRST_HEADER + 1  # room for a FIRST frame with one byte of data


class ChunkError(ValueError):
    """A frame that breaks the chunking rules; the message says which rule."""


def _check_limits(frame_limit: int, max_message: int) -> None:
    if frame_limit < _MIN_FRAME_LIMIT:
        raise ValueError(f"frame_limit must be at least {_MIN_FRAME_LIMIT}, not {frame_limit}")
    if not 0 <= max_message <= 0xFFFF_FFFF:
        raise ValueError(f"max_message must be in 0..2**32-1, not {max_message}")


def split(
    data: bytes, *, frame_limit: int = FRAME_LIMIT, max_message: int = MAX_MESSAGE
) -> Iterator[bytes]:
    """Yield the frames that carry ``data``, each at most ``frame_limit`` bytes.

    A message that fits is one ``WHOLE`` frame (an empty message too); a longer one is a
    ``FIRST`` frame and as many ``MORE`` frames as it takes. Raises :class:`ChunkError`
    for a message over ``max_message`` bytes.
    """
    _check_limits(frame_limit, max_message)
    size = len(data)
    if size > max_message:
        raise ChunkError(f"a message of {size} bytes is over the {max_message}-byte bound")
    if size + 1 <= frame_limit:
        yield bytes((WHOLE,)) + data
        return
    view = memoryview(data)
    first = frame_limit - _FIRST_HEADER
    yield bytes((FIRST,)) + _TOTAL.pack(size) + view[:first]
    step = frame_limit - 1
    for start in range(first, size, step):
        yield bytes((MORE,)) + view[start : start + step]


class Reassembler:
    """Turns one peer's frames back into whole messages (see the module docstring).

    Args:
        frame_limit: the largest frame accepted, header included.
        max_message: the largest message accepted; a ``FIRST`` frame announcing more is
            refused before anything is buffered.
    """

    def __init__(self, *, frame_limit: int = FRAME_LIMIT, max_message: int = MAX_MESSAGE) -> None:
        _check_limits(frame_limit, max_message)
        self._frame_limit = frame_limit
        self._max_message = max_message
        self._total = 0
        self._parts: list[bytes] = []
        self._have = 0

    @property
    def in_progress(self) -> bool:
        """Whether a message has begun and not yet ended."""
        return bool(self._parts)

    def feed(self, frame: bytes) -> bytes | None:
        """Take the next frame: the whole message when it completes one, else None.

        Raises :class:`ChunkError` if the frame breaks the rules; the reassembler is then
        empty again, but the stream it came from cannot be trusted (drop the peer).
        """
        try:
            return self._feed(frame)
        except ChunkError:
            self._reset()
            raise

    def _feed(self, frame: bytes) -> bytes | None:
        if not frame:
            raise ChunkError("an empty frame (every frame starts with its kind)")
        if len(frame) > self._frame_limit:
            raise ChunkError(f"a frame of {len(frame)} bytes is over the {self._frame_limit}")
        kind = frame[0]
        if kind == WHOLE:
            self._check_idle("a whole message")
            return bytes(frame[1:])
        if kind == FIRST:
            self._check_idle("a new message")
            if len(frame) <= _FIRST_HEADER:
                raise ChunkError("a first part with no total or no data")
            (total,) = _TOTAL.unpack_from(frame, 1)
            if total > self._max_message:
                raise ChunkError(f"a message of {total} bytes is over the {self._max_message}")
            data = bytes(frame[_FIRST_HEADER:])
            if len(data) >= total:
                raise ChunkError(f"a first part of {len(data)} bytes for a {total}-byte message")
            self._total = total
            self._parts = [data]
            self._have = len(data)
            return None
        if kind == MORE:
            if not self._parts:
                raise ChunkError("a continuation with no message begun")
            if len(frame) == 1:
                raise ChunkError("an empty continuation")
            self._have += len(frame) - 1
            if self._have > self._total:
                raise ChunkError(f"parts longer than the announced {self._total} bytes")
            self._parts.append(bytes(frame[1:]))
            if self._have < self._total:
                return None
            message = b"".join(self._parts)
            self._reset()
            return message
        raise ChunkError(f"unknown frame kind 0x{kind:02x}")

    def _check_idle(self, what: str) -> None:
        if self._parts:
            raise ChunkError(f"{what} began before the last one ({self._total} bytes) ended")

    def _reset(self) -> None:
        self._total = 0
        self._parts = []
        self._have = 0
