"""Peers make moves offline, some concurrent and conflicting, then sync through the
Chronicle sync protocol in memory. They must end with identical entries, identical
accepted/rejected verdicts and an identical state hash, equal to a fresh replay's.
Hypothesis drives the interleavings.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypertoken.engine import IllegalMoveError, RoomEngine
from tests.kits.engine import assert_converged, make_room, sync_all, sync_pair

SETTINGS = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

# An operation: (kind, peer, pick). kind 0-5: a move by that peer (0-2 also when its own
# fold would reject it); 6-7: sync with another peer.
ops = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 2), st.integers(0, 11)), min_size=8, max_size=60
)


def _play(engine: RoomEngine, pick: int, *, forced: bool, time_ms: int) -> None:
    """A legal move if this peer's seat may move, else (when ``forced``) a move this peer's
    own fold rejects but appends anyway: what a peer behind on sync would send.
    """
    seat = engine.my_seats[0]
    legal = [i for i, ok in enumerate(engine.legal_mask(seat)) if ok]
    if legal:
        engine.submit(legal[pick % len(legal)], seat, time_ms=time_ms)
    elif forced and not engine.is_over:
        name, args = engine.game.move_name(pick % engine.game.info.num_actions)
        engine.submit_move(name, args, seat=seat, time_ms=time_ms, validate=False)


def _run(engines: list[RoomEngine], script: list[tuple[int, int, int]]) -> None:
    for t, (kind, who, pick) in enumerate(script):
        a = engines[who % len(engines)]
        if kind >= 6:
            b = engines[(who + 1 + pick) % len(engines)]
            if b is not a:
                sync_pair(a, b)
        else:
            _play(a, pick, forced=kind <= 2, time_ms=10_000 + t)
    sync_all(engines)


@SETTINGS
@given(ops)
def test_two_peers_tictactoe_converge(script: list[tuple[int, int, int]]) -> None:
    engines = make_room("tictactoe", 2, options={"rounds": 3})
    _run(engines, script)
    assert_converged(engines)


@SETTINGS
@given(ops)
def test_three_peers_grab_converge(script: list[tuple[int, int, int]]) -> None:
    engines = make_room("grab", 3)
    _run(engines, script)
    assert_converged(engines)


def test_concurrent_grabs_of_one_slot_keep_exactly_one() -> None:
    engines = make_room("grab", 3)
    for e, t in zip(engines, (1, 2, 3), strict=True):
        e.submit(5, e.my_seats[0], time_ms=t)  # all three grab slot 5 offline
    assert all(e.outcomes()[-1].accepted for e in engines)  # each one's own view
    sync_all(engines)
    assert_converged(engines)
    grabs = [o for o in engines[0].outcomes() if o.move == "grab"]
    assert len(grabs) == 3
    assert sum(o.accepted for o in grabs) == 1
    assert all("illegal move" in o.reason for o in grabs if not o.accepted)
    # The loser's card went back: exactly one seat holds one card.
    held = [len(engines[0].world.inventory(s)) for s in engines[0].game.seats]
    assert sorted(held) == [0, 0, 1]


def test_entry_merged_before_applied_ones_rewinds_and_refolds() -> None:
    a, b = make_room("grab", 2, engine={"snapshot_every": 4})
    # a makes many moves; b concurrently makes one. After sync b's entry lands somewhere in
    # a's history (the list order decides), so at least one side must rewind.
    for t in range(5):
        seat = a.my_seats[0]
        a.submit(next(i for i, ok in enumerate(a.legal_mask(seat)) if ok), seat, time_ms=t)
    b.submit(11, b.my_seats[0], time_ms=100)
    sync_pair(a, b)
    assert_converged([a, b])
    assert len(a.outcomes()) == len(b.outcomes()) == 4 + 6


def test_submitting_an_illegal_move_raises_and_changes_nothing() -> None:
    a, b = make_room("tictactoe", 2)
    before = (a.state_hash(), len(a.chronicle or []), a.chronicle.version if a.chronicle else 0)
    try:
        a.submit(4, "player_0", time_ms=1)
        a.submit(0, "player_0", time_ms=2)  # not player_0's turn any more
    except IllegalMoveError as exc:
        assert "not player_0's turn" in str(exc)
    else:
        raise AssertionError("a move out of turn was accepted")
    assert a.state_hash() != before[0]  # the first (legal) move did apply
    assert len(a.chronicle or []) == before[1] + 1  # and only it was appended
    sync_pair(a, b)
    assert_converged([a, b])
