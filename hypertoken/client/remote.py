"""What the remote PettingZoo envs (:mod:`hypertoken.client.aec`,
:mod:`hypertoken.client.parallel`) share: the connection to a served game, its agents and
spaces (read once, from ``env_info``), the render modes, ``render``, ``state_hash``,
``close`` and the context manager.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import gymnasium

from hypertoken.client.client import HyperTokenClient
from hypertoken.client.spaces import agent_spaces

__all__ = ["RENDER_MODES", "RemoteEnv", "check_render_mode"]

RENDER_MODES = ("human", "ansi")


def check_render_mode(render_mode: str | None) -> str | None:
    """``render_mode`` if it is None, "human" or "ansi", else ValueError."""
    if render_mode is not None and render_mode not in RENDER_MODES:
        raise ValueError(f"render_mode must be None, 'human' or 'ansi', not {render_mode!r}")
    return render_mode


class RemoteEnv:
    """The connection half of a remote env (a mixin before the PettingZoo base class)."""

    metadata: dict[str, Any]

    def _open(self, url: str, render_mode: str | None, token: str | None) -> None:
        """Set up the client (not connected yet) and the empty descriptions."""
        self.url = url
        self.render_mode = check_render_mode(render_mode)
        self.client = HyperTokenClient(url, token=token)
        self.metadata = dict(type(self).metadata)
        self.server_info: dict[str, Any] = {}
        self.possible_agents: list[str] = []
        self.observation_spaces: dict[str, gymnasium.spaces.Space[Any]] = {}
        self.action_spaces: dict[str, gymnasium.spaces.Space[Any]] = {}

    def connect(self) -> None:
        """Connect and read the env's agents and spaces (``env_info``); no-op when done."""
        if self.client.connected and self.server_info:
            return
        self.client.connect()
        info = self.client.env_info()
        self.server_info = info
        self.possible_agents = list(info["possible_agents"])
        self.observation_spaces, self.action_spaces = agent_spaces(info)
        if info.get("env_id"):
            self.metadata["env_id"] = info["env_id"]

    def close(self) -> None:
        """Tell the server to close the env (writing an unfinished recording) and
        disconnect (idempotent); a later ``reset`` connects again.
        """
        self.client.close()
        self.server_info = {}  # the next connect() reads the env again

    def __enter__(self) -> Any:
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
        return f"<{type(self).__name__} {self.metadata.get('env_id', '?')} at {self.client.url}>"

    def observation_space(self, agent: str) -> gymnasium.spaces.Space[Any]:
        """``agent``'s observation space (read at connect; the same object every call)."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> gymnasium.spaces.Space[Any]:
        """``agent``'s action space, ``Discrete(num_actions)``."""
        return self.action_spaces[agent]

    def render(self) -> str | None:
        """The game's text picture: printed in "human" mode (returning None), else returned."""
        text = self.client.render()
        if self.render_mode == "human":
            print(text)
            return None
        return text

    def state_hash(self) -> str:
        """The server's world hash (equal hashes: identical states)."""
        return self.client.state_hash()
