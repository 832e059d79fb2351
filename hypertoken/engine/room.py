"""The Engine: moves -> rules -> World, and the fold of a room's Chronicle.

The world is a fold of the log. ``Engine(game, chronicle, identity)`` keeps a World equal to
the fold of the chronicle's entries in document order (see :mod:`hypertoken.engine.referee`
for how one entry is judged):

- :meth:`Engine.submit` validates a move, signs it, appends it and applies it;
- after sync (:meth:`Engine.receive_sync_message`, or :meth:`Engine.refresh` when the
  chronicle was changed elsewhere) new entries are folded. When an entry merged in *before*
  entries already applied, the Engine restores the nearest snapshot at or before it and
  refolds. Snapshots are kept every ``snapshot_every`` entries and at each epoch start;
  a state hash is recorded every ``hash_every`` entries so peers can detect a desync;
- an epoch closes after ``epoch_size`` entries (or a hand, if the room asks); entries
  appended to a closed epoch are rejected ("epoch closed"), and the fold continues in the
  next epoch document from the state the last one ended in.

The training fast path (:meth:`Engine.local`) applies moves straight to the World through
the same referee, with no signatures and no Automerge writes; ``record=True`` writes the
moves to a local Chronicle in batches so the episode can be replayed and shared.

An Engine is not thread-safe.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hypertoken.core import core_digest
from hypertoken.engine.base import EngineBase, EngineError, FoldResult, IllegalMoveError
from hypertoken.engine.local import TrainingMixin, local_config
from hypertoken.engine.rules import GameLoop, RuleEngine
from hypertoken.engine.state import SEED_COMMIT, SEED_REVEAL, FoldState, Outcome, commitment_of
from hypertoken.game import Game, Rule
from hypertoken.log.checkpoint import Checkpoint, choose_checkpoint
from hypertoken.log.chronicle import Chronicle
from hypertoken.log.entries import Entry, encode_body, signing_payload
from hypertoken.log.identity import Identity

logger = logging.getLogger(__name__)

__all__ = ["Engine", "EngineError", "EngineSnapshot", "FoldResult", "IllegalMoveError", "SeatError"]


class SeatError(EngineError):
    """The seat is not held by this peer."""


@dataclass(frozen=True)
class EngineSnapshot:
    """An Engine's state at one point (see :meth:`Engine.snapshot`)."""

    world: bytes
    state: FoldState
    outcomes: int
    applied: tuple[tuple[int, int], ...]
    moves: int


