"""Game state and loop: start/end/pause/resume with caller-supplied times, turns that skip
inactive agents, max_turns ending the game, phases and typed properties."""

from __future__ import annotations

import pytest

from hypertoken.core import World
from hypertoken.core.errors import (
    ActionTypeError,
    BadArgumentError,
    BadStateError,
    NotFoundError,
    OutOfRangeError,
)
from tests.kits.core import refused

I64_MIN, I64_MAX = -(2**63), 2**63 - 1


@pytest.fixture
def w(w: World) -> World:
    for name in ("ann", "ben", "cat"):
        w.agent_create(name)
    return w


def test_a_new_world_has_no_game(w: World) -> None:
    g = w.game_state()
    assert (g.turn, g.phase, g.active_agent, g.max_turns) == (0, "", None, 0)
    assert (g.started, g.ended, g.paused, g.running) == (False, False, False, False)
    assert g.properties == {}


def test_start_selects_the_first_active_agent(w: World) -> None:
    w.agent_set_active("ann", False)
    w.game_start(1000)
    g = w.game_state()
    assert (g.started, g.running, g.ended, g.paused) == (True, True, False, False)
    assert (g.turn, g.active_agent, g.start_time) == (0, "ben", 1000)
    with refused(w, BadStateError, "game.start", "already started"):
        w.game_start(2000)


def test_start_without_agents_has_no_active_agent() -> None:
    w = World()
    w.game_start(0)
    assert w.game_state().active_agent is None
    assert w.game_next_turn() == 1
    assert w.game_state().active_agent is None


def test_next_turn_rotates_through_active_agents(w: World) -> None:
    with refused(w, BadStateError, "game.next_turn", "not running"):
        w.game_next_turn()
    w.game_start(0)
    assert w.game_state().active_agent == "ann"
    assert w.game_next_turn() == 1
    assert w.game_state().active_agent == "ben"
    w.agent_set_active("cat", False)
    assert w.game_next_turn() == 2
    assert w.game_state().active_agent == "ann"  # cat skipped, wrapped around
    w.agent_set_active("cat", True)
    w.agent_remove("ben")
    assert w.game_next_turn() == 3
    assert w.game_state().active_agent == "cat"  # removed agents are skipped too
    for name in ("ann", "cat"):
        w.agent_set_active(name, False)
    assert w.game_next_turn() == 4
    assert w.game_state().active_agent is None


def test_removing_the_active_agent_clears_it(w: World) -> None:
    w.game_start(0)
    w.agent_remove("ann")
    assert w.game_state().active_agent is None
    w.game_next_turn()
    assert w.game_state().active_agent == "ben"


def test_max_turns_ends_the_game(w: World) -> None:
    w.game_set_max_turns(3)
    w.game_start(0)
    assert w.game_next_turn() == 1
    assert w.game_next_turn() == 2
    assert w.game_state().running
    assert w.game_next_turn() == 3
    g = w.game_state()
    assert (g.ended, g.running, g.reason, g.winner, g.max_turns) == (
        True,
        False,
        "max_turns",
        "",
        3,
    )
    with refused(w, BadStateError, "game.next_turn", "not running"):
        w.game_next_turn()
    with refused(w, BadStateError, "game.end", "already ended"):
        w.game_end(5)


def test_set_max_turns_must_be_above_the_turn(w: World) -> None:
    w.game_start(0)
    w.game_next_turn()
    w.game_next_turn()
    with refused(w, OutOfRangeError, "game.set_max_turns", "max_turns"):
        w.game_set_max_turns(2)
    w.game_set_max_turns(3)
    w.game_set_max_turns(0)  # unlimited
    assert w.game_state().max_turns == 0


def test_end_records_winner_and_reason(w: World) -> None:
    with refused(w, BadStateError, "game.end", "not started"):
        w.game_end(1)
    w.game_start(100)
    w.game_end(250, winner="ben", reason="checkmate")
    g = w.game_state()
    assert (g.ended, g.running, g.winner, g.reason, g.end_time) == (
        True,
        False,
        "ben",
        "checkmate",
        250,
    )
    # A finished game can be started again, from turn 0 with a clean record.
    w.game_start(300)
    g = w.game_state()
    assert (g.started, g.ended, g.running, g.turn, g.winner, g.reason) == (
        True,
        False,
        True,
        0,
        "",
        "",
    )
    assert (g.start_time, g.end_time, g.total_pause) == (300, 0, 0)


