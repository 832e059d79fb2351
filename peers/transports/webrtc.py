"""The WebRTC transport: aiortc data channels to each peer, signalled through the relay.

A :class:`WebRTCTransport` wraps a :class:`~peers.transports.relay.RelayTransport`: the
room's membership, the signalling path and the fallback. For every member, the peer with
the lower id creates an ``RTCPeerConnection`` with one ordered, reliable data channel and
offers; the other answers. aiortc gathers all candidates before a local description is
set, so offers and answers carry them (trickled "ice" signals are still applied). When the
channel opens the peer joins with ``via="webrtc"``.

Fallback, per pair (when ``fallback`` is on): if ICE fails, the channel closes, a
description has no candidates, or nothing opens within ``connect_timeout``, the pair uses
the relay (``PeerJoined(via="relay")``, and :meth:`WebRTCTransport.peers` says "relay").
A peer sends over the relay only once its side fell back, so a relay message moves this
side at once: both ends converge without a message of their own, and a relay-only peer
works too. A later ``PeerJoined`` for a peer means its path changed.

Each state change of a pair emits its event in the same step, with no await between, so
events for one peer stay in order whichever callback moves the pair; its connection is
closed afterwards. Data channel messages are at most 262,144 bytes, so messages travel as
frames of :mod:`peers.transports.chunks`; a peer whose frames break the rules is dropped
(``PeerLeft``) and logged. :meth:`WebRTCTransport.close` sends a goodbye frame on each
channel, so the others report ``PeerLeft`` at once instead of falling back. A peer that
leaves the relay leaves here; losing the relay ends the transport (make a new one).

``host_addresses`` (e.g. ``["127.0.0.1"]`` for peers on one machine: aioice offers no
loopback candidates) gathers only those host candidates, through a process-wide hook on
aioice that is scoped to each transport's negotiations (:mod:`peers.transports.ice`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCConfiguration, RTCDataChannel, RTCIceServer, RTCPeerConnection

from peers.transports import ice
from peers.transports.base import (
    MAX_MESSAGE,
    Event,
    Message,
    PeerJoined,
    PeerLeft,
    Transport,
    TransportError,
)
from peers.transports.chunks import ChunkError, Reassembler, split
from peers.transports.relay import RelayTransport
from peers.transports.stream import EventStream

__all__ = ["WebRTCTransport"]

logger = logging.getLogger(__name__)

#: The data channel's label (both ends see it; a channel with another label is refused).
CHANNEL_LABEL = "hypertoken"

#: Sends wait while more than this many bytes are queued on a channel ...
_HIGH_WATER = 1024 * 1024
#: ... until the queue is down to this many.
_LOW_WATER = 256 * 1024
#: Seconds close() gives the goodbye frames to leave before the connections close.
_BYE_DRAIN = 1.0
#: The goodbye frame: not a chunk kind, so it cannot be mistaken for data.
_BYE = b"\xff"
#: Signals queued for one pair before it has handled them; more are dropped (a flood).
_MAX_PENDING_SIGNALS = 64

# Pair states: negotiating; on the channel; on the relay; gone (left, dropped, or failed
# without fallback; kept until the relay says the peer left, so stray signals are ignored).
_CONNECTING = "connecting"
_WEBRTC = "webrtc"
_RELAY = "relay"
_GONE = "gone"


class _Failed(Exception):
    """A negotiation that cannot succeed; the message says why."""


@dataclass(frozen=True, slots=True)
class _Signal:
    kind: str
    data: str
    mid: str | None
    mline: int | None


_OPENED = object()  # queued to a pair's negotiation when its channel opens


@dataclass(eq=False)
class _Pair:
    """This peer's link to one remote peer."""

    peer: str
    offerer: bool
    state: str = _CONNECTING
    pc: RTCPeerConnection | None = None
    channel: RTCDataChannel | None = None
    task: asyncio.Task[None] | None = None
    inbox: asyncio.Queue[object] = field(
        default_factory=lambda: asyncio.Queue(_MAX_PENDING_SIGNALS)
    )
    reassembler: Reassembler = field(default_factory=Reassembler)
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    writable: asyncio.Event = field(default_factory=asyncio.Event)
    started: float = 0.0


