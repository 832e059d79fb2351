"""Hostile entries never reach the fold: a peer that writes one into its own document and
syncs is refused by every honest peer, whose state stays as it was, and the chronicle says
why (forged signatures, seats the signer does not hold, strangers, replays, malformed text,
entries of another room). Seed reveals that break their commitment are rejected by the
fold, alike on every peer.
"""

from __future__ import annotations

import base64

import pytest
from automerge.core import ScalarType

from hypertoken.engine import RoomEngine
from hypertoken.log.chronicle import HostileChange
from hypertoken.log.entries import Entry, EntryError, decode_entry, encode_body, make_entry
from hypertoken.log.identity import Identity
from tests.kits.engine import IDS, assert_converged, make_room, name_of, sync_all

MALLORY = Identity.from_seed(b"m" * 32)


def _smuggle(engines: list[RoomEngine], text: str, via: int = 1) -> str:
    """Write raw entry text into one peer's own document (bypassing its engine), sync it
    to peer 0, and return why peer 0 refused it. Nothing of peer 0's changes.
    """
    target, honest = engines[via], engines[0]
    ep = target.chronicle._epochs[target.chronicle.last_epoch]
    with ep.doc.transaction() as tx:
        tx.insert(ep.entries, tx.length(ep.entries), ScalarType.Str, text)
    before = (honest.state_hash(), list(honest.chronicle.graph.keys), honest.outcomes())
    frame = target.generate_sync_message(name_of(honest))
    assert frame is not None
    with pytest.raises(HostileChange) as refused:
        honest.receive_sync_message(name_of(target), frame)
    assert (honest.state_hash(), honest.chronicle.graph.keys, honest.outcomes()) == before
    assert honest.session(name_of(target)).hostile
    return str(refused.value)


def _check(engine: RoomEngine, text: str, writer: str = "") -> str:
    """Why the chronicle refuses this entry text on its own."""
    with pytest.raises(EntryError) as refused:
        engine.chronicle.check_text(text, writer, 0)
    return str(refused.value)


def _last(engine: RoomEngine) -> Entry:
    return engine.chronicle.graph.order[-1]


def _signed(identity: Identity, engine: RoomEngine, seat: str, **kw: object) -> Entry:
    seq, prev, parents, lamport = engine.chronicle.graph.links_for(identity.peer_id)
    fields: dict[str, object] = {"seq": seq, "prev": prev, "parents": parents, "lamport": lamport}
    fields.update(kw)
    return make_entry(
        identity,
        engine.config.genesis,
        seat,
        "place",
        (0,),
        2,
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
def room() -> list[RoomEngine]:
    engines = make_room("tictactoe", 3, players=2, holders=[0, 1])  # peer 2 only watches
    engines[0].submit(4, "player_0", time_ms=1)
    sync_all(engines)
    return engines


def test_tampered_body_fails_its_signature(room: list[RoomEngine]) -> None:
    raw = base64.b64decode(_last(room[0]).to_text())
    tampered = raw.replace(b"\xa4args\x91\x04", b"\xa4args\x91\x05")  # place 4 -> place 5
    assert tampered != raw
    text = base64.b64encode(tampered).decode()
    assert _check(room[0], text).startswith("bad signature")
    assert "bad signature" in _smuggle([room[1], room[0]], text)  # its author's peer sends it


def test_signature_by_another_key_claiming_an_actor_is_rejected(room: list[RoomEngine]) -> None:
    forged = _signed(MALLORY, room[0], "player_1")
    # Re-label the forged entry as player_1's actor: the body changes, the signature can't.
    real = _signed(IDS[1], room[0], "player_1")
    body, args = encode_body(
        IDS[1].peer_id,
        "player_1",
        "place",
        (0,),
        2,
        seq=real.seq,
        prev=real.prev,
        parents=real.parents,
        lamport=real.lamport,
    )
    fake = Entry(
        IDS[1].peer_id,
        "player_1",
        "place",
        args,
        2,
        real.seq,
        real.prev,
        real.parents,
        real.lamport,
        forged.sig,
        body,
        b"",
    )
    assert _check(room[0], fake.to_text()).startswith("bad signature")
    assert "bad signature" in _smuggle(room, fake.to_text())


def test_move_for_a_seat_the_signer_does_not_hold(room: list[RoomEngine]) -> None:
    # player_1's holder signs a move for player_0.
    entry = _signed(IDS[1], room[0], "player_0")
    want = f"seat 'player_0' is not held by actor '{IDS[1].peer_id}'"
    assert _check(room[0], entry.to_text()) == want
    assert want in _smuggle(room, entry.to_text())


def test_an_entry_written_by_another_peer_than_its_author(room: list[RoomEngine]) -> None:
    # A genuine, signed entry of player_1's holder, inserted by peer 0's actor: only its
    # author may write it into a document.
    entry = _signed(IDS[1], room[0], "player_1")
    assert "written by peer" in _check(room[0], entry.to_text(), writer=IDS[0].peer_id)
    engines = [room[1], room[0]]  # peer 0 smuggles it to peer 1
    assert "written by peer" in _smuggle(engines, entry.to_text())


def test_stranger_holding_no_seat_is_rejected(room: list[RoomEngine]) -> None:
    entry = _signed(MALLORY, room[0], "player_1")
    want = f"actor {MALLORY.peer_id!r} holds no seat in this room"
    assert _check(room[0], entry.to_text()) == want
    assert want in _smuggle(room, entry.to_text())


def test_replayed_entry_is_refused(room: list[RoomEngine]) -> None:
    room[1].submit(0, "player_1", time_ms=2)
    sync_all(room)
    again = _last(room[1]).to_text()  # the same signed entry, inserted a second time
    assert "inserted again" in _smuggle(room, again, via=1)
    assert room[0].current_player() == "player_0"  # the replay moved nothing
    assert_converged([room[0], room[2]])


def test_entry_signed_for_another_room_is_rejected(room: list[RoomEngine]) -> None:
    other = make_room("tictactoe", 3, players=2, holders=[0, 1], room="other-room")
    entry = _signed(IDS[1], other[0], "player_1")
    assert _check(room[0], entry.to_text()).startswith("bad signature")


@pytest.mark.parametrize(
    "text",
    [
        "not base64!",
        base64.b64encode(b"\x07junk").decode(),
        base64.b64encode(b"\x00\x93\x01\x02\x03").decode(),
        "",
    ],
)
def test_malformed_entries_are_refused_with_a_reason(room: list[RoomEngine], text: str) -> None:
    with pytest.raises(EntryError):
        decode_entry(text)
    assert "refused entry" in _smuggle(room, text)


def test_unsigned_entry_in_an_open_room_is_rejected(room: list[RoomEngine]) -> None:
    seq, prev, parents, lamport = room[0].chronicle.graph.links_for(IDS[1].peer_id)
    entry = make_entry(
        None,
        b"",
        "player_1",
        "place",
        (0,),
        2,
        seq=seq,
        prev=prev,
        parents=parents,
        lamport=lamport,
        actor=IDS[1].peer_id,
    )
    assert _check(room[0], entry.to_text()).startswith("unsigned entry")
    assert "unsigned entry" in _smuggle(room, entry.to_text())


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
