"""The hold'em kernel against the Python rules, move by move.

Seeded random sessions (2 to 10 seats, both action layouts, short and deep stacks, several
hands, every ``illegal_action`` policy, ``rich_obs``, actions from outside the mask and from
seats not to act) are played in a World with the kernel (``TexasHoldem.new_world()``) and
in a plain-core World through the Python rules. After the setup and after every move both
Worlds must be bit-identical (``state_hash``), and every seat's mask, observation, reward
and info, the seat to act and the end flags must be equal; a move either World refuses must
change neither. The kernel must have played (not declined) every move the Python rules
would not refuse or penalise.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from games.holdem import TexasHoldem
from games.holdem.fast import KernelView
from hypertoken.core import World
from hypertoken.game import IllegalMove, MoveContext


def _options(rng: random.Random) -> dict[str, Any]:
    return {
        "num_players": rng.randint(2, 10),
        "hands": rng.choice([1, 2, 6, 20, 60]),
        "starting_stack": rng.choice([1, 2, 3, 5, 10, 25, 60, 200]),
        "small_blind": rng.choice([1, 1, 2]),
        "big_blind": rng.choice([2, 2, 3, 5]),
        "actions": rng.choice(["default", "extended"]),
        "illegal_action": rng.choice(["check_fold", "check_fold", "error", "penalty"]),
        "rich_obs": rng.random() < 0.25,
    }


def _same(game: TexasHoldem, kw: World, pw: World, where: str) -> None:
    """Both Worlds hold the same state, and the kernel's view says what Python's does."""
    assert kw.state_hash() == pw.state_hash(), where
    assert game.current_player(kw) == game.current_player(pw), where
    assert game.is_over(kw) == game.is_over(pw), where
    assert game.hand_over(kw) == game.hand_over(pw), where
    assert game.rewards(kw) == game.rewards(pw), where
    assert game.infos(kw) == game.infos(pw), where
    for seat in game.seats:
        assert np.array_equal(game.legal_actions(kw, seat), game.legal_actions(pw, seat)), where
        k_obs, p_obs = game.player_view(kw, seat), game.player_view(pw, seat)
        assert k_obs.dtype == p_obs.dtype and k_obs.tobytes() == p_obs.tobytes(), where
        assert game.default_action(kw, seat) == game.default_action(pw, seat), where
        for a in range(game.layout.num_actions):
            assert game.is_legal(kw, seat, a) == game.is_legal(pw, seat, a), where


def _play(game: TexasHoldem, world: World, seat: str, action: int, ctx: MoveContext) -> str:
    """Apply a move as the referee would: "" if accepted, else why (nothing changed)."""
    before = world.state_hash()
    try:
        game.apply(world, seat, action, ctx)
    except IllegalMove as exc:
        assert world.state_hash() == before
        return str(exc)
    return ""


class _Counting:
    """Counts the kernel's answers to ``step`` (played or declined)."""

    def __init__(self, view: KernelView) -> None:
        self.played = self.declined = 0
        step = view.step

        def counted(seat: int, action: int, seed: int) -> bool:
            done = step(seat, action, seed)
            if done:
                self.played += 1
            else:
                self.declined += 1
            return done

        view.step = counted  # type: ignore[method-assign]


