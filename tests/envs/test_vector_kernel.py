"""The kernel entries the vector env drives (``games.blackjack.fast``) and the engine's
``reset_with`` / ``step_with``: the same World as the game's Python API move by move, the
view equal to ``player_view``, ``legal_actions``, ``current_player`` and ``rewards``, and
the same state hash as ``LocalEngine.reset`` / ``step``.
"""

from __future__ import annotations

import contextlib
import random
import struct
from typing import Any

import numpy as np
import pytest

from games.blackjack import Blackjack
from games.blackjack.fast import KernelTable, kernel_table
from hypertoken.core import World
from hypertoken.engine import LocalEngine
from hypertoken.engine.state import FoldState, training_seed
from hypertoken.envs.seeding import next_seed
from hypertoken.game import IllegalMoveError, MoveContext

OPTIONS: list[dict[str, Any]] = [
    {"hands": 20},
    {"hands": 15, "bankroll": 150, "decks": 1, "penetration": 1.0},
    {"hands": 15, "h17": True, "splits": 3, "bankroll": 200},
    {"hands": 10, "decks": 1, "penetration": 0.05},
    {"hands": 10, "illegal_action": "error"},
    {"hands": 10, "illegal_action": "penalty"},
]


def check_view(game: Blackjack, world: World, table: KernelTable) -> None:
    """The kernel's view of ``table.seat`` equals the game's Python reading of ``world``."""
    name = game.seats[table.seat]
    rec = table.record()
    np.testing.assert_array_equal(rec["obs"], game.player_view(world, name))
    np.testing.assert_array_equal(table.observation(), game.player_view(world, name))
    mask = game.legal_actions(world, name)
    assert rec["mask"] == table.mask_bits() == sum(1 << a for a in range(5) if mask[a])
    current = game.current_player(world)
    assert rec["to_move"] == (-1 if current is None else game.seats.index(current))
    assert table.over == (current is None)
    assert table.reward() == game.rewards(world)[name]
    assert table.info() == game.infos(world)[name]


@pytest.mark.parametrize("players", [1, 3, 6])
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(map(str, o.values())))
def test_kernel_entries_change_the_world_as_the_game_does(
    players: int, options: dict[str, Any]
) -> None:
    rng = random.Random(players)
    game = Blackjack(players, **options)
    for _ in range(4):
        python = game.new_world()
        game.prepare(python)
        kernel = game.new_world()
        kernel.restore(python.snapshot())
        table = kernel_table(game, kernel, rng.randrange(players))
        assert table is not None
        seed = rng.getrandbits(32)
        game.setup(python, MoveContext(0, 0, 0, seed))
        table.start(seed)
        assert python.state_hash() == kernel.state_hash()
        i = 1
        while True:
            check_view(game, python, table)
            seat = game.current_player(python)
            if seat is None:
                break
            action, seed = rng.randrange(5), rng.getrandbits(32)
            ctx = MoveContext(i, 0, i, seed)
            with contextlib.suppress(IllegalMoveError):
                game.apply(python, seat, action, ctx)
            if not table.step(action, seed):  # declined: the Python rules play it
                assert game.illegal_action != "stand"
                with contextlib.suppress(IllegalMoveError):
                    game.apply(kernel, seat, action, ctx)
                table.look()
            assert python.state_hash() == kernel.state_hash()
            i += 1


@pytest.mark.parametrize(
    "options", [{}, {"illegal_action": "error"}, {"illegal_action": "penalty", "hands": 3}]
)
def test_reset_with_and_step_with_keep_the_engines_state_hash(options: dict[str, Any]) -> None:
    game = Blackjack(**options)
    plain, driven = LocalEngine(game), LocalEngine(game)
    table = kernel_table(game, driven.world, 0)
    assert table is not None
    rng = random.Random(1)
    for _ in range(150):
        seed = rng.getrandbits(40)
        plain.reset(seed)
        driven.reset_with(seed, table.setup)
        assert plain.state_hash() == driven.state_hash()
        while not plain.is_over:
            action = rng.randrange(5)
            table.action = action
            refused = False
            try:
                plain.step(action)
            except IllegalMoveError:
                refused = True
            try:
                if not driven.step_with("player_0", action, table.play):
                    table.look()
            except IllegalMoveError:
                assert refused
            assert plain.state_hash() == driven.state_hash()
            assert plain.moves == driven.moves
        assert driven.is_over


def test_step_with_refuses_a_finished_game_and_reset_with_a_recording_engine() -> None:
    game = Blackjack()
    engine = LocalEngine(game)
    table = kernel_table(game, engine.world, 0)
    assert table is not None
    engine.reset_with(3, table.setup)
    while not engine.is_over:
        table.action = 1
        engine.step_with("player_0", 1, table.play)
    with pytest.raises(IllegalMoveError, match="over"):
        engine.step_with("player_0", 1, table.play)
    recording = LocalEngine(game, record=True)
    with pytest.raises(Exception, match="reset_with"):
        recording.reset_with(3, table.setup)


def test_only_blackjack_worlds_with_the_kernel_get_a_table() -> None:
    game = Blackjack()
    assert kernel_table(game, World(), 0) is None  # the plain core has no kernel
    assert kernel_table(object(), game.new_world(), 0) is None
    with pytest.raises(ValueError, match="no blackjack kernel"):
        KernelTable(game, World(), 0)


def test_the_kernels_seed_derivations_are_the_hosts() -> None:
    game = Blackjack()
    engine = LocalEngine(game)
    table = kernel_table(game, engine.world, 0)
    assert table is not None
    derive = engine.world.kernel("bj_derive")
    referee = engine.referee
    rng = random.Random(0)
    firsts = [0, 1, 9, 10, 2**32, 2**63 - 1] + [rng.getrandbits(63) for _ in range(500)]
    for n, first in enumerate(firsts):
        k, index = n % 4, rng.choice([0, 1, 2, 255, 2**40])
        derive(struct.pack("<QQQ", first, k, index))
        out = bytes(table.world._mv[table._at + 64 : table._at + 108])
        episode = first if k == 0 else next_seed(first, k)
        assert int.from_bytes(out[:8], "little") == episode
        assert out[8:40] == training_seed(episode)
        expected = referee.seed_at(FoldState(room_seed=training_seed(episode)), 0, index)
        assert int.from_bytes(out[40:44], "little") == expected


def test_begin_with_and_kernel_seeds_keep_the_engines_state_hash() -> None:
    game = Blackjack(hands=3, decks=1, penetration=0.9)  # reshuffles use the move seeds
    plain, driven = LocalEngine(game), LocalEngine(game)
    table = kernel_table(game, driven.world, 0)
    assert table is not None
    rng = random.Random(2)
    first = 77
    for k in range(200):
        table.next_first, table.next_k = first, k
        seed = driven.begin_with(table.begin)
        assert seed == (first if k == 0 else next_seed(first, k))
        plain.reset(seed)
        assert plain.state_hash() == driven.state_hash()
        while not plain.is_over:
            action = rng.randrange(5)
            plain.step(action)
            table.action = action
            if not driven.step_with("player_0", action, table.play_at, by_index=True):
                table.look()
            assert plain.state_hash() == driven.state_hash()
