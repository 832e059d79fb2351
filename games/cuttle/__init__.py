"""Cuttle (``cuttle_v1``), the two-player combat card game.

- :mod:`~games.cuttle.game`: the Game (its module docstring is the game's page: rules,
  actions, observation, rewards, options, version history);
- :mod:`~games.cuttle.cards`: card numbering and the action layout;
- :mod:`~games.cuttle.state`: the state in the World and its Python model;
- :mod:`~games.cuttle.rules`: legality and effects on the model;
- :mod:`~games.cuttle.view`: observation, rendering, hidden variants.

Imports point one way: cards <- state <- rules <- view <- game.
"""

from games.cuttle.cards import NUM_ACTIONS, describe, name, parse
from games.cuttle.game import OBS_LENGTH, Cuttle

__all__ = ["NUM_ACTIONS", "OBS_LENGTH", "Cuttle", "describe", "name", "parse"]
