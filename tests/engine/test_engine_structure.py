"""The shape of the two engines: one per mode over one fold core.

- misuse is a missing method: a local engine has no submit, fold or sync; a room engine
  has no reset or step;
- moves are ``(action, seat=None)`` in both; masks are int8 in both; state is properties;
- forks of both engines are independent of their originals;
- reading never writes: refresh, fold and refold leave the chronicle as it was, and the
  protocol's writes (reveals, hash records, checkpoints) wait for ``advance``;
- a room engine owns one sync session per peer;
- ``IllegalMoveError`` is one class at every layer; the old names still work, and warn.
"""

from __future__ import annotations

import numpy as np
import pytest

import games
import hypertoken
from hypertoken import engine as engine_pkg
from hypertoken import game as game_pkg
from hypertoken.engine import (
    MASK_DTYPE,
    Engine,
    EngineError,
    IllegalMoveError,
    LocalEngine,
    RoomEngine,
    SeatError,
)
from hypertoken.log.chronicle import Chronicle, RoomConfig
from hypertoken.log.sync import SyncSession
from tests.kits.engine import IDS, make_room, room_config, sync_all, sync_pair


def _state(chronicle: Chronicle) -> tuple[int, list[list[bytes]]]:
    return chronicle.version, [chronicle.heads(e) for e in chronicle.epochs]


def _merge(src: RoomEngine, dst: RoomEngine) -> None:
    """Sync the two chronicles through bare sessions: documents only, neither engine folds
    or writes anything of its own.
    """
    a, b = SyncSession(src.chronicle, "dst"), SyncSession(dst.chronicle, "src")
    for _ in range(20):
        m1 = a.generate()
        if m1 is not None:
            b.receive(m1)
        m2 = b.generate()
        if m2 is not None:
            a.receive(m2)
        if m1 is None and m2 is None:
            return
    raise AssertionError("sync did not settle")


# ---- misuse is a missing method --------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["submit", "submit_move", "start", "fold", "refold", "refresh", "advance",
             "generate_sync_message", "receive_sync_message", "session", "outcomes",
             "desyncs", "position"],
)  # fmt: skip
def test_a_local_engine_has_no_room_methods(name: str) -> None:
    engine = LocalEngine(games.make("tictactoe"))
    assert not hasattr(LocalEngine, name)
    with pytest.raises(AttributeError):
        getattr(engine, name)


@pytest.mark.parametrize("name", ["reset", "step", "flush", "moves", "recording"])
def test_a_room_engine_has_no_training_methods(name: str) -> None:
    assert not hasattr(RoomEngine, name)


def test_state_is_properties_in_both_engines() -> None:
    local = LocalEngine(games.make("tictactoe"))
    (room, _) = make_room("tictactoe", 2)
    for e in (local, room):
        assert (e.started, e.is_over, e.truncated) == (True, False, False)
    for cell in (0, 3, 1, 4, 2):
        local.step(cell)
    assert local.is_over is True


def test_masks_are_int8_in_both_engines_and_in_observe() -> None:
    local = LocalEngine(games.make("tictactoe"))
    (room, _) = make_room("tictactoe", 2)
    for e, seat, idle in ((local, "player_0", "player_1"), (room, "player_0", "player_1")):
        for mask in (e.legal_mask(seat), e.legal_mask(idle), e.observe(seat)["action_mask"]):
            assert mask.dtype == MASK_DTYPE == np.int8
        assert np.array_equal(e.observe(seat)["action_mask"], e.legal_mask(seat))
        assert e.legal_mask(seat).tolist() == [1] * 9 and not e.legal_mask(idle).any()


# ---- one argument order ------------------------------------------------------------------


def test_the_seat_comes_after_the_action_and_may_be_left_out() -> None:
    a, b = make_room("tictactoe", 2)
    assert a.submit(4).seat == "player_0"  # its only seat
    sync_all([a, b])
    with pytest.raises(TypeError, match=r"the action comes first: submit\(action, seat\)"):
        b.submit("player_1", 0)  # type: ignore[arg-type]
    assert b.submit(0, "player_1").accepted
    with pytest.raises(TypeError, match="not one str"):
        a.submit_move("place", "4", seat="player_0")  # type: ignore[arg-type]
    hot = make_room("tictactoe", 1, players=2, holders=[0, 0])[0]  # one peer, both seats
    assert hot.submit(4).seat == "player_0" and hot.submit(0).seat == "player_1"
    grab = make_room("grab", 1, players=2, holders=[0, 0])[0]  # any seat may move
    with pytest.raises(SeatError, match="say which seat"):
        grab.submit(0)
    local = LocalEngine(games.make("tictactoe"))
    local.step(4)
    local.step(0, "player_1")
    assert local.moves == [("player_0", 4), ("player_1", 0)]


