"""The prisoner's dilemma strategies (:mod:`games.prisoners_dilemma.strategies`) as
policies.

A strategy decides from both players' histories; a policy sees one observation a round
(``games/prisoners_dilemma/game.py``, "Observation"): entries 0 and 1 are its own and the
opponent's moves in the last round (0.5 before the first), entry 4 the fraction of the
rounds played. :class:`StrategyPolicy` rebuilds both histories from these, one round per
new round fraction, so it plays what the strategy plays given the World's histories (a
test plays seeded matches, noise included, both ways). The histories are the policy's
state: :meth:`~StrategyPolicy.reset` clears them (and so does a round fraction of 0, the
first round of any match), and :meth:`~StrategyPolicy.clone` gives a copy with its own.
"""

from __future__ import annotations

import logging
import random

import numpy as np

from games.prisoners_dilemma.payoffs import Payoffs
from games.prisoners_dilemma.strategies import Strategy
from hypertoken.policies.base import Policy

logger = logging.getLogger(__name__)

__all__ = ["StrategyPolicy", "policy_name"]


def policy_name(strategy_name: str) -> str:
    """The registry's name of a strategy: hyphens for underscores (``tit-for-tat``)."""
    return strategy_name.replace("_", "-")


class StrategyPolicy(Policy):
    """A prisoner's dilemma :class:`~games.prisoners_dilemma.strategies.Strategy` as a
    stateful policy.

    ``payoffs`` are the game's (adaptive and generous tit for tat read them); ``rounds``,
    when known, lets the policy notice a round it did not see (a warning: the histories
    then miss it, so the strategy plays as if it had not happened).
    """

    def __init__(
        self, strategy: Strategy, *, payoffs: Payoffs | None = None, rounds: int | None = None
    ) -> None:
        if not isinstance(strategy, Strategy):
            raise TypeError(f"StrategyPolicy wraps a prisoner's dilemma Strategy, not {strategy!r}")
        self.strategy = strategy
        self.payoffs = payoffs or Payoffs()
        self.rounds = rounds
        self.name = policy_name(strategy.name)
        #: Both histories as played (0 C, 1 D), oldest first.
        self.mine: list[int] = []
        self.theirs: list[int] = []
        self._fraction = 0.0  # the round fraction of the last round added

    def reset(self) -> None:
        """Forget the match: both histories start empty."""
        self.mine = []
        self.theirs = []
        self._fraction = 0.0

    def clone(self) -> StrategyPolicy:
        """A copy with its own (empty) histories; the strategy object is shared, which is
        safe because strategies keep no state.
        """
        return StrategyPolicy(self.strategy, payoffs=self.payoffs, rounds=self.rounds)

    def __repr__(self) -> str:
        return f"StrategyPolicy({self.name!r}, round {len(self.mine)})"

    def observe(self, observation: np.ndarray) -> None:
        """Fold one observation into the histories (``act`` does this first)."""
        obs = np.asarray(observation, dtype=np.float64).reshape(-1)
        if obs.shape[0] < 5:
            raise ValueError(
                f"{self.name} reads the prisoner's dilemma's 5-entry observation, "
                f"not shape {obs.shape}"
            )
        fraction = float(obs[4])
        if fraction <= 0.0:  # the first round: a new match, whatever came before
            if self.mine:
                self.reset()
            return
        if fraction == self._fraction:
            return  # asked again within the same round: nothing new
        if self.rounds is not None:
            played = round(fraction * self.rounds)
            if played != len(self.mine) + 1:
                logger.warning(
                    "%s saw round %d after round %d: the rounds between are missing from "
                    "its histories",
                    self.name,
                    played,
                    len(self.mine),
                )
        self.mine.append(1 if obs[0] >= 0.5 else 0)
        self.theirs.append(1 if obs[1] >= 0.5 else 0)
        self._fraction = fraction

    def act(
        self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
    ) -> int:
        """The strategy's move given the histories so far (0 cooperate, 1 defect)."""
        self.observe(observation)
        return int(self.strategy.move(self.mine, self.theirs, self.payoffs, rng))
