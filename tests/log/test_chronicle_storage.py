"""The Chronicle on its own: deterministic genesis, appending its writer's entries and
reading them in the signed order, save/load (crash-safe on disk, every loaded document
inspected against its genesis so an edited file is refused saying why), fork, and hostile
bytes that must change nothing.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import msgpack
import pytest
from automerge.core import ROOT, Document, ObjType, ScalarType, Transaction

from hypertoken.log.checkpoint import Checkpoint, sign_hash_record
from hypertoken.log.chronicle import (
    FILE_FORMAT,
    Chronicle,
    ChronicleError,
    HostileChange,
    RoomConfig,
)
from hypertoken.log.entries import Entry, EntryError, make_entry
from hypertoken.log.epochs import writer_actor
from hypertoken.log.identity import Identity
from hypertoken.log.sync import SyncSession
from tests.kits.engine import IDS
from tests.log.logkit import (
    CORE,
    edit_file,
    first_entry,
    next_entry,
    obj,
    pack_file,
    peer,
    room,
    settle,
    sync,
    unpack_file,
    write,
)

CONFIG = room()
#: The same room id, another config: another room.
OTHER = dataclasses.replace(CONFIG, options={"rounds": 3})
P0, P1 = IDS[0].peer_id, IDS[1].peer_id


def test_every_peer_builds_the_same_genesis() -> None:
    a, b = Chronicle.create(CONFIG), Chronicle.create(CONFIG)
    assert a.heads(0) == b.heads(0)
    a.open_epoch(3)
    b.open_epoch(3)
    assert a.heads(3) == b.heads(3)
    for other in (room(room_id="other"), OTHER):
        assert Chronicle.create(other).heads(0) != a.heads(0)
    with pytest.raises(ChronicleError, match="an epoch is an int >= 0"):
        a.open_epoch(-1)


def test_append_and_read_in_the_signed_order() -> None:
    c = peer(CONFIG, 0)
    first = write(c, 0, 1)
    rest = [next_entry(c, IDS[0], "player_0", (1,))]
    c.append_entries(rest)  # appended entries are accepted at once...
    rest.append(next_entry(c, IDS[0], "player_0", (2,)))  # ...so the next links after them
    c.append_entries(rest[1:])
    entries = first + rest
    assert [e.lamport for e in entries] == [1, 2, 3] and [e.seq for e in entries] == [0, 1, 2]
    assert entries[1].prev == entries[0].digest and entries[2].prev == entries[1].digest
    assert c.raw(0) == [e.to_text() for e in entries]
    assert c.entries(0) == entries and list(c.graph.order) == entries
    assert len(c) == len(c.graph) == 3
    more = write(c, 0, 3, start=3)  # lamports 4..6: epoch 1 (epochs of 4 lamports)
    assert c.epochs == [0, 1] and c.entries(1) == more and c.raw(1) == [e.to_text() for e in more]
    assert c.entries() == more  # default: the newest epoch


def test_appends_are_the_writer_s_own_new_entries() -> None:
    c = Chronicle.create(CONFIG)
    entry = next_entry(c, IDS[0], "player_0")
    with pytest.raises(ChronicleError, match=r"\(none: bind_writer\)"):
        c.append_entry(entry)
    c.bind_writer(P0)
    c.bind_writer(P0)  # idempotent
    with pytest.raises(ChronicleError, match=f"already writes for peer {P0}"):
        c.bind_writer(P1)
    assert c.actor[:8].hex() == P0  # the Automerge actor names the peer
    theirs = next_entry(c, IDS[1], "player_1")
    heads, version = c.heads(0), c.version
    with pytest.raises(ChronicleError, match=f"writes for peer {P0}, not {P1}"):
        c.append_entry(theirs)
    assert (c.heads(0), c.version, len(c)) == (heads, version, 0)
    c.append_entry(entry)
    with pytest.raises(ChronicleError, match="already in the log"):
        c.append_entry(entry)
    assert c.raw(0) == [entry.to_text()]
    c.append_entries([])  # nothing to do
    assert c.raw(0) == [entry.to_text()]


def test_concurrent_appends_merge_into_one_order_everywhere() -> None:
    a, b = peer(CONFIG, 0), peer(CONFIG, 1)
    write(a, 0, 3)
    write(b, 1, 3)
    sync(a, b)
    assert a.raw(0) == b.raw(0) and len(a.graph) == 6
    assert a.heads(0) == b.heads(0) and a.epochs == b.epochs
    assert a.graph.keys == b.graph.keys and a.graph.order == b.graph.order
    # The order is the signed one: lamports, then digests, whatever the documents' order.
    assert a.graph.keys == sorted(a.graph.keys)
    # New entries name what their writer had seen as causal parents.
    after = write(a, 0, 1)[0]
    assert after.lamport == 4 and after.parents == (b.graph.last[P1][1],)


def test_sync_creates_epochs_the_peer_has_not_opened() -> None:
    a, b = peer(CONFIG, 0), peer(CONFIG, 1)
    write(a, 0, 6)  # epochs 0 and 1
    assert a.epochs == [0, 1] and b.epochs == [0]
    sync(a, b)
    assert b.epochs == [0, 1] and b.raw(1) == a.raw(1) and b.graph.keys == a.graph.keys


# ---- save and load ----------------------------------------------------------------------


def _saved(c: Chronicle) -> tuple[Any, ...]:
    """What a save must keep: epochs, documents' entries, the accepted log."""
    return (c.config, c.epochs, [c.raw(e) for e in c.epochs], c.graph.keys, len(c.graph))


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    a, b = peer(CONFIG, 0), peer(CONFIG, 1)
    write(a, 0, 4)
    write(b, 1, 2)
    sync(a, b)
    write(a, 0, 2, start=4)
    again = Chronicle.load(a.save(), expect=CONFIG)
    assert _saved(again) == _saved(a) and again.epochs == [0, 1]
    assert [again.heads(e) for e in again.epochs] == [a.heads(e) for e in a.epochs]
    only = Chronicle.load(a.save_epoch(1))
    assert only.epochs == [1] and only.raw(1) == a.raw(1)
    assert len(only.graph.order) == 0  # without epoch 0 its entries wait for their parents
    assert len(only.graph.pending()) == len(a.raw(1))
    path = tmp_path / "room.chronicle"
    a.save_file(path)
    assert _saved(Chronicle.load_file(path, expect=CONFIG)) == _saved(a)
    assert [p.name for p in tmp_path.iterdir()] == ["room.chronicle"]  # no temp files left
    assert unpack_file(path.read_bytes())["format"] == FILE_FORMAT == "hypertoken.chronicle-file/2"
    assert unpack_file(path.read_bytes())["config"] == CONFIG.encode()


