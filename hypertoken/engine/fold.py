"""The fold of a room's Chronicle: :class:`LogFold`, the state and the reading half of
:class:`~hypertoken.engine.RoomEngine`.

The fold applies the chronicle's entries in document order, epoch after epoch, through the
referee (:mod:`hypertoken.engine.referee`). When an entry merged in *before* entries
already applied, it restores the nearest snapshot at or before it and refolds. Snapshots
are kept every ``snapshot_every`` entries and at each epoch start; a state hash is noted
every ``hash_every`` entries so peers can detect a desync; an epoch closes after
``epoch_size`` entries (or a hand, if the room asks), and entries appended to a closed
epoch are rejected ("epoch closed").

**Folding never writes.** What a seated peer must write because of what the fold reached
(its hash records, and its signed checkpoint when an epoch closes) is queued in
:attr:`LogFold.pending_hashes` and :attr:`LogFold.pending_checkpoints`; the room engine
writes the queue in its writing methods. The chronicle only changes through those.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from hypertoken.core import World
from hypertoken.engine.base import EngineError, FoldCore
from hypertoken.engine.rules import GameLoop, RuleEngine
from hypertoken.engine.state import FoldState, Outcome, text_digest
from hypertoken.game import Game
from hypertoken.log.checkpoint import Checkpoint, choose_checkpoint
from hypertoken.log.chronicle import Chronicle
from hypertoken.log.entries import Entry, EntryError, decode_entry

logger = logging.getLogger(__name__)

#: (epoch, index, outcomes so far, World snapshot, FoldState) at a fold position.
Snap = tuple[int, int, int, bytes, FoldState]


@dataclass(frozen=True)
class RoomSnapshot:
    """A room engine's fold at one point (see :meth:`hypertoken.engine.RoomEngine.snapshot`)."""

    world: bytes
    state: FoldState
    outcomes: int
    applied: tuple[tuple[int, int], ...]


