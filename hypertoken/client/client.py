"""``HyperTokenClient``: the synchronous control-socket client, one method per command.

It keeps the earlier HyperToken bridge client's API (``reset``, ``step``, ``observe``,
``last``, ... and ``RuntimeError("Server error: ...")`` on an error response), and adds
the msgpack transports, pipelining and the combined reply::

    from hypertoken.client import HyperTokenClient

    with HyperTokenClient("unix:///tmp/ht.sock") as client:
        turn = client.reset_turn(seed=1)
        while turn["agents"]:
            action = None if turn["terminated"] or turn["truncated"] else 0
            turn = client.step_turn(action)        # one round trip per AEC step

The URL picks the transport (:mod:`hypertoken.client.transport`). A client is one
connection and not thread-safe; it connects on first use if :meth:`connect` was not called.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import numpy as np

from hypertoken.client.replies import (
    ConnectionClosedError,
    ServerError,
    check,
    decode_mask,
    decode_observation,
    decode_turn,
)
from hypertoken.client.transport import MsgpackTransport, WsTransport, connect, parse_url

__all__ = ["DEFAULT_URL", "HyperTokenClient", "action_value", "space_dtype"]

DEFAULT_URL = "ws://localhost:9999"
"""The earlier bridge's address (``hypertoken serve --port 9999``)."""


def action_value(action: Any) -> int | None:
    """An action as the wire takes it: None, or a Python int (numpy ints included; a
    one-element array is accepted as its element). Anything else raises TypeError.
    """
    if action is None:
        return None
    if isinstance(action, np.ndarray) and action.size == 1:
        action = action.reshape(()).item()
    if isinstance(action, bool) or not isinstance(action, int | np.integer):
        raise TypeError(f"an action is an int or None, not {action!r}")
    return int(action)


def space_dtype(space: Mapping[str, Any] | None) -> Any:
    """The numpy dtype of a space map's values (float32 unless it names one)."""
    if not space or space.get("n") is not None:
        return np.float32
    return np.dtype(space.get("dtype") or "float32")


