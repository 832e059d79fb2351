"""Blackjack basic strategy as a policy: the table of :func:`games.blackjack.basic_strategy`
read from the seat's 7-float observation and its mask alone.

What the observation gives (``games/blackjack/game.py``, "Observation"): the hand's best
total (entry 0, times 30), the dealer's upcard (entry 1, times 11, ace = 11), whether the
hand is soft (2), and whether Double, Split and Insurance are available (3-5). The pair
basic strategy needs is implied: Split is available only on two cards of equal rank, so a
splittable hand is a pair of ``total / 2``, and a soft 12 is a pair of aces. The insurance
round is the decision whose mask has no Hit (Stand there declines insurance, which basic
strategy always does); a mask of Stand alone (no card left anywhere) also stands. Without a
mask the policy reads the observation's flags instead, and sees the insurance round only
when Insurance is affordable (entry 5); give it the mask.

So the policy plays exactly what :func:`games.blackjack.basic_strategy_action` plays from
the World (a test compares them over many seeded hands), yet needs nothing a remote seat
does not see.
"""

from __future__ import annotations

import logging
import random

import numpy as np

from games.blackjack.actions import DOUBLE, HIT, SPLIT, STAND
from games.blackjack.strategy import basic_strategy
from hypertoken.policies.base import Policy

logger = logging.getLogger(__name__)

__all__ = ["BasicStrategy"]

#: The observation's divisors (the game's docstring): hand total and upcard value.
_TOTAL_SCALE = 30
_UPCARD_SCALE = 11


class BasicStrategy(Policy):
    """Blackjack basic strategy (multi-deck table; ``h17`` for a dealer hitting soft 17).

    Stateless: every decision is read from one observation. :func:`hypertoken.policies.make`
    builds it with the game's own ``h17`` option.
    """

    name = "basic-strategy"

    def __init__(self, *, h17: bool = False) -> None:
        #: Whether the dealer hits soft 17 (three plays change).
        self.h17 = bool(h17)

    def __repr__(self) -> str:
        return f"BasicStrategy(h17={self.h17})"

    def act(
        self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
    ) -> int:
        """The basic-strategy action (``rng`` is not used)."""
        obs = np.asarray(observation, dtype=np.float64).reshape(-1)
        if obs.shape[0] < 6:
            raise ValueError(
                f"basic-strategy reads blackjack's 7-entry observation, not shape {obs.shape}"
            )
        if action_mask is not None:
            if not action_mask[HIT]:
                return STAND  # the insurance round (decline), or Stand is all there is
            can_double, can_split = bool(action_mask[DOUBLE]), bool(action_mask[SPLIT])
        else:
            if obs[5] > 0.5:
                return STAND  # Insurance offered: the insurance round
            can_double, can_split = obs[3] > 0.5, obs[4] > 0.5
        total = round(obs[0] * _TOTAL_SCALE)
        upcard = round(obs[1] * _UPCARD_SCALE)
        soft = obs[2] > 0.5
        pair: int | None = None
        if can_split:
            pair = 11 if soft and total == 12 else total // 2
        return basic_strategy(
            total,
            soft,
            upcard,
            pair=pair,
            can_double=can_double,
            can_split=can_split,
            h17=self.h17,
        )
