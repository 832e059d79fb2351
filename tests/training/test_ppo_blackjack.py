"""The training check: a short, seeded PPO run on blackjack really learns.

Stable-Baselines3's PPO trains on ``sb3_vec_env("blackjack_v1")`` for a few tens of
thousands of steps; then the model, wrapped by ``Policy.from_sb3``, and the ``random``
policy each play the same seeded hands in ``gym_env``. The trained policy must beat random
play by a clear margin in bets per hand, and by a statistically significant one: Welch's
t statistic of the two samples' means (with this many hands, a z score) must exceed 4.
Random legal play loses about 0.45 bets a hand and this run's PPO about 0.1, so the test
has a wide berth; it guards the whole path (vector env, SB3 adapter, rewards, episode
ends, the policy wrapper) against anything that would stop learning.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hypertoken import policies
from hypertoken.envs import evaluate
from hypertoken.policies import Policy

pytest.importorskip("stable_baselines3", reason="the training check needs the sb3 extra")

ENV_ID = "blackjack_v1"
TIMESTEPS = 50_000
HANDS = 4_000
EVAL_SEED = 20_000_000


def welch_t(a: np.ndarray, b: np.ndarray) -> float:
    """Welch's t statistic of mean(a) - mean(b)."""
    return float((a.mean() - b.mean()) / math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))


def test_welch_t_is_the_standardised_difference() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([0.0, 0.0, 1.0, 1.0])
    # means 2.5 and 0.5, variances 5/3 and 1/3: t = 2 / sqrt(5/12 + 1/12)
    assert welch_t(a, b) == pytest.approx(2 / math.sqrt(0.5))


def test_ppo_beats_random_play_on_blackjack() -> None:
    import torch
    from stable_baselines3 import PPO

    from hypertoken.envs import sb3_vec_env

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a small network: one thread is faster and deterministic
    try:
        venv = sb3_vec_env(ENV_ID, num_envs=16)
        model = PPO(
            "MlpPolicy",
            venv,
            n_steps=128,
            batch_size=256,
            n_epochs=4,
            learning_rate=1e-3,
            gamma=1.0,
            ent_coef=0.01,
            seed=0,
            device="cpu",
        )
        model.learn(total_timesteps=TIMESTEPS)
        venv.close()
        trained = evaluate(Policy.from_sb3(model), ENV_ID, HANDS, seed=EVAL_SEED)
    finally:
        torch.set_num_threads(threads)
    baseline = evaluate(policies.make("random", ENV_ID), ENV_ID, HANDS, seed=EVAL_SEED)

    margin = float(trained.mean() - baseline.mean())
    t = welch_t(trained, baseline)
    print(
        f"PPO {trained.mean():+.4f}, random {baseline.mean():+.4f} bets/hand over {HANDS} "
        f"hands: margin {margin:+.4f}, Welch t {t:.1f}"
    )
    assert margin > 0.15, f"PPO's margin over random play is only {margin:+.4f} bets a hand"
    assert t > 4, f"PPO's margin {margin:+.4f} is not significant (Welch t {t:.2f} <= 4)"
