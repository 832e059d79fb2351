"""The rule-based Hanabi bot (hypertoken.policies.hanabi): each rule in a chosen
position, its play from the observation alone, and its score over seeded games.
"""

from __future__ import annotations

import random
import statistics

import numpy as np

from games.hanabi import Hanabi
from games.hanabi.scenario import arrange
from games.hanabi.state import HINT_COLOUR, HINT_RANK, table
from hypertoken.engine import LocalEngine
from hypertoken.policies import RandomLegal
from hypertoken.policies.base import Policy
from hypertoken.policies.hanabi import RuleBased, certainly_playable

P0, P1 = "player_0", "player_1"
R, Y, G, W, B = range(5)
RNG = random.Random(0)


def choose(game: Hanabi, engine: LocalEngine, seat: str, *, masked: bool = True) -> int:
    mask = engine.legal_mask(seat) if masked else None
    return RuleBased().act(game.player_view(engine.world, seat), mask, RNG)


def test_certainly_playable() -> None:
    fireworks = [0, 1, 0, 4, 0]
    assert certainly_playable([R, G, B], [0], fireworks)  # any 1 but yellow or white
    assert certainly_playable([Y], [1], fireworks)
    assert not certainly_playable([R, Y], [0], fireworks)  # could be Y1
    assert certainly_playable([W], [4], fireworks)
    assert not certainly_playable([W], [3, 4], fireworks)
    assert not certainly_playable([], [0], fireworks)


def test_it_plays_a_card_it_knows_is_playable() -> None:
    game = Hanabi(2)
    engine = LocalEngine(game, seed=0)
    arrange(
        game,
        engine.world,
        [["W3", "Y1", "G4", "B4", "R4"], ["R2", "Y2", "G2", "W2", "B3"]],
        ["B1", "B2"],
        seat=1,
    )
    engine.step(game.layout.hint(1, HINT_RANK, 0), P1)  # player_0's slot 1 is a 1
    assert choose(game, engine, P0) == game.layout.play(1)
    assert choose(game, engine, P0, masked=False) == game.layout.play(1)


def test_it_hints_the_next_player_a_playable_card() -> None:
    game = Hanabi(2)
    engine = LocalEngine(game, seed=0)
    arrange(
        game,
        engine.world,
        [["W3", "Y3", "G4", "B4", "R4"], ["R3", "Y2", "G1", "W2", "G2"]],
        ["B1", "B2"],
        fireworks=(0, 1, 0, 0, 0),
    )
    # Y2 is playable (yellow is at 1). Neither hint alone proves it playable to player_1
    # (a 2 could be any colour, a yellow card any rank), so the bot names the attribute
    # they lack, the rank first.
    action = choose(game, engine, P0)
    assert action == game.layout.hint(1, HINT_RANK, 1)
    engine.step(action, P0)
    engine.step(game.layout.hint(1, HINT_COLOUR, W), P1)
    # Now player_1 knows slot 1 is a 2, and yellow is at 1: the yellow hint proves it.
    assert choose(game, engine, P0) == game.layout.hint(1, HINT_COLOUR, Y)


def test_a_rank_hint_that_proves_a_card_playable_comes_first() -> None:
    game = Hanabi(2)
    engine = LocalEngine(game, seed=0)
    arrange(
        game,
        engine.world,
        [["W3", "Y3", "G4", "B4", "R4"], ["R3", "Y4", "G1", "W2", "G2"]],
        ["B1", "B2"],
    )
    assert choose(game, engine, P0) == game.layout.hint(1, HINT_RANK, 0)  # every 1 plays


def test_it_discards_its_oldest_untouched_card() -> None:
    game = Hanabi(2)
    engine = LocalEngine(game, seed=0)
    arrange(
        game,
        engine.world,
        [["W3", "Y3", "G4", "B4", "R4"], ["R3", "Y4", "G3", "W2", "G2"]],
        ["B1", "B2"],
        info=7,
        seat=1,
    )
    engine.step(game.layout.hint(1, HINT_COLOUR, W), P1)  # touches player_0's slot 0
    assert choose(game, engine, P0) == game.layout.discard(1)


def test_with_8_tokens_and_nothing_to_show_it_hints() -> None:
    game = Hanabi(2)
    engine = LocalEngine(game, seed=0)
    arrange(
        game,
        engine.world,
        [["W3", "Y3", "G4", "B4", "R4"], ["R3", "Y4", "G3", "W2", "G2"]],
        ["B1", "B2"],
    )
    action = choose(game, engine, P0)
    assert action >= game.layout.colour_base and engine.legal_mask(P0)[action]


def play(n: int, seed: int, policy: Policy, *, masked: bool = True) -> tuple[int, int]:
    """One game with every seat the policy: (score, lives left)."""
    game = Hanabi(n)
    engine = LocalEngine(game, seed=seed)
    rng = random.Random(seed)
    while not engine.is_over:
        seat = engine.current_player()
        assert seat is not None
        mask = engine.legal_mask(seat)
        view = game.player_view(engine.world, seat)
        action = policy.act(view, mask if masked else None, rng)
        if not masked:
            assert action == policy.act(view, mask, rng)  # the mask read from the view agrees
        engine.step(action, seat)
    return game.score(engine.world), table(engine.world.property("s")).lives


def test_it_scores_well_and_never_loses_a_life() -> None:
    results = [play(2, seed, RuleBased()) for seed in range(100)]
    scores = [s for s, _ in results]
    assert all(lives == 3 for _, lives in results)
    assert 15.0 <= statistics.mean(scores) <= 20.0
    assert min(scores) > 0


def test_it_plays_every_player_count_without_a_mask() -> None:
    for n in range(2, 6):
        score, lives = play(n, n, RuleBased(), masked=False)
        assert lives == 3 and score > 5


def test_random_legal_scores_far_less() -> None:
    rules = statistics.mean(play(2, seed, RuleBased())[0] for seed in range(20))
    rand = statistics.mean(play(2, seed, RandomLegal())[0] for seed in range(20))
    assert rand < 3 < rules
    assert np.isfinite(rand)
