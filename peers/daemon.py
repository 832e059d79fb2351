"""The peer daemon's one wiring point: :func:`run`.

``run(config, shutdown=event)`` builds everything a peer is, starts it, and takes it down
again when ``shutdown`` is set:

1. the data directory (locked for this process) and the peer's identity in it;
2. the transport: the relay's WebSocket for signalling, with WebRTC data channels per
   peer pair on top (each pair falls back to the relay when ICE does not connect);
3. the room (:class:`peers.room.Room`): seating, the Chronicle, sync, storage;
4. the control socket (:mod:`peers.control`), bound to this peer's seat, for bots.

Its tasks run in one TaskGroup. Signals only set ``shutdown`` (the CLI installs the
handlers). Shutdown saves the Chronicle, says ``bye`` to every peer, closes the control
socket, then the transports, in that order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import games
from hypertoken.game import Game
from hypertoken.log.identity import Identity
from peers.config import ConfigError, PeerConfig, default_data_root
from peers.identity import load_identity
from peers.room import Room
from peers.storage import DataDirLocked, RoomStore, lock_data_dir
from peers.transports.base import Transport, TransportError
from peers.transports.relay import RelayTransport

__all__ = ["Ready", "TaskGroup", "build_game", "pick_data_dir", "run"]

logger = logging.getLogger(__name__)


class _TaskGroup:
    """``asyncio.TaskGroup`` for Python 3.10: tracks tasks; on exit waits for them, and the
    first failure cancels the rest and is raised.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def create_task(
        self, coro: Coroutine[Any, Any, Any], *, name: str | None = None
    ) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        return task

    async def __aenter__(self) -> _TaskGroup:
        return self

    async def __aexit__(self, *exc: object) -> None:
        pending = set(self._tasks)
        if exc[0] is not None:
            for t in pending:
                t.cancel()
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            failed = [t for t in done if not t.cancelled() and t.exception() is not None]
            if failed:
                for t in pending:
                    t.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                raise failed[0].exception()  # type: ignore[misc]


TaskGroup: Any = getattr(asyncio, "TaskGroup", _TaskGroup)  # Python 3.11+, else the above


@dataclass(frozen=True)
class Ready:
    """What a started daemon tells whoever launched it (the CLI prints it as JSON)."""

    peer_id: str
    room: str
    data_dir: str
    control: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "event": "ready",
            "peer_id": self.peer_id,
            "room": self.room,
            "data_dir": self.data_dir,
            "control": list(self.control),
        }


def build_game(config: PeerConfig) -> Game:
    """The game a new room would play: ``config.game`` with its options and seats (the
    game's minimum, at least two where it allows, unless ``players`` says).
    """
    try:
        cls = games.game_class(config.game)
    except Exception as exc:
        raise ConfigError(f"--game: {exc}") from None
    info = cls.info
    players = config.players or max(info.min_players, min(2, info.max_players))
    try:
        return cls(players, **dict(config.options))
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{config.game} with {players} players and {dict(config.options)}: {exc}"
        ) from None


def pick_data_dir(config: PeerConfig) -> tuple[Path, int]:
    """The data directory and its lock: ``config.data_dir``, or the first automatic
    profile (``default_data_root()/1``, ``/2``...) no running daemon holds.
    """
    if config.data_dir is not None:
        return config.data_dir, lock_data_dir(config.data_dir)
    root = default_data_root()
    for n in range(1, 1000):
        path = root / str(n)
        try:
            return path, lock_data_dir(path)
        except DataDirLocked:
            continue
    raise DataDirLocked(f"every profile under {root} is in use: pass --data-dir")


def _transport(config: PeerConfig, relay: RelayTransport) -> Transport:
    if not config.webrtc:
        return relay
    from aiortc import RTCIceServer

    from peers.transports.webrtc import WebRTCTransport

    servers = [RTCIceServer(s.urls, s.username, s.credential) for s in config.ice_servers]
    hosts = list(config.ice_host_addresses) if config.ice_host_addresses is not None else None
    return WebRTCTransport(
        relay,
        ice_servers=servers,
        connect_timeout=config.connect_timeout,
        host_addresses=hosts,
    )


