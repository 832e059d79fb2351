"""The Chronicle on its own: deterministic genesis, append and read, save/load (crash-safe
on disk), fork, the sync protocol (through sync sessions), and hostile bytes that must
change nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import msgpack
import pytest

from hypertoken.log.chronicle import Chronicle, ChronicleError, RoomConfig
from hypertoken.log.entries import EntryError, decode_entry, entry_context, sign_entry
from hypertoken.log.sync import SyncSession
from tests.kits.engine import IDS

#: A direct construction names the core (any SHA-256 will do for the log on its own).
CORE = "c0" * 32
CONFIG = RoomConfig(
    room="r",
    game="tictactoe",
    game_version=1,
    seats={"player_0": IDS[0].public_key, "player_1": IDS[1].public_key},
    core=CORE,
)


def _entry(n: int, seat: str = "player_0") -> str:
    ident = IDS[0] if seat == "player_0" else IDS[1]
    return sign_entry(ident, entry_context("r", 0), seat, "place", (n % 9,), n, n).to_text()


def _sync(a: Chronicle, b: Chronicle) -> None:
    a_to_b, b_to_a = SyncSession(a, "b"), SyncSession(b, "a")
    for _ in range(20):
        m1 = a_to_b.generate()
        if m1:
            b_to_a.receive(m1)
        m2 = b_to_a.generate()
        if m2:
            a_to_b.receive(m2)
        if not (m1 or m2):
            return
    raise AssertionError("sync did not settle")


def test_every_peer_builds_the_same_genesis() -> None:
    a, b = Chronicle.create(CONFIG), Chronicle.create(CONFIG)
    assert a.heads(0) == b.heads(0)
    a.open_epoch(3)
    b.open_epoch(3)
    assert a.heads(3) == b.heads(3)
    other = Chronicle.create(
        RoomConfig(room="other", game="tictactoe", game_version=1, seats=CONFIG.seats, core=CORE)
    )
    assert other.heads(0) != a.heads(0)


def test_append_read_and_decode_in_document_order() -> None:
    c = Chronicle.create(CONFIG)
    texts = [_entry(i) for i in range(5)]
    assert c.append(texts[0]) == 0
    assert c.append_many(texts[1:]) == 1
    assert c.raw() == texts
    decoded = c.entries()
    assert [e.args for e in decoded if not isinstance(e, EntryError)] == [(i,) for i in range(5)]
    assert len(c) == 5
    with pytest.raises(ChronicleError, match="appended as text"):
        c.append_many([b"bytes"])  # type: ignore[list-item]
    assert len(c) == 5


def test_concurrent_appends_merge_into_one_order_everywhere() -> None:
    a, b = Chronicle.create(CONFIG), Chronicle.create(CONFIG)
    a.append_many([_entry(i) for i in range(3)])
    b.append_many([_entry(10 + i, "player_1") for i in range(3)])
    _sync(a, b)
    assert a.raw() == b.raw() and len(a.raw()) == 6
    assert a.heads(0) == b.heads(0)


def test_sync_creates_epochs_the_peer_has_not_opened() -> None:
    a, b = Chronicle.create(CONFIG), Chronicle.create(CONFIG)
    a.open_epoch(1)
    a.append(_entry(1), 1)
    _sync(a, b)
    assert b.epochs == [0, 1] and b.raw(1) == a.raw(1)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    c = Chronicle.create(CONFIG)
    c.append_many([_entry(i) for i in range(4)])
    c.open_epoch(1)
    c.append(_entry(9), 1)
    again = Chronicle.load(c.save(), expect=CONFIG)
    assert again.config == CONFIG and again.epochs == [0, 1]
    assert again.raw(0) == c.raw(0) and again.raw(1) == c.raw(1)
    only = Chronicle.load(c.save_epoch(1))
    assert only.epochs == [1] and only.raw(1) == c.raw(1)
    path = tmp_path / "room.chronicle"
    c.save_file(path)
    assert Chronicle.load_file(path).raw(0) == c.raw(0)
    assert [p.name for p in tmp_path.iterdir()] == ["room.chronicle"]  # no temp files left


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"garbage",
        msgpack.packb({"format": "nope"}),
        msgpack.packb({"format": "hypertoken.chronicle/1", "epochs": [b"x"], "sum": b"?"}),
    ],
)
def test_load_rejects_what_is_not_a_chronicle(data: bytes) -> None:
    with pytest.raises(ChronicleError):
        Chronicle.load(data)


def test_load_rejects_truncation_corruption_and_another_room() -> None:
    c = Chronicle.create(CONFIG)
    c.append(_entry(1))
    data = c.save()
    for bad in (data[: len(data) // 2], data[:-3] + b"\x00\x00\x00"):
        with pytest.raises(ChronicleError):
            Chronicle.load(bad)
    other = RoomConfig(room="r2", game="tictactoe", game_version=1, seats=CONFIG.seats, core=CORE)
    with pytest.raises(ChronicleError, match="another room"):
        Chronicle.load(data, expect=other)


def test_a_crash_between_write_and_rename_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "room.chronicle"
    c = Chronicle.create(CONFIG)
    c.append(_entry(1))
    c.save_file(path)
    old = path.read_bytes()
    c.append(_entry(2))

    def crash(src: str, dst: str) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        c.save_file(path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert Chronicle.load_file(path).raw() == c.raw()[:1]
    assert [p.name for p in tmp_path.iterdir()] == ["room.chronicle"]


def test_killing_the_writer_mid_save_never_leaves_an_unloadable_file(tmp_path: Path) -> None:
    path = tmp_path / "room.chronicle"
    ready = tmp_path / "ready"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parents[2])!r})
        from tests.log.test_chronicle_storage import CONFIG, _entry
        from hypertoken.log.chronicle import Chronicle
        c = Chronicle.create(CONFIG)
        n = 0
        while True:
            c.append_many([_entry(n + k) for k in range(50)])
            n += 50
            c.save_file({str(path)!r})
            open({str(ready)!r}, "w").close()
    """)
    for delay in (0.05, 0.15, 0.3):
        if path.exists():
            path.unlink()
        ready.unlink(missing_ok=True)
        proc = subprocess.Popen([sys.executable, "-c", script])
        try:
            deadline = time.monotonic() + 60
            while not ready.exists():  # wait for a first complete save, then let it run on
                assert proc.poll() is None, "the writer died on its own"
                assert time.monotonic() < deadline
                time.sleep(0.01)
            time.sleep(delay)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        loaded = Chronicle.load_file(path)  # whatever moment the kill hit, this loads
        assert len(loaded.raw()) >= 50 and len(loaded.raw()) % 50 == 0


