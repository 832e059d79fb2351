"""Splitting relay payloads larger than one frame, and joining them again.

A payload is sent as ``parts`` ``relay`` messages sharing one ``seq``. Every part but the last
carries the same number of bytes, and the last one at least one byte and at most as many
(:func:`split_payload` splits that way). Each part's ``data`` is at most
:func:`max_relay_data_bytes`, so that the frame fits ``max_message_bytes`` in either codec once
the relay has added ``from`` (a JSON peer gets ``data`` as base64, 4 characters per 3 bytes).

:class:`Reassembler`, on the receiving side, takes parts from anyone in the room, so it treats
them as hostile: every part must agree with the first one seen of its payload, memory is
bounded, and a part that breaks the rules raises :class:`~hypertoken.protocol.relay.ProtocolError`
(and nothing else) after its payload is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NoReturn

from hypertoken.protocol.relay import (
    DEFAULT_MAX_MESSAGE_BYTES,
    RELAY_ENVELOPE_BYTES,
    ErrorCode,
    ProtocolError,
    Relay,
)

# --- payload parts ----------------------------------------------------------------------------


def max_relay_data_bytes(max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> int:
    """Return the most ``relay.data`` bytes one frame of ``max_message_bytes`` may carry.

    What is left after :data:`RELAY_ENVELOPE_BYTES`, times 3/4: base64 (how JSON peers receive
    ``data``) turns 3 bytes into 4 characters. A relay refuses longer ``data`` (``too-large``)
    so that what it forwards fits the limit it advertises, for msgpack and JSON peers alike.
    """
    return max(0, (max_message_bytes - RELAY_ENVELOPE_BYTES) // 4 * 3)


def split_payload(
    room: str,
    data: bytes,
    *,
    seq: int,
    to: str | None = None,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> Iterator[Relay]:
    """Yield the ``relay`` messages that carry ``data`` within ``max_message_bytes`` frames.

    All parts share ``seq``; the receiver joins them with :class:`Reassembler`. Each part's
    frame fits ``max_message_bytes`` in both codecs, also as forwarded (with ``from``).
    """
    size = max_relay_data_bytes(max_message_bytes)
    if size <= 0:
        raise ValueError(f"max_message_bytes must exceed {RELAY_ENVELOPE_BYTES + 4}")
    parts = max(1, -(-len(data) // size))
    for index in range(parts):
        chunk = data[index * size : (index + 1) * size]
        yield Relay(room=room, data=chunk, to=to, seq=seq, part=index, parts=parts)


# --- reassembly -------------------------------------------------------------------------------

_Key = tuple[str, str | None, int]  # (room, sender, seq)


@dataclass
class _Pending:
    """The parts received so far of one payload, and what its first part said."""

    parts: int  # the payload's number of parts, from its first part
    to: str | None  # whether it was addressed to this peer or the room
    size: int | None = None  # bytes in every part but the last, once one of those arrived
    last: int | None = None  # bytes in the last part, once it arrived
    chunks: dict[int, bytes] = field(default_factory=dict)
    nbytes: int = 0


@dataclass
class _Sender:
    """What one sender has pending: bytes, and its incomplete payloads, oldest first."""

    nbytes: int = 0
    payloads: dict[_Key, None] = field(default_factory=dict)


@dataclass
class Reassembler:
    """Joins the parts of relayed payloads, per (room, sender, seq).

    Bounds: the parts held for incomplete payloads never total more than
    ``max_pending_bytes`` bytes of data, nor more than ``max_pending_parts`` parts (each part
    also costs about a hundred bytes of bookkeeping), so memory stays under
    ``max_pending_bytes + 100 * max_pending_parts`` whatever the senders do. To make room, the
    oldest incomplete payload of the sender holding the most is dropped (that sender must
    resend), so one sender flooding parts mostly evicts its own.

    :meth:`feed` raises :class:`ProtocolError` (``bad-message``, ``ref`` ``"relay"``) for a
    part that cannot belong to a payload this reassembler could complete: part numbers out
    of range, ``parts``, ``to`` or part sizes that disagree with the payload's first part, a
    resent part with other bytes, or a payload that could never fit the bounds. That payload
    is dropped first; the others are kept. It never raises anything else.
    """

    max_pending_bytes: int = 64 * 1024 * 1024
    max_pending_parts: int = 64 * 1024
    dropped: int = 0  # payloads dropped so far, by eviction or because a part broke the rules
    _pending: dict[_Key, _Pending] = field(default_factory=dict)
    _senders: dict[str | None, _Sender] = field(default_factory=dict)
    _pending_bytes: int = 0
    _pending_parts: int = 0

    def feed(self, message: Relay) -> bytes | None:
        """Add one part; return the whole payload once its last part has arrived.

        Returns None while parts are missing (also for an exact resend of a part). Raises
        :class:`ProtocolError` as described in the class docstring.
        """
        parts, part, data = message.parts, message.part, message.data
        key = (message.room, message.sender, message.seq)
        if not 0 <= part < parts:
            self._refuse(key, f"part {part} of a payload of {parts} parts is out of range")
        entry = self._pending.get(key)
        if parts == 1:
            if entry is not None:
                self._refuse(key, self._disagrees(entry, "parts", 1, entry.parts))
            if len(data) > self.max_pending_bytes:
                self._refuse(key, self._too_big(len(data)))
            return data
        if entry is None:
            if parts > self.max_pending_parts:
                self._refuse(
                    key,
                    f"a payload of {parts} parts can never be completed here: at most "
                    f"{self.max_pending_parts} parts are held",
                )
            entry = _Pending(parts=parts, to=message.to)
        elif entry.parts != parts:
            self._refuse(key, self._disagrees(entry, "parts", parts, entry.parts))
        elif entry.to != message.to:
            self._refuse(key, self._disagrees(entry, "to", message.to, entry.to))
        self._check_size(key, entry, part, len(data))
        old = entry.chunks.get(part)
        if old is not None:
            if old != data:
                self._refuse(key, f"part {part} was sent again with other bytes")
            return None  # an exact resend: nothing new
        self._make_room(key, len(data))
        if key not in self._pending:
            self._pending[key] = entry
            self._senders.setdefault(key[1], _Sender()).payloads[key] = None
        entry.chunks[part] = data
        entry.nbytes += len(data)
        self._senders[key[1]].nbytes += len(data)
        self._pending_bytes += len(data)
        self._pending_parts += 1
        if len(entry.chunks) < parts:
            return None
        self._forget(key)
        return b"".join(entry.chunks[i] for i in range(parts))

    # --- checks -------------------------------------------------------------------------------

    def _check_size(self, key: _Key, entry: _Pending, part: int, size: int) -> None:
        """Every part but the last has one size; the last is 1 byte up to that size."""
        if size == 0:
            self._refuse(key, f"part {part} is empty; only a payload in one part may be")
        if part < entry.parts - 1:
            if entry.size is None:
                entry.size = size
            elif size != entry.size:
                self._refuse(key, self._disagrees(entry, "part size", size, entry.size))
        else:
            entry.last = size
        if entry.size is not None and entry.last is not None and entry.last > entry.size:
            self._refuse(
                key, f"the last part has {entry.last} bytes, more than the others' {entry.size}"
            )
        # The least the whole payload can be (the other parts are at least as big as the last).
        if entry.size is not None:
            least = entry.size * (entry.parts - 1) + (entry.last or 1)
        else:
            least = size * entry.parts
        if least > self.max_pending_bytes:
            self._refuse(key, self._too_big(least))

    def _too_big(self, size: int) -> str:
        return (
            f"a payload of {size} bytes or more can never be completed here: at most "
            f"{self.max_pending_bytes} bytes are held"
        )

    @staticmethod
    def _disagrees(entry: _Pending, what: str, got: object, first: object) -> str:
        return f"{what} {got!r} disagrees with the payload's first part ({first!r})"

    def _refuse(self, key: _Key, reason: str) -> NoReturn:
        if key in self._pending:
            self._forget(key)
            self.dropped += 1
        room, sender, seq = key
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE,
            f"relay payload {seq} from {sender!r} in room {room!r} dropped: {reason}",
            ref=Relay.TYPE,
        )

    # --- bookkeeping --------------------------------------------------------------------------

    def _forget(self, key: _Key) -> None:
        entry = self._pending.pop(key)
        sender = self._senders[key[1]]
        sender.nbytes -= entry.nbytes
        del sender.payloads[key]
        if not sender.payloads:
            del self._senders[key[1]]
        self._pending_bytes -= entry.nbytes
        self._pending_parts -= len(entry.chunks)

    def _make_room(self, key: _Key, nbytes: int) -> None:
        """Drop other payloads until one more part of ``nbytes`` fits; the hog's go first."""
        while (
            self._pending_bytes + nbytes > self.max_pending_bytes
            or self._pending_parts + 1 > self.max_pending_parts
        ):
            if not self._senders:
                return  # cannot happen: the size checks keep a lone payload within bounds
            hog = max(self._senders.values(), key=lambda s: (s.nbytes, len(s.payloads)))
            victim = next(iter(hog.payloads))
            if victim == key:
                self._refuse(key, "the bytes held for incomplete payloads reached their bound")
            self._forget(victim)
            self.dropped += 1
