"""The vector env: Gymnasium's vector conventions, the same episodes as the local engine and
as the gym env table by table, its autoreset modes, its kernel fast path against the generic
path, and bad input.
"""

from __future__ import annotations

import random
from typing import Any

import gymnasium
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import hypertoken.envs as envs
from games.blackjack import Blackjack
from hypertoken.engine import LocalEngine
from hypertoken.envs.seeding import next_seed
from hypertoken.game import IllegalMoveError

#: (env id, options): blackjack with one seat takes the kernel path, the others the generic one.
CASES: list[tuple[str, dict[str, Any]]] = [
    ("blackjack_v1", {}),
    ("blackjack_v1", {"hands": 3, "decks": 1, "penetration": 0.9}),
    ("blackjack_v1", {"num_players": 3}),
    ("prisoners_dilemma_v1", {"rounds": 7}),
    ("tictactoe_v1", {}),
]
IDS = [f"{e}-{'-'.join(map(str, o.values())) or 'default'}" for e, o in CASES]


def random_actions(masks: np.ndarray, rng: random.Random) -> np.ndarray:
    """One random legal action per row (action 0 for a row without one)."""
    return np.array(
        [rng.choice(np.flatnonzero(m).tolist()) if m.any() else 0 for m in masks], dtype=np.int64
    )


def test_spaces_metadata_and_batched_arrays() -> None:
    env = envs.vector_env("blackjack_v1", num_envs=6)
    assert isinstance(env, gymnasium.vector.VectorEnv)
    assert env.metadata["autoreset_mode"] is AutoresetMode.NEXT_STEP
    assert env.single_observation_space == gymnasium.spaces.Box(0.0, 1.0, (7,), np.float32)
    assert env.single_action_space == gymnasium.spaces.Discrete(5)
    assert env.action_space == gymnasium.spaces.MultiDiscrete([5] * 6)
    obs, infos = env.reset(seed=3)
    assert obs.shape == (6, 7) and obs.dtype == np.float32
    assert env.observation_space.contains(obs)
    mask = infos["action_mask"]
    assert mask.shape == (6, 5) and mask.dtype == np.bool_
    for _ in range(50):
        obs, rewards, term, trunc, infos = env.step(
            random_actions(infos["action_mask"], random.Random(0))
        )
        assert env.observation_space.contains(obs)
        assert rewards.shape == (6,) and rewards.dtype == np.float64
        assert term.dtype == np.bool_ and trunc.dtype == np.bool_
        assert infos["action_mask"].shape == (6, 5)


def test_returned_arrays_are_not_reused() -> None:
    env = envs.vector_env("blackjack_v1", 4)
    obs, _ = env.reset(seed=0)
    out = env.step(np.ones(4, dtype=np.int64))
    again = env.step(np.zeros(4, dtype=np.int64))
    for a, b in zip(out[:4], again[:4], strict=True):
        assert not np.shares_memory(a, b)
    assert not np.shares_memory(out[-1]["action_mask"], again[-1]["action_mask"])
    assert not np.shares_memory(obs, out[0])
    shared = envs.vector_env("blackjack_v1", 4, copy=False)
    first, _ = shared.reset(seed=0)
    second, *_ = shared.step(np.ones(4, dtype=np.int64))
    assert np.shares_memory(first, second)  # copy=False hands out the buffers themselves


def test_render_gives_each_tables_text() -> None:
    env = envs.vector_env("tictactoe_v1", 2, render_mode="ansi")
    env.reset(seed=0)
    texts = env.render()
    assert texts is not None and len(texts) == 2 and all(isinstance(t, str) for t in texts)
    with pytest.warns(UserWarning, match="render_mode"):
        assert envs.vector_env("tictactoe_v1", 2).render() is None
    with pytest.raises(ValueError, match="render_mode"):
        envs.vector_env("tictactoe_v1", 2, render_mode="human")