# ---- forks ---------------------------------------------------------------------------------


def test_a_local_fork_is_independent_and_so_is_its_recording() -> None:
    game = games.make("tictactoe", rounds=3)
    e = LocalEngine(game, seed=5, record=True, record_batch=2)
    for cell in (4, 0, 8):
        e.step(cell)
    child = e.fork()
    assert child.state_hash() == e.state_hash() and child.moves == e.moves
    assert child.chronicle is not None and e.chronicle is not None
    assert child.chronicle is not e.chronicle
    before = (e.state_hash(), e.moves, list(e.chronicle.raw()))
    child.step(2)
    child.flush()
    assert (e.state_hash(), e.moves, e.chronicle.raw()) == before
    e.step(1)
    e.flush()
    assert child.moves[-1] == ("player_1", 2) and e.moves[-1] == ("player_1", 1)
    assert child.chronicle.raw()[-1] != e.chronicle.raw()[-1]
    grandchild = child.fork()
    grandchild.reset(9)
    assert len(child.moves) == 4 and grandchild.moves == []


def test_a_room_fork_is_independent_and_has_no_sessions() -> None:
    a, b = make_room("grab", 2)
    a.submit(3, time_ms=1)
    sync_pair(a, b)
    assert a.sessions  # a has talked to b
    what_if = a.fork()
    assert isinstance(what_if, RoomEngine) and what_if.identity is a.identity
    assert what_if.state_hash() == a.state_hash() and what_if.outcomes() == a.outcomes()
    assert dict(what_if.sessions) == {} and what_if.chronicle is not a.chronicle
    before = (a.state_hash(), a.outcomes(), _state(a.chronicle))
    what_if.submit(5, time_ms=2)
    assert what_if.state_hash() != a.state_hash()
    assert (a.state_hash(), a.outcomes(), _state(a.chronicle)) == before
    a.submit(6, time_ms=3)  # and the original moves on alone
    assert what_if.outcomes()[-1].args == (5,) and a.outcomes()[-1].args == (6,)


# ---- reading never writes ------------------------------------------------------------


def test_refresh_and_fold_never_write_and_advance_writes_the_reveal() -> None:
    a, b = make_room("grab", 2, start=False)
    a.start()
    b.start()
    sync_pair(a, b)  # receive_sync_message = receive + advance: both reveal, and sync
    assert a.started and b.started
    c, d = make_room("grab", 2, start=False)
    c.start()
    d.start()
    _merge(d, c)  # d's commit reaches c's chronicle; nothing else happens
    before = _state(c.chronicle)
    folded = c.refresh()  # d's commit (merged before c's own, c's is refolded too)
    assert {o.move for o in folded} == {"seed.commit"} and folded[-1].accepted
    assert "player_1" in {o.seat for o in folded}
    c.fold()
    c.refold()
    assert _state(c.chronicle) == before and not c.started  # no reveal was written
    produced = c.advance()  # the protocol now requires c's reveal: advance writes it
    assert [o.move for o in produced] == ["seed.reveal"] and produced[0].seat == "player_0"
    assert _state(c.chronicle) != before


def test_a_move_first_writes_what_is_due() -> None:
    c, d = make_room("grab", 2, start=False)
    c.start()
    d.start()
    _merge(d, c)
    c.refresh()  # c knows every commitment but has not revealed
    with pytest.raises(IllegalMoveError, match="has not started"):
        c.submit(0)  # the move catches up first: c's reveal is written, d's is missing
    assert [o.move for o in c.outcomes()][-1] == "seed.reveal"
    sync_all([c, d])
    assert c.started and d.started and c.submit(0).accepted


def test_hash_records_and_checkpoints_wait_for_a_writing_call() -> None:
    a, b = make_room("grab", 2, epoch_size=6, engine={"hash_every": 2})
    for slot in range(6):  # a moves alone, into epoch 1; hash positions pass
        a.submit(slot, time_ms=slot)
    sync_all([a, b])
    assert not a.chronicle.graph.closed(0)  # b has not moved past epoch 0 yet
    b.submit(7, time_ms=10)  # now it has: epoch 0 is closed, a owes its checkpoint
    b.submit(8, time_ms=11)  # and a passes another hash position
    me = a.identity.peer_id if a.identity else ""
    records = sum(len(a.chronicle.hash_records(e).get(me, [])) for e in a.chronicle.epochs)
    to_a, from_b = b.session("a"), a.session("b")
    for _ in range(20):  # a merges and folds, but only refreshes: it writes nothing
        m1 = to_a.generate()
        if m1 is not None:
            changed = from_b.receive(m1)
            before = _state(a.chronicle)
            a.refresh()
            assert _state(a.chronicle) == before, changed
        m2 = from_b.generate()
        if m2 is not None:
            to_a.receive(m2)
        if m1 is None and m2 is None:
            break
    assert b.position == a.position and b.state_hash() == a.state_hash()
    assert a.chronicle.graph.closed(0)
    assert me not in a.chronicle.checkpoints(1)
    a.advance()  # what a's fold made due: its checkpoint for epoch 1 and its records
    assert me in a.chronicle.checkpoints(1)
    assert sum(len(a.chronicle.hash_records(e).get(me, [])) for e in a.chronicle.epochs) > records
    sync_all([a, b])
    assert a.chronicle.final_checkpoint(1) is not None
    assert a.desyncs() == [] and b.desyncs() == []


