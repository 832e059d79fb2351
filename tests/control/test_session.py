"""The sans-IO control session: bridge commands against the in-process envs, the combined
reply, Parallel steps, and bad input that changes nothing (by state hash).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import msgpack
import numpy as np
import pytest

from hypertoken.control import ControlSession, EnvHost
from hypertoken.control.convert import plain
from hypertoken.envs import UnknownEnvError, parallel_env, raw_env
from hypertoken.protocol.control import FRAME_HEADER, encode_frame


@pytest.fixture
def blackjack() -> Iterator[ControlSession]:
    host = EnvHost("blackjack", seed=42)
    session = host.session()
    yield session
    session.close()
    host.close()


def _hash(session: ControlSession) -> str:
    out: str = session.handle({"cmd": "state_hash"})["hash"]
    return out


def _legal(mask: list[bool], rng: random.Random) -> int:
    return rng.choice([i for i, ok in enumerate(mask) if ok])


def test_everything_is_there_before_the_first_reset(blackjack: ControlSession) -> None:
    assert blackjack.handle({"cmd": "possible_agents"}) == {"possible_agents": ["player_0"]}
    assert blackjack.handle({"cmd": "agents"}) == {"agents": ["player_0"]}
    space = blackjack.handle({"cmd": "observation_space", "agent": "player_0"})["space"]
    assert space["shape"] == [7] and space["dtype"] == "float32"
    assert blackjack.handle({"cmd": "action_space", "agent": "player_0"}) == {
        "space": {"n": 5, "shape": []}
    }
    last = blackjack.handle({"cmd": "last"})
    assert set(last) == {"observation", "reward", "terminated", "truncated", "info"}
    info = blackjack.handle({"cmd": "env_info"})
    assert info["env_type"] == "blackjack" and info["env_id"] == "blackjack_v1"
    assert info["action_spaces"] == {"player_0": {"n": 5, "shape": []}}


@pytest.mark.parametrize("env", ["blackjack_v1", "tictactoe_v1", "prisoners_dilemma_v1"])
def test_a_session_plays_the_in_process_episode_move_for_move(env: str) -> None:
    host = EnvHost(env)
    session = host.session()
    local = raw_env(env, mask_in_obs=False)
    rng = random.Random(5)
    for seed in (3, 11):
        turn = session.handle({"cmd": "reset", "seed": seed, "reply": "turn"})["turn"]
        local.reset(seed=seed)
        while turn["agents"]:
            agent = local.agent_selection
            obs, reward, term, trunc, _ = local.last()
            assert turn["agent"] == agent
            assert turn["observation"] == obs.tolist()
            assert (turn["reward"], turn["terminated"], turn["truncated"]) == (reward, term, trunc)
            assert turn["mask"] == (local.action_mask(agent) != 0).tolist()
            action = None if term or trunc else _legal(turn["mask"], rng)
            turn = session.handle({"cmd": "step", "action": action, "reply": "turn"})["turn"]
            local.step(action)
            assert _hash(session) == local.episode.engine.state_hash().hex()
        assert not local.agents
    session.close()
    host.close()


def test_last_carries_the_terminal_reward_and_reading_it_changes_nothing(
    blackjack: ControlSession,
) -> None:
    blackjack.handle({"cmd": "reset", "seed": 42})
    blackjack.handle({"cmd": "step", "action": 1})  # stand: this hand (seed 42) is lost
    first = blackjack.handle({"cmd": "last"})
    assert first == blackjack.handle({"cmd": "last"})
    assert first["terminated"] and first["reward"] == -1.0
    assert blackjack.handle({"cmd": "rewards"}) == {"rewards": {"player_0": -1.0}}
    # The bridge's agents: nobody is still playing, so its clients' loops end here...
    assert blackjack.handle({"cmd": "agents"}) == {"agents": []}
    # ...while PettingZoo's agents keep the finished agent until it steps out.
    turn = blackjack.handle({"cmd": "step", "action": None, "reply": "turn"})["turn"]
    assert turn["agents"] == [] and turn["terminated"]


def _bad_requests() -> list[tuple[object, str]]:
    return [
        ({"cmd": "step", "action": 9}, "bad_action"),
        ({"cmd": "step", "action": -1}, "bad_action"),
        ({"cmd": "step", "action": "hit"}, "bad_field"),
        ({"cmd": "step", "action": None}, "bad_action"),  # the agent is still playing
        ({"cmd": "step"}, "missing_field"),
        ({"cmd": "observe", "agent": "player_7"}, "bad_field"),
        ({"cmd": "action_mask", "agent": ["player_0"]}, "bad_field"),
        ({"cmd": "reset", "seed": -3}, "bad_field"),
        ({"cmd": "teleport"}, "unknown_command"),
        ({"cmd": "step_all", "actions": {"player_0": 7}}, "bad_action"),
        ({"cmd": "step_all", "actions": {"player_3": 0}}, "bad_field"),
        ("step", "bad_request"),
        ([{"cmd": "step", "action": 0}], "bad_request"),
    ]


@pytest.mark.parametrize(("request_obj", "code"), _bad_requests())
def test_bad_requests_get_an_error_and_change_nothing(
    blackjack: ControlSession, request_obj: object, code: str
) -> None:
    blackjack.handle({"cmd": "reset", "seed": 42})
    before = (_hash(blackjack), blackjack.handle({"cmd": "last"}))
    response = blackjack.handle(request_obj)
    assert response["code"] == code and response["error"]
    assert (_hash(blackjack), blackjack.handle({"cmd": "last"})) == before
    assert blackjack.handle({"cmd": "step", "action": 1}) == {"ok": True}  # still usable


def test_an_illegal_move_is_refused_and_changes_nothing() -> None:
    host = EnvHost("tictactoe", seed=1)
    session = host.session()
    assert session.handle({"cmd": "step", "action": 4}) == {"ok": True}
    before = _hash(session)
    response = session.handle({"cmd": "step", "action": 4})
    assert response["code"] == "illegal_move" and response["field"] == "action"
    assert _hash(session) == before
    assert session.handle({"cmd": "agent_selection"}) == {"agent": "player_1"}


def test_stepping_a_finished_episode_says_reset(blackjack: ControlSession) -> None:
    blackjack.handle({"cmd": "reset", "seed": 42})
    blackjack.handle({"cmd": "step", "action": 1})
    blackjack.handle({"cmd": "step", "action": None})
    response = blackjack.handle({"cmd": "step", "action": 1})
    assert response["code"] == "episode_over" and "reset" in response["error"]


def test_ids_are_echoed_and_must_increase() -> None:
    host = EnvHost("blackjack")
    session = host.session(require_ids=True)
    assert session.handle({"cmd": "ping", "id": 5})["id"] == 5
    reused = session.handle({"cmd": "ping", "id": 5})
    assert reused["code"] == "duplicate_id" and reused["id"] == 5
    assert session.handle({"cmd": "ping"})["code"] == "missing_field"
    assert session.handle({"cmd": "agents", "id": 6}) == {"agents": ["player_0"], "id": 6}


def test_json_and_msgpack_entry_points_never_raise(blackjack: ControlSession) -> None:
    assert '"code":"bad_json"' in blackjack.handle_json("{nope")
    assert '"pong"' in blackjack.handle_json('{"cmd":"ping"}')
    frame = blackjack.handle_msgpack(b"\xc1")
    (size,) = FRAME_HEADER.unpack_from(frame)
    assert msgpack.unpackb(frame[4:])["code"] == "bad_msgpack" and size == len(frame) - 4
    reply = blackjack.handle_msgpack(encode_frame({"cmd": "agents", "id": 1})[4:])
    assert msgpack.unpackb(reply[4:]) == {"agents": ["player_0"], "id": 1}


def test_step_all_plays_the_parallel_env_round_for_round() -> None:
    host = EnvHost("prisoners_dilemma_v1", options={"rounds": 4})
    session = host.session()
    local = parallel_env("prisoners_dilemma_v1", rounds=4)
    local.reset(seed=8)
    session.handle({"cmd": "reset", "seed": 8})
    rng = random.Random(2)
    while local.agents:
        actions = {a: rng.randrange(2) for a in local.agents}
        obs, rewards, terms, truncs, infos = local.step(actions)
        reply = session.handle({"cmd": "step_all", "actions": actions})
        assert reply["observations"] == {a: np.asarray(o).tolist() for a, o in obs.items()}
        assert reply["rewards"] == rewards
        assert reply["terminations"] == terms and reply["truncations"] == truncs
        assert reply["infos"] == plain(infos)
        assert reply["agents"] == local.agents
    assert session.handle({"cmd": "step_all", "actions": {"player_0": 0}})["code"] == (
        "episode_over"
    )


def test_step_all_needs_every_agent_of_a_simultaneous_game() -> None:
    session = EnvHost("prisoners_dilemma").session()
    before = _hash(session)
    reply = session.handle({"cmd": "step_all", "actions": {"player_0": 1}})
    assert reply["code"] == "bad_field" and "player_1" in reply["error"]
    assert _hash(session) == before


def test_step_all_of_a_turn_based_game_moves_the_agent_to_move() -> None:
    session = EnvHost("tictactoe", seed=3).session()
    reply = session.handle({"cmd": "step_all", "actions": {"player_0": 0, "player_1": 1}})
    assert reply["agents"] == ["player_0", "player_1"]
    assert session.handle({"cmd": "agent_selection"}) == {"agent": "player_1"}
    illegal = session.handle({"cmd": "step_all", "actions": {"player_1": 0}})
    assert illegal["code"] == "illegal_move"


def test_own_envs_by_default_one_env_when_shared() -> None:
    own = EnvHost("tictactoe", seed=1)
    a, b = own.session(), own.session()
    a.handle({"cmd": "step", "action": 0})
    assert b.handle({"cmd": "agent_selection"}) == {"agent": "player_0"}
    assert own.health()["connections"] == 2
    a.close()
    assert own.health()["connections"] == 1
    shared = EnvHost("tictactoe", seed=1, shared=True)
    c, d = shared.session(), shared.session()
    c.handle({"cmd": "step", "action": 0})
    assert d.handle({"cmd": "agent_selection"}) == {"agent": "player_1"}
    assert _hash(c) == _hash(d)


def test_a_seat_bound_session_moves_only_its_seats() -> None:
    host = EnvHost("tictactoe", seed=1)
    session = host.session(seats=["player_1"])
    before = _hash(session)
    response = session.handle({"cmd": "step", "action": 0})
    assert response["code"] == "not_your_seat" and "player_1" in response["error"]
    assert _hash(session) == before


def test_render_returns_the_text() -> None:
    reply = EnvHost("tictactoe", seed=1).session().handle({"cmd": "render"})
    assert reply["ok"] is True and isinstance(reply["text"], str) and reply["text"]


def test_bad_hosts_fail_when_built() -> None:
    with pytest.raises(UnknownEnvError):
        EnvHost("chess")
    with pytest.raises(TypeError, match="decks"):
        EnvHost("blackjack", options={"deck": 2})
    host = EnvHost("blackjack", num_players=2, options={"decks": 2})
    info: dict[str, Any] = host.env_info()
    assert info["possible_agents"] == ["player_0", "player_1"]
    assert info["env_options"] == {"decks": 2, "num_players": 2}
