"""HyperToken's games, and the registry that finds games by name.

A game is registered under its versioned id (``GameInfo.env_id``, e.g. ``"tictactoe_v1"``).
Built-in games are listed here by import path and imported only when first asked for, so
``import games`` stays cheap. Third-party packages plug in through the ``hypertoken.games``
entry-point group; each entry point names a :class:`hypertoken.game.Game` subclass::

    [project.entry-points."hypertoken.games"]
    mygame = "mypackage.mygame:MyGame"

>>> import games
>>> game = games.make("tictactoe")          # the newest version
>>> game.info.env_id
'tictactoe_v1'
>>> games.game_class("poker").info.env_id   # the earlier bridge's name
'texas_holdem_v1'
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Protocol

from hypertoken.game import Game

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "hypertoken.games"

#: Built-in games: env id -> "module:Class" (imported lazily).
_BUILTIN: dict[str, str] = {
    "tictactoe_v1": "games.tictactoe:TicTacToe",
    "hanabi_v1": "games.hanabi:Hanabi",
    "grab_v1": "games.grab:Grab",
    "texas_holdem_v1": "games.holdem:TexasHoldem",
    "blackjack_v1": "games.blackjack:Blackjack",
    "cuttle_v1": "games.cuttle:Cuttle",
    "prisoners_dilemma_v1": "games.prisoners_dilemma:PrisonersDilemma",
}

#: Other names of built-in games: the earlier HyperToken bridge's (``poker``).
_ALIASES: dict[str, str] = {"poker": "texas_holdem_v1"}

_classes: dict[str, type[Game]] = {}
_paths: dict[str, str] = dict(_BUILTIN)
_plugins_loaded = False


class UnknownGameError(LookupError):
    """No game is registered under that name."""


def register(cls: type[Game]) -> type[Game]:
    """Register a Game subclass under its ``info.env_id``. Usable as a class decorator."""
    if not (isinstance(cls, type) and issubclass(cls, Game)):
        raise TypeError(f"register() takes a hypertoken.game.Game subclass, not {cls!r}")
    env_id = cls.info.env_id
    known = _classes.get(env_id)
    if known is not None and known is not cls:
        raise ValueError(f"game {env_id!r} is already registered by {known.__module__}")
    _classes[env_id] = cls
    _paths.pop(env_id, None)
    return cls


def _load_plugins() -> None:
    """Register the games of the ``hypertoken.games`` entry points (once). A broken plugin
    is logged and skipped: it must not take the built-in games down with it.
    """
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            register(ep.load())
        except Exception:  # third-party code: any failure is that plugin's alone
            logger.exception("game plugin %r (%s) failed to load", ep.name, ep.value)


def _resolve(env_id: str) -> type[Game] | None:
    cls = _classes.get(env_id)
    if cls is None and env_id in _paths:
        module, _, name = _paths[env_id].partition(":")
        cls = getattr(importlib.import_module(module), name)
        if not (isinstance(cls, type) and issubclass(cls, Game)):
            raise TypeError(f"{_paths[env_id]} is not a Game subclass")
        _classes[env_id] = cls
    return cls


def names() -> list[str]:
    """Every registered game's versioned id, sorted."""
    _load_plugins()
    return sorted({*_classes, *_paths})


def game_class(name: str, version: int | None = None) -> type[Game]:
    """The Game class for ``"name_vN"``, or ``name`` with ``version`` (default: newest)."""
    _load_plugins()
    if version is None and name in _ALIASES and name not in _classes and name not in _paths:
        name = _ALIASES[name]
    if version is not None:
        env_id = f"{name}_v{version}"
    elif name in _classes or name in _paths:
        env_id = name
    else:
        versions = [k for k in (*_classes, *_paths) if k.rpartition("_v")[0] == name]
        if not versions:
            raise UnknownGameError(f"no game named {name!r} (known: {', '.join(names())})")
        env_id = max(versions, key=lambda k: int(k.rpartition("_v")[2]))
    cls = _resolve(env_id)
    if cls is None:
        raise UnknownGameError(f"no game {env_id!r} (known: {', '.join(names())})")
    return cls


def make(
    name: str, num_players: int | None = None, *, version: int | None = None, **options: object
) -> Game:
    """A new game instance by name (see :func:`game_class`), with static options."""
    return game_class(name, version)(num_players, **options)


class RoomLike(Protocol):
    """What :func:`for_room` reads of a room's config (a ``hypertoken.log.RoomConfig``)."""

    @property
    def game(self) -> str: ...
    @property
    def game_version(self) -> int: ...
    @property
    def seats(self) -> Mapping[str, bytes]: ...
    @property
    def options(self) -> Mapping[str, bool | int | float | str]: ...


def for_room(config: RoomLike) -> Game:
    """The game a room plays, built from the registry with the room's seats and options
    (what a replay or a late joiner needs to fold the room's log).
    """
    return game_class(config.game, config.game_version)(len(config.seats), **dict(config.options))


__all__ = [
    "ENTRY_POINT_GROUP",
    "RoomLike",
    "UnknownGameError",
    "for_room",
    "game_class",
    "make",
    "names",
    "register",
]
