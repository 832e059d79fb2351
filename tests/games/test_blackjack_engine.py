"""Blackjack through the engines: the training fast path (determinism, recording and replay,
the illegal-action policies on ``step``) and a room (what every peer folds).
"""

from __future__ import annotations

import random

import numpy as np
import pytest

import games
from games.blackjack import ACTION_NAMES, DOUBLE, HIT, INSURANCE, SPLIT, STAND, Blackjack
from hypertoken.core import World
from hypertoken.engine import IllegalMoveError, LocalEngine, RoomEngine
from hypertoken.game import MoveContext
from hypertoken.log.chronicle import Chronicle, RoomConfig
from hypertoken.log.identity import Identity


def random_episode(engine: LocalEngine, rng: random.Random, limit: int = 10_000) -> list[bytes]:
    """Random available actions until the game ends; the state hash after every move."""
    game = engine.game
    assert isinstance(game, Blackjack)
    hashes = [engine.state_hash()]
    for _ in range(limit):
        if engine.is_over:
            return hashes
        seat = engine.current_player()
        assert seat is not None
        available = np.flatnonzero(game.available_actions(engine.world, seat))
        engine.step(int(rng.choice(available)))
        hashes.append(engine.state_hash())
    raise AssertionError("the game did not end")


@pytest.mark.parametrize("policy", ["stand", "error", "penalty"])
def test_same_seed_same_game_and_the_recording_replays(policy: str) -> None:
    game = games.make("blackjack", 3, hands=25, decks=1, illegal_action=policy)
    runs = []
    for record in (False, True):
        engine = LocalEngine(game, seed=42, record=record, record_batch=16)
        runs.append(random_episode(engine, random.Random(7)))
    assert runs[0] == runs[1]
    engine.flush()
    assert engine.chronicle is not None
    replayed = RoomEngine.replay(
        ch := Chronicle.load(engine.chronicle.save()), games.for_room(ch.config)
    )
    assert replayed.state_hash() == engine.state_hash()
    assert all(o.accepted for o in replayed.outcomes())
    assert replayed.rewards() == engine.rewards()
    other = random_episode(LocalEngine(game, seed=43), random.Random(7))
    assert other != runs[0]


def test_reset_starts_a_fresh_hand() -> None:
    engine = LocalEngine(games.make("blackjack", 2), seed=1)
    first = engine.state_hash()
    random_episode(engine, random.Random(0))
    engine.reset(1)
    assert engine.state_hash() == first
    engine.reset(2)
    assert engine.state_hash() != first


def _unavailable(engine: LocalEngine | RoomEngine) -> tuple[str, int]:
    """The seat to move and an action it cannot take on its own."""
    seat = engine.current_player()
    assert seat is not None
    game = engine.game
    assert isinstance(game, Blackjack)
    unavailable = np.flatnonzero(~game.available_actions(engine.world, seat))
    assert unavailable.size
    return seat, int(unavailable[-1])


def _engine_to_move(policy: str) -> LocalEngine:
    """A training engine whose first hand needs a decision."""
    for seed in range(100):
        engine = LocalEngine(games.make("blackjack", 1, illegal_action=policy), seed=seed)
        if not engine.is_over:
            return engine
    raise AssertionError("no seed dealt a hand with a decision")


def test_step_plays_an_unavailable_action_as_stand_by_default() -> None:
    engine = _engine_to_move("stand")
    game = engine.game
    assert isinstance(game, Blackjack)
    seat, action = _unavailable(engine)
    assert not engine.legal_mask(seat)[action]  # not in the mask, yet the engine accepts it
    assert game.tolerates(engine.world, seat, action)
    stood = engine.fork()
    stood.step(STAND)
    engine.step(action)  # ... and plays this one as Stand
    assert engine.rewards() == stood.rewards()
    assert engine.current_player() == stood.current_player()
    info = game.infos(engine.world)[seat]
    assert info["illegal_action"] == action and info["played_as"] == "stand"
    assert engine.moves == [(seat, action)]  # the move is kept as it was sent


def test_step_refuses_an_unavailable_action_under_error() -> None:
    engine = _engine_to_move("error")
    seat, action = _unavailable(engine)
    assert not engine.legal_mask(seat)[action]
    before = engine.state_hash()
    with pytest.raises(IllegalMoveError, match=f"illegal move for {seat}: {ACTION_NAMES[action]}"):
        engine.step(action)
    assert engine.state_hash() == before and engine.moves == []
    with pytest.raises(IllegalMoveError, match=r"outside 0\.\.4"):
        engine.step(5)


def test_step_penalises_an_unavailable_action_under_penalty() -> None:
    engine = _engine_to_move("penalty")
    seat, action = _unavailable(engine)
    before = engine.rewards()[seat]
    engine.step(action)
    assert engine.current_player() == seat  # the same seat moves again
    assert engine.rewards()[seat] == pytest.approx(before - 0.1)
    assert engine.game.infos(engine.world)[seat]["penalty"] == 0.1  # type: ignore[attr-defined]


def _room(policy: str) -> RoomEngine:
    """A room whose one seat this peer holds, started (the seed protocol run)."""
    for n in range(1, 50):
        game = games.make("blackjack", 1, illegal_action=policy)
        me = Identity.from_seed(bytes([n]) * 32)
        config = RoomConfig.for_game(game, [me], room="blackjack-room")
        engine = RoomEngine(game, Chronicle.create(config, actor=bytes([n]) * 16), me)
        engine.start()
        if engine.started and not engine.is_over:
            return engine
    raise AssertionError("no room dealt a hand with a decision")


