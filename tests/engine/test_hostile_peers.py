"""Hostile peers: a peer edits its own Automerge documents directly, bypassing its engine,
and syncs normally. Honest peers refuse every change no honest peer writes (a
``HostileChange``, and no other exception), keep identical state hashes and verdicts, and
lose nothing they had accepted; the order comes from signed fields, never from where a
document holds an entry.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import random
from typing import Any

import pytest
from automerge.core import ROOT, ObjType, ScalarType

from hypertoken.engine import EngineError, RoomEngine
from hypertoken.engine.state import FoldState, commitment_of
from hypertoken.game import IllegalMoveError
from hypertoken.log.checkpoint import Checkpoint, parse_checkpoint, sign_hash_record
from hypertoken.log.chronicle import Chronicle
from hypertoken.log.dag import READY
from hypertoken.log.entries import EntryError
from hypertoken.log.errors import ChronicleError
from hypertoken.log.sync import MAX_EPOCHS_AHEAD
from tests.kits.engine import IDS, make_room, name_of, play_turns, sync_all, sync_pair, verdicts
from tests.kits.hostile import (
    accepted,
    assert_honest,
    assert_marked_hostile,
    delete_entries,
    doc_texts,
    forge_text,
    insert_entry,
    overwrite_entry,
    refusals_by,
    signed_entry,
    sync_all_tolerant,
    sync_tolerant,
    tamper,
)

# ---- rooms -------------------------------------------------------------------------------


def _grab(peers: int = 3, **kw: Any) -> list[RoomEngine]:
    """A grab room of seated peers, each of which grabbed one card (all synced)."""
    engines = make_room("grab", peers, **kw)
    for t, e in enumerate(engines):
        e.submit(t, e.my_seats[0], time_ms=100 + t)
        sync_all(engines)
    return engines


def _grab_once(e: RoomEngine, rng: random.Random, t: int) -> bool:
    """One legal grab by ``e`` if it has one; whether it moved."""
    seat = e.my_seats[0]
    legal = [i for i, ok in enumerate(e.legal_mask(seat)) if ok]
    if not legal:
        return False
    e.submit(rng.choice(legal), seat, time_ms=1_000 + t)
    return True


def _refused_as_hostile(honest: list[RoomEngine], hostile: RoomEngine) -> list[str]:
    """Sync everyone, tolerating refusals; every honest refusal is a HostileChange of the
    hostile peer's frames. Returns the honest peers' reasons.
    """
    refusals = refusals_by(sync_all_tolerant([*honest, hostile]), honest)
    assert refusals, "no honest peer refused the hostile change"
    for r in refusals:
        assert r.hostile and r.sender == name_of(hostile), r
    assert_marked_hostile(honest, hostile)
    return [str(r.error) for r in refusals]


def _honest_play_goes_on(honest: list[RoomEngine], rng: random.Random | None = None) -> None:
    rng = rng or random.Random(7)
    for t, e in enumerate(honest):
        _grab_once(e, rng, 50 + t)
    sync_all(honest)


# ---- 1. deleting, overwriting, re-inserting ----------------------------------------------


def test_deleting_an_entry_is_refused_and_loses_nothing() -> None:
    *honest, h = _grab()
    before = accepted(honest)
    delete_entries(h, [3])
    reasons = _refused_as_hostile(honest, h)
    assert all("deleted" in r for r in reasons)
    _honest_play_goes_on(honest)
    assert_honest(honest, before)


@pytest.mark.parametrize("replacement", ["a copy", "an own new entry", "garbage"])
def test_overwriting_an_entry_is_refused(replacement: str) -> None:
    *honest, h = _grab()
    before = accepted(honest)
    texts = doc_texts(h)
    text = {
        "a copy": texts[-1],  # a valid, signed entry text, in another's place
        "an own new entry": signed_entry(h, "player_2", "grab", (8,), time_ms=400).to_text(),
        "garbage": "AAAA",
    }[replacement]
    overwrite_entry(h, 1, text)
    reasons = _refused_as_hostile(honest, h)
    if replacement == "an own new entry":  # valid on its own: the overwrite is the offence
        assert all("deleted" in r or "overwritten" in r for r in reasons)
    _honest_play_goes_on(honest)
    assert_honest(honest, before)


def test_inserting_a_copy_of_an_honest_entry_earlier_is_refused() -> None:
    *honest, h = _grab()
    before = accepted(honest)
    order = honest[0].chronicle.graph.order
    theirs = next(x for x in reversed(order) if x.actor == name_of(honest[0]))
    insert_entry(h, 0, theirs.to_text())  # honest peer 0's newest entry, at the front
    reasons = _refused_as_hostile(honest, h)
    assert any("inserted again" in r for r in reasons)
    _honest_play_goes_on(honest)
    assert_honest(honest, before)


def test_a_copy_of_a_newest_entry_at_the_head_is_refused_even_where_it_is_new() -> None:
    a, b, h = _grab()
    # a grabs again; h has it, b does not yet.
    newest = a.submit(5, "player_0", time_ms=300)
    sync_pair(a, h)
    assert newest.digest not in b.chronicle.graph
    before = accepted([a, b])
    text = a.chronicle.graph.entries[newest.digest].to_text()
    insert_entry(h, 0, text)  # a's newest entry again, at the list's head
    refusals = refusals_by(sync_all_tolerant([a, b, h]), [a, b])
    assert {r.receiver for r in refusals} == {name_of(a), name_of(b)}
    assert all(r.hostile for r in refusals)
    # b got a's entry from a itself, whose honest frame it accepted.
    sync_all([a, b])
    assert b.chronicle.graph.status[newest.digest] == READY
    assert_honest([a, b], before)


def test_an_own_entry_inserted_at_the_front_folds_in_its_signed_place() -> None:
    """Positions mean nothing: the hostile peer's own valid entry, written at the front of
    its list instead of the end, is accepted and folds where its signed lamport puts it.
    """
    *honest, h = _grab()
    before = accepted(honest)
    entry = signed_entry(h, "player_2", "grab", (7,), time_ms=400)
    insert_entry(h, 0, entry.to_text())
    assert sync_all_tolerant([*honest, h]) == []
    for e in honest:
        assert e.chronicle.graph.order[-1].digest == entry.digest
        assert e.outcomes()[-1].accepted and e.outcomes()[-1].digest == entry.digest
    assert_honest(honest, before)


# ---- 2. a shrinking epoch list -------------------------------------------------------------


@pytest.mark.parametrize("cut", ["tail", "middle", "all"])
def test_a_shrinking_entry_list_raises_no_index_error_anywhere(cut: str) -> None:
    engines = make_room("tictactoe", 3, options={"rounds": 10}, players=2, holders=[0, 1])
    honest, h = engines[:2], engines[2]  # h only watches
    play_turns(engines, 12)
    before = accepted(honest)
    n = len(doc_texts(h))
    drop = {"tail": range(n - 4, n), "middle": range(3, 9), "all": range(n)}[cut]
    delete_entries(h, list(drop))
    assert len(doc_texts(h)) == n - len(drop)
    _refused_as_hostile(honest, h)
    # The hostile peer's own engine keeps folding its accepted log.
    h.refresh()
    assert h.state_hash() == honest[0].state_hash()
    # Its file, read from genesis, just lacks the deleted entries: whatever depended on
    # them waits; nothing raises but ChronicleError.
    try:
        loaded = Chronicle.load(h.chronicle.save())
    except ChronicleError:
        pass
    else:
        replay = RoomEngine.replay(loaded, h.game)
        assert len(replay.outcomes()) <= len(h.outcomes())
    play_turns(honest, 6, seed=3)
    assert_honest(honest, before)


@pytest.mark.parametrize("receiver", ["lagging", "fresh"])
def test_a_peer_that_never_held_the_deleted_entries_still_converges(receiver: str) -> None:
    """A peer that had not accepted the deleted entries yet (a seated peer lagging behind,
    or a fresh one) cannot tell a deletion from what it accepted; it must still end up with
    the honest log once it syncs with honest peers, and must not be taken for hostile for
    relaying what it was fed.
    """
    if receiver == "lagging":
        a, b, h = _grab()
        newest = a.submit(5, "player_0", time_ms=300)
        sync_pair(a, h)  # h has a's newest entry, b does not yet
        text = a.chronicle.graph.entries[newest.digest].to_text()
        delete_entries(h, [doc_texts(h).index(text)])
        honest, peer = [a], b
    else:
        engines = make_room("tictactoe", 3, options={"rounds": 10}, players=2, holders=[0, 1])
        a, b, h = engines
        play_turns(engines, 12)
        delete_entries(h, [5, 6, 7])
        honest, peer = [a, b], RoomEngine(a.game, Chronicle.create(a.config), IDS[4])
    refused = sync_tolerant(h, peer)  # the hostile peer reaches it first
    for x in honest:
        refused += sync_tolerant(peer, x)
    assert not refusals_by(refused, honest), "an honest peer took an honest one for hostile"
    assert peer.chronicle.graph.pending() == []
    assert_honest([*honest, peer])


def test_a_queued_hostile_change_is_not_blamed_on_the_honest_peer_completing_it() -> None:
    a, b, h = _grab()
    h.submit(7, "player_2", time_ms=400)  # C1: an honest entry of h ...
    sync_pair(a, h)  # ... that a holds and b does not
    knows_c1 = RoomEngine(h.game, b.chronicle.fork(), IDS[4])
    sync_pair(h, knows_c1)
    delete_entries(h, [0])  # C2: deletes an entry b accepted; it depends on C1
    frame = h.generate_sync_message(name_of(knows_c1))  # C2 without C1
    assert frame is not None
    b.receive_sync_message(name_of(h), frame)  # queued by Automerge: nothing to inspect yet
    before = accepted([a, b])
    sync_pair(a, b)  # a's honest frame brings C1
    assert not a.session(name_of(b)).hostile and not b.session(name_of(a)).hostile
    assert_honest([a, b], before)


# ---- 3. honest late joiners around an epoch boundary ---------------------------------------


def _loads_final(saved: bytes) -> bool:
    """Whether a ``save_epoch`` file starts at epoch 0 or at a final epoch."""
    ch = Chronicle.load(saved)
    return ch.first_epoch == 0 or ch.final_checkpoint(ch.first_epoch) is not None


def test_a_late_joiner_booting_while_the_previous_epoch_is_still_merging_converges() -> None:
    lagging = 0
    for seed in range(12):
        rng = random.Random(seed)
        # Three seated peers grab concurrently; peer 3 only watches and syncs rarely.
        engines = make_room("grab", 4, players=3, holders=[0, 1, 2], epoch_size=6)
        host, watcher = engines[0], engines[3]
        joiner: RoomEngine | None = None
        for t in range(60):
            if rng.random() < 0.4:
                i, j = rng.sample(range(3), 2) if rng.random() < 0.8 else (rng.randrange(3), 3)
                sync_pair(engines[i], engines[j])
            else:
                _grab_once(rng.choice(engines[:3]), rng, t)
            if t % 15 == 0:  # save_epoch never picks a non-final epoch
                assert _loads_final(host.chronicle.save_epoch())
            finals = host.chronicle.final_epochs()
            if joiner is not None or not finals:
                continue
            base = finals[-1]
            before_base = {
                x.digest for x in host.chronicle.graph.order if x.lamport // 6 == base - 1
            }
            if not before_base <= set(watcher.chronicle.graph.entries):
                # The epoch before the base has not merged everywhere: join now.
                saved = host.chronicle.save_epoch()
                assert _loads_final(saved)
                joiner = RoomEngine(host.game, Chronicle.load(saved), None)
                assert joiner.chronicle.first_epoch == base
                lagging += 1
        sync_all(engines)
        if joiner is None:
            continue
        for other in (watcher, *engines[1:3], host):  # the lagging peer first
            sync_pair(joiner, other)
        assert joiner.state_hash() == host.state_hash() == watcher.state_hash()
        assert verdicts(joiner) == [
            v for v in verdicts(host) if v[0] >= joiner.chronicle.first_epoch
        ]
        assert_honest(engines)
    assert lagging >= 3  # the schedules did join while the boundary was still merging


def test_a_joiner_refuses_a_saved_epoch_with_no_final_checkpoint() -> None:
    engines = make_room("tictactoe", 2, options={"rounds": 20}, epoch_size=8)
    a, b = engines
    play_turns(engines, 20)
    for t in range(8):  # one move at a time, until one opens an epoch not closed yet
        if a.chronicle.final_checkpoint(a.chronicle.last_epoch) is None:
            break
        play_turns(engines, 1, seed=t)
    newest = a.chronicle.last_epoch
    finals = a.chronicle.final_epochs()
    assert finals and newest not in finals
    assert Chronicle.load(a.chronicle.save_epoch()).first_epoch == finals[-1]
    with pytest.raises(EngineError, match="no final checkpoint"):
        RoomEngine(a.game, Chronicle.load(a.chronicle.save([newest])), None)
    # A final epoch boots.
    joiner = RoomEngine(a.game, Chronicle.load(a.chronicle.save([finals[-1]])), None)
    sync_pair(joiner, b)
    assert joiner.state_hash() == a.state_hash()


# ---- 4. forged checkpoints ------------------------------------------------------------------


def _checkpoint_room() -> tuple[list[RoomEngine], RoomEngine, int]:
    """tictactoe over epochs of 8: peer 0 holds player_0, the hostile peer 2 holds
    player_1 (its peer id sorts first among the holders), peer 1 watches. Returns the
    honest peers, the hostile one and the newest final epoch.
    """
    engines = make_room(
        "tictactoe", 3, players=2, holders=[0, 2], options={"rounds": 20}, epoch_size=8
    )
    play_turns(engines, 30)
    honest, h = [engines[0], engines[1]], engines[2]
    assert min(h.config.peers) == name_of(h)
    finals = honest[0].chronicle.final_epochs()
    assert finals
    return honest, h, finals[-1]


def _own_checkpoint(h: RoomEngine, epoch: int) -> Checkpoint:
    cfg, me = h.config, name_of(h)
    cp = parse_checkpoint(
        h.chronicle.checkpoints(epoch)[me], cfg.peers[me], cfg.genesis, h.chronicle.verifier
    )
    assert cp is not None
    return cp


def _doctored(h: RoomEngine, cp: Checkpoint) -> Checkpoint:
    """``cp`` over a doctored World, consistently hashed (the World says player_0 scored 9)."""
    world = h.world.fork()
    world.restore(cp.world)
    world.game_set_property("score0", 9)
    fold = FoldState.decode(cp.fold)
    state = hashlib.blake2b(world.state_hash() + fold.digest(), digest_size=32).digest()
    assert state != cp.state_hash
    return dataclasses.replace(cp, world=world.snapshot(), state_hash=state)


def test_a_forged_checkpoint_never_becomes_final_and_nobody_boots_from_it() -> None:
    honest, h, e = _checkpoint_room()
    host = honest[0]
    before = accepted(honest)
    forged = _doctored(h, _own_checkpoint(h, e))
    assert h.identity is not None
    h.chronicle.put_checkpoint(e, name_of(h), forged.sign(h.identity, h.config.genesis))
    # The hostile peer's own key, validly signed: honest peers hold it ...
    assert sync_all_tolerant([*honest, h]) == []
    for x in honest:
        assert x.chronicle.checkpoints(e)[name_of(h)] == h.chronicle.checkpoints(e)[name_of(h)]
        # ... but it disagrees with the others: the epoch is no longer final anywhere.
        assert x.chronicle.final_checkpoint(e) is None
        assert e not in x.chronicle.final_epochs()
    # save_epoch falls back to an older final epoch; a joiner boots there and catches up.
    saved = host.chronicle.save_epoch()
    assert _loads_final(saved)
    joiner = RoomEngine(host.game, Chronicle.load(saved), None)
    assert joiner.chronicle.first_epoch < e
    for x in (*honest, h):
        sync_pair(joiner, x)
    assert joiner.state_hash() == host.state_hash()
    # Nobody boots from the forged epoch itself.
    with pytest.raises(EngineError, match="no final checkpoint"):
        RoomEngine(host.game, Chronicle.load(host.chronicle.save([e])), None)
    play_turns([host, h], 6, seed=4)
    sync_all([*honest, joiner])
    assert_honest([*honest, joiner], before)


@pytest.mark.parametrize("forgery", ["forks", "refs"])
def test_a_checkpoint_agreeing_on_the_hash_cannot_smuggle_other_fields(forgery: str) -> None:
    honest, h, e = _checkpoint_room()
    host, other = honest
    cp = _own_checkpoint(h, e)
    if forgery == "forks":  # says the honest holder equivocated at its first entry
        forged = dataclasses.replace(cp, forks=((name_of(host), 0),))
    else:  # lists none of the entries a joiner checks the next ones against
        forged = dataclasses.replace(cp, refs=())
    assert h.identity is not None
    h.chronicle.put_checkpoint(e, name_of(h), forged.sign(h.identity, h.config.genesis))
    sync_all_tolerant([*honest, h])
    joiner = RoomEngine(host.game, Chronicle.load(host.chronicle.save_epoch()), None)
    for x in (*honest, h):
        sync_pair(joiner, x)
    play_turns([host, h], 6, seed=5)
    sync_all([*honest, joiner])
    assert joiner.state_hash() == host.state_hash() == other.state_hash()


@pytest.mark.parametrize("edit", ["delete", "overwrite"])
def test_deleting_or_overwriting_honest_checkpoints_is_refused(edit: str) -> None:
    honest, h, e = _checkpoint_room()
    before = accepted(honest)
    theirs = name_of(honest[0])
    with tamper(h, e) as (tx, ep):
        if edit == "delete":
            tx.delete(ep.checkpoints, theirs)
        else:  # the hostile peer's own (valid) checkpoint text, under the honest key
            tx.put(ep.checkpoints, theirs, ScalarType.Str, h.chronicle.checkpoints(e)[name_of(h)])
    reasons = _refused_as_hostile(honest, h)
    assert any(("deleted" if edit == "delete" else "written by another peer") in r for r in reasons)
    for x in honest:
        assert x.chronicle.final_checkpoint(e) is not None
    assert_honest(honest, before)


def test_a_checkpoint_by_a_peer_holding_no_seat_is_refused() -> None:
    engines = make_room(
        "tictactoe", 3, players=2, holders=[0, 1], options={"rounds": 20}, epoch_size=8
    )
    play_turns(engines, 20)
    *honest, watcher = engines
    before = accepted(honest)
    e = honest[0].chronicle.final_epochs()[-1]
    with tamper(watcher, e) as (tx, ep):
        tx.put(ep.checkpoints, name_of(watcher), ScalarType.Str, "x")
    reasons = _refused_as_hostile(honest, watcher)
    assert any("not a seat holder" in r for r in reasons)
    assert_honest(honest, before)


# ---- 5. a bricked room -----------------------------------------------------------------------


def _body(h: RoomEngine, **fields: object) -> dict[str, object]:
    seq, prev, parents, lamport = h.chronicle.graph.links_for(name_of(h))
    body: dict[str, object] = {
        "actor": name_of(h),
        "seat": h.my_seats[0],
        "move": "grab",
        "args": [9],
        "time_ms": 700,
        "seq": seq,
        "prev": prev,
        "parents": list(parents),
        "lamport": lamport,
    }
    body.update(fields)
    return body


@pytest.mark.parametrize("lamport", [2**63 - 1, 2**48])
def test_an_entry_past_the_lamport_bound_cannot_be_built_or_accepted(lamport: int) -> None:
    *honest, h = _grab(epoch_size=0)  # one epoch: the lamport alone is on trial
    before = accepted(honest)
    with pytest.raises(EntryError):
        signed_entry(h, "player_2", "grab", (9,), lamport=lamport)
    assert h.identity is not None
    insert_entry(h, 0, forge_text(h.identity, h.config.genesis, _body(h, lamport=lamport)))
    reasons = _refused_as_hostile(honest, h)
    assert any("lamport" in r for r in reasons)
    _honest_play_goes_on(honest)
    assert all(x.lamport < 100 for x in honest[0].chronicle.graph.order)
    assert_honest(honest, before)


@pytest.mark.parametrize("lamport", [2**48 - 1, "one too many"])
def test_an_inflated_lamport_is_invalid_alike_everywhere_and_play_goes_on(
    lamport: int | str,
) -> None:
    *honest, h = _grab(epoch_size=0)
    before = accepted(honest)
    right = h.chronicle.graph.links_for(name_of(h))[3]
    bad = signed_entry(
        h, "player_2", "grab", (9,), lamport=right + 1 if isinstance(lamport, str) else lamport
    )
    insert_entry(h, len(doc_texts(h)), bad.to_text())
    # Signed, decodable and from a seat holder: the frame is taken, the entry judged.
    assert refusals_by(sync_all_tolerant([*honest, h]), honest) == []
    for x in honest:
        assert [(en.digest, why) for en, why in x.chronicle.graph.invalid()] == [
            (
                bad.digest,
                f"lamport {bad.lamport} is not one more than its dependencies' ({right - 1})",
            )
        ]
        assert bad.digest not in x.chronicle.graph.heads
        assert all(o.digest != bad.digest for o in x.outcomes())  # never folded
    _honest_play_goes_on(honest)
    h.submit(10, "player_2", time_ms=800)  # the hostile peer's next honest entry is fine too
    sync_all_tolerant([*honest, h])
    assert max(x.lamport for x in honest[0].chronicle.graph.order) < 100
    assert honest[0].outcomes()[-1].accepted
    assert_honest([*honest, h], before)


# ---- 6. metadata edited after genesis --------------------------------------------------------


@pytest.mark.parametrize(
    "edit", ["config", "epoch", "format", "extra key", "config of another room"]
)
def test_metadata_edited_after_genesis_is_refused_at_sync_and_at_load(edit: str) -> None:
    *honest, h = _grab()
    before = accepted(honest)
    with tamper(h, 0) as (tx, _):
        if edit == "config":
            tx.put(ROOT, "config", ScalarType.Str, "Z2FyYmFnZQ==")
        elif edit == "config of another room":
            other = dataclasses.replace(h.config, room="another-room")
            tx.put(ROOT, "config", ScalarType.Str, base64.b64encode(other.encode()).decode())
        elif edit == "epoch":
            tx.put(ROOT, "epoch", ScalarType.Int, 5)
        elif edit == "format":
            tx.put(ROOT, "format", ScalarType.Str, "hypertoken.chronicle/1")
        else:
            tx.put(ROOT, "owner", ScalarType.Str, name_of(h))
    _refused_as_hostile(honest, h)
    with pytest.raises(ChronicleError):
        Chronicle.load(h.chronicle.save())
    _honest_play_goes_on(honest)
    assert_honest(honest, before)


# ---- 7. swapped objects ----------------------------------------------------------------------


_SWAPS = [
    (key, kind) for key in ("entries", "checkpoints", "hashes") for kind in ("map", "list", "text")
]


def _swap(h: RoomEngine, key: str, kind: str, entry: str) -> None:
    """Replace the root object ``key`` of the hostile peer's epoch 0 by a new map, a new
    list (holding a valid entry text, for ``entries``) or a string.
    """
    with tamper(h, 0) as (tx, _):
        if kind == "text":
            tx.put(ROOT, key, ScalarType.Str, "[]")
        else:
            new = tx.put_object(ROOT, key, ObjType.Map if kind == "map" else ObjType.List)
            if key == "entries" and kind == "list":
                tx.insert(new, 0, ScalarType.Str, entry)


@pytest.mark.parametrize(("key", "kind"), _SWAPS)
def test_swapped_objects_are_refused_at_sync_and_at_load(key: str, kind: str) -> None:
    *honest, h = _grab()
    before = accepted(honest)
    _swap(h, key, kind, honest[0].chronicle.raw(0)[0])
    reasons = _refused_as_hostile(honest, h)
    assert any(f"genesis {key!r} was overwritten" in r for r in reasons)
    with pytest.raises(ChronicleError):
        Chronicle.load(h.chronicle.save())
    _honest_play_goes_on(honest)
    assert_honest(honest, before)


@pytest.mark.parametrize(
    ("key", "kind"),
    [pytest.param(key, kind) for key, kind in _SWAPS],
)
def test_forking_and_replaying_swapped_objects_never_raise_attribute_error(
    key: str, kind: str
) -> None:
    *honest, h = _grab()
    _swap(h, key, kind, honest[0].chronicle.raw(0)[0])
    h.refresh()
    try:
        copy = h.chronicle.fork()
    except ChronicleError:
        return
    replay = RoomEngine.replay(copy, h.game)
    assert replay.state_hash() == h.state_hash()  # the fold reads the accepted log only


# ---- 8. liveness: a seat that never reveals -------------------------------------------------


def test_a_seat_that_commits_and_never_reveals_forfeits_after_the_seed_deadline() -> None:
    engines = make_room("grab", 3, start=False, seed_timeout_ms=1_000)
    a, b, silent = engines
    silent.auto_reveal = False  # commits, then never reveals
    for e in engines:
        e.start()  # commitments at the fixed clock's 5,000 ms
    sync_all(engines)
    assert all(not e.started for e in engines)
    assert set(a._fold.st.reveals) == {"player_0", "player_1"}
    # Before the deadline a claim is refused; after it one claimant is not enough ...
    early = a.submit_move("seed.timeout", (), seat="player_0", time_ms=5_500, validate=False)
    assert not early.accepted and "has not timed out" in early.reason
    with pytest.raises(IllegalMoveError, match="cannot claim its own timeout"):
        silent.submit_move("seed.timeout", (), seat="player_2", time_ms=7_000)
    a.submit_move("seed.timeout", (), seat="player_0", time_ms=6_000)
    sync_all(engines)
    assert all(not e.started for e in engines)
    # ... every other seat holder's claim is.
    b.submit_move("seed.timeout", (), seat="player_1", time_ms=6_001)
    sync_all(engines)
    for e in engines:
        assert e.started
        assert e._fold.st.forfeits == ["player_2"]
    # The game goes on without the silent seat's reveal; everyone agrees.
    _honest_play_goes_on([a, b])
    sync_all(engines)
    assert_honest(engines)


def test_a_seat_that_never_commits_forfeits_on_the_witness_claim() -> None:
    engines = make_room(
        "tictactoe", 3, players=2, start=False, seed_timeout_ms=1_000, witness=IDS[2]
    )
    a, _absent, w = engines
    assert w.my_seats == ("@witness",)
    a.start()  # player_1 never starts: no commitment
    sync_all(engines)
    assert not a.started
    w.submit_move("seed.timeout", (), seat="@witness", time_ms=6_000)
    sync_all(engines)
    for e in engines:
        assert e.started  # a revealed once the absent seat forfeited
        assert e._fold.st.forfeits == ["player_1"]
    assert_honest(engines)


# ---- 9. forged time -------------------------------------------------------------------------


def _blackjack() -> tuple[list[RoomEngine], RoomEngine, RoomEngine, str]:
    """A 3-seat blackjack room with a turn timeout: (peers, the idle seat's holder, a
    claimant that is neither, the idle seat)."""
    engines = make_room("blackjack", 3, turn_timeout_ms=1_000, options={"hands": 5})
    seat = engines[0].current_player()
    assert seat is not None
    holder = next(e for e in engines if seat in e.my_seats)
    claimant = next(e for e in engines if e is not holder)
    return engines, holder, claimant, seat


def test_one_claimant_with_a_clock_60_s_ahead_does_not_skip_an_online_turn() -> None:
    engines, holder, hostile, seat = _blackjack()
    started = holder._fold.st.turn_started_ms
    before = accepted(engines)
    claim = hostile.submit_move(
        "turn.timeout", (seat,), seat=hostile.my_seats[0], time_ms=started + 60_000
    )
    assert claim.accepted  # recorded as a claim, and nothing more
    sync_all(engines)
    for e in engines:
        assert e.current_player() == seat
        assert e._fold.st.claims == {seat: [name_of(hostile)]}
    # The online player moves 1 ms into its turn; its move stands everywhere.
    move = holder.submit(1, seat, time_ms=started + 1)  # stand
    sync_all(engines)
    for e in engines:
        assert next(o for o in e.outcomes() if o.digest == move.digest).accepted
        assert e._fold.st.claims == {}  # a new turn: the claim about the last one is void
        assert e.current_player() != seat
    assert_honest(engines, before)


def test_two_claims_after_the_deadline_time_a_turn_out_identically_everywhere() -> None:
    engines, holder, first, seat = _blackjack()
    second = next(e for e in engines if e is not holder and e is not first)
    started = holder._fold.st.turn_started_ms
    first.submit_move("turn.timeout", (seat,), seat=first.my_seats[0], time_ms=started + 60_000)
    sync_all(engines)
    assert all(e.current_player() == seat for e in engines)
    second.submit_move("turn.timeout", (seat,), seat=second.my_seats[0], time_ms=started + 1_000)
    sync_all(engines)
    assert all(e.current_player() != seat for e in engines)
    # The idle seat's late move is refused alike everywhere (its turn was played).
    with pytest.raises(IllegalMoveError):
        holder.submit(1, seat, time_ms=started + 1_001)
    assert_honest(engines)


# ---- 10. smaller ones -----------------------------------------------------------------------


def test_rooms_sharing_an_id_but_not_a_config_refuse_each_other() -> None:
    ours = _grab(epoch_size=64)
    theirs = _grab(epoch_size=32)  # same room id, same holders, another config
    assert ours[0].config.room == theirs[0].config.room
    before = accepted(ours)
    hashes = [e.state_hash() for e in ours]
    frame = theirs[0].generate_sync_message(name_of(ours[0]))
    assert frame is not None
    with pytest.raises(ChronicleError, match="another room or room config"):
        ours[0].receive_sync_message(name_of(theirs[0]), frame)
    assert not ours[0].session(name_of(theirs[0])).hostile  # a wrong room, not a hostile peer
    # An entry signed for the other room, written into a document of ours, is refused.
    h = ours[2]
    insert_entry(h, 0, theirs[2].chronicle.raw(0)[-1])
    reasons = _refused_as_hostile(ours[:2], h)
    assert any("bad signature" in r for r in reasons)
    assert [e.state_hash() for e in ours[:2]] == hashes[:2]
    assert_honest(ours[:2], before)


def test_hash_records_are_signed_and_forged_accusations_are_refused() -> None:
    engines = make_room(
        "tictactoe", 3, players=2, holders=[0, 2], options={"rounds": 10}, engine={"hash_every": 4}
    )
    play_turns(engines, 12)
    a, w, h = engines
    honest = [a, w]
    assert h.identity is not None
    before = accepted(honest)
    cfg = h.config
    # A record under a's key, signed by h, saying a's fold reached another state.
    count, (log, _) = max(a._fold.hash_log.items())
    forged = sign_hash_record(h.identity, cfg.genesis, 0, count, log, bytes(32))
    with tamper(h, 0) as (tx, ep):
        got = ep.doc.get(ep.hashes, name_of(a))
        assert got is not None
        tx.insert(got[1], 0, ScalarType.Str, forged)
    reasons = _refused_as_hostile(honest, h)
    assert any("written by another peer" in r for r in reasons)
    for e in honest:
        assert e.desyncs() == []
        assert all(rec[3] != bytes(32) for rec in e.chronicle.hash_records(0)[name_of(a)])
    assert_honest(honest, before)


def test_a_record_list_for_a_peer_made_by_another_is_refused() -> None:
    engines = make_room(
        "tictactoe", 3, players=2, holders=[0, 2], options={"rounds": 10}, engine={"hash_every": 4}
    )
    play_turns(engines, 12)
    a, w, h = engines
    assert h.identity is not None
    count, (log, _) = max(a._fold.hash_log.items())
    bogus = sign_hash_record(h.identity, h.config.genesis, 0, count, log, bytes(32))
    # Under its own key, a record names its signer: desyncs() reports h, and only h.
    h.chronicle.record_hash(0, name_of(h), bogus)
    assert sync_all_tolerant(engines) == []
    assert {peer for peer, _, _ in a.desyncs()} == {name_of(h)}
    # Under a's key, a list h made is refused: a is never named.
    with tamper(h, 0) as (tx, ep):
        lst = tx.put_object(ep.hashes, name_of(a), ObjType.List)
        tx.insert(lst, 0, ScalarType.Str, bogus)
    reasons = _refused_as_hostile([a, w], h)
    assert any("replaced" in r or "another peer" in r for r in reasons)
    for e in (a, w):
        assert {peer for peer, _, _ in e.desyncs()} == {name_of(h)}


def test_garbage_texts_do_not_count_toward_epochs() -> None:
    *honest, h = _grab(epoch_size=6)
    before = accepted(honest)
    epochs = honest[0].chronicle.epochs
    position = honest[0].position
    with tamper(h) as (tx, ep):
        for i in range(40):
            tx.insert(ep.entries, i, ScalarType.Str, f"garbage {i}")
    _refused_as_hostile(honest, h)
    for e in honest:
        assert e.chronicle.epochs == epochs and e.position == position
    with pytest.raises(ChronicleError):
        Chronicle.load(h.chronicle.save())
    assert_honest(honest, before)


def test_far_ahead_empty_epochs_from_a_hostile_peer_are_bounded() -> None:
    *honest, h = _grab(epoch_size=6)
    before = accepted(honest)
    a = honest[0]
    held = a.chronicle.epochs
    saved = a.chronicle.save_epoch()
    for e in range(h.chronicle.last_epoch + 1, h.chronicle.last_epoch + 400):
        h.chronicle.open_epoch(e)  # empty genesis documents, far ahead
    sync_all_tolerant([*honest, h])
    for x in honest:
        assert len(x.chronicle.epochs) <= len(held) + MAX_EPOCHS_AHEAD
        assert x.chronicle.epochs[-1] <= held[-1] + MAX_EPOCHS_AHEAD
    assert a.chronicle.save_epoch() == saved
    # Play goes on; the epochs held follow the entries, not the hostile peer.
    _honest_play_goes_on(honest)
    sync_all_tolerant([*honest, h])
    reach = max(a.config.epoch_of(x.lamport) for x in a.chronicle.graph.order)
    assert a.chronicle.epochs[-1] <= reach + MAX_EPOCHS_AHEAD
    assert_honest(honest, before)


def test_receiving_a_commitment_one_did_not_make_does_not_raise() -> None:
    a, b, h = make_room("grab", 3, start=False)
    a.start()
    b.start()
    sync_all([a, b, h])
    # h's key signs a commitment its engine does not know of; honest a takes it.
    other = signed_entry(h, "player_2", "seed.commit", (commitment_of(b"not mine"),), time_ms=5_000)
    insert_entry(h, 0, other.to_text())
    # Every seat has now committed: h's engine tries to reveal while it syncs, its reveal
    # is refused (the commitment is not its contribution's), and nothing escapes.
    assert sync_tolerant(h, a) == []
    assert a._fold.st.commits["player_2"] == commitment_of(b"not mine")
    assert h._revealing.get("player_2") == b""  # given up: it can never open that commitment
    assert "player_2" not in h._fold.st.reveals
    sync_all([a, b, h])
