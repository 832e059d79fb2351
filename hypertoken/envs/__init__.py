"""Every registered game as a training environment, in process: PettingZoo AEC and
Parallel, Gymnasium (single-agent and vector), and Stable-Baselines3's ``VecEnv``.

- :func:`aec_env` / :func:`raw_env`: PettingZoo AEC, any game (:mod:`hypertoken.envs.aec`);
- :func:`parallel_env`: PettingZoo Parallel, simultaneous games
  (:mod:`hypertoken.envs.parallel`);
- :func:`gym_env`: one learning seat against policies (:mod:`hypertoken.envs.single`;
  :func:`evaluate` plays seeded episodes of a policy there);
  importing this package registers every game as ``gymnasium.make("hypertoken/<Name>-v<N>")``;
- :func:`vector_env`: ``gymnasium.vector.VectorEnv`` of N tables (:mod:`hypertoken.envs.vector`);
- :func:`sb3_vec_env`: Stable-Baselines3's ``VecEnv`` (``pip install "hypertoken[sb3]"``).

Every adapter plays the episodes of :class:`~hypertoken.engine.LocalEngine`: the same seed
gives the same episode in all of them (:mod:`hypertoken.envs.seeding`), and ``record=True``
writes episodes to Chronicle files that ``hypertoken replay`` plays back
(:mod:`hypertoken.envs.recording`).

>>> import hypertoken.envs as envs
>>> env = envs.aec_env("tictactoe")
>>> env.reset(seed=1)
>>> env.agent_selection
'player_0'
"""

from __future__ import annotations

from typing import Any

from hypertoken.envs.aec import RawEnv, aec_env, raw_env
from hypertoken.envs.episode import EpisodeOverError
from hypertoken.envs.parallel import ParallelGameEnv, parallel_env
from hypertoken.envs.recording import Recorder
from hypertoken.envs.registry import UnknownEnvError, env_ids, gym_id, register_gymnasium
from hypertoken.envs.single import GameEnv, evaluate, gym_env

__all__ = [
    "EpisodeOverError",
    "GameEnv",
    "ParallelGameEnv",
    "RawEnv",
    "Recorder",
    "UnknownEnvError",
    "aec_env",
    "env_ids",
    "evaluate",
    "gym_env",
    "gym_id",
    "parallel_env",
    "raw_env",
    "sb3_vec_env",
    "vector_env",
]


def vector_env(env_id: str, num_envs: int = 64, **kwargs: Any) -> Any:
    """``num_envs`` tables of ``env_id`` as one ``gymnasium.vector.VectorEnv``
    (see :mod:`hypertoken.envs.vector`).
    """
    from hypertoken.envs.vector import vector_env as make

    return make(env_id, num_envs, **kwargs)


def sb3_vec_env(env_id: str, num_envs: int = 64, **kwargs: Any) -> Any:
    """Stable-Baselines3's ``VecEnv`` over the vector env (see :mod:`hypertoken.envs.sb3`;
    needs the ``sb3`` extra).
    """
    from hypertoken.envs.sb3 import sb3_vec_env as make

    return make(env_id, num_envs, **kwargs)


register_gymnasium()
