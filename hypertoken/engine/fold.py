"""The fold of a room's Chronicle: :class:`LogFold`, the state and the reading half of
:class:`~hypertoken.engine.RoomEngine`.

The fold applies the chronicle's accepted entries in their signed order
(:attr:`hypertoken.log.chronicle.Chronicle.graph`), through the referee
(:mod:`hypertoken.engine.referee`). It never reads list positions of a document. When
entries are accepted that sort *before* entries already applied (a concurrent entry, or a
fork that changes verdicts), it restores the nearest snapshot at or before the first
changed position and refolds. Snapshots are kept every ``snapshot_every`` entries and at
each epoch start; a state hash is noted every ``hash_every`` entries so peers can detect a
desync.

**Epochs and checkpoints.** An entry's epoch follows from its lamport. When the fold
enters epoch *e+1* it notes the state it left epoch *e* in; once epoch *e* is closed (every
seat holder has moved past it, see :mod:`hypertoken.log.dag`), that state is final on this
peer and a seat holder signs it as its checkpoint for *e+1*. A late joiner that holds no
history starts from epoch *b*'s final checkpoint (every seat holder signed the same one),
and keeps watching it: if the seat holders sign a different final checkpoint later (an
equivocation came to light), it starts again from that one.

**Folding never writes.** What a seated peer must write because of what the fold reached
(its hash records, and its signed checkpoints) is queued in :attr:`LogFold.pending_hashes`
and :attr:`LogFold.pending_checkpoints`; the room engine writes the queue in its writing
methods. The chronicle only changes through those.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from hypertoken.core import World
from hypertoken.engine.base import EngineError, FoldCore
from hypertoken.engine.rules import GameLoop, RuleEngine
from hypertoken.engine.state import FoldState, Outcome
from hypertoken.game import Game
from hypertoken.log.checkpoint import Checkpoint
from hypertoken.log.chronicle import Chronicle
from hypertoken.log.dag import EntryGraph
from hypertoken.log.entries import Entry

logger = logging.getLogger(__name__)

#: (order position, World snapshot, FoldState) at a fold position.
Snap = tuple[int, bytes, FoldState]


@dataclass(frozen=True)
class Boundary:
    """The state the fold entered an epoch with (what a checkpoint of it signs)."""

    #: The order position of the epoch's first entry.
    pos: int
    state_hash: bytes
    log_digest: bytes
    #: World.snapshot() and the FoldState there: as it ended the previous epoch
    #: (``before``), and encoded as it starts this one (``fold``).
    world: bytes
    fold: bytes
    before: FoldState


@dataclass(frozen=True)
class RoomSnapshot:
    """A room engine's fold at one point (see :meth:`hypertoken.engine.RoomEngine.snapshot`)."""

    world: bytes
    state: FoldState
    #: How many entries of the order were folded.
    position: int


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
        #: The graph folded, and how many of its changes were seen.
        self._graph: EntryGraph = chronicle.graph
        self._seen_changes = 0
        #: Entries of the order folded so far; one outcome each.
        self.pos = 0
        self.outcomes: list[Outcome] = []
        #: digest -> whether the fold accepted the entry (as of its latest fold).
        self.verdicts: dict[bytes, bool] = {}
        self.snaps: list[Snap] = []
        self.seen_version = -1
        #: epoch -> the state the fold entered it with.
        self.boundaries: dict[int, Boundary] = {}
        #: Epochs with a boundary this peer may still have to sign.
        self._unsigned: set[int] = set()
        #: The epoch this fold started from and the agreement of its final checkpoint.
        self.base_epoch = 0
        self.base_agreement: bytes | None = None
        #: entries folded -> (log digest, state hash) there, every ``hash_every``.
        self.hash_log: dict[int, tuple[bytes, bytes]] = {}
        #: epoch -> the checkpoint this peer owes for its start (the newest wins).
        self.pending_checkpoints: dict[int, Checkpoint] = {}
        #: epoch -> the agreement of the checkpoint this peer last signed for it.
        self.signed: dict[int, tuple[bytes, bytes]] = {}
        #: (epoch, count, log digest, state hash) hash records this peer owes.
        self.pending_hashes: list[tuple[int, int, bytes, bytes]] = []
        self._recorded: set[tuple[int, bytes]] = set()

    # ---- construction and forks ------------------------------------------------------

    def bootstrap(self) -> None:
        """Start the fold at the first held epoch: empty, or from its final checkpoint."""
        chronicle = self.chronicle
        first = chronicle.first_epoch
        if first > 0:
            cp = chronicle.final_checkpoint(first)
            if cp is None:
                raise EngineError(
                    f"epoch {first} has no final checkpoint (every seat holder must sign "
                    "the same state): load an earlier epoch, or wait for the checkpoints"
                )
            self._start_from(first, cp)
        else:
            self.st = FoldState(epoch=0)
            self._reset_fold()

    def _start_from(self, epoch: int, cp: Checkpoint) -> None:
        try:
            st = FoldState.decode(cp.fold)
            self.world.restore(cp.world, verify=True)
        except (ValueError, EngineError) as exc:
            raise EngineError(f"epoch {epoch}'s final checkpoint does not restore: {exc}") from None
        self.st = st
        if (
            st.epoch != cp.epoch
            or st.index != 0
            or st.log_digest != cp.log_digest
            or self.state_hash() != cp.state_hash
        ):
            raise EngineError(f"epoch {epoch}'s final checkpoint does not hash to what it claims")
        self.chronicle.rebase(epoch, cp)
        self.base_epoch = epoch
        self.base_agreement = cp.agreement
        self._reset_fold()

    def _reset_fold(self) -> None:
        self._graph = self.chronicle.graph
        self._seen_changes = 0
        self.pos = 0
        self.outcomes = []
        self.boundaries = {}
        self._unsigned = set()
        self.hash_log = {}
        self.snaps = [(0, self.world.snapshot(), self.st.copy())]
        self.seen_version = -1

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
        self._graph = self.chronicle.graph  # the fork's copy, with the same changes seen
        self._seen_changes = other._seen_changes
        self.pos = other.pos
        self.outcomes = list(other.outcomes)
        self.verdicts = dict(other.verdicts)
        self.snaps = list(other.snaps)  # each snap is immutable bytes and a private state
        self.seen_version = self.chronicle.version
        self.boundaries = dict(other.boundaries)
        self._unsigned = set(other._unsigned)
        self.base_epoch = other.base_epoch
        self.base_agreement = other.base_agreement
        self.hash_log = dict(other.hash_log)
        self.pending_checkpoints = dict(other.pending_checkpoints)
        self.signed = dict(other.signed)
        self.pending_hashes = list(other.pending_hashes)
        self._recorded = set(other._recorded)

    # ---- one entry ----------------------------------------------------------------------

    def judge(self, entry: Entry) -> tuple[str, int, int, Boundary | None]:
        """Judge and apply ``entry`` as the next in the order: (reason, epoch, index, the
        boundary it enters a new epoch at or None). A rejected entry changes nothing;
        :meth:`commit` records either.
        """
        st = self.st
        epoch = self.config.epoch_of(entry.lamport)
        boundary = None
        if epoch != st.epoch:
            if epoch < st.epoch:  # the order is sorted: only a broken graph gets here
                raise EngineError(f"entry of epoch {epoch} after epoch {st.epoch}")
            start = st.copy()
            start.epoch, start.index = epoch, 0
            boundary = Boundary(
                self.pos,
                self.state_hash(),
                st.log_digest,
                self.world.snapshot(),
                start.encode(),
                st.copy(),
            )
            index = 0
        else:
            index = st.index
        fork = self._graph.forks.get(entry.actor)
        if fork is not None and entry.seq >= fork:
            return (
                f"actor {entry.actor} equivocated: two entries of its chain at seq {fork}",
                epoch,
                index,
                boundary,
            )
        return self.referee.apply(st, entry, epoch, index), epoch, index, boundary

    def saw_own_entry(self) -> None:
        """This peer just accepted its own new entry, which sorts last: the graph's change
        for it needs no rewind (:meth:`commit` records it).
        """
        self._seen_changes = len(self._graph.changes)

    def commit(
        self, entry: Entry, reason: str, epoch: int, index: int, boundary: Boundary | None
    ) -> Outcome:
        """Record the judged entry at the fold position and move on."""
        st = self.st
        if boundary is not None:
            # A snapshot of the state the previous epoch ended in: a rewind to here folds
            # this entry again and finds the boundary anew (a concurrent entry of the
            # previous epoch may land first).
            self._add_snap((self.pos, boundary.world, boundary.before))
            st.epoch, st.index = epoch, 0
            self.boundaries[epoch] = boundary
            self._unsigned.add(epoch)
        outcome = Outcome(
            epoch,
            index,
            not reason,
            reason,
            entry.actor,
            entry.seat,
            entry.move,
            entry.args,
            entry.time_ms,
            entry.lamport,
            entry.digest,
        )
        self.outcomes.append(outcome)
        self.verdicts[entry.digest] = not reason
        self.pos += 1
        st.index = index + 1
        st.count += 1
        st.log_digest = hashlib.blake2b(st.log_digest + entry.digest, digest_size=16).digest()
        if st.count % self.snapshot_every == 0:
            self._push_snap()
        if st.count % self.hash_every == 0:
            self._note_hash(epoch)
        return outcome

    # ---- bookkeeping ------------------------------------------------------------------

    def _push_snap(self) -> None:
        self._add_snap((self.pos, self.world.snapshot(), self.st.copy()))

    def _add_snap(self, snap: Snap) -> None:
        snaps = self.snaps
        if snaps and snaps[-1][0] == snap[0]:
            snaps[-1] = snap
        else:
            snaps.append(snap)
        if len(snaps) > self.max_snapshots:
            # Thin the older half (keeping the base): rewinds are usually short, and a long
            # one can still start from a farther snapshot and refold a little more.
            half = len(snaps) // 2
            snaps[1:half] = snaps[1:half:2]

    def rewind(self, pos: int) -> None:
        """Restore the newest snapshot at or before order position ``pos``."""
        snaps = self.snaps
        while len(snaps) > 1 and snaps[-1][0] > pos:
            snaps.pop()
        p0, world, st = snaps[-1]
        self.world.restore(world)
        self.st = st.copy()
        del self.outcomes[p0:]
        self.pos = p0
        self.boundaries = {e: b for e, b in self.boundaries.items() if b.pos < p0}
        self._unsigned &= self.boundaries.keys()
        count = st.count
        self.hash_log = {c: v for c, v in self.hash_log.items() if c <= count}

    def _note_hash(self, epoch: int) -> None:
        st = self.st
        h = self.state_hash()
        self.hash_log[st.count] = (st.log_digest, h)
        if self.writes and (st.count, st.log_digest) not in self._recorded:
            self._recorded.add((st.count, st.log_digest))
            self.pending_hashes.append((epoch, st.count, st.log_digest, h))

    # ---- folding ------------------------------------------------------------------------

    def refresh(self) -> list[Outcome]:
        """Fold whatever the chronicle accepted since the last look, rewinding to the
        nearest snapshot first if entries landed before ones already applied. Returns the
        outcomes produced (refolded ones included). Writes nothing.
        """
        chronicle = self.chronicle
        if chronicle.version == self.seen_version:
            return []
        before = self.pos
        if self.base_epoch:
            self._watch_base()
        graph = chronicle.graph
        if graph is not self._graph:
            self._graph = graph
            self._seen_changes = 0
            self.rewind(0)
        low = graph.changed_since(self._seen_changes)
        self._seen_changes = len(graph.changes)
        if low is not None and low < self.pos:
            self.rewind(low)
        before = min(before, self.pos)
        self._fold_forward()
        self.queue_checkpoints()
        self.seen_version = chronicle.version
        return self.outcomes[before:]

    def _fold_forward(self) -> None:
        order = self._graph.order
        judge, commit = self.judge, self.commit
        for i in range(self.pos, len(order)):
            entry = order[i]
            reason, epoch, index, boundary = judge(entry)
            commit(entry, reason, epoch, index, boundary)

    def _watch_base(self) -> None:
        """A late joiner's base: start again if the seat holders now agree on another
        final checkpoint for it.
        """
        cp = self.chronicle.final_checkpoint(self.base_epoch)
        if cp is not None and cp.agreement != self.base_agreement:
            logger.warning(
                "the final checkpoint of epoch %d changed: bootstrapping again", self.base_epoch
            )
            self._start_from(self.base_epoch, cp)

    def queue_checkpoints(self) -> None:
        """Queue this peer's checkpoint for every epoch start whose previous epoch is now
        closed and whose state it has not signed yet.
        """
        if not (self.writes and self._unsigned):
            return
        graph = self._graph
        for epoch in sorted(self._unsigned):
            b = self.boundaries[epoch]
            state, log = b.state_hash, b.log_digest
            if epoch <= self.base_epoch or self.signed.get(epoch) == (state, log):
                self._unsigned.discard(epoch)
                continue
            if not graph.closed(epoch - 1):
                continue
            self._unsigned.discard(epoch)
            refs = {r[0]: r for r in graph.epoch_refs(epoch - 1)}
            for actor, tips in graph.tips_until(epoch - 1).items():
                for d, seq, lamport in tips:
                    refs.setdefault(d, (d, actor, seq, lamport))
            self.pending_checkpoints[epoch] = Checkpoint(
                epoch,
                state,
                log,
                b.world,
                b.fold,
                tuple(refs[d] for d in sorted(refs)),
                tuple(sorted(graph.forks_until(epoch - 1).items())),
            )
            self.signed[epoch] = (state, log)

    # ---- reading ----------------------------------------------------------------------

    def all_outcomes(self) -> list[Outcome]:
        """Every folded entry's outcome, in the signed order."""
        return list(self.outcomes)

    def desyncs(self, me: str) -> list[tuple[str, int, int]]:
        """(peer, epoch, entries folded) where a peer other than ``me`` signed a different
        state hash for the same log digest.
        """
        found = []
        chronicle = self.chronicle
        for e in chronicle.epochs:
            for peer, records in chronicle.hash_records(e).items():
                if peer == me:
                    continue
                for epoch, count, log, state in records:
                    mine = self.hash_log.get(count)
                    if mine and mine[0] == log and mine[1] != state:
                        found.append((peer, epoch, count))
        return found

    # ---- snapshots ----------------------------------------------------------------------

    def snapshot(self) -> RoomSnapshot:
        """The fold now: World, fold state and position."""
        return RoomSnapshot(self.world.snapshot(), self.st.copy(), self.pos)

    def restore(self, snap: RoomSnapshot) -> None:
        """Go back to a snapshot of this fold; the next refresh folds forward from there."""
        if not isinstance(snap, RoomSnapshot):
            raise TypeError(
                f"a room engine restores a RoomSnapshot (its own snapshot()), "
                f"not {type(snap).__name__}"
            )
        if snap.position > self.pos:
            raise EngineError("a snapshot ahead of the fold cannot be restored")
        self.world.restore(snap.world)
        self.st = snap.state.copy()
        del self.outcomes[snap.position :]
        self.pos = snap.position
        self.snaps = [s for s in self.snaps if s[0] <= snap.position]
        self.boundaries = {e: b for e, b in self.boundaries.items() if b.pos < snap.position}
        self._unsigned &= self.boundaries.keys()
        self.seen_version = -1
