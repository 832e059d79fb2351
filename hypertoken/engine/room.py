"""The room engine: a game's rules folding a room's Chronicle, signed and synced.

The world is a fold of the log. ``RoomEngine(game, chronicle, identity)`` keeps a World
equal to the fold of the chronicle's entries (see :mod:`hypertoken.engine.fold` for the
fold and :mod:`hypertoken.engine.referee` for how one entry is judged), and one
:class:`~hypertoken.log.sync.SyncSession` per remote peer it syncs with.

**Which methods write.** Only these change the chronicle, and their names say so:

- :meth:`RoomEngine.start` (this peer's seed commitments),
  :meth:`RoomEngine.submit` and :meth:`RoomEngine.submit_move` (a signed move);
- :meth:`RoomEngine.advance`: fold what arrived, then write what the protocol now
  requires of this peer: its seed reveals once every seat has committed (with
  ``auto_reveal``), its state-hash records and its signed checkpoint when an epoch closed;
- :meth:`RoomEngine.receive_sync_message`: merge a peer's changes, then :meth:`advance`.

Everything else only reads: :meth:`RoomEngine.refresh`, :meth:`RoomEngine.fold` and
:meth:`RoomEngine.refold` fold the chronicle and never write to it (what the fold makes
due waits for the next writing call), :meth:`RoomEngine.generate_sync_message` reads, and
so do the constructor and :meth:`RoomEngine.fork`. A writing call first folds whatever
arrived, so a move is always judged on the whole log this peer holds.

Without an identity the engine is read-only (replays, watchers, late joiners before they
sit down): it folds and syncs, and the writing calls raise :class:`EngineError` naming the
fix. A room engine is not thread-safe.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from hypertoken.engine.base import EngineBase, EngineError, FoldResult
from hypertoken.engine.fold import LogFold, RoomSnapshot
from hypertoken.engine.rules import GameLoop, RuleEngine
from hypertoken.engine.state import SEED_COMMIT, SEED_REVEAL, Outcome, commitment_of
from hypertoken.game import Game, IllegalMoveError, Rule
from hypertoken.log.checkpoint import sign_hash_record
from hypertoken.log.chronicle import Chronicle
from hypertoken.log.config import WITNESS_SEAT, RoomConfig
from hypertoken.log.entries import Entry, body_digest, encode_body, signing_payload
from hypertoken.log.identity import Identity
from hypertoken.log.sync import SyncSession

logger = logging.getLogger(__name__)

__all__ = ["RoomEngine", "RoomSnapshot", "SeatError"]


def _wall_clock() -> int:
    return int(time.time() * 1000)


class SeatError(EngineError):
    """The seat is not held by this peer (or this peer must say which seat it means)."""


def check_room(game: Game, config: RoomConfig, *, strict_core: bool = True) -> None:
    """Refuse a room that ``game`` cannot fold the way its other peers do."""
    if tuple(config.seats) != game.seats:
        raise EngineError(
            f"the room's seats {list(config.seats)} are not the game's {list(game.seats)}"
        )
    if (config.game, config.game_version) != (game.info.name, game.info.version):
        raise EngineError(
            f"the room plays {config.game} v{config.game_version}, not "
            f"{game.info.name} v{game.info.version}"
        )
    if strict_core:
        mine = game.core_digest().hex()
        if config.core != mine:
            raise EngineError(
                f"the room runs core {config.core[:16]}..., this peer has "
                f"{mine[:16]}...: peers would diverge"
            )


class RoomEngine(EngineBase[LogFold]):
    """A game's rules folding a room's Chronicle (see the module docstring).

    ``identity`` is this peer's key; without one the engine is read-only. The game loop
    (turn limit, timeout, phases) comes from the room's config, since it decides what the
    fold accepts. Extra ``rules`` beyond the game's own are code, so every peer and every
    replay must be given the same ones: prefer declaring them in ``Game.rules()``.
    ``_resume`` is :meth:`fork`'s: a fold to continue instead of folding ``chronicle``
    from its first epoch.
    """

    def __init__(
        self,
        game: Game,
        chronicle: Chronicle,
        identity: Identity | None = None,
        *,
        rules: Iterable[Rule] = (),
        snapshot_every: int = 64,
        hash_every: int = 256,
        auto_reveal: bool = True,
        strict_core: bool = True,
        clock: Callable[[], int] | None = None,
        _resume: LogFold | None = None,
    ) -> None:
        config = chronicle.config
        #: Milliseconds since the epoch, for entries written without an explicit time
        #: (default: the wall clock; tests pass a fixed one).
        self.clock: Callable[[], int] = clock or _wall_clock
        #: This peer's key (None: read-only).
        self.identity = identity
        #: The seats this peer holds, in seat order (the room's witness holds the
        #: pseudo-seat ``"@witness"``, which only claims timeouts).
        self.my_seats: tuple[str, ...] = (
            tuple(config.seats_of(identity.peer_id)) if identity is not None else ()
        )
        if identity is not None and not self.my_seats and identity.peer_id == config.witness_id:
            self.my_seats = (WITNESS_SEAT,)
        #: Reveal this peer's seed contributions as soon as every seat has committed.
        self.auto_reveal = auto_reveal
        self._writes = bool(self.my_seats) and config.trust == "open"
        self._records = self._writes and self.my_seats != (WITNESS_SEAT,)
        self._sessions: dict[str, SyncSession] = {}
        #: seat -> the digest of this peer's reveal for it (retried if it was rejected).
        self._revealing: dict[str, bytes] = {}
        if identity is not None and self.my_seats and config.trust == "open":
            chronicle.bind_writer(identity.peer_id)
        if _resume is not None:
            if _resume.chronicle is not chronicle or _resume.game is not game:
                raise ValueError("a resumed fold continues this game over this chronicle")
            self._fold = _resume
            return
        check_room(game, config, strict_core=strict_core)
        loop = GameLoop(config.max_turns, config.turn_timeout_ms, config.phases)
        self._fold = LogFold(
            game,
            chronicle,
            loop,
            RuleEngine((*game.rules(), *rules)),
            snapshot_every=snapshot_every,
            hash_every=hash_every,
            writes=self._records,
        )
        self._fold.bootstrap()
        self._fold.refresh()

    @classmethod
    def replay(
        cls,
        chronicle: Chronicle,
        game: Game,
        *,
        rules: Iterable[Rule] = (),
        strict_core: bool = True,
    ) -> RoomEngine:
        """A read-only engine holding the fold of ``chronicle``: the same World its writers
        had. ``games.for_room(chronicle.config)`` builds the room's game from the registry.
        """
        return cls(game, chronicle, None, rules=rules, strict_core=strict_core)

    # ---- state --------------------------------------------------------------------------

    @property
    def chronicle(self) -> Chronicle:
        """The room's log this engine folds (and writes, if it holds a seat)."""
        return self._fold.chronicle

    @property
    def position(self) -> tuple[int, int]:
        """(epoch, index) of the next entry the fold will apply."""
        st = self._fold.st
        return (st.epoch, st.index)

    @property
    def entries_folded(self) -> int:
        """How many entries the fold has applied or rejected since the log's start."""
        return self._fold.st.count

    def outcomes(self) -> list[Outcome]:
        """Every entry's outcome in fold order, including entries appended to epochs after
        they closed (rejected: "epoch closed").
        """
        return self._fold.all_outcomes()

    def desyncs(self) -> list[tuple[str, int, int]]:
        """(peer, epoch, index) where a peer folded the same log to a different state hash:
        a bug or a non-deterministic game, never a network condition.
        """
        return self._fold.desyncs(self.identity.peer_id if self.identity else "")

    # ---- writing: seeds and moves ------------------------------------------------------

    def start(self) -> None:
        """Write a commitment to a seed contribution for every seat this peer holds. The
        reveals follow, at :meth:`advance`, once every seat has committed (``auto_reveal``).
        """
        self._need_writer()
        self._catch_up()
        for seat in self.my_seats:
            st = self._fold.st
            if seat == WITNESS_SEAT or seat in st.forfeits:
                continue
            if seat not in st.commits and not st.room_seed:
                self._submit(seat, SEED_COMMIT, (commitment_of(self.contribution(seat)),))
        self._reveal_if_ready()

    def contribution(self, seat: str) -> bytes:
        """This peer's secret seed contribution for ``seat``. It is a signature, so it is
        deterministic (a restarted peer can still reveal it) yet unpredictable to others.
        """
        identity = self._need_writer()
        return identity.sign(
            b"hypertoken/seed-contribution/2\0" + self.config.genesis + seat.encode()
        )

    def submit(
        self, action: int, seat: str | None = None, *, time_ms: int | None = None
    ) -> Outcome:
        """Validate, sign, append and apply ``action`` for ``seat``, a seat this peer holds
        (default: its only seat, or the seat to move among its seats). An illegal move
        raises :class:`~hypertoken.game.IllegalMoveError` and changes nothing.
        """
        if type(action) is not int:
            hint = " (the action comes first: submit(action, seat))"
            raise TypeError(
                f"an action is an int, not {type(action).__name__}"
                + (hint if isinstance(action, str) else "")
            )
        num = self.game.info.num_actions
        if not 0 <= action < num:
            raise IllegalMoveError(f"action {action} is outside 0..{num - 1}")
        move, args = self.game.move_name(action)
        self._catch_up()
        return self._submit(self._seat_for(seat), move, args, time_ms=time_ms)

    def submit_move(
        self,
        move: str,
        args: Sequence[Any] = (),
        *,
        seat: str | None = None,
        time_ms: int | None = None,
        validate: bool = True,
    ) -> Outcome:
        """Submit a move by name (system moves like ``turn.timeout`` too), for ``seat`` as
        in :meth:`submit`. With ``validate=False`` the entry is appended even if this peer's
        fold rejects it (tests use this to play a stale or misbehaving peer); the rejection
        is then recorded.
        """
        if isinstance(args, (str, bytes)):
            raise TypeError(
                "args is the sequence of the move's arguments, not one str or bytes: "
                "submit_move(move, (arg, ...), seat=...)"
            )
        self._catch_up()
        return self._submit(
            self._seat_for(seat), move, tuple(args), time_ms=time_ms, validate=validate
        )

    def _seat_for(self, seat: str | None) -> str:
        if seat is not None:
            return seat
        self._need_writer()
        mine = self.my_seats
        if len(mine) == 1:
            return mine[0]
        current = self.current_player()
        if current in mine:
            return current
        raise SeatError(
            f"say which seat moves: this peer holds {list(mine)} and none is to move "
            "alone (submit(action, seat))"
        )

    def _catch_up(self) -> None:
        """What a move first needs: the fold of everything held, and this peer's seed
        reveals if they are due (a refresh folds but does not reveal).
        """
        fold = self._fold
        if fold.chronicle.version != fold.seen_version or not fold.st.room_seed:
            self.advance()

    def _need_writer(self) -> Identity:
        if self.identity is None:
            raise EngineError(
                "this RoomEngine is read-only (built without an Identity): build it as "
                "RoomEngine(game, chronicle, identity) with the identity holding a seat"
            )
        if not self.my_seats:
            raise SeatError(f"peer {self.identity.peer_id} holds no seat in this room")
        return self.identity

    def _submit(
        self,
        seat: str,
        move: str,
        args: tuple[Any, ...],
        *,
        time_ms: int | None = None,
        validate: bool = True,
    ) -> Outcome:
        identity = self._need_writer()
        fold = self._fold
        chronicle = fold.chronicle
        if seat not in self.my_seats:
            raise SeatError(f"seat {seat!r} is not yours (this peer holds {list(self.my_seats)})")
        if chronicle.version != fold.seen_version:
            self.advance()
        if time_ms is None:
            time_ms = self.clock()
        me = identity.peer_id
        seq, prev, parents, lamport = chronicle.graph.links_for(me)
        # Judge the move as the next entry (it sorts after everything held), then sign it.
        body, frozen = encode_body(
            me, seat, move, args, time_ms, seq=seq, prev=prev, parents=parents, lamport=lamport
        )
        probe = Entry(me, seat, move, frozen, time_ms, seq, prev, parents, lamport, b"", body, b"")
        reason, epoch, index, boundary = fold.judge(probe)
        if reason and validate:
            raise IllegalMoveError(reason)  # a refused move changed nothing
        sig = identity.sign(signing_payload(self.config.genesis, body))
        entry = Entry(
            me,
            seat,
            move,
            frozen,
            time_ms,
            seq,
            prev,
            parents,
            lamport,
            sig,
            body,
            body_digest(body),
        )
        try:
            chronicle.append_entries([entry], checked=True)
        except BaseException:
            # The World holds a move the log does not: fold back to what the log says.
            fold.rewind(fold.pos)
            fold.seen_version = -1
            raise
        fold.saw_own_entry()
        outcome = fold.commit(entry, reason, epoch, index, boundary)
        fold.queue_checkpoints()  # our move may close an epoch
        # Everything written since the fold above was ours and is folded.
        self._write_due()
        fold.seen_version = chronicle.version
        return outcome

    # ---- folding and the protocol's writes ---------------------------------------------

    def refresh(self) -> list[Outcome]:
        """Fold whatever changed in the chronicle since the last look, rewinding to the
        nearest snapshot first if entries landed before ones already applied. Returns the
        outcomes the fold produced (refolded ones included). Never writes: what the fold
        made due waits for the next writing call (:meth:`advance`).
        """
        return self._fold.refresh()

    def advance(self) -> list[Outcome]:
        """Fold what arrived, then write what the protocol now requires of this peer: its
        hash records and checkpoints, and its seed reveals once every seat has committed
        (``auto_reveal``). Returns the outcomes produced, this peer's new entries included.
        A read-only engine only folds.
        """
        fold = self._fold
        produced = fold.refresh()
        start = len(fold.outcomes) - len(produced)
        if self._writes:
            self._write_due()
            fold.seen_version = fold.chronicle.version
            self._reveal_if_ready()
        return fold.outcomes[start:]

    def _write_due(self) -> None:
        """Write the queued hash records and checkpoints."""
        fold = self._fold
        if not (fold.pending_checkpoints or fold.pending_hashes):
            return
        chronicle, identity = fold.chronicle, self.identity
        assert identity is not None  # only a writer's fold queues anything
        me = identity.peer_id
        genesis = self.config.genesis
        for e, cp in sorted(fold.pending_checkpoints.items()):
            text = cp.sign(identity, genesis)
            chronicle.open_epoch(e)
            if chronicle.checkpoints(e).get(me) != text:
                chronicle.put_checkpoint(e, me, text)
        for e, count, log, state in fold.pending_hashes:
            if chronicle.has_epoch(e):
                chronicle.record_hash(
                    e, me, sign_hash_record(identity, genesis, e, count, log, state)
                )
        fold.pending_checkpoints = {}
        fold.pending_hashes = []

    def _reveal_if_ready(self) -> None:
        """Reveal our seed contributions once every seat still in the game has committed,
        and again if a reveal of ours was rejected while the seed is still open.
        """
        fold = self._fold
        st = fold.st
        if not (self.auto_reveal and self._writes) or st.room_seed:
            return
        if any(s not in st.commits for s in self.config.seats if s not in st.forfeits):
            return
        for seat in self.my_seats:
            if seat not in st.commits or seat in st.reveals or seat in st.forfeits:
                continue
            mine = self._revealing.get(seat)
            if mine is not None and fold.verdicts.get(mine) is not False:
                continue  # written and accepted, or not folded yet
            try:
                outcome = self._submit(seat, SEED_REVEAL, (self.contribution(seat),))
            except IllegalMoveError as exc:
                # The log holds a commitment for our seat that our contribution does not
                # open (this key signed another one): revealing can never succeed.
                logger.error("cannot reveal the seed contribution for %s: %s", seat, exc)
                self._revealing[seat] = b""
                continue
            self._revealing[seat] = outcome.digest

    def fold(self) -> FoldResult:
        """Bring the World up to date with the chronicle and return the fold's result.
        Never writes (see :meth:`refresh`).
        """
        self._fold.refresh()
        return FoldResult(tuple(self.outcomes()), self.state_hash())

    def refold(self) -> FoldResult:
        """Fold the whole log again from the first held epoch (signatures stay verified:
        the check of each entry is cached). Useful after a suspected desync, and to time
        the fold itself. Never writes.
        """
        fold = self._fold
        fold.rewind(0)
        fold.seen_version = -1
        return self.fold()

    # ---- sync sessions -------------------------------------------------------------------

    def session(self, peer: str) -> SyncSession:
        """The sync session with ``peer`` (created on first use). A peer daemon owns one
        per connected peer: :meth:`SyncSession.receive` a frame, then :meth:`advance`, then
        send what every dirty session generates.
        """
        s = self._sessions.get(peer)
        if s is None:
            s = self._sessions[peer] = SyncSession(self._fold.chronicle, peer)
        return s

    @property
    def sessions(self) -> Mapping[str, SyncSession]:
        """Peer -> its sync session (read-only view)."""
        return MappingProxyType(self._sessions)

    def drop_session(self, peer: str) -> None:
        """Forget the sync session with ``peer`` (its connection closed; the next one starts
        the protocol afresh).
        """
        self._sessions.pop(peer, None)

    def generate_sync_message(self, peer: str) -> bytes | None:
        """``session(peer).generate()``: the next sync frame for ``peer``, or None. Reads
        only; call :meth:`advance` first for what the fold made due to be included.
        """
        return self.session(peer).generate()

    def receive_sync_message(self, peer: str, data: bytes) -> list[Outcome]:
        """Merge a peer's sync frame (``session(peer).receive(data)``), then
        :meth:`advance`. Returns the outcomes produced (refolded ones after a rewind, and
        this peer's reveals). A bad frame raises
        :class:`~hypertoken.log.errors.ChronicleError` having changed nothing.
        """
        self.session(peer).receive(data)
        return self.advance()

    # ---- snapshots and forks ---------------------------------------------------------

    def snapshot(self) -> RoomSnapshot:
        """The engine's fold now: World, fold state and position."""
        return self._fold.snapshot()

    def restore(self, snap: RoomSnapshot) -> None:
        """Go back to a snapshot of this engine; it folds forward again from there at its
        next refresh (the log still holds every entry).
        """
        self._fold.restore(snap)

    def fork(self) -> RoomEngine:
        """An independent engine for what-if exploration: its own World copy, fold state
        and an Automerge fork of the chronicle (with no sync sessions: the fork's log is
        not the room's). The original is untouched.
        """
        fold = self._fold
        chronicle = fold.chronicle.fork()
        other = RoomEngine(
            fold.game,
            chronicle,
            self.identity,
            auto_reveal=self.auto_reveal,
            clock=self.clock,
            _resume=fold.fork(chronicle),
        )
        other._revealing = dict(self._revealing)
        return other

    def __repr__(self) -> str:
        st = self._fold.st
        return (
            f"RoomEngine({self.game.info.env_id}, room {self.config.room!r}, "
            f"epoch {st.epoch}, {st.count} entries)"
        )
