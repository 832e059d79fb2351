"""One sync session per remote peer: Automerge's sync protocol over a Chronicle's epochs.

A :class:`SyncSession` is the protocol with one remote peer, in the style of
automerge-repo's synchronizers: it owns the Automerge ``SyncState`` of every epoch
document it syncs with that peer, keeps a :attr:`~SyncSession.dirty` flag, and has one
documented pair of calls, :meth:`~SyncSession.generate` and :meth:`~SyncSession.receive`.
The :class:`~hypertoken.log.chronicle.Chronicle` keeps the documents and nothing per peer,
so whoever talks to a peer (the peer daemon, a test's lockstep loop) owns that peer's
session, and closing a connection is dropping its session.

A peer daemon's loop, per room::

    session = sessions[peer]          # one per connected peer
    session.receive(frame)            # then engine.advance(): fold, write what is due
    for s in sessions.values():       # any change may be news for every peer
        while s.dirty and (out := s.generate()) is not None:
            send(s.peer, out)

Wire format (sync version 2): one msgpack frame
``[SYNC_VERSION, genesis digest, [[epoch, Automerge sync message bytes], ...]]`` covering
every epoch that has something to say. The genesis digest names the room and its whole
config, so two rooms that share a room id but not a config refuse each other at once.

**Hostile peers.** A frame whose change no honest peer writes (see
:class:`~hypertoken.log.chronicle.HostileChange`) is refused whole and marks the session
:attr:`~SyncSession.hostile`: every later frame from that peer is refused unread, and the
peer daemon drops the connection. Honest state is unchanged.
"""

from __future__ import annotations

import logging

import msgpack
from automerge.core import Message, SyncState

from hypertoken.log.chronicle import Chronicle, HostileChange
from hypertoken.log.errors import ChronicleError

logger = logging.getLogger(__name__)

#: The version tag of a sync frame.
SYNC_VERSION = 2
#: A peer may sync epochs up to this far past the newest epoch our accepted entries
#: reach; parts beyond are answered afresh once our entries reach them (an honest peer's
#: newer epochs become reachable as their predecessors arrive), so nobody can make us
#: open empty epochs far ahead.
MAX_EPOCHS_AHEAD = 2
#: A sync frame is at most this big (a whole epoch document fits many times over).
MAX_FRAME = 64 * 1024 * 1024

__all__ = ["MAX_EPOCHS_AHEAD", "SYNC_VERSION", "SyncSession"]


