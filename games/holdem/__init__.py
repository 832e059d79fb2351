"""No-limit Texas hold'em (``texas_holdem_v1``), for 2 to 10 seats.

- :mod:`~games.holdem.game`: the Game (the module docstring is the game's page);
- :mod:`~games.holdem.state`: the state in the World, every property declared once;
- :mod:`~games.holdem.rules`: betting, side pots and settlement, on plain values;
- :mod:`~games.holdem.table`: the rules run over the World (deck, setup, moves, restack);
- :mod:`~games.holdem.view`: what seats see (observations, rendering, hidden variants);
- :mod:`~games.holdem.actions`: the action layouts;
- :mod:`~games.holdem.evaluator`: the best five of seven cards.

Imports point one way: evaluator, actions <- state <- rules <- table <- view <- game.
"""

from games.holdem.actions import (
    CALL,
    CHECK,
    DEFAULT,
    EXTENDED,
    FOLD,
    ILLEGAL_POLICIES,
    PENALTY,
    Layout,
)
from games.holdem.evaluator import card, card_name, cards, describe, evaluate
from games.holdem.game import TexasHoldem

__all__ = [
    "CALL",
    "CHECK",
    "DEFAULT",
    "EXTENDED",
    "FOLD",
    "ILLEGAL_POLICIES",
    "PENALTY",
    "Layout",
    "TexasHoldem",
    "card",
    "card_name",
    "cards",
    "describe",
    "evaluate",
]
