"""Crash-safe persistence of a peer's rooms in its data directory.

Layout::

    DATA/identity.key                  this peer's key (peers.identity)
    DATA/lock                          held (flock) while a daemon runs on DATA
    DATA/rooms/<room>/config.bin       the sealed room config (RoomConfig.encode bytes)
    DATA/rooms/<room>/chronicle.htc    the room's Chronicle (Chronicle.save_file)
    DATA/rooms/<room>/journal.bin      Automerge changes since that save, appended

A whole save is atomic (a temp file, fsync, rename, fsync of the directory), so it is the
previous or the new file, never a torn one. Between whole saves, :meth:`RoomStore.append`
appends the changes since the last write to the journal and fsyncs it: a few hundred
bytes instead of the whole document, which is what keeps a move's save off the critical
path. Each journal record is ``[u32 length][8-byte BLAKE2b][msgpack [epoch, changes]]``;
a record torn by a crash fails its checksum and it and everything after it are dropped
(they were never acknowledged). Loading appends each epoch's journal changes to its saved
document, which Automerge loads as one (a change present twice is harmless), and the
result is inspected as hostile input like any file. :meth:`RoomStore.save` (a whole save)
empties the journal; the room does one when the journal grows past
:data:`COMPACT_RECORDS` records.

The room saves its Chronicle after every entry this peer writes and before the entry is
acknowledged to the bot that asked for it; a restarted daemon therefore holds every entry
it acknowledged, and never signs a second entry with a sequence number it already used.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import struct
from pathlib import Path

import msgpack

from hypertoken.log.chronicle import Chronicle, ChronicleError, RoomConfig, write_atomic
from hypertoken.log.files import pack_file, unpack_file

__all__ = ["COMPACT_RECORDS", "DataDirLocked", "RoomStore", "lock_data_dir"]

#: Journal records after which the room writes a whole save instead.
COMPACT_RECORDS = 256
_HEADER = struct.Struct("<I8s")
_MAX_RECORD = 64 * 1024 * 1024

logger = logging.getLogger(__name__)


class DataDirLocked(RuntimeError):
    """Another daemon runs on this data directory (two would sign conflicting entries)."""


def lock_data_dir(data_dir: Path) -> int:
    """Hold ``DATA/lock`` for this process's lifetime; returns the descriptor. Raises
    :class:`DataDirLocked` when another daemon holds it.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise DataDirLocked(
            f"another hypertoken peer is running with --data-dir {data_dir}: "
            "give each daemon its own data directory"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _dir_name(room: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", room)[:48]
    return f"{safe}-{hashlib.blake2b(room.encode(), digest_size=4).hexdigest()}"


class RoomStore:
    """One room's files in a data directory (see the module docstring)."""

    def __init__(self, data_dir: Path, room: str) -> None:
        self.path = data_dir / "rooms" / _dir_name(room)
        self.room = room
        #: How many whole saves and journal records were written (status and tests).
        self.saves = 0
        self.records = 0
        #: epoch -> the document heads the files hold (what the journal appends after).
        self._marks: dict[int, list[bytes]] = {}
        self._journal: int | None = None

    @property
    def journal_path(self) -> Path:
        """Where the journal lives."""
        return self.path / "journal.bin"

    @property
    def needs_compaction(self) -> bool:
        """Whether the journal is long enough that a whole save is due."""
        return self.records >= COMPACT_RECORDS

    @property
    def config_path(self) -> Path:
        """Where the sealed config lives."""
        return self.path / "config.bin"

    @property
    def chronicle_path(self) -> Path:
        """Where the Chronicle lives."""
        return self.path / "chronicle.htc"

    def load(self) -> tuple[RoomConfig, Chronicle | None] | None:
        """The saved config and Chronicle (None if this peer never had the room's config).
        A damaged file raises :class:`ChronicleError` naming it, rather than be replaced.
        """
        if not self.config_path.exists():
            return None
        try:
            config = RoomConfig.decode(self.config_path.read_bytes())
        except ChronicleError as exc:
            raise ChronicleError(f"{self.config_path}: {exc}") from None
        if config.room != self.room:
            raise ChronicleError(f"{self.config_path} is the config of room {config.room!r}")
        chronicle = None
        if self.chronicle_path.exists():
            try:
                chronicle = self._load_chronicle(config)
            except ChronicleError as exc:
                raise ChronicleError(f"{self.chronicle_path}: {exc}") from None
        return config, chronicle

    def _load_chronicle(self, config: RoomConfig) -> Chronicle:
        _, pairs = unpack_file(self.chronicle_path.read_bytes(), config)
        docs = dict(pairs)
        good = 0
        if self.journal_path.exists():
            data = self.journal_path.read_bytes()
            at = 0
            while at + _HEADER.size <= len(data):
                size, digest = _HEADER.unpack_from(data, at)
                body = data[at + _HEADER.size : at + _HEADER.size + size]
                if size > _MAX_RECORD or len(body) != size or _digest(body) != digest:
                    logger.warning(
                        "%s: dropped a torn record at byte %d (a crash mid-write)",
                        self.journal_path,
                        at,
                    )
                    break
                epoch, changes = msgpack.unpackb(body)
                docs[epoch] = docs.get(epoch, b"") + changes
                at += _HEADER.size + size
                self.records += 1
            good = at
        numbers = sorted(docs)
        chronicle = Chronicle.load(pack_file(config, numbers, [docs[e] for e in numbers]), config)
        if self.journal_path.exists():
            with open(self.journal_path, "r+b") as f:  # drop a torn tail before appending
                f.truncate(good)
        self._marks = {e: chronicle.heads(e) for e in chronicle.epochs}
        return chronicle

    def save_config(self, config: RoomConfig) -> None:
        """Write the sealed config (once, when the room is seated)."""
        self.path.mkdir(parents=True, exist_ok=True)
        write_atomic(self.config_path, config.encode())

    def save(self, chronicle: Chronicle) -> None:
        """Write the whole Chronicle crash-safely, then empty the journal."""
        self.path.mkdir(parents=True, exist_ok=True)
        numbers, docs = chronicle.save_parts()
        write_atomic(self.chronicle_path, pack_file(chronicle.config, numbers, docs))
        fd = self._journal_fd()
        os.ftruncate(fd, 0)
        os.fsync(fd)
        self._marks = {e: chronicle.heads(e) for e in numbers}
        self.saves += 1
        self.records = 0

    def append(self, chronicle: Chronicle) -> None:
        """Append what changed since the last write to the journal, durably (fsync).
        Needs a whole :meth:`save` first (the room does one when it opens).
        """
        fd = self._journal_fd()
        out = []
        for e in chronicle.epochs:
            heads = chronicle.heads(e)
            mark = self._marks.get(e, [])
            if heads != mark:
                body: bytes = msgpack.packb([e, chronicle.changes_since(e, mark)])
                out.append(_HEADER.pack(len(body), _digest(body)) + body)
                self._marks[e] = heads
        if out:
            os.write(fd, b"".join(out))
            os.fdatasync(fd)
            self.records += len(out)

    def _journal_fd(self) -> int:
        if self._journal is None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._journal = os.open(
                self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
            )
            dfd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(dfd)  # the journal's name is durable before a record relies on it
            finally:
                os.close(dfd)
        return self._journal

    def close(self) -> None:
        """Release the journal's descriptor."""
        if self._journal is not None:
            os.close(self._journal)
            self._journal = None


def _digest(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=8).digest()
