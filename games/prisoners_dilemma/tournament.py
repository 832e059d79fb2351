"""Round-robin tournaments of the prisoner's dilemma strategies (``hypertoken tournament
prisoners-dilemma``).

Every match is played through the real game: a training engine (``LocalEngine``) over
``prisoners_dilemma_v1``, reset to a fresh World per match, with each bot's choice
submitted as its seat's move. The bots see the moves as the World recorded them (after
noise); the scores are the game's rewards. Nothing but the seed carries from one match to
the next: strategies keep no state of their own, and each match's seed is derived from
the tournament seed, the repetition and the two strategy names, so a match gives the same
result wherever it falls in the schedule.

Scoring
    Each strategy plays every other once per repetition (and, with ``self_play``, a copy
    of itself, as in Axelrod's tournaments); the first named strategy takes seat
    ``player_0``. A strategy's *mean score* is its total over a match, averaged over its
    matches; a self-match counts once, with the mean of the two seats. Wins, draws and
    losses count matches against other strategies. Standings rank by mean score (equal
    means share a rank), then name.

This module drives the engine (``hypertoken.engine``), so it is an application of the game,
not part of its rules: the game and its strategies import only ``hypertoken.game`` and the
World API, and nothing imports this module but the command line and the benchmarks. The
printed table is ``hypertoken.cli.tournament``'s.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from games import standings
from games.prisoners_dilemma.game import PrisonersDilemma
from games.prisoners_dilemma.payoffs import Payoffs
from games.prisoners_dilemma.strategies import STRATEGIES, Strategy, get_strategy
from hypertoken.engine import LocalEngine


@dataclass(frozen=True)
class MatchResult:
    """One match of a tournament."""

    repetition: int
    #: The strategies in seat order (player_0, player_1).
    players: tuple[str, str]
    #: The engine's episode seed (it drives the noise) and the bots' rngs.
    seed: int
    #: Each seat's total score.
    scores: tuple[float, float]
    #: Each seat's moves as played, "C"/"D" per round.
    moves: tuple[str, str]


@dataclass(frozen=True)
class Standing:
    """One strategy's line in the final table."""

    rank: int
    name: str
    #: Mean total score per match.
    mean_score: float
    #: ``mean_score`` / rounds.
    per_round: float
    wins: int
    draws: int
    losses: int
    #: Matches counted in the mean (self-matches included).
    matches: int


@dataclass(frozen=True)
class TournamentResult:
    """A finished round robin."""

    strategies: tuple[str, ...]
    rounds: int
    repetitions: int
    noise: float
    seed: int
    self_play: bool
    matches: tuple[MatchResult, ...]
    standings: tuple[Standing, ...]


def match_seed(seed: int, repetition: int, a: str, b: str) -> int:
    """The seed of the match ``a`` (seat 0) vs ``b`` in a repetition: a 63-bit hash, so it
    does not depend on where the match falls in the schedule.
    """
    return standings.match_seed(seed, repetition, "prisoners_dilemma", a, b)


def play_match(
    engine: LocalEngine, a: Strategy, b: Strategy, seed: int
) -> tuple[tuple[float, float], tuple[str, str]]:
    """Play one full match of ``engine``'s prisoner's dilemma from a fresh World; return
    both seats' scores and moves. ``engine`` must be a LocalEngine of that game.
    """
    game = engine.game
    if not isinstance(game, PrisonersDilemma):
        raise TypeError(f"play_match needs a prisoners_dilemma engine, not {game.info.env_id}")
    engine.reset(seed)
    world, pay, step = engine.world, game.payoffs, engine.step
    s0, s1 = game.seats
    rng0, rng1 = random.Random(2 * seed), random.Random(2 * seed + 1)
    h0: list[int] = []
    h1: list[int] = []
    for _ in range(game.rounds):
        m0 = a.move(h0, h1, pay, rng0)
        m1 = b.move(h1, h0, pay, rng1)
        step(m0, s0)
        step(m1, s1)
        last = game.last_moves(world)
        assert last is not None  # a round just resolved
        h0.append(last[0])
        h1.append(last[1])
    if not engine.is_over:
        raise RuntimeError("the match did not end after its rounds")  # a game bug
    return game.scores(world), ("".join("CD"[m] for m in h0), "".join("CD"[m] for m in h1))