async def run(
    config: PeerConfig,
    *,
    shutdown: asyncio.Event,
    on_ready: Callable[[Ready], None] | None = None,
) -> None:
    """Run one peer daemon for ``config`` until ``shutdown`` is set (see the module
    docstring). Raises :class:`~peers.config.ConfigError` (or a transport's error) when it
    cannot start.
    """
    if config.relay is None:
        raise ConfigError(
            "give --relay ws://HOST:PORT: the relay introduces the peers of a room "
            "(hypertoken relay runs one)"
        )
    game = build_game(config)
    data_dir, lock = pick_data_dir(config)
    try:
        identity = load_identity(data_dir)
        store = RoomStore(data_dir, config.join)
        relay = _relay(config, identity)
        room = Room(
            config.join,
            identity,
            _transport(config, relay),
            store,
            game,
            seat=config.seat,
            spectate=config.spectate,
        )
        from hypertoken.control.servers import ControlServer
        from peers.control import RoomHost

        control_urls = config.control
        if control_urls is None:
            control_urls = (f"unix://{data_dir / 'control.sock'}",)
        if len(control_urls) > 1:
            raise ConfigError("one --control socket per daemon (add --control-port for WebSocket)")
        server = ControlServer(
            RoomHost(room),
            unix=control_urls[0][len("unix://") :] if control_urls else None,
            port=config.control_port,
            token=config.control_token,
        )
        await room.transport.connect()
        members = set(relay.members()) - {identity.peer_id}
        try:
            async with TaskGroup() as tasks:
                tasks.create_task(_stay_connected(config, room, shutdown), name="room")
                urls = await server.start()
                ready = Ready(identity.peer_id, config.join, str(data_dir), tuple(urls))
                logger.info("peer %s in room %s; control %s", identity.peer_id, config.join, urls)
                if on_ready is not None:
                    on_ready(ready)
                tasks.create_task(
                    room.settle(members, timeout=config.connect_timeout + 2.0), name="settle"
                )
                await shutdown.wait()
                logger.info("peer %s shutting down", identity.peer_id)
                await room.close()
                await server.close()
                await room.transport.close()
        finally:
            with contextlib.suppress(Exception):
                await room.transport.close()
    finally:
        os.close(lock)


def _relay(config: PeerConfig, identity: Identity) -> RelayTransport:
    assert config.relay is not None
    return RelayTransport(
        config.relay,
        identity,
        config.join,
        token=config.token,
        room_token=config.room_token,
        connect_timeout=config.connect_timeout,
    )


#: Seconds between attempts to reach the relay again: doubling from the first to the last.
RECONNECT_DELAYS = (0.2, 8.0)


async def _stay_connected(config: PeerConfig, room: Room, shutdown: asyncio.Event) -> None:
    """Run the room over its transport; when the transport ends without a shutdown (the
    relay restarted or the network dropped), reach the relay again with a new transport,
    backing off, and go on: the room, its Chronicle and the control socket carry on, and
    the peers resync from where they were.
    """
    delay, longest = RECONNECT_DELAYS
    while True:
        await room.run()
        if shutdown.is_set():
            return
        logger.warning("room %s: lost the relay; reconnecting", room.name)
        while not shutdown.is_set():
            transport = _transport(config, _relay(config, room.identity))
            try:
                await transport.connect()
            except TransportError as exc:
                logger.info(
                    "room %s: relay unreachable (%s); next try in %.1f s", room.name, exc, delay
                )
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(shutdown.wait(), delay)
                delay = min(longest, delay * 2)
                continue
            logger.warning("room %s: reconnected to the relay", room.name)
            room.transport = transport
            delay = RECONNECT_DELAYS[0]
            break
        if shutdown.is_set():
            return
