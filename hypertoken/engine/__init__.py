"""The fold: a game's rules applied to a World, fed by a room's log or directly.

- :mod:`~hypertoken.engine.state`: :class:`FoldState` and :class:`Outcome`, seeds, system moves;
- :mod:`~hypertoken.engine.referee`: how one entry is judged and applied;
- :mod:`~hypertoken.engine.rules`: rules and the game loop;
- :mod:`~hypertoken.engine.base`: the fold core shared by both engines (position, rewinds,
  state hashes, the read API);
- :mod:`~hypertoken.engine.room`: the room engine (signed, synced);
- :mod:`~hypertoken.engine.local`: the training engine (no signatures, no per-step write).
"""

from hypertoken.engine.base import EngineError, FoldResult, IllegalMoveError
from hypertoken.engine.room import Engine, EngineSnapshot, SeatError
from hypertoken.engine.rules import GameLoop, RuleEngine
from hypertoken.engine.state import FoldState, Outcome

__all__ = [
    "Engine",
    "EngineError",
    "EngineSnapshot",
    "FoldResult",
    "FoldState",
    "GameLoop",
    "IllegalMoveError",
    "Outcome",
    "RuleEngine",
    "SeatError",
]
