"""PPO (Stable-Baselines3) on blackjack over HyperToken's vector env, then a small table.

Trains ``stable_baselines3.PPO`` on ``hypertoken.envs.sb3_vec_env("blackjack_v1")``: N
tables stepped together as one SB3 ``VecEnv``, no ``DummyVecEnv`` in between. Then the
trained model, wrapped as a HyperToken policy with ``Policy.from_sb3``, plays the same
seeded hands as the built-in ``random`` and ``basic-strategy`` policies (one hand per
episode, in ``hypertoken.envs.gym_env``), and the table shows each one's mean return per
hand (in bets) with its standard error. Basic strategy is the bar: about -0.005 a hand
under these rules. PPO sees the same seven numbers as every policy (hand total, dealer
upcard, soft hand, the available doubling/splitting/insurance, the shoe left); it cannot
count cards from them, so it can at best match basic strategy.

Run it (``pip install torch "hypertoken[sb3]"``; see the README for the CPU-only torch)::

    python examples/train_sb3.py                    # 500k steps: about a minute on 2 CPUs
    python examples/train_sb3.py --timesteps 1000000 --eval-hands 100000 --save ppo_blackjack
    python examples/train_sb3.py --smoke            # seconds (the tests use it)
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.vec_env import VecMonitor

from hypertoken import policies
from hypertoken.envs import evaluate, sb3_vec_env
from hypertoken.policies import Policy

ENV_ID = "blackjack_v1"


class Progress(BaseCallback):
    """Prints a line about every tenth of the run (at a rollout's end): steps so far, the
    mean return of the last hands, speed.
    """

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total
        self.next_report = 0
        self.start = time.perf_counter()

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        if self.num_timesteps < min(self.next_report, self.total):
            return
        self.next_report = self.num_timesteps + self.total // 10
        episodes = [float(info["r"]) for info in self.model.ep_info_buffer or []]
        recent = f"{np.mean(episodes):+.3f}" if episodes else "   n/a"
        elapsed = time.perf_counter() - self.start
        print(
            f"  steps {self.num_timesteps:>8,}/{self.total:,}: mean return of the last "
            f"{len(episodes)} hands {recent}  ({self.num_timesteps / elapsed:,.0f} steps/s)",
            flush=True,
        )


def train(timesteps: int, num_envs: int, seed: int, n_steps: int) -> PPO:
    """PPO on ``num_envs`` blackjack tables for ``timesteps`` steps, seeded."""
    env = VecMonitor(sb3_vec_env(ENV_ID, num_envs=num_envs))
    model = PPO(
        "MlpPolicy",
        env,
        n_steps=n_steps,
        batch_size=min(256, n_steps * num_envs),
        n_epochs=4,
        learning_rate=1e-3,
        gamma=1.0,  # a hand is a few steps and only its end pays: no discounting
        ent_coef=0.01,
        seed=seed,
        device="cpu",
        verbose=0,
    )
    model.learn(total_timesteps=timesteps, callback=Progress(timesteps))
    env.close()
    return model


def table(rows: dict[str, np.ndarray]) -> str:
    """Mean return per hand +- its standard error, one row per policy."""
    lines = [f"  {'policy':<16} {'hands':>8}  {'mean return per hand':>22}"]
    for name, returns in rows.items():
        se = float(np.std(returns, ddof=1)) / math.sqrt(len(returns))
        lines.append(f"  {name:<16} {len(returns):>8,}  {np.mean(returns):>+12.4f} +- {se:.4f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Train, evaluate and print the table (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--timesteps", type=int, default=500_000, help="PPO training steps")
    parser.add_argument("--num-envs", type=int, default=16, help="tables in the vector env")
    parser.add_argument("--n-steps", type=int, default=128, help="PPO rollout length per table")
    parser.add_argument("--eval-hands", type=int, default=20_000, help="hands per policy")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", metavar="PATH", help="save the trained model (a .zip)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run, for the tests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.timesteps, args.num_envs, args.n_steps, args.eval_hands = 256, 4, 64, 100
    # Small networks train faster on one thread than on cores shared with the envs.
    torch.set_num_threads(1)

    print(f"== PPO on {ENV_ID}: {args.timesteps:,} steps over {args.num_envs} tables", flush=True)
    start = time.perf_counter()
    model = train(args.timesteps, args.num_envs, args.seed, args.n_steps)
    print(f"  trained in {time.perf_counter() - start:.1f} s", flush=True)
    if args.save:
        model.save(args.save)
        print(f"  saved to {args.save}")

    print(f"== evaluation: {args.eval_hands:,} seeded hands each, the same for every policy")
    contenders: dict[str, Policy] = {
        "ppo": Policy.from_sb3(model),
        "random": policies.make("random", ENV_ID),
        "basic-strategy": policies.make("basic-strategy", ENV_ID),
    }
    eval_seed = 10_000_000 + args.seed  # not the seeds the training tables started from
    rows = {
        name: evaluate(p, ENV_ID, args.eval_hands, seed=eval_seed) for name, p in contenders.items()
    }
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
