"""Cuttle (``cuttle_v1``), the two-player combat card game (three players: cutthroat).

- :mod:`~games.cuttle.game`: the Game (its module docstring is the game's page: rules,
  actions, observation, rewards, options, version history);
- :mod:`~games.cuttle.cards`: card numbering and the action layout;
- :mod:`~games.cuttle.state`: the state in the World and its Python model;
- :mod:`~games.cuttle.rules`: legality and effects on the model;
- :mod:`~games.cuttle.view`: observation, rendering, hidden variants;
- :mod:`~games.cuttle.view3`: the three-player observation.

Imports point one way: cards <- state <- rules <- view, view3 <- game.
"""

from games.cuttle.cards import NUM_ACTIONS, NUM_ACTIONS_3, describe, name, parse
from games.cuttle.game import OBS_LENGTH, OBS_LENGTH_3, Cuttle

__all__ = [
    "NUM_ACTIONS",
    "NUM_ACTIONS_3",
    "OBS_LENGTH",
    "OBS_LENGTH_3",
    "Cuttle",
    "describe",
    "name",
    "parse",
]