def test_pause_and_resume_accumulate_the_pause(w: World) -> None:
    with refused(w, BadStateError, "game.pause", "not running"):
        w.game_pause(0)
    w.game_start(0)
    w.game_pause(100)
    assert w.game_state().paused
    with refused(w, BadStateError, "game.pause", "already paused"):
        w.game_pause(110)
    with refused(w, BadArgumentError, "game.resume", "before pause"):
        w.game_resume(99)
    w.game_resume(130)
    g = w.game_state()
    assert (g.paused, g.total_pause, g.pause_time) == (False, 30, 100)
    with refused(w, BadStateError, "game.resume", "not paused"):
        w.game_resume(140)
    w.game_pause(200)
    # Ending during a pause counts the pause up to the end.
    w.game_end(260)
    g = w.game_state()
    assert (g.paused, g.total_pause, g.end_time) == (False, 90, 260)


def test_turns_advance_while_paused(w: World) -> None:
    # Pause is wall-clock bookkeeping (as upstream): the loop keeps running.
    w.game_start(0)
    w.game_pause(5)
    assert w.game_state().running
    assert w.game_next_turn() == 1


def test_extreme_times_are_refused_not_trapped(w: World) -> None:
    w.game_start(0)
    w.game_pause(I64_MIN)
    with refused(w, BadArgumentError, "game.resume"):
        w.game_resume(I64_MAX)
    with refused(w, BadArgumentError, "game.end"):
        w.game_end(I64_MAX)


def test_next_phase_sets_the_phase_and_advances_the_turn(w: World) -> None:
    with refused(w, BadStateError, "game.next_phase", "not running"):
        w.game_next_phase("deal")
    w.game_start(0)
    assert w.game_next_phase("deal") == 1
    g = w.game_state()
    assert (g.phase, g.turn, g.active_agent) == ("deal", 1, "ben")
    with refused(w, BadArgumentError, "game.next_phase", "phase name"):
        w.game_next_phase("")


def test_set_phase_keeps_the_turn(w: World) -> None:
    w.game_set_phase("setup")  # allowed before the game starts
    assert (w.game_state().phase, w.game_state().turn) == ("setup", 0)
    w.game_start(0)
    w.game_next_turn()
    w.game_set_phase("play")
    assert (w.game_state().phase, w.game_state().turn) == ("play", 1)
    with refused(w, BadArgumentError, "game.set_phase"):
        w.game_set_phase("")


def test_set_active_agent(w: World) -> None:
    w.game_set_active_agent("cat")
    assert w.game_state().active_agent == "cat"
    w.agent_set_active("ben", False)
    with refused(w, BadStateError, "game.set_active_agent", "'ben'"):
        w.game_set_active_agent("ben")
    with refused(w, NotFoundError, "game.set_active_agent", "'zed'"):
        w.game_set_active_agent("zed")


def test_properties_are_typed(w: World) -> None:
    w.game_set_property("round", 3)
    w.game_set_property("pot", 12.5)
    w.game_set_property("open", True)
    w.game_set_property("trump", "hearts")
    w.game_set_property("big", -(2**63))
    assert w.properties() == {
        "round": 3,
        "pot": 12.5,
        "open": True,
        "trump": "hearts",
        "big": -(2**63),
    }
    assert w.game_state().properties == w.properties()
    w.game_set_property("round", 4)
    w.game_set_property("pot", None)
    w.game_set_property("missing", None)
    assert w.properties() == {"round": 4, "open": True, "trump": "hearts", "big": -(2**63)}
    assert type(w.properties()["open"]) is bool
    assert w.properties()["round"] == 4
    with refused(w, BadArgumentError, "game.set_property"):
        w.game_set_property("", 1)
    with refused(w, ActionTypeError, "game.set_property", "NaN"):
        w.game_set_property("x", float("nan"))
    with refused(w, ActionTypeError, "game.set_property", "64-bit"):
        w.game_set_property("x", 2**63)
    with refused(w, ActionTypeError, "game.set_property"):
        w.game_set_property("x", [1, 2])
    w.game_set_property("inf", float("inf"))  # infinities are values; only NaN is refused
    assert w.properties()["inf"] == float("inf")
