"""A greedy Cuttle bot, read from the seat's observation and mask alone.

It plays, in order of preference: a move that wins at once (points, a jack's steal or a
king that bring the seat to its threshold); the scuttle that removes the opponent's
most valuable point card (with the cheapest card that can); the point card worth the
most; in a counter decision, a two when the pending one-off would otherwise go the
opponent's way; discards and picks by value; else a draw, else a random legal move.
The observation layout and action ids are those of :mod:`games.cuttle.game`.
"""

from __future__ import annotations

import logging
import random

import numpy as np

from games.cuttle.cards import (
    COUNTER,
    DISCARD,
    DRAW,
    EFFECT,
    JACK_ON,
    KING,
    PICK,
    POINT_CARDS,
    POINTS,
    RESOLVE,
    SCUTTLE,
    THRESHOLDS,
    TWO_ON,
)
from games.cuttle.view import COUNTERS, MY_PERM, MY_PTS, MY_TURN, OBS_SIZE
from hypertoken.policies.base import Policy, legal_actions

logger = logging.getLogger(__name__)

__all__ = ["Greedy"]


def _points(obs: np.ndarray) -> int:
    return sum((c >> 2) + 1 for c in range(POINT_CARDS) if obs[MY_PTS + c] > 0.5)


def _threshold(obs: np.ndarray, extra_kings: int = 0) -> int:
    kings = sum(1 for c in range(KING * 4, KING * 4 + 4) if obs[MY_PERM + c] > 0.5)
    return THRESHOLDS[min(4, kings + extra_kings)]


class Greedy(Policy):
    """Win if possible, else scuttle, else play the highest points, else a legal move.

    Stateless and deterministic except for the last resort (a random legal move).
    """

    name = "cuttle-greedy"

    def act(
        self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
    ) -> int:
        """The greedy choice (see the module docstring)."""
        obs = np.asarray(observation, dtype=np.float32).reshape(-1)
        if obs.shape[0] != OBS_SIZE:
            raise ValueError(f"cuttle-greedy reads cuttle's {OBS_SIZE}-entry observation")
        legal = legal_actions(action_mask, None if action_mask is not None else 0)
        points, threshold = _points(obs), _threshold(obs)

        def gain(a: int) -> int | None:
            """Points a move adds to the seat's side, or None if it is no points move."""
            if POINTS <= a < EFFECT and a - POINTS < POINT_CARDS:
                return ((a - POINTS) >> 2) + 1
            if JACK_ON <= a < TWO_ON:
                return (((a - JACK_ON) % POINT_CARDS) >> 2) + 1
            return None

        for a in legal:  # a win now
            g = gain(a)
            if g is not None and points + g >= threshold:
                return a
            if a - EFFECT in range(KING * 4, KING * 4 + 4) and points >= _threshold(obs, 1):
                return a
        scuttles = [a for a in legal if SCUTTLE <= a < JACK_ON]
        if scuttles:  # the most valuable target, with the weakest card that takes it
            return max(scuttles, key=lambda a: ((a - SCUTTLE) % 40, -((a - SCUTTLE) // 40)))
        plain = [a for a in legal if POINTS <= a < EFFECT]
        if plain:
            return max(plain)
        counters = [a for a in legal if COUNTER <= a < DISCARD]
        if RESOLVE in legal and counters:
            countered = int(obs[COUNTERS : COUNTERS + 4].sum() + 0.5)
            mine = obs[MY_TURN] > 0.5
            # The one-off is the turn player's: it acts iff the counters are even.
            return counters[0] if (countered % 2 == 1) == mine else RESOLVE
        discards = [a for a in legal if DISCARD <= a < PICK]
        if discards:
            return min(discards)  # the lowest card
        picks = [a for a in legal if PICK <= a < SCUTTLE]
        if picks:
            return max(picks)  # the highest card
        if DRAW in legal:
            return DRAW
        return legal[int(rng.random() * len(legal))]
