"""The game registry (built-ins, versions, entry-point plugins) and the minimal games'
rules as the engine sees them.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint

import numpy as np
import pytest

import games
from games.tictactoe import TicTacToe
from hypertoken.core import World
from hypertoken.engine import LocalEngine
from hypertoken.game import Game, GameInfo, MoveContext


class _Plugin(Game):
    """A third-party game, as an entry point would provide it."""

    info = GameInfo(
        name="plugin",
        version=3,
        min_players=1,
        max_players=1,
        num_actions=1,
        observation_shape=(1,),
    )

    def setup(self, world: World, ctx: MoveContext) -> None:
        world.game_set_property("done", False)

    def legal_actions(self, world: World, seat: str) -> np.ndarray:
        return np.ones(1, dtype=bool)

    def apply(self, world: World, seat: str, action: int, ctx: MoveContext) -> None:
        world.game_set_property("done", True)

    def player_view(self, world: World, seat: str) -> np.ndarray:
        return np.zeros(1)

    def rewards(self, world: World) -> dict[str, float]:
        return {"player_0": 1.0}

    def is_over(self, world: World) -> bool:
        return bool(world.properties()["done"])


def test_builtin_games_by_name_and_version() -> None:
    assert {"tictactoe_v1", "grab_v1"} <= set(games.names())
    assert games.game_class("tictactoe") is TicTacToe
    assert games.game_class("tictactoe", 1) is TicTacToe
    assert games.make("tictactoe_v1").info.env_id == "tictactoe_v1"
    assert games.make("grab", 4).seats == ("player_0", "player_1", "player_2", "player_3")
    with pytest.raises(games.UnknownGameError, match="no game named 'chess'"):
        games.make("chess")
    with pytest.raises(games.UnknownGameError):
        games.game_class("tictactoe", 9)
    with pytest.raises(ValueError, match=r"2\.\.2 players"):
        games.make("tictactoe", 3)
    with pytest.raises(TypeError):
        games.make("grab", 2, speed=3)


def test_entry_point_plugins_register(monkeypatch: pytest.MonkeyPatch) -> None:
    eps = [
        EntryPoint("plugin", f"{__name__}:_Plugin", games.ENTRY_POINT_GROUP),
        EntryPoint("broken", "no_such_module:Nothing", games.ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr(
        games, "entry_points", lambda group: eps if group == games.ENTRY_POINT_GROUP else []
    )
    monkeypatch.setattr(games, "_plugins_loaded", False)
    monkeypatch.setattr(games, "_classes", dict(games._classes))
    assert "plugin_v3" in games.names()  # the broken plugin is skipped, not fatal
    e = LocalEngine(games.make("plugin"))
    e.step(0)
    assert e.is_over and e.rewards() == {"player_0": 1.0}
    with pytest.raises(TypeError):
        games.register(object)  # type: ignore[arg-type]


def test_tictactoe_rules() -> None:
    e = LocalEngine(games.make("tictactoe"))
    for cell in (0, 3, 1, 4):
        e.step(cell)
    obs = e.observe("player_0")
    mine, theirs = [1, 1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert obs["observation"].tolist() == [*mine, *theirs]
    assert obs["action_mask"].tolist() == [0, 0, 1, 0, 0, 1, 1, 1, 1]
    assert e.observe("player_1")["action_mask"].sum() == 0  # not its turn
    e.step(2)  # X completes the top row
    assert e.is_over and e.rewards() == {"player_0": 1.0, "player_1": -1.0}
    assert e.render() == "XXX\nOO.\n..."


def test_tictactoe_draw_and_rounds() -> None:
    e = LocalEngine(games.make("tictactoe", rounds=2))
    for cell in (0, 1, 2, 4, 3, 5, 7, 6, 8):  # a draw
        e.step(cell)
    assert not e.is_over and e.game.hand_over(e.world)
    assert e.rewards() == {"player_0": 0.0, "player_1": 0.0}
    assert e.current_player() == "player_1"  # the turn passes on into round 2
    for cell in (0, 3, 1, 4, 2):  # O plays the top row this time
        e.step(cell)
    assert e.is_over and e.rewards() == {"player_0": -1.0, "player_1": 1.0}
    assert e.game.info.max_length == 18


def test_grab_views_hide_the_cards_on_the_table() -> None:
    e = LocalEngine(games.make("grab", 2), seed=4)
    deck = e.world.stack("deck").tolist()
    e.step(0, "player_0")
    e.step(1, "player_1")
    view = e.observe("player_0")["observation"]
    assert view[:12].tolist() == [0, 0] + [1] * 10
    mine = int(e.world.token(deck[0]).label)
    assert view[12:].tolist() == [int(v == mine) for v in range(1, 13)]
    assert e.rewards()["player_0"] == mine
    for slot in range(2, 12):
        e.step(slot, "player_0" if slot % 2 == 0 else "player_1")
    assert e.is_over
    assert sum(e.rewards().values()) == sum(range(1, 13))
