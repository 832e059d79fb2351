"""An equity bot for no-limit hold'em (``texas_holdem_v1``), read from the seat's view alone.

What the observation gives (``games/holdem/game.py``, "Observation"): the seat's two hole
cards and the board as (rank, suit) pairs (entries 0-13), the pot (14) and the amount to
call (17), both in the same unit. So the bot can estimate its hand's strength and the
price of a call without anything a remote seat does not see.

The decision
    The hand's equity is estimated by Monte Carlo: ``samples`` deals of random hole cards
    to each opponent and of the rest of the board, from the cards the seat cannot see,
    each scored by the game's evaluator (a win counts 1, a k-way tie 1/k). The opponents
    counted are ``opponents`` (default 1), or with the rich observation (54 entries) the
    other seats still holding cards. Then:

    - equity at least ``allin_at`` (0.9): All-in, when a raise is legal;
    - equity at least ``raise_at`` (0.65): Raise pot, when a raise is legal;
    - otherwise Check when it is free, Call when the equity beats the pot odds
      (``to_call / (pot + to_call)``) by ``call_margin`` (0), else Fold.

    Whatever it picks is kept inside the mask (Check, else Call, else the first legal).
    Randomness comes only from the ``rng`` it is given, so a seeded caller replays it.
"""

from __future__ import annotations

import logging
import random

import numpy as np

from games.holdem.evaluator import evaluate
from hypertoken.policies.base import Policy, legal_actions

logger = logging.getLogger(__name__)

__all__ = ["EquityPolicy", "equity", "seen_cards"]

FOLD, CHECK, CALL = 0, 1, 2
#: The Raise pot id of each layout, by its action count.
_POT_RAISE = {6: 4, 10: 6}


def seen_cards(observation: np.ndarray) -> tuple[list[int], list[int]]:
    """The seat's hole cards and the board, as card ids, from the observation."""
    obs = np.asarray(observation, dtype=np.float64).reshape(-1)
    found: list[int] = []
    for k in range(7):
        r, s = obs[2 * k], obs[2 * k + 1]
        found.append(-1 if r <= 0 else (round(r * 13) - 1) * 4 + round(s * 4) - 1)
    hole = [c for c in found[:2] if c >= 0]
    board = [c for c in found[2:] if c >= 0]
    return hole, board


def equity(
    hole: list[int], board: list[int], opponents: int, samples: int, rng: random.Random
) -> float:
    """The share of the pots ``hole`` wins with ``board`` against ``opponents`` random
    hands, over ``samples`` random completions.
    """
    known = set(hole) | set(board)
    deck = [c for c in range(52) if c not in known]
    need = 5 - len(board)
    draw = need + 2 * opponents
    total = 0.0
    for _ in range(samples):
        dealt = rng.sample(deck, draw)
        full = board + dealt[:need]
        mine = evaluate(hole + full)
        best, ties = mine, 1
        for k in range(opponents):
            theirs = evaluate(dealt[need + 2 * k : need + 2 * k + 2] + full)
            if theirs > best:
                best, ties = theirs, 0
                break
            if theirs == best:
                ties += 1
        if best == mine and ties:
            total += 1.0 / ties
    return total / samples


class EquityPolicy(Policy):
    """Raise strong hands, call when the price is right, fold the rest (module docstring).

    Stateless: every decision is read from one observation and the mask.
    """

    name = "equity"

    def __init__(
        self,
        *,
        samples: int = 200,
        opponents: int = 1,
        raise_at: float = 0.65,
        allin_at: float = 0.9,
        call_margin: float = 0.0,
    ) -> None:
        if samples < 1 or opponents < 1:
            raise ValueError("EquityPolicy needs samples >= 1 and opponents >= 1")
        self.samples, self.opponents = samples, opponents
        self.raise_at, self.allin_at, self.call_margin = raise_at, allin_at, call_margin

    def __repr__(self) -> str:
        return (
            f"EquityPolicy(samples={self.samples}, opponents={self.opponents}, "
            f"raise_at={self.raise_at}, allin_at={self.allin_at})"
        )

    def act(
        self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
    ) -> int:
        """The equity-based action, inside the mask."""
        obs = np.asarray(observation, dtype=np.float64).reshape(-1)
        if obs.shape[0] < 20:
            raise ValueError(f"equity reads hold'em's 20-entry observation, not {obs.shape}")
        n = len(action_mask) if action_mask is not None else 6
        legal = set(legal_actions(action_mask, n))
        hole, board = seen_cards(obs)
        opponents = self.opponents
        if obs.shape[0] >= 54:
            opponents = max(1, int(np.count_nonzero(obs[41:50] > 0)))
        eq = equity(hole, board, opponents, self.samples, rng) if len(hole) == 2 else 0.0
        pot, to_call = obs[14], obs[17]
        all_in, pot_raise = n - 1, _POT_RAISE.get(n, n - 2)
        if eq >= self.allin_at and all_in in legal:
            return all_in
        if eq >= self.raise_at and pot_raise in legal:
            return pot_raise
        if CHECK in legal:
            return CHECK
        odds = to_call / (pot + to_call) if pot + to_call > 0 else 0.0
        if CALL in legal and eq >= odds + self.call_margin:
            return CALL
        if FOLD in legal:
            return FOLD
        return CALL if CALL in legal else min(legal)