def test_a_loaded_chronicle_writes_on() -> None:
    a = peer(CONFIG, 0)
    write(a, 0, 2)
    again = Chronicle.load(a.save())
    again.bind_writer(P0)
    entry = write(again, 0, 1, start=2)[0]
    assert entry.seq == 2 and entry.prev == a.graph.last[P0][1]
    sync(a, again)
    assert a.graph.keys == again.graph.keys


def _checkpoint(who: int, epoch: int, state: bytes = b"s") -> str:
    cp = Checkpoint(epoch=epoch, state_hash=state * 32, log_digest=b"l" * 16, world=b"w", fold=b"f")
    return cp.sign(IDS[who], CONFIG.genesis)


def test_save_epoch_defaults_to_the_newest_epoch_with_a_final_checkpoint() -> None:
    a, b = peer(CONFIG, 0), peer(CONFIG, 1)
    write(a, 0, 10)  # epochs 0, 1 and 2
    sync(a, b)
    assert a.final_epochs() == [] and Chronicle.load(a.save_epoch()).epochs == [0]
    a.put_checkpoint(1, P0, _checkpoint(0, 1))
    sync(a, b)
    assert a.final_checkpoint(1) is None  # one seat holder alone is not final
    assert Chronicle.load(a.save_epoch()).epochs == [0]
    b.put_checkpoint(1, P1, _checkpoint(1, 1))
    a.put_checkpoint(2, P0, _checkpoint(0, 2))
    b.put_checkpoint(2, P1, _checkpoint(1, 2, state=b"t"))  # disagrees: not final
    sync(a, b)
    final = a.final_checkpoint(1)
    assert final is not None and final.epoch == 1 and a.final_epochs() == [1]
    assert a.final_checkpoint(2) is None and a.final_checkpoint(7) is None
    loaded = Chronicle.load(a.save_epoch())
    assert loaded.epochs == [1] and loaded.checkpoints(1) == a.checkpoints(1)
    assert loaded.final_checkpoint(1) == final


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"garbage",
        b"\xc1",
        msgpack.packb([1, 2]),
        msgpack.packb({"format": "nope"}),
        msgpack.packb({"format": "hypertoken.chronicle-file/1", "epochs": [[0, b"x"]]}),
        msgpack.packb({"format": "hypertoken.chronicle/1", "epochs": [b"x"], "sum": b"?"}),
        msgpack.packb({"format": FILE_FORMAT}),
        msgpack.packb({"format": FILE_FORMAT, "epochs": []}),
        msgpack.packb({"format": FILE_FORMAT, "epochs": {"0": b"x"}}),
        msgpack.packb({"format": FILE_FORMAT, "epochs": [[0, "text"]]}),
        msgpack.packb({"format": FILE_FORMAT, "epochs": [[-1, b"x"]]}),
        msgpack.packb({"format": FILE_FORMAT, "epochs": [[True, b"x"]]}),
        msgpack.packb({"format": FILE_FORMAT, "epochs": [[0, b"x", 1]]}),
        msgpack.packb({"format": FILE_FORMAT, "epochs": [[1, b"x"], [0, b"y"]]}),
        msgpack.packb({"format": FILE_FORMAT, "epochs": [[0, b"x"], [0, b"x"]]}),
        msgpack.packb({"format": FILE_FORMAT, "epochs": [[0, b"x"]], "sum": b"?"}),
        msgpack.packb({1: 2, "format": FILE_FORMAT}, strict_types=False),
    ],
)
def test_load_rejects_what_is_not_a_chronicle(data: bytes) -> None:
    with pytest.raises(ChronicleError):
        Chronicle.load(data)