def test_make_vec_builds_it() -> None:
    env = gymnasium.make_vec(
        "hypertoken/Blackjack-v1", num_envs=3, vectorization_mode="vector_entry_point"
    )
    obs, _ = env.reset(seed=0)
    assert obs.shape == (3, 7)


@pytest.mark.parametrize(("env_id", "options"), CASES, ids=IDS)
def test_every_table_plays_the_local_engines_episodes(env_id: str, options: dict[str, Any]) -> None:
    n, seed = 4, 1000
    env = envs.vector_env(env_id, n, **options)
    _, infos = env.reset(seed=seed)
    rng = random.Random(7)
    episodes = [0] * n
    for _ in range(120):
        before = [(int(env.seeds[i]), env.engines[i].moves) for i in range(n)]
        _, _, term, trunc, infos = env.step(random_actions(infos["action_mask"], rng))
        for i in range(n):
            episode_seed, _ = before[i]
            first = seed + i
            expected = first if episodes[i] == 0 else next_seed(first, episodes[i])
            assert episode_seed == expected
            if term[i] or trunc[i]:
                engine = LocalEngine(env.game, seed=episode_seed)
                for seat, action in env.engines[i].moves:
                    engine.step(action, seat)
                assert engine.state_hash() == env.state_hash(i)
                assert engine.is_over
            if episode_seed != int(env.seeds[i]):
                episodes[i] += 1
    assert all(k >= 2 for k in episodes)


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
@pytest.mark.parametrize(("env_id", "options"), CASES, ids=IDS)
def test_agrees_with_gymnasiums_vector_of_gym_envs(
    env_id: str, options: dict[str, Any], mode: AutoresetMode
) -> None:
    n = 3
    ours = envs.vector_env(env_id, n, autoreset_mode=mode, **options)
    theirs = SyncVectorEnv(
        [lambda: envs.gym_env(env_id, **options) for _ in range(n)], autoreset_mode=mode
    )
    obs_a, info_a = ours.reset(seed=55)
    obs_b, info_b = theirs.reset(seed=55)
    rng = random.Random(1)
    for _ in range(80):
        np.testing.assert_array_equal(obs_a, obs_b)
        np.testing.assert_array_equal(info_a["action_mask"], info_b["action_mask"].astype(bool))
        actions = random_actions(info_a["action_mask"], rng)
        obs_a, rew_a, term_a, trunc_a, info_a = ours.step(actions)
        obs_b, rew_b, term_b, trunc_b, info_b = theirs.step(actions)
        np.testing.assert_array_equal(rew_a, rew_b)
        np.testing.assert_array_equal(term_a, term_b)
        np.testing.assert_array_equal(trunc_a, trunc_b)
        if mode is AutoresetMode.SAME_STEP and (term_a | trunc_a).any():
            np.testing.assert_array_equal(info_a["_final_obs"], info_b["_final_obs"])
            for i in np.flatnonzero(info_a["_final_obs"]):
                np.testing.assert_array_equal(info_a["final_obs"][i], info_b["final_obs"][i])


