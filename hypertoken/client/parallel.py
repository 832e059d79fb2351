"""``HyperTokenParallelEnv``: a served simultaneous game (the prisoner's dilemma) as a
PettingZoo Parallel environment::

    from hypertoken.client import HyperTokenParallelEnv

    env = HyperTokenParallelEnv("unix:///tmp/ht.sock")
    observations, infos = env.reset(seed=1)
    while env.agents:
        actions = {agent: env.action_space(agent).sample() for agent in env.agents}
        observations, rewards, terminations, truncations, infos = env.step(actions)
    env.close()

``reset`` is one round trip (``reset`` and ``observe_all``, pipelined) and ``step`` one
(``step_all``: the server plays each agent's action in turn order and steps finished
agents out). Unlike the earlier package's Parallel env, which wrapped the AEC env and sent
one request per agent, the whole round is one request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from pettingzoo import ParallelEnv

from hypertoken.client.remote import RENDER_MODES, RemoteEnv
from hypertoken.client.replies import decode_infos, decode_mask, decode_observation

__all__ = ["HyperTokenParallelEnv"]


class HyperTokenParallelEnv(RemoteEnv, ParallelEnv[str, np.ndarray, int]):  # type: ignore[misc]
    """A served game as a PettingZoo Parallel environment (module docstring; arguments as
    :class:`~hypertoken.client.HyperTokenAECEnv`).
    """

    metadata: dict[str, Any] = {
        "render_modes": list(RENDER_MODES),
        "name": "hypertoken_parallel_v0",
        "is_parallelizable": True,
    }

    def __init__(
        self,
        url: str,
        render_mode: str | None = None,
        *,
        token: str | None = None,
        auto_connect: bool = True,
    ) -> None:
        self._open(url, render_mode, token)
        self.agents: list[str] = []
        if auto_connect:
            self.connect()

    def _observations(self, sent: Mapping[str, Any]) -> dict[str, np.ndarray]:
        out = {}
        for agent, obs in sent.items():
            space = self.observation_spaces.get(agent)
            if space is None:
                out[agent] = decode_observation(obs)
            else:
                out[agent] = decode_observation(obs, space.dtype, space.shape)
        return out

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        """Start an episode: ``(observations, infos)`` (one round trip; ``options`` are not
        sent, a served game's options being fixed when the server starts).
        """
        del options
        self.connect()
        _, state = self.client.send_many([{"cmd": "reset", "seed": seed}, {"cmd": "observe_all"}])
        self.agents = list(state["agents"])
        return self._observations(state["observations"]), decode_infos(state["infos"])

    def step(
        self, actions: Mapping[str, Any]
    ) -> tuple[
        dict[str, np.ndarray],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        """Every live agent's action at once: ``(observations, rewards, terminations,
        truncations, infos)`` (one round trip).
        """
        result = self.client.step_all(actions)
        self.agents = list(result["agents"])
        return (
            self._observations(result["observations"]),
            {a: float(r) for a, r in result["rewards"].items()},
            {a: bool(t) for a, t in result["terminations"].items()},
            {a: bool(t) for a, t in result["truncations"].items()},
            decode_infos(result["infos"]),
        )

    def action_mask(self, agent: str) -> np.ndarray | None:
        """``agent``'s legal actions (bool array), or None without a mask."""
        return decode_mask(self.client.request({"cmd": "action_mask", "agent": agent})["mask"])