@pytest.mark.parametrize("data", ["text", None, 7, [b"x"], memoryview(b"x"), {"format": 1}])
def test_load_of_what_is_not_bytes_is_a_chronicle_error(data: Any) -> None:
    with pytest.raises(ChronicleError, match="chronicle data is bytes"):
        Chronicle.load(data)


def _file_with(docs: list[tuple[int, bytes]], config: bytes | None = None) -> bytes:
    """A file map around these documents, checksum right, so only their content is wrong."""
    top: dict[str, Any] = {"format": FILE_FORMAT, "epochs": [list(p) for p in docs]}
    if config is not None:
        top["config"] = config
    return pack_file(top)


def test_well_formed_files_with_wrong_contents_are_refused_saying_why() -> None:
    a = peer(CONFIG, 0)
    write(a, 0, 6)
    doc0, doc1 = (pair[1] for pair in unpack_file(a.save())["epochs"])
    cases = {
        "no config": (_file_with([(0, doc0)]), "64 KiB of msgpack bytes"),
        "a bad config": (_file_with([(0, doc0)], b"\x93"), "malformed room config"),
        "not a document": (_file_with([(0, b"junk")], CONFIG.encode()), "epoch 0 does not load"),
        "a stranger document": (
            _file_with([(0, Document().save())], CONFIG.encode()),
            "not a chronicle epoch document",
        ),
        "another room's document": (
            _file_with([(0, Chronicle.create(OTHER)._epochs[0].doc.save())], CONFIG.encode()),
            "epoch 0 belongs to another room or config",
        ),
        "a document in another epoch's place": (
            _file_with([(0, doc1)], CONFIG.encode()),
            "epoch number does not match its place in the file",
        ),
        "the config of another room": (
            _file_with([(0, doc0)], OTHER.encode()),
            "epoch 0 belongs to another room or config",
        ),
    }
    for data, message in cases.values():
        with pytest.raises(ChronicleError, match=message):
            Chronicle.load(data)


