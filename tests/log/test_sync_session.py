"""SyncSession: one sync session per remote peer, owning that peer's Automerge sync states.

- ``dirty`` is True when created, reset, after every receive and after any change to the
  chronicle; only a generate() with nothing to send clears it, and a clean session always
  generates None;
- sessions with different peers are independent, and the chronicle holds no sync state;
- dropped epochs are forgotten; the wire format is the same msgpack frame as ever.
"""

from __future__ import annotations

import msgpack

from hypertoken.log.chronicle import Chronicle, RoomConfig
from hypertoken.log.entries import entry_context, sign_entry
from hypertoken.log.sync import SYNC_VERSION, SyncSession
from tests.kits.engine import IDS

CONFIG = RoomConfig(
    room="sync",
    game="tictactoe",
    game_version=1,
    seats={"player_0": IDS[0].public_key, "player_1": IDS[1].public_key},
    core="5e" * 32,
)


def _entry(n: int, epoch: int = 0) -> str:
    return sign_entry(
        IDS[0], entry_context("sync", epoch), "player_0", "place", (n % 9,), n, n
    ).to_text()


def _settle(a: SyncSession, b: SyncSession) -> int:
    """Lockstep exchange until both are quiet; the messages sent."""
    sent = 0
    for _ in range(20):
        m1 = a.generate()
        if m1 is not None:
            b.receive(m1)
            sent += 1
        m2 = b.generate()
        if m2 is not None:
            a.receive(m2)
            sent += 1
        if m1 is None and m2 is None:
            return sent
    raise AssertionError("sync did not settle")


def test_a_clean_session_has_nothing_to_send() -> None:
    a, b = Chronicle.create(CONFIG), Chronicle.create(CONFIG)
    a_to_b, b_to_a = SyncSession(a, "b"), SyncSession(b, "a")
    assert a_to_b.dirty and b_to_a.dirty  # a new session must introduce itself
    _settle(a_to_b, b_to_a)
    assert not a_to_b.dirty and not b_to_a.dirty
    for _ in range(3):  # the invariant: not dirty means generate() gives None
        assert a_to_b.generate() is None and not a_to_b.dirty


def test_a_change_to_the_chronicle_makes_every_session_dirty() -> None:
    a, b, c = (Chronicle.create(CONFIG) for _ in range(3))
    a_to_b, b_to_a = SyncSession(a, "b"), SyncSession(b, "a")
    a_to_c, c_to_a = SyncSession(a, "c"), SyncSession(c, "a")
    _settle(a_to_b, b_to_a)
    _settle(a_to_c, c_to_a)
    assert not (a_to_b.dirty or a_to_c.dirty)
    a.append(_entry(1))  # any writer's change is news for every peer
    assert a_to_b.dirty and a_to_c.dirty and not b_to_a.dirty
    _settle(a_to_b, b_to_a)
    assert b.raw() == a.raw()
    # b's receive changed b: its other sessions (none here) would be dirty; a's session
    # with c still owes c the entry.
    assert a_to_c.dirty
    _settle(a_to_c, c_to_a)
    assert c.raw() == a.raw() and not a_to_c.dirty


def test_receive_makes_a_session_dirty_even_when_nothing_changed() -> None:
    a, b = Chronicle.create(CONFIG), Chronicle.create(CONFIG)
    a_to_b, b_to_a = SyncSession(a, "b"), SyncSession(b, "a")
    _settle(a_to_b, b_to_a)
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
    a, b = Chronicle.create(CONFIG), Chronicle.create(CONFIG)
    a.append_many([_entry(i) for i in range(3)])
    a_to_b, b_to_a = SyncSession(a, "b"), SyncSession(b, "a")
    _settle(a_to_b, b_to_a)
    assert a_to_b.generate() is None
    a_to_b.reset()  # a new connection to the same peer
    assert a_to_b.dirty and a_to_b.generate() is not None


def test_sessions_are_per_peer_and_the_chronicle_holds_no_sync_state() -> None:
    a, b = Chronicle.create(CONFIG), Chronicle.create(CONFIG)
    a.append(_entry(1))
    b_side = SyncSession(a, "b")
    other = SyncSession(a, "c")
    _settle(b_side, SyncSession(b, "a"))
    assert b.raw() == a.raw()
    assert other.dirty and other.generate() is not None  # c has heard nothing yet
    assert not hasattr(a, "generate_sync_message")
    assert (b_side.peer, other.peer, b_side.chronicle) == ("b", "c", a)


def test_the_frame_is_the_sync_version_1_format() -> None:
    a = Chronicle.create(CONFIG)
    a.append(_entry(1))
    frame = SyncSession(a, "b").generate()
    assert frame is not None
    version, room, parts = msgpack.unpackb(frame, raw=False)
    assert (version, room, SYNC_VERSION) == (1, "sync", 1)
    assert [e for e, _ in parts] == [0] and isinstance(parts[0][1], bytes)


def test_dropped_epochs_are_not_synced_and_their_states_are_forgotten() -> None:
    a, b = Chronicle.create(CONFIG), Chronicle.create(CONFIG)
    a.open_epoch(1)
    a.append(_entry(2, 1), 1)
    a_to_b, b_to_a = SyncSession(a, "b"), SyncSession(b, "a")
    _settle(a_to_b, b_to_a)
    assert b.epochs == [0, 1]
    a.drop_before(1)
    a.append(_entry(3, 1), 1)
    _settle(a_to_b, b_to_a)
    assert b.raw(1) == a.raw(1) and a.epochs == [1]
    frame = a_to_b.generate() or SyncSession(a, "z").generate()
    assert frame is not None
    assert [e for e, _ in msgpack.unpackb(frame, raw=False)[2]] == [1]
