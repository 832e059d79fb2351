"""Blackjack (``blackjack_v1``) against the dealer, and basic strategy.

- :mod:`~games.blackjack.game`: the Game (the module docstring is the game's page);
- :mod:`~games.blackjack.rules`, :mod:`~games.blackjack.table`, :mod:`~games.blackjack.move`:
  the Python planner, the reference the kernel is tested against;
- :mod:`~games.blackjack.actions`: the action vocabulary;
- :mod:`~games.blackjack.strategy`: basic strategy and the EV simulation;
- ``kernel*.zig`` / ``kernel.wasm``: the planner compiled into the WASM module.
"""

from games.blackjack.game import (
    ACTION_NAMES,
    DOUBLE,
    HIT,
    INSURANCE,
    PENALTY,
    SPLIT,
    STAND,
    Blackjack,
    Decision,
)
from games.blackjack.strategy import EVResult, basic_strategy, basic_strategy_action, simulate

__all__ = [
    "ACTION_NAMES",
    "DOUBLE",
    "HIT",
    "INSURANCE",
    "PENALTY",
    "SPLIT",
    "STAND",
    "Blackjack",
    "Decision",
    "EVResult",
    "basic_strategy",
    "basic_strategy_action",
    "simulate",
]
