"""Multi-agent self-play on the prisoner's dilemma, through the PettingZoo Parallel env.

Two independent learners play the iterated dilemma against each other in
``hypertoken.envs.parallel_env("prisoners_dilemma_v1")``, each choosing from what it sees:
its own and its opponent's last move (observation entries 0 and 1), so five situations
(the first round, then CC, CD, DC, DD from its own side). Each learner is a tabular
REINFORCE policy (one logit per situation) written in numpy, and it is a HyperToken
:class:`~hypertoken.policies.Policy`: the same object that trains here could play a seat in
a room.

Two experiments show the dilemma, each from the same seeds:

- ``own``: each learner maximises its own score. Defecting pays more whatever the other
  does, so both drift from random play (2.25 points a round) toward mutual defection (1 point).
- ``team``: each learner maximises the sum of both scores. Both learn to cooperate
  (3 points a round each).

The progress lines show the points per round and the cooperation rate as training goes;
at the end each experiment prints its learned policy (the probability of cooperating in
each situation) and how its first learner fares against a few fixed strategies.

Run it::

    python examples/train_pettingzoo.py              # both experiments, a few seconds each
    python examples/train_pettingzoo.py --reward team --episodes 1000
    python examples/train_pettingzoo.py --smoke      # a tiny run (the tests use it)
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence

import numpy as np

from hypertoken import policies
from hypertoken.envs import ParallelGameEnv, parallel_env
from hypertoken.policies import Policy

ENV_ID = "prisoners_dilemma_v1"
SITUATIONS = ("start", "CC", "CD", "DC", "DD")
COOPERATE, DEFECT = 0, 1
#: The fixed strategies the learned policy meets at the end.
OPPONENTS = ("always-cooperate", "always-defect", "tit-for-tat", "random")


def situation(observation: np.ndarray) -> int:
    """The index in :data:`SITUATIONS` of an observation: the first round (both last moves
    are 0.5), else own and opponent's last move (0 cooperate, 1 defect).
    """
    own, other = float(observation[0]), float(observation[1])
    if own == 0.5:
        return 0
    return 1 + 2 * int(own) + int(other)


class TabularLearner(Policy):
    """A stochastic policy with one logit per situation: P(cooperate) = sigmoid(logit).

    :meth:`act` samples with the ``rng`` it is given (as every policy must) and remembers
    the episode's (situation, action) pairs; :meth:`learn` applies a REINFORCE update from
    that episode's rewards and forgets it.
    """

    name = "tabular-reinforce"

    def __init__(self, learning_rate: float = 0.5, discount: float = 0.9) -> None:
        self.logits = np.zeros(len(SITUATIONS))
        self.learning_rate = learning_rate
        self.discount = discount
        self.greedy = False
        self._trace: list[tuple[int, int]] = []
        self._baseline: np.ndarray | None = None

    def cooperation(self) -> np.ndarray:
        """P(cooperate) in each situation."""
        return np.asarray(1.0 / (1.0 + np.exp(-self.logits)))

    def act(
        self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
    ) -> int:
        """Cooperate with the learned probability (always the likelier move when greedy)."""
        s = situation(observation)
        p = float(self.cooperation()[s])
        if self.greedy:
            action = COOPERATE if p >= 0.5 else DEFECT
        else:
            action = COOPERATE if rng.random() < p else DEFECT
        self._trace.append((s, action))
        return action

    def reset(self) -> None:
        """A new episode: forget the trace of the last one."""
        self._trace = []

    def clone(self) -> TabularLearner:
        """An independent copy with the same logits (a learner has a trace, so it is not
        shared between seats).
        """
        twin = TabularLearner(self.learning_rate, self.discount)
        twin.logits = self.logits.copy()
        twin.greedy = self.greedy
        return twin

    def cooperation_rate(self) -> float:
        """The share of cooperations among this episode's moves so far."""
        if not self._trace:
            return 0.0
        return sum(a == COOPERATE for _, a in self._trace) / len(self._trace)

    def learn(self, rewards: Sequence[float]) -> None:
        """REINFORCE on the last episode: ``rewards[t]`` is the reward of the ``t``-th
        action. The discounted returns minus a running per-round baseline weight the
        gradient of each log-probability.
        """
        trace, self._trace = self._trace, []
        if not trace:
            return
        r = np.asarray(rewards[: len(trace)], dtype=np.float64)
        returns = np.zeros_like(r)
        acc = 0.0
        for t in range(len(r) - 1, -1, -1):
            acc = r[t] + self.discount * acc
            returns[t] = acc
        if self._baseline is None or len(self._baseline) != len(returns):
            self._baseline = returns.copy()
        advantage = returns - self._baseline
        self._baseline += 0.1 * (returns - self._baseline)
        p = self.cooperation()
        grad = np.zeros_like(self.logits)
        for (s, action), a in zip(trace, advantage, strict=True):
            # d/d logit of log P(action): 1 - p for cooperate, -p for defect.
            grad[s] += a * ((1.0 if action == COOPERATE else 0.0) - p[s])
        self.logits += self.learning_rate * grad / len(trace)