class HyperTokenClient:
    """A synchronous connection to a HyperToken control socket (module docstring).

    ``url``: ``ws://host:port`` (JSON), ``unix:///path`` or ``msgpack+tcp://host:port``
    (msgpack frames); ``timeout``: seconds for connecting and for each response;
    ``token``: the server's API token (else the URL's ``?token=``).
    """

    def __init__(
        self, url: str = DEFAULT_URL, timeout: float = 30.0, *, token: str | None = None
    ) -> None:
        parse_url(url, token)  # a bad URL fails here, not at the first call
        self.url = url
        self.timeout = timeout
        self.token = token
        self._lost: str | None = None  # why the connection broke, until connect() or disconnect()
        self._transport: WsTransport | MsgpackTransport | None = None
        self._dtypes: dict[str, Any] = {}
        self._deferred: list[Mapping[str, Any]] = []

    # ---- the connection -------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether the connection is open."""
        return self._transport is not None

    def connect(self) -> None:
        """Open the connection (no-op when open). ConnectionError when nothing answers,
        TimeoutError on a timeout, :class:`ServerError` for a refused token (msgpack).
        """
        self._lost = None
        if self._transport is None:
            self._transport = connect(self.url, self.timeout, self.token)

    def disconnect(self) -> None:
        """Close the connection (idempotent); the server's env is not told to close."""
        self._lost = None
        self._drop()

    def _drop(self) -> None:
        self._deferred = []  # they were for this connection's env
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()

    def __enter__(self) -> HyperTokenClient:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.disconnect()

    def __repr__(self) -> str:
        state = "connected" if self.connected else "not connected"
        return f"<HyperTokenClient {self.url.split('?', 1)[0]} ({state})>"

    # ---- raw requests -----------------------------------------------------------------------

    def send_many(
        self, requests: Sequence[Mapping[str, Any]], *, raise_errors: bool = True
    ) -> list[dict[str, Any]]:
        """Send several requests before reading any response (pipelining), then return the
        responses in order. With ``raise_errors`` the first error response raises
        :class:`ServerError` (after every response was read, so the connection stays in
        step); without, error responses are returned like the others.
        """
        if self._lost is not None:
            raise ConnectionClosedError(
                f"{self._lost}; call connect() for a new connection (on a server with one "
                "env per connection that is a new env: reset it)"
            )
        self.connect()
        assert self._transport is not None
        deferred, self._deferred = self._deferred, []
        try:
            responses = self._transport.exchange([*deferred, *requests])
        except (ConnectionError, TimeoutError) as exc:
            # After a timeout a late response would be read as the next request's: the
            # connection is dropped, and the next call opens a new one.
            self._drop()
            self._lost = f"the connection to {self.url.split('?', 1)[0]} was lost ({exc})"
            raise
        if deferred:
            for response in responses[: len(deferred)]:
                check(response)  # a deferred request's error belongs to no later call
            responses = responses[len(deferred) :]
        if raise_errors:
            for response in responses:
                check(response)
        return responses

    def defer(self, request: Mapping[str, Any]) -> None:
        """Send ``request`` with the next call, in the same write (no round trip of its
        own). For requests whose answer the caller already knows: the steps out of finished
        agents that a turn's ``finished`` announces. Its error response, if any, raises
        :class:`ServerError` from that next call.
        """
        self._deferred.append(request)

    def withdraw(self, request: Mapping[str, Any]) -> bool:
        """Take back ``request`` (the very object given to :meth:`defer`) before it goes
        out; whether it was still waiting. For a caller whose next request makes it moot:
        a ``reset`` starts the episode over, so its finished agents need not step out first.
        """
        for i, waiting in enumerate(self._deferred):
            if waiting is request:
                del self._deferred[i]
                return True
        return False

    @property
    def deferred(self) -> int:
        """Requests waiting to go out with the next call."""
        return len(self._deferred)

    def request(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """One request (``{"cmd": ..., ...}``); its response, or :class:`ServerError`."""
        return self.send_many([request])[0]

    def _call(self, cmd: str, **fields: Any) -> dict[str, Any]:
        return self.request({"cmd": cmd, **fields})

    # ---- the episode ------------------------------------------------------------------------

    def reset(self, seed: int | None = None) -> None:
        """Start an episode (``seed``: the same seed plays the same episode)."""
        self._call("reset", seed=seed)

    def step(self, action: Any) -> None:
        """Play ``action`` for the agent to move (None steps a finished agent out)."""
        self._call("step", action=action_value(action))

    def reset_turn(self, seed: int | None = None) -> dict[str, Any]:
        """:meth:`reset` and the turn after it, in one round trip (see :meth:`step_turn`)."""
        return self._turn(self._call("reset", seed=seed, reply="turn"))

    def step_turn(self, action: Any) -> dict[str, Any]:
        """:meth:`step` and the next turn, in one round trip: ``{"agent", "agents",
        "observation" (array), "reward" (cumulative, as ``last``), "terminated",
        "truncated", "info", "mask" (bool array or None)}``.
        """
        return self._turn(self._call("step", action=action_value(action), reply="turn"))

    def _turn(self, response: Mapping[str, Any]) -> dict[str, Any]:
        turn = response.get("turn")
        if type(turn) is not dict and not isinstance(turn, Mapping):
            raise ServerError({"error": "the server sent no turn: does it speak protocol 1?"})
        return decode_turn(turn, self._dtypes.get(str(turn.get("agent")), np.float32))

    def observe(self, agent: str) -> np.ndarray:
        """``agent``'s observation: a flat array of the observation space's dtype
        (float32 until :meth:`env_info` or :meth:`observation_space` named another).
        """
        response = self._call("observe", agent=agent)
        return decode_observation(response["observation"], self._dtypes.get(agent, np.float32))

    def last(self, observe: bool = True) -> dict[str, Any]:
        """``{"observation" (array, or None with ``observe=False``), "reward",
        "terminated", "truncated", "info"}`` of the agent to move.
        """
        response = self._call("last", observe=observe)
        obs = response.get("observation")
        if obs is not None:
            # The response does not name the agent: one dtype shared by every seat is used.
            dtypes = {np.dtype(d) for d in self._dtypes.values()}
            response["observation"] = decode_observation(
                obs, dtypes.pop() if len(dtypes) == 1 else np.float32
            )
        return response

    def agents(self) -> list[str]:
        """The agents still playing (neither terminated nor truncated)."""
        return list(self._call("agents")["agents"])

    def possible_agents(self) -> list[str]:
        """Every seat of the game."""
        return list(self._call("possible_agents")["possible_agents"])

    def agent_selection(self) -> str:
        """The agent to move."""
        return str(self._call("agent_selection")["agent"])

    def observation_space(self, agent: str) -> dict[str, Any]:
        """``agent``'s observation space map (see :func:`~hypertoken.client.convert_space`)."""
        space: dict[str, Any] = self._call("observation_space", agent=agent)["space"]
        self._dtypes[agent] = space_dtype(space)
        return space

    def action_space(self, agent: str) -> dict[str, Any]:
        """``agent``'s action space map (``{"n", "shape": []}``)."""
        space: dict[str, Any] = self._call("action_space", agent=agent)["space"]
        return space

    def action_mask(self, agent: str) -> np.ndarray | None:
        """``agent``'s legal actions as a bool array; None when the game has no mask."""
        return decode_mask(self._call("action_mask", agent=agent).get("mask"))

    def rewards(self) -> dict[str, float]:
        """The last step's reward of every agent."""
        return dict(self._call("rewards")["rewards"])

    def terminations(self) -> dict[str, bool]:
        """Which agents are terminated."""
        return dict(self._call("terminations")["terminations"])

    def truncations(self) -> dict[str, bool]:
        """Which agents are truncated."""
        return dict(self._call("truncations")["truncations"])

    def infos(self) -> dict[str, dict[str, Any]]:
        """Every agent's info."""
        return dict(self._call("infos")["infos"])

    def step_all(self, actions: Mapping[str, Any]) -> dict[str, Any]:
        """A Parallel step: ``{"observations", "rewards", "terminations", "truncations",
        "infos", "agents"}`` (observations as sent: flat lists).
        """
        wire = {agent: action_value(a) for agent, a in actions.items()}
        return self._call("step_all", actions=wire)

    def observe_all(self) -> dict[str, Any]:
        """``{"observations", "infos", "agents"}`` of every agent in the episode."""
        return self._call("observe_all")

    def state_hash(self) -> str:
        """The world's hash (equal hashes: identical states)."""
        return str(self._call("state_hash")["hash"])

    def render(self) -> str | None:
        """The game's text picture."""
        text = self._call("render").get("text")
        return None if text is None else str(text)

    def close(self) -> None:
        """Tell the server to close the env (it writes an unfinished recording), then
        disconnect. Idempotent; a connection already gone is only forgotten.
        """
        if self._transport is not None:
            with contextlib.suppress(ConnectionError):
                self._call("close")
        self.disconnect()

    def ping(self) -> float:
        """The round trip of a ``ping``, in milliseconds (measured here)."""
        start = time.perf_counter()
        self._call("ping")
        return (time.perf_counter() - start) * 1000.0

    def env_info(self) -> dict[str, Any]:
        """The server's env: ``{"env_type", "env_id", "env_options", "possible_agents",
        "observation_spaces", "action_spaces", "num_actions", "simultaneous", "protocol"}``
        (remembered: later observations come in each space's dtype).
        """
        info = self._call("env_info")
        for agent, space in (info.get("observation_spaces") or {}).items():
            self._dtypes[agent] = space_dtype(space)
        return info