def test_load_rejects_truncation_corruption_and_another_room() -> None:
    c = peer(CONFIG, 0)
    write(c, 0, 2)
    data = c.save()
    for bad in (data[: len(data) // 2], data[:-3] + b"\x00\x00\x00"):
        with pytest.raises(ChronicleError):
            Chronicle.load(bad)
    with pytest.raises(ChronicleError, match="another room"):
        Chronicle.load(data, expect=room(room_id="r2"))
    with pytest.raises(ChronicleError, match="another room or config than expected"):
        Chronicle.load(data, expect=OTHER)  # the same room id is not the same room


def test_every_truncation_of_a_file_or_of_its_documents_is_a_chronicle_error() -> None:
    c = peer(CONFIG, 0)
    write(c, 0, 2)
    data = c.save()
    for n in range(len(data)):
        with pytest.raises(ChronicleError):
            Chronicle.load(data[:n])
    doc = unpack_file(data)["epochs"][0][1]
    for n in range(0, len(doc), 7):
        with pytest.raises(ChronicleError):
            Chronicle.load(_file_with([(0, doc[:n])], CONFIG.encode()))


# ---- edited files -----------------------------------------------------------------------


def _room_file() -> tuple[bytes, list[Entry]]:
    """A saved room: three entries of peer 0 and a hash record of peer 1, in epoch 0."""
    a, b = peer(CONFIG, 0), peer(CONFIG, 1)
    entries = write(a, 0, 3)
    b.record_hash(0, P1, sign_hash_record(IDS[1], CONFIG.genesis, 0, 3, b"l" * 16, b"s" * 32))
    sync(a, b)
    assert Chronicle.load(a.save()).hash_records(0) == {P1: [(0, 3, b"l" * 16, b"s" * 32)]}
    return a.save(), entries


def _put_root(key: str, kind: ScalarType, value: Any) -> Any:
    def edit(tx: Transaction, doc: Document) -> None:
        tx.put(ROOT, key, kind, value)

    return edit


def _text_of(config: RoomConfig) -> str:
    return base64.b64encode(config.encode()).decode()


_ROOT_EDITS: dict[str, tuple[list[Any], str]] = {
    "config overwritten with its own value": (
        [
            _put_root("config", ScalarType.Str, "x"),
            _put_root("config", ScalarType.Str, _text_of(CONFIG)),
        ],
        r"epoch 0: the genesis 'config' was overwritten or replaced after genesis",
    ),
    "config overwritten with another room's": (
        [_put_root("config", ScalarType.Str, _text_of(OTHER))],
        "epoch 0 belongs to another room or config",
    ),
    "config overwritten with garbage": (
        [_put_root("config", ScalarType.Str, "@@")],
        "room config is not base64",
    ),
    "epoch overwritten with its own value": (
        [_put_root("epoch", ScalarType.Int, 5), _put_root("epoch", ScalarType.Int, 0)],
        "epoch 0: the genesis 'epoch' was overwritten or replaced after genesis",
    ),
    "epoch overwritten": (
        [_put_root("epoch", ScalarType.Int, 1)],
        "epoch number does not match its place in the file",
    ),
    "format overwritten": (
        [_put_root("format", ScalarType.Str, "hypertoken.chronicle/3")],
        "epoch 0: the genesis 'format' was overwritten or replaced after genesis",
    ),
    "an extra root key": (
        [_put_root("extra", ScalarType.Str, "x")],
        r"the file was edited: epoch 0: the document's root keys were edited "
        r"\(extra \['extra'\], missing \[\]\)",
    ),
    "a root object deleted": (
        [lambda tx, doc: tx.delete(ROOT, "checkpoints")],
        "epoch 0: the document has no 'checkpoints'",
    ),
    "entries replaced by a map": (
        [lambda tx, doc: tx.put_object(ROOT, "entries", ObjType.Map)],
        "epoch 0: the genesis 'entries' was overwritten or replaced after genesis",
    ),
    "entries replaced by a string": (
        [_put_root("entries", ScalarType.Str, "[]")],
        "epoch 0: the genesis 'entries' was overwritten or replaced after genesis",
    ),
    "entries replaced by a new list": (
        [lambda tx, doc: tx.put_object(ROOT, "entries", ObjType.List)],
        "epoch 0: the genesis 'entries' was overwritten or replaced after genesis",
    ),
    "hashes replaced by a list": (
        [lambda tx, doc: tx.put_object(ROOT, "hashes", ObjType.List)],
        "epoch 0: the genesis 'hashes' was overwritten or replaced after genesis",
    ),
}


@pytest.mark.parametrize("what", list(_ROOT_EDITS))
def test_a_file_whose_genesis_was_edited_is_refused_saying_why(what: str) -> None:
    data, _ = _room_file()
    edits, message = _ROOT_EDITS[what]
    edited = edit_file(data, *edits)
    assert edited != data
    with pytest.raises(ChronicleError, match=message):
        Chronicle.load(edited)
    # The same edit by the room's own writer is refused just the same.
    with pytest.raises(ChronicleError, match=message):
        Chronicle.load(edit_file(data, *edits, actor=writer_actor(P0)))


def test_an_entry_deleted_from_a_file_is_refused() -> None:
    # The deleting change is in the file's history: every change is checked to have only
    # added entries and records, so a deletion is caught even though the state alone
    # would just look like fewer entries.
    data, _entries = _room_file()

    def delete(index: int) -> Any:
        return lambda tx, doc: tx.delete(obj(doc, "entries"), index)

    for index in (0, 2):
        with pytest.raises(ChronicleError, match="deleted or overwrote"):
            Chronicle.load(edit_file(data, delete(index)))


def _other_entry() -> Entry:
    """A valid entry of peer 0 that the saved room does not hold (another seq-0 entry)."""
    return first_entry(0, CONFIG, args=(7,))


def _late_entry() -> Entry:
    """A valid entry of peer 0 whose lamport puts it in epoch 1."""
    return first_entry(0, CONFIG, lamport=5)


def _entries_edit(fn: Any) -> Any:
    return lambda tx, doc: fn(tx, obj(doc, "entries"))


_ENTRY_EDITS: dict[str, tuple[list[Any], bytes, str]] = {
    "overwritten with garbage": (
        [_entries_edit(lambda tx, lst: tx.put(lst, 0, ScalarType.Str, "garbage"))],
        writer_actor(P0),
        "the file was edited: epoch 0: refused entry: entry is not valid base64",
    ),
    "overwritten with a number": (
        [_entries_edit(lambda tx, lst: tx.put(lst, 1, ScalarType.Int, 5))],
        writer_actor(P0),
        "the file was edited: epoch 0: an entry is not text",
    ),
    "overwritten by another peer's actor": (
        [_entries_edit(lambda tx, lst: tx.put(lst, 0, ScalarType.Str, _other_entry().to_text()))],
        writer_actor(P1),
        f"the file was edited: epoch 0: refused entry: entry of {P0} written by peer {P1}",
    ),
    "overwritten by a stranger's actor": (
        [_entries_edit(lambda tx, lst: tx.put(lst, 2, ScalarType.Str, _other_entry().to_text()))],
        b"\x99" * 16,
        f"refused entry: entry of {P0} written by peer 9999999999999999",
    ),
    "re-inserted by another peer's actor": (
        [
            _entries_edit(lambda tx, lst: tx.delete(lst, 0)),
            _entries_edit(lambda tx, lst: tx.insert(lst, 0, ScalarType.Str, _first_text())),
        ],
        writer_actor(P1),
        f"refused entry: entry of {P0} written by peer {P1}",
    ),
    "inserted twice": (
        [_entries_edit(lambda tx, lst: tx.insert(lst, 3, ScalarType.Str, _first_text()))],
        writer_actor(P0),
        "the file was edited: epoch 0: an accepted entry was inserted again",
    ),
    "an entry of another epoch": (
        [_entries_edit(lambda tx, lst: tx.insert(lst, 3, ScalarType.Str, _late_entry().to_text()))],
        writer_actor(P0),
        "refused entry: entry of epoch 1 in epoch 0's document",
    ),
    "an entry of another room": (
        [
            _entries_edit(
                lambda tx, lst: tx.insert(
                    lst,
                    3,
                    ScalarType.Str,
                    first_entry(0, OTHER).to_text(),
                )
            )
        ],
        writer_actor(P0),
        "refused entry: bad signature",
    ),
    "a checkpoint under another peer's key": (
        [lambda tx, doc: tx.put(obj(doc, "checkpoints"), P1, ScalarType.Str, _checkpoint(1, 0))],
        writer_actor(P0),
        f"the file was edited: epoch 0: the checkpoint of peer {P1} was written by another peer",
    ),
    "a checkpoint its peer did not sign": (
        [lambda tx, doc: tx.put(obj(doc, "checkpoints"), P1, ScalarType.Str, _checkpoint(0, 0))],
        writer_actor(P1),
        f"epoch 0: peer {P1}'s checkpoint is not signed by it",
    ),
    "a checkpoint of no seat holder": (
        [
            lambda tx, doc: tx.put(
                obj(doc, "checkpoints"), IDS[3].peer_id, ScalarType.Str, _checkpoint(1, 0)
            )
        ],
        writer_actor(IDS[3].peer_id),
        "a checkpoint under '.*', not a seat holder",
    ),
    "a hash record appended to another peer's list": (
        [
            lambda tx, doc: tx.insert(
                _hash_list(doc, P1),
                1,
                ScalarType.Str,
                sign_hash_record(IDS[1], CONFIG.genesis, 0, 4, b"l" * 16, b"s" * 32),
            )
        ],
        writer_actor(P0),
        f"epoch 0: a hash record of peer {P1} was written by another peer",
    ),
    "another peer's hash record list replaced": (
        [lambda tx, doc: tx.put_object(obj(doc, "hashes"), P1, ObjType.List)],
        writer_actor(P0),
        f"epoch 0: the hash record list of peer {P1} was written by another peer",
    ),
}


def _first_text() -> str:
    """The saved room's first entry (signatures are deterministic, so it can be rebuilt)."""
    return first_entry(0, CONFIG, move="place", args=(0,), time_ms=1000).to_text()


def _hash_list(doc: Document, peer_id: str) -> bytes:
    got = doc.get(obj(doc, "hashes"), peer_id)
    assert got is not None and got[0] == ObjType.List
    return got[1]


@pytest.mark.parametrize("what", list(_ENTRY_EDITS))
def test_a_file_whose_entries_or_records_were_edited_is_refused_saying_why(what: str) -> None:
    data, entries = _room_file()
    assert entries[0].to_text() == _first_text()
    edits, actor, message = _ENTRY_EDITS[what]
    edited = edit_file(data, *edits, actor=actor)
    assert edited != data
    with pytest.raises(ChronicleError, match=message):
        Chronicle.load(edited)


def test_edits_an_honest_writer_makes_load_again() -> None:
    """The control for the edits above: a seat holder appending its own entry with its
    own actor (by hand, outside any chronicle) is an honest change, and the file loads.
    """
    data, entries = _room_file()
    entry = first_entry(1, CONFIG)
    edited = edit_file(
        data,
        _entries_edit(lambda tx, lst: tx.insert(lst, 3, ScalarType.Str, entry.to_text())),
        actor=writer_actor(P1),
    )
    loaded = Chronicle.load(edited)
    assert loaded.raw(0) == [*(e.to_text() for e in entries), entry.to_text()]
    assert loaded.graph.order == sorted([*entries, entry], key=lambda e: (e.lamport, e.digest))


def test_the_order_does_not_depend_on_the_document_order() -> None:
    """Regression: an entry whose dependency was held but still pending (here e2, whose
    prev e1 waits for e0) must be released once that dependency is ready.
    """
    a = peer(CONFIG, 0)
    entries = write(peer(CONFIG, 0), 0, 3)  # the entries, written elsewhere
    # The author inserts them out of causal order (positions mean nothing: the signed
    # links place every entry).
    texts = [e.to_text() for e in (entries[1], entries[2], entries[0])]

    def insert_all(tx: Transaction, lst: bytes) -> None:
        for i, text in enumerate(texts):
            tx.insert(lst, i, ScalarType.Str, text)

    out_of_order = edit_file(a.save(), _entries_edit(insert_all), actor=writer_actor(P0))
    loaded = Chronicle.load(out_of_order)
    assert loaded.raw(0) == [e.to_text() for e in (entries[1], entries[2], entries[0])]
    assert loaded.graph.pending() == []
    assert loaded.graph.order == entries


def _bad_entry(kind: str) -> Entry:
    genesis, seat = CONFIG.genesis, "player_0"
    identity: Identity | None = IDS[0]
    args: tuple[str, ...] = ()
    actor = None
    if kind == "oversized":
        args = ("x" * 4096,) * 4  # each argument within the limits, the whole entry not
    elif kind == "unsigned":
        identity, actor = None, P0
    elif kind == "another seat":
        seat = "player_1"
    elif kind == "another room":
        genesis = OTHER.genesis
    return make_entry(
        identity, genesis, seat, "m", args, 0, seq=0, prev=b"", parents=(), lamport=1, actor=actor
    )


@pytest.mark.parametrize("kind", ["oversized", "unsigned", "another seat", "another room"])
def test_a_chronicle_stores_only_entries_its_own_load_accepts(kind: str) -> None:
    c = peer(CONFIG, 0)
    try:
        c.append_entry(_bad_entry(kind))
    except (ChronicleError, EntryError):
        assert c.raw(0) == [] and len(c) == 0  # refused up front: fine
        return
    Chronicle.load(c.save())


# ---- save while busy, crashes -------------------------------------------------------------


def test_save_file_during_an_open_transaction_is_a_chronicle_error(tmp_path: Path) -> None:
    path = tmp_path / "room.chronicle"
    c = peer(CONFIG, 0)
    write(c, 0, 1)
    c.save_file(path)
    old = path.read_bytes()
    write(c, 0, 1, start=1)
    ep = c._epochs[0]
    with ep.doc.transaction():
        with pytest.raises(ChronicleError, match="cannot be saved now"):
            c.save_file(path)
        with pytest.raises(ChronicleError, match="cannot be saved now"):
            c.save()
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["room.chronicle"]
    c.save_file(path)  # once the transaction is closed, saving works again
    assert len(Chronicle.load_file(path)) == 2


def test_a_crash_between_write_and_rename_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "room.chronicle"
    c = peer(CONFIG, 0)
    write(c, 0, 1)
    c.save_file(path)
    old = path.read_bytes()
    write(c, 0, 1, start=1)

    def crash(src: str, dst: str) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        c.save_file(path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert Chronicle.load_file(path).raw() == c.raw()[:1]
    assert [p.name for p in tmp_path.iterdir()] == ["room.chronicle"]


#: Where the writer process is killed (SIGKILL: no cleanup runs) and how many entries the
#: file then holds: the old save (50) until the rename, the new one (100) after it.
_KILL_POINTS = {
    "mid-write": ("os.fdopen = lambda fd, mode: HalfWriter(fd)", 50),
    "before-fsync": ("os.fsync = die", 50),
    "before-rename": ("os.replace = die", 50),
    "after-rename": ("os.open = lambda p, *a: die() if os.path.isdir(p) else OPEN(p, *a)", 100),
}


@pytest.mark.parametrize("point", list(_KILL_POINTS))
def test_killing_the_writer_mid_save_never_leaves_an_unloadable_file(
    tmp_path: Path, point: str
) -> None:
    path = tmp_path / "room.chronicle"
    patch, held = _KILL_POINTS[point]
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).parents[2])!r})
        from tests.log.logkit import peer, room, write

        OPEN = os.open

        def die(*args, **kw):
            os.kill(os.getpid(), signal.SIGKILL)

        class HalfWriter:
            def __init__(self, fd):
                self.fd = fd
            def __enter__(self):
                return self
            def __exit__(self, *exc):
                return False
            def write(self, data):
                os.write(self.fd, data[: len(data) // 2])
                die()

        c = peer(room(epoch_size=0), 0)
        write(c, 0, 50)
        c.save_file({str(path)!r})
        write(c, 0, 50, start=50)
        {patch}
        c.save_file({str(path)!r})
        sys.exit(3)  # not reached: the kill comes first
    """)
    proc = subprocess.run([sys.executable, "-c", script], timeout=120, capture_output=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    loaded = Chronicle.load_file(path)  # whatever moment the kill hit, this loads
    assert len(loaded.raw()) == len(loaded.graph.order) == held
    # The kill hit where it was meant to: before the rename it leaves its temp file
    # behind (no cleanup runs on SIGKILL), after the rename there is none.
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "room.chronicle"]
    assert len(leftovers) == (held == 50)
    assert all(n.startswith(".room.chronicle.") and n.endswith(".tmp") for n in leftovers)


def test_fork_is_independent() -> None:
    c = peer(CONFIG, 0)
    write(c, 0, 1)
    f = c.fork()
    assert f.writer == c.writer == P0 and f.actor != c.actor and f.actor[:8] == c.actor[:8]
    mine, theirs = write(f, 0, 1, start=1), write(c, 0, 1, start=2)
    assert len(c.raw()) == 2 and len(f.raw()) == 2 and c.raw()[1] != f.raw()[1]
    assert mine[0].seq == theirs[0].seq == 1  # each continues the chain on its own
    assert c.graph.order[1] == theirs[0] and f.graph.order[1] == mine[0]


# ---- hostile sync input -------------------------------------------------------------------

G = CONFIG.genesis


@pytest.mark.parametrize(
    "data",
    [
        b"junk",
        "text",
        msgpack.packb([2, G, [[0, b"not a sync message"]]]),
        msgpack.packb([1, G, []]),  # sync version 1 is gone
        msgpack.packb([3, G, []]),
        msgpack.packb([2, G, [[-1, b""]]]),
        msgpack.packb([2, G, [[True, b""]]]),
        msgpack.packb([2, G, [[0, "text"]]]),
        msgpack.packb([2, G, "parts"]),
        msgpack.packb([2, G]),
        msgpack.packb({"version": 2}),
    ],
)
def test_hostile_sync_messages_raise_and_change_nothing(data: bytes) -> None:
    c = peer(CONFIG, 0)
    write(c, 0, 1)
    heads, version = c.heads(0), c.version
    session = SyncSession(c, "mallory")
    with pytest.raises(ChronicleError, match="malformed sync message"):
        session.receive(data)
    assert c.heads(0) == heads and c.version == version and c.epochs == [0]
    assert session.hostile == ""  # garbage is refused; the session stays usable


def test_sync_for_another_room_is_refused_and_far_future_epochs_are_not_opened() -> None:
    a, b = peer(CONFIG, 0), Chronicle.create(room(room_id="r2"))
    msg = SyncSession(b, "a").generate()
    assert msg is not None
    from_b = SyncSession(a, "b")
    with pytest.raises(ChronicleError, match="for another room or room config"):
        from_b.receive(msg)
    part = msgpack.unpackb(SyncSession(a, "x").generate())[2][0][1]
    far = msgpack.packb([2, G, [[10**6, part], [3, part]]])
    assert from_b.receive(far) == []  # left for later: nobody makes us open empty epochs
    assert a.epochs == [0] and from_b.hostile == ""


def test_a_non_text_entry_element_from_a_peer_is_a_hostile_change() -> None:
    a, b = peer(CONFIG, 0), peer(CONFIG, 1)
    write(a, 0, 1)
    a_b, b_a = SyncSession(a, "b"), SyncSession(b, "a")
    settle(a_b, b_a)
    ep = b._epochs[0]
    with ep.doc.transaction() as tx:  # what a hostile or buggy peer could write
        tx.insert(ep.entries, 1, ScalarType.Int, 7)
    frame = b_a.generate()
    assert frame is not None
    with pytest.raises(HostileChange, match="an entry is not text"):
        a_b.receive(frame)
    assert a.raw(0) == b.raw(0) and len(a.raw(0)) == 1


def test_room_config_validation() -> None:
    with pytest.raises(ChronicleError, match="32 bytes"):
        RoomConfig(room="r", game="g", game_version=1, seats={"player_0": b"short"}, core=CORE)
    with pytest.raises(ChronicleError, match="trust mode"):
        RoomConfig(room="r", game="g", game_version=1, seats=CONFIG.seats, trust="nope", core=CORE)
    with pytest.raises(ChronicleError, match="at least one seat"):
        RoomConfig(room="r", game="g", game_version=1, seats={}, core=CORE)
    assert CONFIG.seats_of(P1) == ["player_1"]
