"""The vector environment's path over a game's training tables
(:mod:`hypertoken.game.tables`): every table of the env in one kernel instance, a reset or
a step of all of them one call, the observations, masks and rewards read from the kernel's
arrays with a few numpy operations and no Python loop over tables.

A table's World is replayed on a LocalEngine only when someone asks for it
(``env.engines[i]``, ``state_hash(i)``, ``render()``), from the episode seed and the moves
the table keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import numpy as np
from gymnasium.vector import AutoresetMode

from hypertoken.engine import LocalEngine
from hypertoken.game import Game, IllegalMoveError, TrainingTables
from hypertoken.game import tables as T

__all__ = ["Replays", "TablesPath"]


class Replays(Sequence[LocalEngine]):
    """The tables' Worlds as LocalEngines, each replayed from its table's episode seed and
    moves when indexed (a fresh engine each time: read it, never change it).
    """

    def __init__(self, game: Game, tables: TrainingTables) -> None:
        self._game, self._tables = game, tables

    def __len__(self) -> int:
        return self._tables.count

    @overload
    def __getitem__(self, i: int) -> LocalEngine: ...

    @overload
    def __getitem__(self, i: slice) -> list[LocalEngine]: ...

    def __getitem__(self, i: int | slice) -> LocalEngine | list[LocalEngine]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        tables = self._tables
        engine = LocalEngine(self._game, seed=int(tables.episode[i]))
        for action in tables.moves(i):
            engine.step(action)
        return engine


class TablesPath:
    """The methods :class:`~hypertoken.envs.vector.VectorGameEnv` runs when its game has
    training tables (``self._tables``); the env's buffers are its own.
    """

    _tables: TrainingTables
    num_envs: int
    autoreset_mode: AutoresetMode
    on_illegal: str
    illegal_reward: float
    _obs: np.ndarray
    _masks: np.ndarray
    _rewards: np.ndarray
    _totals: np.ndarray
    _terminated: np.ndarray
    _truncated: np.ndarray
    _pending: np.ndarray
    _done: np.ndarray

    def _begin_tables(self, which: np.ndarray, seeds: Sequence[int | None]) -> None:
        """The tables in ``which`` begin an episode: seed ``seeds[i]`` where given, else
        their next one.
        """
        tables = self._tables
        for i in np.flatnonzero(which).tolist():
            seed = seeds[i]
            if seed is None:
                tables.k[i] += 1
            else:
                tables.first[i], tables.k[i] = seed, 0
        tables.todo[:] = which
        tables.begin()
        self._gather(which)
        self._totals[which] = 0.0

    def _gather(self, which: np.ndarray | None) -> None:
        """The observations, masks and flags of the tables in ``which`` (None: all) into
        the env's buffers.
        """
        tables = self._tables
        if which is None:
            self._obs[:] = tables.obs
            self._masks[:] = tables.mask
            self._pending[:] = tables.pending
            self._done[:] = tables.done
        else:
            self._obs[which] = tables.obs[which]
            self._masks[which] = tables.mask[which]
            self._pending[which] = tables.pending[which]
            self._done[which] = tables.done[which]
        self._masks[self._pending] = True  # no decision: every action is allowed

    def _step_tables(self, actions: np.ndarray) -> tuple[dict[int, int], Any]:
        """One step of every table (one kernel call; under SAME_STEP a second begins the
        finished ones). Returns the refused actions by table and, under SAME_STEP, what
        the finished tables ended with: ``(ended, obs, masks)``.
        """
        tables = self._tables
        if self.on_illegal == "raise" and tables.refuses:
            # Refuse before any table moves, so the step changes nothing.
            live = ~(self._done | self._pending)
            outside = live & ~self._masks[np.arange(self.num_envs), actions]
            if outside.any():
                i = int(np.flatnonzero(outside)[0])
                raise IllegalMoveError(tables.refusal(i, int(actions[i])))
        resetting = self._done.copy() if self.autoreset_mode is AutoresetMode.NEXT_STEP else None
        tables.actions[:] = actions
        tables.step()
        status = tables.status
        illegal: dict[int, int] = {}
        refused = status == T.REFUSED
        if refused.any():
            where = np.flatnonzero(refused).tolist()
            if self.on_illegal == "raise":
                raise IllegalMoveError(tables.refusal(where[0], int(actions[where[0]])))
            illegal = {i: int(actions[i]) for i in where}
        broken = status == T.BROKEN
        if broken.any():
            raise RuntimeError(f"training tables {np.flatnonzero(broken).tolist()} failed")
        self._gather(None)
        total = tables.total
        np.subtract(total, self._totals, out=self._rewards)
        self._totals[:] = total
        if resetting is not None:
            self._totals[resetting] = 0.0
            self._rewards[resetting] = 0.0
        for i in illegal:
            self._rewards[i] = self.illegal_reward
        self._terminated[:] = self._done
        self._truncated[:] = False
        final = None
        if self.autoreset_mode is AutoresetMode.SAME_STEP and self._done.any():
            ended = self._done.copy()
            final = (ended, self._obs.copy(), self._masks.copy())
            self._begin_tables(ended, [None] * self.num_envs)
        return illegal, final
