"""Training tables: many episodes of one game, held and stepped together by the game's
kernel without a World, for the in-process environments (:mod:`hypertoken.envs`).

A game offers them through :meth:`hypertoken.game.Game.training_tables` (None when it has
none, or not for its options). The tables play exactly the episodes a
:class:`~hypertoken.engine.LocalEngine` plays: table ``i`` begins episode
``next_seed(first[i], k[i])`` (:mod:`hypertoken.envs.seeding`), and its observations,
masks, rewards and end agree with the engine's move by move (each game's tests compare
them). What a World would hold besides follows from the episode's seed and its moves,
which the tables keep: :meth:`TrainingTables.moves` hands them to whoever replays them on
an engine (the environments do, when someone asks for a table's World or state hash).

The arrays are numpy views of the kernel's memory, one row per table, valid for the
tables' lifetime: the inputs (``actions``, ``first``, ``k``, ``todo``) are written by the
caller before a call, the outputs are rewritten by each call for the tables it touched.
"""

from __future__ import annotations

import abc
from typing import Any

import numpy as np

__all__ = [
    "BEGAN",
    "BROKEN",
    "ENDED",
    "OUT_OF_RANGE",
    "OVER",
    "PLAYED",
    "REFUSED",
    "TrainingTables",
]

#: ``status`` after a call, per table.
PLAYED = 0  #: the action was played
REFUSED = 1  #: the game refused the action (illegal under its rules); nothing changed
OVER = 2  #: the episode is over (or never began); nothing changed
OUT_OF_RANGE = 3  #: the action is outside the action space; nothing changed
BEGAN = 5  #: (:meth:`TrainingTables.step`) the table began its next episode
ENDED = 6  #: (:meth:`TrainingTables.step`) an episode without a decision ended
BROKEN = 9  #: the kernel found an inconsistency (a bug): the table's episode is void


class TrainingTables(abc.ABC):
    """``count`` tables of one game seen from one seat (``seat``, an index). Attributes,
    arrays of ``count`` rows:

    - ``obs`` (float32, the observation's shape per row): the seat's observation;
    - ``mask`` (bool, ``num_actions`` per row): its legal mask (all False when it is not
      to move);
    - ``total`` (float64): its reward so far in the episode (from the episode's start);
    - ``done`` (bool): the episode is over (or none began yet), and its last step taken;
    - ``pending`` (bool): the episode ended in its setup, with no decision: over, but
      its one step (which :meth:`step` takes, setting ``done``) is still to come;
    - ``status`` (uint8): what the last call did to the table (the module's constants);
    - ``episode`` (uint64): the episode seed the table plays;
    - inputs: ``actions`` (uint8), ``first`` and ``k`` (uint64, the episode to begin:
      ``next_seed(first, k)``), ``todo`` (bool: the tables :meth:`begin` and
      :meth:`play` work on).

    ``refuses``: whether the game refuses an action outside the mask (status REFUSED),
    rather than playing it its own way (blackjack's ``illegal_action="stand"``).
    """

    count: int
    seat: int
    refuses: bool
    obs: np.ndarray
    mask: np.ndarray
    total: np.ndarray
    done: np.ndarray
    pending: np.ndarray
    status: np.ndarray
    episode: np.ndarray
    actions: np.ndarray
    first: np.ndarray
    k: np.ndarray
    todo: np.ndarray

    @abc.abstractmethod
    def begin(self) -> None:
        """Every table in ``todo`` begins episode ``next_seed(first, k)``."""

    @abc.abstractmethod
    def play(self) -> None:
        """Every table in ``todo`` plays its ``actions`` entry for the seat to move."""

    @abc.abstractmethod
    def step(self) -> None:
        """A vector step with next-step autoreset, every table at once: a ``done`` table
        begins its next episode (``k`` + 1; status BEGAN), a ``pending`` one ends (ENDED,
        ``done``), any other plays its action as :meth:`play` does.
        """

    @abc.abstractmethod
    def begin_one(self, i: int, first: int, k: int) -> int:
        """Table ``i`` begins episode ``next_seed(first, k)``; returns that episode seed."""

    @abc.abstractmethod
    def play_one(self, i: int, action: int) -> int:
        """Table ``i`` plays ``action`` (in range) for the seat to move; its status."""

    # Table 0 alone: the single-table environments' hot path (no numpy indexing).

    @abc.abstractmethod
    def over_one(self) -> bool:
        """Whether table 0's episode is over (``done`` or ``pending``)."""

    @abc.abstractmethod
    def total_one(self) -> float:
        """Table 0's ``total``."""

    @abc.abstractmethod
    def bits_one(self) -> int:
        """Table 0's mask as bits (bit ``a`` set when action ``a`` is legal)."""

    @abc.abstractmethod
    def moves(self, i: int) -> list[int]:
        """The actions table ``i``'s episode has played so far, in order (each as sent,
        for the seat to move): replayed on a LocalEngine seeded with its episode seed,
        they give the table's World.
        """

    @abc.abstractmethod
    def info(self, i: int) -> dict[str, Any]:
        """The game's info of the seat at table ``i`` (what ``Game.infos`` reports)."""

    @abc.abstractmethod
    def refusal(self, i: int, action: int) -> str:
        """Why table ``i`` refused ``action`` (the engine's IllegalMoveError text)."""
