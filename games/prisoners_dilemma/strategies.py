"""The 14 classic iterated prisoner's dilemma strategies, and the 1997 original of gradual,
as bots.

Each strategy sees the history of both players' moves (0 Cooperate, 1 Defect) and the
payoffs of the game, and returns its next move. Strategies that randomise draw from
the ``random.Random`` they are given, so a seeded match is reproducible. Every
strategy keeps its state only in the histories it is given, so one instance can play
any number of matches without anything leaking between them.

The definitions follow the Axelrod-tournament literature; each docstring states the
one used here.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from games.prisoners_dilemma.payoffs import C, D, Payoffs


class Strategy:
    """A strategy: ``move(mine, theirs, payoffs, rng)`` returns 0 (C) or 1 (D).

    The histories hold the moves as actually played (after any noise), oldest first, and
    have equal length. ``stochastic`` strategies draw from ``rng``; the others ignore it.
    """

    name = "strategy"
    stochastic = False

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        """The next move given both histories (oldest first)."""
        raise NotImplementedError


class AlwaysCooperate(Strategy):
    """Always cooperates."""

    name = "always_cooperate"

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        return C


class AlwaysDefect(Strategy):
    """Always defects."""

    name = "always_defect"

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        return D


class RandomStrategy(Strategy):
    """Cooperates with probability 1/2 each round."""

    name = "random"
    stochastic = True

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        return C if rng.random() < 0.5 else D


class TitForTat(Strategy):
    """Cooperates first, then copies the opponent's previous move (Rapoport)."""

    name = "tit_for_tat"

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        return theirs[-1] if theirs else C


class TitForTwoTats(Strategy):
    """Defects only if the opponent defected in both of the last two rounds."""

    name = "tit_for_two_tats"

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        return D if len(theirs) >= 2 and theirs[-1] == D and theirs[-2] == D else C


class GenerousTitForTat(Strategy):
    """Tit for tat that forgives a defection with probability
    ``g = min(1 - (T - R) / (R - S), (R - P) / (T - P))`` (Nowak and Sigmund; 1/3 with
    the default payoffs).
    """

    name = "generous_tit_for_tat"
    stochastic = True

    @staticmethod
    def generosity(payoffs: Payoffs) -> float:
        """The forgiveness probability for these payoffs, clamped to 0..1 (with payoffs
        where T - R > R - S the formula goes negative: the strategy is then tit for tat).
        """
        p = payoffs
        g = min(1 - (p.T - p.R) / (p.R - p.S), (p.R - p.P) / (p.T - p.P))
        return min(1.0, max(0.0, g))

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        if not theirs or theirs[-1] == C:
            return C
        return C if rng.random() < self.generosity(payoffs) else D


class Grudger(Strategy):
    """Cooperates until the opponent defects once, then defects forever (grim trigger)."""

    name = "grudger"

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        return D if D in theirs else C


class Pavlov(Strategy):
    """Win-stay, lose-shift: cooperates first; repeats its last move after a payoff of R or
    T, switches after P or S (so it cooperates exactly when both moved alike last round).
    """

    name = "pavlov"

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        if not mine:
            return C
        return C if mine[-1] == theirs[-1] else D


class SuspiciousTitForTat(Strategy):
    """Defects first, then copies the opponent's previous move."""

    name = "suspicious_tit_for_tat"

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        return theirs[-1] if theirs else D


class Adaptive(Strategy):
    """Plays C six times, then D five times; afterwards plays whichever of its own moves
    has earned the larger total payoff so far, D on a tie (Li's Adaptive).
    """

    name = "adaptive"
    opening = (C,) * 6 + (D,) * 5

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        if len(mine) < len(self.opening):
            return self.opening[len(mine)]
        totals = [0.0, 0.0]
        for a, b in zip(mine, theirs, strict=True):
            totals[a] += payoffs.score(a, b)
        return C if totals[C] > totals[D] else D


