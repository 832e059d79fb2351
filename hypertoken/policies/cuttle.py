"""A greedy Cuttle bot, read from the seat's observation and mask alone.

It plays, in order of preference: a move that wins at once (points, a jack's steal or a
king that bring the seat to its threshold); the scuttle that removes the opponent's
most valuable point card (with the cheapest card that can); the point card worth the
most; in a counter decision, a two when the pending one-off would otherwise go the
opponent's way; discards and picks by value; else a draw, else a random legal move.
The observation layout and action ids are those of :mod:`games.cuttle.game`; the bot
reads either variant's observation (597 entries: two players; 792: three, cutthroat),
where with three players it also steals a king or queen with a joker when it can and
aims its four at the opponent holding more cards.
"""

from __future__ import annotations

import logging
import random

import numpy as np

from games.cuttle import view3
from games.cuttle.cards import (
    COUNTER,
    DISCARD,
    DISCARD_JOKER,
    DRAW,
    EFFECT,
    FOUR_AT,
    JACK_ON,
    JOKER_ON,
    KING,
    PICK,
    PICK_JOKER,
    POINT_CARDS,
    POINTS,
    RESOLVE,
    ROYALS,
    SCUTTLE,
    THRESHOLDS,
    THRESHOLDS_3,
    TWO_ON,
)
from games.cuttle.view import COUNTERS, MY_PERM, MY_PTS, MY_TURN, OBS_SIZE
from hypertoken.policies.base import Policy, legal_actions

logger = logging.getLogger(__name__)

__all__ = ["Greedy"]


class _Layout:
    """Where the greedy bot's inputs sit in one variant's observation."""

    def __init__(self, three: bool) -> None:
        self.three = three
        self.my_pts = view3.MY_PTS if three else MY_PTS
        self.my_perm = view3.MY_PERM if three else MY_PERM
        self.counters = view3.COUNTERS if three else COUNTERS
        self.thresholds = THRESHOLDS_3 if three else THRESHOLDS


_TWO, _THREE = _Layout(False), _Layout(True)


def _points(obs: np.ndarray, lay: _Layout = _TWO) -> int:
    return sum((c >> 2) + 1 for c in range(POINT_CARDS) if obs[lay.my_pts + c] > 0.5)


def _threshold(obs: np.ndarray, extra_kings: int = 0, lay: _Layout = _TWO) -> int:
    kings = sum(1 for c in range(KING * 4, KING * 4 + 4) if obs[lay.my_perm + c] > 0.5)
    return lay.thresholds[min(4, kings + extra_kings)]


def _my_turn(obs: np.ndarray, lay: _Layout) -> bool:
    return bool(obs[view3.TURN] > 0.5) if lay.three else bool(obs[MY_TURN] > 0.5)


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
        if obs.shape[0] not in (OBS_SIZE, view3.OBS_SIZE_3):
            raise ValueError(
                f"cuttle-greedy reads cuttle's {OBS_SIZE}- or {view3.OBS_SIZE_3}-entry observation"
            )
        lay = _THREE if obs.shape[0] == view3.OBS_SIZE_3 else _TWO
        legal = legal_actions(action_mask, None if action_mask is not None else 0)
        points, threshold = _points(obs, lay), _threshold(obs, 0, lay)

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
            if a - EFFECT in range(KING * 4, KING * 4 + 4) and points >= _threshold(obs, 1, lay):
                return a
            if JOKER_ON <= a < JOKER_ON + 2 * len(ROYALS):  # a stolen king may win
                royal = ROYALS[(a - JOKER_ON) % len(ROYALS)]
                if royal >> 2 == KING and points >= _threshold(obs, 1, lay):
                    return a
        scuttles = [a for a in legal if SCUTTLE <= a < JACK_ON]
        if scuttles:  # the most valuable target, with the weakest card that takes it
            return max(scuttles, key=lambda a: ((a - SCUTTLE) % 40, -((a - SCUTTLE) // 40)))
        plain = [a for a in legal if POINTS <= a < EFFECT]
        if plain:
            return max(plain)
        steals = [a for a in legal if JOKER_ON <= a < JOKER_ON + 2 * len(ROYALS)]
        if steals:  # the strongest royal: a king, else a queen, else glasses
            return max(steals, key=lambda a: (a - JOKER_ON) % len(ROYALS))
        counters = [a for a in legal if COUNTER <= a < DISCARD]
        if RESOLVE in legal and counters:
            countered = int(obs[lay.counters : lay.counters + 4].sum() + 0.5)
            mine = _my_turn(obs, lay)
            # The one-off is the turn player's: it acts iff the counters are even.
            return counters[0] if (countered % 2 == 1) == mine else RESOLVE
        discards = [a for a in legal if DISCARD <= a < PICK]
        if discards:
            return min(discards)  # the lowest card
        picks = [a for a in legal if PICK <= a < SCUTTLE or PICK_JOKER <= a < JOKER_ON]
        if picks:
            return max(picks)  # the highest card (a joker first)
        joker_discards = [a for a in legal if DISCARD_JOKER <= a < PICK_JOKER]
        if joker_discards:  # only jokers left to discard
            return joker_discards[0]
        fours = [a for a in legal if FOUR_AT <= a < DISCARD_JOKER]
        if fours and DRAW not in legal:  # the opponent with more cards discards
            sizes = obs[view3.HAND_SIZES + 1], obs[view3.HAND_SIZES + 2]
            want = 0 if sizes[0] >= sizes[1] else 1
            return next((a for a in fours if (a - FOUR_AT) % 2 == want), fours[0])
        if DRAW in legal:
            return DRAW
        return legal[int(rng.random() * len(legal))]
