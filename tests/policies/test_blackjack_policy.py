"""Basic strategy as a policy chooses what the game's bot chooses from the World.

The policy reads only the seat's observation and mask; the bot
(:func:`games.blackjack.basic_strategy_action`) reads the game's full decision. Over many
seeded hands under several rule sets, they agree at every decision.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from games.blackjack import DOUBLE, HIT, INSURANCE, SPLIT, STAND, Blackjack, basic_strategy_action
from hypertoken.engine import LocalEngine
from hypertoken.policies import BasicStrategy, Policy, make

#: Rule sets: the defaults, H17, several seats and hands, short bankrolls (no Double or
#: Split available), more splits, a single deck.
VARIANTS = [
    {},
    {"h17": True},
    {"num_players": 3, "hands": 5},
    {"bankroll": 10},
    {"splits": 3, "num_players": 2, "hands": 4},
    {"decks": 1, "h17": True, "hands": 6},
]


def _play(game: Blackjack, seeds: range, policy: Policy) -> Counter[str]:
    """Play ``seeds`` episodes with the bot's moves, checking the policy at every decision;
    return what kinds of decisions were seen.
    """
    engine = LocalEngine(game)
    rng = random.Random(0)
    seen: Counter[str] = Counter()
    for seed in seeds:
        engine.reset(seed)
        while not engine.is_over:
            seat = engine.current_player()
            assert seat is not None
            obs = engine.observe(seat)
            mask = obs["action_mask"]
            expected = basic_strategy_action(game, engine.world, seat)
            got = policy.act(obs["observation"], mask, rng)
            assert got == expected, (seed, engine.moves, obs)
            # Without the mask it reads the observation's flags, to the same choice (but for
            # an insurance round the seat cannot afford: nothing in the view shows it).
            if mask[HIT] or mask[INSURANCE]:
                assert policy.act(obs["observation"], None, rng) == expected
            seen["decision"] += 1
            if not mask[HIT]:
                seen["insurance"] += 1
            seen[("hit", "stand", "double", "split", "insurance")[expected]] += 1
            engine.step(expected, seat)
    return seen


@pytest.mark.parametrize("options", VARIANTS, ids=lambda o: ",".join(o) or "defaults")
def test_basic_strategy_policy_matches_the_bot(options: dict[str, object]) -> None:
    game = Blackjack(**options)  # type: ignore[arg-type]
    policy = make("basic-strategy", game)
    assert isinstance(policy, BasicStrategy) and policy.h17 == game.h17
    seen = _play(game, range(150), policy)
    assert seen["decision"] > 200
    assert seen["hit"] and seen["stand"]
    if options.get("bankroll") != 10:
        assert seen["double"] and seen["split"]  # the pair and double paths were exercised
    else:
        assert not seen["double"] and not seen["split"]  # no chips for them


def test_the_insurance_round_declines() -> None:
    """Ace up: every seat is asked about insurance first, and basic strategy declines."""
    game = Blackjack(hands=40)
    seen = _play(game, range(10), make("basic-strategy", game))
    assert seen["insurance"] > 0


def test_h17_changes_the_three_plays() -> None:
    """The policy made for an H17 game doubles 11 against an ace; the S17 one hits."""
    obs = np.array([11 / 30, 11 / 11, 0, 1, 0, 0, 1.0], dtype=np.float32)
    mask = np.array([1, 1, 1, 0, 0], dtype=np.int8)
    rng = random.Random(0)
    assert make("basic-strategy", Blackjack(h17=True)).act(obs, mask, rng) == DOUBLE
    assert make("basic-strategy", Blackjack()).act(obs, mask, rng) == HIT


def test_pairs_are_read_from_the_split_flag() -> None:
    policy = BasicStrategy()
    rng = random.Random(0)
    split_ok = np.array([1, 1, 1, 1, 0], dtype=np.int8)
    aces = np.array([12 / 30, 6 / 11, 1, 1, 1, 0, 1.0], dtype=np.float32)
    assert policy.act(aces, split_ok, rng) == SPLIT
    eights = np.array([16 / 30, 10 / 11, 0, 1, 1, 0, 1.0], dtype=np.float32)
    assert policy.act(eights, split_ok, rng) == SPLIT
    # A hard 16 that is not a pair (no Split available) stands against a 6.
    sixteen = np.array([16 / 30, 6 / 11, 0, 1, 0, 0, 1.0], dtype=np.float32)
    assert policy.act(sixteen, np.array([1, 1, 1, 0, 0], dtype=np.int8), rng) == STAND
    insurance_round = np.array([0, 1, 0, 1, 0, 0, 0], dtype=np.int8)
    insurance_round[STAND] = insurance_round[INSURANCE] = 1
    assert policy.act(aces, insurance_round, rng) == STAND


def test_a_wrong_observation_is_refused() -> None:
    with pytest.raises(ValueError, match="7-entry observation"):
        BasicStrategy().act(np.zeros(3, dtype=np.float32), None, random.Random(0))
