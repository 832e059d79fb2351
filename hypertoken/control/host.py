"""The host of a control server: it builds the environments its connections drive (one
per connection, or one shared) and answers for the server (``env_info``, ``/health``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from hypertoken.control.convert import plain, space_to_dict
from hypertoken.control.session import ControlSession
from hypertoken.envs import RawEnv, raw_env
from hypertoken.envs.registry import resolve
from hypertoken.protocol.control import PROTOCOL_VERSION

__all__ = ["EnvHost"]


class EnvHost:
    """Builds and owns the environments a server hands to its connections.

    ``env`` is a game name as the earlier bridge took it (``"blackjack"``) or a versioned id
    (``"blackjack_v1"``); ``num_players`` and ``options`` are the game's; every new env starts
    with ``reset(seed=seed)`` (``None``: a fresh seed), so agents, spaces and ``last()`` are
    there before a client's first reset. With ``shared`` every session drives one env (the
    earlier bridge's behaviour); by default each session has its own. ``record``: a
    directory to write every episode to as a Chronicle file (``hypertoken replay`` plays
    them back). Unknown envs raise :class:`~hypertoken.envs.UnknownEnvError`, unknown
    options TypeError.
    """

    def __init__(
        self,
        env: str,
        *,
        num_players: int | None = None,
        options: Mapping[str, Any] | None = None,
        seed: int | None = None,
        shared: bool = False,
        record: str | None = None,
    ) -> None:
        self.env_type = env
        self.env_id = resolve(env)
        self.num_players = num_players
        self.options = dict(options or {})
        self.seed = seed
        self.shared = shared
        self.record = record
        self.started = time.monotonic()
        #: Open sessions.
        self.connections = 0
        self._closed = False
        first = self.new_env()  # builds one now: bad options fail here, not per connection
        self._shared: RawEnv | None = first if shared else None
        if not shared:
            first.close()
        self._info = self._describe(first)
        self._spaces = (
            {a: self._info["observation_spaces"][a] for a in first.possible_agents},
            {a: self._info["action_spaces"][a] for a in first.possible_agents},
        )

    def new_env(self) -> RawEnv:
        """A new env of this host, reset with its seed."""
        env = raw_env(
            self.env_id,
            num_players=self.num_players,
            mask_in_obs=False,
            record=self.record or False,
            **self.options,
        )
        env.reset(seed=self.seed)
        return env

    def _describe(self, env: RawEnv) -> dict[str, Any]:
        info = env.game.info
        return {
            "env_type": self.env_type,
            "env_id": self.env_id,
            "env_options": plain(
                {**self.options, **({"num_players": self.num_players} if self.num_players else {})}
            ),
            "possible_agents": list(env.possible_agents),
            "observation_spaces": {
                a: space_to_dict(env.observation_space(a)) for a in env.possible_agents
            },
            "action_spaces": {a: space_to_dict(env.action_space(a)) for a in env.possible_agents},
            "num_actions": info.num_actions,
            "simultaneous": info.simultaneous,
            "protocol": PROTOCOL_VERSION,
        }

    def env_info(self) -> dict[str, Any]:
        """What ``env_info`` answers (a new dict each time)."""
        return dict(self._info)

    def session(
        self, *, require_ids: bool = False, seats: Iterable[str] | None = None
    ) -> ControlSession:
        """A session for a new connection: its own env (or the shared one). ``require_ids``:
        every request must carry an increasing ``id`` (msgpack). ``seats``: the agents this
        connection may move (default: every agent).
        """
        if self._closed:
            raise RuntimeError("this host is closed")
        env = self._shared if self._shared is not None else self.new_env()
        self.connections += 1
        return ControlSession(self, env, require_ids=require_ids, seats=seats)

    def spaces(self, agent: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """``agent``'s observation and action space maps (as ``env_info`` has them)."""
        return self._spaces[0][agent], self._spaces[1][agent]

    def ended(self, session: ControlSession) -> None:
        """``session``'s connection ended: close its env unless it is the shared one."""
        self.connections -= 1
        if session.env is not self._shared:
            session.env.close()

    def health(self) -> dict[str, Any]:
        """What ``GET /health`` answers."""
        return {
            "status": "healthy",
            "uptime": round(time.monotonic() - self.started, 3),
            "environment": self.env_type,
            "env_id": self.env_id,
            "connections": self.connections,
            "shared": self.shared,
        }

    def close(self) -> None:
        """Write the shared env's unfinished recording; no more sessions."""
        self._closed = True
        if self._shared is not None:
            self._shared.close()
