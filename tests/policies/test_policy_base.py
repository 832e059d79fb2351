"""The protocol's built-ins that need no game: random legal, plain functions, and model
wrappers (fakes for each kind of Stable-Baselines3 model, and one real PPO when SB3 is
installed).
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import numpy as np
import pytest

from hypertoken.policies import FunctionPolicy, Policy, RandomLegal, SB3Policy, legal_actions

MASK = np.array([0, 1, 0, 1, 1], dtype=np.int8)
OBS = np.zeros(3, dtype=np.float32)


def test_random_legal_is_uniform_over_the_mask_and_seeded() -> None:
    policy = RandomLegal()
    rng = random.Random(5)
    counts = Counter(policy.act(OBS, MASK, rng) for _ in range(3000))
    assert set(counts) == {1, 3, 4}
    assert all(900 < c < 1100 for c in counts.values()), counts
    first, second = random.Random(9), random.Random(9)
    assert [policy.act(OBS, MASK, first) for _ in range(50)] == [
        policy.act(OBS, MASK, second) for _ in range(50)
    ]


def test_random_legal_without_a_mask_uses_every_action() -> None:
    rng = random.Random(1)
    assert {RandomLegal(4).act(OBS, None, rng) for _ in range(200)} == {0, 1, 2, 3}
    with pytest.raises(ValueError, match="no action mask"):
        RandomLegal().act(OBS, None, rng)
    with pytest.raises(ValueError, match="mask is empty"):
        RandomLegal(5).act(OBS, np.zeros(5, np.int8), rng)


def test_stateless_policies_clone_to_themselves() -> None:
    policy = RandomLegal(3)
    assert policy.clone() is policy
    policy.reset()  # a no-op hook
    assert repr(policy) == "RandomLegal('random')"


def test_from_callable() -> None:
    def first_legal(obs: np.ndarray, mask: np.ndarray | None, rng: random.Random) -> int:
        return legal_actions(mask, 5)[0]

    policy = Policy.from_callable(first_legal)
    assert isinstance(policy, FunctionPolicy) and policy.name == "first_legal"
    assert policy.act(OBS, MASK, random.Random(0)) == 1
    assert Policy.from_callable(first_legal, name="first").name == "first"
    with pytest.raises(TypeError):
        Policy.from_callable(3)  # type: ignore[arg-type]


# ---- model wrappers -------------------------------------------------------------------


class _Probs:
    def __init__(self, probs: list[float]) -> None:
        self.probs = np.array([probs])


class _Dist:
    def __init__(self, probs: list[float]) -> None:
        self.distribution = _Probs(probs)


class _PolicyNet:
    """The parts of an SB3 actor-critic policy the wrapper reads."""

    def __init__(self, probs: list[float]) -> None:
        self._probs = probs
        self.seen: list[Any] = []

    def obs_to_tensor(self, obs: Any) -> tuple[Any, bool]:
        self.seen.append(obs)
        return obs, False

    def get_distribution(self, obs: Any) -> _Dist:
        return _Dist(self._probs)


class FakePPO:
    """Predicts action 0 always (illegal under MASK); probabilities favour action 3."""

    def __init__(self, probs: list[float] | None = None) -> None:
        self.policy = _PolicyNet(probs or [0.5, 0.1, 0.05, 0.3, 0.05])
        self.calls = 0

    def predict(
        self, obs: Any, state: Any = None, episode_start: Any = None, deterministic: bool = False
    ) -> tuple[np.ndarray, Any]:
        self.calls += 1
        return np.array([0]), None


class _QNet:
    def __call__(self, obs: Any) -> np.ndarray:
        return np.array([[9.0, -1.0, 3.0, 2.0, 2.5]])


class FakeDQN:
    def __init__(self) -> None:
        self.q_net = _QNet()
        self.policy = type("P", (), {"obs_to_tensor": staticmethod(lambda o: (o, False))})()

    def predict(self, obs: Any, deterministic: bool = True) -> tuple[int, None]:
        return 0, None


class FakeMaskable:
    """Like MaskablePPO: predict takes action_masks and honours it."""

    def __init__(self) -> None:
        self.masks: list[np.ndarray] = []

    def predict(
        self, obs: Any, deterministic: bool = False, action_masks: np.ndarray | None = None
    ) -> tuple[np.ndarray, None]:
        assert action_masks is not None
        self.masks.append(action_masks)
        return np.array([int(np.flatnonzero(action_masks)[-1])]), None


class FakeRecurrent:
    """Returns its hidden state + 1 as the state, and the state as the action."""

    def predict(
        self, obs: Any, state: Any = None, episode_start: Any = None, deterministic: bool = True
    ) -> tuple[np.ndarray, Any]:
        s = 0 if state is None else state
        return np.array([s % 5]), s + 1


def test_an_illegal_prediction_falls_back_to_the_most_probable_legal_action() -> None:
    model = FakePPO()
    policy = Policy.from_sb3(model)
    assert isinstance(policy, SB3Policy) and policy.name == "sb3-fakeppo"
    rng = random.Random(0)
    assert policy.act(OBS, MASK, rng) == 3
    assert policy.act(OBS, None, rng) == 0  # no mask: the model's choice stands
    assert policy.act(OBS, np.ones(5, np.int8), rng) == 0


def test_an_illegal_prediction_falls_back_to_the_best_q_value() -> None:
    policy = Policy.from_sb3(FakeDQN())
    assert policy.act(OBS, MASK, random.Random(0)) == 4


def test_a_maskable_model_gets_the_mask() -> None:
    model = FakeMaskable()
    policy = Policy.from_sb3(model)
    assert policy.act(OBS, MASK, random.Random(0)) == 4
    assert model.masks[0].dtype == bool and model.masks[0].tolist() == MASK.astype(bool).tolist()


def test_a_model_without_scores_plays_the_lowest_legal_action() -> None:
    class Bare:
        def predict(self, obs: Any, deterministic: bool = True) -> tuple[int, None]:
            return 2, None

    assert Policy.from_sb3(Bare()).act(OBS, MASK, random.Random(0)) == 1
    with pytest.raises(TypeError, match="predict"):
        Policy.from_sb3(object())


def test_stochastic_play_samples_the_masked_probabilities_with_the_rng() -> None:
    model = FakePPO([0.4, 0.2, 0.1, 0.2, 0.1])
    policy = Policy.from_sb3(model, deterministic=False)
    draws = [policy.act(OBS, MASK, random.Random(s)) for s in range(4000)]
    counts = Counter(draws)
    assert set(counts) == {1, 3, 4} and model.calls == 0
    # Legal weights 0.2, 0.2, 0.1 -> 2/5, 2/5, 1/5.
    assert 1400 < counts[1] < 1800 and 1400 < counts[3] < 1800 and 600 < counts[4] < 1000
    assert draws == [policy.act(OBS, MASK, random.Random(s)) for s in range(4000)]


def test_dict_observation_models_get_the_classic_dict() -> None:
    model = FakePPO()
    model.observation_space = type("Space", (), {"spaces": {"observation": 0, "action_mask": 0}})()  # type: ignore[attr-defined]
    policy = Policy.from_sb3(model)
    policy.act(OBS, MASK, random.Random(0))
    seen = model.policy.seen[-1]
    assert set(seen) == {"observation", "action_mask"}
    assert seen["action_mask"].tolist() == MASK.tolist()


def test_recurrent_state_is_per_seat_and_reset() -> None:
    policy = Policy.from_sb3(FakeRecurrent())
    rng = random.Random(0)
    assert [policy.act(OBS, None, rng) for _ in range(3)] == [0, 1, 2]
    twin = policy.clone()
    assert twin is not policy and twin.act(OBS, None, rng) == 0
    policy.reset()
    assert policy.act(OBS, None, rng) == 0


@pytest.mark.parametrize("kind", ["PPO", "DQN", "MaskablePPO"])
def test_real_models_play_inside_the_mask(kind: str) -> None:
    """Untrained SB3 models pick masked-out actions most of the time; the wrapper never
    does, and reads their probabilities or Q-values.
    """
    pytest.importorskip("stable_baselines3")
    import gymnasium as gym

    class Tiny(gym.Env[np.ndarray, int]):
        observation_space = gym.spaces.Box(0.0, 1.0, shape=(3,), dtype=np.float32)
        action_space = gym.spaces.Discrete(5)  # type: ignore[assignment]

        def reset(self, *, seed: int | None = None, options: Any = None) -> Any:
            return OBS, {}

        def step(self, action: int) -> Any:
            return OBS, 0.0, True, False, {}

        def action_masks(self) -> np.ndarray:
            return np.ones(5, dtype=bool)

    if kind == "MaskablePPO":
        cls: Any = pytest.importorskip("sb3_contrib").MaskablePPO
    else:
        cls = getattr(pytest.importorskip("stable_baselines3"), kind)
    extra = {"learning_starts": 0, "buffer_size": 64} if kind == "DQN" else {}
    model = cls("MlpPolicy", Tiny(), seed=0, device="cpu", **extra)
    observations = [np.random.default_rng(i).random(3, np.float32) for i in range(40)]
    for deterministic in (True, False):
        policy = Policy.from_sb3(model, deterministic=deterministic)
        rng = random.Random(0)
        assert {policy.act(o, MASK, rng) for o in observations} <= {1, 3, 4}
        again = Policy.from_sb3(model, deterministic=deterministic)
        if not deterministic and kind != "DQN":  # seeded sampling replays exactly
            rng, rng2 = random.Random(4), random.Random(4)
            assert [policy.act(o, MASK, rng) for o in observations] == [
                again.act(o, MASK, rng2) for o in observations
            ]
    scores = SB3Policy(model).scores(OBS)
    assert scores.shape == (5,)
    if kind != "DQN":
        assert abs(scores.sum() - 1) < 1e-5
    assert isinstance(Policy.from_sb3(model), SB3Policy)
    assert SB3Policy(model).passes_masks == (kind == "MaskablePPO")
