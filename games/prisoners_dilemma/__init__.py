"""The iterated prisoner's dilemma (``prisoners_dilemma_v1``), its strategies and its
tournament.

- :mod:`~games.prisoners_dilemma.game`: the rules (the module docstring is the game's page);
- :mod:`~games.prisoners_dilemma.payoffs`: the moves and the payoff matrix;
- :mod:`~games.prisoners_dilemma.strategies`: the classic strategies, as bots;
- :mod:`~games.prisoners_dilemma.tournament`: round robins played through the engine
  (imported on demand: it is an application of the game, above the engine);
- ``kernel.zig`` / ``kernel.wasm``: the choices compiled into the WASM module.
"""

from games.prisoners_dilemma.game import COOPERATE, DEFECT, MAX_ROUNDS, PrisonersDilemma, history
from games.prisoners_dilemma.payoffs import Payoffs
from games.prisoners_dilemma.strategies import STRATEGIES, Strategy, get_strategy

__all__ = [
    "COOPERATE",
    "DEFECT",
    "MAX_ROUNDS",
    "STRATEGIES",
    "Payoffs",
    "PrisonersDilemma",
    "Strategy",
    "get_strategy",
    "history",
]
