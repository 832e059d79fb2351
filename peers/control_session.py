"""One control connection to a peer daemon's seat: :class:`RoomSession` (see
:mod:`peers.control` for the semantics of room mode, and :class:`RoomLike` for what it
needs of the room).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from hypertoken.control.convert import plain
from hypertoken.control.session import RequestIds, failure, identified, peek_id
from hypertoken.engine.room import RoomEngine, SeatError
from hypertoken.engine.state import Outcome
from hypertoken.game import IllegalMoveError
from hypertoken.protocol.control import (
    REPLY_TURN,
    ControlError,
    ErrorCode,
    decode_json,
    decode_msgpack,
    encode_frame,
    encode_json,
)

__all__ = ["HostLike", "RoomLike", "RoomSession"]

_OK: dict[str, Any] = {"ok": True}

Handler = Callable[[Mapping[str, Any]], Awaitable[dict[str, Any]]]


class RoomLike(Protocol):
    """What a session needs of the daemon's room (``peers.room.Room``)."""

    seat: str | None
    version: int
    engine: RoomEngine | None

    def status(self) -> dict[str, Any]:
        """Room, peers, seats, the Chronicle's length, heads, state hash, rejections."""

    async def wait_changed(self, since: int) -> int:
        """Return once ``version > since`` (a version not past it: the room closed)."""

    async def wait_started(self) -> None:
        """Return once the engine exists and the room's seed is complete."""

    async def play(self, action: int) -> Outcome:
        """Sign, append, persist and sync a move of this peer's seat (raises having
        changed nothing: IllegalMoveError, SeatError)."""


class HostLike(Protocol):
    """What a session needs of its host (:class:`peers.control.RoomHost`)."""

    room: RoomLike

    def env_info(self, engine: RoomEngine) -> dict[str, Any]:
        """What ``env_info`` answers."""

    def ended(self, session: RoomSession) -> None:
        """``session``'s connection ended."""


