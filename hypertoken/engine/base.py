"""What both engines share: the fold core and the read API.

- :class:`FoldCore` is the state every fold has: the game, the room's config, loop and
  rules, the World with its referee, the prepared blank World every start restores, and the
  fold's bookkeeping outside the World (:class:`~hypertoken.engine.state.FoldState`). The
  room's log fold (:class:`~hypertoken.engine.fold.LogFold`) and the training episode
  (:class:`~hypertoken.engine.local.TrainingFold`) extend it.
- :class:`EngineBase` is the read API over a fold core, the same on
  :class:`~hypertoken.engine.RoomEngine` and :class:`~hypertoken.engine.LocalEngine`:
  state hash, whose turn, legal masks, observations, rewards, rendering.

A fold core is forked by its :meth:`FoldCore.fork`, which builds the copy through the
constructor (a forked World and the shared blank, so nothing is prepared again) and then
copies the fold's own state in :meth:`FoldCore._copy_from`: one explicit method per class,
each extending its parent's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from hypertoken.core import World
from hypertoken.engine.referee import Referee
from hypertoken.engine.rules import GameLoop, RuleEngine
from hypertoken.engine.state import FoldState, Outcome
from hypertoken.game import Game, TurnOrder
from hypertoken.log.config import RoomConfig

#: The dtype of every action mask the engines return (``legal_mask`` and ``observe``'s
#: ``action_mask``): int8, as PettingZoo and ``gymnasium.spaces.Discrete.sample(mask=)``
#: expect. ``mask[a]``, ``mask.any()`` and ``np.flatnonzero(mask)`` read it as a bool.
MASK_DTYPE = np.int8


class EngineError(Exception):
    """The engine cannot do what was asked; the message says why and what to do."""


@dataclass(frozen=True)
class FoldResult:
    """Every entry's outcome in fold order, and the state hash the fold reached."""

    outcomes: tuple[Outcome, ...]
    state_hash: bytes

    @property
    def accepted(self) -> list[Outcome]:
        """The accepted entries."""
        return [o for o in self.outcomes if o.accepted]

    @property
    def rejected(self) -> list[Outcome]:
        """The rejected entries, each with its reason."""
        return [o for o in self.outcomes if not o.accepted]


_Core = TypeVar("_Core", bound="FoldCore")


class FoldCore:
    """The state every fold has (see the module docstring). Not thread-safe.

    ``world`` and ``blank`` are for forks: a World already holding the state to continue
    from, and the prepared blank snapshot it shares. Without them the game builds a new
    World and :meth:`~hypertoken.game.Game.prepare` runs once, here.
    """

    def __init__(
        self,
        game: Game,
        config: RoomConfig,
        loop: GameLoop,
        rules: RuleEngine,
        *,
        world: World | None = None,
        blank: bytes | None = None,
    ) -> None:
        if world is None:
            world = game.new_world()
            # Seed-independent construction runs once; every start and every training reset
            # begins from a copy of it (restoring 100 KB costs far less than rebuilding it).
            game.prepare(world)
            blank = world.snapshot()
        elif blank is None:
            raise ValueError("a FoldCore given a World needs the blank snapshot it shares")
        self.game = game
        self.config = config
        self.loop = loop
        self.rules = rules
        self.world = world
        #: The prepared, seed-independent World every start restores (never changes).
        self.blank = blank
        self.referee = Referee(
            game,
            world,
            room=config.room,
            seats=config.seats,
            trust=config.trust,
            loop=loop,
            rules=rules,
            witness=config.witness_id,
            seed_timeout_ms=config.seed_timeout_ms,
        )
        #: The fold's bookkeeping outside the World; replaced, never shared, by restores.
        self.st = FoldState()

    def _copy_from(self: _Core, other: _Core) -> None:
        """Take ``other``'s fold state; the World was forked by the constructor. Every
        subclass extends this with its own state, and nothing else copies it.
        """
        self.st = other.st.copy()

    def state_hash(self) -> bytes:
        """32-byte hash of the World and the fold state."""
        return hashlib.blake2b(self.world.state_hash() + self.st.digest(), digest_size=32).digest()


F = TypeVar("F", bound=FoldCore)


class EngineBase(Generic[F]):
    """The read API both engines share, over their fold core. Not for direct use."""

    _fold: F

    @property
    def game(self) -> Game:
        """The game being played."""
        return self._fold.game

    @property
    def config(self) -> RoomConfig:
        """The room's config (for a training engine, the config its recording carries)."""
        return self._fold.config

    @property
    def world(self) -> World:
        """The World the fold keeps. Read it freely; a change made here is a desync."""
        return self._fold.world

    @property
    def loop(self) -> GameLoop:
        """The game loop (turn limit, timeout, phases)."""
        return self._fold.loop

    @property
    def rules(self) -> RuleEngine:
        """The rules run after every accepted move: the game's and any extra ones."""
        return self._fold.rules

    @property
    def referee(self) -> Referee:
        """The referee that judges and applies every move of this engine."""
        return self._fold.referee

    def state_hash(self) -> bytes:
        """32-byte hash of the World and the fold state: equal on every peer that folded
        the same log, and for the same moves whichever engine made them.
        """
        return self._fold.state_hash()

    @property
    def started(self) -> bool:
        """Whether the game has been set up (the room seed is fixed)."""
        return self._fold.st.started

    @property
    def is_over(self) -> bool:
        """Whether the game has ended (by its rules or by the turn limit)."""
        return self._fold.st.over

    @property
    def truncated(self) -> bool:
        """Whether the game ended on the GameLoop's turn limit."""
        return self._fold.st.truncated

    def current_player(self) -> str | None:
        """The seat to move, or None (game not started or over, or any seat may move)."""
        fold = self._fold
        if not fold.st.started or fold.st.over:
            return None
        return fold.game.current_player(fold.world)

    def is_to_move(self, seat: str) -> bool:
        """Whether ``seat`` may move now."""
        fold = self._fold
        st = fold.st
        if not st.started or st.over or seat not in fold.config.seats:
            return False
        if fold.game.info.turn_order is TurnOrder.ANY:
            return True
        return fold.game.current_player(fold.world) == seat

    def legal_mask(self, seat: str) -> np.ndarray:
        """The mask (dtype :data:`MASK_DTYPE`, int8) of ``seat``'s legal actions now: all
        0 when it may not move.
        """
        game = self._fold.game
        if not self.is_to_move(seat):
            return np.zeros(game.info.num_actions, dtype=MASK_DTYPE)
        return np.array(game.legal_actions(self._fold.world, seat), dtype=MASK_DTYPE)

    def observe(self, seat: str) -> dict[str, np.ndarray]:
        """``{"observation", "action_mask"}`` for ``seat`` (PettingZoo's masked format);
        the mask is :meth:`legal_mask`'s.
        """
        return {
            "observation": self._fold.game.player_view(self._fold.world, seat),
            "action_mask": self.legal_mask(seat),
        }

    def rewards(self) -> dict[str, float]:
        """Each seat's reward so far."""
        fold = self._fold
        if not fold.st.started:
            return dict.fromkeys(fold.config.seats, 0.0)
        return fold.game.rewards(fold.world)

    def render(self, seat: str | None = None) -> str:
        """The game's text picture (from ``seat``'s view when given)."""
        return self._fold.game.render(self._fold.world, seat)