class LogFold(FoldCore):
    """A fold core that folds a chronicle (see the module docstring). Not thread-safe."""

    def __init__(
        self,
        game: Game,
        chronicle: Chronicle,
        loop: GameLoop,
        rules: RuleEngine,
        *,
        snapshot_every: int,
        hash_every: int,
        writes: bool,
        world: World | None = None,
        blank: bytes | None = None,
    ) -> None:
        if snapshot_every < 1 or hash_every < 1:
            raise ValueError("snapshot_every and hash_every must be >= 1")
        super().__init__(game, chronicle.config, loop, rules, world=world, blank=blank)
        self.chronicle = chronicle
        self.snapshot_every = snapshot_every
        self.hash_every = hash_every
        #: Whether this fold's peer writes hash records and checkpoints (a seated peer of
        #: an open room); a reader queues nothing.
        self.writes = writes
        #: At most this many rewind snapshots are kept; older ones are thinned out.
        self.max_snapshots = 256
        self.base = (chronicle.first_epoch, 0)
        self.applied: dict[int, list[str]] = {}
        self.outcomes: list[Outcome] = []
        self.snaps: list[Snap] = []
        #: epoch -> entry text -> the referee's static verdict. Pure, so forks share it.
        self.checked: dict[int, dict[str, Entry | str]] = {}
        self.seen_heads: dict[int, list[bytes]] = {}
        self.seen_version = -1
        self.closed: dict[int, int] = {}
        self.hash_log: dict[tuple[int, int], tuple[bytes, bytes]] = {}
        #: epoch -> the checkpoint this peer owes for its start (the newest wins).
        self.pending_checkpoints: dict[int, Checkpoint] = {}
        #: (epoch, record) hash records this peer owes, in fold order.
        self.pending_hashes: list[tuple[int, str]] = []

    # ---- construction and forks ------------------------------------------------------

    def bootstrap(self) -> None:
        """Start the fold at the first held epoch: empty, or from its checkpoint."""
        chronicle = self.chronicle
        first = chronicle.first_epoch
        st = FoldState(epoch=first)
        if first > 0:
            cps = choose_checkpoint(
                chronicle.checkpoints(first), self.config.peers, self.config.context(first), first
            )
            if not any(self._try_checkpoint(cp) for cp in cps):
                raise EngineError(
                    f"epoch {first} holds no valid checkpoint to start from "
                    "(load an earlier epoch, or wait for a peer's checkpoint)"
                )
            st = self.st
        self.st = st
        self.base = (first, 0)
        self.snaps = [self._make_snap()]

    def _try_checkpoint(self, cp: Checkpoint) -> bool:
        try:
            st = FoldState.decode(cp.fold)
            self.world.restore(cp.world, verify=True)
        except (ValueError, EngineError) as exc:
            logger.warning("checkpoint for epoch %d does not restore: %s", cp.epoch, exc)
            return False
        self.st = st
        ok = st.epoch == cp.epoch and st.index == 0 and self.state_hash() == cp.state_hash
        if not ok:
            logger.warning("checkpoint for epoch %d does not hash to what it claims", cp.epoch)
        return ok

    def fork(self, chronicle: Chronicle) -> LogFold:
        """An independent copy folding ``chronicle`` (a fork of this fold's chronicle)."""
        other = LogFold(
            self.game,
            chronicle,
            self.loop,
            self.rules,
            snapshot_every=self.snapshot_every,
            hash_every=self.hash_every,
            writes=self.writes,
            world=self.world.fork(),
            blank=self.blank,
        )
        other._copy_from(self)
        return other

    def _copy_from(self, other: LogFold) -> None:
        super()._copy_from(other)
        self.max_snapshots = other.max_snapshots
        self.base = other.base
        self.applied = {e: list(a) for e, a in other.applied.items()}
        self.outcomes = list(other.outcomes)
        self.snaps = list(other.snaps)  # each snap is immutable bytes and a private state
        self.checked = other.checked  # pure: shared, so a fork verifies nothing twice
        # An Automerge fork keeps the heads, so what was seen is still seen.
        self.seen_heads = dict(other.seen_heads)
        self.seen_version = self.chronicle.version
        self.closed = dict(other.closed)
        self.hash_log = dict(other.hash_log)
        self.pending_checkpoints = dict(other.pending_checkpoints)
        self.pending_hashes = list(other.pending_hashes)

    # ---- bookkeeping ------------------------------------------------------------------

    def cache(self, epoch: int) -> dict[str, Entry | str]:
        """The static verdicts of ``epoch``'s entries."""
        cache = self.checked.get(epoch)
        if cache is None:
            cache = self.checked[epoch] = {}
        return cache

    def record(self, e: int, text: str, entry: Entry | None, reason: str) -> Outcome:
        """Note that the entry at the fold position was folded, and move on."""
        st = self.st
        i = st.index
        digest = text_digest(text)
        if entry is None:
            outcome = Outcome(e, i, False, reason, "", "", "", (), 0, 0, digest)
        else:
            outcome = Outcome(
                e,
                i,
                not reason,
                reason,
                entry.actor,
                entry.seat,
                entry.move,
                entry.args,
                entry.time_ms,
                entry.lamport,
                digest,
            )
        applied = self.applied.get(e)
        if applied is None:
            applied = self.applied[e] = []
        applied.append(text)
        self.outcomes.append(outcome)
        st.index = i + 1
        st.count += 1
        st.log_digest = hashlib.blake2b(st.log_digest + digest, digest_size=16).digest()
        return outcome

    def _make_snap(self) -> Snap:
        st = self.st
        return (st.epoch, st.index, len(self.outcomes), self.world.snapshot(), st.copy())

    def _push_snap(self) -> None:
        snaps = self.snaps
        snap = self._make_snap()
        if snaps and (snaps[-1][0], snaps[-1][1]) == (snap[0], snap[1]):
            snaps[-1] = snap
        else:
            snaps.append(snap)
        if len(snaps) > self.max_snapshots:
            # Thin the older half (keeping the base): rewinds are usually short, and a long
            # one can still start from a farther snapshot and refold a little more.
            half = len(snaps) // 2
            snaps[1:half] = snaps[1:half:2]

    def rewind(self, pos: tuple[int, int]) -> int:
        """Restore the newest snapshot at or before ``pos``; return the outcomes kept."""
        snaps = self.snaps
        while len(snaps) > 1 and (snaps[-1][0], snaps[-1][1]) > pos:
            snaps.pop()
        e0, i0, n_out, world, st = snaps[-1]
        self.world.restore(world)
        self.st = st.copy()
        del self.outcomes[n_out:]
        self.applied = {e: (a if e < e0 else a[:i0]) for e, a in self.applied.items() if e <= e0}
        self.closed = {e: c for e, c in self.closed.items() if e < e0}
        self.hash_log = {k: v for k, v in self.hash_log.items() if k <= (e0, i0)}
        return n_out

    def mark_seen(self, epochs: Iterable[int]) -> None:
        """Note the chronicle as folded up to now (nothing else changed it since)."""
        chronicle = self.chronicle
        for e in epochs:
            if chronicle.has_epoch(e):
                self.seen_heads[e] = chronicle.heads(e)
        self.seen_version = chronicle.version

    # ---- folding ------------------------------------------------------------------------

    def refresh(self) -> list[Outcome]:
        """Fold whatever changed in the chronicle since the last look, rewinding to the
        nearest snapshot first if entries landed before ones already applied. Returns the
        outcomes produced (refolded ones included). Writes nothing.
        """
        chronicle = self.chronicle
        before = len(self.outcomes)
        if chronicle.version == self.seen_version:
            return []
        earliest: tuple[int, int] | None = None
        for e in chronicle.epochs:
            if e < self.base[0]:
                continue
            heads = chronicle.heads(e)
            if self.seen_heads.get(e) == heads:
                continue
            self.seen_heads[e] = heads
            applied = self.applied.get(e)
            if not applied:
                continue
            raw = chronicle.raw(e)
            n = len(applied)
            if raw[:n] != applied:
                i = next(k for k in range(n) if raw[k] != applied[k])
                if earliest is None or (e, i) < earliest:
                    earliest = (e, i)
        if earliest is not None:
            before = self.rewind(earliest)
        self._fold_forward()
        self.seen_version = chronicle.version
        return self.outcomes[before:]

    def _fold_forward(self) -> None:
        chronicle = self.chronicle
        check = self.referee.check
        while True:
            st = self.st
            e = st.epoch
            if not chronicle.has_epoch(e):
                return
            raw = chronicle.raw(e)
            cache = self.cache(e)
            while st.epoch == e and st.index < len(raw):
                text = raw[st.index]
                got = cache.get(text)
                if got is None:
                    got = cache[text] = check(e, text)
                if isinstance(got, str):
                    self.record(e, text, None, got)
                    self.after_entry(e, True)
                else:
                    reason = self.referee.apply(st, got, e, st.index)
                    self.record(e, text, got, reason)
                    self.after_entry(e, bool(reason))
                st = self.st
            if st.epoch == e:
                return

    def after_entry(self, e: int, rejected: bool) -> None:
        """Epoch close, snapshots and hash records, after the entry at ``index - 1``."""
        st = self.st
        config = self.config
        size = config.epoch_size
        if (size and st.index >= size) or (
            config.epoch_per_hand
            and not rejected
            and st.started
            and self.game.hand_over(self.world)
        ):
            self._close_epoch(e)
            return
        if st.count % self.snapshot_every == 0:
            self._push_snap()
        if st.count % self.hash_every == 0:
            self._note_hash(e, st.index)

    def _close_epoch(self, e: int) -> None:
        st = self.st
        self.closed[e] = st.index
        st.epoch, st.index = e + 1, 0
        self._push_snap()
        if self.writes:
            self.pending_checkpoints[e + 1] = Checkpoint(
                e + 1, self.state_hash(), st.log_digest, self.world.snapshot(), st.encode()
            )

    def _note_hash(self, e: int, index: int) -> None:
        st = self.st
        h = self.state_hash()
        self.hash_log[(e, index)] = (st.log_digest, h)
        if self.writes:
            self.pending_hashes.append((e, f"{e}:{index}:{st.log_digest.hex()}:{h.hex()}"))

    # ---- reading ----------------------------------------------------------------------

    def all_outcomes(self) -> list[Outcome]:
        """Every entry's outcome in fold order, late entries of closed epochs included."""
        late: list[Outcome] = []
        chronicle = self.chronicle
        for e, n in self.closed.items():
            if chronicle.has_epoch(e):
                late.extend(self._late(e, i, t) for i, t in enumerate(chronicle.raw(e)[n:], n))
        if not late:
            return list(self.outcomes)
        return sorted([*self.outcomes, *late], key=lambda o: (o.epoch, o.index))

    def _late(self, e: int, i: int, text: str) -> Outcome:
        reason = f"epoch {e} closed after {self.closed[e]} entries"
        try:
            x = decode_entry(text)
        except EntryError:
            return Outcome(e, i, False, reason, "", "", "", (), 0, 0, text_digest(text))
        return Outcome(
            e,
            i,
            False,
            reason,
            x.actor,
            x.seat,
            x.move,
            x.args,
            x.time_ms,
            x.lamport,
            text_digest(text),
        )

    def desyncs(self, me: str) -> list[tuple[str, int, int]]:
        """(peer, epoch, index) where a peer other than ``me`` recorded a different state
        hash for the same log digest.
        """
        found = []
        for e in self.chronicle.epochs:
            for actor, records in self.chronicle.hash_records(e).items():
                if actor == me:
                    continue
                for rec in records:
                    try:
                        re, ri, log, state = rec.split(":")
                        mine = self.hash_log.get((int(re), int(ri)))
                    except ValueError:
                        continue
                    if mine and mine[0].hex() == log and mine[1].hex() != state:
                        found.append((actor, int(re), int(ri)))
        return found

    # ---- snapshots ----------------------------------------------------------------------

    def snapshot(self) -> RoomSnapshot:
        """The fold now: World, fold state and position."""
        return RoomSnapshot(
            self.world.snapshot(),
            self.st.copy(),
            len(self.outcomes),
            tuple((e, len(a)) for e, a in self.applied.items()),
        )

    def restore(self, snap: RoomSnapshot) -> None:
        """Go back to a snapshot of this fold; the next refresh folds forward from there."""
        if not isinstance(snap, RoomSnapshot):
            raise TypeError(
                f"a room engine restores a RoomSnapshot (its own snapshot()), "
                f"not {type(snap).__name__}"
            )
        self.world.restore(snap.world)
        self.st = snap.state.copy()
        del self.outcomes[snap.outcomes :]
        lengths = dict(snap.applied)
        self.applied = {e: a[: lengths[e]] for e, a in self.applied.items() if e in lengths}
        pos = (snap.state.epoch, snap.state.index)
        self.snaps = [s for s in self.snaps if (s[0], s[1]) <= pos]
        self.closed = {e: c for e, c in self.closed.items() if e < snap.state.epoch}
        self.seen_heads.clear()
        self.seen_version = -1