class RoomSession:
    """One connection to a room's seat (see the module docstring): requests in, responses
    out, in order; a request that waits is awaited (the server runs one at a time per
    connection and cancels the wait when the connection ends).
    """

    def __init__(self, host: HostLike, *, require_ids: bool = False) -> None:
        self.host = host
        self.room = host.room
        self.require_ids = require_ids
        self.ids = RequestIds(require_ids)
        self._closed = False
        #: The seat's reward total when it last moved: last()'s reward counts from there.
        self._banked = 0.0
        #: The seat stepped out (step None) after the game ended.
        self._out = False
        self._handlers: dict[str, Handler] = {
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
            "rewards": self._rewards,
            "terminations": self._terminations,
            "truncations": self._truncations,
            "infos": self._infos,
            "render": self._render,
            "close": self._ok,
            "ping": self._ping,
            "env_info": self._env_info,
            "step_all": self._one_seat,
            "observe_all": self._one_seat,
            "state_hash": self._state_hash,
            "auth": self._ok,  # the transport checked the token before the session existed
            "status": self._status,
        }

    # ---- entry points ------------------------------------------------------------------

    async def answer(self, request: object) -> dict[str, Any]:
        """The response to one decoded request (never raises on bad input; a wait is
        cancelled with the task awaiting it).
        """
        request_id = peek_id(request)
        try:
            req = self.ids.parse(request)
            request_id = req.id
            response = await self._handlers[req.cmd](req.args)
        except Exception as exc:  # cancellation is not an Exception: a wait ends with it
            return failure(exc, request, request_id)
        return identified(response, request_id)

    async def answer_json(self, text: str) -> str:
        """One WebSocket text frame in, the response's text out."""
        try:
            request = decode_json(text)
        except ControlError as exc:
            return encode_json(exc.response())
        return encode_json(await self.answer(request))

    async def answer_msgpack(self, body: bytes) -> bytes:
        """One msgpack frame body in, the response's whole frame out."""
        try:
            request = decode_msgpack(body)
        except ControlError as exc:
            return encode_frame(exc.response())
        return encode_frame(await self.answer(request))

    def close(self) -> None:
        """The connection ended."""
        if not self._closed:
            self._closed = True
            self.host.ended(self)

    # ---- waiting -----------------------------------------------------------------------

    async def _wait(self, since: int) -> None:
        if await self.room.wait_changed(since) <= since:
            raise ControlError(ErrorCode.EPISODE_OVER, "the room closed")

    async def _engine(self) -> RoomEngine:
        """The room's engine once the game has started (waiting for it)."""
        engine = self.room.engine
        if engine is None or not engine.started:
            await self.room.wait_started()
            engine = self.room.engine
            assert engine is not None
        return engine

    async def _seat(self) -> tuple[RoomEngine, str]:
        """The engine and this connection's seat; a spectator's request is refused."""
        engine = await self._engine()
        seat = self.room.seat
        if seat is None:
            refused = self.room.status().get("refused")
            raise ControlError(
                ErrorCode.READ_ONLY,
                "this daemon holds no seat in the room"
                + (f" ({refused})" if refused else " (it spectates)")
                + ": its control socket reads (status, agents, render, state_hash) but "
                "cannot observe a seat or move; run the peer with --seat to play",
            )
        return engine, seat

    async def _my_turn(self) -> tuple[RoomEngine, str]:
        """Wait until this seat is to move or the game is over."""
        while True:
            version = self.room.version
            engine, seat = await self._seat()
            if engine.is_over or _can_move(engine, seat):
                return engine, seat
            await self._wait(version)

    def _for_seat(self, args: Mapping[str, Any], engine: RoomEngine, seat: str) -> str:
        agent: str = args["agent"]
        seats = list(engine.config.seats)
        if agent not in seats:
            raise ControlError(
                ErrorCode.BAD_FIELD, f"agent must be one of {seats}, not {agent!r}", "agent"
            )
        if agent != seat:
            raise ControlError(
                ErrorCode.NOT_YOUR_SEAT,
                f"this connection plays {seat}: it sees {seat}'s view only, not {agent}'s",
                "agent",
            )
        return agent

    # ---- the turn ----------------------------------------------------------------------

    def _info(self, engine: RoomEngine, seat: str) -> dict[str, Any]:
        infos = getattr(engine.game, "infos", None)
        out: dict[str, Any] = {}
        if infos is not None:
            out.update(plain(infos(engine.world).get(seat, {})))
        out["action_mask"] = [int(x) for x in engine.legal_mask(seat)]
        return out

    def _turn(self, engine: RoomEngine, seat: str) -> dict[str, Any]:
        """What the next ``last()``, ``agent_selection`` and ``action_mask`` answer."""
        over = engine.is_over
        truncated = over and engine.truncated
        observation = plain(engine.game.player_view(engine.world, seat))
        if self._out:  # stepped out: the episode is over for this connection
            return {
                "agent": seat,
                "agents": [],
                "observation": observation,
                "reward": 0.0,
                "terminated": not truncated,
                "truncated": truncated,
                "info": {},
                "mask": [False] * engine.game.info.num_actions,
            }
        turn = {
            "agent": seat,
            "agents": [seat],
            "observation": observation,
            "reward": float(engine.rewards().get(seat, 0.0)) - self._banked,
            "terminated": over and not truncated,
            "truncated": truncated,
            "info": self._info(engine, seat),
            "mask": [bool(x) for x in engine.legal_mask(seat)],
        }
        if over:
            turn["finished"] = {}  # nobody else to step out on this connection
        return turn

    async def _with_turn(self, args: Mapping[str, Any]) -> dict[str, Any]:
        if args.get("reply") != REPLY_TURN:
            return _OK
        engine, seat = await self._my_turn()
        return {"ok": True, "turn": self._turn(engine, seat)}

    # ---- commands ----------------------------------------------------------------------

    async def _reset(self, args: Mapping[str, Any]) -> dict[str, Any]:
        if args.get("seed") is not None:
            raise ControlError(
                ErrorCode.BAD_FIELD,
                "a room's seed is its commit-reveal: send reset without a seed",
                "seed",
            )
        await self._engine()
        self._out = False
        return await self._with_turn(args)

    async def _step(self, args: Mapping[str, Any]) -> dict[str, Any]:
        action = args["action"]
        engine = self.room.engine
        if engine is None or not engine.started:
            raise ControlError(
                ErrorCode.NOT_STARTED,
                "the room's game has not started (seats are being claimed or the seed "
                "drawn): reset or agent_selection wait for it",
            )
        engine, seat = await self._seat()  # started: returns at once
        if engine.is_over:
            if action is None:  # the finished seat steps out
                self._out = True
                return await self._with_turn(args)
            raise ControlError(ErrorCode.EPISODE_OVER, "the room's game is over")
        if action is None:
            raise ControlError(
                ErrorCode.BAD_ACTION,
                f"a null action steps out a finished agent, and {seat}'s game is not over",
                "action",
            )
        if not _can_move(engine, seat):
            raise ControlError(ErrorCode.NOT_YOUR_SEAT, _not_yours(engine, seat))
        num = engine.game.info.num_actions
        if not 0 <= action < num:
            raise ControlError(
                ErrorCode.BAD_ACTION,
                f"action {action} is outside {engine.game.info.env_id}'s actions 0..{num - 1}",
                "action",
            )
        banked = float(engine.rewards().get(seat, 0.0))
        try:
            await self.room.play(action)
        except IllegalMoveError as exc:
            raise ControlError(ErrorCode.ILLEGAL_MOVE, f"illegal move: {exc}", "action") from None
        except SeatError as exc:
            raise ControlError(ErrorCode.NOT_YOUR_SEAT, str(exc)) from None
        self._banked = banked
        return await self._with_turn(args)

    async def _observe(self, args: Mapping[str, Any]) -> dict[str, Any]:
        engine, seat = await self._seat()
        agent = self._for_seat(args, engine, seat)
        return {"observation": plain(engine.game.player_view(engine.world, agent))}

    async def _last(self, args: Mapping[str, Any]) -> dict[str, Any]:
        engine, seat = await self._my_turn()
        turn = self._turn(engine, seat)
        return {
            "observation": turn["observation"] if args.get("observe", True) else None,
            "reward": turn["reward"],
            "terminated": turn["terminated"],
            "truncated": turn["truncated"],
            "info": turn["info"],
        }

    async def _agents(self, args: Mapping[str, Any]) -> dict[str, Any]:
        engine = self.room.engine
        if engine is not None and engine.is_over:
            return {"agents": []}
        seat = self.room.seat
        if seat is not None:
            return {"agents": [seat]}
        if engine is None or not engine.started:
            engine = await self._engine()  # a spectator, or not seated yet
            return await self._agents(args)
        return {"agents": list(engine.config.seats)}  # a spectator sees every seat play

    async def _possible_agents(self, args: Mapping[str, Any]) -> dict[str, Any]:
        engine = await self._engine()
        return {"possible_agents": list(engine.config.seats)}

    async def _agent_selection(self, args: Mapping[str, Any]) -> dict[str, Any]:
        engine = await self._engine()
        if self.room.seat is None:  # a spectator: who is to move, without waiting
            return {"agent": engine.current_player() or next(iter(engine.config.seats))}
        engine, seat = await self._my_turn()
        return {"agent": seat}

    async def _observation_space(self, args: Mapping[str, Any]) -> dict[str, Any]:
        info = self.host.env_info(await self._engine())
        return {"space": dict(info["observation_spaces"][self._known(args, info)])}

    async def _action_space(self, args: Mapping[str, Any]) -> dict[str, Any]:
        info = self.host.env_info(await self._engine())
        return {"space": dict(info["action_spaces"][self._known(args, info)])}

    @staticmethod
    def _known(args: Mapping[str, Any], info: Mapping[str, Any]) -> str:
        agent: str = args["agent"]
        if agent not in info["possible_agents"]:
            raise ControlError(
                ErrorCode.BAD_FIELD,
                f"agent must be one of {info['possible_agents']}, not {agent!r}",
                "agent",
            )
        return agent

    async def _action_mask(self, args: Mapping[str, Any]) -> dict[str, Any]:
        engine, seat = await self._seat()
        agent = self._for_seat(args, engine, seat)
        return {"mask": [bool(x) for x in engine.legal_mask(agent)]}

    async def _rewards(self, args: Mapping[str, Any]) -> dict[str, Any]:
        engine = await self._engine()
        return {"rewards": {s: float(r) for s, r in engine.rewards().items()}}

    async def _terminations(self, args: Mapping[str, Any]) -> dict[str, Any]:
        engine = await self._engine()
        done = engine.is_over and not engine.truncated
        return {"terminations": dict.fromkeys(engine.config.seats, done)}

    async def _truncations(self, args: Mapping[str, Any]) -> dict[str, Any]:
        engine = await self._engine()
        cut = engine.is_over and engine.truncated
        return {"truncations": dict.fromkeys(engine.config.seats, cut)}

    async def _infos(self, args: Mapping[str, Any]) -> dict[str, Any]:
        engine = await self._engine()
        seat = self.room.seat
        infos: dict[str, Any] = {s: {} for s in engine.config.seats}
        if seat is not None:
            infos[seat] = self._info(engine, seat)
        return {"infos": infos}

    async def _render(self, args: Mapping[str, Any]) -> dict[str, Any]:
        engine = await self._engine()
        return {"ok": True, "text": engine.render(self.room.seat)}

    async def _ok(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return _OK

    async def _ping(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return {"pong": int(time.time() * 1000)}

    async def _env_info(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return self.host.env_info(await self._engine())

    async def _one_seat(self, args: Mapping[str, Any]) -> dict[str, Any]:
        raise ControlError(
            ErrorCode.BAD_REQUEST,
            "a room's control socket plays one seat per connection: use step and observe "
            "(step_all and observe_all are for hypertoken serve)",
        )

    async def _state_hash(self, args: Mapping[str, Any]) -> dict[str, Any]:
        engine = self.room.engine
        if engine is None:
            engine = await self._engine()
        return {"hash": engine.state_hash().hex()}

    async def _status(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return {"mode": "room", "seat": self.room.seat, **plain(self.room.status())}


def _can_move(engine: RoomEngine, seat: str) -> bool:
    """Whether ``seat`` may move now (in games where any seat may move: has not yet)."""
    return engine.is_to_move(seat) and bool(engine.legal_mask(seat).any())


def _not_yours(engine: RoomEngine, seat: str) -> str:
    current = engine.current_player()
    if current is not None and current != seat:
        return f"it is {current}'s turn; this connection plays {seat}"
    return f"{seat} may not move now (it has moved this round); this connection plays {seat}"