class SyncSession:
    """The sync protocol with one remote peer over one chronicle.

    Invariants:

    - One session per (chronicle, remote peer). It alone holds the Automerge sync states
      with that peer, one per epoch document; a new session (or :meth:`reset`) starts the
      protocol afresh, as a new connection must.
    - **Not dirty means nothing to send:** when :attr:`dirty` is False, :meth:`generate`
      returns None. The session is dirty when it is created or reset, after every
      :meth:`receive` (an answer may be due even if nothing changed), and whenever the
      chronicle changed since the last :meth:`generate` (any writer's change, including
      another session's receive). Only a :meth:`generate` that returns None clears it.
    - :meth:`receive` treats the frame as hostile: the whole frame is decoded and checked
      before any document is touched, and a malformed one (or one for another room or
      config) raises :class:`~hypertoken.log.errors.ChronicleError` having changed
      nothing; the session stays usable. Each epoch's part is applied to a copy of its
      document and inspected: a change no honest peer writes raises
      :class:`~hypertoken.log.chronicle.HostileChange`, changes nothing in that epoch and
      marks the session :attr:`hostile` for good (parts for earlier epochs, separate
      documents that passed inspection, stay applied: they are honest data). Parts for
      epochs far past what our accepted entries reach are left for a later frame.
    - Epochs older than the chronicle's first are never synced: a late joiner does not want
      the history it skipped, and states of dropped epochs are forgotten.

    Not thread-safe, like the chronicle.
    """

    def __init__(self, chronicle: Chronicle, peer: str) -> None:
        self._chronicle = chronicle
        self._peer = peer
        self._states: dict[int, SyncState] = {}
        self._flag = True
        self._seen_version = chronicle.version
        self._hostile = ""
        #: Epochs the peer synced before our entries reached them: opened and answered
        #: afresh once they do (bounded: a hostile peer cannot grow it past 256).
        self._deferred: set[int] = set()
        #: epoch -> (the last message sent for it, our heads then).
        self._last_sent: dict[int, tuple[bytes, tuple[bytes, ...]]] = {}

    @property
    def peer(self) -> str:
        """The remote peer this session talks to."""
        return self._peer

    @property
    def chronicle(self) -> Chronicle:
        """The chronicle this session syncs."""
        return self._chronicle

    @property
    def dirty(self) -> bool:
        """Whether :meth:`generate` may have something to send (see the invariants)."""
        return self._flag or self._chronicle.version != self._seen_version

    @property
    def hostile(self) -> str:
        """Why the peer is hostile ("" while it is not): it sent a change no honest peer
        writes. A hostile session refuses every frame; the daemon drops the peer.
        """
        return self._hostile

    def reset(self) -> None:
        """Forget every sync state with the peer (a new connection starts afresh)."""
        self._states.clear()
        self._deferred.clear()
        self._last_sent.clear()
        self._flag = True

    def generate(self) -> bytes | None:
        """The next sync frame for the peer covering every epoch, or None when there is
        nothing to send (which clears :attr:`dirty`). Writes nothing to the chronicle.
        """
        chronicle = self._chronicle
        if self._hostile:
            self._flag = False
            return None
        self._forget_dropped()
        states = self._states
        if self._deferred:
            reach = self._reach() + MAX_EPOCHS_AHEAD
            for e in sorted(self._deferred):
                if e <= reach:
                    self._deferred.discard(e)
                    chronicle.open_epoch(e)
                    states[e] = SyncState()  # answer afresh: the peer's first message is gone
        parts = []
        for e in chronicle.epochs:
            state = states.get(e)
            if state is None:
                state = states[e] = SyncState()
            msg = chronicle.sync_message(e, state)
            if msg is not None:
                raw = msg.encode()
                # The same message again, with nothing new on our side, is a loop (two
                # documents each waiting for a change neither has, as a hostile peer can
                # arrange): say it once.
                mark = (raw, tuple(chronicle.heads(e)))
                if self._last_sent.get(e) == mark:
                    continue
                self._last_sent[e] = mark
                parts.append([e, raw])
        self._seen_version = chronicle.version
        if not parts:
            self._flag = False
            return None
        out: bytes = msgpack.packb([SYNC_VERSION, chronicle.config.genesis, parts])
        return out

    def receive(self, data: bytes) -> list[int]:
        """Apply a sync frame from the peer; return the epochs whose documents changed.
        Epochs the chronicle did not hold yet are opened (their genesis is deterministic).

        This merges the peer's changes into the chronicle and nothing more: the fold and
        whatever the protocol then requires of this peer are the engine's
        (:meth:`hypertoken.engine.RoomEngine.advance`).
        """
        chronicle = self._chronicle
        peer = self._peer
        if self._hostile:
            raise HostileChange(f"peer {peer!r} is hostile ({self._hostile}): frame refused")
        self._flag = True
        try:
            if not isinstance(data, (bytes, bytearray)) or len(data) > MAX_FRAME:
                raise ValueError
            version, genesis, parts = msgpack.unpackb(
                data, raw=False, max_array_len=1 << 16, max_map_len=0
            )
            if version != SYNC_VERSION or not isinstance(parts, list):
                raise ValueError
            decoded = []
            for e, m in parts:
                if type(e) is not int or e < 0 or not isinstance(m, bytes):
                    raise ValueError
                decoded.append((e, Message.decode(m)))
        except Exception:  # anything malformed in a peer's frame is the same error to us
            raise ChronicleError(f"malformed sync message from peer {peer!r}") from None
        if genesis != chronicle.config.genesis:
            raise ChronicleError(
                f"sync message from peer {peer!r} is for another room or room config "
                f"(room {chronicle.config.room!r} has genesis "
                f"{chronicle.config.genesis.hex()[:16]}...)"
            )
        self._forget_dropped()
        first = chronicle.first_epoch
        changed = []
        for e, msg in sorted(decoded, key=lambda p: p[0]):
            if e < first:
                continue
            if e > self._reach() + MAX_EPOCHS_AHEAD:
                if len(self._deferred) < 256:
                    self._deferred.add(e)
                continue
            state = self._states.get(e)
            if state is None:
                state = self._states[e] = SyncState()
            try:
                if chronicle.receive_sync_part(e, state, msg, peer):
                    changed.append(e)
            except HostileChange as exc:
                self._hostile = str(exc)
                self._states.clear()
                logger.warning("peer %s is hostile: %s", peer, exc)
                raise HostileChange(
                    f"peer {peer!r} sent a change no honest peer writes: {exc}"
                ) from None
        return changed

    def _reach(self) -> int:
        """The newest epoch our accepted entries reach (documents opened empty, as a
        hostile peer could make us do, do not count).
        """
        chronicle = self._chronicle
        lamports = chronicle.graph.max_lamport.values()
        return max(chronicle.first_epoch, chronicle.config.epoch_of(max(lamports, default=0)))

    def _forget_dropped(self) -> None:
        states = self._states
        if states:
            first = self._chronicle.first_epoch
            for e in [e for e in states if e < first]:
                del states[e]

    def __repr__(self) -> str:
        return f"SyncSession(peer={self._peer!r}, room={self._chronicle.config.room!r})"