class Engine(TrainingMixin):
    """A game's rules applied to a World, fed by a Chronicle (rooms) or directly (training).

    ``identity`` is this peer's key; without one the Engine is read-only (replay, watching).
    The game loop (turn limit, timeout, phases) comes from the room's config, since it decides
    what the fold accepts. Extra ``rules`` beyond the game's own are code, so every peer and
    every replay must be given the same ones: prefer declaring them in ``Game.rules()``.
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
    ) -> None:
        config = chronicle.config
        if tuple(config.seats) != game.seats:
            raise EngineError(
                f"the room's seats {list(config.seats)} are not the game's {list(game.seats)}"
            )
        if (config.game, config.game_version) != (game.info.name, game.info.version):
            raise EngineError(
                f"the room plays {config.game} v{config.game_version}, not "
                f"{game.info.name} v{game.info.version}"
            )
        if strict_core and config.core != core_digest().hex():
            raise EngineError(
                f"the room runs core {config.core[:16]}..., this peer has "
                f"{core_digest().hex()[:16]}...: peers would diverge"
            )
        if snapshot_every < 1 or hash_every < 1:
            raise ValueError("snapshot_every and hash_every must be >= 1")
        loop = GameLoop(config.max_turns, config.turn_timeout_ms, config.phases)
        super().__init__(game, config, loop, RuleEngine((*game.rules(), *rules)), local=False)
        self.chronicle: Chronicle | None = chronicle
        self.identity = identity
        self.snapshot_every = snapshot_every
        self.hash_every = hash_every
        self.auto_reveal = auto_reveal
        self.my_seats: tuple[str, ...] = (
            tuple(config.seats_of(identity.peer_id)) if identity is not None else ()
        )
        self._writes = bool(self.my_seats) and config.trust == "open"
        self._bootstrap(chronicle)
        self.refresh()

    # ---- construction helpers -------------------------------------------------------

    @classmethod
    def local(
        cls,
        game: Game,
        *,
        seed: int = 0,
        record: bool = False,
        record_batch: int = 256,
        loop: GameLoop | None = None,
        rules: Iterable[Rule] = (),
    ) -> Engine:
        """The training fast path: one process, no signatures, no per-step Automerge write.
        Moves go straight to the World and are kept in memory; with ``record`` they are
        also written to a local Chronicle (``engine.chronicle``) every ``record_batch``
        moves and at :meth:`flush`.
        """
        self = cls.__new__(cls)
        loop = loop or GameLoop()
        config = local_config(game, loop)
        EngineBase.__init__(
            self, game, config, loop, RuleEngine((*game.rules(), *rules)), local=True
        )
        self.chronicle = None
        self.identity = None
        self.snapshot_every, self.hash_every = 1 << 30, 1 << 30
        self.auto_reveal = False
        self.my_seats = game.seats
        self._writes = False
        self._recording = record
        self._record_batch = max(1, record_batch)
        self.reset(seed)
        return self

    @classmethod
    def replay(cls, chronicle: Chronicle, game: Game, **kwargs: Any) -> Engine:
        """A read-only Engine holding the fold of ``chronicle``: the same World the writers
        had. ``games.for_room(chronicle.config)`` builds the room's game from the registry.
        """
        return cls(game, chronicle, None, **kwargs)

    def _bootstrap(self, chronicle: Chronicle) -> None:
        """Start the fold at the first held epoch: empty, or from its checkpoint."""
        first = chronicle.first_epoch
        st = FoldState(epoch=first)
        if first > 0:
            cps = choose_checkpoint(
                chronicle.checkpoints(first), self.config.peers, self.config.context(first), first
            )
            for cp in cps:
                if self._try_checkpoint(cp):
                    break
            else:
                raise EngineError(
                    f"epoch {first} holds no valid checkpoint to start from "
                    "(load an earlier epoch, or wait for a peer's checkpoint)"
                )
            st = self._st
        self._st = st
        self._base = (first, 0)
        self._snaps = [self._make_snap()]

    def _try_checkpoint(self, cp: Checkpoint) -> bool:
        try:
            st = FoldState.decode(cp.fold)
            self.world.restore(cp.world, verify=True)
        except (ValueError, EngineError) as exc:
            logger.warning("checkpoint for epoch %d does not restore: %s", cp.epoch, exc)
            return False
        self._st = st
        ok = st.epoch == cp.epoch and st.index == 0 and self.state_hash() == cp.state_hash
        if not ok:
            logger.warning("checkpoint for epoch %d does not hash to what it claims", cp.epoch)
        return ok

    # ---- room play --------------------------------------------------------------------

    def start(self) -> None:
        """Commit to a seed contribution for every seat this peer holds (room mode). The
        reveals follow automatically once every seat has committed (``auto_reveal``).
        """
        self._need_writer()
        for seat in self.my_seats:
            if seat not in self._st.commits and not self._st.room_seed:
                self._submit(seat, SEED_COMMIT, (commitment_of(self.contribution(seat)),))
        self._reveal_if_ready()

    def contribution(self, seat: str) -> bytes:
        """This peer's secret seed contribution for ``seat``. It is a signature, so it is
        deterministic (a restarted peer can still reveal it) yet unpredictable to others.
        """
        identity = self._need_writer()
        return identity.sign(
            b"hypertoken/seed-contribution\0" + self.config.context(0) + seat.encode()
        )

    def submit(self, seat: str, action: int, *, time_ms: int | None = None) -> Outcome:
        """Validate, sign, append and apply a game action for a seat this peer holds.
        An illegal move raises :class:`IllegalMoveError` and changes nothing.
        """
        if type(action) is not int:
            raise TypeError(f"an action is an int, not {type(action).__name__}")
        if not 0 <= action < self.game.info.num_actions:
            raise IllegalMoveError(
                f"action {action} is outside 0..{self.game.info.num_actions - 1}"
            )
        move, args = self.game.move_name(action)
        return self._submit(seat, move, args, time_ms=time_ms)

    def submit_move(
        self,
        seat: str,
        move: str,
        args: Sequence[Any] = (),
        *,
        time_ms: int | None = None,
        validate: bool = True,
    ) -> Outcome:
        """Submit a move by name (system moves like ``turn.timeout`` too). With
        ``validate=False`` the entry is appended even if this peer's fold rejects it (tests
        use this to play a stale or misbehaving peer); the rejection is then recorded.
        """
        return self._submit(seat, move, tuple(args), time_ms=time_ms, validate=validate)

    def _need_writer(self) -> Identity:
        if self.identity is None or self.chronicle is None:
            raise EngineError("this Engine is read-only: give it an Identity holding a seat")
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
        chronicle = self.chronicle
        assert chronicle is not None
        if seat not in self.my_seats:
            raise SeatError(f"seat {seat!r} is not yours (this peer holds {list(self.my_seats)})")
        if chronicle.version != self._seen_version:
            self.refresh()
        st = self._st
        e, i = st.epoch, st.index
        if not chronicle.has_epoch(e):
            chronicle.open_epoch(e)
        if time_ms is None:
            time_ms = int(time.time() * 1000)
        lamport = max(st.lamports.values(), default=0) + 1
        body, frozen = encode_body(identity.peer_id, seat, move, args, time_ms, lamport)
        had = st.lamports.get(identity.peer_id)
        probe = Entry(identity.peer_id, seat, move, frozen, time_ms, lamport, b"", body)
        reason = self.referee.apply(st, probe, e, i)
        if reason and validate:
            # A refused move left the World as it was; only our lamport moved. Put it back.
            if had is None:
                del st.lamports[identity.peer_id]
            else:
                st.lamports[identity.peer_id] = had
            raise IllegalMoveError(reason)
        sig = identity.sign(signing_payload(self.referee.context(e), body))
        entry = Entry(identity.peer_id, seat, move, frozen, time_ms, lamport, sig, body)
        text = entry.to_text()
        try:
            chronicle.append(text, e)
        except BaseException:
            # The World holds a move the log does not: fold back to what the log says.
            self._rewind((e, i))
            self._seen_version = -1
            raise
        self._cache(e)[text] = entry
        outcome = self._record(e, text, entry, reason)
        self._after_entry(e, bool(reason))
        # Everything written since the refresh above was ours and is folded: note it as
        # seen, or the next refresh would re-read the whole epoch for nothing.
        self._mark_seen(chronicle, (e, e + 1))
        return outcome

    def _mark_seen(self, chronicle: Chronicle, epochs: Iterable[int]) -> None:
        for e in epochs:
            if chronicle.has_epoch(e):
                self._seen_heads[e] = chronicle.heads(e)
        self._seen_version = chronicle.version

    # ---- sync and the fold --------------------------------------------------------------

    def generate_sync_message(self, peer: str) -> bytes | None:
        """The chronicle's next sync message for ``peer`` (see :class:`Chronicle`)."""
        assert self.chronicle is not None
        return self.chronicle.generate_sync_message(peer)

    def receive_sync_message(self, peer: str, data: bytes) -> list[Outcome]:
        """Apply a peer's sync message and fold what it brought. Returns the outcomes the
        fold produced (including refolded ones after a rewind).
        """
        assert self.chronicle is not None
        self.chronicle.receive_sync_message(peer, data)
        return self.refresh()

    def fold(self) -> FoldResult:
        """Bring the World up to date with the chronicle and return the fold's result."""
        self.refresh()
        return FoldResult(tuple(self.outcomes()), self.state_hash())

    def refold(self) -> FoldResult:
        """Fold the whole log again from the first held epoch (signatures stay verified:
        the check of each entry is cached). Useful after a suspected desync, and to time
        the fold itself.
        """
        if self._local:
            raise EngineError("a local engine has no log to refold (replay its recording)")
        self._rewind(self._base)
        self._seen_version = -1
        return self.fold()

    def refresh(self) -> list[Outcome]:
        """Fold whatever changed in the chronicle since the last look, rewinding to the
        nearest snapshot first if entries landed before ones already applied.
        """
        chronicle = self.chronicle
        if chronicle is None:
            return []
        before = len(self._outcomes)
        if chronicle.version != self._seen_version:
            earliest: tuple[int, int] | None = None
            for e in chronicle.epochs:
                if e < self._base[0]:
                    continue
                heads = chronicle.heads(e)
                if self._seen_heads.get(e) == heads:
                    continue
                self._seen_heads[e] = heads
                applied = self._applied.get(e)
                if not applied:
                    continue
                raw = chronicle.raw(e)
                n = len(applied)
                if raw[:n] != applied:
                    i = next(k for k in range(n) if raw[k] != applied[k])
                    if earliest is None or (e, i) < earliest:
                        earliest = (e, i)
            if earliest is not None:
                before = self._rewind(earliest)
            self._fold_forward(chronicle)
            # The fold may have written hash records and checkpoints; nothing else can have
            # changed the chronicle meanwhile (this is synchronous).
            self._mark_seen(chronicle, [e for e in chronicle.epochs if e >= self._base[0]])
        self._reveal_if_ready()
        return self._outcomes[before:]

    def _fold_forward(self, chronicle: Chronicle) -> None:
        check = self.referee.check
        while True:
            st = self._st
            e = st.epoch
            if not chronicle.has_epoch(e):
                return
            raw = chronicle.raw(e)
            cache = self._cache(e)
            while st.epoch == e and st.index < len(raw):
                text = raw[st.index]
                got = cache.get(text)
                if got is None:
                    got = cache[text] = check(e, text)
                if isinstance(got, str):
                    self._record(e, text, None, got)
                    self._after_entry(e, True)
                else:
                    reason = self.referee.apply(st, got, e, st.index)
                    self._record(e, text, got, reason)
                    self._after_entry(e, bool(reason))
                st = self._st
            if st.epoch == e:
                return

    def _after_entry(self, e: int, rejected: bool) -> None:
        """Epoch close, snapshots and hash records, after the entry at ``index - 1``."""
        st = self._st
        size = self.config.epoch_size
        if (size and st.index >= size) or (
            self.config.epoch_per_hand
            and not rejected
            and st.started
            and self.game.hand_over(self.world)
        ):
            self._close_epoch(e)
            return
        if st.count % self.snapshot_every == 0:
            self._push_snap()
        if st.count % self.hash_every == 0:
            self._record_hash(e, st.index)

    def _close_epoch(self, e: int) -> None:
        st = self._st
        self._closed[e] = st.index
        st.epoch, st.index = e + 1, 0
        self._push_snap()
        chronicle = self.chronicle
        if self._writes and chronicle is not None and self.identity is not None:
            chronicle.open_epoch(e + 1)
            cp = Checkpoint(
                e + 1, self.state_hash(), st.log_digest, self.world.snapshot(), st.encode()
            )
            text = cp.sign(self.identity, self.config.context(e + 1))
            if chronicle.checkpoints(e + 1).get(self.identity.peer_id) != text:
                chronicle.put_checkpoint(e + 1, self.identity.peer_id, text)

    def _record_hash(self, e: int, index: int) -> None:
        st = self._st
        h = self.state_hash()
        self._hash_log[(e, index)] = (st.log_digest, h)
        if self._writes and self.chronicle is not None and self.identity is not None:
            self.chronicle.record_hash(
                e, self.identity.peer_id, f"{e}:{index}:{st.log_digest.hex()}:{h.hex()}"
            )

    def _reveal_if_ready(self) -> None:
        """Reveal our seed contributions once every seat has committed (room mode)."""
        st = self._st
        if not (self.auto_reveal and self._writes) or st.room_seed:
            return
        if len(st.commits) < len(self.config.seats):
            return
        for seat in self.my_seats:
            if seat in st.commits and seat not in st.reveals and seat not in self._revealing:
                self._revealing.add(seat)
                self._submit(seat, SEED_REVEAL, (self.contribution(seat),))

    def desyncs(self) -> list[tuple[str, int, int]]:
        """(peer, epoch, index) where a peer folded the same log to a different state hash:
        a bug or a non-deterministic game, never a network condition.
        """
        if self.chronicle is None:
            return []
        found = []
        me = self.identity.peer_id if self.identity else ""
        for e in self.chronicle.epochs:
            for actor, records in self.chronicle.hash_records(e).items():
                if actor == me:
                    continue
                for rec in records:
                    try:
                        re, ri, log, state = rec.split(":")
                        mine = self._hash_log.get((int(re), int(ri)))
                    except ValueError:
                        continue
                    if mine and mine[0].hex() == log and mine[1].hex() != state:
                        found.append((actor, int(re), int(ri)))
        return found

    # ---- snapshots and forks ---------------------------------------------------------

    def snapshot(self) -> EngineSnapshot:
        """The Engine's state now: World, fold state and position."""
        return EngineSnapshot(
            self.world.snapshot(),
            self._st.copy(),
            len(self._outcomes),
            tuple((e, len(a)) for e, a in self._applied.items()),
            len(self._moves),
        )

    def restore(self, snap: EngineSnapshot) -> None:
        """Go back to a snapshot of this Engine. A room Engine folds forward again from
        there at its next refresh; a local Engine forgets the moves made since.
        """
        if not isinstance(snap, EngineSnapshot):
            raise TypeError(f"restore() takes an EngineSnapshot, not {type(snap).__name__}")
        if self._local and self._recording:
            raise EngineError(
                "a recording engine cannot rewind (its log is append-only): "
                "fork() it, or use record=False"
            )
        self.world.restore(snap.world)
        self._st = snap.state.copy()
        del self._outcomes[snap.outcomes :]
        lengths = dict(snap.applied)
        self._applied = {e: a[: lengths[e]] for e, a in self._applied.items() if e in lengths}
        self._snaps = [
            s for s in self._snaps if (s[0], s[1]) <= (snap.state.epoch, snap.state.index)
        ]
        self._closed = {e: c for e, c in self._closed.items() if e < snap.state.epoch}
        self._seen_heads.clear()
        self._seen_version = -1
        del self._moves[snap.moves :]

    def fork(self) -> Engine:
        """An independent Engine for what-if exploration: its own World copy, fold state
        and (for rooms) an Automerge fork of the chronicle. The original is untouched.
        """
        other: Engine = self._copy_base()
        other.chronicle = self.chronicle.fork() if self.chronicle is not None else None
        for name in (
            "identity",
            "snapshot_every",
            "hash_every",
            "auto_reveal",
            "my_seats",
            "_writes",
            "_recording",
            "_record_batch",
            "_episode_seed",
        ):
            if hasattr(self, name):
                setattr(other, name, getattr(self, name))
        other._moves = list(self._moves)
        other._pending = list(self._pending)
        if other.chronicle is not None:
            other._seen_version = other.chronicle.version
        return other

    # ---- reading ----------------------------------------------------------------------

    def observe(self, seat: str) -> dict[str, np.ndarray]:
        """``{"observation", "action_mask"}`` for ``seat`` (PettingZoo's masked format)."""
        mask = (
            self.game.legal_actions(self.world, seat)
            if self.is_to_move(seat)
            else np.zeros(self.game.info.num_actions, dtype=bool)
        )
        return {
            "observation": self.game.player_view(self.world, seat),
            "action_mask": mask.astype(np.int8),
        }

    def __repr__(self) -> str:
        mode = "local" if self.config.trust == "local" else f"room {self.config.room!r}"
        return (
            f"Engine({self.game.info.env_id}, {mode}, epoch {self._st.epoch}, "
            f"{self._st.count} entries)"
        )
