"""The one core every in-process adapter plays on: a game's episodes on a
:class:`~hypertoken.engine.LocalEngine`, with the adapters' shared rules for seeds
(:mod:`hypertoken.envs.seeding`), actions, whose turn it is, per-step rewards and
recording.

The adapters (AEC, Parallel, Gymnasium) differ only in how they hand these out.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from hypertoken.engine import MASK_DTYPE, LocalEngine
from hypertoken.envs.recording import Recorder
from hypertoken.envs.seeding import check_seed, entropy_seed, next_seed
from hypertoken.game import Game, IllegalMoveError, TrainingTables, TurnOrder
from hypertoken.game import tables as tables_

__all__ = ["Episode", "EpisodeOverError"]


class EpisodeOverError(RuntimeError):
    """A step was asked of an episode that has ended (or never started): call reset()."""


class Episode:
    """A game's episodes on one LocalEngine (see the module docstring)."""

    def __init__(self, game: Game, recorder: Recorder | None = None) -> None:
        self.game = game
        self.seats: tuple[str, ...] = game.seats
        self.num_actions = game.info.num_actions
        self.any_order = game.info.turn_order is TurnOrder.ANY
        self.recorder = recorder
        self._engine = LocalEngine(game, seed=0, record=recorder is not None)
        self._infos = getattr(game, "infos", None)
        #: The episode seed of the current episode (None before the first reset).
        self.seed: int | None = None
        self._first: int | None = None
        self._k = 0
        self._unsaved = False
        self.started = False
        #: Each seat's cumulative reward at the last look (per-step rewards are differences).
        self.totals: dict[str, float] = dict.fromkeys(self.seats, 0.0)
        self._last_mover = -1
        #: A one-seat game's training table (:mod:`hypertoken.game.tables`), when the game
        #: has one for its options: the episode is played there, one kernel call per reset
        #: or move, and the engine replays it only when someone asks for it (:attr:`engine`);
        #: never while recording (the recording takes the engine's own path).
        self._tables: TrainingTables | None = None
        if len(self.seats) == 1 and recorder is None:
            self._tables = game.training_tables(1, 0)
        self._synced = -1  # moves of the current episode the engine has replayed (-1: none)
        #: (training table) its observation row, a view of the kernel's memory.
        self._obs0: np.ndarray = np.zeros(0) if self._tables is None else self._tables.obs[0]
        self._over = True  # (training table) the episode is over: none began yet
        #: (training table) the seat's int8 mask now, from the table's bits (never handed out).
        self._mask_now = np.zeros(self.num_actions, dtype=MASK_DTYPE)
        #: The table's mask bits -> the int8 mask.
        self._masks = [
            np.array([(b >> a) & 1 for a in range(self.num_actions)], dtype=MASK_DTYPE)
            for b in range(1 << self.num_actions if self._tables is not None else 0)
        ]
        #: Masks computed since the last change (every change is a reset or a play): an
        #: AEC step reads the mover's mask twice, for the observation and for the info.
        self._seen_masks: dict[str, np.ndarray] = {}

    @property
    def engine(self) -> LocalEngine:
        """The engine whose World is the episode's state (read it, never change it). On a
        training table the engine replays the table's moves when asked, so re-read this
        after every step rather than keeping the engine.
        """
        tables = self._tables
        if tables is not None and self.started:
            moves = tables.moves(0)
            engine = self._engine
            if self._synced < 0 or self._synced > len(moves):
                engine.reset(self.seed)
                self._synced = 0
            for action in moves[self._synced :]:
                engine.step(action)
            self._synced = len(moves)
        return self._engine

    # ---- episodes ------------------------------------------------------------------

    def reset(self, seed: object = None) -> int:
        """Start the next episode (see :mod:`hypertoken.envs.seeding`); its seed."""
        if seed is not None:
            first = self._first = check_seed(seed)
            self._k = 0
        elif self._first is None:
            first = self._first = entropy_seed()
            self._k = 0
        else:
            first = self._first
            self._k += 1
        if self._unsaved:
            self.save()
        tables = self._tables
        if tables is not None:  # the kernel derives the same seed and sets up, in one call
            s = tables.begin_one(0, first, self._k)
            self._synced = -1
            self._over = tables.over_one()
            self._mask_now = self._masks[tables.bits_one()]
        else:
            s = next_seed(first, self._k) if self._k else first
            self._engine.reset(s)
        self._seen_masks.clear()
        self.seed = s
        self.started = True
        self._unsaved = self.recorder is not None
        self._last_mover = -1
        # Rewards count from before the setup: what it already moved (blackjack's peeked
        # blackjack, a poker blind) is handed out with the first rewards after the reset.
        self.totals = dict.fromkeys(self.seats, 0.0)
        return s

    def save(self) -> None:
        """Write the current episode's recording, if it has one not yet written."""
        if self._unsaved and self.recorder is not None and self.seed is not None:
            self._unsaved = False
            self.recorder.save(self._engine, self.seed)

    @property
    def over(self) -> bool:
        """Whether the episode has ended (by the rules or the turn limit)."""
        if self._tables is not None:
            return self._over  # as the last reset or move left it
        return self._engine.is_over

    @property
    def truncated(self) -> bool:
        """Whether it ended on the turn limit (a training table's episodes end by the rules)."""
        return False if self._tables is not None else self._engine.truncated

    # ---- turns and actions -------------------------------------------------------------

    def to_move(self) -> str | None:
        """The seat that decides next: the game's seat to move; in games where any seat
        may move, the next seat in seat order after the last mover that has a legal move.
        None once the episode is over.
        """
        if self._tables is not None:  # one seat: it is to move while the game goes on
            return None if self._over else self.seats[0]
        engine = self._engine
        if engine.is_over:
            return None
        seat = engine.current_player()
        if seat is not None or not self.any_order:
            return seat
        n = len(self.seats)
        for k in range(1, n + 1):
            candidate = self.seats[(self._last_mover + k) % n]
            if engine.legal_mask(candidate).any():
                return candidate
        return None

    def action(self, action: object) -> int:
        """``action`` as an int in range, or a TypeError/ValueError saying what is wrong."""
        if type(action) is int and 0 <= action < self.num_actions:  # the common case
            return action
        if isinstance(action, (bool, np.bool_)):
            raise TypeError(f"an action is an int in 0..{self.num_actions - 1}, not {action!r}")
        try:
            a = operator.index(action)  # type: ignore[arg-type]
        except TypeError:
            if isinstance(action, np.ndarray) and action.shape == () and action.dtype.kind in "iu":
                a = int(action)
            else:
                raise TypeError(
                    f"an action is an int in 0..{self.num_actions - 1}, not {action!r}"
                ) from None
        if not 0 <= a < self.num_actions:
            raise ValueError(
                f"action {a} is outside {self.game.info.env_id}'s actions 0..{self.num_actions - 1}"
            )
        return a

    def play(self, seat: str, action: object) -> None:
        """Play ``action`` for ``seat``; an illegal one raises and changes nothing."""
        if self.over or not self.started:
            raise EpisodeOverError(
                "the episode is over: call reset() to start the next one"
                if self.started
                else "call reset() before step()"
            )
        a = self.action(action)
        tables = self._tables
        if tables is not None:  # one seat, in seat order: no masks cached, no last mover
            status = tables.play_one(0, a)
            if status:
                self._refused(status, a)
            self._over = tables.over_one()
            self._mask_now = self._masks[tables.bits_one()]
            return
        self._seen_masks.clear()  # before the move: a refused move still leaves it right
        self._engine.step(a, seat)
        self._last_mover = self.seats.index(seat) if self.any_order else -1

    def _refused(self, status: int, action: int) -> None:
        """Raise what a training table's ``status`` for ``action`` means."""
        if status == tables_.REFUSED and self._tables is not None:
            raise IllegalMoveError(self._tables.refusal(0, action))
        if status == tables_.OVER:
            raise EpisodeOverError("the episode is over: call reset() to start the next one")
        raise RuntimeError(f"{self.game.info.env_id}'s training table failed (status {status})")

    def step_rewards(self) -> dict[str, float]:
        """Each seat's reward since the last call (the change of its cumulative reward)."""
        tables = self._tables
        if tables is not None:  # one seat
            seat, now_one = self.seats[0], tables.total_one()
            step = now_one - self.totals[seat]
            self.totals[seat] = now_one
            return {seat: step}
        now = self._engine.rewards()
        old = self.totals
        self.totals = now
        return {seat: now[seat] - old[seat] for seat in self.seats}

    # ---- what seats see ----------------------------------------------------------------

    def view(self, seat: str) -> np.ndarray:
        """``seat``'s observation."""
        tables = self._tables
        if tables is not None:
            out: np.ndarray = self._obs0.copy()
            return out
        return self.game.player_view(self._engine.world, seat)

    def mask(self, seat: str) -> np.ndarray:
        """``seat``'s legal mask (int8; all 0 when it may not move)."""
        tables = self._tables
        if tables is not None:
            mask: np.ndarray = self._mask_now.copy()
            return mask
        seen = self._seen_masks.get(seat)
        if seen is None:
            seen = self._seen_masks[seat] = self._engine.legal_mask(seat)
        copy: np.ndarray = seen.copy()
        return copy

    def info(self, seat: str) -> dict[str, Any]:
        """The game's info for ``seat`` (if it reports any) and its ``action_mask``."""
        tables = self._tables
        if tables is not None:
            out = tables.info(0) if self.started else {}
            out["action_mask"] = self._mask_now.copy()
            return out
        out = {}
        if self._infos is not None and self.started:
            out.update(self._infos(self._engine.world).get(seat, {}))
        out["action_mask"] = self.mask(seat)
        return out

    def no_mask(self) -> np.ndarray:
        """An all-zero mask."""
        return np.zeros(self.num_actions, dtype=MASK_DTYPE)

    def close(self) -> None:
        """Write an unfinished episode's recording."""
        self.save()
