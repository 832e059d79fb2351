"""SyncSession: one sync session per remote peer, owning that peer's Automerge sync states.

- ``dirty`` is True when created, reset, after every receive and after any change to the
  chronicle; only a generate() with nothing to send clears it, and a clean session always
  generates None;
- sessions with different peers are independent, and the chronicle holds no sync state;
- dropped epochs are forgotten; the wire format is ``[2, genesis, parts]``;
- a frame for another room or config is refused, changing nothing;
- a change no honest peer writes raises HostileChange, changes nothing, and marks the
  session hostile: every later frame from that peer is refused, while other peers'
  sessions keep syncing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import msgpack
import pytest
from automerge.core import ROOT, ObjType, ScalarType, SyncState, Transaction

from hypertoken.log.checkpoint import Checkpoint, sign_hash_record
from hypertoken.log.chronicle import Chronicle, ChronicleError, HostileChange
from hypertoken.log.entries import Entry
from hypertoken.log.epochs import EpochDoc
from hypertoken.log.sync import SYNC_VERSION, SyncSession
from tests.kits.engine import IDS
from tests.log.logkit import first_entry, peer, room, settle, write

CONFIG = room(room_id="sync")
P0, P1, P2 = (IDS[i].peer_id for i in range(3))


def test_a_clean_session_has_nothing_to_send() -> None:
    a, b = Chronicle.create(CONFIG), Chronicle.create(CONFIG)
    a_to_b, b_to_a = SyncSession(a, "b"), SyncSession(b, "a")
    assert a_to_b.dirty and b_to_a.dirty  # a new session must introduce itself
    settle(a_to_b, b_to_a)
    assert not a_to_b.dirty and not b_to_a.dirty
    for _ in range(3):  # the invariant: not dirty means generate() gives None
        assert a_to_b.generate() is None and not a_to_b.dirty


def test_a_change_to_the_chronicle_makes_every_session_dirty() -> None:
    a, b, c = peer(CONFIG, 0), peer(CONFIG, 1), Chronicle.create(CONFIG)
    a_to_b, b_to_a = SyncSession(a, "b"), SyncSession(b, "a")
    a_to_c, c_to_a = SyncSession(a, "c"), SyncSession(c, "a")
    settle(a_to_b, b_to_a)
    settle(a_to_c, c_to_a)
    assert not (a_to_b.dirty or a_to_c.dirty)
    write(a, 0, 1)  # any writer's change is news for every peer
    assert a_to_b.dirty and a_to_c.dirty and not b_to_a.dirty
    settle(a_to_b, b_to_a)
    assert b.raw(0) == a.raw(0) and b.graph.keys == a.graph.keys
    # b's receive changed b: its other sessions (none here) would be dirty; a's session
    # with c still owes c the entry.
    assert a_to_c.dirty
    settle(a_to_c, c_to_a)
    assert c.raw(0) == a.raw(0) and not a_to_c.dirty


def test_receive_makes_a_session_dirty_even_when_nothing_changed() -> None:
    a, b = Chronicle.create(CONFIG), Chronicle.create(CONFIG)
    a_to_b, b_to_a = SyncSession(a, "b"), SyncSession(b, "a")
    settle(a_to_b, b_to_a)
    version = b.version
    hello = SyncSession(a, "b-again").generate()  # a fresh session re-introduces a
    assert hello is not None
    assert b_to_a.receive(hello) == [] and b.version == version
    assert b_to_a.dirty  # an answer may be due: only generate() can tell
    for _ in range(5):
        if b_to_a.generate() is None:
            break
    assert not b_to_a.dirty


def test_reset_starts_the_protocol_afresh() -> None:
    a, b = peer(CONFIG, 0), Chronicle.create(CONFIG)
    write(a, 0, 3)
    a_to_b, b_to_a = SyncSession(a, "b"), SyncSession(b, "a")
    settle(a_to_b, b_to_a)
    assert a_to_b.generate() is None
    a_to_b.reset()  # a new connection to the same peer
    assert a_to_b.dirty and a_to_b.generate() is not None


def test_sessions_are_per_peer_and_the_chronicle_holds_no_sync_state() -> None:
    a, b = peer(CONFIG, 0), Chronicle.create(CONFIG)
    write(a, 0, 1)
    b_side = SyncSession(a, "b")
    other = SyncSession(a, "c")
    settle(b_side, SyncSession(b, "a"))
    assert b.raw(0) == a.raw(0)
    assert other.dirty and other.generate() is not None  # c has heard nothing yet
    assert not hasattr(a, "generate_sync_message")
    assert (b_side.peer, other.peer, b_side.chronicle) == ("b", "c", a)
    assert repr(b_side) == "SyncSession(peer='b', room='sync')"


def test_the_frame_is_the_sync_version_2_format() -> None:
    a = peer(CONFIG, 0)
    write(a, 0, 1)
    frame = SyncSession(a, "b").generate()
    assert frame is not None
    version, genesis, parts = msgpack.unpackb(frame, raw=False)
    assert (version, SYNC_VERSION) == (2, 2)
    assert genesis == CONFIG.genesis and len(genesis) == 32
    assert [e for e, _ in parts] == [0] and isinstance(parts[0][1], bytes)


def test_dropped_epochs_are_not_synced_and_their_states_are_forgotten() -> None:
    a, b = peer(CONFIG, 0), Chronicle.create(CONFIG)
    write(a, 0, 5)  # lamports 1..5: epochs 0 and 1
    a_to_b, b_to_a = SyncSession(a, "b"), SyncSession(b, "a")
    settle(a_to_b, b_to_a)
    assert b.epochs == [0, 1]
    a.drop_before(1)
    assert a.epochs == [1] and len(a.graph) == 5  # the accepted log keeps them
    write(a, 0, 1, start=5)
    settle(a_to_b, b_to_a)
    assert b.raw(1) == a.raw(1) and a.epochs == [1] and b.graph.keys == a.graph.keys
    frame = a_to_b.generate() or SyncSession(a, "z").generate()
    assert frame is not None
    assert [e for e, _ in msgpack.unpackb(frame, raw=False)[2]] == [1]


def test_epochs_that_arrive_out_of_order_still_fold_everything() -> None:
    """Regression: epoch 1's entries arriving before epoch 0's leave their chain's later
    entries waiting on pending ones; once epoch 0 arrives, all of them are ready.
    """
    a, r = peer(CONFIG, 0), Chronicle.create(CONFIG)
    entries = write(a, 0, 6)  # epochs 0 (lamports 1..3) and 1 (lamports 4..6)

    def sync_epoch(e: int) -> None:
        sa, sr = SyncState(), SyncState()
        for _ in range(10):
            m = a.sync_message(e, sa)
            if m is not None:
                r.receive_sync_part(e, sr, m)
            back = r.sync_message(e, sr)
            if back is not None:
                a.receive_sync_part(e, sa, back)
            if m is None and back is None:
                return
        raise AssertionError("sync did not settle")

    sync_epoch(1)
    assert r.graph.order == [] and len(r.graph.pending()) == 3
    sync_epoch(0)
    assert r.graph.pending() == [] and r.graph.order == entries


# ---- another room -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"options": {"rounds": 3}},
        {"epoch_size": 8},
        {"seats": {"player_1": IDS[1].public_key, "player_0": IDS[0].public_key}},
    ],
)
def test_a_frame_for_another_config_with_the_same_room_id_is_refused(
    change: dict[str, Any],
) -> None:
    other = dataclasses.replace(CONFIG, **change)
    assert other.genesis != CONFIG.genesis
    a, b = peer(CONFIG, 0), peer(other, 1)
    write(a, 0, 1)
    write(b, 1, 1)
    frame = SyncSession(b, "a").generate()
    assert frame is not None
    from_b = SyncSession(a, "b")
    before = (a.epochs, a.heads(0), len(a.graph), a.version)
    with pytest.raises(ChronicleError, match="is for another room or room config") as info:
        from_b.receive(frame)
    assert not isinstance(info.value, HostileChange)
    assert f"room 'sync' has genesis {CONFIG.genesis.hex()[:16]}" in str(info.value)
    assert (a.epochs, a.heads(0), len(a.graph), a.version) == before
    assert from_b.hostile == ""  # a misconfigured peer is not a hostile one
    # The session stays usable for frames of this room.
    c = peer(CONFIG, 1)
    settle(from_b, SyncSession(c, "a"))
    assert c.graph.keys == a.graph.keys


# ---- hostile changes ----------------------------------------------------------------------

CONFIG3 = room(3, room_id="sync3")
#: An edit of the hostile peer's own epoch document: (transaction, epoch doc, the
#: honest entries it holds).
Attack = Callable[[Transaction, EpochDoc, list[Entry]], None]


def _cp_text(who: int) -> str:
    cp = Checkpoint(epoch=0, state_hash=b"s" * 32, log_digest=b"l" * 16, world=b"", fold=b"")
    return cp.sign(IDS[who], CONFIG3.genesis)


ATTACKS: dict[str, tuple[Attack, str]] = {
    "delete element 0": (
        lambda tx, ep, honest: tx.delete(ep.entries, 0),
        "epoch 0: the entry list: .* accepted element\\(s\\) were deleted or overwritten",
    ),
    "delete the last element": (
        lambda tx, ep, honest: tx.delete(ep.entries, tx.length(ep.entries) - 1),
        "accepted element\\(s\\) were deleted or overwritten",
    ),
    "insert a copy of an honest entry": (
        lambda tx, ep, honest: tx.insert(
            ep.entries, tx.length(ep.entries), ScalarType.Str, honest[0].to_text()
        ),
        "epoch 0: an accepted entry was inserted again",
    ),
    "insert a copy of an honest entry at the front": (
        lambda tx, ep, honest: tx.insert(ep.entries, 0, ScalarType.Str, honest[1].to_text()),
        "an accepted entry was inserted again",
    ),
    "overwrite an entry with garbage": (
        lambda tx, ep, honest: tx.put(ep.entries, 0, ScalarType.Str, "garbage"),
        "deleted or overwritten|moved",
    ),
    "insert garbage": (
        lambda tx, ep, honest: tx.insert(ep.entries, 0, ScalarType.Str, "garbage"),
        "refused entry: entry is not valid base64",
    ),
    "insert another peer's new entry": (
        lambda tx, ep, honest: tx.insert(
            ep.entries,
            0,
            ScalarType.Str,
            first_entry(0, CONFIG3).to_text(),
        ),
        f"refused entry: entry of {P0} written by peer {P1}",
    ),
    "insert an entry of another room": (
        lambda tx, ep, honest: tx.insert(
            ep.entries,
            0,
            ScalarType.Str,
            first_entry(1, CONFIG).to_text(),
        ),
        "refused entry: bad signature",
    ),
    "edit the genesis": (
        lambda tx, ep, honest: tx.put(ROOT, "epoch", ScalarType.Int, 9),
        "epoch 0: the genesis 'epoch' was overwritten",
    ),
    "an extra root key": (
        lambda tx, ep, honest: tx.put(ROOT, "owner", ScalarType.Str, "mallory"),
        "root keys were edited",
    ),
    "write another peer's checkpoint": (
        lambda tx, ep, honest: tx.put(ep.checkpoints, P0, ScalarType.Str, _cp_text(0)),
        f"the checkpoint of peer {P0} was written by another peer",
    ),
    "write another peer's hash record": (
        lambda tx, ep, honest: tx.insert(
            tx.put_object(ep.hashes, P0, ObjType.List),
            0,
            ScalarType.Str,
            sign_hash_record(IDS[0], CONFIG3.genesis, 0, 1, b"l" * 16, b"s" * 32),
        ),
        f"the hash record list of peer {P0} was written by another peer",
    ),
}


def _honest_room() -> tuple[list[Chronicle], dict[str, SyncSession], list[Entry]]:
    """a (peer 0), b (peer 1, to turn hostile) and c (peer 2), synced with a."""
    a, b, c = (peer(CONFIG3, i) for i in range(3))
    sessions = {
        "a_b": SyncSession(a, "b"),
        "b_a": SyncSession(b, "a"),
        "a_c": SyncSession(a, "c"),
        "c_a": SyncSession(c, "a"),
    }
    honest = write(a, 0, 2)
    settle(sessions["a_b"], sessions["b_a"])
    write(b, 1, 1)
    settle(sessions["a_b"], sessions["b_a"])
    settle(sessions["a_c"], sessions["c_a"])
    assert len(a.graph) == len(b.graph) == len(c.graph) == 3
    return [a, b, c], sessions, honest


def _snapshot(c: Chronicle) -> tuple[Any, ...]:
    return (
        len(c.graph),
        list(c.graph.keys),
        c.epochs,
        [c.heads(e) for e in c.epochs],
        [c.raw(e) for e in c.epochs],
        c.version,
    )


def _feed(frm: SyncSession, to: SyncSession) -> None:
    """Deliver frames from ``frm`` to ``to`` (and the answers back) until ``to`` raises."""
    for _ in range(10):
        frame = frm.generate()
        assert frame is not None, "the hostile change was never sent"
        to.receive(frame)
        back = to.generate()
        if back is not None:
            frm.receive(back)
    raise AssertionError("the hostile change was accepted")


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_hostile_change_is_refused_changes_nothing_and_marks_the_session(attack: str) -> None:
    (a, b, c), s, honest = _honest_room()
    edit, message = ATTACKS[attack]
    ep = b._epochs[0]
    with ep.doc.transaction() as tx:  # b edits its own document behind its chronicle
        edit(tx, ep, honest)
    before = _snapshot(a)
    with pytest.raises(HostileChange, match=message):
        _feed(s["b_a"], s["a_b"])
    assert _snapshot(a) == before  # graph, documents and heads as they were
    assert re.search(message, s["a_b"].hostile)  # the session says why
    with pytest.raises(HostileChange) as refused:
        s["a_b"].receive(b"garbage")  # refused as hostile before it is even read
    assert s["a_b"].hostile in str(refused.value)
    # Every later frame from that peer is refused unread, even an honest one.
    fresh = SyncSession(b, "a").generate()
    assert fresh is not None
    with pytest.raises(HostileChange, match=r"is hostile .*: frame refused"):
        s["a_b"].receive(fresh)
    assert s["a_b"].generate() is None and not s["a_b"].dirty  # nothing more for it
    assert _snapshot(a) == before
    # An honest third peer's session keeps syncing both ways.
    mine = write(c, 2, 1)
    write(a, 0, 1)
    settle(s["a_c"], s["c_a"])
    assert a.graph.keys == c.graph.keys and mine[0].digest in a.graph
    assert len(a.graph) == 5 and s["a_c"].hostile == ""


def test_a_refused_part_for_a_new_epoch_opens_nothing() -> None:
    (a, b, _), s, _ = _honest_room()
    b.open_epoch(1)
    ep = b._epochs[1]
    with ep.doc.transaction() as tx:
        tx.insert(ep.entries, 0, ScalarType.Str, "garbage")
    before = _snapshot(a)
    with pytest.raises(HostileChange, match="epoch 1: refused entry"):
        _feed(s["b_a"], s["a_b"])
    # An earlier frame may have opened epoch 1 (its genesis is deterministic), but
    # nothing of b's change is in it.
    assert _snapshot(a)[:2] == before[:2] and a.heads(0) == before[3][0]
    if a.has_epoch(1):
        assert a.raw(1) == [] and a.heads(1) == _genesis_heads(1)
    # The message that carries the change, to a chronicle that never opened the epoch,
    # leaves it unopened.
    probe = Chronicle.create(CONFIG3)
    probe.open_epoch(1)
    st_b, st_p = SyncState(), SyncState()
    for _ in range(5):
        m = b.sync_message(1, st_b)
        assert m is not None, "b never sent its change"
        try:
            probe.receive_sync_part(1, st_p, m)
        except HostileChange:
            break
        back = probe.sync_message(1, st_p)
        if back is not None:
            b.receive_sync_part(1, st_b, back)
    else:
        raise AssertionError("the change was accepted")
    fresh = Chronicle.create(CONFIG3)
    with pytest.raises(HostileChange, match="epoch 1: refused entry"):
        fresh.receive_sync_part(1, SyncState(), m)
    assert fresh.epochs == [0] and not fresh.has_epoch(1)


def _genesis_heads(epoch: int) -> list[bytes]:
    c = Chronicle.create(CONFIG3)
    c.open_epoch(epoch)
    return c.heads(epoch)


def test_parts_for_other_documents_that_passed_inspection_stay_applied() -> None:
    (a, b, _), s, _ = _honest_room()
    write(b, 1, 2, start=1)  # b's lamports 4 and 5: epoch 1
    settle(s["a_b"], s["b_a"])
    assert a.epochs == [0, 1]
    record = sign_hash_record(IDS[1], CONFIG3.genesis, 0, 3, b"l" * 16, b"s" * 32)
    b.record_hash(0, P1, record)  # honest, in epoch 0
    ep = b._epochs[1]
    with ep.doc.transaction() as tx:  # hostile, in epoch 1
        tx.delete(ep.entries, 0)
    heads1 = a.heads(1)
    # One frame carries both parts: epoch 0's passes inspection, epoch 1's does not.
    with pytest.raises(HostileChange, match="epoch 1"):
        _feed(s["b_a"], s["a_b"])
    assert a.hash_records(0)[P1] == [(0, 3, b"l" * 16, b"s" * 32)]
    assert a.heads(1) == heads1


def test_the_refusal_counts_the_entries_actually_deleted() -> None:
    (_, b, _), s, _ = _honest_room()
    ep = b._epochs[0]
    with ep.doc.transaction() as tx:
        tx.delete(ep.entries, 0)
    with pytest.raises(HostileChange, match="1 accepted element"):
        _feed(s["b_a"], s["a_b"])
