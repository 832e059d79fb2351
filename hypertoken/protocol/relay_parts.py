"""Splitting relay payloads larger than one frame, and joining them again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from hypertoken.protocol.relay import DEFAULT_MAX_MESSAGE_BYTES, RELAY_ENVELOPE_BYTES, Relay

# --- payload parts ----------------------------------------------------------------------------


def split_payload(
    room: str,
    data: bytes,
    *,
    seq: int,
    to: str | None = None,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> Iterator[Relay]:
    """Yield the ``relay`` messages that carry ``data`` within ``max_message_bytes`` frames.

    All parts share ``seq``; the receiver joins them with :class:`Reassembler`.
    """
    size = max_message_bytes - RELAY_ENVELOPE_BYTES
    if size <= 0:
        raise ValueError(f"max_message_bytes must exceed {RELAY_ENVELOPE_BYTES}")
    parts = max(1, -(-len(data) // size))
    for index in range(parts):
        chunk = data[index * size : (index + 1) * size]
        yield Relay(room=room, data=chunk, to=to, seq=seq, part=index, parts=parts)


@dataclass
class Reassembler:
    """Joins the parts of relayed payloads, per (room, sender, seq).

    ``max_pending_bytes`` bounds the memory held for incomplete payloads; when a new part
    would exceed it, the oldest incomplete payloads are dropped (their sender must resend).
    """

    max_pending_bytes: int = 64 * 1024 * 1024
    _pending: dict[tuple[str, str | None, int], dict[int, bytes]] = field(default_factory=dict)
    _pending_bytes: int = 0

    def feed(self, message: Relay) -> bytes | None:
        """Add one part; return the whole payload once its last part has arrived."""
        if message.parts == 1:
            return message.data
        if message.part >= message.parts:
            return None  # inconsistent part numbers: drop
        key = (message.room, message.sender, message.seq)
        chunks = self._pending.setdefault(key, {})
        if message.part not in chunks:
            chunks[message.part] = message.data
            self._pending_bytes += len(message.data)
        if len(chunks) == message.parts:
            del self._pending[key]
            self._pending_bytes -= sum(len(c) for c in chunks.values())
            return b"".join(chunks[i] for i in range(message.parts))
        while self._pending_bytes > self.max_pending_bytes and len(self._pending) > 1:
            oldest = next(iter(self._pending))
            self._pending_bytes -= sum(len(c) for c in self._pending.pop(oldest).values())
        return None
