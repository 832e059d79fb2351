"""One room in a peer daemon: its seating, its RoomEngine, one sync session per peer, and
its storage, driven by a transport's events.

:class:`Room` turns what arrives (:mod:`peers.transports.base` events carrying
:mod:`peers.wire` messages) into calls on the pieces below it, and sends what they say:

- before the room is sealed, :class:`peers.lobby.RoomLobby` seats the peers;
- once it is, a :class:`~hypertoken.engine.RoomEngine` folds the room's Chronicle. A peer
  that has the genesis syncs it with every peer that has the same one: Automerge's sync
  protocol, one :class:`~hypertoken.log.sync.SyncSession` per remote peer, driven by appends
  and incoming messages (after each, every dirty session sends what it has), never by a
  timer. A peer that joins without the room's genesis first gets a saved epoch
  (:class:`~peers.wire.Epoch`) and then syncs;
- this peer's own moves (:meth:`Room.play`, from its control socket) are signed, appended,
  saved crash-safely and sent, in that order, before :meth:`Room.play` returns.

Every message is hostile input: a malformed one is logged and dropped; a peer whose sync
change no honest peer writes is marked hostile and ignored from then on; the daemon keeps
running either way. Readers wait for news with :meth:`Room.wait_changed`, which wakes on
every change of the fold, never by polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import games
from hypertoken.engine import RoomEngine
from hypertoken.engine.room import SeatError
from hypertoken.engine.state import Outcome
from hypertoken.game import Game
from hypertoken.log.chronicle import Chronicle, ChronicleError, HostileChange, RoomConfig
from hypertoken.log.identity import Identity, peer_id_of
from peers.lobby import LobbyError, Out, RoomLobby
from peers.storage import RoomStore
from peers.transports.base import Message, PeerJoined, PeerLeft, Transport, TransportError
from peers.wire import Bye, Epoch, Hi, Sync, WireError, WireMessage, decode, encode

__all__ = ["Room", "make_game"]

logger = logging.getLogger(__name__)

#: Malformed messages a peer may send before the room ignores it for good.
MAX_STRIKES = 16


def make_game(name: str, version: int, players: int, options: Mapping[str, Any]) -> Game:
    """The registry's game ``name`` v``version`` with ``players`` seats and ``options``."""
    return games.game_class(name, version)(players, **dict(options))


def _infos(engine: RoomEngine) -> dict[str, Any]:
    """The game's per-seat public summary (blackjack: bankroll and stake), if it has one."""
    infos = getattr(engine.game, "infos", None)
    if infos is None or not engine.started:
        return {}
    out: dict[str, Any] = infos(engine.world)
    return out


def _wall_ms() -> int:
    return int(time.time() * 1000)


