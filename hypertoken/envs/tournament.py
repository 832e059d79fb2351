"""Round robins of :class:`~hypertoken.policies.Policy` objects over any two-seat game.

Every match is one episode of the training engine (:class:`~hypertoken.engine.LocalEngine`)
from a fresh World: each seat to move is asked ``act(observation, mask, rng)`` with its own
``player_view`` and legal mask, exactly as an environment or a room asks it, and the
scores are the game's rewards when the episode ends. The same objects play here, as an
environment's opponents, and as a room's bot.

Seeding
    A match's episode seed is :func:`match_seed` of the tournament seed, the repetition,
    the game's name and the two labels, so a match gives the same result wherever it falls
    in the schedule. Seat ``i`` of ``n`` draws from ``random.Random(n * seed + i)`` (the
    default ``rngs``; any other scheme can be passed in). Both are the prisoner's dilemma
    tournament's (:mod:`games.prisoners_dilemma.tournament`) for that game, so with the
    strategy names as labels both play identical matches; a test checks it.

Turns
    A round-robin or custom-order game asks its seat to move. In a game where any seat may
    move (``TurnOrder.ANY``: simultaneous play) every seat with a legal action is asked in
    seat order, each after the previous one's move was applied; a simultaneous game's
    views do not show a choice before its round resolves, so the order is invisible to the
    policies, but it fixes the engine's move indices and hence its seeds.

Scoring
    Each label plays every other once per repetition (and itself with ``self_play``), the
    earlier-listed one in seat ``player_0``. A label's mean score is its total over a match
    averaged over its matches; a self-match counts once, with the mean of the two seats.
    Wins, draws and losses count matches against other labels. Standings rank by mean
    score (equal means share a rank), then label.
"""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from games import standings
from games.standings import match_seed
from hypertoken.engine import LocalEngine
from hypertoken.game import Game, TurnOrder
from hypertoken.policies import Policy

logger = logging.getLogger(__name__)

__all__ = [
    "MatchResult",
    "Standing",
    "TournamentResult",
    "match_seed",
    "play_match",
    "rank",
    "round_robin",
    "seat_rngs",
]

#: Builds the seats' rngs for a match from its seed and the number of seats.
RngFactory = Callable[[int, int], Sequence[random.Random]]


@dataclass(frozen=True)
class MatchResult:
    """One match of a tournament."""

    repetition: int
    #: The labels in seat order (player_0, player_1).
    players: tuple[str, str]
    #: The episode seed (the engine's; the rngs derive from it too).
    seed: int
    #: Each seat's reward at the end of the match.
    scores: tuple[float, float]
    #: (seat, action) of every move, in order.
    moves: tuple[tuple[str, int], ...]


#: One label's line in the final table (rank, name, mean score per match, wins, draws,
#: losses, and the matches counted in the mean, self-matches included).
Standing = standings.Line


@dataclass(frozen=True)
class TournamentResult:
    """A finished round robin."""

    env_id: str
    names: tuple[str, ...]
    repetitions: int
    seed: int
    self_play: bool
    matches: tuple[MatchResult, ...]
    standings: tuple[Standing, ...]


def seat_rngs(seed: int, seats: int) -> list[random.Random]:
    """The default rngs of a match: ``random.Random(seats * seed + i)`` for seat ``i``."""
    return [random.Random(seats * seed + i) for i in range(seats)]


def play_match(
    game: Game | LocalEngine,
    policies: Sequence[Policy],
    seed: int,
    *,
    rngs: Sequence[random.Random] | None = None,
    max_moves: int | None = None,
) -> tuple[float, ...]:
    """Play one episode of ``game`` (or of a LocalEngine's game, reusing the engine) from
    episode seed ``seed``, ``policies[i]`` in seat ``i``; return each seat's final reward.

    Each policy is ``reset()`` first; an object given for two seats plays the second from
    a ``clone()``. ``rngs`` default to :func:`seat_rngs`. ``max_moves`` (default: 4 x the
    game's ``max_length``, or 100,000 when it has none) stops a match that cannot end,
    such as a policy repeating a move a penalty game accepts without effect.
    """
    return _play(game, policies, seed, rngs=rngs, max_moves=max_moves)[0]


