"""The control socket's session, sans-IO: one connection's requests in, responses out.

A server (``hypertoken serve``, later every peer daemon) owns an
:class:`~hypertoken.control.host.EnvHost`, which builds the environments, and gives each
connection a :class:`ControlSession`. The transport hands each decoded frame to
:meth:`ControlSession.handle` (or the whole text or frame body to
:meth:`~ControlSession.handle_json` / :meth:`~ControlSession.handle_msgpack`) and sends back
what it returns. The session never raises on bad input: every request gets exactly one
response, and an error response (:mod:`hypertoken.protocol.control`) changes nothing.

The env behind a session is the PettingZoo AEC env of :mod:`hypertoken.envs` (its bare
observation, ``mask_in_obs=False``; masks through ``action_mask``), so a remote game plays
exactly as the in-process one, state hash for state hash::

    >>> from hypertoken.control import EnvHost
    >>> host = EnvHost("tictactoe", seed=7)
    >>> session = host.session()
    >>> session.handle({"cmd": "step", "action": 4})
    {'ok': True}
    >>> session.handle({"cmd": "agent_selection"})
    {'agent': 'player_1'}
    >>> session.handle({"cmd": "step", "action": 4})["code"]
    'illegal_move'
    >>> host.close()
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from hypertoken.control.convert import plain
from hypertoken.envs import EpisodeOverError, RawEnv
from hypertoken.envs.aec import render_text
from hypertoken.game import IllegalMoveError
from hypertoken.protocol.control import (
    REPLY_TURN,
    ControlError,
    ErrorCode,
    Request,
    decode_json,
    decode_msgpack,
    encode_frame,
    encode_json,
    parse_request,
)

__all__ = ["ControlSession", "Host", "RequestIds"]

log = logging.getLogger("hypertoken.control")

_OK: dict[str, Any] = {"ok": True}


class RequestIds:
    """One connection's request checks: :func:`parse_request`, then the rule that ids
    (msgpack's, or WebSocket's when given) increase, so a replayed or reused id is refused.
    """

    def __init__(self, require_ids: bool) -> None:
        self.require_ids = require_ids
        self.last = -1

    def parse(self, request: object) -> Request:
        """The checked request; raises :class:`ControlError` (and remembers nothing)."""
        req = parse_request(request, require_id=self.require_ids)
        if req.id is not None:
            if req.id <= self.last:
                raise ControlError(
                    ErrorCode.DUPLICATE_ID,
                    f"id {req.id} is not greater than the last id {self.last}: "
                    "give each request a new, increasing id",
                    "id",
                )
            self.last = req.id
        return req


def peek_id(request: object) -> object:
    """The ``id`` a decoded request carries, before it is checked (for its error)."""
    return request.get("id") if isinstance(request, dict) else None


def failure(exc: Exception, request: object, request_id: object) -> dict[str, Any]:
    """The error response to ``request`` for ``exc``: a refusal's own, or, for a failure
    the checks did not foresee (logged), an internal error; with the id when it is one.
    """
    rid = request_id if type(request_id) is int else None
    if isinstance(exc, ControlError):
        return exc.response(rid)
    log.exception("control request %r failed", request)
    return ControlError(ErrorCode.INTERNAL, f"the server failed on this request: {exc!r}").response(
        rid
    )


def identified(response: dict[str, Any], request_id: object) -> dict[str, Any]:
    """``response`` with the request's id, when it had one (a copy: handlers may answer
    with shared maps).
    """
    return response if request_id is None else {**response, "id": request_id}


class Host(Protocol):
    """What a session needs of the host that made it (:class:`~hypertoken.control.host.EnvHost`)."""

    def env_info(self) -> dict[str, Any]:
        """What ``env_info`` answers."""

    def spaces(self, agent: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """``agent``'s observation and action space maps."""

    def ended(self, session: ControlSession) -> None:
        """``session``'s connection ended."""


