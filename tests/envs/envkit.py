"""Shared helpers for the environment tests: seeded random play through each adapter,
and replaying the moves it made on a LocalEngine."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from hypertoken.engine import LocalEngine
from hypertoken.game import Game


def legal_choice(mask: np.ndarray, rng: random.Random) -> int:
    """A uniformly random legal action of ``mask``."""
    return int(rng.choice(np.flatnonzero(mask).tolist()))


def play_aec(env: Any, seed: int, rng: random.Random) -> tuple[list[tuple[str, int]], list[bytes]]:
    """One seeded episode of random legal play: the (seat, action) moves and the state
    hash after each.
    """
    env.reset(seed=seed)
    moves: list[tuple[str, int]] = []
    hashes: list[bytes] = []
    for agent in env.agent_iter():
        _, _, term, trunc, info = env.last()
        if term or trunc:
            env.step(None)
            continue
        action = legal_choice(info["action_mask"], rng)
        env.step(action)
        moves.append((agent, action))
        hashes.append(env.unwrapped.engine.state_hash())  # re-read: it may replay a table
    return moves, hashes


def replay_hashes(game: Game, seed: int, moves: list[tuple[str, int]]) -> list[bytes]:
    """The state hash after each of ``moves`` on a fresh LocalEngine seeded with ``seed``."""
    engine = LocalEngine(game, seed=seed)
    out = []
    for seat, action in moves:
        engine.step(action, seat)
        out.append(engine.state_hash())
    return out