def _play(
    game: Game | LocalEngine,
    policies: Sequence[Policy],
    seed: int,
    *,
    rngs: Sequence[random.Random] | None,
    max_moves: int | None,
) -> tuple[tuple[float, ...], list[tuple[str, int]]]:
    engine = game if isinstance(game, LocalEngine) else LocalEngine(game, seed=seed)
    g = engine.game
    seats = g.seats
    if len(policies) != len(seats):
        raise ValueError(
            f"{g.info.env_id} has {len(seats)} seats here, but {len(policies)} policies were given"
        )
    players: list[Policy] = []
    for p in policies:
        if not isinstance(p, Policy):
            raise TypeError(f"play_match takes Policy objects, not {p!r}")
        players.append(p.clone() if any(p is q for q in players) else p)
    streams = list(rngs) if rngs is not None else seat_rngs(seed, len(seats))
    if len(streams) != len(seats):
        raise ValueError(f"{len(seats)} seats need {len(seats)} rngs, not {len(streams)}")
    engine.reset(seed)
    for p in players:
        p.reset()
    index = {s: i for i, s in enumerate(seats)}
    limit = max_moves if max_moves is not None else 4 * g.info.max_length or 100_000
    any_order = g.info.turn_order is TurnOrder.ANY
    world, moves = engine.world, 0
    while not engine.is_over:
        # Any order: every seat with a legal action, in seat order; else the seat to move.
        movers = seats if any_order else (engine.current_player(),)
        moved = False
        for seat in movers:
            if seat is None or engine.is_over:
                break
            mask = engine.legal_mask(seat)
            if not mask.any():
                continue
            i = index[seat]
            engine.step(players[i].act(g.player_view(world, seat), mask, streams[i]), seat)
            moves += 1
            moved = True
        if not moved and not engine.is_over:
            raise RuntimeError(f"{g.info.env_id} is not over but no seat may move")
        if moves >= limit and not engine.is_over:
            raise RuntimeError(f"the match did not end within {limit} moves (seed {seed})")
    rewards = engine.rewards()
    return tuple(float(rewards[s]) for s in seats), engine.moves


def _labelled(policies: Mapping[str, Policy] | Iterable[Policy]) -> dict[str, Policy]:
    if isinstance(policies, Mapping):
        out = dict(policies)
    else:
        out = {}
        for p in policies:
            if p.name in out:
                raise ValueError(
                    f"two policies are named {p.name!r}: pass a dict of label -> policy"
                )
            out[p.name] = p
    if not out:
        raise ValueError("a round robin needs at least one policy")
    for label, p in out.items():
        if not isinstance(p, Policy):
            raise TypeError(f"{label!r} is not a Policy: {p!r}")
    return out


def round_robin(
    game: Game,
    policies: Mapping[str, Policy] | Iterable[Policy],
    *,
    repetitions: int = 1,
    seed: int = 0,
    self_play: bool = True,
    rngs: RngFactory = seat_rngs,
    on_match: Callable[[MatchResult], None] | None = None,
) -> TournamentResult:
    """Play a round robin of ``policies`` (labelled by a dict, or by their names) over the
    two-seat ``game`` and rank them (see the module docstring). ``on_match`` is called
    after every match.
    """
    if len(game.seats) != 2:
        raise ValueError(
            f"a round robin pairs two seats; this {game.info.env_id} has {len(game.seats)}"
        )
    if type(repetitions) is not int or repetitions < 1:
        raise ValueError(f"repetitions must be an int >= 1, not {repetitions!r}")
    if type(seed) is not int:
        raise ValueError(f"the tournament seed must be an int, not {seed!r}")
    labelled = _labelled(policies)
    names = list(labelled)
    pairs = list(
        itertools.combinations_with_replacement(names, 2)
        if self_play
        else itertools.combinations(names, 2)
    )
    if not pairs:
        raise ValueError("a round robin without self-play needs at least 2 policies")
    # One independent copy per (label, seat): a self-match gets two, and no state leaks
    # from one seat to the other; reset() starts every match afresh.
    seated = {(n, i): labelled[n].clone() for n in names for i in range(2)}
    engine = LocalEngine(game, seed=seed)
    matches: list[MatchResult] = []
    for rep in range(repetitions):
        for a, b in pairs:
            s = match_seed(seed, rep, game.info.name, a, b)
            scores, moves = _play(
                engine, [seated[a, 0], seated[b, 1]], s, rngs=rngs(s, 2), max_moves=None
            )
            result = MatchResult(rep, (a, b), s, (scores[0], scores[1]), tuple(moves))
            matches.append(result)
            if on_match is not None:
                on_match(result)
    return TournamentResult(
        game.info.env_id,
        tuple(names),
        repetitions,
        seed,
        self_play,
        tuple(matches),
        rank(names, matches),
    )


def rank(names: Sequence[str], matches: Iterable[MatchResult]) -> tuple[Standing, ...]:
    """The standings of ``names`` over ``matches`` (see the module docstring)."""
    return tuple(standings.lines(names, matches))
