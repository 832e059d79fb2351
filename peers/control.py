"""The control socket in room mode: a peer daemon's seat, driven by bots and training code.

The daemon mounts :class:`~hypertoken.control.servers.ControlServer` around a
:class:`RoomHost`; every connection gets a :class:`RoomSession` bound to the daemon's seat
(``room.seat``), speaking the protocol of :mod:`hypertoken.protocol.control` (its section
"Room mode"). The client is the one ``hypertoken serve`` has: ``HyperTokenAECEnv`` against
a daemon iterates over this seat's turns only, and waits, without polling, while the other
peers move (the session awaits ``room.wait_changed``).

The room is any object shaped like :class:`RoomLike` (the daemon's ``peers.room.Room``):

- ``agents`` is ``[seat]`` until the game is over, then ``[]``; the combined reply keeps
  PettingZoo's list, so the finished seat is iterated once more, to read its terminal
  reward and step ``None``;
- ``agent_selection``, ``last``, ``reset`` and the combined reply of ``step`` wait until the
  seat is to move or the game is over (``reset`` first waits for the room to start);
- ``step`` for a seat not to move is refused naming both seats; a refused move changes
  nothing (the room's ``play`` raises before it writes);
- ``observe`` and ``action_mask`` answer for this connection's seat only, from
  ``game.player_view(world, seat)``; ``last()``'s reward is what the seat earned since it
  last moved; ``rewards`` are each seat's total so far;
- a spectator (``room.seat`` None once the room started) may read (``status``, ``agents``,
  ``render``, the spaces, ``state_hash``) and nothing else.

:func:`run_bot` and :func:`play_policy` (from :mod:`peers.bot`, exported here too) attach a
:class:`~hypertoken.policies.Policy` to a control socket (a daemon's seat, or every seat of a
``hypertoken serve`` env), which is what ``hypertoken bot`` runs.
"""

from __future__ import annotations

import time
from typing import Any

from hypertoken.control.convert import plain, space_to_dict
from hypertoken.engine.room import RoomEngine
from hypertoken.envs.spaces import action_space, observation_space
from hypertoken.protocol.control import PROTOCOL_VERSION
from peers.bot import BotResult, game_of, play_policy, run_bot
from peers.control_session import RoomLike, RoomSession

__all__ = [
    "BotResult",
    "RoomHost",
    "RoomLike",
    "RoomSession",
    "game_of",
    "play_policy",
    "run_bot",
]


class RoomHost:
    """The control server's host in a peer daemon: one :class:`RoomSession` per connection,
    all on the daemon's one room (which the daemon owns: :meth:`close` leaves it open).
    """

    def __init__(self, room: RoomLike) -> None:
        self.room = room
        self.started = time.monotonic()
        #: Open sessions.
        self.connections = 0
        self._closed = False
        self._info: dict[str, Any] | None = None

    def session(self, *, require_ids: bool = False) -> RoomSession:
        """A session for a new connection (``require_ids``: msgpack's increasing ids)."""
        if self._closed:
            raise RuntimeError("this host is closed")
        self.connections += 1
        return RoomSession(self, require_ids=require_ids)

    def env_info(self, engine: RoomEngine) -> dict[str, Any]:
        """What ``env_info`` answers: the room's game, as ``hypertoken serve`` describes an
        env, plus ``"mode": "room"`` and this daemon's ``"seat"`` (a new dict each time).
        """
        if self._info is None:
            game = engine.game
            config = engine.config
            obs, act = space_to_dict(observation_space(game)), space_to_dict(action_space(game))
            seats = list(config.seats)
            self._info = {
                "env_type": game.info.name,
                "env_id": game.info.env_id,
                "env_options": plain({**config.options, "num_players": len(seats)}),
                "possible_agents": seats,
                "observation_spaces": dict.fromkeys(seats, obs),
                "action_spaces": dict.fromkeys(seats, act),
                "num_actions": game.info.num_actions,
                "simultaneous": game.info.simultaneous,
                "protocol": PROTOCOL_VERSION,
                "mode": "room",
                "room": config.room,
            }
        return {**self._info, "seat": self.room.seat}

    def ended(self, session: RoomSession) -> None:
        """``session``'s connection ended."""
        self.connections -= 1

    def health(self) -> dict[str, Any]:
        """What ``GET /health`` answers."""
        engine = self.room.engine
        return {
            "status": "healthy",
            "uptime": round(time.monotonic() - self.started, 3),
            "mode": "room",
            "room": engine.config.room if engine is not None else None,
            "seat": self.room.seat,
            "started": bool(engine is not None and engine.started),
            "connections": self.connections,
        }

    def close(self) -> None:
        """No more sessions (the room stays the daemon's)."""
        self._closed = True
