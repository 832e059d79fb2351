"""The Gymnasium spaces of a game: one ``Discrete`` action space and one ``Box``
observation space per seat, read from its :class:`~hypertoken.game.GameInfo`, plus the
PettingZoo classic observation (``{"observation", "action_mask"}``) for masked play.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from hypertoken.engine import MASK_DTYPE
from hypertoken.game import Game

__all__ = ["action_space", "masked_observation_space", "observation_space"]


def observation_space(game: Game) -> spaces.Box:
    """The Box of ``player_view``: the declared shape, dtype and value range."""
    info = game.info
    low, high = info.observation_range
    dtype = np.dtype(info.observation_dtype)
    return spaces.Box(low=low, high=high, shape=info.observation_shape, dtype=dtype)  # type: ignore[arg-type]


def action_space(game: Game) -> spaces.Discrete:
    """Actions ``0 .. num_actions - 1``."""
    return spaces.Discrete(game.info.num_actions)


def masked_observation_space(game: Game) -> spaces.Dict:
    """PettingZoo classic's observation: the view and the legal mask (int8 0/1)."""
    return spaces.Dict(
        {
            "observation": observation_space(game),
            "action_mask": spaces.Box(
                low=0, high=1, shape=(game.info.num_actions,), dtype=MASK_DTYPE
            ),
        }
    )