def _session(seed: int, options: dict[str, Any], moves: int = 400) -> tuple[int, int, int]:
    """One session through both Worlds: (moves tried, moves the kernel played, moves the
    rules refused or penalised).
    """
    rng = random.Random(seed)
    game = TexasHoldem(**options)
    kw, pw = game.new_world(), World()
    setup = MoveContext(0, 0, 0, rng.getrandbits(32))
    for world in (kw, pw):
        game.setup(world, setup)
    view = game._kernel_of(kw)
    assert view is not None and game._kernel_of(pw) is None
    counts = _Counting(view)
    _same(game, kw, pw, f"seed {seed} setup")
    python_only = tried = 0
    for i in range(1, moves + 1):
        if game.is_over(pw):
            break
        seat = game.current_player(pw)
        assert seat is not None
        mask = np.flatnonzero(game.legal_actions(pw, seat))
        roll = rng.random()
        if roll < 0.08:  # anything, the mask aside
            action = rng.randrange(game.layout.num_actions)
        elif roll < 0.1:  # a seat not to act
            seat = rng.choice(game.seats)
            action = int(rng.choice(mask))
        else:
            action = int(rng.choice(mask))
        legal = game.is_legal(pw, seat, action) and seat == game.current_player(pw)
        ctx = MoveContext(i, 0, i, rng.getrandbits(32))
        tried += 1
        p_why = _play(game, pw, seat, action, ctx)
        k_why = _play(game, kw, seat, action, ctx)
        where = f"seed {seed} move {i}: {seat} plays {action} ({options})"
        assert k_why == p_why, where
        if p_why or (not legal and game.illegal_action == "penalty"):
            python_only += 1
        _same(game, kw, pw, where)
    return tried, counts.played, python_only


@pytest.mark.parametrize("seed", range(200))
def test_kernel_moves_equal_python_moves(seed: int) -> None:
    options = _options(random.Random(seed))
    tried, played, python_only = _session(seed, options)
    assert played == tried - python_only  # the kernel played every other move itself


@pytest.mark.parametrize("n", range(2, 11))
def test_kernel_declines_only_what_python_refuses(n: int) -> None:
    # Under "check_fold" the kernel plays every move the rules accept, itself.
    for seed in range(6):
        rng = random.Random(seed)
        game = TexasHoldem(n, hands=4, starting_stack=20 + 7 * seed)
        kw, pw = game.new_world(), World()
        for world in (kw, pw):
            game.setup(world, MoveContext(0, 0, 0, seed))
        view = game._kernel_of(kw)
        assert view is not None
        counts = _Counting(view)
        refused = 0
        for i in range(1, 300):
            if game.is_over(pw):
                break
            seat = game.current_player(pw)
            assert seat is not None
            action = rng.randrange(game.layout.num_actions)
            ctx = MoveContext(i, 0, i, rng.getrandbits(32))
            why = _play(game, pw, seat, action, ctx)
            assert _play(game, kw, seat, action, ctx) == why
            refused += bool(why)
            _same(game, kw, pw, f"{n} seats, seed {seed}, move {i}")
        assert refused == 0 and counts.declined == 0 and counts.played > 0


def test_showdowns_and_side_pots_run_in_the_kernel() -> None:
    # Deep runs to a showdown with several all-in levels: the kernel settles them itself.
    for seed in range(40):
        rng = random.Random(1000 + seed)
        n = rng.randint(3, 10)
        game = TexasHoldem(n, hands=6, starting_stack=rng.choice([4, 9, 16]))
        kw, pw = game.new_world(), World()
        for world in (kw, pw):
            game.setup(world, MoveContext(0, 0, 0, seed))
        view = game._kernel_of(kw)
        assert view is not None
        counts = _Counting(view)
        showdowns = 0
        for i in range(1, 400):
            if game.is_over(pw):
                break
            seat = game.current_player(pw)
            assert seat is not None
            mask = game.legal_actions(pw, seat)
            # Mostly call or go all-in: many showdowns with side pots.
            action = 2 if mask[2] and rng.random() < 0.6 else int(np.flatnonzero(mask)[-1])
            ctx = MoveContext(i, 0, i, rng.getrandbits(32))
            assert _play(game, pw, seat, action, ctx) == _play(game, kw, seat, action, ctx) == ""
            _same(game, kw, pw, f"seed {seed} move {i}")
            showdowns += game.hand_over(pw)
        assert counts.declined == 0 and showdowns > 0


def test_plain_worlds_have_no_kernel_view() -> None:
    game = TexasHoldem(2)
    world = World()
    game.setup(world, MoveContext(0, 0, 0, 7))
    assert game._kernel_of(world) is None
    assert game.current_player(world) == "player_0"
