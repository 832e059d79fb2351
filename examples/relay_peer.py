"""A small example peer: joins a room through the HyperToken relay and talks to its members.

It shows the whole relay conversation from the peer's side:

1. connect to the relay's WebSocket and read its ``challenge``;
2. answer with ``hello``, signed with a fresh Ed25519 key (the peer id derives from the key);
3. ``join`` a room and wait until enough members are there (from the ``peers`` updates: the
   full list when it joins, then who joined or left);
4. send ``--messages`` payloads to the room with ``relay`` (split into parts when a payload is
   bigger than one frame) and read the members' payloads, putting parts back together;
   anything a member sends is untrusted: a payload that is not one of ours (or parts that do
   not fit together) is reported and skipped, never a crash;
5. say ``bye`` and exit 0 once it has sent its messages and received every other member's,
   or keep going with ``--forever``.

Run two of them against a relay::

    hypertoken relay --port 8080 &
    python examples/relay_peer.py --name alice --room demo &
    python examples/relay_peer.py --name bob --room demo

The compose ``examples`` profile runs exactly this. Until the peer daemon exists, it stands in
for a real peer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass, field

import aiohttp
import msgpack
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hypertoken.protocol import (
    RELAY_PROTOCOL_VERSION,
    Bye,
    Challenge,
    Error,
    Hello,
    Join,
    Peers,
    ProtocolError,
    Reassembler,
    Relay,
    RelayMessage,
    Welcome,
    decode,
    encode,
    hello_signed_bytes,
    peer_id_from_key,
    split_payload,
)


@dataclass
class Options:
    """What the example peer does; one field per command-line flag."""

    url: str  # the relay's WebSocket URL
    room: str  # the room to join
    name: str  # a display name, sent inside the payloads
    token: str | None  # the relay's auth token, if it has one
    room_token: str | None  # the room's join token (creates a private room if new)
    peers: int  # members (this one included) to wait for before sending
    messages: int  # payloads to send to the room
    payload_bytes: int  # filler bytes per payload (bigger than a frame: sent in parts)
    forever: bool  # keep running after the exchange, sending a payload every --interval
    interval: float  # seconds between payloads with --forever
    timeout: float  # give up (exit 1) after this many seconds
    connect_attempts: int  # tries to reach the relay, one second apart


@dataclass
class Progress:
    """What this peer has seen so far."""

    members: dict[str, str] = field(default_factory=dict)  # peer id -> name, when known
    received: dict[str, int] = field(default_factory=dict)  # peer id -> payloads received
    sent: int = 0


def say(options: Options, text: str) -> None:
    """Print one line, prefixed with this peer's name."""
    print(f"{options.name}: {text}", flush=True)


async def connect(
    session: aiohttp.ClientSession, options: Options
) -> aiohttp.ClientWebSocketResponse[bool]:
    """Open the WebSocket, retrying while the relay starts up."""
    for attempt in range(1, options.connect_attempts + 1):
        try:
            return await session.ws_connect(options.url, max_msg_size=0, heartbeat=None)
        except aiohttp.ClientError as exc:
            if attempt == options.connect_attempts:
                raise
            say(options, f"relay not reachable yet ({exc}); retrying")
            await asyncio.sleep(1.0)  # a retry delay, not polling for state
    raise AssertionError("unreachable")


async def receive(ws: aiohttp.ClientWebSocketResponse[bool]) -> RelayMessage:
    """Return the next relay message; raise ConnectionError when the relay closes.

    A frame that does not decode raises :class:`ProtocolError`.
    """
    msg = await ws.receive()
    if msg.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
        return decode(msg.data)
    raise ConnectionError(f"relay closed the connection ({ws.close_code})")


MAX_NAME_LEN = 64


def read_payload(payload: bytes) -> tuple[str, int] | None:
    """Return (name, number) from one of our payloads, or None if it is not one.

    The bytes come from another member, so they are decoded with tight limits (one flat map,
    no arrays) and every field is checked: a bad payload costs nothing and crashes nothing.
    """
    try:
        body = msgpack.unpackb(
            payload, raw=False, max_map_len=8, max_array_len=0, max_ext_len=0, max_str_len=4096
        )
    except (ValueError, TypeError, msgpack.UnpackException):  # hostile bytes: not ours
        return None
    if not isinstance(body, dict):
        return None
    name, number = body.get("name"), body.get("n")
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME_LEN or not name.isprintable():
        return None
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        return None
    return name, number


def on_peers(message: Peers, me: str, progress: Progress, options: Options) -> None:
    """Take one ``peers`` update: the full member list, or a delta.

    The relay sends the full list to the peer whose join or leave it answers (``joined`` or
    ``left`` is this peer, or neither is set), and to everyone else only who joined (listed)
    or who left.
    """
    full = message.joined == me or message.left == me
    if full or (message.joined is None and message.left is None):
        progress.members = {m.peer: progress.members.get(m.peer, "?") for m in message.members}
    else:
        if message.joined is not None:
            for member in message.members:
                progress.members.setdefault(member.peer, "?")
            progress.members.setdefault(message.joined, "?")
        if message.left is not None:
            progress.members.pop(message.left, None)
    say(options, f"room {message.room!r} has {len(progress.members)} member(s)")