class WebRTCTransport(Transport):
    """This peer's data channels to one room's other peers (see the module docstring).

    Args:
        signalling: the relay transport to the room; it carries the signals and the
            fallback, and is connected by :meth:`connect` and closed by :meth:`close`.
        ice_servers: STUN/TURN servers (default none: host candidates only).
        connect_timeout: seconds a pair may take to open its channel before it falls back.
        fallback: use the relay for a pair whose channel cannot open (else that peer
            stays unreachable, with a warning).
        host_addresses: gather only these host candidate addresses (see the module
            docstring); None lets aioice choose.
    """

    kind = "webrtc"

    def __init__(
        self,
        signalling: RelayTransport,
        *,
        ice_servers: list[RTCIceServer] | None = None,
        connect_timeout: float = 10.0,
        fallback: bool = True,
        host_addresses: list[str] | None = None,
    ) -> None:
        self._signalling = signalling
        self._ice_servers = list(ice_servers or [])
        self._connect_timeout = connect_timeout
        self._fallback = fallback
        self._host_addresses = tuple(host_addresses) if host_addresses is not None else None
        self._pairs: dict[str, _Pair] = {}
        self._stream = EventStream()
        self._tasks: set[asyncio.Task[None]] = set()  # the reader and the negotiations
        self._closers: set[asyncio.Task[None]] = set()  # connections being closed
        self._connect_lock = asyncio.Lock()
        self._connected = False
        self._closed = False
        # Registered now, so no offer is missed if the relay transport is already connected.
        signalling.on_signal(self._on_signal)

    # --- Transport ----------------------------------------------------------------------------

    @property
    def peer_id(self) -> str:
        """This peer's id (the signalling relay transport's)."""
        return self._signalling.peer_id

    async def connect(self) -> None:
        """Join the room through the relay and start negotiating with every member.

        Returns once the relay has let us in; each peer joins later, by its
        ``PeerJoined`` event. Idempotent; raises :class:`TransportError` if the relay
        refuses or this transport is closed.
        """
        async with self._connect_lock:
            if self._closed:
                raise TransportError("the WebRTC transport is closed; make a new one")
            if self._connected:
                return
            await self._signalling.connect()
            self._connected = True
            self._spawn(self._read_relay(), self._tasks)

    async def send(self, peer: str, data: bytes) -> None:
        """Send one message to ``peer`` over its channel (in frames), or over the relay if
        the pair fell back. Waits while the channel's buffer is full.

        Raises :class:`TransportError` if this transport is closed, the message is over
        :data:`~peers.transports.base.MAX_MESSAGE`, or ``peer`` is not connected (or its
        path fails while the message is going out).
        """
        if self._closed:
            raise TransportError("the WebRTC transport is closed; make a new one")
        if len(data) > MAX_MESSAGE:
            raise TransportError(
                f"message of {len(data)} bytes is over the {MAX_MESSAGE}-byte limit; "
                "send less at once"
            )
        pair = self._pairs.get(peer)
        if pair is None or pair.state not in (_WEBRTC, _RELAY):
            raise TransportError(
                f"peer {peer!r} is not connected (connected: {sorted(self.peers()) or 'none'})"
            )
        async with pair.send_lock:  # one message's frames go out together, in order
            if pair.state == _RELAY:
                await self._signalling.send(peer, data)
                return
            for frame in split(bytes(data)):
                channel = await self._buffered_down_to(pair, _HIGH_WATER)
                channel.send(frame)

    async def close(self) -> None:
        """Say goodbye on every channel, close every connection and the relay transport,
        and end the event stream. Idempotent."""
        if self._closed:
            return
        self._closed = True
        open_pairs = [p for p in self._pairs.values() if p.state == _WEBRTC and p.channel]
        for pair in open_pairs:
            assert pair.channel is not None
            with contextlib.suppress(Exception):
                pair.channel.send(_BYE)
        if open_pairs:
            drains = asyncio.gather(
                *(self._buffered_down_to(pair, 0) for pair in open_pairs), return_exceptions=True
            )
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(drains, _BYE_DRAIN)
        for pair in self._pairs.values():
            pair.state = _GONE
            self._release(pair)
        self._pairs.clear()
        try:
            await self._signalling.close()
        finally:
            current = asyncio.current_task()
            tasks = [task for task in self._tasks if task is not current]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, *self._closers, return_exceptions=True)
            self._stream.end()

    def events(self) -> AsyncIterator[Event]:
        """The events, in order; the stream ends after :meth:`close`."""
        return self._stream.__aiter__()

    def peers(self) -> dict[str, str]:
        """The peers reachable now -> "webrtc" or "relay" (a pair that fell back)."""
        return {p.peer: p.state for p in self._pairs.values() if p.state in (_WEBRTC, _RELAY)}

    def connection(self, peer: str) -> RTCPeerConnection | None:
        """The live ``RTCPeerConnection`` to ``peer``, if any (for diagnostics and tests)."""
        pair = self._pairs.get(peer)
        return pair.pc if pair is not None else None

    # --- the relay: membership, fallback messages, signals ------------------------------------

    async def _read_relay(self) -> None:
        async for event in self._signalling.events():
            if self._closed:
                return
            try:
                self._on_relay_event(event)
            except Exception:
                logger.exception("webrtc transport failed to handle %r; dropped", event)
        if not self._closed:  # every member has left with the relay: nothing is reachable
            logger.warning("webrtc transport %s lost its relay; closing", self.peer_id)
            await self.close()

    def _on_relay_event(self, event: Event) -> None:
        if isinstance(event, PeerJoined):
            if event.peer not in self._pairs:
                self._new_pair(event.peer)
        elif isinstance(event, PeerLeft):
            pair = self._pairs.pop(event.peer, None)
            if pair is not None:
                joined = pair.state in (_WEBRTC, _RELAY)
                pair.state = _GONE
                if joined:
                    self._stream.put(PeerLeft(event.peer, event.reason))
                self._release(pair)
        else:
            self._on_relay_message(event)

    def _on_relay_message(self, message: Message) -> None:
        pair = self._pairs.get(message.peer)
        if pair is None or pair.state == _GONE:
            logger.warning("dropped a relay message from %s, not connected", message.peer)
            return
        if pair.state != _RELAY:
            # The peer sends over the relay only once its side of the pair fell back.
            if not self._fallback:
                logger.warning("dropped a relay message from %s: fallback is off", message.peer)
                return
            self._to_relay(pair, "the peer fell back to the relay")
        self._stream.put(message)

    def _on_signal(
        self, peer: str, kind: str, data: str, mid: str | None, mline: int | None
    ) -> None:
        """A signal from ``peer`` (called by the relay transport's reader: never blocks)."""
        if self._closed:
            return
        pair = self._pairs.get(peer)
        if pair is None:
            # An offer can come before the relay's PeerJoined reaches our reader.
            if kind != "offer" or peer not in self._signalling.members():
                logger.warning("dropped a %s signal from %s: no negotiation", kind, peer)
                return
            pair = self._new_pair(peer)
        if pair.state != _CONNECTING:
            logger.debug("ignored a late %s signal from %s", kind, peer)
            return
        try:
            pair.inbox.put_nowait(_Signal(kind, data, mid, mline))
        except asyncio.QueueFull:
            logger.warning("dropped a %s signal from %s: too many pending", kind, peer)

    # --- negotiation --------------------------------------------------------------------------

    def _new_pair(self, peer: str) -> _Pair:
        pair = _Pair(peer, offerer=self.peer_id < peer)
        pair.started = asyncio.get_running_loop().time()
        self._pairs[peer] = pair
        pair.task = self._spawn(self._negotiate(pair), self._tasks)
        return pair

    async def _negotiate(self, pair: _Pair) -> None:
        """Open the pair's channel or fall back; runs as the pair's task."""
        ice.use_host_addresses(self._host_addresses)  # this task's context, and its children's
        try:
            await asyncio.wait_for(self._handshake(pair), self._connect_timeout)
        except asyncio.TimeoutError:
            reason = f"no data channel within {self._connect_timeout:g} s"
        except _Failed as exc:
            reason = str(exc)
        except Exception as exc:
            logger.exception("webrtc negotiation with %s failed", pair.peer)
            reason = f"negotiation failed ({type(exc).__name__})"
        else:
            return
        if pair.state == _CONNECTING and self._pairs.get(pair.peer) is pair:
            self._fail(pair, reason)

    async def _handshake(self, pair: _Pair) -> None:
        """Offer (or wait for the offer and answer) and apply signals until the channel
        opens (the channel's callbacks move the pair; this returns on their word)."""
        pc = RTCPeerConnection(RTCConfiguration(iceServers=self._ice_servers))
        pair.pc = pc
        pc.on("connectionstatechange", lambda: self._on_pc_state(pair, pc))
        if pair.offerer:
            self._attach(pair, pc.createDataChannel(CHANNEL_LABEL, ordered=True))
            sdp = await ice.offer(pc)
            await self._signalling.signal(pair.peer, "offer", sdp)
            _check_candidates(sdp, "local")
        else:
            pc.on("datachannel", lambda channel: self._on_datachannel(pair, pc, channel))
        while True:
            item = await pair.inbox.get()
            if item is _OPENED:
                return
            if isinstance(item, _Failed):
                raise item
            assert isinstance(item, _Signal)
            await self._apply(pair, pc, item)

    async def _apply(self, pair: _Pair, pc: RTCPeerConnection, signal: _Signal) -> None:
        """Apply one signal from the remote peer; a bad one fails the negotiation."""
        try:
            if signal.kind == "offer" and not pair.offerer and pc.remoteDescription is None:
                _check_candidates(signal.data, "remote")
                sdp = await ice.answer(pc, signal.data)
                await self._signalling.signal(pair.peer, "answer", sdp)
                _check_candidates(sdp, "local")
            elif signal.kind == "answer" and pc.signalingState == "have-local-offer":
                _check_candidates(signal.data, "remote")
                await ice.accept(pc, signal.data)
            elif signal.kind == "ice" and pc.remoteDescription is not None:
                candidate = ice.signal_candidate(signal.data, signal.mid, signal.mline)
                await pc.addIceCandidate(candidate)
            else:
                logger.debug("ignored an unexpected %s signal from %s", signal.kind, pair.peer)
        except (_Failed, TransportError):
            raise
        except Exception as exc:  # hostile or broken SDP: no connection with this peer
            raise _Failed(f"bad {signal.kind} from the peer ({exc})") from exc

    def _attach(self, pair: _Pair, channel: RTCDataChannel) -> None:
        pair.channel = channel
        channel.on("open", lambda: self._on_open(pair, channel))
        channel.on("message", lambda message: self._on_frame(pair, channel, message))
        channel.on("close", lambda: self._on_channel_closed(pair, channel))
        channel.on("bufferedamountlow", pair.writable.set)
        if channel.readyState == "open":
            self._on_open(pair, channel)

    def _on_datachannel(self, pair: _Pair, pc: RTCPeerConnection, channel: RTCDataChannel) -> None:
        if pc is not pair.pc or pair.channel is not None or channel.label != CHANNEL_LABEL:
            logger.warning("closed an unexpected data channel from %s", pair.peer)
            channel.close()
            return
        self._attach(pair, channel)

    # --- channel and connection callbacks (each state change emits its event at once) ---------

    def _current(self, pair: _Pair, channel: RTCDataChannel) -> bool:
        return self._pairs.get(pair.peer) is pair and pair.channel is channel

    def _on_open(self, pair: _Pair, channel: RTCDataChannel) -> None:
        if not self._current(pair, channel) or pair.state != _CONNECTING or self._closed:
            return
        pair.state = _WEBRTC
        elapsed = asyncio.get_running_loop().time() - pair.started
        logger.info("webrtc channel to %s open after %.3f s", pair.peer, elapsed)
        self._stream.put(PeerJoined(pair.peer, _WEBRTC))
        with contextlib.suppress(asyncio.QueueFull):
            pair.inbox.put_nowait(_OPENED)

    def _on_frame(self, pair: _Pair, channel: RTCDataChannel, frame: bytes | str) -> None:
        if not self._current(pair, channel):
            return
        if pair.state == _CONNECTING and channel.readyState == "open":
            self._on_open(pair, channel)  # data can only follow the remote's open
        if pair.state != _WEBRTC:
            return
        if isinstance(frame, str):
            self._drop(pair, "sent text on the data channel")
            return
        if frame == _BYE:
            self._leave(pair, "closed")
            return
        try:
            message = pair.reassembler.feed(frame)
        except ChunkError as exc:
            self._drop(pair, f"malformed chunk stream: {exc}")
            return
        if message is not None:
            self._stream.put(Message(pair.peer, message))

    def _on_channel_closed(self, pair: _Pair, channel: RTCDataChannel) -> None:
        pair.writable.set()  # a sender or close() waiting on this channel's buffer moves on
        if self._current(pair, channel):
            self._path_failed(pair, "the data channel closed")

    def _on_pc_state(self, pair: _Pair, pc: RTCPeerConnection) -> None:
        state = pc.connectionState
        if pc is pair.pc and self._pairs.get(pair.peer) is pair and state in ("failed", "closed"):
            self._path_failed(pair, f"the connection {state}")

    def _path_failed(self, pair: _Pair, reason: str) -> None:
        if self._closed:
            return
        if pair.state == _CONNECTING:
            with contextlib.suppress(asyncio.QueueFull):
                pair.inbox.put_nowait(_Failed(reason))
        elif pair.state == _WEBRTC:
            self._fail(pair, reason)

    def _fail(self, pair: _Pair, reason: str) -> None:
        """The channel cannot open or was lost: fall back to the relay, or give up."""
        if self._fallback and pair.peer in self._signalling.members():
            self._to_relay(pair, reason)
        elif pair.state == _WEBRTC:
            self._leave(pair, reason)
        else:
            if not self._fallback:
                logger.warning("no channel to %s (%s); fallback is off", pair.peer, reason)
            pair.state = _GONE
            self._release(pair)

    def _to_relay(self, pair: _Pair, reason: str) -> None:
        logger.info("peer %s falls back to the relay: %s", pair.peer, reason)
        pair.state = _RELAY
        self._stream.put(PeerJoined(pair.peer, _RELAY))
        self._release(pair)

    def _drop(self, pair: _Pair, reason: str) -> None:
        """A peer that broke the channel's rules leaves until it rejoins the relay."""
        logger.warning("dropped peer %s: %s", pair.peer, reason)
        self._leave(pair, reason)

    def _leave(self, pair: _Pair, reason: str) -> None:
        pair.state = _GONE
        self._stream.put(PeerLeft(pair.peer, reason))
        self._release(pair)

    # --- plumbing -----------------------------------------------------------------------------

    def _release(self, pair: _Pair) -> None:
        """Stop the pair's negotiation (unless it is the caller) and close its connection
        in the background; wake any sender waiting on it."""
        task, pair.task = pair.task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        pc, channel = pair.pc, pair.channel
        pair.pc = pair.channel = None
        pair.writable.set()
        if channel is not None:
            channel.remove_all_listeners()
        if pc is not None:
            self._spawn(self._close_pc(pair.peer, pc), self._closers)

    async def _close_pc(self, peer: str, pc: RTCPeerConnection) -> None:
        try:
            await pc.close()
        except Exception:
            logger.exception("closing the connection to %s failed", peer)

    async def _buffered_down_to(self, pair: _Pair, limit: int) -> RTCDataChannel:
        """The pair's channel once at most ``limit`` bytes wait in its buffer (0: all
        handed to SCTP); TransportError if the pair left the channel meanwhile."""
        while True:
            channel = pair.channel
            if pair.state != _WEBRTC or channel is None or channel.readyState != "open":
                raise TransportError(
                    f"the channel to {pair.peer!r} closed while a message was going out; "
                    "send it again once the peer rejoins"
                )
            if channel.bufferedAmount <= limit:
                return channel
            channel.bufferedAmountLowThreshold = min(_LOW_WATER, limit)
            pair.writable.clear()
            await pair.writable.wait()

    def _spawn(
        self, coro: Coroutine[Any, Any, None], tasks: set[asyncio.Task[None]]
    ) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return task


def _check_candidates(sdp: str, side: str) -> None:
    """Fail at once when no ICE pair can form: the timeout would only delay the fallback."""
    if ice.missing_candidates(sdp):
        raise _Failed(f"the {side} description has no ICE candidates")