@pytest.mark.parametrize(
    "options",
    [{}, {"illegal_action": "error"}, {"decks": 1, "splits": 3, "h17": True}],
)
def test_the_tables_path_equals_the_generic_path(
    options: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = envs.vector_env("blackjack_v1", 5, **options)
    monkeypatch.setattr(Blackjack, "training_tables", lambda *_: None)
    slow = envs.vector_env("blackjack_v1", 5, **options)
    assert fast._tables is not None and slow._tables is None
    out_a, out_b = fast.reset(seed=9), slow.reset(seed=9)
    rng = random.Random(3)
    for _ in range(150):
        np.testing.assert_array_equal(out_a[0], out_b[0])
        np.testing.assert_array_equal(out_a[-1]["action_mask"], out_b[-1]["action_mask"])
        actions = np.array([rng.randrange(5) for _ in range(5)])  # unavailable ones too
        out_a, out_b = fast.step(actions), slow.step(actions)
        for a, b in zip(out_a[1:4], out_b[1:4], strict=True):
            np.testing.assert_array_equal(a, b)
        assert out_a[-1].keys() == out_b[-1].keys()
        for i in range(5):
            assert fast.state_hash(i) == slow.state_hash(i)


def test_next_step_resets_finished_tables_on_the_next_step() -> None:
    env = envs.vector_env("blackjack_v1", 8)
    env.reset(seed=0)
    stand = np.ones(8, dtype=np.int64)
    _, _, term, _, _ = env.step(stand)  # Stand ends every hand (insurance rounds aside)
    assert term.any()
    seeds = env.seeds.copy()
    _, rewards, term2, _, _ = env.step(np.zeros(8, dtype=np.int64))
    assert (rewards[term] == 0).all() and not term2[term].any()
    assert (env.seeds[term] != seeds[term]).all()
    assert all(len(env.engines[i].moves) == 0 for i in np.flatnonzero(term))


def test_same_step_reports_the_final_observation() -> None:
    env = envs.vector_env("tictactoe_v1", 2, autoreset_mode="SameStep")
    _, infos = env.reset(seed=0)
    rng = random.Random(0)
    for _ in range(30):
        _, _, term, trunc, infos = env.step(random_actions(infos["action_mask"], rng))
        done = term | trunc
        if done.any():
            assert (infos["_final_obs"] == done).all()
            assert all(infos["final_obs"][i] is None for i in np.flatnonzero(~done))
            assert all(infos["final_obs"][i].shape == (18,) for i in np.flatnonzero(done))
            return
    pytest.fail("no game of tictactoe ended in 30 moves")


def test_disabled_autoreset_needs_a_reset_mask() -> None:
    env = envs.vector_env("blackjack_v1", 4, autoreset_mode=AutoresetMode.DISABLED)
    env.reset(seed=1)
    _, _, term, _, _ = env.step(np.ones(4, dtype=np.int64))
    while not term.any():
        _, _, term, _, _ = env.step(np.ones(4, dtype=np.int64))
    with pytest.raises(envs.EpisodeOverError, match="reset_mask"):
        env.step(np.ones(4, dtype=np.int64))
    kept = env.seeds.copy()
    env.reset(options={"reset_mask": term})
    assert (env.seeds[~term] == kept[~term]).all() and (env.seeds[term] != kept[term]).all()


def test_same_seed_same_run_and_explicit_seeds() -> None:
    runs = []
    for _ in range(2):
        env = envs.vector_env("blackjack_v1", 4)
        obs, infos = env.reset(seed=123)
        rng = random.Random(5)
        trace = [obs]
        for _ in range(40):
            obs, rewards, *_, infos = env.step(random_actions(infos["action_mask"], rng))
            trace += [obs, rewards]
        runs.append(trace)
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)
    env = envs.vector_env("blackjack_v1", 3)
    env.reset(seed=[5, 50, 500])
    assert env.seeds.tolist() == [5, 50, 500]
    assert env.engines[1].state_hash() == LocalEngine(env.game, seed=50).state_hash()


@pytest.mark.parametrize(
    ("actions", "error", "match"),
    [
        (np.zeros(3, dtype=np.int64), ValueError, "shape"),
        (np.zeros((4, 1), dtype=np.int64), ValueError, "shape"),
        (np.zeros(4, dtype=np.float32), TypeError, "integers"),
        (np.array([0, 1, 5, 0]), ValueError, r"tables \[2\]"),
        (np.array([0, -1, 0, 0]), ValueError, r"tables \[1\]"),
        (["a", "b", "c", "d"], TypeError, "integers"),
    ],
)
def test_bad_actions_are_refused_and_change_nothing(actions: Any, error: type, match: str) -> None:
    env = envs.vector_env("blackjack_v1", 4)
    env.reset(seed=0)
    hashes = [env.state_hash(i) for i in range(4)]
    with pytest.raises(error, match=match):
        env.step(actions)
    assert hashes == [env.state_hash(i) for i in range(4)]


