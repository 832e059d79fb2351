"""The hub: every connection, every room, and what each inbound message does.

The hub is sans-IO. The WebSocket handler gives it frames (:meth:`Hub.on_frame`) and the
clock; the hub answers by queueing frames on connections, which never waits. So the routing
logic runs synchronously and can be tested without sockets.

Invariants:

- ``peers`` maps a verified peer id to its one READY connection; a second hello with the same
  id replaces (and closes) the first.
- A connection the hub closes (a refusal that closes, a bye, a peer that stopped reading)
  leaves its rooms, frees its peer id and gives back its connection slot at that moment, not
  when its socket finally closes (the close handshake can take seconds, or never finish for a
  peer that stopped reading). So its rooms hear ``peers`` (``left``) at once, newcomers neither
  see it nor count it, and a frame addressed to it from then on is answered ``no-such-peer``:
  the answer does not depend on how fast TCP tears down, and nothing routed to a member is
  dropped silently. Only the relay's own shutdown leaves the forgetting to :meth:`on_gone`.
- A closed connection waits in ``closed`` until its writer ends; the sweep aborts it (cuts the
  TCP connection) if that has not happened by ``--write-timeout`` after the close. An open
  connection whose writer finishes no write for ``--write-timeout`` is cut off the same way,
  and so is one that goes on sending :data:`~relay.connection.LATE_FRAMES` frames after its
  close.
- Every inbound frame costs a token of the connection's rate budget: messages, pings, pongs
  and the fragments of a fragmented message alike. Joins and leaves also cost a token of
  their own, slower budget.
- Membership changes go out as deltas: the joiner gets the full member list; the other members
  get a ``peers`` naming only the change (``joined`` with the newcomer as the one member, or
  ``left`` with no members). The leaver gets the remaining list.
- ``conn.rooms`` and the rooms' member lists always agree.
- Every inbound frame is handled inside ``try``: a bad frame gets an ``error`` frame (and, for
  connection-level problems, a close), never an exception out of the hub.
- An ``error`` from a peer is logged, never answered, so two sides can't loop on errors.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Iterable
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
from relay.connection import LATE_FRAMES, ConnectionState, Frame, PeerConnection
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
# Errors that always end the connection. (A frame too large to read is closed by aiohttp, see
# closing_error; a relay whose data would not fit once forwarded is refused and the peer goes
# on, splitting it.)
_ALWAYS_CLOSE = frozenset({ErrorCode.SERVER_FULL, ErrorCode.SHUTTING_DOWN})


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

    def __init__(self, config: RelayConfig, clock: Callable[[], float] = time.monotonic) -> None:
        """Create an empty hub with the limits in ``config``; ``clock`` is the event loop's."""
        self.config = config
        self.clock = clock
        self.rooms: RoomRegistry[PeerConnection] = RoomRegistry(
            max_rooms=config.max_rooms,
            max_peers_per_room=config.max_peers_per_room,
            fixed_tokens=config.room_tokens,
            max_rooms_per_owner=config.max_rooms_per_address,
        )
        self.peers: dict[str, PeerConnection] = {}
        self.connections: set[PeerConnection] = set()  # open: the --max-peers slots
        self.closed: set[PeerConnection] = set()  # closed, writer still running: watched
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
        """Forget a connection whose reader has stopped: leave its rooms, free its peer id and
        its slot. Its writer may still be finishing the close: :meth:`on_finished` follows."""
        try:
            self._forget(conn, reason="disconnect")
        finally:
            self._release(conn)
            conn.close(deadline=self._deadline())

    def on_finished(self, conn: PeerConnection) -> None:
        """The connection's writer has ended too: nothing of it is left to watch."""
        self.on_gone(conn)  # idempotent: for a handler that ended before its reader did
        self.closed.discard(conn)
        conn.set_state(ConnectionState.CLOSED)

    def _deadline(self) -> float:
        return self.clock() + self.config.write_timeout

    def _release(self, conn: PeerConnection) -> None:
        """Give back the connection's slot; watch it until its writer ends."""
        self.connections.discard(conn)
        if conn.state is not ConnectionState.CLOSED:
            self.closed.add(conn)

    def _close(
        self,
        conn: PeerConnection,
        code: int,
        reason: str,
        *,
        last: tuple[Frame, str] | None = None,
    ) -> None:
        """Queue the close of ``conn`` and forget it now: it leaves its rooms, its id is free,
        its slot is given back; it must be closed by the write deadline."""
        conn.close(code, reason, last=last, deadline=self._deadline())
        self._forget(conn, reason=reason)
        self._release(conn)

    def _abort(self, conn: PeerConnection, reason: str) -> None:
        """Cut ``conn`` off now (see :meth:`PeerConnection.abort`) and forget it."""
        if conn.aborted:
            return
        self.metrics.aborted(reason)
        log_event(
            logger,
            logging.INFO,
            "abort",
            peer=conn.label,
            remote=conn.remote,
            reason=reason,
            queued_bytes=conn.queued_bytes,
        )
        if conn.open:
            conn.set_state(ConnectionState.CLOSING)
        conn.abort()
        self._forget(conn, reason=reason)
        self._release(conn)

    def _forget(self, conn: PeerConnection, *, reason: str) -> None:
        """Take ``conn`` out of its rooms (telling their members) and out of ``peers``.

        Idempotent: :meth:`on_gone` calls it again for a connection the hub already closed.
        """
        for name in sorted(conn.rooms):
            self._leave_room(conn, name, reason=reason)
        if conn.peer is not None and self.peers.get(conn.peer) is conn:
            del self.peers[conn.peer]

    def sweep(self, now: float) -> None:
        """Enforce the write deadline, the hello and idle timeouts, and send heartbeat pings.
        Call periodically."""
        cfg = self.config
        self.metrics.flush()
        for conn in list(self.closed):
            deadline = conn.close_deadline
            if deadline is not None and now >= deadline and not conn.aborted:
                self._abort(conn, "close-timeout")
        for conn in list(self.connections):
            if not conn.open:
                continue
            if conn.stalled(now, cfg.write_timeout):
                self.metrics.refused(ErrorCode.SLOW_CONSUMER.value)
                log_event(
                    logger,
                    logging.INFO,
                    "refusal",
                    code=ErrorCode.SLOW_CONSUMER.value,
                    peer=conn.label,
                    remote=conn.remote,
                    close=True,
                    message=f"took nothing from its socket for {cfg.write_timeout:g} s",
                )
                self._abort(conn, "stalled")
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
                if not conn.ping():
                    self._slow(conn)

    def shutdown(self) -> None:
        """Send ``bye`` to every peer and close every connection. New ones are refused."""
        self.closing = True
        bye = _Encoded(Bye(reason="shutdown"))
        for conn in list(self.connections):
            if conn.open:
                frame = bye.frame(conn.json_text)
                conn.close(WSCloseCode.GOING_AWAY, "relay shutting down", last=(frame, Bye.TYPE))

    def abort_all(self, reason: str) -> int:
        """Cut off every connection still open or closing; return how many."""
        conns = [c for c in (*self.connections, *self.closed) if not c.aborted]
        for conn in conns:
            self._abort(conn, reason)
        return len(conns)

    # --- sending ------------------------------------------------------------------------------

    def send(self, conn: PeerConnection, message: RelayMessage) -> None:
        """Queue ``message`` to one peer."""
        self.broadcast((conn,), _Encoded(message))

    def broadcast(self, conns: Iterable[PeerConnection], encoded: _Encoded) -> None:
        """Queue one message to several peers, encoding it once per codec."""
        kind = encoded.message.TYPE
        slow: list[PeerConnection] | None = None
        for conn in conns:
            if not conn.send_frame(encoded.frame(conn.json_text), kind):
                if slow is None:
                    slow = []
                slow.append(conn)
        if slow is not None:
            for conn in slow:
                self._slow(conn)

    def _slow(self, conn: PeerConnection) -> None:
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
        if close or code in _ALWAYS_CLOSE:
            close_code = _CLOSE_CODES.get(code, WSCloseCode.POLICY_VIOLATION)
            self._close(conn, close_code, code.value, last=(frame, Error.TYPE))
        elif not conn.send_frame(frame, Error.TYPE):
            self._slow(conn)

    def closing_error(self, conn: PeerConnection, ws_code: int) -> Frame | None:
        """For a close aiohttp makes on its own (a frame too large, text that is not UTF-8):
        count and log the refusal, forget the connection, and return the error frame to send
        before the close (None for other close codes)."""
        if ws_code == WSCloseCode.MESSAGE_TOO_BIG:
            limit = self.config.max_message_bytes
            code = ErrorCode.TOO_LARGE
            message = (
                f"frame larger than {limit} bytes; split big payloads with "
                "hypertoken.protocol.split_payload (relay.parts)"
            )
            self.metrics.received(UNDECODED, limit)
        elif ws_code == WSCloseCode.INVALID_TEXT:
            code = ErrorCode.BAD_MESSAGE
            message = (
                "a text frame that is not valid UTF-8; send JSON as UTF-8 text frames, or "
                "msgpack as binary frames"
            )
            self.metrics.received(UNDECODED, 0)
        else:
            return None
        self.metrics.refused(code.value)
        log_event(
            logger,
            logging.INFO,
            "refusal",
            code=code.value,
            peer=conn.label,
            remote=conn.remote,
            ref=None,
            close=True,
            message=message,
        )
        frame = _Encoded(Error(code=code.value, message=message)).frame(conn.json_text)
        if conn.open:
            conn.set_state(ConnectionState.CLOSING)
        conn.close_deadline = conn.close_deadline or self._deadline()
        self._forget(conn, reason=code.value)
        self._release(conn)
        return frame

    def too_large_error(self, conn: PeerConnection) -> Frame:
        """Count and log an oversized frame; return the error frame to send before closing."""
        frame = self.closing_error(conn, WSCloseCode.MESSAGE_TOO_BIG)
        assert frame is not None
        return frame

    # --- receiving ----------------------------------------------------------------------------

    def on_late(self, conn: PeerConnection) -> None:
        """A frame after the relay closed ``conn`` (its parser reports each one). Past
        :data:`LATE_FRAMES`, once its error and close are out (or its writer is stuck, so
        nothing reaches it anyway), the flood is cut off."""
        conn.late_frames += 1
        if (
            conn.late_frames >= LATE_FRAMES
            and not conn.aborted
            and (conn.close_sent or conn.writing)
        ):
            self._abort(conn, "flood")

    def _rate_limited(self, conn: PeerConnection, what: str = "") -> None:
        self.refuse(
            conn,
            ErrorCode.RATE_LIMITED,
            f"more than {self.config.rate:g} frames per second (bursts of "
            f"{self.config.burst}){what}; send less often, then reconnect",
            close=True,
        )

    def on_ping(self, conn: PeerConnection, data: bytes, now: float) -> None:
        """A WebSocket ping from the peer: charge it, and queue the pong."""
        conn.last_seen = now
        if not conn.open:
            return
        self.metrics.received("ping", len(data))
        if not conn.bucket.take(now):
            self._rate_limited(conn, "; pings count too")
        elif not conn.pong(data):
            self._slow(conn)

    def on_pong(self, conn: PeerConnection, data: bytes, now: float) -> None:
        """A WebSocket pong from the peer: it is alive; charge it."""
        conn.last_seen = now
        if not conn.open:
            return
        self.metrics.received("pong", len(data))
        if not conn.bucket.take(now):
            self._rate_limited(conn, "; pongs count too")

    def on_fragment(self, conn: PeerConnection, now: float) -> None:
        """One fragment of a fragmented message (parsed, not yet a message): charge it."""
        if not conn.open:
            return
        if not conn.bucket.take(now):
            self._rate_limited(conn, "; each fragment of a fragmented message counts")

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
                    f"more than {self.config.rate:g} frames per second (bursts of "
                    f"{self.config.burst}); send less often, then reconnect",
                    close=True,
                )
            try:
                # With the limit, decode also refuses what would be over it once forwarded.
                message = decode(data, max_message_bytes=self.config.max_message_bytes)
            except ProtocolError as exc:
                self.metrics.received(UNDECODED, len(data))
                ref = exc.ref
                # Before hello the peer has proven nothing: garbage ends the connection.
                awaiting = conn.state is ConnectionState.AWAITING_HELLO
                raise Refusal(exc.code, str(exc), close=awaiting) from None
            ref = message.TYPE
            self.metrics.received(ref, len(data))
            self._dispatch(conn, message, isinstance(data, str), now)
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

    def _dispatch(
        self, conn: PeerConnection, message: RelayMessage, json_text: bool, now: float
    ) -> None:
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
            self._join(conn, message, now)
        elif isinstance(message, Leave):
            self._leave(conn, message, now)
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

    def _charge_membership(self, conn: PeerConnection, now: float) -> None:
        if not conn.join_bucket.take(now):
            cfg = self.config
            raise Refusal(
                ErrorCode.RATE_LIMITED,
                f"more than {cfg.join_rate:g} joins and leaves per second (bursts of "
                f"{cfg.join_burst}); wait a moment before joining or leaving again",
            )

    def _join(self, conn: PeerConnection, join: Join, now: float) -> None:
        assert conn.peer is not None
        self._charge_membership(conn, now)
        limit = self.config.max_rooms_per_peer
        if join.room not in conn.rooms and len(conn.rooms) >= limit:
            raise Refusal(
                ErrorCode.TOO_MANY_ROOMS,
                f"this connection is already in {limit} rooms, the most allowed; "
                "leave one before joining another",
            )
        room, changed = self.rooms.join(join.room, conn.peer, conn, join.token, conn.address)
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
        me = conn.peer
        self.send(conn, self._peers_message(room, joined=me))
        others = [c for p, c in room.members.items() if p != me]
        if others:
            delta = Peers(
                room=room.name,
                members=(Member(me, conn.key or b""),),
                private=room.private,
                joined=me,
            )
            self.broadcast(others, _Encoded(delta))

    def _leave(self, conn: PeerConnection, leave: Leave, now: float) -> None:
        if leave.room not in conn.rooms:
            raise Refusal(ErrorCode.NOT_IN_ROOM, f"not in room {leave.room!r}, so cannot leave it")
        self._charge_membership(conn, now)
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
        if room.members:
            delta = Peers(room=name, members=(), private=room.private, left=conn.peer)
            self.broadcast(room.members.values(), _Encoded(delta))
        if tell_leaver:  # confirms the leave to the leaver, with who is still there
            self.send(conn, self._peers_message(room, left=conn.peer))

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