class ControlSession:
    """One connection's requests against its env (see the module docstring)."""

    def __init__(
        self,
        host: Host,
        env: RawEnv,
        *,
        require_ids: bool = False,
        seats: Iterable[str] | None = None,
    ) -> None:
        self.host = host
        self.env = env
        self.require_ids = require_ids
        self.seats = None if seats is None else frozenset(seats)
        #: Checks each request and that its id (if any) is past the last one.
        self.ids = RequestIds(require_ids)
        self._closed = False
        self._possible = tuple(env.possible_agents)
        self._simultaneous = env.game.info.simultaneous
        self._handlers: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
            "reset": self._reset,
            "step": self._step,
            "observe": self._observe,
            "last": self._last,
            "agents": self._agents,
            "possible_agents": self._possible_agents,
            "agent_selection": self._agent_selection,
            "observation_space": self._observation_space,
            "action_space": self._action_space,
            "action_mask": self._action_mask,
            "rewards": lambda _: {"rewards": plain(self.env.rewards)},
            "terminations": lambda _: {"terminations": dict(self.env.terminations)},
            "truncations": lambda _: {"truncations": dict(self.env.truncations)},
            "infos": lambda _: {"infos": plain(self.env.infos)},
            "render": self._render,
            "close": self._close_env,
            "ping": lambda _: {"pong": int(time.time() * 1000)},
            "env_info": lambda _: host.env_info(),
            "step_all": self._step_all,
            "observe_all": self._observe_all,
            "state_hash": lambda _: {"hash": self.env.episode.engine.state_hash().hex()},
            "auth": self._auth,
            "status": self._status,
        }

    # ---- entry points ------------------------------------------------------------------

    def handle(self, request: object) -> dict[str, Any]:
        """The response to one decoded request (never raises on bad input)."""
        request_id = peek_id(request)
        try:
            req = self.ids.parse(request)
            request_id = req.id
            response = self._handlers[req.cmd](req.args)
        except Exception as exc:
            return failure(exc, request, request_id)
        return identified(response, request_id)

    def handle_json(self, text: str | bytes) -> str:
        """One WebSocket text frame in, the response's text out."""
        try:
            request = decode_json(text)
        except ControlError as exc:
            return encode_json(exc.response())
        return encode_json(self.handle(request))

    def handle_msgpack(self, body: bytes) -> bytes:
        """One msgpack frame body in, the response's whole frame out."""
        try:
            request = decode_msgpack(body)
        except ControlError as exc:
            return encode_frame(exc.response())
        return encode_frame(self.handle(request))

    def close(self) -> None:
        """The connection ended: write its env's unfinished recording."""
        if not self._closed:
            self._closed = True
            self.host.ended(self)

    # ---- checks ------------------------------------------------------------------------

    def _agent(self, args: Mapping[str, Any]) -> str:
        agent: str = args["agent"]
        if agent not in self._possible:
            raise ControlError(
                ErrorCode.BAD_FIELD,
                f"agent must be one of {list(self._possible)}, not {agent!r}",
                "agent",
            )
        return agent

    def _may_move(self, agent: str) -> None:
        if self.seats is not None and agent not in self.seats:
            raise ControlError(
                ErrorCode.NOT_YOUR_SEAT,
                f"{agent} is to move, and this connection plays {sorted(self.seats)} only",
            )

    def _play(self, play: Callable[[], None]) -> None:
        """Run an env step, turning its refusals into errors (it changes nothing then)."""
        try:
            play()
        except (IllegalMoveError, EpisodeOverError, ValueError, TypeError) as exc:
            raise _refusal(exc) from None

    # ---- commands ----------------------------------------------------------------------

    def _reset(self, args: Mapping[str, Any]) -> dict[str, Any]:
        seed = args.get("seed")
        try:
            self.env.reset(seed=seed)
        except ValueError as exc:
            raise ControlError(ErrorCode.BAD_FIELD, str(exc), "seed") from None
        return self._with_turn(args)

    def _step(self, args: Mapping[str, Any]) -> dict[str, Any]:
        env = self.env
        action = args["action"]
        if not env.agents:
            raise ControlError(
                ErrorCode.EPISODE_OVER,
                "every agent is done: send reset to start the next episode",
            )
        agent = env.agent_selection
        if action is not None:
            self._may_move(agent)
        try:
            env.step(action)
        except (IllegalMoveError, EpisodeOverError, ValueError, TypeError) as exc:
            raise _refusal(exc) from None
        return self._with_turn(args)

    def _with_turn(self, args: Mapping[str, Any]) -> dict[str, Any]:
        if args.get("reply") != REPLY_TURN:
            return _OK
        return {"ok": True, "turn": self._turn()}

    def _turn(self) -> dict[str, Any]:
        """What the next ``last()``, ``agent_selection`` and ``action_mask`` answer."""
        env = self.env
        agent = env.agent_selection
        observation = env.observe(agent).tolist()
        agents = env.agents
        if agent in agents:
            info = plain(env._info(agent))  # only the agent to move's (infos builds all)
            mask = info.get("action_mask")
            if type(mask) is not list:
                mask = env.action_mask(agent).tolist()
            done_t, done_r = env.terminations, env.truncations
            terminated, truncated = done_t[agent], done_r[agent]
            turn = {
                "agent": agent,
                "agents": list(agents),
                "observation": observation,
                "reward": env._cumulative_rewards[agent],
                "terminated": terminated,
                "truncated": truncated,
                "info": info,
                "mask": [m != 0 for m in mask],
            }
            if len(agents) == 1:  # the agent to move: finished, it has no one else to list
                if terminated or truncated:
                    turn["finished"] = {}
                return turn
            turn["cumulative"] = dict(env._cumulative_rewards)
            if all(done_t[a] or done_r[a] for a in agents):
                # Every agent is finished: their steps out change nothing but `agents`, so
                # a client may play them without waiting for the answers.
                turn["finished"] = {a: self._last_of(a) for a in agents if a != agent}
            return turn
        over = env.episode.truncated
        return {  # every agent has stepped out: the episode is over
            "agent": agent,
            "agents": [],
            "observation": observation,
            "reward": 0.0,
            "terminated": not over,
            "truncated": over,
            "info": {},
            "mask": [False] * env.game.info.num_actions,
        }

    def _last_of(self, agent: str) -> dict[str, Any]:
        """``agent``'s last() and mask (for the ``finished`` agents of a turn)."""
        env = self.env
        info = plain(env.infos[agent])
        return {
            "observation": env.observe(agent).tolist(),
            "reward": env._cumulative_rewards[agent],
            "terminated": env.terminations[agent],
            "truncated": env.truncations[agent],
            "info": info,
            "mask": list(map(bool, env.action_mask(agent).tolist())),
        }

    def _observe(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return {"observation": self.env.observe(self._agent(args)).tolist()}

    def _last(self, args: Mapping[str, Any]) -> dict[str, Any]:
        turn = self._turn()
        return {
            "observation": turn["observation"] if args.get("observe", True) else None,
            "reward": turn["reward"],
            "terminated": turn["terminated"],
            "truncated": turn["truncated"],
            "info": turn["info"],
        }

    def _agents(self, args: Mapping[str, Any]) -> dict[str, Any]:
        env = self.env
        done_t, done_r = env.terminations, env.truncations
        return {"agents": [a for a in env.agents if not (done_t.get(a) or done_r.get(a))]}

    def _possible_agents(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return {"possible_agents": list(self._possible)}

    def _agent_selection(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return {"agent": self.env.agent_selection}

    def _observation_space(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return {"space": dict(self.host.spaces(self._agent(args))[0])}

    def _action_space(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return {"space": dict(self.host.spaces(self._agent(args))[1])}

    def _action_mask(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return {"mask": (self.env.action_mask(self._agent(args)) != 0).tolist()}

    def _render(self, args: Mapping[str, Any]) -> dict[str, Any]:
        text = render_text(self.env.episode, "ansi")
        return {"ok": True, "text": text}

    def _close_env(self, args: Mapping[str, Any]) -> dict[str, Any]:
        self.env.close()
        return _OK

    def _auth(self, args: Mapping[str, Any]) -> dict[str, Any]:
        # The transport checks the token before a session exists; once here, it passed.
        return _OK

    def _status(self, args: Mapping[str, Any]) -> dict[str, Any]:
        env = self.env
        info = self.host.env_info()
        return {
            "mode": "serve",
            "env_type": info.get("env_type"),
            "env_id": info.get("env_id"),
            "agents": list(env.agents),
            "agent_selection": env.agent_selection,
            "over": not env.agents,
            "state_hash": env.episode.engine.state_hash().hex(),
        }

    def _observe_all(self, args: Mapping[str, Any]) -> dict[str, Any]:
        env = self.env
        agents = list(env.agents)
        return {
            "observations": {a: env.observe(a).tolist() for a in agents},
            "infos": plain({a: env.infos[a] for a in agents}),
            "agents": agents,
        }

    def _step_all(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """A Parallel step (see :mod:`hypertoken.protocol.control`): in a simultaneous game
        every agent still playing acts; in a turn-based one the agent to move does (the
        others' entries are not used). Everything is checked before the first move.
        """
        env = self.env
        actions: Mapping[str, int] = args["actions"]
        live = [a for a in env.agents if not (env.terminations[a] or env.truncations[a])]
        if not live:
            raise ControlError(
                ErrorCode.EPISODE_OVER, "every agent is done: send reset to start the next episode"
            )
        acting = live if self._simultaneous else [env.agent_selection]
        missing = [a for a in acting if a not in actions]
        if missing:
            raise ControlError(
                ErrorCode.BAD_FIELD,
                f"actions needs an action for each of {acting}; missing {missing}",
                "actions",
            )
        stray = [a for a in actions if a not in live]
        if stray:
            raise ControlError(
                ErrorCode.BAD_FIELD, f"actions names agents not playing: {stray}", "actions"
            )
        for agent in acting:
            self._may_move(agent)
            action = actions[agent]
            try:
                env.episode.action(action)
            except ValueError as exc:
                raise ControlError(ErrorCode.BAD_ACTION, str(exc), f"actions.{agent}") from None
            mask = env.action_mask(agent)
            if not mask[action]:
                raise ControlError(
                    ErrorCode.ILLEGAL_MOVE,
                    f"illegal move: action {action} is not legal for {agent} now "
                    f"(legal: {[int(i) for i in mask.nonzero()[0]]})",
                    f"actions.{agent}",
                )
        totals = dict.fromkeys(env.agents, 0.0)
        pending = list(acting)
        while env.agents and pending:
            agent = env.agent_selection
            if env.terminations[agent] or env.truncations[agent]:
                break
            if agent not in pending:
                break
            pending.remove(agent)
            self._play(lambda: env.step(actions[agent]))  # noqa: B023 (called at once)
            for a, r in env.rewards.items():
                totals[a] = totals.get(a, 0.0) + r
        agents = list(env.agents)
        out = {
            "observations": {a: env.observe(a).tolist() for a in agents},
            "rewards": totals,
            "terminations": {a: env.terminations[a] for a in agents},
            "truncations": {a: env.truncations[a] for a in agents},
            "infos": plain({a: env.infos[a] for a in agents}),
        }
        while env.agents:  # finished agents step out, as a Parallel env drops them
            agent = env.agent_selection
            if not (env.terminations[agent] or env.truncations[agent]):
                break
            env.step(None)
        out["agents"] = [a for a in env.agents]
        return out


def _refusal(exc: Exception) -> ControlError:
    """The error response for an env's refusal of a step (which changed nothing)."""
    if isinstance(exc, IllegalMoveError):
        return ControlError(ErrorCode.ILLEGAL_MOVE, f"illegal move: {exc}", "action")
    if isinstance(exc, EpisodeOverError):
        return ControlError(ErrorCode.EPISODE_OVER, str(exc))
    return ControlError(ErrorCode.BAD_ACTION, str(exc), "action")
