"""Replay, forks, snapshots and the training fast path.

- A saved chronicle replays to the live state hash (in process and with `hypertoken replay`).
- A fork diverges without touching the original; snapshot/restore go back exactly.
- The training path (no signatures, no Automerge per step) runs the same rules: a recorded
  episode replays to the same state.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner

import games
from hypertoken.cli import main
from hypertoken.engine import EngineError, IllegalMoveError, LocalEngine, RoomEngine, SeatError
from hypertoken.log.chronicle import Chronicle
from tests.kits.engine import IDS, make_room, sync_all


def _random_game(engine: LocalEngine, rng: random.Random, moves: int) -> None:
    for _ in range(moves):
        seat = engine.current_player()
        if seat is None:
            return
        legal = [i for i, ok in enumerate(engine.legal_mask(seat)) if ok]
        engine.step(rng.choice(legal))


def test_saved_chronicle_replays_to_the_live_state(tmp_path: Path) -> None:
    engines = make_room("tictactoe", 2, options={"rounds": 4}, epoch_size=12)
    rng = random.Random(5)
    for t in range(30):
        seat = engines[0].current_player()
        if seat is None:
            break
        e = next(x for x in engines if seat in x.my_seats)
        e.submit(rng.choice([i for i, ok in enumerate(e.legal_mask(seat)) if ok]), seat, time_ms=t)
        sync_all(engines)
    live = engines[0]
    assert live.chronicle is not None
    path = tmp_path / "game.chronicle"
    live.chronicle.save_file(path)
    replayed = RoomEngine.replay(ch := Chronicle.load_file(path), games.for_room(ch.config))
    assert replayed.state_hash() == live.state_hash()
    assert replayed.outcomes() == live.outcomes()
    assert replayed.rewards() == live.rewards()

    result = CliRunner().invoke(main, ["replay", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == f"state hash {live.state_hash().hex()}"
    assert "seed.commit" in lines[1] and "accepted" in lines[1]
    assert sum("place" in line for line in lines) == sum(o.move == "place" for o in live.outcomes())
    assert IDS[0].peer_id in result.output and "player_1" in result.output


def test_replay_command_reports_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.chronicle"
    path.write_bytes(b"not a chronicle")
    result = CliRunner().invoke(main, ["replay", str(path)])
    assert result.exit_code != 0 and "not a chronicle file" in result.output


def test_fork_diverges_without_touching_the_original() -> None:
    a, b = make_room("tictactoe", 2)
    a.submit(4, "player_0", time_ms=1)
    sync_all([a, b])
    assert b.chronicle is not None
    before = (b.state_hash(), list(b.chronicle.raw()), b.outcomes())
    what_if = b.fork()
    assert what_if.state_hash() == b.state_hash()
    what_if.submit(0, "player_1", time_ms=2)  # explore a line of play in the fork only
    what_if.refresh()
    b.refresh()
    assert what_if.state_hash() != b.state_hash()
    assert what_if.world.properties()["board"] != b.world.properties()["board"]
    assert what_if.chronicle is not None and len(what_if.chronicle.raw()) == len(before[1]) + 1
    assert (b.state_hash(), b.chronicle.raw(), b.outcomes()) == before
    sync_all([a, b])  # the fork's chronicle is not b's: nothing leaks to the room
    assert a.state_hash() == b.state_hash() == before[0]


def test_engine_snapshot_and_restore_in_a_room() -> None:
    a, b = make_room("grab", 2)
    snap = a.snapshot()
    hash0, outcomes0 = a.state_hash(), a.outcomes()
    a.submit(3, "player_0", time_ms=1)
    assert a.state_hash() != hash0
    a.restore(snap)
    assert a.state_hash() == hash0 and a.outcomes() == outcomes0
    a.refresh()  # the log still holds the move: folding forward brings it back
    assert len(a.outcomes()) == len(outcomes0) + 1 and a.outcomes()[-1].accepted
    sync_all([a, b])
    assert a.state_hash() == b.state_hash()


def test_training_path_runs_the_same_rules_and_its_recording_replays() -> None:
    game = games.make("tictactoe", rounds=5)
    fast = LocalEngine(game, seed=11)
    rec = LocalEngine(game, seed=11, record=True, record_batch=7)
    rng1, rng2 = random.Random(2), random.Random(2)
    _random_game(fast, rng1, 200)
    _random_game(rec, rng2, 200)
    assert fast.is_over and rec.is_over
    assert fast.state_hash() == rec.state_hash()
    assert fast.moves == rec.moves and fast.chronicle is None
    rec.flush()
    assert rec.chronicle is not None
    assert len(rec.chronicle.raw()) == 1 + len(rec.moves)  # seed.set, then every move
    replayed = RoomEngine.replay(
        ch := Chronicle.load(rec.chronicle.save()), games.for_room(ch.config)
    )
    assert replayed.state_hash() == rec.state_hash()
    assert all(o.accepted for o in replayed.outcomes())
    assert replayed.rewards() == rec.rewards()


def test_training_seed_decides_the_shuffle_and_reset_starts_over() -> None:
    game = games.make("grab", 2)
    e = LocalEngine(game, seed=1)
    first = e.world.stack("deck").tolist()
    e.step(0, "player_0")
    e.reset(1)
    assert e.world.stack("deck").tolist() == first and e.moves == []
    e.reset(2)
    assert e.world.stack("deck").tolist() != first
    assert LocalEngine(game, seed=2).state_hash() == e.state_hash()


def test_training_illegal_moves_raise_and_change_nothing() -> None:
    e = LocalEngine(games.make("tictactoe"), seed=0)
    e.step(4)
    h = e.state_hash()
    with pytest.raises(IllegalMoveError, match="illegal move for player_1: place 4"):
        e.step(4)
    with pytest.raises(IllegalMoveError, match="not player_0's turn"):
        e.step(0, "player_0")
    with pytest.raises(IllegalMoveError, match=r"outside 0\.\.8"):
        e.step(9)
    g = LocalEngine(games.make("grab", 2), seed=0)
    with pytest.raises(IllegalMoveError, match="say which"):
        g.step(0)
    assert e.state_hash() == h and e.moves == [("player_0", 4)]


def test_training_snapshot_restore_and_fork_for_search() -> None:
    e = LocalEngine(games.make("tictactoe"), seed=0)
    e.step(4)
    snap = e.snapshot()
    h = e.state_hash()
    child = e.fork()
    child.step(0)
    e.step(8)
    assert child.moves == [("player_0", 4), ("player_1", 0)]
    e.restore(snap)
    assert e.state_hash() == h and e.moves == [("player_0", 4)]
    e.step(0)
    assert e.state_hash() == child.state_hash()
    recording = LocalEngine(games.make("tictactoe"), seed=0, record=True)
    with pytest.raises(EngineError, match="cannot rewind"):
        recording.restore(recording.snapshot())


def test_submit_rejects_bad_input_clearly() -> None:
    a, _b = make_room("tictactoe", 2)
    h = a.state_hash()
    with pytest.raises(SeatError, match="'player_1' is not yours"):
        a.submit(0, "player_1")
    with pytest.raises(TypeError, match="an action is an int"):
        a.submit("4", "player_0")  # type: ignore[arg-type]
    with pytest.raises(IllegalMoveError, match="outside"):
        a.submit(42, "player_0")
    with pytest.raises(ValueError, match="entry arguments"):
        a.submit_move("place", (object(),), seat="player_0")
    watcher = RoomEngine.replay(
        ch := a.chronicle.fork() if a.chronicle else Chronicle.create(a.config),
        games.for_room(ch.config),
    )
    with pytest.raises(EngineError, match="read-only"):
        watcher.submit(4, "player_0")
    assert a.state_hash() == h


def test_room_engine_refuses_a_mismatched_game_or_core() -> None:
    a, _ = make_room("tictactoe", 2, start=False)
    assert a.chronicle is not None
    with pytest.raises(EngineError, match="seats"):
        RoomEngine(games.make("grab", 3), a.chronicle, None)
    with pytest.raises(EngineError, match="plays tictactoe"):
        RoomEngine(games.make("grab", 2), a.chronicle, None)
    import dataclasses

    odd = Chronicle.create(dataclasses.replace(a.config, core="00" * 32))
    with pytest.raises(EngineError, match="peers would diverge"):
        RoomEngine(games.make("tictactoe"), odd, None)
