"""What every round-robin tournament of two-seat games shares: the seed of a match, and
the standings of its players (a game's own tournament, such as
:mod:`games.prisoners_dilemma.tournament`, and the policy tournament of
:mod:`hypertoken.envs.tournament`).

A label's mean score is its total over a match averaged over its matches; a self-match
counts once, with the mean of the two seats. ``ci95`` is the half-width of the mean's 95%
confidence interval (normal approximation: 1.96 standard errors; 0 with fewer than two
matches). Wins, draws and losses count matches against
other labels. Standings rank by mean score (equal means share a rank), then label.

>>> match_seed(0, 0, "tictactoe", "a", "b") == match_seed(0, 0, "tictactoe", "a", "b")
True
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from typing import NamedTuple, Protocol

__all__ = ["Line", "Played", "lines", "match_seed"]


def match_seed(seed: int, repetition: int, game_name: str, a: str, b: str) -> int:
    """The episode seed of ``a`` (seat 0) against ``b`` in a repetition of ``game_name``'s
    tournament: a 63-bit hash, independent of where the match falls in the schedule.
    """
    text = f"{game_name}/{seed}/{repetition}/{a}/{b}".encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") >> 1


class Played(Protocol):
    """What :func:`lines` reads of a match."""

    @property
    def players(self) -> tuple[str, str]: ...
    @property
    def scores(self) -> tuple[float, float]: ...


class Line(NamedTuple):
    """One label's standing (see the module docstring)."""

    rank: int
    name: str
    mean_score: float
    wins: int
    draws: int
    losses: int
    #: Matches counted in the mean (self-matches included).
    matches: int
    #: Half-width of the mean score's 95% confidence interval.
    ci95: float = 0.0


def lines(names: Sequence[str], matches: Iterable[Played]) -> list[Line]:
    """The standings of ``names`` over ``matches``, best first."""
    samples: dict[str, list[float]] = {n: [] for n in names}
    record = {n: [0, 0, 0] for n in names}  # wins, draws, losses
    for m in matches:
        (a, b), (sa, sb) = m.players, m.scores
        if a == b:
            samples[a].append((sa + sb) / 2)
            continue
        samples[a].append(sa)
        samples[b].append(sb)
        if sa == sb:
            record[a][1] += 1
            record[b][1] += 1
        else:
            winner, loser = (a, b) if sa > sb else (b, a)
            record[winner][0] += 1
            record[loser][2] += 1
    means = {n: sum(v) / len(v) if v else 0.0 for n, v in samples.items()}
    ci95 = {n: _ci95(v) for n, v in samples.items()}
    order = sorted(names, key=lambda n: (-means[n], n))
    return [
        Line(
            1 + sum(means[o] > means[n] for o in names),
            n,
            means[n],
            record[n][0],
            record[n][1],
            record[n][2],
            len(samples[n]),
            ci95[n],
        )
        for n in order
    ]


def _ci95(values: Sequence[float]) -> float:
    """1.96 standard errors of the mean of ``values`` (0 for fewer than two)."""
    n = len(values)
    if n < 2:
        return 0.0
    mean = sum(values) / n
    variance = sum((v - mean) ** 2 for v in values) / (n - 1)
    return 1.96 * math.sqrt(variance / n)
