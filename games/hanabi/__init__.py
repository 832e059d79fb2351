"""Hanabi (``hanabi_v1``): the cooperative card game, scored as the Hanabi Learning
Environment scores it.

- :mod:`~games.hanabi.game`: the Game (its module docstring is the game's page);
- :mod:`~games.hanabi.state`: the state in the World, every property and bit declared once;
- :mod:`~games.hanabi.actions`: the action layout (HLE's order);
- :mod:`~games.hanabi.rules`: the legal mask and the moves;
- :mod:`~games.hanabi.view`: the observation and its layout, rendering, hidden variants;
- :mod:`~games.hanabi.scenario`: building chosen positions (for tests and examples);
- :mod:`~games.hanabi.fast`: the kernel (``kernel*.zig``) from the host.

Imports point one way: state <- actions <- rules <- view <- fast <- game <- scenario.
"""

from games.hanabi.actions import ActionLayout
from games.hanabi.game import Hanabi
from games.hanabi.view import ObservationLayout, layout_for_size

__all__ = ["ActionLayout", "Hanabi", "ObservationLayout", "layout_for_size"]
