"""Relay wire format: the messages between a peer and the relay server (``relay/``).

The encoding lives in :mod:`hypertoken.protocol.relay_codec` and the splitting of large
payloads in :mod:`hypertoken.protocol.relay_parts`.

Every WebSocket message is one frame holding one map with a ``"type"`` key, the tag of a
tagged union. Frames are msgpack (binary WebSocket messages). JSON text frames are accepted for
debugging; a peer whose ``hello`` arrives as JSON text is answered in JSON, and ``bytes`` fields
travel as base64 strings in that case.

The union is versioned by :data:`RELAY_PROTOCOL_VERSION`: the relay announces it in
``challenge`` and the peer repeats it in ``hello``. Unknown map keys are ignored, so adding an
optional field does not need a new version; removing or retyping a field does.

A session::

    relay -> peer   challenge {version, nonce, max_message_bytes}
    peer  -> relay  hello     {version, peer, key, sig, auth?}
    relay -> peer   welcome   {peer, heartbeat, idle_timeout, max_message_bytes}
    peer  -> relay  join      {room, token?}
    relay -> peers  peers     {room, members, private, joined?, left?}  full list or delta
    peer  -> relay  signal    {room, to, kind, data, mid?, mline?}   -> forwarded with "from"
    peer  -> relay  relay     {room, data, to?, seq?, part?, parts?}  -> forwarded with "from"
    peer  -> relay  leave     {room}
    either          bye       {reason}
    relay -> peer   error     {code, message, ref?}

Identity: a peer id is derived from the peer's Ed25519 public key (:func:`peer_id_from_key`),
and ``hello.sig`` signs :func:`hello_signed_bytes` with that key, so a peer cannot claim
another peer's id. Keys that nobody can be said to own (small-order points, non-canonical
encodings: :func:`hypertoken.protocol.keys.weak_public_key`) are refused with ``bad-key``.

Sizes: ``max_message_bytes`` (in ``challenge`` and ``welcome``) is the largest frame in *either*
direction, counted in bytes of the receiving connection's own codec (a JSON text frame is
ASCII, so its characters are its bytes). Exactly ``max_message_bytes`` is allowed. The relay
adds ``from`` to what it forwards and re-encodes it for each receiver (base64 and escapes for a
JSON peer), so the forwarded fields are bounded to fit: ``relay.data`` carries at most
:func:`~hypertoken.protocol.relay_parts.max_relay_data_bytes` bytes (3/4 of what is left after
:data:`RELAY_ENVELOPE_BYTES`, the base64 inflation), and a ``signal`` must fit after forwarding
in both codecs. :func:`~hypertoken.protocol.relay_parts.split_payload` sizes parts that way,
and ``decode(frame, max_message_bytes=...)`` refuses the rest with ``too-large``.

Decoding limits: :func:`~hypertoken.protocol.relay_codec.decode` refuses, as ``bad-message``
and before doing the work, frames whose structure is bigger than any real message's
(:data:`~hypertoken.protocol.relay_codec.MAX_DEPTH` and the other ``MAX_*`` limits there), so
a frame of a million empty arrays costs what a benign frame of the same size costs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar, TypeAlias

RELAY_PROTOCOL_VERSION = 1
"""Version of the relay wire format. Bumped when a field is removed or changes meaning."""

DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024
"""Default largest frame the relay accepts (1 MiB). Bigger payloads are sent in parts."""

RELAY_ENVELOPE_BYTES = 2048
"""Room left for the envelope of a forwarded ``relay`` frame (type, room, ``to``, ``from``,
part numbers), in either codec: a 128-character room of 4-byte UTF-8 characters takes 1,536
bytes as JSON escapes, two 64-character peer ids at most 256, the keys and numbers about 140."""

MAX_ROOM_LEN = 128
MAX_PEER_ID_LEN = 64  # real ids are 16 hex characters (peer_id_from_key); ids are ASCII
MAX_ROOM_MEMBERS = 1024
"""Most members one ``peers`` message may list: the length limit of the only array of the
protocol. A relay must not allow more members per room than this."""
MAX_SIGNAL_DATA_LEN = 256 * 1024
"""Most characters of ``signal.data``: an SDP with dozens of media sections is tens of KB."""
MAX_TOKEN_LEN = 256
MAX_REASON_LEN = 512
PUBLIC_KEY_LEN = 32
SIGNATURE_LEN = 64
NONCE_LEN = 32

_HELLO_DOMAIN = b"hypertoken-relay-hello-v1\x00"


class ErrorCode(str, Enum):
    """Machine-readable ``error.code`` values. The ``message`` says what to change."""

    BAD_FRAME = "bad-frame"  # not msgpack/JSON, or not a map with a "type"
    # a field is missing, has the wrong type or cannot be encoded (a lone surrogate), or the
    # frame nests deeper, holds longer containers or more values than any real message
    BAD_MESSAGE = "bad-message"
    UNKNOWN_TYPE = "unknown-type"  # "type" names no message of this protocol version
    UNEXPECTED = "unexpected"  # a valid message that this side does not accept now
    VERSION = "version"  # hello.version is not one the relay speaks
    HELLO_REQUIRED = "hello-required"  # another message arrived before hello
    UNAUTHORIZED = "unauthorized"  # relay-wide auth token missing or wrong
    BAD_SIGNATURE = "bad-signature"  # hello.sig does not verify with hello.key
    BAD_KEY = "bad-key"  # hello.key is small-order, non-canonical or not on the curve
    FORGED_ID = "forged-id"  # hello.peer is not the id of hello.key
    REPLACED = "replaced"  # the same peer connected again; this older connection ends
    # frame over max_message_bytes, or a relay/signal that would be over it once forwarded
    TOO_LARGE = "too-large"
    RATE_LIMITED = "rate-limited"  # more messages per second than the relay allows
    SLOW_CONSUMER = "slow-consumer"  # this peer does not read fast enough
    ROOM_FULL = "room-full"  # max peers per room reached
    TOO_MANY_ROOMS = "too-many-rooms"  # max rooms on the relay, or per peer, reached
    SERVER_FULL = "server-full"  # max connections on the relay reached
    ROOM_TOKEN = "room-token"  # private room: join token missing or wrong
    NOT_IN_ROOM = "not-in-room"  # the sender has not joined the room it names
    NO_SUCH_PEER = "no-such-peer"  # the addressed peer is not in that room
    HELLO_TIMEOUT = "hello-timeout"  # hello did not arrive in time
    IDLE_TIMEOUT = "idle-timeout"  # nothing received (not even a pong) for too long
    SHUTTING_DOWN = "shutting-down"  # the relay is stopping
    INTERNAL = "internal"  # a relay bug; the connection stays usable


class ProtocolError(ValueError):
    """A frame or message that does not follow the wire format.

    ``code`` is the :class:`ErrorCode` to answer with and ``ref`` the message type involved,
    when known.
    """

    def __init__(self, code: ErrorCode, message: str, ref: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.ref = ref


# --- messages ---------------------------------------------------------------------------------
# Each message is a frozen dataclass. Field comments describe the wire value; ``from`` is a
# Python keyword, so that field is called ``sender`` here and ``"from"`` on the wire.


@dataclass(frozen=True, slots=True)
class Challenge:
    """Relay -> peer, the first frame on every connection."""

    TYPE: ClassVar[str] = "challenge"
    version: int  # relay protocol version the relay speaks
    nonce: bytes  # 32 random bytes; the peer signs them in hello
    max_message_bytes: int  # largest frame the relay accepts; send bigger payloads in parts


@dataclass(frozen=True, slots=True)
class Hello:
    """Peer -> relay: claim a peer id and prove it with the key's signature."""

    TYPE: ClassVar[str] = "hello"
    version: int  # relay protocol version the peer speaks
    peer: str  # the peer id, which must equal peer_id_from_key(key)
    key: bytes  # raw 32-byte Ed25519 public key; not small-order, canonically encoded
    sig: bytes  # Ed25519 signature of hello_signed_bytes(nonce, peer, key)
    auth: str | None = None  # relay-wide auth token, when the relay requires one


