"""The prisoner's dilemma policies play what their strategies play.

Each policy rebuilds both histories from its observations; the strategy is handed the
World's histories (``game.last_moves``) as the game's tournament does. Both draw from
twin rngs, so in lockstep they must choose alike every round, noise included.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from games.prisoners_dilemma import STRATEGIES, PrisonersDilemma, get_strategy
from hypertoken.engine import LocalEngine
from hypertoken.policies import Policy, RandomLegal, StrategyPolicy, make, names

#: Every strategy's policy name (``random`` is the generic RandomLegal).
PD_NAMES = [n.replace("_", "-") for n in STRATEGIES]


def _match(game: PrisonersDilemma, a: str, b: str, seed: int, pols: tuple[Policy, Policy]) -> int:
    """Play strategies ``a`` and ``b`` (by their game names) on the World, asking the two
    policies in lockstep with twin rngs; return the rounds checked.
    """
    engine = LocalEngine(game, seed=seed)
    s0, s1 = game.seats
    strategies = (get_strategy(a), get_strategy(b))
    ref_rngs = (random.Random(2 * seed), random.Random(2 * seed + 1))
    pol_rngs = (random.Random(2 * seed), random.Random(2 * seed + 1))
    hist: tuple[list[int], list[int]] = ([], [])
    for p in pols:
        p.reset()
    for r in range(game.rounds):
        chosen = []
        for i, seat in enumerate((s0, s1)):
            expected = strategies[i].move(hist[i], hist[1 - i], game.payoffs, ref_rngs[i])
            obs = engine.observe(seat)
            got = pols[i].act(obs["observation"], obs["action_mask"], pol_rngs[i])
            assert got == expected, (a, b, seed, r, i)
            chosen.append(expected)
        engine.step(chosen[0], s0)
        engine.step(chosen[1], s1)
        last = game.last_moves(engine.world)
        assert last is not None
        hist[0].append(last[0])
        hist[1].append(last[1])
    assert engine.is_over
    return game.rounds


@pytest.mark.parametrize("name", PD_NAMES)
@pytest.mark.parametrize("noise", [0.0, 0.1])
def test_every_policy_plays_its_strategy(name: str, noise: float) -> None:
    game = PrisonersDilemma(rounds=40, noise=noise)
    mine = make(name, game)
    assert mine.name == name
    rounds = 0
    for k, other in enumerate(STRATEGIES):
        theirs = make(other, game)  # underscores accepted
        rounds += _match(game, name.replace("-", "_"), other, 1000 * k + 7, (mine, theirs))
        # The same policy objects again, seats swapped, on another seed.
        rounds += _match(game, other, name.replace("-", "_"), 1000 * k + 8, (theirs, mine))
    assert rounds == 2 * len(STRATEGIES) * 40


def test_random_policy_draws_as_the_random_strategy() -> None:
    game = PrisonersDilemma(rounds=200, noise=0.05)
    assert isinstance(make("random", game), RandomLegal)
    _match(game, "random", "random", 3, (make("random", game), make("random", game)))


def test_payoffs_reach_the_strategies() -> None:
    """Adaptive and generous tit for tat read the game's payoffs, not the defaults."""
    game = PrisonersDilemma(rounds=60, noise=0.2, temptation=7, reward=4, punishment=2, sucker=0)
    policy = make("adaptive", game)
    assert isinstance(policy, StrategyPolicy) and policy.payoffs == game.payoffs
    for seed in range(3):
        _match(
            game,
            "adaptive",
            "generous_tit_for_tat",
            seed,
            (policy, make("generous-tit-for-tat", game)),
        )


def test_names_for_the_game() -> None:
    listed = names(PrisonersDilemma())
    assert listed == sorted(PD_NAMES)
    assert "basic-strategy" not in listed


def test_reset_and_clone_keep_matches_apart() -> None:
    game = PrisonersDilemma(rounds=5)
    grudger = make("grudger", game)
    assert isinstance(grudger, StrategyPolicy)
    rng = random.Random(0)
    mask = np.ones(2, dtype=np.int8)
    # Round 1: the opponent defected last round (0.2 of the rounds played).
    assert grudger.act(np.array([0, 1, 0, 0, 0.2], np.float32), mask, rng) == 1
    twin = grudger.clone()
    assert isinstance(twin, StrategyPolicy) and twin is not grudger
    assert twin.theirs == [] and grudger.theirs == [1]
    assert twin.act(np.array([0.5, 0.5, 0, 0, 0], np.float32), mask, rng) == 0
    grudger.reset()
    assert grudger.mine == grudger.theirs == []
    # Asked twice within a round, the history grows once.
    obs = np.array([0, 0, 0.6, 0.6, 0.2], np.float32)
    grudger.act(obs, mask, rng)
    grudger.act(obs, mask, rng)
    assert grudger.mine == [0]
    # A new match (round fraction 0) starts from empty histories even without reset().
    grudger.act(np.array([0.5, 0.5, 0, 0, 0], np.float32), mask, rng)
    assert grudger.mine == []


def test_a_missed_round_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    policy = make("tit-for-tat", PrisonersDilemma(rounds=10))
    rng = random.Random(0)
    policy.act(np.array([0, 0, 0.3, 0.3, 0.1], np.float32), None, rng)
    policy.act(np.array([0, 1, 0.3, 0.3, 0.3], np.float32), None, rng)
    assert "saw round 3 after round 1" in caplog.text


def test_wrapping_needs_a_strategy() -> None:
    with pytest.raises(TypeError, match="Strategy"):
        StrategyPolicy("tit_for_tat")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="5-entry observation"):
        make("pavlov", "prisoners_dilemma").act(np.zeros(2), None, random.Random(0))
