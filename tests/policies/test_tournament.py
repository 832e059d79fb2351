"""The tournament of policies (:mod:`hypertoken.envs.tournament`).

Differential: over the prisoner's dilemma, with the strategy names as labels, it plays
exactly the matches of the game's own tournament (:mod:`games.prisoners_dilemma.tournament`):
same seeds, same scores, same moves, same standings, with and without noise. Then any
two-seat game: tictactoe, grab (any seat moves) and two-seat blackjack.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from games.blackjack import Blackjack
from games.grab import Grab
from games.prisoners_dilemma import STRATEGIES, PrisonersDilemma, get_strategy
from games.prisoners_dilemma import tournament as pd_tournament
from games.tictactoe import TicTacToe
from hypertoken.engine import LocalEngine
from hypertoken.envs.tournament import match_seed, play_match, round_robin, seat_rngs
from hypertoken.policies import Policy, make


@pytest.mark.parametrize(("noise", "seed"), [(0.0, 0), (0.1, 11)])
def test_the_prisoners_dilemma_round_robin_matches_the_games_own(noise: float, seed: int) -> None:
    reference = pd_tournament.round_robin(rounds=30, repetitions=2, seed=seed, noise=noise)
    game = PrisonersDilemma(rounds=30, noise=noise)
    ours = round_robin(game, {n: make(n, game) for n in STRATEGIES}, repetitions=2, seed=seed)
    assert len(ours.matches) == len(reference.matches) == 2 * 15 * 16 // 2
    for mine, theirs in zip(ours.matches, reference.matches, strict=True):
        assert (mine.repetition, mine.players, mine.seed) == (
            theirs.repetition,
            theirs.players,
            theirs.seed,
        )
        assert mine.scores == theirs.scores, mine.players
        played = ["".join("CD"[a] for s, a in mine.moves if s == seat) for seat in game.seats]
        if noise == 0.0:  # with noise the World's moves are the flipped ones, not the choices
            assert tuple(played) == theirs.moves
    assert [(s.rank, s.name, s.mean_score, s.wins, s.draws, s.losses) for s in ours.standings] == [
        (s.rank, s.name, s.mean_score, s.wins, s.draws, s.losses) for s in reference.standings
    ]


def test_play_match_takes_the_rngs_of_the_games_tournament() -> None:
    game = PrisonersDilemma(rounds=50, noise=0.05)
    engine = LocalEngine(game)
    a, b = make("generous-tit-for-tat", game), make("random", game)
    for seed in (1, 2, 99):
        expected, _ = pd_tournament.play_match(
            engine,
            get_strategy("generous_tit_for_tat"),
            get_strategy("random"),
            seed,
        )
        rngs = [random.Random(2 * seed), random.Random(2 * seed + 1)]
        assert play_match(game, [a, b], seed, rngs=rngs) == expected
        assert play_match(engine, [a, b], seed) == expected  # seat_rngs is the same scheme
    assert [r.random() for r in seat_rngs(4, 2)] == [
        random.Random(8).random(),
        random.Random(9).random(),
    ]


def test_match_seeds_do_not_depend_on_the_schedule() -> None:
    assert match_seed(1, 0, "tictactoe", "a", "b") == match_seed(1, 0, "tictactoe", "a", "b")
    assert match_seed(1, 0, "tictactoe", "a", "b") != match_seed(1, 0, "tictactoe", "b", "a")
    assert match_seed(0, 3, "prisoners_dilemma", "x", "y") == pd_tournament.match_seed(
        0, 3, "x", "y"
    )


class FirstLegal(Policy):
    """Always the lowest legal action (deterministic, so it loses to nothing random)."""

    name = "first-legal"

    def act(
        self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
    ) -> int:
        assert action_mask is not None
        return int(np.flatnonzero(action_mask)[0])


def test_tictactoe_round_robin_is_seeded_and_sums_to_zero() -> None:
    game = TicTacToe()
    pols = [make("random", game), FirstLegal()]
    first = round_robin(game, pols, repetitions=3, seed=5)
    again = round_robin(game, pols, repetitions=3, seed=5)
    assert first == again
    assert first.names == ("random", "first-legal") and len(first.matches) == 9
    assert all(sum(m.scores) == 0 for m in first.matches)  # a win is +1 / -1, a draw 0
    ranks = {s.name: s for s in first.standings}
    assert sum(s.wins for s in ranks.values()) == sum(s.losses for s in ranks.values())
    assert ranks["random"].matches == ranks["first-legal"].matches == 6
    other = round_robin(game, pols, repetitions=3, seed=6)
    assert [m.moves for m in other.matches] != [m.moves for m in first.matches]


def test_grab_any_order_and_two_seat_blackjack() -> None:
    grab = Grab()
    result = round_robin(grab, [make("random", grab), FirstLegal()], seed=1, self_play=False)
    (match,) = result.matches
    assert match.players == ("random", "first-legal") and len(match.moves) > 0
    blackjack = Blackjack(2, hands=20)
    pols = {"basic": make("basic-strategy", blackjack), "random": make("random", blackjack)}
    bj = round_robin(blackjack, pols, seed=2, repetitions=2)
    assert len(bj.matches) == 6
    assert bj.standings[0].name == "basic"  # basic strategy loses less than random play


def test_self_play_gives_each_seat_its_own_state() -> None:
    """One stateful object in both seats: each seat rebuilds its own histories."""
    game = PrisonersDilemma(rounds=20, noise=0.2)
    prober = make("prober", game)
    seed = 3
    expected, _ = pd_tournament.play_match(
        LocalEngine(game),
        get_strategy("prober"),
        get_strategy("prober"),
        seed,
    )
    assert play_match(game, [prober, prober], seed) == expected


def test_bad_input() -> None:
    game = TicTacToe()
    with pytest.raises(ValueError, match="2 seats here, but 1 policies"):
        play_match(game, [FirstLegal()], 0)
    with pytest.raises(TypeError, match="Policy objects"):
        play_match(game, [FirstLegal(), "random"], 0)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="pairs two seats"):
        round_robin(Blackjack(3), [FirstLegal()])
    with pytest.raises(ValueError, match="two policies are named"):
        round_robin(game, [FirstLegal(), FirstLegal()])
    with pytest.raises(ValueError, match="without self-play needs at least 2"):
        round_robin(game, [FirstLegal()], self_play=False)
    with pytest.raises(ValueError, match="repetitions"):
        round_robin(game, [FirstLegal()], repetitions=0)


def test_a_match_that_cannot_end_is_stopped() -> None:
    game = Blackjack(illegal_action="penalty")

    class Stubborn(Policy):
        name = "stubborn"

        def act(
            self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
        ) -> int:
            return 4  # Insurance: unavailable, so the penalty option changes nothing

    with pytest.raises(RuntimeError, match="did not end within 50 moves"):
        play_match(game, [Stubborn()], 0, max_moves=50)


def test_standings_carry_the_95_percent_confidence_interval() -> None:
    from games.standings import lines

    class M:
        def __init__(self, players: tuple[str, str], scores: tuple[float, float]) -> None:
            self.players, self.scores = players, scores

    matches = [M(("a", "b"), (1.0, -1.0)), M(("a", "b"), (3.0, -3.0)), M(("b", "a"), (0.0, 0.0))]
    by = {line.name: line for line in lines(["a", "b"], matches)}
    # a scored 1, 3 and 0: mean 4/3, sample sd sqrt(7/3), over 3 matches.
    assert by["a"].mean_score == pytest.approx(4 / 3)
    assert by["a"].ci95 == pytest.approx(1.96 * (7 / 3 / 3) ** 0.5)
    assert lines(["c"], [M(("c", "c"), (1.0, 1.0))])[0].ci95 == 0.0
