"""Blackjack's training tables (``games/blackjack/tables.zig``) against the game on a
LocalEngine: the same seeded episodes, compared after every move (the table state ``s``,
the seat's observation, mask, reward, bankroll and stake, the end), and the tables' kept
moves replaying to the engine's state hash.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

import games
from games.blackjack import Blackjack
from games.blackjack.state import BANK, STAKE
from hypertoken.engine import IllegalMoveError, LocalEngine
from hypertoken.envs.seeding import next_seed
from hypertoken.game import tables as T

OPTIONS: list[tuple[int, dict[str, Any]]] = [
    (1, {}),
    (1, {"decks": 1, "splits": 3}),
    (1, {"h17": True, "splits": 2, "bankroll": 25}),
    (1, {"bankroll": 10}),  # no chips for doubles or insurance after the bet
    (1, {"bankroll": 5}),  # cannot bet: over at once
    (1, {"illegal_action": "error"}),
    (3, {"decks": 1, "splits": 3}),
    (6, {"decks": 1, "splits": 3, "bankroll": 30}),  # the shoe runs low mid-hand
]


def engine_view(game: Blackjack, engine: LocalEngine, seat: int) -> dict[str, Any]:
    world, name = engine.world, game.seats[seat]
    return {
        "s": world.property("s"),
        "obs": game.player_view(world, name).tolist(),
        "mask": engine.legal_mask(name).astype(bool).tolist(),
        "total": engine.rewards()[name],
        "done": engine.is_over,
        "bank": world.property(BANK[seat]),
        "stake": world.property(STAKE[seat]),
    }


def table_view(tables: T.TrainingTables, i: int) -> dict[str, Any]:
    t: Any = tables
    return {
        "s": int(t.s[i]),
        "obs": t.obs[i].tolist(),
        "mask": t.mask[i].tolist(),
        "total": float(t.total[i]),
        "done": bool(t.done[i] or t.pending[i]),
        "bank": int(t.bank[i]),
        "stake": int(t.stake[i]),
    }


def make(players: int, options: dict[str, Any], count: int, seat: int = 0) -> Any:
    game = games.make("blackjack", players, **options)
    tables = game.training_tables(count, seat)
    assert tables is not None
    return game, tables


@pytest.mark.parametrize(("players", "options"), OPTIONS)
def test_tables_play_the_engines_episodes_move_by_move(
    players: int, options: dict[str, Any]
) -> None:
    count = 16
    rng = random.Random(players * 1000 + len(options))
    for seat in sorted({0, players - 1}):
        game, tables = make(players, options, count, seat)
        for round_ in range(6):
            firsts = [rng.randrange(2**40) for _ in range(count)]
            tables.first[:] = firsts
            tables.k[:] = round_ % 3
            tables.todo[:] = True
            tables.begin()
            engines = []
            for i in range(count):
                episode = next_seed(firsts[i], round_ % 3) if round_ % 3 else firsts[i]
                assert int(tables.episode[i]) == episode
                engine = LocalEngine(game, seed=episode)
                engines.append(engine)
                assert table_view(tables, i) == engine_view(game, engine, seat)
                assert bool(tables.pending[i]) == engine.is_over
            for _ in range(500):
                live = [i for i in range(count) if not engines[i].is_over]
                if not live:
                    break
                tables.todo[:] = False
                wanted = {}
                for i in live:
                    mover = engines[i].current_player()
                    assert mover is not None
                    mask = engines[i].legal_mask(mover)
                    legal = np.flatnonzero(mask).tolist()
                    # Now and then an unavailable action, for the illegal-action policy.
                    wanted[i] = rng.randrange(5) if rng.random() < 0.15 else rng.choice(legal)
                    tables.actions[i] = wanted[i]
                    tables.todo[i] = True
                tables.play()
                for i in live:
                    try:
                        engines[i].step(wanted[i])
                        refused = False
                    except IllegalMoveError as exc:
                        refused = True
                        assert tables.refusal(i, wanted[i]) == str(exc)
                    assert int(tables.status[i]) == (T.REFUSED if refused else T.PLAYED)
                    assert table_view(tables, i) == engine_view(game, engines[i], seat)
                    assert tables.info(i) == game.infos(engines[i].world)[game.seats[seat]]
            else:
                raise AssertionError("the episodes did not end")
            for i in range(count):  # the kept moves replay to the same World
                replay = LocalEngine(game, seed=int(tables.episode[i]))
                for action in tables.moves(i):
                    replay.step(action)
                assert replay.state_hash() == engines[i].state_hash()


def test_a_vector_step_autoresets_as_begin_and_play_do() -> None:
    _, fused = make(1, {}, 32)
    _, parts = make(1, {}, 32)
    for t in (fused, parts):
        t.first[:] = np.arange(32) + 7
        t.k[:] = 0
        t.todo[:] = True
        t.begin()
    rng = np.random.default_rng(3)
    began = ended = 0
    for _ in range(300):
        actions = rng.integers(0, 5, size=32).astype(np.uint8)
        done, pending = parts.done.copy(), parts.pending.copy()
        fused.actions[:] = actions
        fused.step()
        # The same through the single calls: done tables begin their next episode,
        # pending ones end, the others play.
        parts.k[done] += 1
        parts.todo[:] = done
        parts.begin()
        parts.done[pending & ~done] = True
        parts.pending[pending & ~done] = False
        parts.actions[:] = actions
        parts.todo[:] = ~done & ~pending
        parts.play()
        began += int(done.sum())
        ended += int((pending & ~done).sum())
        assert (fused.status[done] == T.BEGAN).all()
        assert (fused.status[pending & ~done] == T.ENDED).all()
        for name in ("obs", "mask", "total", "done", "pending", "episode", "k"):
            assert np.array_equal(getattr(fused, name), getattr(parts, name)), name
    assert began > 50 and ended > 0  # both branches were taken


def test_calls_on_a_finished_table_or_out_of_range_change_nothing() -> None:
    _, tables = make(1, {}, 1)
    tables.begin_one(0, 11, 0)
    before = table_view(tables, 0)
    assert tables.play_one(0, 7) == T.OUT_OF_RANGE
    assert table_view(tables, 0) == before
    while not tables.done[0]:
        tables.play_one(0, 1)
    before = table_view(tables, 0)
    assert tables.play_one(0, 1) == T.OVER
    assert table_view(tables, 0) == before


def test_options_out_of_scope_have_no_tables() -> None:
    assert games.make("blackjack", 1, hands=2).training_tables(4, 0) is None
    assert games.make("blackjack", 1, illegal_action="penalty").training_tables(4, 0) is None
    game = games.make("blackjack", 2)
    with pytest.raises(ValueError, match="seat 2"):
        game.training_tables(4, 2)
    with pytest.raises(ValueError, match="count"):
        game.training_tables(0, 0)
    with pytest.raises(RuntimeError, match="out of the tables' scope or range"):
        game.training_tables(2**20 + 1, 0)  # refused, not clamped under the host's rows


def test_tables_derive_the_episode_seeds_the_host_derives() -> None:
    rng = random.Random(5)
    game, tables = make(1, {}, 64)
    firsts = [rng.randrange(2**63) for _ in range(64)]
    ks = [0 if i % 8 == 0 else rng.randrange(1, 2**40) for i in range(64)]
    tables.first[:] = firsts
    tables.k[:] = ks
    tables.todo[:] = True
    tables.begin()
    for i in range(64):
        episode = next_seed(firsts[i], ks[i]) if ks[i] else firsts[i]
        assert int(tables.episode[i]) == episode
        # The room seed and the setup's seed follow: the deal is the engine's.
        assert table_view(tables, i) == engine_view(game, LocalEngine(game, seed=episode), 0)
