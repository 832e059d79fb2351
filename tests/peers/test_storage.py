"""The room's files: whole saves, the journal of changes between them, torn records, the
data directory lock, and the identity key file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hypertoken.engine import RoomEngine
from hypertoken.log.chronicle import ChronicleError
from peers.identity import IdentityError, load_identity
from peers.storage import COMPACT_RECORDS, DataDirLocked, RoomStore, lock_data_dir
from tests.kits.engine import make_room, sync_all


def _stored(tmp: Path) -> tuple[list[RoomEngine], RoomStore]:
    """Two peers of a started tictactoe room, and the first one's store holding its config
    and a whole save of its chronicle.
    """
    engines = make_room("tictactoe", 2)
    store = RoomStore(tmp, "test-room")
    store.save_config(engines[0].chronicle.config)
    store.save(engines[0].chronicle)
    return engines, store


def test_journal_records_load_back_as_the_document(tmp_path: Path) -> None:
    engines, store = _stored(tmp_path)
    chronicle = engines[0].chronicle
    for a in range(4):
        engines[a % 2].submit(a)
        sync_all(engines)
        store.append(chronicle)
    assert store.records == 4 and store.saves == 1
    saved = RoomStore(tmp_path, "test-room").load()
    assert saved is not None and saved[1] is not None
    again = saved[1]
    assert len(again.graph) == len(chronicle.graph)
    assert [again.heads(e) for e in again.epochs] == [chronicle.heads(e) for e in chronicle.epochs]


def test_a_torn_record_and_what_follows_it_are_dropped(tmp_path: Path) -> None:
    engines, store = _stored(tmp_path)
    chronicle = engines[0].chronicle
    engines[0].submit(0)
    store.append(chronicle)
    whole = store.journal_path.stat().st_size
    sync_all(engines)
    engines[1].submit(1)
    sync_all(engines)
    store.append(chronicle)
    store.close()
    with open(store.journal_path, "r+b") as f:  # a crash mid-write of the second record
        f.truncate(store.journal_path.stat().st_size - 3)
    reader = RoomStore(tmp_path, "test-room")
    saved = reader.load()
    assert saved is not None and saved[1] is not None
    assert len(saved[1].graph) == len(chronicle.graph) - 1  # the first move survived
    assert reader.journal_path.stat().st_size == whole  # the torn tail is gone


def test_an_edited_journal_is_refused_not_trusted(tmp_path: Path) -> None:
    engines, store = _stored(tmp_path)
    chronicle = engines[0].chronicle
    engines[0].submit(0)
    store.append(chronicle)
    store.close()
    data = bytearray(store.journal_path.read_bytes())
    data[-1] ^= 0xFF  # checksum no longer matches: dropped as torn
    store.journal_path.write_bytes(bytes(data))
    saved = RoomStore(tmp_path, "test-room").load()
    assert saved is not None and saved[1] is not None
    assert len(saved[1].graph) == len(chronicle.graph) - 1
    store.chronicle_path.write_bytes(b"garbage")
    with pytest.raises(ChronicleError, match=r"chronicle\.htc"):
        RoomStore(tmp_path, "test-room").load()


def test_compaction_is_due_after_many_records(tmp_path: Path) -> None:
    store = RoomStore(tmp_path, "r")
    store.records = COMPACT_RECORDS - 1
    assert not store.needs_compaction
    store.records += 1
    assert store.needs_compaction


def test_one_daemon_per_data_dir(tmp_path: Path) -> None:
    fd = lock_data_dir(tmp_path)
    try:
        with pytest.raises(DataDirLocked, match="--data-dir"):
            lock_data_dir(tmp_path)
    finally:
        os.close(fd)
    os.close(lock_data_dir(tmp_path))  # free again


def test_the_identity_persists_and_its_key_file_is_private(tmp_path: Path) -> None:
    first = load_identity(tmp_path)
    key = tmp_path / "identity.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert load_identity(tmp_path).peer_id == first.peer_id
    key.chmod(0o644)
    with pytest.raises(IdentityError, match="chmod 600"):
        load_identity(tmp_path)
    key.chmod(0o600)
    key.write_text("not hex")
    with pytest.raises(IdentityError, match="not a HyperToken key file"):
        load_identity(tmp_path)
