"""Epochs: an entry's epoch follows from its signed lamport; epochs chain by signed
checkpoints, final once every seat holder signed the same state; a late joiner boots from
a final epoch and syncs the rest; peers detect a desync from the signed hash records.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypertoken.engine import EngineError, RoomEngine
from hypertoken.log.chronicle import Chronicle
from hypertoken.log.entries import make_entry
from tests.kits.engine import assert_converged, make_room, play_turns, sync_all, sync_pair


def test_epochs_follow_lamports_and_chain_by_final_checkpoints() -> None:
    engines = make_room("tictactoe", 2, options={"rounds": 40}, epoch_size=8)
    play_turns(engines, 40)
    a = engines[0]
    outcomes = a.outcomes()
    assert len(outcomes) == 44 and all(o.accepted for o in outcomes)
    # An entry's epoch is its signed lamport // epoch_size: nothing else decides it.
    assert all(o.epoch == o.lamport // 8 for o in outcomes)
    assert a.chronicle.epochs == sorted({o.epoch for o in outcomes})
    assert [o.index for o in outcomes if o.epoch == 2] == list(range(8))
    # Every epoch but the newest is closed (both seat holders moved past it), so the
    # next one carries both holders' checkpoints, and they agree: it is final.
    last = a.chronicle.last_epoch
    for e in range(1, last + 1):
        assert len(a.chronicle.checkpoints(e)) == 2
        assert a.chronicle.final_checkpoint(e) is not None
    assert a.chronicle.final_epochs() == list(range(1, last + 1))
    assert_converged(engines)


def test_an_epoch_closes_only_when_every_seat_holder_moved_past_it() -> None:
    a, b = make_room("grab", 2, epoch_size=4)
    while a.chronicle.graph.keys[-1][0] < 3:  # play to the end of epoch 0 (lamport 3)
        a.submit(0, "player_0", time_ms=1)
        sync_pair(a, b)
    assert not a.chronicle.graph.closed(0)
    ours = a.submit(1, "player_0", time_ms=2)  # a moves into epoch 1 ...
    theirs = b.submit(2, "player_1", time_ms=3)  # ... and so does b, concurrently
    assert ours.lamport == theirs.lamport == 4
    assert not a.chronicle.graph.closed(0)  # a has not seen b move past epoch 0
    sync_pair(a, b)
    assert a.chronicle.graph.closed(0) and b.chronicle.graph.closed(0)
    # Both concurrent entries stand in epoch 1, in the same order on both peers.
    late = [o.digest for o in a.outcomes() if o.epoch == 1]
    assert sorted(late) == sorted([ours.digest, theirs.digest])
    assert late == [o.digest for o in b.outcomes() if o.epoch == 1]
    assert a.chronicle.final_checkpoint(1) is not None
    assert_converged([a, b])


def test_late_joiner_bootstraps_from_a_final_epoch_then_syncs() -> None:
    engines = make_room(
        "tictactoe", 3, players=2, holders=[0, 1], options={"rounds": 30}, epoch_size=16
    )
    host, other, _ = engines
    play_turns(engines[:2], 70)
    saved = host.chronicle.save_epoch()  # the newest final epoch only
    base = host.chronicle.final_epochs()[-1]
    play_turns(engines[:2], 20, seed=1)  # the game moves on after the save
    joiner = RoomEngine(host.game, Chronicle.load(saved), None)
    assert joiner.chronicle.epochs == [base]
    sync_pair(host, joiner)
    assert joiner.chronicle.epochs == [e for e in host.chronicle.epochs if e >= base]
    assert joiner.state_hash() == host.state_hash() == other.state_hash()
    assert joiner.outcomes() == [o for o in host.outcomes() if o.epoch >= base]


def test_joiner_refuses_an_epoch_without_a_final_checkpoint() -> None:
    engines = make_room("tictactoe", 2, options={"rounds": 5}, epoch_size=8)
    play_turns(engines, 10)
    chronicle = engines[0].chronicle
    assert chronicle.final_checkpoint(1) is not None
    one_signed = chronicle.fork()
    other = engines[1].identity
    assert other is not None
    # Only one of the two seat holders signed: a plurality of one is not final.
    del one_signed._epochs[1].state.checkpoints[other.peer_id]
    one_signed.drop_before(1)
    assert one_signed.final_checkpoint(1) is None
    with pytest.raises(EngineError, match="no final checkpoint"):
        RoomEngine(engines[0].game, one_signed, None)


def test_peers_detect_a_desync_from_hash_records() -> None:
    a, b = make_room("tictactoe", 2, options={"rounds": 10}, engine={"hash_every": 4})
    play_turns([a, b], 12)
    assert a.desyncs() == [] and b.desyncs() == []
    # b's world drifts (a bug, or a non-deterministic game): its next records disagree.
    b.world.game_set_property("score0", 99)
    play_turns([a, b], 8, seed=2)
    assert b.identity is not None
    assert a.desyncs() and all(peer == b.identity.peer_id for peer, _, _ in a.desyncs())


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(0, 1), st.integers(0, 11)), min_size=10, max_size=50
    )
)
def test_concurrent_play_across_epoch_boundaries_converges(
    script: list[tuple[bool, int, int]],
) -> None:
    engines = make_room("grab", 2, epoch_size=5, engine={"snapshot_every": 3})
    for t, (sync, who, pick) in enumerate(script):
        e = engines[who]
        if sync:
            sync_pair(engines[0], engines[1])
            continue
        seat = e.my_seats[0]
        legal = [i for i, ok in enumerate(e.legal_mask(seat)) if ok]
        if legal:
            e.submit(legal[pick % len(legal)], seat, time_ms=t)
    sync_all(engines)
    assert_converged(engines)


def test_a_joiner_bootstraps_again_when_its_base_checkpoint_changes() -> None:
    # Three seat holders; h will turn out to have forked its chain in epoch 1, after a
    # joiner booted from epoch 2.
    a, b, h = make_room("grab", 3, epoch_size=4)
    for t in range(12):  # the twelve grabs, in turn
        e = (a, b, h)[t % 3]
        legal = [i for i, ok in enumerate(e.legal_mask(e.my_seats[0])) if ok]
        e.submit(legal[0], time_ms=100 + t)
        sync_all([a, b, h])
    base = a.chronicle.final_epochs()[-1]
    assert base >= 2
    joiner = RoomEngine(a.game, Chronicle.load(a.chronicle.save_epoch(base)), None)
    sync_pair(a, joiner)
    before = joiner.state_hash()
    assert before == a.state_hash()
    # h's twin of one of its epoch-1 entries: the same seq and links, another move.
    ident = h.identity
    assert ident is not None
    own = [x for x in h.chronicle.graph.order if x.actor == ident.peer_id and x.lamport // 4 == 1]
    original = own[0]
    twin = make_entry(
        ident,
        h.config.genesis,
        original.seat,
        "grab",
        (11,),
        original.time_ms + 1,
        seq=original.seq,
        prev=original.prev,
        parents=original.parents,
        lamport=original.lamport,
    )
    assert twin.digest != original.digest
    h.chronicle.append_entry(twin)  # h writes it, and its own fold sees the fork too
    sync_all([a, b, h])  # everyone folds the fork and signs epoch 2's start again
    assert a.chronicle.graph.forks == {ident.peer_id: original.seq}
    assert a.state_hash() != before  # h's entries from the fork on are rejected now
    again = a.chronicle.final_checkpoint(base)
    assert again is not None and again.agreement != joiner._fold.base_agreement
    sync_pair(a, joiner)  # the joiner sees its base's final checkpoint change
    assert joiner._fold.base_agreement == again.agreement
    assert joiner.state_hash() == a.state_hash() == b.state_hash() == h.state_hash()