@pytest.mark.parametrize("seed", [-1, 2**63, True, 1.5, "1"])
def test_bad_seeds_are_refused(seed: Any) -> None:
    env = envs.vector_env("blackjack_v1", 2)
    with pytest.raises(ValueError, match="seed"):
        env.reset(seed=seed)
    with pytest.raises(ValueError, match="seed"):
        env.reset(seed=[0, seed])


def test_misuse_is_refused() -> None:
    with pytest.raises(envs.UnknownEnvError, match="blackjack_v1"):
        envs.vector_env("chess_v1", 2)
    with pytest.raises(ValueError, match="num_envs"):
        envs.vector_env("blackjack_v1", 0)
    with pytest.raises(ValueError, match="autoreset_mode"):
        envs.vector_env("blackjack_v1", 2, autoreset_mode="sometimes")
    env = envs.vector_env("blackjack_v1", 2)
    with pytest.raises(envs.EpisodeOverError, match="reset"):
        env.step(np.zeros(2, dtype=np.int64))
    with pytest.raises(ValueError, match="2 of them"):
        env.reset(seed=[1, 2, 3])
    env.reset(seed=0)
    env.close()
    with pytest.raises(RuntimeError, match="closed"):
        env.step(np.zeros(2, dtype=np.int64))
    with pytest.raises(RuntimeError, match="closed"):
        env.reset()


def test_refused_moves_follow_on_illegal() -> None:
    env = envs.vector_env("tictactoe_v1", 2)
    _, infos = env.reset(seed=0)
    first = random_actions(infos["action_mask"], random.Random(0))
    env.step(first)
    hashes = [env.state_hash(i) for i in range(2)]
    _, rewards, term, _, infos = env.step(first)  # those cells are taken now
    assert infos["_illegal_action"].all() and (infos["illegal_action"] == first).all()
    assert (rewards == -1.0).all() and not term.any()
    assert hashes == [env.state_hash(i) for i in range(2)]
    strict = envs.vector_env("tictactoe_v1", 2, on_illegal="raise")
    strict.reset(seed=0)
    strict.step(first)
    with pytest.raises(IllegalMoveError):
        strict.step(first)


def test_unseeded_first_reset_draws_consecutive_seeds() -> None:
    env = envs.vector_env("blackjack_v1", 3)
    env.reset()
    s = env.seeds.tolist()
    assert s[1] == s[0] + 1 and s[2] == s[0] + 2


def test_options_without_training_tables_take_the_engines() -> None:
    for options in ({"hands": 4}, {"illegal_action": "penalty"}):
        env = envs.vector_env("blackjack_v1", 3, **options)
        assert env._tables is None
        env.reset(seed=1)
        assert env.engines[0].state_hash() == LocalEngine(env.game, seed=1).state_hash()
    assert envs.vector_env("blackjack_v1", 3)._tables is not None


def test_a_refused_move_under_raise_changes_no_table() -> None:
    env = envs.vector_env("blackjack_v1", 6, illegal_action="error", on_illegal="raise")
    assert env._tables is not None
    _, infos = env.reset(seed=3)
    live = ~infos["no_decision"]
    assert live.any()
    masks = infos["action_mask"]
    actions = np.array([int(np.flatnonzero(m)[0]) if m.any() else 0 for m in masks])
    bad = int(np.flatnonzero(live)[0])
    actions[bad] = int(np.flatnonzero(~masks[bad])[0])  # an unavailable action there
    hashes = [env.state_hash(i) for i in range(6)]
    with pytest.raises(IllegalMoveError, match="illegal move for player_0"):
        env.step(actions)
    assert hashes == [env.state_hash(i) for i in range(6)]  # no table moved
    actions[bad] = int(np.flatnonzero(masks[bad])[0])
    env.step(actions)  # the same step with legal actions goes through
    assert hashes[bad] != env.state_hash(bad)
