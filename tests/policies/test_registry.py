"""The policy registry: names per game, aliases, options followed, clear errors."""

from __future__ import annotations

import random

import numpy as np
import pytest

import games
from games.blackjack import Blackjack
from games.prisoners_dilemma import STRATEGIES, PrisonersDilemma
from hypertoken.game import Game
from hypertoken.policies import (
    BasicStrategy,
    Policy,
    RandomLegal,
    UnknownPolicyError,
    make,
    names,
    register,
    resolve,
    specs,
)


def test_every_game_offers_random() -> None:
    for env_id in games.names():
        game = games.make(env_id)
        assert "random" in names(game)
        policy = make("random", game)
        assert isinstance(policy, RandomLegal) and policy.num_actions == game.info.num_actions


def test_the_names_of_each_game() -> None:
    assert names("blackjack") == ["basic-strategy", "random"]
    assert names("tictactoe_v1") == ["random"]
    assert len(names(PrisonersDilemma())) == len(STRATEGIES) == 15
    assert names("hanabi") == ["hanabi-rules", "random"]
    every = names()
    strategies = {n.replace("_", "-") for n in STRATEGIES}
    assert names("texas_holdem") == ["holdem-equity", "random"]
    assert names("cuttle") == ["cuttle-greedy", "random"]
    built = {"random", "basic-strategy", "hanabi-rules", "holdem-equity", "cuttle-greedy"}
    assert set(every) == built | strategies
    assert every == sorted(every)
    assert all(s.summary for s in specs())


@pytest.mark.parametrize("alias", ["tit_for_tat", "Tit-For-Tat", " tit-for-tat "])
def test_underscores_and_case_are_accepted(alias: str) -> None:
    assert make(alias, "prisoners_dilemma").name == "tit-for-tat"


def test_policies_follow_the_game_options() -> None:
    h17 = make("basic-strategy", Blackjack(h17=True))
    assert isinstance(h17, BasicStrategy) and h17.h17
    s17 = make("basic_strategy", "blackjack_v1")
    assert isinstance(s17, BasicStrategy) and not s17.h17


def test_unknown_names_list_what_the_game_offers() -> None:
    with pytest.raises(UnknownPolicyError) as err:
        make("perfect-play", "blackjack")
    assert str(err.value) == (
        "no policy named 'perfect-play' (policies for blackjack_v1: basic-strategy, random)"
    )
    assert isinstance(err.value, LookupError)


def test_a_blackjack_policy_for_another_game_says_so() -> None:
    with pytest.raises(UnknownPolicyError, match=r"plays blackjack only, not tictactoe_v1"):
        make("basic-strategy", "tictactoe")
    with pytest.raises(UnknownPolicyError, match=r"plays prisoners_dilemma only, not blackjack"):
        make("tit-for-tat", Blackjack())


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="policy name is a str"):
        make(3, "blackjack")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Game or a game id"):
        make("random", 3)  # type: ignore[arg-type]
    with pytest.raises(games.UnknownGameError):
        make("random", "chess")


def test_resolve_takes_names_and_policies() -> None:
    policy = RandomLegal(2)
    assert resolve(policy, "prisoners_dilemma") is policy
    assert resolve("pavlov", "prisoners_dilemma").name == "pavlov"
    with pytest.raises(TypeError):
        resolve(None, "blackjack")  # type: ignore[arg-type]


def test_register_adds_a_name_for_some_games() -> None:
    class Corner(Policy):
        name = "corner-first"

        def act(
            self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
        ) -> int:
            legal = np.flatnonzero(action_mask if action_mask is not None else np.ones(9))
            return int(legal[0])

    def factory(game: Game) -> Policy:
        return Corner()

    spec = register("corner_first", factory, games="tictactoe", summary="takes the first cell")
    try:
        assert spec.name == "corner-first"
        assert "corner-first" in names("tictactoe") and "corner-first" not in names("blackjack")
        assert isinstance(make("corner-first", "tictactoe"), Corner)
        with pytest.raises(ValueError, match="already registered"):
            register("corner-first", factory)
    finally:
        from hypertoken.policies import registry

        registry._registry.pop("corner-first")
