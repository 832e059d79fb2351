"""The actions of :mod:`games.blackjack`: ids and names (as existing HyperToken clients use
them), masks, the policies for an unavailable action, and turning what a client sent into
an action id or a clear refusal. The rules of each action are in the game's docstring.
"""

from __future__ import annotations

import operator

import numpy as np

from hypertoken.game import IllegalMove

HIT, STAND, DOUBLE, SPLIT, INSURANCE = range(5)
ACTION_NAMES = ("hit", "stand", "double", "split", "insurance")
#: Reward taken from a seat per refused action under ``illegal_action="penalty"`` (bets).
PENALTY = 0.1
#: What an unavailable action does (the option ``illegal_action``).
ILLEGAL_POLICIES = ("stand", "error", "penalty")

#: The mask of every set of available actions, by its bits (read-only arrays).
MASKS: tuple[np.ndarray, ...] = tuple(
    np.array([(b >> a) & 1 for a in range(5)], dtype=bool) for b in range(32)
)
for _m in MASKS:
    _m.flags.writeable = False


def action_id(action: object) -> int:
    """``action`` as an int in 0..4 (numpy integers accepted), or a clear refusal."""
    if type(action) is not int:
        if isinstance(action, bool) or not hasattr(action, "__index__"):
            raise IllegalMove(
                f"a blackjack action is an int 0..4 (0 Hit, 1 Stand, 2 Double, "
                f"3 Split, 4 Insurance), not {type(action).__name__} {action!r}"
            )
        action = operator.index(action)  # type: ignore[call-overload]
    if not 0 <= action < 5:  # type: ignore[operator]
        raise IllegalMove(
            f"blackjack action {action} is outside 0..4 (0 Hit, 1 Stand, "
            f"2 Double, 3 Split, 4 Insurance)"
        )
    return action  # type: ignore[return-value]


def refusal(action: int, mask: int, insurance_round: bool) -> str:
    """Why ``action`` is refused when only the actions in ``mask`` (bits) are available."""
    legal = ", ".join(ACTION_NAMES[a] for a in range(5) if mask >> a & 1)
    where = "in the insurance round" if insurance_round else "now"
    return f"{ACTION_NAMES[action]} is not legal {where} (legal: {legal})"