def test_a_watcher_folds_and_syncs_but_cannot_write() -> None:
    a, _ = make_room("tictactoe", 2)
    a.submit(4, time_ms=1)
    watcher = RoomEngine(a.game, Chronicle.create(a.config))
    sync_pair(a, watcher)
    assert watcher.state_hash() == a.state_hash()
    for call in (lambda: watcher.submit(0), watcher.start, lambda: watcher.contribution("p")):
        with pytest.raises(
            EngineError, match=r"read-only .*RoomEngine\(game, chronicle, identity\)"
        ):
            call()
    assert watcher.advance() == []


# ---- sync sessions -----------------------------------------------------------------------


def test_a_room_engine_holds_one_session_per_peer() -> None:
    a, b = make_room("tictactoe", 2)
    s = a.session("bob")
    assert a.session("bob") is s and s.peer == "bob" and s.chronicle is a.chronicle
    assert set(a.sessions) >= {"bob"}
    a.drop_session("bob")
    assert "bob" not in a.sessions and a.session("bob") is not s
    # Driving the sessions by hand is what the convenience methods do.
    a.submit(4, time_ms=1)
    to_b, to_a = a.session("manual-b"), b.session("manual-a")
    changed: list[int] = []
    for _ in range(20):
        m1, m2 = to_b.generate(), None
        if m1 is not None:
            changed += to_a.receive(m1)
        m2 = to_a.generate()
        if m2 is not None:
            to_b.receive(m2)
        if m1 is None and m2 is None:
            break
    assert changed == [0] and not (to_a.dirty or to_b.dirty)
    assert b.advance()[-1].args == (4,) and b.state_hash() == a.state_hash()


# ---- the config and the one illegal-move error -------------------------------------------


def test_for_game_reads_the_game_and_the_engine_checks_the_core() -> None:
    game = games.make("tictactoe", rounds=3)
    config = RoomConfig.for_game(game, IDS[:2], room="r", epoch_size=4)
    assert config == room_config(game, IDS[:2], room="r", epoch_size=4)
    assert (config.game, config.game_version, config.options) == ("tictactoe", 1, {"rounds": 3})
    assert config.core == game.core_digest().hex() == hypertoken.core.core_digest().hex()
    assert RoomEngine(game, Chronicle.create(config)).config == config


def test_illegal_move_error_is_one_class_everywhere() -> None:
    assert (
        IllegalMoveError
        is game_pkg.IllegalMoveError
        is game_pkg.IllegalMove
        is engine_pkg.IllegalMoveError
        is hypertoken.IllegalMoveError
    )
    assert not hasattr(hypertoken, "IllegalMove")  # deprecated names stay off the facade
    assert not issubclass(IllegalMoveError, EngineError)
    (room, _) = make_room("tictactoe", 2)
    local = LocalEngine(games.make("tictactoe"))
    local.step(4)
    with pytest.raises(game_pkg.IllegalMove, match="illegal move"):  # the old name catches
        local.step(4, "player_1")
    room.submit(4)
    with pytest.raises(IllegalMoveError, match="not player_0's turn"):
        room.submit(0)


def test_the_deprecated_engine_builds_the_new_ones() -> None:
    a, _ = make_room("tictactoe", 2, start=False)
    with pytest.warns(DeprecationWarning, match="RoomEngine"):
        old = Engine(a.game, a.chronicle.fork(), IDS[0])
    assert isinstance(old, RoomEngine)
    with pytest.warns(DeprecationWarning, match="LocalEngine"):
        local = Engine.local(games.make("tictactoe"), seed=2)
    assert type(local) is LocalEngine
    assert local.state_hash() == LocalEngine(games.make("tictactoe"), seed=2).state_hash()
    assert engine_pkg.EngineSnapshot is engine_pkg.RoomSnapshot
    assert hypertoken.RoomEngine is RoomEngine and hypertoken.LocalEngine is LocalEngine
