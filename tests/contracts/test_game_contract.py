"""The game contract suite: every registered game must pass it.

Parametrised over ``games.names()``, so a new game (built in or a plugin) joins by
registering. It checks what the engines and every environment rely on:

- seeded random playouts end, within the game's declared maximum length;
- the same seed and the same choices give the same game, move for move;
- the legal mask agrees with ``is_legal``, and the seat to move always has a legal move;
- observations have the declared shape and are finite;
- ``player_view`` leaks nothing: in simultaneous games (``GameInfo.simultaneous``) a
  pending choice is invisible to the other seats, and for games with hidden state the
  worlds of ``Game.hidden_variants`` (which differ only in what a seat may not see) give
  that seat the same view.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import pytest

import games
from hypertoken.engine import LocalEngine
from hypertoken.game import Game, TurnOrder

GAMES = games.names()
SEEDS = (0, 1, 7)


def make(env_id: str) -> Game:
    """A game with its default options and the most players it allows (up to 4)."""
    cls = games.game_class(env_id)
    return cls(min(cls.info.max_players, 4))


def seat_to_move(engine: LocalEngine, rng: random.Random) -> str | None:
    """The seat that moves next: the game's choice, or a random seat with a legal move."""
    seat = engine.current_player()
    if seat is not None or engine.game.info.turn_order is not TurnOrder.ANY:
        return seat
    seats = [s for s in engine.game.seats if engine.legal_mask(s).any()]
    return rng.choice(seats) if seats else None


def playout(
    env_id: str, seed: int, check: Callable[[LocalEngine, str], None] | None = None
) -> tuple[list[bytes], dict[str, float], int]:
    """Play random legal moves until the game ends; return the hashes after every move."""
    game = make(env_id)
    engine = LocalEngine(game, seed=seed)
    rng = random.Random(seed)
    limit = game.info.max_length or 10_000
    hashes = [engine.state_hash()]
    steps = 0
    while not engine.is_over:
        assert steps < limit, f"{env_id} did not end within its max_length {limit}"
        seat = seat_to_move(engine, rng)
        assert seat is not None, f"{env_id}: no seat can move, yet the game is not over"
        if check is not None:
            check(engine, seat)
        legal = np.flatnonzero(engine.legal_mask(seat))
        assert legal.size, f"{env_id}: {seat} is to move but has no legal action"
        engine.step(int(rng.choice(legal)), seat)
        hashes.append(engine.state_hash())
        steps += 1
    return hashes, engine.rewards(), steps


@pytest.mark.parametrize("env_id", GAMES)
@pytest.mark.parametrize("seed", SEEDS)
def test_random_playouts_end(env_id: str, seed: int) -> None:
    _, rewards, steps = playout(env_id, seed)
    game = make(env_id)
    assert steps > 0
    assert set(rewards) == set(game.seats)
    low, high = game.info.reward_range
    for seat, r in rewards.items():
        assert low <= r <= high, f"{env_id}: {seat}'s reward {r} is outside {low}..{high}"


@pytest.mark.parametrize("env_id", GAMES)
def test_same_seed_same_game(env_id: str) -> None:
    first = playout(env_id, 3)
    second = playout(env_id, 3)
    assert first == second
    other = playout(env_id, 4)
    if make(env_id).info.chance:
        assert other[0] != first[0], f"{env_id} uses chance, but the seed changed nothing"


@pytest.mark.parametrize("env_id", GAMES)
def test_masks_match_legality(env_id: str) -> None:
    def check(engine: LocalEngine, seat: str) -> None:
        game = engine.game
        mask = np.asarray(game.legal_actions(engine.world, seat), dtype=bool)
        assert mask.shape == (game.info.num_actions,)
        before = engine.world.state_hash()
        for action in range(game.info.num_actions):
            assert game.is_legal(engine.world, seat, action) == bool(mask[action]), (
                f"{env_id}: is_legal({seat}, {action}) disagrees with the mask"
            )
        assert not game.is_legal(engine.world, seat, -1)
        assert not game.is_legal(engine.world, seat, game.info.num_actions)
        assert engine.world.state_hash() == before, "checking legality changed the world"

    playout(env_id, 5, check)


@pytest.mark.parametrize("env_id", GAMES)
def test_observations_have_the_declared_shape(env_id: str) -> None:
    def check(engine: LocalEngine, seat: str) -> None:
        for s in engine.game.seats:
            obs = np.asarray(engine.game.player_view(engine.world, s))
            assert obs.shape == engine.game.info.observation_shape
            assert np.isfinite(obs.astype(np.float64)).all()

    playout(env_id, 6, check)


@pytest.mark.parametrize("env_id", [g for g in GAMES if games.game_class(g).info.simultaneous])
def test_pending_choices_are_invisible(env_id: str) -> None:
    """In simultaneous play, a seat's choice must not show in another seat's view until the
    round resolves.
    """

    def check(engine: LocalEngine, seat: str) -> None:
        game = engine.game
        others = [s for s in game.seats if s != seat]
        before = {s: np.asarray(game.player_view(engine.world, s)).copy() for s in others}
        waiting = {s: engine.legal_mask(s).any() for s in others}
        trial = engine.fork()
        legal = np.flatnonzero(trial.legal_mask(seat))
        trial.step(int(legal[0]), seat)
        for s in others:
            # If the round did not resolve (the other seat still has to choose), its view
            # must be exactly what it was.
            if waiting[s] and trial.legal_mask(s).any() and not trial.is_over:
                after = np.asarray(game.player_view(trial.world, s))
                assert np.array_equal(before[s], after), (
                    f"{env_id}: {s} can see {seat}'s pending choice"
                )

    playout(env_id, 8, check)


@pytest.mark.parametrize("env_id", GAMES)
def test_hidden_information_does_not_leak(env_id: str) -> None:
    probed = [0]

    def check(engine: LocalEngine, seat: str) -> None:
        game = engine.game
        for s, variant in game.hidden_variants(engine.world):
            assert np.array_equal(
                np.asarray(game.player_view(engine.world, s)),
                np.asarray(game.player_view(variant, s)),
            ), f"{env_id}: {s}'s view changes with information it may not see"
            probed[0] += 1

    for seed in SEEDS:
        playout(env_id, seed, check)
    game = make(env_id)
    if game.info.information.value == "imperfect" and not game.info.simultaneous:
        assert probed[0] > 0, f"{env_id} hides information but offers no hidden_variants"
