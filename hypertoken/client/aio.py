"""``AsyncHyperTokenClient``: :class:`~hypertoken.client.HyperTokenClient`'s methods as
coroutines, for bots and servers already running an event loop::

    from hypertoken.client import AsyncHyperTokenClient

    async with AsyncHyperTokenClient("ws://127.0.0.1:9999") as client:
        turn = await client.reset_turn(seed=1)
        while turn["agents"]:
            turn = await client.step_turn(None if turn["terminated"] else 0)

The transports are :mod:`hypertoken.client.aio_transport`'s (aiohttp for ``ws://``,
asyncio streams for ``unix://`` and ``msgpack+tcp://``). Tasks may share one client: each
call holds the connection until its responses are in.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import numpy as np

from hypertoken.client.aio_transport import AioMsgpackTransport, AioWsTransport, open_transport
from hypertoken.client.client import DEFAULT_URL, action_value, space_dtype
from hypertoken.client.replies import (
    ConnectionClosedError,
    ServerError,
    check,
    decode_mask,
    decode_observation,
    decode_turn,
)
from hypertoken.client.transport import parse_url

__all__ = ["AsyncHyperTokenClient"]


class AsyncHyperTokenClient:
    """An asyncio connection to a HyperToken control socket (arguments as
    :class:`~hypertoken.client.HyperTokenClient`; every method is a coroutine).
    """

    def __init__(
        self, url: str = DEFAULT_URL, timeout: float = 30.0, *, token: str | None = None
    ) -> None:
        parse_url(url, token)
        self.url = url
        self.timeout = timeout
        self.token = token
        self._lost: str | None = None  # why the connection broke, until connect() or disconnect()
        self._transport: AioWsTransport | AioMsgpackTransport | None = None
        self._dtypes: dict[str, Any] = {}

    @property
    def connected(self) -> bool:
        """Whether the connection is open."""
        return self._transport is not None

    async def connect(self) -> None:
        """Open the connection (no-op when open); errors as the synchronous client's."""
        self._lost = None
        if self._transport is None:
            self._transport = await open_transport(self.url, self.timeout, self.token)

    async def disconnect(self) -> None:
        """Close the connection (idempotent)."""
        self._lost = None
        await self._drop()

    async def _drop(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            await transport.close()

    async def __aenter__(self) -> AsyncHyperTokenClient:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.disconnect()

    def __repr__(self) -> str:
        state = "connected" if self.connected else "not connected"
        return f"<AsyncHyperTokenClient {self.url.split('?', 1)[0]} ({state})>"

    async def send_many(
        self, requests: Sequence[Mapping[str, Any]], *, raise_errors: bool = True
    ) -> list[dict[str, Any]]:
        """Pipelined requests (see :meth:`HyperTokenClient.send_many`)."""
        if self._lost is not None:
            raise ConnectionClosedError(
                f"{self._lost}; call connect() for a new connection (on a server with one "
                "env per connection that is a new env: reset it)"
            )
        await self.connect()
        assert self._transport is not None
        try:
            responses = await self._transport.exchange(list(requests))
        except (ConnectionError, TimeoutError) as exc:
            # After a timeout a late response would be read as the next request's.
            await self._drop()
            self._lost = f"the connection to {self.url.split('?', 1)[0]} was lost ({exc})"
            raise
        if raise_errors:
            for response in responses:
                check(response)
        return responses

    async def request(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """One request; its response, or :class:`ServerError`."""
        return (await self.send_many([request]))[0]

    async def _call(self, cmd: str, **fields: Any) -> dict[str, Any]:
        return await self.request({"cmd": cmd, **fields})

    async def reset(self, seed: int | None = None) -> None:
        """Start an episode."""
        await self._call("reset", seed=seed)

    async def step(self, action: Any) -> None:
        """Play ``action`` for the agent to move (None steps a finished agent out)."""
        await self._call("step", action=action_value(action))

    async def reset_turn(self, seed: int | None = None) -> dict[str, Any]:
        """Reset and the turn after it, in one round trip."""
        return self._turn(await self._call("reset", seed=seed, reply="turn"))

    async def step_turn(self, action: Any) -> dict[str, Any]:
        """Step and the next turn, in one round trip (see
        :meth:`HyperTokenClient.step_turn`).
        """
        return self._turn(await self._call("step", action=action_value(action), reply="turn"))

    def _turn(self, response: Mapping[str, Any]) -> dict[str, Any]:
        turn = response.get("turn")
        if not isinstance(turn, Mapping):
            raise ServerError({"error": "the server sent no turn: does it speak protocol 1?"})
        return decode_turn(turn, self._dtypes.get(str(turn.get("agent")), np.float32))

    async def observe(self, agent: str) -> np.ndarray:
        """``agent``'s observation as a flat array."""
        response = await self._call("observe", agent=agent)
        return decode_observation(response["observation"], self._dtypes.get(agent, np.float32))

    async def last(self, observe: bool = True) -> dict[str, Any]:
        """Observation, reward, terminated, truncated and info of the agent to move."""
        response = await self._call("last", observe=observe)
        obs = response.get("observation")
        if obs is not None:
            dtypes = {np.dtype(d) for d in self._dtypes.values()}
            response["observation"] = decode_observation(
                obs, dtypes.pop() if len(dtypes) == 1 else np.float32
            )
        return response

    async def agents(self) -> list[str]:
        """The agents still playing."""
        return list((await self._call("agents"))["agents"])

    async def possible_agents(self) -> list[str]:
        """Every seat of the game."""
        return list((await self._call("possible_agents"))["possible_agents"])

    async def agent_selection(self) -> str:
        """The agent to move."""
        return str((await self._call("agent_selection"))["agent"])

    async def observation_space(self, agent: str) -> dict[str, Any]:
        """``agent``'s observation space map."""
        space: dict[str, Any] = (await self._call("observation_space", agent=agent))["space"]
        self._dtypes[agent] = space_dtype(space)
        return space

    async def action_space(self, agent: str) -> dict[str, Any]:
        """``agent``'s action space map."""
        space: dict[str, Any] = (await self._call("action_space", agent=agent))["space"]
        return space

    async def action_mask(self, agent: str) -> np.ndarray | None:
        """``agent``'s legal actions (bool array), or None without a mask."""
        return decode_mask((await self._call("action_mask", agent=agent)).get("mask"))

    async def rewards(self) -> dict[str, float]:
        """The last step's reward of every agent."""
        return dict((await self._call("rewards"))["rewards"])

    async def terminations(self) -> dict[str, bool]:
        """Which agents are terminated."""
        return dict((await self._call("terminations"))["terminations"])

    async def truncations(self) -> dict[str, bool]:
        """Which agents are truncated."""
        return dict((await self._call("truncations"))["truncations"])

    async def infos(self) -> dict[str, dict[str, Any]]:
        """Every agent's info."""
        return dict((await self._call("infos"))["infos"])

    async def step_all(self, actions: Mapping[str, Any]) -> dict[str, Any]:
        """A Parallel step (see :meth:`HyperTokenClient.step_all`)."""
        wire = {agent: action_value(a) for agent, a in actions.items()}
        return await self._call("step_all", actions=wire)

    async def observe_all(self) -> dict[str, Any]:
        """Observations, infos and agents of the episode."""
        return await self._call("observe_all")

    async def state_hash(self) -> str:
        """The world's hash."""
        return str((await self._call("state_hash"))["hash"])

    async def render(self) -> str | None:
        """The game's text picture."""
        text = (await self._call("render")).get("text")
        return None if text is None else str(text)

    async def close(self) -> None:
        """Tell the server to close the env, then disconnect (idempotent)."""
        if self._transport is not None:
            with contextlib.suppress(ConnectionError):
                await self._call("close")
        await self.disconnect()

    async def ping(self) -> float:
        """The round trip of a ``ping``, in milliseconds."""
        start = time.perf_counter()
        await self._call("ping")
        return (time.perf_counter() - start) * 1000.0

    async def env_info(self) -> dict[str, Any]:
        """The server's env description (as :meth:`HyperTokenClient.env_info`)."""
        info = await self._call("env_info")
        for agent, space in (info.get("observation_spaces") or {}).items():
            self._dtypes[agent] = space_dtype(space)
        return info