def on_relay(message: Relay, joiner: Reassembler, progress: Progress, options: Options) -> None:
    """Take one ``relay`` part from a member: count and report the payload it completes."""
    sender = message.sender or "?"
    try:
        payload = joiner.feed(message)
    except ProtocolError as exc:
        say(options, f"skipped parts from {sender}: {exc}")
        return
    if payload is None or message.sender is None:
        return
    body = read_payload(payload)
    if body is None:
        say(options, f"skipped a payload from {sender} that is not ours ({len(payload)} B)")
        return
    name, number = body
    progress.members[message.sender] = name
    progress.received[message.sender] = progress.received.get(message.sender, 0) + 1
    say(options, f"got payload {number} from {name} ({len(payload)} B)")


async def handshake(ws: aiohttp.ClientWebSocketResponse[bool], options: Options) -> tuple[str, int]:
    """Answer the challenge; return this peer's id and the relay's frame size limit."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    peer = peer_id_from_key(public)
    challenge = await receive(ws)
    if not isinstance(challenge, Challenge):
        raise RuntimeError(f"expected a challenge from the relay, got {challenge!r}")
    sig = key.sign(hello_signed_bytes(challenge.nonce, peer, public))
    hello = Hello(
        version=RELAY_PROTOCOL_VERSION, peer=peer, key=public, sig=sig, auth=options.token
    )
    await ws.send_bytes(encode(hello))
    welcome = await receive(ws)
    if isinstance(welcome, Error):
        raise RuntimeError(f"relay refused hello: {welcome.code}: {welcome.message}")
    if not isinstance(welcome, Welcome):
        raise RuntimeError(f"expected welcome, got {welcome!r}")
    return peer, welcome.max_message_bytes


async def send_payload(
    ws: aiohttp.ClientWebSocketResponse[bool], options: Options, seq: int, frame_limit: int
) -> None:
    """Send payload number ``seq`` to the room, in parts if it is bigger than one frame."""
    body = msgpack.packb({"name": options.name, "n": seq, "fill": b"\x00" * options.payload_bytes})
    for part in split_payload(options.room, body, seq=seq, max_message_bytes=frame_limit):
        await ws.send_bytes(encode(part))


def done(progress: Progress, options: Options) -> bool:
    """True once this peer sent its messages and got every other member's."""
    others = [p for p in progress.received if p in progress.members]
    return (
        progress.sent >= options.messages
        and len(others) >= options.peers - 1
        and all(progress.received[p] >= options.messages for p in others)
    )


async def run(options: Options) -> int:
    """Run the example peer; return the process exit status."""
    async with aiohttp.ClientSession() as session:
        ws = await connect(session, options)
        me, frame_limit = await handshake(ws, options)
        say(options, f"connected as {me}")
        await ws.send_bytes(encode(Join(room=options.room, token=options.room_token)))
        progress, joiner = Progress(), Reassembler()
        while True:
            if options.forever and progress.sent >= options.messages:
                try:  # after the exchange: one more payload whenever it is quiet this long
                    message = await asyncio.wait_for(receive(ws), timeout=options.interval)
                except asyncio.TimeoutError:
                    await send_payload(ws, options, progress.sent, frame_limit)
                    progress.sent += 1
                    continue
                except ProtocolError as exc:
                    say(options, f"skipped a frame from the relay: {exc}")
                    continue
            else:
                try:
                    message = await receive(ws)
                except ProtocolError as exc:  # a newer relay's message, or a broken frame
                    say(options, f"skipped a frame from the relay: {exc}")
                    continue
            if isinstance(message, Peers):
                on_peers(message, me, progress, options)
            elif isinstance(message, Relay):
                on_relay(message, joiner, progress, options)
            elif isinstance(message, Error):
                say(options, f"relay error {message.code}: {message.message}")
                if message.code in ("room-token", "room-full", "too-many-rooms"):
                    return 1
            elif isinstance(message, Bye):
                say(options, f"relay said bye ({message.reason})")
                return 0 if options.forever else 1
            if len(progress.members) >= options.peers and progress.sent < options.messages:
                for _ in range(options.messages - progress.sent):
                    await send_payload(ws, options, progress.sent, frame_limit)
                    progress.sent += 1
                say(options, f"sent {progress.sent} payload(s) to {options.room!r}")
            if done(progress, options) and not options.forever:
                say(options, "exchange complete; leaving")
                await ws.send_bytes(encode(Bye(reason="done")))
                await ws.close()
                return 0


def parse(argv: list[str] | None = None) -> Options:
    """Parse the command line (and HYPERTOKEN_RELAY_URL / HYPERTOKEN_RELAY_TOKEN)."""
    parser = argparse.ArgumentParser(description="Example HyperToken relay peer.")
    env = os.environ
    parser.add_argument("--url", default=env.get("HYPERTOKEN_RELAY_URL", "ws://127.0.0.1:8080/ws"))
    parser.add_argument("--room", default="demo")
    parser.add_argument("--name", default="peer")
    parser.add_argument("--token", default=env.get("HYPERTOKEN_RELAY_TOKEN") or None)
    parser.add_argument("--room-token", default=None)
    parser.add_argument("--peers", type=int, default=2, help="members to wait for")
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--payload-bytes", type=int, default=16)
    parser.add_argument("--forever", action="store_true")
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--connect-attempts", type=int, default=30)
    args = parser.parse_args(argv)
    return Options(**{k.replace("-", "_"): v for k, v in vars(args).items()})


async def main_async(options: Options) -> int:
    """Run with an overall timeout (none with --forever)."""
    if options.forever:
        return await run(options)
    try:
        return await asyncio.wait_for(run(options), timeout=options.timeout)
    except asyncio.TimeoutError:
        say(options, f"gave up after {options.timeout:g} s")
        return 1


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python examples/relay_peer.py --help``."""
    options = parse(argv)
    try:
        return asyncio.run(main_async(options))
    except (ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
        say(options, f"failed: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
