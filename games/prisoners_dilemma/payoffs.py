"""The prisoner's dilemma's moves and payoff matrix, shared by the game and its bots."""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The two moves: Cooperate and Defect (also the game's action ids).
C, D = 0, 1


@dataclass(frozen=True)
class Payoffs:
    """Payoffs: T (temptation), R (reward), P (punishment), S (sucker).

    A prisoner's dilemma needs T > R > P > S; anything else is refused, since several
    strategies (generous tit for tat's forgiveness, for one) are only defined for it.
    """

    T: float = 5
    R: float = 3
    P: float = 1
    S: float = 0

    def __post_init__(self) -> None:
        for name in ("T", "R", "P", "S"):
            v = getattr(self, name)
            if type(v) not in (int, float) or not math.isfinite(v):
                raise ValueError(f"payoff {name} must be a finite int or float, not {v!r}")
        if not self.T > self.R > self.P > self.S:
            raise ValueError(
                f"payoffs must satisfy T > R > P > S for a prisoner's dilemma; got "
                f"T={self.T}, R={self.R}, P={self.P}, S={self.S}"
            )

    def score(self, mine: int, theirs: int) -> float:
        """My payoff for one round."""
        if mine == C:
            return self.R if theirs == C else self.S
        return self.T if theirs == C else self.P