@dataclass(frozen=True, slots=True)
class Welcome:
    """Relay -> peer: hello accepted; the limits this connection lives under."""

    TYPE: ClassVar[str] = "welcome"
    peer: str  # the peer id the relay now routes to this connection
    heartbeat: float  # seconds between the relay's WebSocket pings when the peer is quiet
    idle_timeout: float  # seconds of silence (no frame, no pong) before the relay closes
    max_message_bytes: int  # largest frame the relay accepts


@dataclass(frozen=True, slots=True)
class Join:
    """Peer -> relay: enter a room, creating it on first join."""

    TYPE: ClassVar[str] = "join"
    room: str  # room name, 1-128 printable characters
    token: str | None = None  # join token; a creator's token makes the new room private


@dataclass(frozen=True, slots=True)
class Leave:
    """Peer -> relay: leave a room. An emptied room is forgotten."""

    TYPE: ClassVar[str] = "leave"
    room: str  # room name


@dataclass(frozen=True, slots=True)
class Member:
    """One entry of ``peers.members``."""

    peer: str  # peer id
    key: bytes  # that peer's Ed25519 public key, so members can check each other's signatures


@dataclass(frozen=True, slots=True)
class Peers:
    """Relay -> members: who is in a room, after each change.

    The peer whose join or leave this answers (``joined`` or ``left`` is its own id), and a
    peer joining a room it is already in (neither is set), get the full list. The members
    already there get a delta: ``joined`` with the newcomer as the one member listed, or
    ``left`` with no members listed.
    """

    TYPE: ClassVar[str] = "peers"
    room: str  # room name
    members: tuple[Member, ...]  # the full list, in join order; or, in a delta, the newcomer
    private: bool = False  # whether joining needs a token
    joined: str | None = None  # the peer whose join caused this update, if any
    left: str | None = None  # the peer whose leave caused this update, if any