def parse_strategies(names: str | Iterable[str] | None) -> list[str]:
    """Strategy names from a comma-separated string or a list (None: all of them, in order).
    Unknown or repeated names raise ValueError.
    """
    if names is None:
        return list(STRATEGIES)
    items = names.split(",") if isinstance(names, str) else list(names)
    chosen = [n.strip() for n in items if n.strip()]
    if not chosen:
        raise ValueError("no strategies given (known: " + ", ".join(STRATEGIES) + ")")
    unknown = [n for n in chosen if n not in STRATEGIES]
    if unknown:
        raise ValueError(f"unknown strategies {unknown} (known: {', '.join(STRATEGIES)})")
    repeated = sorted({n for n in chosen if chosen.count(n) > 1})
    if repeated:
        raise ValueError(f"strategies named more than once: {repeated}")
    return chosen


def schedule(names: Sequence[str], *, self_play: bool = True) -> list[tuple[str, str]]:
    """The pairings of one repetition: every pair once, the earlier-listed strategy in seat
    0, plus each strategy against itself with ``self_play``.
    """
    pairs = (
        itertools.combinations_with_replacement(names, 2)
        if self_play
        else itertools.combinations(names, 2)
    )
    return list(pairs)


def round_robin(
    strategies: str | Iterable[str] | None = None,
    *,
    rounds: int = 100,
    repetitions: int = 1,
    seed: int = 0,
    noise: float = 0.0,
    self_play: bool = True,
    payoffs: Payoffs | None = None,
    on_match: Callable[[MatchResult], None] | None = None,
) -> TournamentResult:
    """Play a round robin and rank the strategies. ``on_match`` is called after every
    match (for progress reports).
    """
    names = parse_strategies(strategies)
    if type(repetitions) is not int or repetitions < 1:
        raise ValueError(f"repetitions must be an int >= 1, not {repetitions!r}")
    if type(seed) is not int:
        raise ValueError(f"the tournament seed must be an int, not {seed!r}")
    pairs = schedule(names, self_play=self_play)
    if not pairs:
        raise ValueError("a round robin without self-play needs at least 2 strategies")
    pay = payoffs or Payoffs()
    game = PrisonersDilemma(
        rounds=rounds, noise=noise, temptation=pay.T, reward=pay.R, punishment=pay.P, sucker=pay.S
    )
    engine = LocalEngine(game, seed=seed)
    bots = {n: get_strategy(n) for n in names}
    matches: list[MatchResult] = []
    for rep in range(repetitions):
        for a, b in pairs:
            s = match_seed(seed, rep, a, b)
            scores, moves = play_match(engine, bots[a], bots[b], s)
            result = MatchResult(rep, (a, b), s, scores, moves)
            matches.append(result)
            if on_match is not None:
                on_match(result)
    return TournamentResult(
        tuple(names),
        rounds,
        repetitions,
        game.noise,
        seed,
        self_play,
        tuple(matches),
        rank(names, matches, rounds),
    )


def rank(names: Sequence[str], matches: Iterable[MatchResult], rounds: int) -> tuple[Standing, ...]:
    """The standings of ``names`` over ``matches`` (see the module docstring)."""
    return tuple(
        Standing(
            rank=line.rank,
            name=line.name,
            mean_score=line.mean_score,
            per_round=line.mean_score / rounds,
            wins=line.wins,
            draws=line.draws,
            losses=line.losses,
            matches=line.matches,
        )
        for line in standings.lines(names, matches)
    )
