"""Deprecated names, kept for one release (they go in 0.3).

- ``Engine(game, chronicle, identity)`` is :class:`~hypertoken.engine.RoomEngine`;
- ``Engine.local(game, ...)`` is :class:`~hypertoken.engine.LocalEngine`;
- ``Engine.replay(chronicle, game)`` is :meth:`~hypertoken.engine.RoomEngine.replay`;
- ``EngineSnapshot`` is :class:`~hypertoken.engine.RoomSnapshot`.

The old engine's other changes are not shimmed, and fail loudly: ``submit`` and
``submit_move`` take the action (or move) first and the seat after, as ``step`` does
(``submit(action, seat)``); ``is_over`` is a property, not a method.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

from hypertoken.engine.fold import RoomSnapshot
from hypertoken.engine.local import LocalEngine
from hypertoken.engine.room import RoomEngine
from hypertoken.engine.rules import GameLoop
from hypertoken.game import Game, Rule
from hypertoken.log.chronicle import Chronicle
from hypertoken.log.identity import Identity

#: Deprecated alias of :class:`~hypertoken.engine.RoomSnapshot`.
EngineSnapshot = RoomSnapshot

__all__ = ["Engine", "EngineSnapshot"]


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"{old} is deprecated: use {new}", DeprecationWarning, stacklevel=3)


class Engine(RoomEngine):
    """Deprecated: a :class:`~hypertoken.engine.RoomEngine` (rooms) or, through
    :meth:`local`, a :class:`~hypertoken.engine.LocalEngine` (training).
    """

    def __init__(
        self,
        game: Game,
        chronicle: Chronicle,
        identity: Identity | None = None,
        **kwargs: Any,
    ) -> None:
        _deprecated("hypertoken.engine.Engine(game, chronicle, identity)", "RoomEngine(...)")
        super().__init__(game, chronicle, identity, **kwargs)

    @staticmethod
    def local(
        game: Game,
        *,
        seed: int = 0,
        record: bool = False,
        record_batch: int = 256,
        loop: GameLoop | None = None,
        rules: Iterable[Rule] = (),
    ) -> LocalEngine:
        """Deprecated: :class:`~hypertoken.engine.LocalEngine` with the same arguments."""
        _deprecated("Engine.local(game, ...)", "LocalEngine(game, ...)")
        return LocalEngine(
            game, seed=seed, record=record, record_batch=record_batch, loop=loop, rules=rules
        )