SIGNAL_KINDS = ("offer", "answer", "ice")


@dataclass(frozen=True, slots=True)
class Signal:
    """Peer -> relay -> one peer: a WebRTC offer, answer or ICE candidate."""

    TYPE: ClassVar[str] = "signal"
    room: str  # a room both peers are in
    to: str  # the addressed peer id
    kind: str  # "offer", "answer" or "ice"
    # SDP text for offer/answer; the candidate line for ice ("" ends candidates); at most
    # MAX_SIGNAL_DATA_LEN characters, and short enough to fit a JSON frame once forwarded
    data: str
    mid: str | None = None  # ice only: the media stream id (sdpMid)
    mline: int | None = None  # ice only: the media line index (sdpMLineIndex)
    sender: str | None = None  # wire "from": set by the relay, ignored when a peer sends it


@dataclass(frozen=True, slots=True)
class Relay:
    """Peer -> relay -> one peer or the room: an opaque payload.

    Payloads larger than one frame are split by :func:`split_payload` into parts with the same
    ``seq`` and put back together by :class:`Reassembler`. One part carries at most
    ``max_relay_data_bytes(max_message_bytes)`` bytes, so that it still fits a frame as base64
    for a JSON peer.
    """

    TYPE: ClassVar[str] = "relay"
    room: str  # the room to relay within
    data: bytes  # the payload; the relay never looks inside
    to: str | None = None  # the addressed peer id, or None for every other member
    seq: int = 0  # sender's message number, shared by the parts of one payload
    part: int = 0  # index of this part, 0-based
    parts: int = 1  # number of parts of this payload
    sender: str | None = None  # wire "from": set by the relay, ignored when a peer sends it


@dataclass(frozen=True, slots=True)
class Error:
    """Either direction: something was refused. ``message`` names the problem and the fix."""

    TYPE: ClassVar[str] = "error"
    code: str  # an ErrorCode value
    message: str  # human-readable: what was wrong and how to fix it
    ref: str | None = None  # the type of the message that caused it, when known


@dataclass(frozen=True, slots=True)
class Bye:
    """Either direction: the sender is about to close the connection."""

    TYPE: ClassVar[str] = "bye"
    reason: str = ""  # why, for logs; "shutdown" when the relay stops


RelayMessage: TypeAlias = (
    Challenge | Hello | Welcome | Join | Leave | Peers | Signal | Relay | Error | Bye
)
"""Every message of the relay wire format."""

# --- identity ---------------------------------------------------------------------------------


def peer_id_from_key(public_key: bytes) -> str:
    """Return the peer id of a raw 32-byte Ed25519 public key.

    The id is the first 8 bytes of BLAKE2b(key) in hex (16 characters), the same id that
    HyperToken's peer identity (``hypertoken.log.identity``) and the chronicle use. Deriving the id
    from the key is what stops one peer taking another's id.
    """
    return hashlib.blake2b(bytes(public_key), digest_size=8).hexdigest()


def hello_signed_bytes(nonce: bytes, peer: str, public_key: bytes) -> bytes:
    """Return the bytes a peer signs in ``hello``.

    A fixed domain tag, then the relay's per-connection nonce (so a signature cannot be
    replayed on another connection), the peer id and the key.
    """
    return _HELLO_DOMAIN + bytes(nonce) + peer.encode("utf-8") + b"\x00" + bytes(public_key)
