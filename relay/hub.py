"""The hub: every connection, every room, and what each inbound message does.

The hub is sans-IO. The WebSocket handler gives it frames (:meth:`Hub.on_frame`) and the
clock; the hub answers by queueing frames on connections, which never waits. So the routing
logic runs synchronously and can be tested without sockets.

Invariants:

- ``peers`` maps a verified peer id to its one READY connection; a second hello with the same
  id replaces (and closes) the first.
- A connection the hub closes (a refusal that closes, a bye) leaves its rooms and frees its
  peer id at that moment, not when its socket finally closes (the close handshake can take
  seconds, or never finish for a peer that stopped reading). So its rooms hear ``peers``
  (``left``) at once, and a frame addressed to it from then on is answered ``no-such-peer``:
  the answer does not depend on how fast TCP tears down, and nothing routed to a member is
  dropped silently. Only the relay's own shutdown leaves the forgetting to :meth:`on_gone`.
- ``conn.rooms`` and the rooms' member lists always agree.
- Every inbound frame is handled inside ``try``: a bad frame gets an ``error`` frame (and, for
  connection-level problems, a close), never an exception out of the hub.
- An ``error`` from a peer is logged, never answered, so two sides can't loop on errors.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable
from dataclasses import replace

from aiohttp import WSCloseCode

from hypertoken.protocol import (
    RELAY_PROTOCOL_VERSION,
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
    Relay,
    RelayMessage,
    Signal,
    Welcome,
    decode,
    encode,
    encode_json,
)
from relay.config import RelayConfig
from relay.connection import ConnectionState, Frame, PeerConnection
from relay.identity import verify_hello
from relay.logs import log_event
from relay.metrics import UNDECODED, RelayMetrics
from relay.rooms import Refusal, Room, RoomRegistry

logger = logging.getLogger(__name__)

# Close codes sent after an error: the WebSocket code tells generic clients what happened.
_CLOSE_CODES = {
    ErrorCode.TOO_LARGE: WSCloseCode.MESSAGE_TOO_BIG,
    ErrorCode.SERVER_FULL: WSCloseCode.TRY_AGAIN_LATER,
    ErrorCode.SHUTTING_DOWN: WSCloseCode.GOING_AWAY,
}


class _Encoded:
    """One message encoded at most once per codec, for sending it to many peers."""

    __slots__ = ("_binary", "_text", "message")

    def __init__(self, message: RelayMessage) -> None:
        self.message = message
        self._binary: bytes | None = None
        self._text: str | None = None

    def frame(self, json_text: bool) -> Frame:
        if json_text:
            if self._text is None:
                self._text = encode_json(self.message)
            return self._text
        if self._binary is None:
            self._binary = encode(self.message)
        return self._binary


class Hub:
    """Routes messages between the peers of one relay."""

    def __init__(self, config: RelayConfig) -> None:
        """Create an empty hub with the limits in ``config``."""
        self.config = config
        self.rooms: RoomRegistry[PeerConnection] = RoomRegistry(
            max_rooms=config.max_rooms,
            max_peers_per_room=config.max_peers_per_room,
            fixed_tokens=config.room_tokens,
        )
        self.peers: dict[str, PeerConnection] = {}
        self.connections: set[PeerConnection] = set()
        self.closing = False
        self.metrics = RelayMetrics(
            peers=lambda: len(self.peers),
            connections=lambda: len(self.connections),
            rooms=lambda: len(self.rooms),
        )

    # --- connection lifecycle ------------------------------------------------------------------

    def accept(self, conn: PeerConnection) -> bool:
        """Register a new connection and send its challenge; False if it was refused."""
        if self.closing:
            self.refuse(conn, ErrorCode.SHUTTING_DOWN, "the relay is shutting down; reconnect")
            return False
        if len(self.connections) >= self.config.max_peers:
            self.refuse(
                conn,
                ErrorCode.SERVER_FULL,
                f"the relay holds its maximum of {self.config.max_peers} connections; "
                "try again later or use another relay",
                close=True,
            )
            return False
        self.connections.add(conn)
        self.send(
            conn,
            Challenge(
                version=RELAY_PROTOCOL_VERSION,
                nonce=conn.nonce,
                max_message_bytes=self.config.max_message_bytes,
            ),
        )
        return True

    def on_gone(self, conn: PeerConnection) -> None:
        """Forget a connection whose socket has closed: leave its rooms, free its peer id."""
        try:
            self._forget(conn, reason="disconnect")
        finally:
            self.connections.discard(conn)
            conn.close()
            conn.set_state(ConnectionState.CLOSED)

    def _close(
        self,
        conn: PeerConnection,
        code: int,
        reason: str,
        *,
        last: Frame | None = None,
    ) -> None:
        """Queue the close of ``conn`` and forget it now: it leaves its rooms, its id is free."""
        conn.close(code, reason, last=last)
        self._forget(conn, reason=reason)

    def _forget(self, conn: PeerConnection, *, reason: str) -> None:
        """Take ``conn`` out of its rooms (telling their members) and out of ``peers``.

        Idempotent: :meth:`on_gone` calls it again for a connection the hub already closed.
        """
        for name in sorted(conn.rooms):
            self._leave_room(conn, name, reason=reason)
        if conn.peer is not None and self.peers.get(conn.peer) is conn:
            del self.peers[conn.peer]

    def sweep(self, now: float) -> None:
        """Enforce the hello and idle timeouts and send heartbeat pings. Call periodically."""
        cfg = self.config
        for conn in list(self.connections):
            if not conn.open:
                continue
            quiet = now - conn.last_seen
            if conn.state is ConnectionState.AWAITING_HELLO and (
                now - conn.connected_at >= cfg.hello_timeout
            ):
                self.refuse(
                    conn,
                    ErrorCode.HELLO_TIMEOUT,
                    f"no valid hello within {cfg.hello_timeout:g} s; answer the challenge "
                    "with hello right after connecting",
                    close=True,
                )
            elif quiet >= cfg.idle_timeout:
                self.refuse(
                    conn,
                    ErrorCode.IDLE_TIMEOUT,
                    f"nothing received for {cfg.idle_timeout:g} s; answer WebSocket pings "
                    "(most clients do) or send a message now and then",
                    close=True,
                )
            elif quiet >= cfg.heartbeat and now - conn.last_ping >= cfg.heartbeat:
                conn.last_ping = now
                conn.ping()

    def shutdown(self) -> None:
        """Send ``bye`` to every peer and close every connection. New ones are refused."""
        self.closing = True
        bye = _Encoded(Bye(reason="shutdown"))
        for conn in list(self.connections):
            if conn.open:
                frame = bye.frame(conn.json_text)
                self.metrics.sent(Bye.TYPE, len(frame))
                conn.close(WSCloseCode.GOING_AWAY, "relay shutting down", last=frame)

    # --- sending ------------------------------------------------------------------------------

    def send(self, conn: PeerConnection, message: RelayMessage) -> None:
        """Queue ``message`` to one peer."""
        self.broadcast((conn,), _Encoded(message))

    def broadcast(self, conns: Iterable[PeerConnection], encoded: _Encoded) -> None:
        """Queue one message to several peers, encoding it once per codec."""
        count = size = 0
        slow: list[PeerConnection] = []
        for conn in conns:
            frame = encoded.frame(conn.json_text)
            if conn.send_frame(frame):
                count += 1
                size += len(frame)
            else:
                slow.append(conn)
        if count:
            self.metrics.sent(encoded.message.TYPE, size, count)
        for conn in slow:
            self.refuse(
                conn,
                ErrorCode.SLOW_CONSUMER,
                f"more than {self.config.send_queue_bytes} bytes were waiting for this peer "
                "to read; read faster (or send less) and reconnect",
                close=True,
            )

    def refuse(
        self,
        conn: PeerConnection,
        code: ErrorCode,
        message: str,
        *,
        ref: str | None = None,
        close: bool = False,
    ) -> None:
        """Send ``error`` to a peer, count and log it, and close the connection if asked."""
        self.metrics.refused(code.value)
        log_event(
            logger,
            logging.INFO,
            "refusal",
            code=code.value,
            peer=conn.label,
            remote=conn.remote,
            ref=ref,
            close=close,
            message=message,
        )
        frame = _Encoded(Error(code=code.value, message=message, ref=ref)).frame(conn.json_text)
        if close or code in _CLOSE_CODES:
            self.metrics.sent(Error.TYPE, len(frame))
            close_code = _CLOSE_CODES.get(code, WSCloseCode.POLICY_VIOLATION)
            self._close(conn, close_code, code.value, last=frame)
        elif conn.send_frame(frame):
            self.metrics.sent(Error.TYPE, len(frame))

    def too_large_error(self, conn: PeerConnection) -> Frame:
        """Count and log an oversized frame; return the error frame to send before closing."""
        limit = self.config.max_message_bytes
        message = (
            f"frame larger than {limit} bytes; split big payloads with "
            "hypertoken.protocol.split_payload (relay.parts)"
        )
        self.metrics.refused(ErrorCode.TOO_LARGE.value)
        self.metrics.received(UNDECODED, limit)
        log_event(
            logger,
            logging.INFO,
            "refusal",
            code=ErrorCode.TOO_LARGE.value,
            peer=conn.label,
            remote=conn.remote,
            ref=None,
            close=True,
            message=message,
        )
        frame = _Encoded(Error(code=ErrorCode.TOO_LARGE.value, message=message)).frame(
            conn.json_text
        )
        self.metrics.sent(Error.TYPE, len(frame))
        conn.set_state(ConnectionState.CLOSING)
        self._forget(conn, reason=ErrorCode.TOO_LARGE.value)
        return frame

    # --- receiving ----------------------------------------------------------------------------

    def on_frame(self, conn: PeerConnection, data: bytes | str, now: float) -> None:
        """Handle one inbound frame. Never raises: every problem becomes an ``error``."""
        conn.last_seen = now
        if not conn.open:
            return
        ref: str | None = None
        try:
            if not conn.bucket.take(now):
                self.metrics.received(UNDECODED, len(data))
                raise Refusal(
                    ErrorCode.RATE_LIMITED,
                    f"more than {self.config.rate:g} messages per second (bursts of "
                    f"{self.config.burst}); send less often, then reconnect",
                    close=True,
                )
            try:
                message = decode(data)
            except ProtocolError as exc:
                self.metrics.received(UNDECODED, len(data))
                ref = exc.ref
                # Before hello the peer has proven nothing: garbage ends the connection.
                awaiting = conn.state is ConnectionState.AWAITING_HELLO
                raise Refusal(exc.code, str(exc), close=awaiting) from None
            ref = message.TYPE
            self.metrics.received(ref, len(data))
            self._dispatch(conn, message, isinstance(data, str))
        except Refusal as refusal:
            self.refuse(conn, refusal.code, refusal.message, ref=ref, close=refusal.close)
        except Exception:
            logger.exception("relay bug while handling %s from %r", ref, conn)
            self.refuse(
                conn,
                ErrorCode.INTERNAL,
                "the relay failed to handle this message (a relay bug, logged); "
                "the connection is still usable",
                ref=ref,
            )

    def _dispatch(self, conn: PeerConnection, message: RelayMessage, json_text: bool) -> None:
        if conn.state is ConnectionState.AWAITING_HELLO:
            if isinstance(message, Hello):
                conn.json_text = json_text  # answer in the codec the hello came in
                self._hello(conn, message)
            elif isinstance(message, Bye):
                self._close(conn, WSCloseCode.OK, "bye")
            else:
                raise Refusal(
                    ErrorCode.HELLO_REQUIRED,
                    f"send hello before {message.TYPE!r}: answer the relay's challenge first",
                    close=True,
                )
        elif isinstance(message, Relay):
            self._relay(conn, message)
        elif isinstance(message, Signal):
            self._signal(conn, message)
        elif isinstance(message, Join):
            self._join(conn, message)
        elif isinstance(message, Leave):
            self._leave(conn, message)
        elif isinstance(message, Bye):
            self._close(conn, WSCloseCode.OK, "bye")
        elif isinstance(message, Error):
            log_event(
                logger,
                logging.INFO,
                "peer-error",
                peer=conn.label,
                code=message.code,
                message=message.message,
            )
        elif isinstance(message, Hello):
            raise Refusal(
                ErrorCode.UNEXPECTED,
                "hello was already accepted on this connection; open a new connection to "
                "change identity",
            )
        else:
            raise Refusal(
                ErrorCode.UNEXPECTED,
                f"{message.TYPE!r} is sent by the relay, not by peers; peers send hello, "
                "join, leave, signal, relay and bye",
            )

    def _hello(self, conn: PeerConnection, hello: Hello) -> None:
        if hello.version != RELAY_PROTOCOL_VERSION:
            raise Refusal(
                ErrorCode.VERSION,
                f"this relay speaks relay protocol version {RELAY_PROTOCOL_VERSION}, the peer "
                f"sent {hello.version}; upgrade the older side",
                close=True,
            )
        expected = self.config.token
        if expected is not None:
            if hello.auth is None:
                raise Refusal(
                    ErrorCode.UNAUTHORIZED,
                    "this relay requires an auth token: put it in hello.auth (ask the "
                    "relay's operator; it is set with --token or HYPERTOKEN_RELAY_TOKEN)",
                    close=True,
                )
            if not hmac.compare_digest(expected.encode(), hello.auth.encode()):
                raise Refusal(
                    ErrorCode.UNAUTHORIZED,
                    "hello.auth is not this relay's auth token; check the token you were given",
                    close=True,
                )
        verify_hello(hello, conn.nonce)
        old = self.peers.get(hello.peer)
        if old is not None and old is not conn:
            self.refuse(
                old,
                ErrorCode.REPLACED,
                "this peer id connected again on a newer connection; this one is closed",
                close=True,
            )  # which also takes ``old`` out of its rooms
        conn.peer, conn.key = hello.peer, hello.key
        conn.set_state(ConnectionState.READY)
        self.peers[hello.peer] = conn
        log_event(logger, logging.DEBUG, "hello", peer=conn.peer, remote=conn.remote)
        cfg = self.config
        self.send(
            conn,
            Welcome(
                peer=hello.peer,
                heartbeat=cfg.heartbeat,
                idle_timeout=cfg.idle_timeout,
                max_message_bytes=cfg.max_message_bytes,
            ),
        )

    def _join(self, conn: PeerConnection, join: Join) -> None:
        assert conn.peer is not None
        limit = self.config.max_rooms_per_peer
        if join.room not in conn.rooms and len(conn.rooms) >= limit:
            raise Refusal(
                ErrorCode.TOO_MANY_ROOMS,
                f"this connection is already in {limit} rooms, the most allowed; "
                "leave one before joining another",
            )
        room, changed = self.rooms.join(join.room, conn.peer, conn, join.token)
        conn.rooms.add(room.name)
        if not changed:
            self.send(conn, self._peers_message(room))
            return
        log_event(
            logger,
            logging.INFO,
            "join",
            room=room.name,
            peer=conn.peer,
            members=len(room.members),
            private=room.private,
            remote=conn.remote,
        )
        members = room.members.values()
        self.broadcast(members, _Encoded(self._peers_message(room, joined=conn.peer)))

    def _leave(self, conn: PeerConnection, leave: Leave) -> None:
        if leave.room not in conn.rooms:
            raise Refusal(ErrorCode.NOT_IN_ROOM, f"not in room {leave.room!r}, so cannot leave it")
        self._leave_room(conn, leave.room, reason="leave", tell_leaver=True)

    def _leave_room(
        self, conn: PeerConnection, name: str, *, reason: str, tell_leaver: bool = False
    ) -> None:
        conn.rooms.discard(name)
        assert conn.peer is not None
        room = self.rooms.leave(name, conn.peer)
        if room is None:
            return
        log_event(
            logger,
            logging.INFO,
            "leave",
            room=name,
            peer=conn.peer,
            members=len(room.members),
            reason=reason,
        )
        targets = list(room.members.values())
        if tell_leaver:
            targets.append(conn)  # confirms the leave to the leaver
        self.broadcast(targets, _Encoded(self._peers_message(room, left=conn.peer)))

    @staticmethod
    def _peers_message(
        room: Room[PeerConnection], *, joined: str | None = None, left: str | None = None
    ) -> Peers:
        members = tuple(Member(peer, c.key or b"") for peer, c in room.members.items())
        return Peers(
            room=room.name, members=members, private=room.private, joined=joined, left=left
        )

    def _member_room(self, conn: PeerConnection, name: str) -> Room[PeerConnection]:
        room = self.rooms.get(name) if name in conn.rooms else None
        if room is None:
            raise Refusal(
                ErrorCode.NOT_IN_ROOM,
                f"not in room {name!r}; join it before sending to its members",
            )
        return room

    def _target(self, room: Room[PeerConnection], peer: str) -> PeerConnection:
        target = room.members.get(peer)
        if target is None:
            raise Refusal(
                ErrorCode.NO_SUCH_PEER,
                f"peer {peer!r} is not in room {room.name!r}; address a member listed in the "
                "room's latest 'peers' message",
            )
        return target

    def _signal(self, conn: PeerConnection, signal: Signal) -> None:
        room = self._member_room(conn, signal.room)
        target = self._target(room, signal.to)
        self.send(target, replace(signal, sender=conn.peer))

    def _relay(self, conn: PeerConnection, message: Relay) -> None:
        room = self._member_room(conn, message.room)
        forwarded = _Encoded(replace(message, sender=conn.peer))
        if message.to is not None:
            self.broadcast((self._target(room, message.to),), forwarded)
        else:
            me = conn.peer
            self.broadcast((c for p, c in room.members.items() if p != me), forwarded)
