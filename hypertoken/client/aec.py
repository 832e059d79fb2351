"""``HyperTokenAECEnv``: a served game as a PettingZoo AEC environment, over the network.

It is the earlier HyperToken package's remote env (same constructor, same methods), now a
real ``pettingzoo.AECEnv`` that passes PettingZoo's ``api_test``::

    from hypertoken.client import HyperTokenAECEnv

    env = HyperTokenAECEnv("ws://localhost:9999")
    env.reset(seed=42)
    for agent in env.agent_iter():
        obs, reward, term, trunc, info = env.last()
        action = None if term or trunc else env.action_space(agent).sample(info["action_mask"])
        env.step(action)
    print(env.rewards())
    env.close()

Round trips: ``reset`` and ``step`` each cost one, and bring back the turn (the combined
reply, see :mod:`hypertoken.protocol.control`), from which ``agents``,
``agent_selection``, ``last()`` and the observation and mask of the agent to move are
answered with none. ``rewards``, ``terminations``, ``truncations`` and ``infos`` are
fetched together, in one pipelined round trip, the first time one of them is read after a
step, and kept until the next. Each is a dict (``env.rewards[agent]``, as PettingZoo reads
it) that can also be called (``env.rewards()``, as the earlier client's method was).

Before the first ``reset`` the server's env is already reset (it resets every env it
builds), so ``agents``, ``last()`` and the rest answer for that episode, at the cost of a
round trip to read its turn.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
from pettingzoo import AECEnv

from hypertoken.client.remote import RENDER_MODES, RemoteEnv
from hypertoken.client.replies import decode_info, decode_infos, decode_mask, decode_observation

__all__ = ["HyperTokenAECEnv", "HyperTokenEnv", "Reply"]

K = TypeVar("K")
V = TypeVar("V")


class Reply(dict[K, V]):
    """A dict that returns itself when called: ``env.rewards[agent]`` and ``env.rewards()``
    both work (PettingZoo reads the attribute, the earlier client called a method).
    """

    def __call__(self) -> Reply[K, V]:
        return self


class HyperTokenAECEnv(RemoteEnv, AECEnv[str, np.ndarray, int | None]):  # type: ignore[misc]
    """A game served by ``hypertoken serve`` (or a peer's control socket) as a PettingZoo
    AEC environment (module docstring).

    ``url``: as :class:`~hypertoken.client.HyperTokenClient`; ``render_mode``: None,
    "human" (``render()`` prints the game) or "ansi" (returns it); ``token``: the server's
    API token; ``auto_connect``: connect (and read the spaces) now rather than at
    :meth:`connect` or the first ``reset``.
    """

    metadata: dict[str, Any] = {
        "render_modes": list(RENDER_MODES),
        "name": "hypertoken_aec_v0",
        "is_parallelizable": False,
    }

    def __init__(
        self,
        url: str,
        render_mode: str | None = None,
        *,
        token: str | None = None,
        auto_connect: bool = True,
    ) -> None:
        AECEnv.__init__(self)
        self._open(url, render_mode, token)
        self._turn: dict[str, Any] | None = None
        self._replies: dict[str, Reply[str, Any]] | None = None
        #: The turn of the first agent to step out locally, while others still have to.
        self._first_out: dict[str, Any] | None = None
        #: Step-outs deferred since the last request (a reset withdraws them).
        self._step_outs: list[dict[str, Any]] = []
        if auto_connect:
            self.connect()

    # ---- the connection -------------------------------------------------------------------

    def connect(self) -> None:
        """Connect and read the env's agents and spaces (``env_info``); no-op when done."""
        super().connect()
        self.metadata["is_parallelizable"] = bool(self.server_info.get("simultaneous", False))

    # ---- the episode ----------------------------------------------------------------------

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        """Start an episode (one round trip; ``options`` are not sent: a served game's
        options are fixed when the server starts).
        """
        del options
        self.connect()
        client = self.client
        for step_out in self._step_outs:  # the reset starts over: no need to step out first
            client.withdraw(step_out)
        self._step_outs.clear()
        self._set_turn(client.reset_turn(seed), None)

    def step(self, action: Any) -> None:
        """Play ``action`` for ``agent_selection``; ``None`` for a finished agent is sent as
        a null action, which steps it out (one round trip). An error response raises
        :class:`~hypertoken.client.ServerError` (a RuntimeError) and changes nothing.
        """
        turn = self.turn
        if action is None and "finished" in turn and turn["agent"] in turn["agents"]:
            # Every agent is finished: stepping out changes nothing else (the turn says
            # so), so the step goes out with the next request instead of waiting here.
            step_out = {"cmd": "step", "action": None}
            self.client.defer(step_out)
            self._step_outs.append(step_out)
            self._step_out(turn)
            return
        self._step_outs.clear()  # the step below sends them
        mover = self.agent_selection
        self._set_turn(self.client.step_turn(action), mover)

    def _step_out(self, turn: dict[str, Any]) -> None:
        """The turn after the agent to move, finished, steps out: PettingZoo's order (the
        next finished agent in ``agents``; once none is left, the agent selected when the
        first stepped out).
        """
        agent = turn["agent"]
        finished = dict(turn["finished"])
        if self._first_out is None:
            self._first_out = turn
        rest = [a for a in turn["agents"] if a != agent]
        if rest:
            nxt = finished.pop(rest[0])
            nxt.update(agent=rest[0], agents=rest, finished=finished)
            space = self.observation_spaces.get(rest[0])
            if space is not None and space.shape is not None:
                nxt["observation"] = nxt["observation"].reshape(space.shape)
            if "cumulative" in turn:
                nxt["cumulative"] = {a: r for a, r in turn["cumulative"].items() if a != agent}
        else:
            first, self._first_out = self._first_out, None
            nxt = dict(first)
            nxt.update(
                agents=[],
                reward=0.0,
                terminated=not first["truncated"],
                info={},
                mask=None if first["mask"] is None else np.zeros_like(first["mask"]),
            )
            nxt.pop("finished", None)
            nxt.pop("cumulative", None)
        self._turn = nxt
        self._replies = None

    def _set_turn(self, turn: dict[str, Any], mover: str | None) -> None:
        agent = turn["agent"]
        space = self.observation_spaces.get(agent)
        if space is not None and space.shape is not None:
            observation = turn["observation"]
            if observation.shape != space.shape:
                turn["observation"] = observation.reshape(space.shape)
        self._turn = turn
        self._replies = None
        if mover is None:  # a reset
            self._first_out = None

    @property
    def turn(self) -> dict[str, Any]:
        """The turn of the agent to move (see :meth:`HyperTokenClient.step_turn`)."""
        turn = self._turn
        if turn is None:
            turn = self._read_turn()
        return turn

    def _read_turn(self) -> dict[str, Any]:
        """The turn of the episode the server has before our first reset (pipelined)."""
        self.connect()
        agents, selection, last = self.client.send_many(
            [{"cmd": "agents"}, {"cmd": "agent_selection"}, {"cmd": "last"}]
        )
        agent = selection["agent"]
        mask = self.client.action_mask(agent)
        turn = {
            "agent": agent,
            "agents": list(agents["agents"]),
            "observation": decode_observation(last["observation"], self._dtype(agent)),
            "reward": float(last["reward"]),
            "terminated": bool(last["terminated"]),
            "truncated": bool(last["truncated"]),
            "info": decode_info(last.get("info")),
            "mask": mask,
        }
        self._set_turn(turn, None)
        return turn

    def _dtype(self, agent: str) -> Any:
        space = self.observation_spaces.get(agent)
        return np.float32 if space is None or space.dtype is None else space.dtype

    @property
    def agents(self) -> list[str]:  # type: ignore[override]
        """PettingZoo's agents: those in the episode (finished ones stay until they step
        ``None``); empty when every agent is done.
        """
        agents: list[str] = self.turn["agents"]
        return agents

    @property
    def agent_selection(self) -> str:  # type: ignore[override]
        """The agent to move."""
        return str(self.turn["agent"])

    def last(self, observe: bool = True) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Observation, cumulative reward, terminated, truncated and info of
        ``agent_selection``: from the turn, with no round trip.
        """
        turn = self.turn
        return (
            turn["observation"] if observe else None,
            turn["reward"],
            turn["terminated"],
            turn["truncated"],
            turn["info"],
        )

    def observe(self, agent: str) -> np.ndarray:
        """``agent``'s observation (no round trip for the agent to move)."""
        turn = self.turn
        if agent == turn["agent"]:
            observation: np.ndarray = turn["observation"]
            return observation
        obs = self.client.observe(agent)
        space = self.observation_spaces.get(agent)
        return obs.reshape(space.shape) if space is not None and space.shape else obs

    def action_mask(self, agent: str) -> np.ndarray | None:
        """``agent``'s legal actions (bool array), or None for a game without masks (no
        round trip for the agent to move).
        """
        turn = self.turn
        if agent == turn["agent"]:
            mask: np.ndarray | None = turn["mask"]
            return mask
        return decode_mask(self.client.request({"cmd": "action_mask", "agent": agent})["mask"])

    # ---- PettingZoo's dicts, read lazily --------------------------------------------------

    def _reply(self, name: str) -> Reply[str, Any]:
        replies = self._replies
        if replies is None:
            replies = self._replies = self._read_replies()
        return replies[name]

    def _read_replies(self) -> dict[str, Reply[str, Any]]:
        turn = self.turn
        names = ("rewards", "terminations", "truncations", "infos")
        responses = self.client.send_many([{"cmd": name} for name in names])
        rewards = Reply({a: float(r) for a, r in responses[0]["rewards"].items()})
        terminations = Reply({a: bool(t) for a, t in responses[1]["terminations"].items()})
        truncations = Reply({a: bool(t) for a, t in responses[2]["truncations"].items()})
        infos: Reply[str, Any] = Reply(decode_infos(responses[3]["infos"]))
        # The agent to move's info is the turn's own object, so last()'s info and
        # infos[agent_selection] are one dict (PettingZoo compares them; comparing two
        # equal dicts holding mask arrays would be ambiguous).
        if turn["agent"] in infos:
            infos[turn["agent"]] = turn["info"]
        return {
            "rewards": rewards,
            "terminations": terminations,
            "truncations": truncations,
            "infos": infos,
        }

    @property
    def rewards(self) -> Reply[str, float]:  # type: ignore[override]
        """The last step's reward of every agent in the episode (a callable dict)."""
        return self._reply("rewards")

    @property
    def terminations(self) -> Reply[str, bool]:  # type: ignore[override]
        """Which agents are terminated (a callable dict)."""
        return self._reply("terminations")

    @property
    def truncations(self) -> Reply[str, bool]:  # type: ignore[override]
        """Which agents are truncated (a callable dict)."""
        return self._reply("truncations")

    @property
    def infos(self) -> Reply[str, dict[str, Any]]:  # type: ignore[override]
        """Every agent's info, ``"action_mask"`` as an int8 array (a callable dict)."""
        return self._reply("infos")

    @property
    def _cumulative_rewards(self) -> dict[str, float]:  # type: ignore[override]
        """What each agent earned since it last acted (PettingZoo's dict), from the turn:
        the server sends it for every agent whenever more than one is in the episode.
        """
        turn = self.turn
        cumulative: dict[str, float] | None = turn.get("cumulative")
        if cumulative is not None:
            return dict(cumulative)
        return {a: turn["reward"] for a in turn["agents"] if a == turn["agent"]}


HyperTokenEnv = HyperTokenAECEnv
"""The earlier package's name for :class:`HyperTokenAECEnv`."""
