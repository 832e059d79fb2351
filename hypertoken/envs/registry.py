"""Which environments exist: every registered game (``games.names()``) is one, by its
versioned id (``"blackjack_v1"``) or its bare name (``"blackjack"``: the newest version),
and each is registered with Gymnasium as ``"hypertoken/<CamelName>-v<version>"`` when
:mod:`hypertoken.envs` is imported.

>>> gym_id("prisoners_dilemma_v1")
'hypertoken/PrisonersDilemma-v1'
>>> resolve("blackjack")
'blackjack_v1'
"""

from __future__ import annotations

import inspect
from typing import Any

import games
from hypertoken.game import Game

__all__ = ["UnknownEnvError", "env_ids", "gym_id", "make_game", "register_gymnasium", "resolve"]

#: Gymnasium's namespace for HyperToken's environments.
NAMESPACE = "hypertoken"
#: CamelCase names that title-casing the parts would get wrong.
_CAMEL = {"tictactoe": "TicTacToe"}


class UnknownEnvError(LookupError):
    """No environment has that id; the message lists the registered ones."""


def env_ids() -> list[str]:
    """Every environment's versioned id (one per registered game), sorted."""
    return games.names()


def resolve(env_id: object) -> str:
    """The versioned id of ``env_id`` (a versioned id, a bare name, or a Gymnasium id)."""
    if not isinstance(env_id, str):
        raise TypeError(f"an environment id is a str such as 'blackjack_v1', not {env_id!r}")
    name = env_id
    if name.startswith(NAMESPACE + "/"):
        by_gym = {gym_id(e): e for e in env_ids()}
        if name in by_gym:
            return by_gym[name]
    try:
        return games.game_class(name).info.env_id
    except games.UnknownGameError:
        raise UnknownEnvError(
            f"no environment {env_id!r}; registered: {', '.join(env_ids())} "
            f"(or a bare name such as 'blackjack' for the newest version)"
        ) from None


def gym_id(env_id: str) -> str:
    """The Gymnasium id of a versioned env id: ``"hypertoken/Blackjack-v1"``."""
    name, _, version = env_id.rpartition("_v")
    camel = _CAMEL.get(name) or "".join(part.title() for part in name.split("_"))
    return f"{NAMESPACE}/{camel}-v{version}"


def make_game(env_id: str, num_players: int | None = None, **options: Any) -> Game:
    """The game of ``env_id`` with ``num_players`` seats (default: the fewest it takes)
    and its static options (each game's docstring lists them).
    """
    cls = games.game_class(resolve(env_id))
    known = game_options(cls)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise TypeError(
            f"{cls.info.env_id} has no options {unknown}; its options are "
            f"{', '.join(known) or 'none'} (see its documentation: help({cls.__module__}))"
        )
    return cls(num_players, **options)


def game_options(cls: type[Game]) -> list[str]:
    """The names of the static options a game class takes."""
    params = inspect.signature(cls.__init__).parameters.values()
    return [
        p.name
        for p in params
        if p.kind is inspect.Parameter.KEYWORD_ONLY
        or (
            p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
            and p.name not in ("self", "num_players")
        )
    ]


def register_gymnasium() -> None:
    """Register every game with Gymnasium (``gymnasium.make("hypertoken/Blackjack-v1")``
    builds :func:`hypertoken.envs.gym_env`; ``gymnasium.make_vec`` with
    ``vectorization_mode="vector_entry_point"`` builds :func:`hypertoken.envs.vector_env`).
    Ids already registered are left alone.
    """
    import gymnasium

    for env_id in env_ids():
        gid = gym_id(env_id)
        if gid in gymnasium.registry:
            continue
        gymnasium.register(
            id=gid,
            entry_point="hypertoken.envs.single:GameEnv",
            vector_entry_point="hypertoken.envs.vector:vector_env",
            kwargs={"env_id": env_id},
            disable_env_checker=False,
        )
