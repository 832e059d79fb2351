"""The fold: a game's rules applied to a World, fed by a room's log or directly.

Two engines, one per mode, over one shared fold core:

- :class:`RoomEngine` folds a room's signed Chronicle and syncs it with its peers (one
  :class:`~hypertoken.log.SyncSession` each): ``start``, ``submit``, ``advance``, ``fold``,
  ``fork``, ``replay``;
- :class:`LocalEngine` is the training fast path (no signatures, no per-step write):
  ``reset``, ``step``, ``flush``, ``fork``.

Both take moves as ``(action, seat=None)``, answer the same reads (``state_hash``,
``current_player``, ``legal_mask``, ``observe``, ``rewards``, ``is_over``...), and raise
:class:`IllegalMoveError` (the game layer's one exception for an illegal move) for a
refused move.

- :mod:`~hypertoken.engine.state`: :class:`FoldState` and :class:`Outcome`, seeds, system moves;
- :mod:`~hypertoken.engine.referee`: how one entry is judged and applied;
- :mod:`~hypertoken.engine.rules`: rules and the game loop;
- :mod:`~hypertoken.engine.base`: the fold core and the read API both engines share;
- :mod:`~hypertoken.engine.fold`: the fold of a room's chronicle (rewinds, epochs);
- :mod:`~hypertoken.engine.room`: :class:`RoomEngine`;
- :mod:`~hypertoken.engine.local`: :class:`LocalEngine`;
- :mod:`~hypertoken.engine.compat`: the deprecated ``Engine`` and ``EngineSnapshot``.
"""

from hypertoken.engine.base import MASK_DTYPE, EngineError, FoldCore, FoldResult
from hypertoken.engine.compat import Engine, EngineSnapshot
from hypertoken.engine.fold import RoomSnapshot
from hypertoken.engine.local import LocalEngine, LocalSnapshot
from hypertoken.engine.room import RoomEngine, SeatError
from hypertoken.engine.rules import GameLoop, RuleEngine
from hypertoken.engine.state import FoldState, Outcome
from hypertoken.game import IllegalMoveError

__all__ = [
    "MASK_DTYPE",
    "Engine",
    "EngineError",
    "EngineSnapshot",
    "FoldCore",
    "FoldResult",
    "FoldState",
    "GameLoop",
    "IllegalMoveError",
    "LocalEngine",
    "LocalSnapshot",
    "Outcome",
    "RoomEngine",
    "RoomSnapshot",
    "RuleEngine",
    "SeatError",
]