class Gradual(Strategy):
    """Gradual, the later variant: every defection of the opponent counts.

    Cooperates until the opponent defects. When the opponent's previous move was a defection
    and no punishment is under way, it punishes: ``n`` defections in a row, where ``n`` is
    the number of times the opponent has defected so far (all of them, including those made
    during earlier punishments and their calming rounds), then two cooperations whatever the
    opponent does. A defection made during a punishment or its calm starts no new one.

    This is the ``axelrod`` library's ``Gradual``, the variant played by the CRISTAL-SMAC
    tournament software (2018). The strategy's 1997 paper (Beaufils, Delahaye and Mathieu)
    counts in ``n`` only the defections that started a punishment, so its punishments grow
    1, 2, 3, ...: that is :class:`OriginalGradual` (``original_gradual``), and the axelrod
    documentation notes that only the original reproduces the paper's results. The two
    differ as soon as the opponent defects during a punishment or its calm: against
    always_defect this one plays C, D, C, C, D x4, C, C, D x10, C, C, ... (each punishment
    as long as the opponent's whole record so far), the original C, D, C, C, D, D, C, C,
    D x3, C, C, ...
    """

    name = "gradual"
    #: True: ``n`` counts every defection; False: only those that started a punishment.
    counts_every_defection = True

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        # The state depends only on the opponent's history: replay it round by round, in
        # one pass (the next move of round k is decided from rounds < k).
        left = 0  # moves of the current punishment-and-calm plan still to play
        defections = 0  # the opponent's, so far
        punishments = 0  # punishments started so far
        move = C
        for k in range(len(theirs) + 1):
            if k:
                defections += theirs[k - 1]
            if left:
                left -= 1
                move = D if left >= 2 else C  # the plan ends with two cooperations
            elif k and theirs[k - 1] == D:
                punishments += 1
                n = defections if self.counts_every_defection else punishments
                left = n + 1  # n - 1 more defections, then C, C
                move = D
            else:
                move = C
        return move


class OriginalGradual(Gradual):
    """Gradual as Beaufils, Delahaye and Mathieu defined it in 1997.

    Cooperates until the opponent defects. When it sees a defection (in the previous round)
    while it is not already punishing or calming down, it starts its ``n``-th punishment:
    ``n`` defections in a row, then two cooperations whatever the opponent does. Defections
    the opponent makes during a punishment or its calming rounds neither start nor lengthen
    one; so the punishments grow 1, 2, 3, ... whatever happens in between.

    This is the ``axelrod`` library's ``OriginalGradual``; :class:`Gradual` is the later
    variant in which every defection counts towards ``n``.
    """

    name = "original_gradual"
    counts_every_defection = False


class Prober(Strategy):
    """Plays D, C, C; if the opponent cooperated in rounds 2 and 3 it defects forever,
    otherwise it plays tit for tat.
    """

    name = "prober"

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        if len(mine) < 3:
            return (D, C, C)[len(mine)]
        if theirs[1] == C and theirs[2] == C:
            return D
        return theirs[-1]


class SoftMajority(Strategy):
    """Cooperates while the opponent has cooperated at least as often as it defected."""

    name = "soft_majority"

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        defects = sum(theirs)
        return C if len(theirs) - defects >= defects else D


class HardMajority(Strategy):
    """Defects while the opponent has defected at least as often as it cooperated
    (so it defects first).
    """

    name = "hard_majority"

    def move(
        self, mine: Sequence[int], theirs: Sequence[int], payoffs: Payoffs, rng: random.Random
    ) -> int:
        defects = sum(theirs)
        return D if defects >= len(theirs) - defects else C


#: Every strategy by name, in the classic order.
STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (
        AlwaysCooperate,
        AlwaysDefect,
        RandomStrategy,
        TitForTat,
        TitForTwoTats,
        GenerousTitForTat,
        Grudger,
        Pavlov,
        SuspiciousTitForTat,
        Adaptive,
        Gradual,
        OriginalGradual,
        Prober,
        SoftMajority,
        HardMajority,
    )
}


#: The strategies that never draw from their rng.
DETERMINISTIC: tuple[str, ...] = tuple(n for n, cls in STRATEGIES.items() if not cls.stochastic)


def get_strategy(name: str) -> Strategy:
    """A strategy instance by name (see :data:`STRATEGIES`)."""
    cls = STRATEGIES.get(name)
    if cls is None:
        raise KeyError(f"no prisoner's dilemma strategy {name!r} (known: {', '.join(STRATEGIES)})")
    return cls()
