"""The Game contract (:mod:`hypertoken.game.contract`): what every game implements.

This layer imports only the action core (:mod:`hypertoken.core`); games import it and the
World API, nothing above.
"""

from hypertoken.game.contract import (
    Game,
    GameInfo,
    IllegalMove,
    IllegalMoveError,
    Information,
    MoveContext,
    Rule,
    TurnOrder,
    check_int_option,
    seat_names,
)
from hypertoken.game.tables import TrainingTables

__all__ = [
    "Game",
    "GameInfo",
    "IllegalMove",
    "IllegalMoveError",
    "Information",
    "MoveContext",
    "Rule",
    "TrainingTables",
    "TurnOrder",
    "check_int_option",
    "seat_names",
]