def test_in_a_room_an_unavailable_move_is_logged_and_folded_alike() -> None:
    room = _room("stand")
    seat, action = _unavailable(room)
    outcome = room.submit(action, seat)
    assert outcome.accepted and outcome.move == ACTION_NAMES[action]
    assert room.chronicle is not None
    peer = RoomEngine.replay(
        ch := Chronicle.load(room.chronicle.save()), games.for_room(ch.config)
    )  # another peer's fold
    assert peer.state_hash() == room.state_hash()
    assert peer.outcomes()[-1].accepted


def test_in_an_error_room_an_unavailable_move_is_rejected_alike() -> None:
    room = _room("error")
    seat, action = _unavailable(room)
    with pytest.raises(IllegalMoveError, match=f"illegal move for {seat}"):
        room.submit(action, seat)
    # a misbehaving peer appends it anyway: every fold rejects it with the same reason
    name, args = room.game.move_name(action)
    outcome = room.submit_move(name, args, seat=seat, validate=False)
    assert not outcome.accepted and "illegal move" in outcome.reason
    assert room.chronicle is not None
    peer = RoomEngine.replay(ch := Chronicle.load(room.chronicle.save()), games.for_room(ch.config))
    assert peer.state_hash() == room.state_hash()
    assert peer.outcomes()[-1].reason == outcome.reason


def test_timeouts_stand() -> None:
    game = Blackjack(1)
    assert game.default_action(None, "player_0") == STAND  # type: ignore[arg-type]
    assert [game.parse_move(n, ()) for n in ACTION_NAMES] == [HIT, STAND, DOUBLE, SPLIT, INSURANCE]


def test_player_view_never_shows_the_hole_card() -> None:
    game = games.make("blackjack", 4, hands=30)
    assert isinstance(game, Blackjack)
    engine = LocalEngine(game, seed=5)
    rng = random.Random(3)
    probed = 0
    while not engine.is_over:
        for seat, variant in game.hidden_variants(engine.world):
            assert np.array_equal(
                game.player_view(engine.world, seat), game.player_view(variant, seat)
            )
            assert game.render(engine.world, seat) == game.render(variant, seat)
            probed += 1
        mover = engine.current_player()
        assert mover is not None
        engine.step(int(rng.choice(np.flatnonzero(game.available_actions(engine.world, mover)))))
    assert probed > 100


@pytest.mark.parametrize(
    "options",
    [
        {"hands": 400},
        {"hands": 300, "bankroll": 150, "decks": 1, "penetration": 1.0},
        {"hands": 200, "h17": True, "splits": 3, "bankroll": 200},
        {"hands": 150, "decks": 1, "penetration": 0.9, "illegal_action": "error"},
        {"hands": 120, "decks": 1, "penetration": 0.05},  # a reshuffle before every hand
        {"hands": 150, "splits": 2},  # unavailable actions played as Stand, too
        {"hands": 100, "illegal_action": "penalty"},
        {"hands": 60, "decks": 1, "penetration": 1.0, "splits": 3},  # the shoe runs dry
    ],
)
@pytest.mark.parametrize("players", [1, 3, 6])
def test_kernel_changes_the_world_as_the_python_planner_does(
    players: int, options: dict[str, object]
) -> None:
    # The same random play on two tables, one in a World with the blackjack kernel and
    # one in a plain core World (every move planned in Python): the Worlds must stay
    # bit-identical after every move, and the kernel must have played every move.
    games_ = [Blackjack(players, **options) for _ in range(2)]  # type: ignore[arg-type]
    worlds = []
    for game, world in zip(games_, (games_[0].new_world(), World()), strict=True):
        for name in game.seats:
            world.agent_create(name)
        world.game_start(0)
        game.setup(world, MoveContext(0, 0, 0, 99))
        worlds.append(world)
    assert games_[1].kernel(worlds[1]) is None
    move = games_[0].kernel(worlds[0])
    assert move is not None
    played = []

    def counting(data: bytes) -> int:
        status = move(data)
        played.append(status == 0)
        return status

    state = worlds[0].kernel_state
    assert isinstance(state, tuple)
    settings, (_, *others) = state
    assert worlds[0].state_hash() == worlds[1].state_hash(), "after setup"
    worlds[0].kernel_state = (settings, (counting, *others))
    rng = random.Random(players)
    n = 0
    while not games_[0].is_over(worlds[0]):
        seat = games_[0].current_player(worlds[0])
        assert seat is not None
        action = int(rng.choice(np.flatnonzero(games_[0].available_actions(worlds[0], seat))))
        if options.get("illegal_action") != "error" and rng.random() < 0.2:
            action = rng.randrange(5)  # as clients that sample without the mask do
        n += 1
        for game, world in zip(games_, worlds, strict=True):
            game.apply(world, seat, action, MoveContext(0, 0, n, 5000 + n))
        assert worlds[0].state_hash() == worlds[1].state_hash(), f"move {n}"
    assert games_[1].is_over(worlds[1])
    assert n > 30
    assert played and all(played), "the kernel declined a move"
    if options.get("illegal_action") == "penalty":  # the refusals never reach the kernel
        assert len(played) < n
    else:
        assert len(played) == n
