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
from types import TracebackType
from typing import Any

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

from hypertoken.client.aec import RENDER_MODES, check_render_mode
from hypertoken.client.client import HyperTokenClient
from hypertoken.client.replies import decode_infos, decode_mask, decode_observation
from hypertoken.client.spaces import agent_spaces

__all__ = ["HyperTokenParallelEnv"]


class HyperTokenParallelEnv(ParallelEnv[str, np.ndarray, int]):  # type: ignore[misc]
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
        self.url = url
        self.render_mode = check_render_mode(render_mode)
        self.client = HyperTokenClient(url, token=token)
        self.metadata = dict(type(self).metadata)
        self.server_info: dict[str, Any] = {}
        self.possible_agents: list[str] = []
        self.agents: list[str] = []
        self.observation_spaces: dict[str, gymnasium.spaces.Space[Any]] = {}
        self.action_spaces: dict[str, gymnasium.spaces.Space[Any]] = {}
        if auto_connect:
            self.connect()

    def connect(self) -> None:
        """Connect and read the env's agents and spaces; no-op when done."""
        if self.client.connected and self.server_info:
            return
        self.client.connect()
        info = self.client.env_info()
        self.server_info = info
        self.possible_agents = list(info["possible_agents"])
        self.observation_spaces, self.action_spaces = agent_spaces(info)
        if info.get("env_id"):
            self.metadata["env_id"] = info["env_id"]

    def observation_space(self, agent: str) -> gymnasium.spaces.Space[Any]:
        """``agent``'s observation space (the same object every call)."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> gymnasium.spaces.Space[Any]:
        """``agent``'s action space."""
        return self.action_spaces[agent]

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

    def render(self) -> str | None:  # type: ignore[override]
        """The game's text picture: printed in "human" mode, else returned."""
        text = self.client.render()
        if self.render_mode == "human":
            print(text)
            return None
        return text

    def state_hash(self) -> str:
        """The server's world hash."""
        return self.client.state_hash()

    def close(self) -> None:
        """Tell the server to close the env and disconnect (idempotent)."""
        self.client.close()
        self.server_info = {}

    def __enter__(self) -> HyperTokenParallelEnv:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<HyperTokenParallelEnv {self.metadata.get('env_id', '?')} at {self.client.url}>"
