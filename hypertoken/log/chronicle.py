"""The Chronicle: a room's log of signed entries, carried by Automerge documents.

A Chronicle holds two things:

- **The accepted log** (:attr:`Chronicle.graph`, an :class:`~hypertoken.log.dag.EntryGraph`):
  every valid entry this peer has accepted, and their signed order. It only grows. Nothing
  a remote document says later removes an accepted entry or moves it in the order, because
  the order comes from the entries' signed links, never from list positions.
- **The carriers**: one Automerge document per epoch (see :mod:`hypertoken.log.epochs`),
  holding the epoch's entry texts, the seat holders' signed checkpoints and their signed
  hash records. They move entries between peers and to disk.

Every document change from outside, a sync message or a loaded file, is hostile input. It
is applied to a copy of the document first and inspected (:func:`hypertoken.log.epochs.inspect`):
a change that deletes, overwrites or moves an entry, edits the genesis, writes another
peer's records, inserts an entry its writer did not sign, a malformed or unsigned entry, or
an entry of another epoch, is refused whole with :class:`HostileChange`, and the chronicle
is left exactly as it was.

**Automerge 1.0.0rc1 pitfalls respected here:** no counters (they crash the process); one
transaction at a time (each method opens and closes its own); no hot keys (entries and hash
records are appended, each checkpoint key is written by one peer, rarely); the actor and
time live inside the entries (change metadata cannot be set); no ``apply_changes`` (peers
exchange the sync protocol); bytes are stored as text.

The chronicle holds documents, not peers: the sync protocol with each remote peer is a
:class:`~hypertoken.log.sync.SyncSession`. A Chronicle is not thread-safe.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable

from automerge.core import Document, Message, ObjType, ScalarType, SyncState

from hypertoken.log.checkpoint import (
    Checkpoint,
    final_checkpoint,
    parse_checkpoint,
    parse_hash_record,
)
from hypertoken.log.config import TRUST_MODES, WITNESS_SEAT, Option, RoomConfig
from hypertoken.log.dag import EntryGraph
from hypertoken.log.entries import (
    MAX_TEXT,
    Entry,
    EntryError,
    decode_entry,
    text_size,
    verify_entry,
)
from hypertoken.log.epochs import (
    FORMAT,
    DocState,
    EpochDoc,
    check_genesis,
    has_queue,
    inspect,
    op_key,
    read_config,
    writer_actor,
)
from hypertoken.log.errors import ChronicleError
from hypertoken.log.files import FILE_FORMAT, pack_file, unpack_file, write_atomic
from hypertoken.log.identity import Verifier

logger = logging.getLogger(__name__)

__all__ = [
    "FILE_FORMAT",
    "FORMAT",
    "TRUST_MODES",
    "Chronicle",
    "ChronicleError",
    "HostileChange",
    "Option",
    "RoomConfig",
    "write_atomic",
]


class HostileChange(ChronicleError):
    """A document change that no honest peer writes; it was refused and nothing changed.
    Whoever sent it is hostile (or broken): a peer daemon drops it.
    """


class Chronicle:
    """A room's log: the accepted entries and their order, and the epoch documents that
    carry them. See the module docstring. Build one with :meth:`create`, :meth:`load` or
    :meth:`load_file`.
    """

    def __init__(
        self,
        config: RoomConfig,
        epochs: Iterable[EpochDoc] = (),
        actor: bytes | None = None,
        graph: EntryGraph | None = None,
    ) -> None:
        self.config = config
        #: This chronicle's Automerge actor: a writer's first 8 bytes are its peer id
        #: (:meth:`bind_writer`). Tests pass fixed ones for reproducible merge orders.
        self.actor = actor or os.urandom(16)
        self._forks = 0
        self._epochs: dict[int, EpochDoc] = {e.number: e for e in epochs}
        for e in self._epochs.values():
            e.doc.set_actor(self.actor)
        self.verifier = Verifier()
        #: The accepted entries and their order.
        self.graph = graph if graph is not None else EntryGraph(config)
        #: The peer id this chronicle writes entries for ("" until :meth:`bind_writer`).
        self.writer = ""
        #: Bumped by every change to any epoch document, so a reader can tell cheaply
        #: whether to look again.
        self.version = 0
        self._local = config.trust == "local"
        #: epoch -> (the checkpoint ops it was computed from, the final checkpoint or None).
        self._finals: dict[int, tuple[object, Checkpoint | None]] = {}

    # ---- creating and reading ---------------------------------------------------

    @classmethod
    def create(cls, config: RoomConfig, actor: bytes | None = None) -> Chronicle:
        """A new room's chronicle, holding epoch 0. Every peer of the room creates the same
        one from the same config and then syncs.
        """
        return cls(config, [EpochDoc.new(config, 0)], actor)

    def bind_writer(self, peer_id: str) -> None:
        """Write as ``peer_id`` from now on: the Automerge actor becomes the peer's (its
        first 8 bytes name the peer; the rest of the current actor is kept).
        """
        if self.writer == peer_id:
            return
        if self.writer:
            raise ChronicleError(f"this chronicle already writes for peer {self.writer}")
        self.writer = peer_id
        self.actor = writer_actor(peer_id, self.actor[8:])
        for e in self._epochs.values():
            e.doc.set_actor(self.actor)

    @property
    def epochs(self) -> list[int]:
        """The epochs held, oldest first (a late joiner holds none before its base)."""
        return sorted(self._epochs)

    @property
    def first_epoch(self) -> int:
        """The oldest epoch held."""
        return min(self._epochs)

    @property
    def last_epoch(self) -> int:
        """The newest epoch held."""
        return max(self._epochs)

    def has_epoch(self, epoch: int) -> bool:
        """Whether the epoch's document is held."""
        return epoch in self._epochs

    def _epoch(self, epoch: int | None) -> EpochDoc:
        e = self.last_epoch if epoch is None else epoch
        ep = self._epochs.get(e)
        if ep is None:
            raise ChronicleError(f"epoch {e} is not in this chronicle (holds {self.epochs})")
        return ep

    def open_epoch(self, epoch: int) -> None:
        """Make sure the epoch's document exists (deterministic genesis; idempotent)."""
        if type(epoch) is not int or epoch < 0:
            raise ChronicleError(f"an epoch is an int >= 0, not {epoch!r}")
        if epoch not in self._epochs:
            self._epochs[epoch] = EpochDoc.new(self.config, epoch, self.actor)
            self.version += 1

    def raw(self, epoch: int | None = None) -> list[str]:
        """The entry texts of an epoch document (default: the newest), as the document
        holds them. Their positions mean nothing; the fold's order is :attr:`graph`'s.
        """
        return self._epoch(epoch).raw()

    def entries(self, epoch: int | None = None) -> list[Entry]:
        """The accepted entries of an epoch in the signed order (ready ones only)."""
        g = self.graph
        if not self.config.epoch_size:
            return list(g.order)  # one epoch
        e = self.last_epoch if epoch is None else epoch
        return g.order[g.epoch_start(e) : g.epoch_start(e + 1)]

    def __len__(self) -> int:
        return len(self.graph)

    def heads(self, epoch: int) -> list[bytes]:
        """The Automerge heads of an epoch document (they change whenever it does)."""
        return self._epoch(epoch).doc.get_heads()

    def changes_since(self, epoch: int, heads: Iterable[bytes]) -> bytes:
        """The epoch document's Automerge changes that ``heads`` does not cover, as one
        blob: appended to a save of the document at ``heads`` (``[]``: nothing), it loads
        as the document now. A storage journal writes these instead of a whole save.
        """
        doc = self._epoch(epoch).doc
        return b"".join(c.bytes for c in doc.get_changes(list(heads)))

    def save_parts(self) -> tuple[list[int], list[bytes]]:
        """The epoch numbers and each epoch document's save: :meth:`save` before packing."""
        chosen = self.epochs
        try:
            return chosen, [self._epoch(e).doc.save() for e in chosen]
        except Exception as exc:  # automerge: e.g. a transaction is open
            raise ChronicleError(f"the chronicle cannot be saved now: {exc}") from None

    # ---- checking entries ---------------------------------------------------------

    def check_text(self, text: str, writer: str, epoch: int) -> Entry:
        """Decode and check one entry text on its own, as written by ``writer`` ("" when
        writers are not bound) into ``epoch``'s document: the room's trust mode, a
        seat holder's (or the witness's) valid signature, the seat it claims, its epoch.
        Raises :class:`EntryError` saying what is wrong.
        """
        entry = decode_entry(text)
        config = self.config
        if self._local:
            if entry.signed:
                raise EntryError("signed entry in a local (unsigned) chronicle")
        else:
            if not entry.signed:
                raise EntryError("unsigned entry in a room whose entries must be signed")
            key = config.authors.get(entry.actor)
            if key is None:
                raise EntryError(f"actor {entry.actor!r} holds no seat in this room")
            if writer and writer != entry.actor:
                raise EntryError(f"entry of {entry.actor} written by peer {writer}")
            if entry.seat == WITNESS_SEAT:
                if entry.actor != config.witness_id:
                    raise EntryError(f"actor {entry.actor!r} is not the room's witness")
            elif config.seats.get(entry.seat) != key:
                raise EntryError(f"seat {entry.seat!r} is not held by actor {entry.actor!r}")
            if not verify_entry(entry, key, config.genesis, self.verifier):
                raise EntryError(f"bad signature (not actor {entry.actor!r}'s for this room)")
        if config.epoch_of(entry.lamport) != epoch:
            raise EntryError(
                f"entry of epoch {config.epoch_of(entry.lamport)} in epoch {epoch}'s document"
            )
        return entry

    def _check_own(self, entry: Entry) -> None:
        """:meth:`check_text` for an entry this process built and signed (no verify)."""
        if text_size(len(entry.body)) > MAX_TEXT:
            raise EntryError(f"entry is longer than {MAX_TEXT} characters stored")
        if entry.signed == self._local:
            raise EntryError("signed entry in a local chronicle, or unsigned in an open one")
        if not self._local:
            key = self.config.authors.get(entry.actor)
            if key is None:
                raise EntryError(f"actor {entry.actor!r} holds no seat in this room")
            if entry.seat == WITNESS_SEAT:
                if entry.actor != self.config.witness_id:
                    raise EntryError(f"actor {entry.actor!r} is not the room's witness")
            elif self.config.seats.get(entry.seat) != key:
                raise EntryError(f"seat {entry.seat!r} is not held by actor {entry.actor!r}")

    # ---- writing ------------------------------------------------------------------

    def append_entry(self, entry: Entry) -> None:
        """Append this peer's new entry to its epoch's document and accept it (see
        :meth:`append_entries`).
        """
        self.append_entries([entry])

    def append_entries(self, entries: Iterable[Entry], *, checked: bool = False) -> None:
        """Append this peer's new entries (one Automerge change per epoch touched) and
        accept them. Each must be this chronicle's writer's (see :meth:`bind_writer`) and
        pass :meth:`check_text`, as every receiving peer will check it; one that does not
        raises :class:`EntryError` and nothing is appended. ``checked=True`` is the room
        engine's: it built and signed the entries itself, so the signatures are not
        verified again (everything else still is).
        """
        items = list(entries)
        if not items:
            return
        epoch_of = self.config.epoch_of
        for entry in items:
            if not self._local and entry.actor != self.writer:
                raise ChronicleError(
                    f"this chronicle writes for peer {self.writer or '(none: bind_writer)'}, "
                    f"not {entry.actor}"
                )
            if entry.digest in self.graph:
                raise ChronicleError("the entry is already in the log")
            if checked:
                self._check_own(entry)
            else:
                self.check_text(entry.to_text(), self.writer, epoch_of(entry.lamport))
        by_epoch: dict[int, list[Entry]] = {}
        for entry in items:
            by_epoch.setdefault(epoch_of(entry.lamport), []).append(entry)
        for e, group in sorted(by_epoch.items()):
            self.open_epoch(e)
            ep = self._epochs[e]
            start = ep.doc.length(ep.entries)
            texts = [x.to_text() for x in group]
            try:
                with ep.doc.transaction() as tx:
                    for i, t in enumerate(texts):
                        tx.insert(ep.entries, start + i, ScalarType.Str, t)
            except Exception as exc:  # automerge raises a bare Exception
                raise ChronicleError(f"epoch {e} refuses the append: {exc}") from None
            for i, t in enumerate(texts):
                got = ep.doc.get(ep.entries, start + i)
                assert got is not None
                ep.state.entries.append((t, op_key(got[1])))
            ep.state.heads = ep.doc.get_heads()
            for x in group:
                self.graph.add(x)
        self.version += 1

    def put_checkpoint(self, epoch: int, peer: str, text: str) -> None:
        """Write this peer's signed checkpoint for the start of ``epoch``."""
        self._own(peer)
        self.open_epoch(epoch)
        ep = self._epochs[epoch]
        with ep.doc.transaction() as tx:
            tx.put(ep.checkpoints, peer, ScalarType.Str, text)
        got = ep.doc.get(ep.checkpoints, peer)
        assert got is not None
        ep.state.checkpoints[peer] = (op_key(got[1]), text)
        ep.state.heads = ep.doc.get_heads()
        self.version += 1

    def checkpoints(self, epoch: int) -> dict[str, str]:
        """Peer id -> its signed checkpoint text for the start of ``epoch`` (as accepted)."""
        return {p: t for p, (_, t) in self._epoch(epoch).state.checkpoints.items()}

    def final_checkpoint(self, epoch: int) -> Checkpoint | None:
        """The final checkpoint for the start of ``epoch`` (every seat holder signed the
        same state; see :mod:`hypertoken.log.checkpoint`), or None.
        """
        ep = self._epochs.get(epoch)
        if ep is None:
            return None
        key = tuple(sorted((p, op) for p, (op, _) in ep.state.checkpoints.items()))
        cached = self._finals.get(epoch)
        if cached is not None and cached[0] == key:
            return cached[1]
        found = final_checkpoint(
            self.checkpoints(epoch), self.config.peers, self.config.genesis, epoch, self.verifier
        )
        self._finals[epoch] = (key, found)
        return found

    def rebase(self, epoch: int, checkpoint: Checkpoint) -> None:
        """Start the accepted log at ``epoch`` from its (final) checkpoint: what a late
        joiner does instead of holding the history (see
        :meth:`hypertoken.log.dag.EntryGraph.rebased`).
        """
        self.graph = self.graph.rebased(epoch, checkpoint.refs, dict(checkpoint.forks))
        self.version += 1

    def final_epochs(self) -> list[int]:
        """The held epochs after the first that have a final checkpoint, oldest first."""
        return [e for e in self.epochs if e > 0 and self.final_checkpoint(e) is not None]

    def record_hash(self, epoch: int, peer: str, text: str) -> None:
        """Append a signed state-hash record to this peer's own list in ``epoch``."""
        self._own(peer)
        self.open_epoch(epoch)
        ep = self._epochs[epoch]
        got = ep.doc.get(ep.hashes, peer)
        with ep.doc.transaction() as tx:
            if got is None or got[0] != ObjType.List:
                lst = tx.put_object(ep.hashes, peer, ObjType.List)
                tx.insert(lst, 0, ScalarType.Str, text)
            else:
                lst = got[1]
                tx.insert(lst, tx.length(lst), ScalarType.Str, text)
        made = ep.doc.get(ep.hashes, peer)
        assert made is not None
        items = [(str(v[1]), op_key(o)) for v, o in ep.doc.values(made[1])]  # type: ignore[index]
        ep.state.hashes[peer] = (op_key(made[1]), items)
        ep.state.heads = ep.doc.get_heads()
        self.version += 1

    def hash_records(self, epoch: int) -> dict[str, list[tuple[int, int, bytes, bytes]]]:
        """Peer id -> its signed state-hash records in ``epoch`` (epoch, count, log
        digest, state hash), oldest first. Only records that verify are listed.
        """
        out: dict[str, list[tuple[int, int, bytes, bytes]]] = {}
        genesis, peers = self.config.genesis, self.config.peers
        for peer, (_, items) in self._epoch(epoch).state.hashes.items():
            key = peers.get(peer)
            if key is None:
                continue
            recs = [parse_hash_record(t, key, genesis, self.verifier) for t, _ in items]
            out[peer] = [r for r in recs if r is not None]
        return out

    def _own(self, peer: str) -> None:
        if self.config.peers.get(peer) is None:
            raise ChronicleError(f"peer {peer} holds no seat: it writes no records")
        if peer != self.writer:
            self.bind_writer(peer)

    # ---- receiving: hostile input ---------------------------------------------------

    def _inspect(self, ep: EpochDoc, doc: Document) -> tuple[DocState, list[Entry]]:
        """Inspect a changed copy of ``ep``'s document; the state and the new entries."""
        config = self.config
        new: list[Entry] = []
        e = ep.number

        def check_entry(text: str, writer: str) -> None:
            try:
                entry = self.check_text(text, writer, e)
            except EntryError as exc:
                raise HostileChange(f"epoch {e}: refused entry: {exc}") from None
            if entry.digest in self.graph:
                raise HostileChange(f"epoch {e}: an accepted entry was inserted again")
            new.append(entry)

        def check_checkpoint(text: str, peer: str) -> bool:
            cp = parse_checkpoint(text, config.peers[peer], config.genesis, self.verifier)
            return cp is not None and cp.epoch == e

        def check_hash(text: str, peer: str) -> bool:
            rec = parse_hash_record(text, config.peers[peer], config.genesis, self.verifier)
            return rec is not None

        try:
            state, _ = inspect(
                ep,
                doc,
                holders=config.peers,
                check_entry=check_entry,
                check_checkpoint=check_checkpoint,
                check_hash=check_hash,
                bind_writers=not self._local,
            )
        except HostileChange:
            raise
        except ChronicleError as exc:
            raise HostileChange(str(exc)) from None
        return state, new

    def sync_message(self, epoch: int, state: SyncState) -> Message | None:
        """The next Automerge sync message for ``epoch``'s document, given the sync state
        with one peer, or None. The states belong to that peer's
        :class:`~hypertoken.log.sync.SyncSession`; the chronicle keeps none.
        """
        return self._epoch(epoch).doc.generate_sync_message(state)

    def receive_sync_part(
        self, epoch: int, state: SyncState, message: Message, peer: str = ""
    ) -> bool:
        """Apply one peer's Automerge sync message to ``epoch``'s document, opening the
        epoch if it is new. The message is applied to a copy and inspected first; a change
        no honest peer writes raises :class:`HostileChange` and changes nothing here (the
        caller must reset ``state``: it saw the refused change). Returns whether the
        document changed.

        Changes Automerge holds back until their dependencies arrive (the *queue*) are
        kept, since honest ones occur (the sync protocol's Bloom filter can skip a
        dependency), but they are not yet inspected. So the document last inspected is
        kept beside; if the change that completes a queue fails inspection, the message is
        tried again on that document alone: if it passes there, the fault was in the
        queue, which is dropped, and the sender, who did not write it, is not blamed (nor
        is anyone: who filled a queue cannot be told). ``peer`` names the sender.
        """
        opened = epoch not in self._epochs
        self.open_epoch(epoch)
        ep = self._epochs[epoch]
        before = ep.doc.get_heads()
        base = ep.clean if ep.clean is not None else ep.doc  # queue-free, inspected
        trial = ep.doc.fork()
        try:
            trial.receive_sync_message(state, message)
        except Exception as exc:  # automerge raises a bare Exception
            self._forget_if_opened(epoch, opened)
            raise HostileChange(f"epoch {epoch} refuses the change: {exc}") from None
        queued = has_queue(trial)
        if trial.get_heads() == before:
            if queued:  # nothing applied, but changes wait for their dependencies
                ep.clean = base
                trial.set_actor(self.actor)
                ep.doc = trial
            return False
        try:
            doc_state, new = self._inspect_guarded(ep, trial)
        except HostileChange:
            if ep.clean is None:
                # No queue before this message: whatever applied came with it.
                self._forget_if_opened(epoch, opened)
                raise
            # Was it the queue? Try the message alone on the document last inspected
            # (with this peer's own writes since: applied, never queued).
            dropped, ep.doc, ep.clean = ep.doc, base, None
            ep.doc.merge(dropped)
            ep.doc.set_actor(self.actor)
            retry = ep.doc.fork()
            try:
                retry.receive_sync_message(SyncState(), message)
            except Exception:  # automerge raises a bare Exception
                self._forget_if_opened(epoch, opened)
                raise HostileChange(f"epoch {epoch} refuses the change") from None
            if retry.get_heads() != ep.doc.get_heads():
                try:
                    doc_state, new = self._inspect_guarded(ep, retry)
                except HostileChange:  # the sender's own change is refused
                    self._forget_if_opened(epoch, opened)
                    raise
            # The fault was in the queue, and nobody can tell who put it there: drop it
            # and blame nobody (what honest peers queued is sent again).
            logger.warning("epoch %d: dropped queued changes that failed inspection", epoch)
            if retry.get_heads() == ep.doc.get_heads():
                return False  # the message builds on the dropped queue: it comes again
            trial, queued = retry, has_queue(retry)
        trial.set_actor(self.actor)
        if queued:
            # Keep a queue-free copy of what was inspected beside it (a merge copies
            # applied changes only, never queued ones).
            clean = base.fork()
            clean.merge(trial)
            clean.set_actor(self.actor)
            ep.clean = clean
        else:
            ep.clean = None
        ep.doc = trial
        ep.state = doc_state
        for entry in new:
            self.graph.add(entry)
        self.version += 1
        return True

    def _inspect_guarded(self, ep: EpochDoc, doc: Document) -> tuple[DocState, list[Entry]]:
        try:
            return self._inspect(ep, doc)
        except HostileChange:
            raise
        except Exception as exc:  # automerge raises bare Exceptions on odd documents
            raise HostileChange(
                f"epoch {ep.number}: the changed document cannot be read: {exc}"
            ) from None

    def _forget_if_opened(self, epoch: int, opened: bool) -> None:
        if opened:
            del self._epochs[epoch]

    # ---- save, load, fork -------------------------------------------------------

    def save(self, epochs: Iterable[int] | None = None) -> bytes:
        """The chronicle (or the given epochs of it) as bytes for :meth:`load`."""
        chosen = self.epochs if epochs is None else sorted(epochs)
        try:
            docs = [self._epoch(e).doc.save() for e in chosen]
        except ChronicleError:
            raise
        except Exception as exc:  # automerge: e.g. a transaction is open
            raise ChronicleError(f"the chronicle cannot be saved now: {exc}") from None
        return pack_file(self.config, chosen, docs)

    def save_epoch(self, epoch: int | None = None) -> bytes:
        """One epoch as bytes: what a late joiner bootstraps from. By default the newest
        epoch with a final checkpoint (epoch 0 when none is final yet).
        """
        if epoch is None:
            finals = self.final_epochs()
            epoch = finals[-1] if finals else self.first_epoch
        return self.save([epoch])

    @classmethod
    def load(
        cls, data: bytes, expect: RoomConfig | None = None, actor: bytes | None = None
    ) -> Chronicle:
        """A chronicle from :meth:`save` bytes. Every document is inspected as hostile
        input against its genesis: a file whose metadata or objects were edited, or that
        holds an entry no honest peer would have accepted, raises :class:`ChronicleError`
        saying why. With ``expect``, the file must be that room's.
        """
        config, pairs = unpack_file(data, expect)
        chronicle = cls(config, [], actor)
        for number, raw in pairs:
            try:
                doc = Document.load(raw)
            except Exception as exc:  # automerge raises a bare Exception
                raise ChronicleError(f"epoch {number} does not load: {exc}") from None
            if read_config(doc) != config:
                raise ChronicleError(f"epoch {number} belongs to another room or config")
            state = check_genesis(doc, config, number)
            ep = EpochDoc(doc, number, state)
            try:
                ep.state, new = chronicle._inspect(ep, doc)
            except ChronicleError as exc:
                raise ChronicleError(f"the file was edited: {exc}") from None
            doc.set_actor(chronicle.actor)
            chronicle._epochs[number] = ep
            for entry in new:
                chronicle.graph.add(entry)
        return chronicle

    def save_file(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`save` to ``path`` crash-safely: a temp file in the same directory,
        fsync, then an atomic rename, so ``path`` always holds a whole old or new save.
        """
        write_atomic(path, self.save())

    @classmethod
    def load_file(cls, path: str | os.PathLike[str], expect: RoomConfig | None = None) -> Chronicle:
        """A chronicle from a file written by :meth:`save_file`."""
        with open(path, "rb") as f:
            return cls.load(f.read(), expect)

    def fork(self) -> Chronicle:
        """An independent copy (Automerge fork of every epoch and a copy of the accepted
        log). The fork writes for the same peer with a new actor suffix.
        """
        self._forks += 1
        child = hashlib.blake2b(
            self.actor + self._forks.to_bytes(8, "big"), digest_size=16
        ).digest()
        if self.writer:
            child = writer_actor(self.writer, child[8:])
        other = Chronicle(
            self.config,
            [EpochDoc(e.doc.fork(), n, e.state.copy()) for n, e in self._epochs.items()],
            child,
            self.graph.copy(),
        )
        other.writer = self.writer
        return other

    def drop_before(self, epoch: int) -> None:
        """Forget the documents of epochs older than ``epoch`` (after saving them) to
        bound memory. The accepted log keeps their entries.
        """
        for e in [e for e in self._epochs if e < epoch]:
            del self._epochs[e]
        self.version += 1
