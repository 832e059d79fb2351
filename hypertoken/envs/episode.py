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

from games.blackjack.actions import MASKS as _BLACKJACK_MASKS
from games.blackjack.fast import KernelTable, kernel_table
from hypertoken.engine import MASK_DTYPE, LocalEngine
from hypertoken.envs.recording import Recorder
from hypertoken.envs.seeding import check_seed, entropy_seed, next_seed
from hypertoken.game import Game, TurnOrder

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
        #: The engine (its World is the episode's state; read it, never change it).
        self.engine = LocalEngine(game, seed=0, record=recorder is not None)
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
        #: A one-seat game with a kernel that plays a whole reset or move in one call
        #: and writes the seat's view to linear memory (blackjack: ``games.blackjack.fast``);
        #: never while recording (the recording takes the engine's own path).
        self._table: KernelTable | None = None
        if len(self.seats) == 1 and recorder is None:
            self._table = kernel_table(game, self.engine.world, 0)
        #: The kernel's mask bits -> the int8 mask (only read with a table).
        self._masks = [m.astype(MASK_DTYPE) for m in _BLACKJACK_MASKS] if self._table else []
        #: Masks computed since the last change (every change is a reset or a play): an
        #: AEC step reads the mover's mask twice, for the observation and for the info.
        self._seen_masks: dict[str, np.ndarray] = {}

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
        self.save()
        table = self._table
        if table is not None:  # the kernel derives the same seed and sets up, in one call
            table.next_first, table.next_k = first, self._k
            s = self.engine.begin_with(table.begin)
        else:
            s = next_seed(first, self._k) if self._k else first
            self.engine.reset(s)
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
            self.recorder.save(self.engine, self.seed)

    @property
    def over(self) -> bool:
        """Whether the episode has ended (by the rules or the turn limit)."""
        return self.engine.is_over

    @property
    def truncated(self) -> bool:
        """Whether it ended on the turn limit."""
        return self.engine.truncated

    # ---- turns and actions -------------------------------------------------------------

    def to_move(self) -> str | None:
        """The seat that decides next: the game's seat to move; in games where any seat
        may move, the next seat in seat order after the last mover that has a legal move.
        None once the episode is over.
        """
        engine = self.engine
        if engine.is_over:
            return None
        if self._table is not None:
            return self.seats[0]  # one seat, and the game goes on: it is to move
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
        if not self.started or self.engine.is_over:
            raise EpisodeOverError(
                "the episode is over: call reset() to start the next one"
                if self.started
                else "call reset() before step()"
            )
        a = self.action(action)
        self._seen_masks.clear()  # before the move: a refused move still leaves it right
        table = self._table
        if table is not None:
            table.action = a
            if not self.engine.step_with(seat, a, table.play_at, by_index=True):
                table.look()  # the engine's own path played it: refresh the view
        else:
            self.engine.step(a, seat)
        self._last_mover = self.seats.index(seat) if self.any_order else -1

    def step_rewards(self) -> dict[str, float]:
        """Each seat's reward since the last call (the change of its cumulative reward)."""
        table = self._table
        now = {self.seats[0]: table.reward()} if table is not None else self.engine.rewards()
        old = self.totals
        self.totals = now
        return {seat: now[seat] - old[seat] for seat in self.seats}

    # ---- what seats see ----------------------------------------------------------------

    def view(self, seat: str) -> np.ndarray:
        """``seat``'s observation."""
        table = self._table
        if table is not None:
            return table.observation()
        return self.game.player_view(self.engine.world, seat)

    def mask(self, seat: str) -> np.ndarray:
        """``seat``'s legal mask (int8; all 0 when it may not move)."""
        table = self._table
        if table is not None:
            mask: np.ndarray = self._masks[table.mask_bits()].copy()
            return mask
        seen = self._seen_masks.get(seat)
        if seen is None:
            seen = self._seen_masks[seat] = self.engine.legal_mask(seat)
        copy: np.ndarray = seen.copy()
        return copy

    def info(self, seat: str) -> dict[str, Any]:
        """The game's info for ``seat`` (if it reports any) and its ``action_mask``."""
        table = self._table
        if table is not None:
            out = table.info() if self.started else {}
        else:
            out = {}
            if self._infos is not None and self.started:
                out.update(self._infos(self.engine.world).get(seat, {}))
        out["action_mask"] = self.mask(seat)
        return out

    def no_mask(self) -> np.ndarray:
        """An all-zero mask."""
        return np.zeros(self.num_actions, dtype=MASK_DTYPE)

    def close(self) -> None:
        """Write an unfinished episode's recording."""
        self.save()
