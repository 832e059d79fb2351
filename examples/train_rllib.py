"""Multi-agent RLlib (PPO) on blackjack: several seats at one table, one shared policy.

The env is HyperToken's PettingZoo AEC env, ``hypertoken.envs.aec_env("blackjack_v1",
num_players=N)``, handed to RLlib through the PettingZoo wrapper RLlib ships
(``ray.rllib.env.wrappers.pettingzoo_env.PettingZooEnv``); nothing in HyperToken is
RLlib-specific. Every seat maps to one policy (parameter sharing), so the seats' hands all
train it. After training, the policy's greedy choice is wrapped as a HyperToken
:class:`~hypertoken.policies.Policy` and plays seeded hands in ``gym_env`` beside the
``random`` and ``basic-strategy`` policies.

This is the path for users who outgrow one machine: the same env runs on a Ray cluster.
Here ``ray.init(num_cpus=2)`` starts a local Ray; on a cluster, call ``ray.init(address=...)``
instead and raise ``--env-runners`` to sample on many machines at once.

Run it (``pip install torch "hypertoken[rllib]"``; see the README for the CPU-only torch)::

    python examples/train_rllib.py                  # 20 iterations, a few minutes on 2 CPUs
    python examples/train_rllib.py --players 4 --iterations 50
    python examples/train_rllib.py --smoke          # one tiny iteration (the tests use it)
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import ray
import torch
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec
from ray.rllib.core.rl_module.rl_module import RLModuleSpec
from ray.rllib.env.wrappers.pettingzoo_env import PettingZooEnv
from ray.tune.registry import register_env

from hypertoken import policies
from hypertoken.envs import aec_env, evaluate
from hypertoken.policies import Policy

ENV_ID = "blackjack_v1"
RLLIB_ENV = "hypertoken_blackjack"
SHARED = "shared"


def make_env(env_config: dict[str, Any]) -> PettingZooEnv:
    """The RLlib env: the AEC env in RLlib's PettingZoo wrapper. ``mask_in_obs=False`` gives
    plain Box observations (RLlib's default model takes those); blackjack plays an
    unavailable action as Stand, so an unmasked policy is still always legal.
    """
    players = int(env_config.get("num_players", 2))
    return PettingZooEnv(aec_env(ENV_ID, num_players=players, mask_in_obs=False))


def build(args: argparse.Namespace) -> Any:
    """The PPO algorithm: every seat maps to the one shared policy."""
    config = (
        PPOConfig()
        .environment(RLLIB_ENV, env_config={"num_players": args.players})
        .multi_agent(
            policies={SHARED},
            policy_mapping_fn=lambda agent_id, episode, **kwargs: SHARED,
        )
        .rl_module(rl_module_spec=MultiRLModuleSpec(rl_module_specs={SHARED: RLModuleSpec()}))
        # Short fragments: RLlib's sampler does work per finished episode per step of one
        # fragment, so a long fragment of short episodes (a hand is one or two steps a
        # seat) costs quadratic time; 100 steps keep that small.
        .env_runners(num_env_runners=args.env_runners, rollout_fragment_length=100)
        .training(
            train_batch_size_per_learner=args.batch,
            minibatch_size=min(256, args.batch),
            num_epochs=args.epochs,
            lr=1e-3,
            gamma=1.0,  # a hand is a few steps and only its end pays: no discounting
            entropy_coeff=0.01,
        )
        .debugging(seed=args.seed)
    )
    return config.build_algo()


def greedy_policy(module: Any) -> Policy:
    """The trained RLModule's most likely action, as a HyperToken policy."""

    def act(observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random) -> int:
        with torch.no_grad():
            out = module.forward_inference({"obs": torch.as_tensor(observation[None])})
        return int(torch.argmax(out["action_dist_inputs"][0]))

    return Policy.from_callable(act, name="rllib-ppo")


def main(argv: Sequence[str] | None = None) -> int:
    """Train with RLlib, then evaluate (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--players", type=int, default=2, help="seats at the table (1-6)")
    parser.add_argument("--iterations", type=int, default=20, help="RLlib training iterations")
    parser.add_argument("--batch", type=int, default=4000, help="env steps per iteration")
    parser.add_argument("--epochs", type=int, default=4, help="PPO epochs per iteration")
    parser.add_argument(
        "--env-runners", type=int, default=0, help="RLlib sampling workers (0: this process)"
    )
    parser.add_argument("--eval-hands", type=int, default=5000, help="hands per policy")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="one tiny iteration, for the tests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.iterations, args.batch, args.epochs, args.env_runners = 1, 100, 1, 0
        args.eval_hands = 50

    # The learner runs in this process: a network this small trains several times faster
    # on one thread than with torch's default of one per core.
    torch.set_num_threads(1)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        register_env(RLLIB_ENV, make_env)
        start = time.perf_counter()
        algo = build(args)
        print(f"== RLlib PPO on {ENV_ID}, {args.players} seats, one shared policy", flush=True)
        for i in range(1, args.iterations + 1):
            result = algo.train()
            runners = result.get("env_runners", {})
            returns = runners.get("agent_episode_returns_mean", {})
            per_seat = ", ".join(f"{a} {r:+.3f}" for a, r in sorted(returns.items()))
            steps = int(runners.get("num_env_steps_sampled_lifetime", 0))
            print(
                f"  iteration {i:3d}: {steps:>8,} steps, mean return per hand: "
                f"{per_seat or 'n/a'}  ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
        module = algo.get_module(SHARED)
        trained = greedy_policy(module)
        algo.stop()
    finally:
        ray.shutdown()

    print(f"== evaluation: {args.eval_hands:,} seeded hands each, the same for every policy")
    contenders = {
        "rllib-ppo": trained,
        "random": policies.make("random", ENV_ID),
        "basic-strategy": policies.make("basic-strategy", ENV_ID),
    }
    for name, policy in contenders.items():
        r = evaluate(policy, ENV_ID, args.eval_hands, seed=10_000_000 + args.seed)
        se = float(np.std(r, ddof=1)) / math.sqrt(len(r))
        print(f"  {name:<16} {np.mean(r):+.4f} +- {se:.4f} per hand")
    return 0


if __name__ == "__main__":
    sys.exit(main())
