"""HyperToken: a multiplayer simulation engine whose whole state is a CRDT.

The world is a deterministic fold of a signed, append-only action log through a WASM
action core. The layers, bottom up (each imports only the ones below it):

- :mod:`hypertoken.core`: the action core and the :class:`World` facade;
- :mod:`hypertoken.log`: the Chronicle (signed entries in Automerge documents), room
  configs, identities;
- :mod:`hypertoken.game`: the Game contract;
- :mod:`hypertoken.engine`: the fold, the room engine and the training engine;
- :mod:`hypertoken.policies` and :mod:`hypertoken.envs`: the bots, and every game as a
  PettingZoo, Gymnasium and Stable-Baselines3 environment;
- :mod:`hypertoken.protocol`: wire formats; :mod:`hypertoken.control`: the control socket
  (``hypertoken serve``) and :mod:`hypertoken.client`: its Python client
  (:class:`HyperTokenClient`, :class:`HyperTokenAECEnv`, ...);
  :mod:`hypertoken.cli`: the ``hypertoken`` command.

The public names are exported here lazily, so ``import hypertoken`` costs nothing until
a name is used (the relay's container imports only :mod:`hypertoken.protocol`)::

    import hypertoken

    world = hypertoken.World()
    game = hypertoken.make("tictactoe")
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("hypertoken")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

#: Public name -> the module that defines it (imported on first use).
_EXPORTS: dict[str, str] = {
    "World": "hypertoken.core",
    "Batch": "hypertoken.core",
    "To": "hypertoken.core",
    "CoreError": "hypertoken.core",
    "Game": "hypertoken.game",
    "GameInfo": "hypertoken.game",
    "IllegalMoveError": "hypertoken.game",
    "Chronicle": "hypertoken.log",
    "ChronicleError": "hypertoken.log",
    "RoomConfig": "hypertoken.log",
    "Identity": "hypertoken.log",
    "SyncSession": "hypertoken.log",
    "RoomEngine": "hypertoken.engine",
    "LocalEngine": "hypertoken.engine",
    "EngineError": "hypertoken.engine",
    "make": "games",
    "Policy": "hypertoken.policies",
    "aec_env": "hypertoken.envs",
    "parallel_env": "hypertoken.envs",
    "gym_env": "hypertoken.envs",
    "vector_env": "hypertoken.envs",
    "HyperTokenClient": "hypertoken.client",
    "AsyncHyperTokenClient": "hypertoken.client",
    "HyperTokenAECEnv": "hypertoken.client",
    "HyperTokenEnv": "hypertoken.client",
    "HyperTokenParallelEnv": "hypertoken.client",
    "convert_space": "hypertoken.client",
    "wait_for_server": "hypertoken.client",
    "measure_latency": "hypertoken.client",
}

if TYPE_CHECKING:
    from games import make
    from hypertoken.client import (
        AsyncHyperTokenClient,
        HyperTokenAECEnv,
        HyperTokenClient,
        HyperTokenEnv,
        HyperTokenParallelEnv,
        convert_space,
        measure_latency,
        wait_for_server,
    )
    from hypertoken.core import Batch, CoreError, To, World
    from hypertoken.engine import EngineError, LocalEngine, RoomEngine
    from hypertoken.envs import aec_env, gym_env, parallel_env, vector_env
    from hypertoken.game import Game, GameInfo, IllegalMoveError
    from hypertoken.log import Chronicle, ChronicleError, Identity, RoomConfig, SyncSession
    from hypertoken.policies import Policy


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hypertoken' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "AsyncHyperTokenClient",
    "Batch",
    "Chronicle",
    "ChronicleError",
    "CoreError",
    "EngineError",
    "Game",
    "GameInfo",
    "HyperTokenAECEnv",
    "HyperTokenClient",
    "HyperTokenEnv",
    "HyperTokenParallelEnv",
    "Identity",
    "IllegalMoveError",
    "LocalEngine",
    "Policy",
    "RoomConfig",
    "RoomEngine",
    "SyncSession",
    "To",
    "World",
    "__version__",
    "aec_env",
    "convert_space",
    "gym_env",
    "make",
    "measure_latency",
    "parallel_env",
    "vector_env",
    "wait_for_server",
]
