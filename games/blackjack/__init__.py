"""Blackjack (``blackjack_v1``) against the dealer, and basic strategy.

- :mod:`~games.blackjack.game`: the Game (the module docstring is the game's page);
- :mod:`~games.blackjack.state`: the state in the World, every property and bit declared
  once (the layout's page; ``kernel_state.zig`` is generated from it);
- :mod:`~games.blackjack.rules`, :mod:`~games.blackjack.move`, :mod:`~games.blackjack.table`:
  the Python planner, the specification the kernel is tested against;
- :mod:`~games.blackjack.view`: what seats see (observation, decision, rendering);
- :mod:`~games.blackjack.actions`: the action vocabulary;
- :mod:`~games.blackjack.strategy`: basic strategy and the EV simulation;
- ``kernel*.zig`` / ``kernel.wasm``: the planner compiled into the WASM module.

Imports point one way: state <- rules <- move <- table <- view <- game <- strategy.
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