class Room:
    """One room of a peer daemon (see the module docstring).

    ``game`` is what a new room plays if this peer ends up creating it (its registrar);
    a joiner plays the room's own game. ``seat`` asks for a seat by name (None: any free
    one), ``spectate`` asks for none.
    """

    def __init__(
        self,
        name: str,
        identity: Identity,
        transport: Transport,
        store: RoomStore,
        game: Game,
        *,
        seat: str | None = None,
        spectate: bool = False,
        clock: Callable[[], int] = _wall_ms,
    ) -> None:
        self.name = name
        self.identity = identity
        self.transport = transport
        self.store = store
        self.new_game = game
        self.spectate = spectate
        self.clock = clock
        self.lobby = RoomLobby(identity, name, make_game, seat=seat, spectate=spectate, clock=clock)
        #: The room's engine, once its genesis is known.
        self.engine: RoomEngine | None = None
        #: This peer's seat (None until seated, and always for a spectator).
        self.seat: str | None = None
        #: Bumped on every change of the fold or of the seating.
        self.version = 0
        #: peer -> the genesis it said it holds (b"": none yet).
        self._genesis: dict[str, bytes] = {}
        #: Peers this connection already sent a saved epoch to.
        self._epoch_sent: set[str] = set()
        self._strikes: dict[str, int] = {}
        #: Peers ignored for good, and why (status shows them).
        self.ignored: dict[str, str] = {}
        #: Sync frames refused without marking the peer hostile (a stale or malformed one).
        self.refused_frames = 0
        #: Where this peer's copy of the room came from: "data dir", "sealed lobby" or
        #: "epoch from PEER" (a late joiner's saved epoch); "" before it has one.
        self.origin = ""
        self._changed = asyncio.Event()
        self._outboxes: dict[str, asyncio.Queue[bytes | None]] = {}
        self._senders: dict[str, asyncio.Task[None]] = {}
        self._save_due = False
        self._closed = False
        saved = store.load()
        if saved is not None:
            config, chronicle = saved
            self._open(config, chronicle)
            logger.info(
                "room %s: resumed from %s (%d entries)", name, store.path, len(self._chronicle)
            )

    # ---- state ------------------------------------------------------------------------------

    @property
    def config(self) -> RoomConfig | None:
        """The room's sealed config (None until seated)."""
        return self.engine.config if self.engine is not None else self.lobby.config

    @property
    def _chronicle(self) -> Chronicle:
        assert self.engine is not None
        return self.engine.chronicle

    @property
    def started(self) -> bool:
        """Whether the game has begun (seated, and the commit-reveal seed complete)."""
        return self.engine is not None and self.engine.started

    def _bump(self) -> None:
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_changed(self, since: int) -> int:
        """Return the version once it is past ``since`` (at once if it already is)."""
        while self.version <= since and not self._closed:
            await self._changed.wait()
        return self.version

    async def wait_started(self) -> None:
        """Return once the game has begun (or the room closed: then raise)."""
        while not self.started:
            if self._closed:
                raise TransportError("the room closed before the game began")
            await self.wait_changed(self.version)

    def status(self) -> dict[str, Any]:
        """What ``hypertoken status`` shows: room, peers and their transports, seats, the
        Chronicle's length, heads and state hash, and rejections.
        """
        engine = self.engine
        out: dict[str, Any] = {
            "room": self.name,
            "peer_id": self.identity.peer_id,
            "seat": self.seat,
            "spectator": self.spectate or (engine is not None and self.seat is None),
            "peers": self.transport.peers(),
            "ignored": dict(self.ignored),
            "seats": self.lobby.seats()
            if engine is None
            else {s: self._holder(k) for s, k in engine.config.seats.items()},
            "registrar": self.lobby.is_registrar,
            "refused": self.lobby.refused,
            "sealed": self.config is not None,
            "origin": self.origin,
            "started": self.started,
            "over": bool(engine is not None and engine.is_over),
        }
        if engine is not None:
            chronicle = engine.chronicle
            outcomes = engine.outcomes()
            rejected = [o for o in outcomes if not o.accepted]
            out.update(
                game=engine.game.info.env_id,
                genesis=engine.config.genesis.hex(),
                entries=len(chronicle.graph),
                own_entries=chronicle.graph.links_for(self.identity.peer_id)[0],
                heads={e: [h.hex() for h in chronicle.heads(e)] for e in chronicle.epochs},
                state_hash=engine.state_hash().hex(),
                rejections=[f"{o.seat} {o.move}: {o.reason}" for o in rejected][-20:],
                rewards=engine.rewards(),
                to_move=engine.current_player(),
                moves=[
                    [o.seat, o.move, list(o.args)]
                    for o in outcomes[-12:]
                    if o.accepted and not o.move.startswith("seed.")
                ],
                table=engine.render(None) if engine.started else "",
                infos=_infos(engine),
            )
        return out

    @staticmethod
    def _holder(key: bytes) -> str:
        return peer_id_of(key) if len(key) == 32 else ""

    # ---- this peer's moves ---------------------------------------------------------------------

    async def play(self, action: int) -> Outcome:
        """Sign, append and apply ``action`` for this peer's seat, save the Chronicle
        crash-safely, then send it. Raises (IllegalMoveError, SeatError, EngineError) having
        changed nothing.
        """
        engine = self.engine
        if engine is None or self.seat is None:
            raise SeatError(
                "this peer holds no seat in the room"
                + (" (it is spectating)" if self.spectate else " yet: the room is not seated")
            )
        outcome = engine.submit(action, self.seat)
        self.store.append(engine.chronicle)  # durable before it is sent or acknowledged
        self._bump()
        self._flush()
        return outcome

    # ---- events ----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Handle the transport's events until it closes."""
        async for event in self.transport.events():
            try:
                if isinstance(event, Message):
                    self._message(event.peer, event.data)
                elif isinstance(event, PeerJoined):
                    self._joined(event.peer, event.via)
                elif isinstance(event, PeerLeft):
                    self._left(event.peer, event.reason)
            except Exception:  # a bug must not take the daemon down with it
                logger.exception("room %s: failed on %r", self.name, event)
            if self._save_due or self.store.needs_compaction:
                # Remote entries are saved too, but after the readers this change woke have
                # answered (they were scheduled first): peers hold these entries already, so
                # the save is for a fast restart, not for safety, and waits its turn.
                asyncio.get_running_loop().call_soon(self._save_if_due)

    def begin(self, *, create: bool) -> None:
        """Start seating: with ``create``, make this peer the registrar when no offer is
        known (the daemon decides that no peer it reached has one).
        """
        if self.engine is None and create and self.lobby.table is None and not self.spectate:
            self._send_all(self.lobby.create(self.new_game))
            self._after_lobby()

    async def settle(self, expected: set[str], timeout: float) -> None:
        """Start seating once this peer knows whether the room has an offer: when one
        arrives, or when every peer in ``expected`` (the room's members when this peer
        arrived) has said what it holds, or after ``timeout`` seconds. With no offer known
        by then, this peer becomes the registrar.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.lobby.table is None and self.engine is None and not self._closed:
            if not expected - set(self._genesis):
                break
            left = deadline - loop.time()
            if left <= 0:
                logger.info(
                    "room %s: no word from %s; creating the room",
                    self.name,
                    sorted(expected - set(self._genesis)),
                )
                break
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.wait_changed(self.version), left)
        self.begin(create=True)

    def _joined(self, peer: str, via: str) -> None:
        logger.info("room %s: peer %s reachable via %s", self.name, peer, via)
        if peer in self.ignored:
            return
        new = peer not in self._outboxes
        if new:
            self._outboxes[peer] = asyncio.Queue()
            self._senders[peer] = asyncio.create_task(self._sender(peer))
        genesis = self.engine.config.genesis if self.engine is not None else b""
        self._send(peer, Hi(genesis, self.lobby.table is not None))
        if self.engine is None:
            self._send_all(self.lobby.joined(peer))
        else:  # sealed: a peer without the genesis asks with its Hi and gets a saved epoch
            self.lobby.connected.add(peer)
        if self.engine is not None:
            self.engine.session(peer).reset()
        self._bump()

    def _left(self, peer: str, reason: str) -> None:
        logger.info("room %s: peer %s left (%s)", self.name, peer, reason or "closed")
        self.lobby.left(peer)
        self._genesis.pop(peer, None)
        self._epoch_sent.discard(peer)
        if self.engine is not None:
            self.engine.drop_session(peer)
        box = self._outboxes.pop(peer, None)
        if box is not None:
            box.put_nowait(None)
        self._senders.pop(peer, None)
        self._bump()

    def _message(self, peer: str, data: bytes) -> None:
        if peer in self.ignored:
            return
        try:
            message = decode(data)
        except WireError as exc:
            self._strike(peer, str(exc))
            return
        if isinstance(message, Sync):
            self._sync(peer, message.frame)
        elif isinstance(message, Hi):
            self._hi(peer, message)
        elif isinstance(message, Epoch):
            self._epoch(peer, message)
        elif isinstance(message, Bye):
            logger.info("room %s: peer %s says bye (%s)", self.name, peer, message.reason)
        else:
            try:
                outs = self.lobby.receive(peer, message)
            except LobbyError as exc:
                self._strike(peer, f"a lobby message that does not hold: {exc}")
                return
            self._send_all(outs)
            self._after_lobby()

    def _strike(self, peer: str, why: str) -> None:
        n = self._strikes[peer] = self._strikes.get(peer, 0) + 1
        logger.warning("room %s: malformed message from %s: %s", self.name, peer, why)
        if n >= MAX_STRIKES:
            self._ignore(peer, f"{n} malformed messages (last: {why})")

    def _ignore(self, peer: str, why: str) -> None:
        logger.warning("room %s: dropping peer %s: %s", self.name, peer, why)
        self.ignored[peer] = why
        if self.engine is not None:
            self.engine.drop_session(peer)
        self._genesis.pop(peer, None)
        self._bump()

    def _hi(self, peer: str, hi: Hi) -> None:
        self._genesis[peer] = hi.genesis
        self._bump()
        engine = self.engine
        if engine is None:
            return
        ours = engine.config.genesis
        if not hi.genesis:
            # A late joiner: a saved epoch first, then the sync protocol from there. Once
            # per connection: a peer repeating its hi does not make us send it again.
            if peer not in self._epoch_sent:
                self._epoch_sent.add(peer)
                save = engine.chronicle.save_epoch()
                self._send(peer, Epoch(engine.config.encode(), save))
        elif hi.genesis != ours:
            logger.warning(
                "room %s: peer %s holds another genesis (%s): a different room of the same name",
                self.name,
                peer,
                hi.genesis.hex()[:16],
            )
            return
        engine.session(peer).reset()
        self._flush()

    def _epoch(self, peer: str, message: Epoch) -> None:
        if self.engine is not None:
            return
        try:
            config = RoomConfig.decode(message.config)
            chronicle = Chronicle.load(message.save, expect=config)
        except ChronicleError as exc:
            self._strike(peer, f"a saved epoch that does not load: {exc}")
            return
        if config.room != self.name:
            self._strike(peer, f"a saved epoch of room {config.room!r}")
            return
        claim = self.lobby.config
        if claim is not None and claim != config:
            self._strike(peer, "a saved epoch of another genesis than the sealed one")
            return
        logger.info("room %s: bootstrapped from %s's saved epoch", self.name, peer)
        self._open(config, chronicle)
        self.origin = f"epoch from {peer}"
        self._announce()

    def _sync(self, peer: str, frame: bytes) -> None:
        engine = self.engine
        if engine is None or self._genesis.get(peer) != engine.config.genesis:
            return  # not (yet) in the same room; the Hi exchange restarts the protocol
        before = engine.chronicle.version
        try:
            engine.receive_sync_message(peer, frame)
        except HostileChange as exc:
            self._ignore(peer, f"hostile: {exc}")
            return
        except ChronicleError as exc:
            self.refused_frames += 1
            self._strike(peer, str(exc))
            return
        if engine.chronicle.version != before:
            self._save_due = True
            self._bump()
        self._flush()

    # ---- the room's genesis -------------------------------------------------------------------

    def _after_lobby(self) -> None:
        self._bump()
        config = self.lobby.config
        if config is not None and self.engine is None:
            self._open(config, None)
            self.origin = "sealed lobby"
            self._announce()

    def _open(self, config: RoomConfig, chronicle: Chronicle | None) -> None:
        """Build the engine over the room's Chronicle (new, saved or bootstrapped)."""
        if chronicle is None:
            chronicle = Chronicle.create(config)
        game = games.for_room(config)
        engine = RoomEngine(game, chronicle, self.identity, clock=self.clock)
        self.engine = engine
        seats = engine.my_seats
        self.seat = seats[0] if seats and not seats[0].startswith("@") else None
        if self.seat is None and not self.spectate and not self.lobby.refused:
            self.lobby.refused = (
                "the room has started and every seat is held: join with --spectate to "
                "watch (this peer follows it read-only)"
            )
            logger.warning("room %s: %s", self.name, self.lobby.refused)
        self.store.save_config(config)
        if self.seat is not None:
            engine.start()  # the seed commitment (idempotent after a restart)
        self.store.save(chronicle)
        logger.info(
            "room %s: %s (genesis %s)",
            self.name,
            f"seated at {self.seat}" if self.seat else "watching",
            config.genesis.hex()[:16],
        )
        self._bump()

    def _announce(self) -> None:
        """Tell every peer we now hold the genesis, so the sync protocol starts."""
        assert self.engine is not None
        for peer in list(self._outboxes):
            self._send(peer, Hi(self.engine.config.genesis, True))
        self._flush()

    # ---- sending -------------------------------------------------------------------------------

    def _flush(self) -> None:
        """Send what every dirty sync session has (after any change)."""
        engine = self.engine
        if engine is None:
            return
        genesis = engine.config.genesis
        for peer in list(self._outboxes):
            if self._genesis.get(peer) != genesis:
                continue
            session = engine.session(peer)
            while session.dirty:
                frame = session.generate()
                if frame is None:
                    break
                self._send(peer, Sync(frame))

    def _send(self, peer: str, message: WireMessage) -> None:
        box = self._outboxes.get(peer)
        if box is not None and peer != self.identity.peer_id:
            box.put_nowait(encode(message))

    def _send_all(self, outs: list[Out]) -> None:
        for peer, message in outs:
            if peer is None:
                for p in list(self._outboxes):
                    self._send(p, message)
            else:
                self._send(peer, message)

    async def _sender(self, peer: str) -> None:
        box = self._outboxes[peer]
        while (data := await box.get()) is not None:
            try:
                await self.transport.send(peer, data)
            except TransportError as exc:
                logger.info("room %s: send to %s failed: %s", self.name, peer, exc)

    def _save_if_due(self) -> None:
        engine = self.engine
        if engine is None:
            return
        if self._save_due:
            self._save_due = False
            self.store.append(engine.chronicle)
        if self.store.needs_compaction:
            self.store.save(engine.chronicle)

    async def close(self) -> None:
        """Say bye to every peer, flush what is queued, save, and stop the senders."""
        if self._closed:
            return
        for peer in list(self._outboxes):
            self._send(peer, Bye("shutting down"))
            self._outboxes[peer].put_nowait(None)
        senders = list(self._senders.values())
        if senders:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.gather(*senders, return_exceptions=True), 5.0)
        if self.engine is not None:
            self.store.save(self.engine.chronicle)
        self.store.close()
        self._closed = True
        self._bump()
