"""The RuleEngine (condition-triggered actions, priorities, once rules) and the GameLoop
(turn limit, phases, turn timeouts turned into default moves), in training and in rooms.
"""

from __future__ import annotations

import pytest

import games
from hypertoken.core import World
from hypertoken.engine import IllegalMoveError, LocalEngine, RoomEngine
from hypertoken.engine.rules import FIRED_PREFIX, GameLoop, RuleEngine
from hypertoken.game import MoveContext, Rule
from hypertoken.log import ChronicleError
from tests.kits.engine import IDS, assert_converged, make_room, sync_all


def _center_taken(world: World) -> bool:
    return bool(world.properties()["board"] & (3 << 8))


def _log(tag: str) -> Rule:
    def action(world: World, ctx: MoveContext) -> None:
        trail = world.properties().get("trail", "")
        world.game_set_property("trail", trail + tag)

    return Rule(name=f"log-{tag}", condition=lambda w: True, action=action, priority=ord(tag))


def test_rules_fire_in_priority_order_after_each_accepted_move() -> None:
    e = LocalEngine(games.make("tictactoe"), rules=[_log("a"), _log("c"), _log("b")])
    e.step(0)
    e.step(1)
    assert e.world.properties()["trail"] == "cbacba"
    with pytest.raises(IllegalMoveError):
        e.step(1)  # rejected: no rule runs
    assert e.world.properties()["trail"] == "cbacba"


def test_once_rule_fires_once_and_remembers_it_in_the_world() -> None:
    def bonus(world: World, ctx: MoveContext) -> None:
        world.game_set_property("bonus", world.properties().get("bonus", 0) + 1)

    rule = Rule("center-bonus", _center_taken, bonus, once=True)
    e = LocalEngine(games.make("tictactoe"), rules=[rule])
    e.step(0)
    assert "bonus" not in e.world.properties()
    e.step(4)  # the center: fires
    snap = e.snapshot()
    e.step(8)
    e.step(2)
    props = e.world.properties()
    assert props["bonus"] == 1 and props[FIRED_PREFIX + "center-bonus"] is True
    e.restore(snap)  # the "fired" mark is World state, so snapshots cover it
    assert e.world.properties()[FIRED_PREFIX + "center-bonus"] is True


def test_a_failing_rule_rejects_the_whole_entry() -> None:
    def broken(world: World, ctx: MoveContext) -> None:
        world.game_set_property("half", 1)
        world.stack_draw("no-such-stack", 1)

    e = LocalEngine(games.make("tictactoe"), rules=[Rule("broken", _center_taken, broken)])
    e.step(0)
    h = e.state_hash()
    with pytest.raises(IllegalMoveError, match="failed in the core"):
        e.step(4)
    assert e.state_hash() == h and "half" not in e.world.properties()


def test_rule_engine_validates_its_rules() -> None:
    with pytest.raises(ValueError, match="unique"):
        RuleEngine([_log("a"), _log("a")])
    with pytest.raises(TypeError):
        RuleEngine(["not a rule"])  # type: ignore[list-item]
    assert [r.name for r in RuleEngine([_log("a"), _log("z")]).rules] == ["log-z", "log-a"]


def test_turn_limit_ends_the_game_truncated() -> None:
    e = LocalEngine(games.make("tictactoe", rounds=3), loop=GameLoop(max_turns=4))
    for cell in (0, 1, 2, 3):
        e.step(cell)
    assert e.is_over and e.truncated
    assert e.world.game_state().reason == "max_turns"
    with pytest.raises(IllegalMoveError, match="game is over"):
        e.step(5)


def test_game_starts_in_the_first_phase() -> None:
    e = LocalEngine(games.make("tictactoe"), loop=GameLoop(phases=("opening", "middle")))
    assert e.world.game_state().phase == "opening"


