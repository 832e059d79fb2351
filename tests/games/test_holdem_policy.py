"""The hold'em equity bot: it reads its cards from the view, estimates equity by seeded
Monte Carlo, raises strong hands, folds weak ones to a big bet, and beats random play.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from games.holdem import CALL, CHECK, FOLD, TexasHoldem, cards
from games.holdem.table import deal_order
from hypertoken.core import World
from hypertoken.engine import LocalEngine
from hypertoken.game import MoveContext
from hypertoken.policies import RandomLegal
from hypertoken.policies.holdem import EquityPolicy, equity, seen_cards

CTX = MoveContext(0, 0, 0, 99)


def dealt(holes: list[str], board: str = "") -> tuple[TexasHoldem, World]:
    game = TexasHoldem(len(holes))
    world = World()
    for seat in game.seats:
        world.agent_create(seat)
    world.game_start(0)
    game.setup(world, CTX)
    holes_ids = {i: cards(h) for i, h in enumerate(holes)}
    game.restack(world, deal_order(len(holes), 0, holes_ids, cards(board)))
    return game, world


def test_reads_its_own_cards_from_the_view() -> None:
    game, world = dealt(["Ah Kd", "7c 2s"], "Qh Jc Ts 3d 4d")
    hole, board = seen_cards(game.player_view(world, "player_0"))
    assert hole == cards("Ah Kd") and board == []


def test_equity_estimates() -> None:
    rng = random.Random(1)
    aces = equity(cards("As Ah"), [], 1, 2000, rng)
    assert 0.82 < aces < 0.88  # pocket aces against one random hand: about 85%
    assert equity(cards("As Ks"), cards("Qs Js Ts"), 1, 200, rng) == 1.0  # the royal flush
    assert equity(cards("As Ah"), [], 3, 1000, rng) < aces  # worse against more hands


def test_raises_aces_and_folds_rags_to_a_shove() -> None:
    bot = EquityPolicy(samples=300)
    game, world = dealt(["As Ah", "7c 2d"])
    obs, mask = game.player_view(world, "player_0"), game.legal_actions(world, "player_0")
    assert bot.act(obs, mask.astype(np.int8), random.Random(0)) == 4  # raise pot
    game, world = dealt(["7c 2d", "As Ah"])
    game.apply(world, "player_0", CALL, CTX)
    game.apply(world, "player_1", 5, CTX)  # the big blind shoves
    obs, mask = game.player_view(world, "player_0"), game.legal_actions(world, "player_0")
    assert bot.act(obs, mask.astype(np.int8), random.Random(0)) == FOLD


def test_checks_a_weak_hand_when_free() -> None:
    game, world = dealt(["7c 2d", "As Ah"])
    game.apply(world, "player_0", CALL, CTX)
    obs, mask = game.player_view(world, "player_1"), game.legal_actions(world, "player_1")
    bot = EquityPolicy(samples=100, raise_at=0.99, allin_at=1.1)
    assert bot.act(obs, mask.astype(np.int8), random.Random(0)) == CHECK


def test_seeded_decisions_replay() -> None:
    game, world = dealt(["Td 9d", "As Ah"], "8d 7c 2h Kc Qs")
    obs, mask = game.player_view(world, "player_0"), game.legal_actions(world, "player_0")
    bot = EquityPolicy(samples=50)
    first = [bot.act(obs, mask.astype(np.int8), random.Random(s)) for s in range(5)]
    again = [bot.act(obs, mask.astype(np.int8), random.Random(s)) for s in range(5)]
    assert first == again


def test_extended_layout_and_rich_observation() -> None:
    game = TexasHoldem(3, actions="extended", rich_obs=True)
    engine = LocalEngine(game, seed=2)
    seat = engine.current_player()
    assert seat is not None
    bot = EquityPolicy(samples=50)
    mask = engine.legal_mask(seat).astype(np.int8)
    action = bot.act(game.player_view(engine.world, seat), mask, random.Random(0))
    assert mask[action]


def test_beats_random_play() -> None:
    bot, rand = EquityPolicy(samples=60), RandomLegal()
    rng = random.Random(5)
    won = 0.0
    for episode in range(60):
        game = TexasHoldem(2)
        engine = LocalEngine(game, seed=episode)
        me = game.seats[episode % 2]
        while not engine.is_over:
            seat = engine.current_player()
            assert seat is not None
            mask = engine.legal_mask(seat).astype(np.int8)
            obs = game.player_view(engine.world, seat)
            policy = bot if seat == me else rand
            engine.step(policy.act(obs, mask, rng), seat)
        won += engine.rewards()[me]
    assert won > 0


def test_refuses_a_foreign_observation() -> None:
    with pytest.raises(ValueError, match="20-entry"):
        EquityPolicy().act(np.zeros(7, np.float32), None, random.Random(0))
