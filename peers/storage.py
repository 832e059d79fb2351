"""Crash-safe persistence of a peer's rooms in its data directory.

Layout::

    DATA/identity.key                  this peer's key (peers.identity)
    DATA/lock                          held (flock) while a daemon runs on DATA
    DATA/rooms/<room>/config.bin       the sealed room config (RoomConfig.encode bytes)
    DATA/rooms/<room>/chronicle.htc    the room's Chronicle (Chronicle.save_file)

Every write is atomic (a temp file, fsync, rename, fsync of the directory), so a daemon
killed at any instant leaves the previous or the new file, never a torn one. The room
saves its Chronicle after every entry this peer writes and before the entry is
acknowledged to the bot that asked for it; a restarted daemon therefore holds every entry
it acknowledged, and never signs a second entry with a sequence number it already used.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
from pathlib import Path

from hypertoken.log.chronicle import Chronicle, ChronicleError, RoomConfig, write_atomic

__all__ = ["DataDirLocked", "RoomStore", "lock_data_dir"]

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
        #: How many times the chronicle was saved (status and tests read it).
        self.saves = 0

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
                chronicle = Chronicle.load_file(self.chronicle_path, expect=config)
            except ChronicleError as exc:
                raise ChronicleError(f"{self.chronicle_path}: {exc}") from None
        return config, chronicle

    def save_config(self, config: RoomConfig) -> None:
        """Write the sealed config (once, when the room is seated)."""
        self.path.mkdir(parents=True, exist_ok=True)
        write_atomic(self.config_path, config.encode())

    def save(self, chronicle: Chronicle) -> None:
        """Write the whole Chronicle crash-safely."""
        self.path.mkdir(parents=True, exist_ok=True)
        chronicle.save_file(self.chronicle_path)
        self.saves += 1
