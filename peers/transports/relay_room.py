"""What the relay tells one peer about one room, sans-IO: members, messages, signals.

:class:`RelayRoom` turns each frame the relay sends into transport events (``PeerJoined``,
``PeerLeft``, ``Message``) and signal callbacks; :class:`~peers.transports.relay.RelayTransport`
does the I/O around it. Everything here is hostile input: a frame that does not decode, a
part that breaks the reassembly rules, a payload or signal from a peer that is not a member
of the room, is logged and dropped, never raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from hypertoken.protocol import (
    Bye,
    Error,
    Peers,
    ProtocolError,
    Reassembler,
    Relay,
    RelayMessage,
    Signal,
    decode,
)
from peers.transports.base import Message, PeerJoined, PeerLeft
from peers.transports.stream import EventStream

__all__ = ["VIA", "RelayRoom", "SignalCallback", "refusal"]

logger = logging.getLogger(__name__)

VIA = "relay"  #: the path name of peers reached through the relay

#: ``callback(peer, kind, data, mid, mline)`` for a signal from ``peer`` (see
#: :class:`hypertoken.protocol.Signal`: kind is "offer", "answer" or "ice").
SignalCallback = Callable[[str, str, str, str | None, int | None], None]


def refusal(error: Error) -> str:
    """The text of a :class:`TransportError` for the relay's ``error``."""
    return f"the relay refused: {error.message} ({error.code})"


class RelayRoom:
    """One room as the relay describes it to this peer (``me``), feeding ``stream``.

    ``members`` maps the other members to their public keys, in join order; ``callbacks``
    get every signal a member sends us; ``last_error`` is the relay's latest ``error`` or
    ``bye``, the likely reason if the relay then closes the connection.
    """

    def __init__(self, room: str, me: str, stream: EventStream) -> None:
        self.room = room
        self.me = me
        self.members: dict[str, bytes] = {}
        self.callbacks: list[SignalCallback] = []
        self.last_error = ""
        self._stream = stream
        self._reassembler = Reassembler()

    def on_frame(self, data: bytes | str) -> None:
        """Handle one frame from the relay; a bad one is logged and dropped."""
        try:
            message = decode(data)
        except ProtocolError as exc:
            logger.warning("dropped a bad frame from the relay: %s", exc)
            return
        try:
            self._dispatch(message)
        except Exception:
            logger.exception("relay transport failed to handle %s; dropped", message.TYPE)

    def _dispatch(self, message: RelayMessage) -> None:
        if isinstance(message, Relay):
            self._on_relay(message)
        elif isinstance(message, Signal):
            self._on_signal(message)
        elif isinstance(message, Peers):
            self._on_peers(message)
        elif isinstance(message, Error):
            # Also a late answer to a send that raced a leave (no-such-peer); the relay
            # closes the connection after the errors that end it, which ends the reader.
            logger.warning("the relay reports %s: %s", message.code, message.message)
            self.last_error = refusal(message)
        elif isinstance(message, Bye):
            logger.info("the relay says bye: %s", message.reason)
            self.last_error = f"the relay said bye ({message.reason})"
        else:
            logger.warning("relay sent an unexpected %s; dropped", message.TYPE)

    def _on_relay(self, message: Relay) -> None:
        sender = message.sender
        if message.room != self.room or sender is None or sender not in self.members:
            logger.warning(
                "dropped a relay payload from non-member %r in room %r", sender, message.room
            )
            return
        if message.to not in (None, self.me):
            logger.warning("dropped a relay payload from %s addressed to %s", sender, message.to)
            return
        try:
            data = self._reassembler.feed(message)
        except ProtocolError as exc:
            logger.warning("dropped relay parts from %s: %s", sender, exc)
            return
        if data is not None:
            self._stream.put(Message(sender, data))

    def _on_signal(self, message: Signal) -> None:
        sender = message.sender
        if message.room != self.room or sender is None or sender not in self.members:
            logger.warning("dropped a signal from non-member %r", sender)
            return
        for callback in list(self.callbacks):
            try:
                callback(sender, message.kind, message.data, message.mid, message.mline)
            except Exception:
                logger.exception("signal callback failed on a %s from %s", message.kind, sender)

    def _on_peers(self, message: Peers) -> None:
        if message.room != self.room:
            return
        me = self.me
        if message.left is not None and message.left != me:
            self.remove_member(message.left, "left")
        elif message.joined is not None and message.joined != me:
            for member in message.members:
                if member.peer == message.joined:
                    self.add_member(member.peer, member.key)
        else:  # a full list: whoever is missing has left, whoever is new joined
            listed = {m.peer: m.key for m in message.members if m.peer != me}
            for peer in [p for p in self.members if p not in listed]:
                self.remove_member(peer, "left")
            for peer, key in listed.items():
                self.add_member(peer, key)

    # --- bookkeeping --------------------------------------------------------------------------

    def add_member(self, peer: str, key: bytes) -> None:
        """Record a member; ``PeerJoined`` if it is new."""
        if peer not in self.members:
            self.members[peer] = key
            self._stream.put(PeerJoined(peer, VIA))

    def remove_member(self, peer: str, reason: str) -> None:
        """Forget a member; ``PeerLeft`` with ``reason`` if it was one."""
        if self.members.pop(peer, None) is not None:
            self._stream.put(PeerLeft(peer, reason))

    def drop_members(self, reason: str) -> None:
        """Forget every member (the connection ended), each with ``PeerLeft``."""
        for peer in list(self.members):
            self.remove_member(peer, reason)