def play_match(
    env: ParallelGameEnv, seats: dict[str, Policy], seed: int, rng: random.Random
) -> dict[str, list[float]]:
    """One match in the Parallel env, each seat played by its policy; the rewards each seat
    got, round by round.
    """
    observations, infos = env.reset(seed=seed)
    for policy in seats.values():
        policy.reset()
    rewards: dict[str, list[float]] = {agent: [] for agent in seats}
    while env.agents:
        actions = {
            agent: seats[agent].act(observations[agent], infos[agent]["action_mask"], rng)
            for agent in env.agents
        }
        observations, step_rewards, _, _, infos = env.step(actions)
        for agent, reward in step_rewards.items():
            rewards[agent].append(float(reward))
    return rewards


def train(
    reward_mode: str, episodes: int, rounds: int, seed: int, report_every: int
) -> list[TabularLearner]:
    """Self-play: two learners, one per seat, ``episodes`` matches of ``rounds`` rounds."""
    env = parallel_env(ENV_ID, rounds=rounds)
    agents = list(env.possible_agents)
    learners = [TabularLearner() for _ in agents]
    seats: dict[str, Policy] = dict(zip(agents, learners, strict=True))
    rng = random.Random(seed)
    window_points: list[float] = []
    window_coop: list[float] = []
    start = time.perf_counter()
    for episode in range(1, episodes + 1):
        rewards = play_match(env, seats, seed + episode, rng)
        coop = [learner.cooperation_rate() for learner in learners]  # before learn() forgets
        total = np.add(*(np.asarray(rewards[a]) for a in agents))
        for agent, learner in zip(agents, learners, strict=True):
            own = rewards[agent] if reward_mode == "own" else list(total)
            # Scaled by the largest payoff so one learning rate suits every payoff table.
            learner.learn([x / 5.0 for x in own])
        window_points.append(float(np.mean(total)) / 2)
        window_coop.append(float(np.mean(coop)))
        if episode % report_every == 0 or episode == episodes:
            print(
                f"  [{reward_mode}] episode {episode:5d}: "
                f"{np.mean(window_points):.2f} points/round per player, "
                f"cooperation {np.mean(window_coop):5.1%}  "
                f"({time.perf_counter() - start:.1f} s)",
                flush=True,
            )
            window_points, window_coop = [], []
    env.close()
    return learners


def report(learners: list[TabularLearner], rounds: int, seed: int) -> None:
    """The learned policies, and the first learner (greedy) against fixed strategies."""
    print("  P(cooperate) by situation (own last move, opponent's last move):")
    print("    " + " ".join(f"{s:>6}" for s in SITUATIONS))
    for i, learner in enumerate(learners):
        print("    " + " ".join(f"{p:6.2f}" for p in learner.cooperation()) + f"   player_{i}")
    env = parallel_env(ENV_ID, rounds=rounds)
    agents = list(env.possible_agents)
    rng = random.Random(seed)
    print("  the first learner (greedy) against fixed strategies, points per round:")
    for name in OPPONENTS:
        learner = learners[0].clone()
        learner.greedy = True
        # The game with this env's options: a strategy reads the round from the observation.
        seats = {agents[0]: learner, agents[1]: policies.make(name, env.game)}
        rewards = play_match(env, seats, seed, rng)
        ours, theirs = (float(np.mean(rewards[a])) for a in agents)
        print(f"    vs {name:<17} learner {ours:4.2f}   {name} {theirs:4.2f}")
    env.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the experiments (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--reward", choices=("own", "team", "both"), default="both", help="what each learns"
    )
    parser.add_argument("--episodes", type=int, default=600, help="matches per experiment")
    parser.add_argument("--rounds", type=int, default=50, help="rounds per match")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="a tiny run, for the tests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.episodes, args.rounds = 10, 10
    report_every = max(1, args.episodes // 6)
    modes = ("own", "team") if args.reward == "both" else (args.reward,)
    for mode in modes:
        print(
            f"== self-play, each learner maximising {'its own' if mode == 'own' else 'the team'}"
            f" score: {args.episodes} matches of {args.rounds} rounds",
            flush=True,
        )
        learners = train(mode, args.episodes, args.rounds, args.seed, report_every)
        report(learners, args.rounds, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