def test_fork_is_independent() -> None:
    c = Chronicle.create(CONFIG)
    c.append(_entry(1))
    f = c.fork()
    f.append(_entry(2))
    c.append(_entry(3))
    assert len(c.raw()) == 2 and len(f.raw()) == 2 and c.raw()[1] != f.raw()[1]


@pytest.mark.parametrize(
    "data",
    [
        b"junk",
        msgpack.packb([1, "r", [[0, b"not a sync message"]]]),
        msgpack.packb([2, "r", []]),
        msgpack.packb([1, "r", [[-1, b""]]]),
        msgpack.packb([1, "r", "parts"]),
    ],
)
def test_hostile_sync_messages_raise_and_change_nothing(data: bytes) -> None:
    c = Chronicle.create(CONFIG)
    c.append(_entry(1))
    heads, version = c.heads(0), c.version
    with pytest.raises(ChronicleError, match="malformed sync message"):
        SyncSession(c, "mallory").receive(data)
    assert c.heads(0) == heads and c.version == version and c.epochs == [0]


def test_sync_for_another_room_or_far_future_epochs_is_refused() -> None:
    a = Chronicle.create(CONFIG)
    b = Chronicle.create(
        RoomConfig(room="r2", game="tictactoe", game_version=1, seats=CONFIG.seats, core=CORE)
    )
    msg = SyncSession(b, "a").generate()
    assert msg is not None
    from_b = SyncSession(a, "b")
    with pytest.raises(ChronicleError, match="for room 'r2'"):
        from_b.receive(msg)
    far = msgpack.packb([1, "r", [[10**6, msg and msgpack.unpackb(msg)[2][0][1]]]])
    with pytest.raises(ChronicleError, match="implausibly far ahead"):
        from_b.receive(far)
    assert a.epochs == [0]


def test_non_text_list_elements_read_as_malformed_entries() -> None:
    from automerge.core import ScalarType

    c = Chronicle.create(CONFIG)
    ep = c._epoch(0)
    with ep.doc.transaction() as tx:  # what a hostile or buggy peer could write
        tx.insert(ep.entries, 0, ScalarType.Int, 7)
    assert c.raw() == ["\0not-text"]
    with pytest.raises(EntryError):
        decode_entry(c.raw()[0])


def test_room_config_validation() -> None:
    with pytest.raises(ChronicleError, match="32 bytes"):
        RoomConfig(room="r", game="g", game_version=1, seats={"player_0": b"short"}, core=CORE)
    with pytest.raises(ChronicleError, match="trust mode"):
        RoomConfig(room="r", game="g", game_version=1, seats=CONFIG.seats, trust="nope", core=CORE)
    with pytest.raises(ChronicleError, match="at least one seat"):
        RoomConfig(room="r", game="g", game_version=1, seats={}, core=CORE)
    assert CONFIG.seats_of(IDS[1].peer_id) == ["player_1"]
