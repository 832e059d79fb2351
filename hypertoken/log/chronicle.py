"""The Chronicle: a room's append-only log of signed entries, in Automerge documents.

A Chronicle is a chain of *epochs*, one Automerge document each. Every epoch document holds:

- ``room``: the room's metadata (:class:`RoomConfig`: room id, game name, version and
  options, the core.wasm hash, the seats and their public keys, the trust mode, the epoch
  policy). Seed commitments and reveals are signed log entries (moves ``seed.commit`` and
  ``seed.reveal``), so they are ordered against the moves and checked like them.
- ``entries``: the list of entry texts (see :mod:`hypertoken.log.entries`), in document order.
- ``checkpoints``: per peer, the signed state the previous epoch ended in (its state hash
  and a World snapshot), which chains the epochs and lets a late joiner start here.
- ``hashes``: per peer, a list of ``(position, log digest, state hash)`` records, appended
  every N entries so that peers notice a desync.

Every epoch document starts with a deterministic genesis (see :mod:`hypertoken.log.epochs`),
so any peer can open epoch *k* on its own and sync it with the others.

**Automerge 1.0.0rc1 pitfalls respected here:** no counters (they crash the process); one
transaction at a time (each method opens and closes its own); no hot keys (entries and hash
records are appended, each checkpoint key is written by one peer once per epoch); the
actor and time live inside the entries (change metadata cannot be set); no
``apply_changes`` (peers exchange the sync protocol); bytes are stored as text.

The chronicle holds documents, not peers: the sync protocol with each remote peer is a
:class:`~hypertoken.log.sync.SyncSession`, which owns that peer's Automerge sync states.

A Chronicle is not thread-safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable

import msgpack
from automerge.core import Document, Message, ObjType, ScalarType, SyncState

from hypertoken.log.config import TRUST_MODES, Option, RoomConfig
from hypertoken.log.entries import Entry, EntryError, decode_entry
from hypertoken.log.epochs import FORMAT, EpochDoc, as_text, genesis, op_key, read_config
from hypertoken.log.errors import ChronicleError

logger = logging.getLogger(__name__)

__all__ = [
    "FORMAT",
    "TRUST_MODES",
    "Chronicle",
    "ChronicleError",
    "Option",
    "RoomConfig",
    "write_atomic",
]


class Chronicle:
    """A room's log: a chain of epoch documents (storage and documents only; sync
    sessions are :class:`~hypertoken.log.sync.SyncSession`). See the module docstring.
    """

    def __init__(
        self, config: RoomConfig, epochs: Iterable[EpochDoc] = (), actor: bytes | None = None
    ) -> None:
        """Use :meth:`create`, :meth:`load` or :meth:`load_file` rather than this."""
        self.config = config
        #: This writer's Automerge actor id in every epoch document. Random by default;
        #: tests pass fixed ones for reproducible merge orders. Two writers must never share
        #: one (their changes would collide).
        self.actor = actor or os.urandom(16)
        self._forks = 0
        self._epochs: dict[int, EpochDoc] = {e.number: e for e in epochs}
        for e in self._epochs.values():
            e.doc.set_actor(self.actor)
        #: Bumped by every change to any epoch document, so a reader can tell cheaply
        #: whether to look again.
        self.version = 0

    # ---- creating and reading ---------------------------------------------------

    @classmethod
    def create(cls, config: RoomConfig, actor: bytes | None = None) -> Chronicle:
        """A new room's chronicle, holding epoch 0. Every peer of the room creates the same
        one from the same config and then syncs.
        """
        return cls(config, [EpochDoc(genesis(config, 0), 0)], actor)

    @property
    def epochs(self) -> list[int]:
        """The epochs held, oldest first (a late joiner holds none before its bootstrap)."""
        return sorted(self._epochs)

    @property
    def first_epoch(self) -> int:
        """The oldest epoch held."""
        return min(self._epochs)

    @property
    def last_epoch(self) -> int:
        """The newest epoch held."""
        return max(self._epochs)

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
            self._epochs[epoch] = EpochDoc(genesis(self.config, epoch, self.actor), epoch)
            self.version += 1

    def raw(self, epoch: int | None = None) -> list[str]:
        """The entry texts of an epoch (default: the newest) in document order. The list is
        shared with a cache: do not modify it.
        """
        return self._epoch(epoch).raw()

    def entries(self, epoch: int | None = None) -> list[Entry | EntryError]:
        """The decoded entries of an epoch in document order; a malformed one appears as
        the :class:`EntryError` describing it. Signatures are not checked here (the
        room engine's fold does that).
        """
        out: list[Entry | EntryError] = []
        for text in self.raw(epoch):
            try:
                out.append(decode_entry(text))
            except EntryError as exc:
                out.append(exc)
        return out

    def __len__(self) -> int:
        return sum(e.doc.length(e.entries) for e in self._epochs.values())

    def heads(self, epoch: int) -> list[bytes]:
        """The Automerge heads of an epoch document (they change whenever it does)."""
        return self._epoch(epoch).doc.get_heads()

    # ---- writing ----------------------------------------------------------------

    def append(self, text: str, epoch: int | None = None) -> int:
        """Append one entry text to an epoch (default: the newest). Returns its index."""
        return self.append_many([text], epoch)

    def append_many(self, texts: Iterable[str], epoch: int | None = None) -> int:
        """Append entry texts in ONE Automerge change. Returns the index of the first."""
        items = list(texts)
        if any(type(t) is not str for t in items):
            raise ChronicleError("entries are appended as text (Entry.to_text())")
        ep = self._epoch(epoch)
        start = ep.doc.length(ep.entries)
        with ep.doc.transaction() as tx:
            for i, t in enumerate(items):
                tx.insert(ep.entries, start + i, ScalarType.Str, t)
        self.version += 1
        return start

    def put_checkpoint(self, epoch: int, actor: str, text: str) -> None:
        """Write this peer's checkpoint for the start of ``epoch`` (one key per peer)."""
        ep = self._epoch(epoch)
        with ep.doc.transaction() as tx:
            tx.put(ep.checkpoints, actor, ScalarType.Str, text)
        self.version += 1

    def checkpoints(self, epoch: int) -> dict[str, str]:
        """Peer id -> checkpoint text for the start of ``epoch``."""
        ep = self._epoch(epoch)
        return {
            k: as_text(ep.doc.get(ep.checkpoints, k)[0])  # type: ignore[index]
            for k in ep.doc.keys(ep.checkpoints)
        }

    def record_hash(self, epoch: int, actor: str, text: str) -> None:
        """Append a state-hash record to this peer's own list in ``epoch``."""
        ep = self._epoch(epoch)
        got = ep.doc.get(ep.hashes, actor)
        with ep.doc.transaction() as tx:
            if got is None or got[0] != ObjType.List:
                lst = tx.put_object(ep.hashes, actor, ObjType.List)
                tx.insert(lst, 0, ScalarType.Str, text)
            else:
                tx.insert(got[1], tx.length(got[1]), ScalarType.Str, text)
        self.version += 1

    def hash_records(self, epoch: int) -> dict[str, list[str]]:
        """Peer id -> that peer's state-hash records in ``epoch``, oldest first."""
        ep = self._epoch(epoch)
        out: dict[str, list[str]] = {}
        for k in ep.doc.keys(ep.hashes):
            got = ep.doc.get(ep.hashes, k)
            if got is not None and got[0] == ObjType.List:
                out[k] = [as_text(v) for v, _ in ep.doc.values(got[1])]
        return out

    # ---- save, load, fork -------------------------------------------------------

    def save(self, epochs: Iterable[int] | None = None) -> bytes:
        """The chronicle (or the given epochs of it) as bytes for :meth:`load`."""
        chosen = self.epochs if epochs is None else sorted(epochs)
        docs = [self._epoch(e).doc.save() for e in chosen]
        out: bytes = msgpack.packb({"format": FORMAT, "epochs": docs, "sum": _checksum(docs)})
        return out

    def save_epoch(self, epoch: int | None = None) -> bytes:
        """One epoch (default: the newest) as bytes: what a late joiner bootstraps from."""
        return self.save([self.last_epoch if epoch is None else epoch])

    @classmethod
    def load(
        cls, data: bytes, expect: RoomConfig | None = None, actor: bytes | None = None
    ) -> Chronicle:
        """A chronicle from :meth:`save` bytes. Raises :class:`ChronicleError` for anything
        else, and if ``expect`` is given and the room metadata differs from it.
        """
        if not isinstance(data, (bytes, bytearray)):
            raise ChronicleError(f"chronicle data is bytes, not {type(data).__name__}")
        try:
            top = msgpack.unpackb(data, raw=False)
        except Exception:  # msgpack raises several types for truncated or bad data
            raise ChronicleError("not a chronicle file (bad or truncated msgpack)") from None
        if not isinstance(top, dict) or top.get("format") != FORMAT:
            raise ChronicleError(f"not a {FORMAT} file")
        docs = top.get("epochs")
        if not isinstance(docs, list) or not docs or not all(isinstance(d, bytes) for d in docs):
            raise ChronicleError("chronicle file holds no epochs")
        if top.get("sum") != _checksum(docs):
            raise ChronicleError("chronicle file is corrupt (checksum mismatch)")
        epochs: list[EpochDoc] = []
        config: RoomConfig | None = expect
        for raw in docs:
            try:
                doc = Document.load(raw)
            except Exception as exc:  # automerge raises a bare Exception
                raise ChronicleError(f"epoch document does not load: {exc}") from None
            got, number = read_config(doc)
            if config is not None and got != config:
                raise ChronicleError(f"epoch {number} belongs to another room or config")
            config = got
            ep = EpochDoc(doc, number)
            # The objects must be the genesis ones, or a hostile file could swap the log.
            ref = EpochDoc(genesis(got, number), number)
            if [op_key(x) for x in (ep.entries, ep.checkpoints, ep.hashes)] != [
                op_key(x) for x in (ref.entries, ref.checkpoints, ref.hashes)
            ]:
                raise ChronicleError(f"epoch {number} was not created by its room's genesis")
            epochs.append(ep)
        assert config is not None
        return cls(config, epochs, actor)

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
        """An independent copy (Automerge fork of every epoch, each with a new actor)."""
        self._forks += 1
        child = hashlib.blake2b(
            self.actor + self._forks.to_bytes(8, "big"), digest_size=16
        ).digest()
        return Chronicle(
            self.config, [EpochDoc(e.doc.fork(), n) for n, e in self._epochs.items()], child
        )

    def has_epoch(self, epoch: int) -> bool:
        """Whether the epoch's document is held."""
        return epoch in self._epochs

    def drop_before(self, epoch: int) -> None:
        """Forget epochs older than ``epoch`` (after saving them) to bound memory."""
        for e in [e for e in self._epochs if e < epoch]:
            del self._epochs[e]
        self.version += 1

    # ---- sync primitives (the protocol per peer is hypertoken.log.sync) ------------

    def sync_message(self, epoch: int, state: SyncState) -> Message | None:
        """The next Automerge sync message for ``epoch``'s document, given the sync state
        with one peer, or None. The states belong to that peer's
        :class:`~hypertoken.log.sync.SyncSession`; the chronicle keeps none.
        """
        return self._epoch(epoch).doc.generate_sync_message(state)

    def receive_sync_part(self, epoch: int, state: SyncState, message: Message) -> bool:
        """Apply one peer's Automerge sync message to ``epoch``'s document, opening the
        epoch if it is new. Returns whether the document changed. A change Automerge
        refuses raises :class:`ChronicleError`.
        """
        self.open_epoch(epoch)
        doc = self._epochs[epoch].doc
        before = doc.get_heads()
        try:
            doc.receive_sync_message(state, message)
        except Exception as exc:  # automerge raises a bare Exception
            raise ChronicleError(f"epoch {epoch} refuses the change: {exc}") from None
        if doc.get_heads() == before:
            return False
        self.version += 1
        return True


def _checksum(docs: list[bytes]) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for d in docs:
        h.update(len(d).to_bytes(8, "big"))
        h.update(d)
    return h.digest()


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file:
    write a temp file beside it, fsync it, rename it over, then fsync the directory.
    """
    target = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        # A failure before the rename leaves the old file untouched; remove our temp file.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable; not possible on every platform
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
