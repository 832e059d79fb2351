"""Hostile entries are rejected identically by every peer, with the reason recorded, and
change nothing: forged signatures, seats the signer does not hold, replays, strangers,
malformed text, entries from another room, and seed reveals that break their commitment.
"""

from __future__ import annotations

import base64

import pytest

from hypertoken.engine import RoomEngine
from hypertoken.log.entries import decode_entry, entry_context, sign_entry
from hypertoken.log.identity import Identity
from tests.kits.engine import IDS, assert_converged, make_room, sync_all

MALLORY = Identity.from_seed(b"m" * 32)


def _inject(engines: list[RoomEngine], text: str, via: int = 1) -> str:
    """Append raw entry text to one peer's chronicle, sync everyone, and return the reason
    every peer recorded for it (they must agree).
    """
    target = engines[via]
    assert target.chronicle is not None
    hash_before = target.state_hash()
    target.chronicle.append(text)
    target.refresh()
    assert target.state_hash() == hash_before  # a rejected entry changes nothing
    sync_all(engines)
    assert_converged(engines)
    last = engines[0].outcomes()[-1]
    assert last.index == len(target.chronicle.raw()) - 1  # it is the injected entry
    assert not last.accepted
    return last.reason


def _last_text(engine: RoomEngine) -> str:
    assert engine.chronicle is not None
    return engine.chronicle.raw()[-1]


@pytest.fixture
def room() -> list[RoomEngine]:
    engines = make_room("tictactoe", 3, players=2, holders=[0, 1])  # peer 2 only watches
    engines[0].submit(4, "player_0", time_ms=1)
    sync_all(engines)
    return engines


def test_tampered_body_fails_its_signature(room: list[RoomEngine]) -> None:
    raw = base64.b64decode(_last_text(room[0]))
    tampered = raw.replace(b"\xa4args\x91\x04", b"\xa4args\x91\x05")  # place 4 -> place 5
    assert tampered != raw
    reason = _inject(room, base64.b64encode(tampered).decode(), via=1)
    assert reason.startswith("bad signature")


def test_signature_by_another_key_claiming_an_actor_is_rejected(room: list[RoomEngine]) -> None:
    genuine = decode_entry(_last_text(room[0]))
    forged = sign_entry(
        MALLORY, entry_context("test-room", 0), "player_1", "place", (0,), 2, genuine.lamport + 5
    )
    # Re-label the forged entry as player_0's actor: the body changes, the signature can't.
    from hypertoken.log.entries import Entry, encode_body

    body, args = encode_body(IDS[0].peer_id, "player_1", "place", (0,), 2, 99)
    fake = Entry(IDS[0].peer_id, "player_1", "place", args, 2, 99, forged.sig, body)
    reason = _inject(room, fake.to_text())
    assert reason.startswith("bad signature")


def test_move_for_a_seat_the_signer_does_not_hold(room: list[RoomEngine]) -> None:
    # player_0's holder signs a move for player_1 (whose turn it is).
    entry = sign_entry(IDS[0], entry_context("test-room", 0), "player_1", "place", (0,), 2, 50)
    reason = _inject(room, entry.to_text(), via=2)
    assert reason == f"seat 'player_1' is not held by actor '{IDS[0].peer_id}'"


def test_stranger_holding_no_seat_is_rejected(room: list[RoomEngine]) -> None:
    entry = sign_entry(MALLORY, entry_context("test-room", 0), "player_1", "place", (0,), 2, 1)
    reason = _inject(room, entry.to_text())
    assert reason == f"actor {MALLORY.peer_id!r} holds no seat in this room"


def test_replayed_entry_is_rejected(room: list[RoomEngine]) -> None:
    room[1].submit(0, "player_1", time_ms=2)
    sync_all(room)
    reason = _inject(room, _last_text(room[1]), via=2)  # the same signed entry again
    assert reason.startswith("replayed or out-of-order entry")
    assert room[0].current_player() == "player_0"  # the replay did not move anything


def test_entry_signed_for_another_room_is_rejected(room: list[RoomEngine]) -> None:
    entry = sign_entry(IDS[1], entry_context("other-room", 0), "player_1", "place", (0,), 2, 60)
    assert _inject(room, entry.to_text()).startswith("bad signature")


@pytest.mark.parametrize(
    "text",
    [
        "not base64!",
        base64.b64encode(b"\x07junk").decode(),
        base64.b64encode(b"\x00\x93\x01\x02\x03").decode(),
        "",
    ],
)
def test_malformed_entries_are_rejected_with_a_reason(room: list[RoomEngine], text: str) -> None:
    assert _inject(room, text).startswith("malformed entry")


def test_unsigned_entry_in_an_open_room_is_rejected(room: list[RoomEngine]) -> None:
    from hypertoken.log.entries import local_entry

    entry = local_entry(IDS[1].peer_id, "player_1", "place", (0,), 2, 70)
    assert _inject(room, entry.to_text()).startswith("unsigned entry")


def test_mismatched_seed_reveal_is_rejected_by_every_peer() -> None:
    engines = make_room("grab", 2, start=False, engine={"auto_reveal": False})
    a, b = engines
    a.start()
    b.start()
    sync_all(engines)
    a.submit_move(
        "seed.reveal", (b"not my contribution",), seat="player_0", time_ms=5, validate=False
    )
    b.submit_move("seed.reveal", (b.contribution("player_1"),), seat="player_1", time_ms=6)
    sync_all(engines)
    assert_converged(engines)
    reveals = {o.seat: o for o in a.outcomes() if o.move == "seed.reveal"}
    assert reveals["player_1"].accepted and not reveals["player_0"].accepted
    assert reveals["player_0"].reason == "seed reveal does not match seat 'player_0''s commitment"
    assert not a.started and not b.started
    # A game move before the seed is fixed is refused too.
    with pytest.raises(Exception, match="has not started"):
        b.submit(3, "player_1", time_ms=7)
    # The honest reveal then starts the game everywhere, with the same shuffle.
    a.submit_move("seed.reveal", (a.contribution("player_0"),), seat="player_0", time_ms=8)
    sync_all(engines)
    assert a.started and b.started
    assert_converged(engines)
    assert a.world.stack("deck").tolist() == b.world.stack("deck").tolist()


def test_reveal_before_every_commitment_is_rejected() -> None:
    a, b = make_room("grab", 2, start=False, engine={"auto_reveal": False})
    a.start()
    a.submit_move(
        "seed.reveal",
        (a.contribution("player_0"),),
        seat="player_0",
        time_ms=3,
        validate=False,
    )
    assert a.outcomes()[-1].reason.startswith("seed reveal before every seat committed")
    b.start()
    sync_all([a, b])
    assert_converged([a, b])


def test_seed_depends_on_every_contribution() -> None:
    decks = []
    for room_id in ("room-a", "room-b"):
        engines = make_room("grab", 2, room=room_id)
        decks.append(engines[0].world.stack("deck").tolist())
        assert engines[0].world.stack("deck").tolist() == engines[1].world.stack("deck").tolist()
    assert decks[0] != decks[1]  # different contributions, different shuffle