def test_a_witness_claim_times_a_turn_out_on_every_peer() -> None:
    a, b, w = make_room("tictactoe", 3, players=2, turn_timeout_ms=1000, witness=IDS[2])
    assert w.my_seats == ("@witness",)
    a.submit(4, "player_0", time_ms=10_000)
    sync_all([a, b, w])
    early = w.submit_move(
        "turn.timeout", ("player_1",), seat="@witness", time_ms=10_500, validate=False
    )
    assert not early.accepted and "has not timed out (500 ms of 1000)" in early.reason
    wrong = w.submit_move(
        "turn.timeout", ("player_0",), seat="@witness", time_ms=11_500, validate=False
    )
    assert "'player_0' is not the seat to move" in wrong.reason
    # A seat holder's claim alone is recorded but times nothing out: one clock is not enough.
    mine = a.submit_move("turn.timeout", ("player_1",), seat="player_0", time_ms=11_000)
    assert mine.accepted and a.current_player() == "player_1"
    sync_all([a, b, w])
    claim = w.submit_move("turn.timeout", ("player_1",), seat="@witness", time_ms=11_000)
    assert claim.accepted
    sync_all([a, b, w])
    assert a.world.properties()["board"] & 3 == 2  # O in cell 0: tictactoe's default move
    assert a.current_player() == "player_0"
    assert_converged([a, b, w])


def test_the_witness_only_claims_timeouts() -> None:
    _a, _b, w = make_room("tictactoe", 3, players=2, turn_timeout_ms=1000, witness=IDS[2])
    with pytest.raises(IllegalMoveError, match="the witness only claims timeouts"):
        w.submit_move("place", (0,), seat="@witness", time_ms=20_000)


def test_timeouts_in_two_holder_rooms_need_a_witness() -> None:
    with pytest.raises(ChronicleError, match="timeouts need a witness"):
        make_room("tictactoe", 2, turn_timeout_ms=1000)


def test_a_timeout_needs_every_other_seat_holder_and_not_the_idle_one() -> None:
    a, b, c = make_room("blackjack", 3, turn_timeout_ms=1000)
    sync_all([a, b, c])
    idle = a.current_player()
    assert idle is not None
    holder = next(e for e in (a, b, c) if idle in e.my_seats)
    others = [e for e in (a, b, c) if e is not holder]
    t0 = 50_000
    with pytest.raises(IllegalMoveError, match="cannot claim its own timeout"):
        holder.submit_move("turn.timeout", (idle,), seat=holder.my_seats[0], time_ms=t0)
    first = others[0].submit_move("turn.timeout", (idle,), seat=others[0].my_seats[0], time_ms=t0)
    sync_all([a, b, c])
    assert first.accepted and a.current_player() == idle  # one claim: still its turn
    others[1].submit_move("turn.timeout", (idle,), seat=others[1].my_seats[0], time_ms=t0)
    sync_all([a, b, c])
    assert a.current_player() != idle
    assert_converged([a, b, c])


def test_timeout_claims_need_a_room_with_a_timeout() -> None:
    a, _b = make_room("tictactoe", 2)
    with pytest.raises(IllegalMoveError, match="no turn timeout"):
        a.submit_move("turn.timeout", ("player_1",), seat="player_0", time_ms=10**9)


def test_game_loop_validates() -> None:
    with pytest.raises(ValueError):
        GameLoop(max_turns=-1)
    with pytest.raises(ValueError):
        GameLoop(turn_timeout_ms=-5)


def test_the_game_loop_is_room_data_so_recordings_replay_it() -> None:
    e = LocalEngine(games.make("tictactoe", rounds=2), loop=GameLoop(max_turns=5), record=True)
    for cell in (0, 1, 2, 3, 4):
        e.step(cell)
    e.flush()
    assert e.chronicle is not None and e.chronicle.config.max_turns == 5
    replayed = RoomEngine.replay(ch := e.chronicle.fork(), games.for_room(ch.config))
    assert replayed.truncated and replayed.state_hash() == e.state_hash()
