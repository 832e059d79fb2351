"""Encoding and checking of relay messages (msgpack frames, JSON text for debugging).

:func:`decode` is the trust boundary: it turns any bytes or text into a well-typed message or
raises :class:`~hypertoken.protocol.relay.ProtocolError` naming the bad field and the fix.

Decoding limits
---------------

Decoding costs per value, not per byte: a 1 MiB msgpack frame of a million empty arrays used to
cost a hundred times what a 1 MiB ``relay`` payload costs. So :func:`decode` refuses, as
``bad-message``, any frame whose *structure* is bigger than the biggest real message's, and it
does so before (JSON) or while (msgpack) decoding, giving up as soon as a limit is passed:

- :data:`MAX_DEPTH` levels of nesting (the top-level map is level 1; ``peers`` nests 3 deep:
  map, ``members`` array, member maps);
- :data:`MAX_MAP_LEN` entries in one map (the longest message has 8 fields);
- :data:`MAX_ARRAY_LEN` elements in one array (``peers.members``: :data:`MAX_ROOM_MEMBERS`);
- :data:`MAX_CONTAINERS` maps and arrays in one frame, and :data:`MAX_ITEMS` entries and
  elements in all of them together (a ``peers`` of :data:`MAX_ROOM_MEMBERS` members holds
  1,026 containers and 3,078 values);
- JSON integers of at most :data:`MAX_JSON_INT_CHARS` characters (every protocol integer fits
  64 bits; longer ones cost quadratic time to convert); no msgpack extension types.

Strings and binary data decode in time linear in their size (a copy, a UTF-8 check), so the
frame size (``max_message_bytes``, enforced by the WebSocket layer) bounds them; the field
checks then bound each known field. msgpack checks the limits as it goes (``max_array_len``,
``max_map_len``, ``max_str_len``, ``max_bin_len``, ``max_ext_len`` refuse a container from its
header; hooks count containers and values and stop at the first one over; the depth of the few
frames with more than :data:`MAX_DEPTH` containers is then measured on what was decoded).
JSON text is bounded before it is parsed: a few ``str.find`` calls show that an ordinary
message (at most :data:`MAX_DEPTH` brackets, fewer than :data:`MAX_MAP_LEN` commas) is within
every limit. Otherwise the brackets and commas outside strings are counted (escapes and
strings removed with ``str.replace`` and ``str.split``), which bounds what parsing can cost,
and the parsed value is then measured exactly against every limit.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields, replace
from typing import Any, TypeAlias

import msgpack

from hypertoken.protocol.bounded import Limits, OverLimit, load_json, unpack
from hypertoken.protocol.relay import (
    MAX_PEER_ID_LEN,
    MAX_REASON_LEN,
    MAX_ROOM_LEN,
    MAX_ROOM_MEMBERS,
    MAX_SIGNAL_DATA_LEN,
    MAX_TOKEN_LEN,
    NONCE_LEN,
    PUBLIC_KEY_LEN,
    RELAY_PROTOCOL_VERSION,
    SIGNAL_KINDS,
    SIGNATURE_LEN,
    Bye,
    Challenge,
    Error,
    ErrorCode,
    Hello,
    Join,
    Leave,
    Member,
    Peers,
    ProtocolError,
    Relay,
    RelayMessage,
    Signal,
    Welcome,
)
from hypertoken.protocol.relay_parts import max_relay_data_bytes

# --- decoding limits --------------------------------------------------------------------------

MAX_DEPTH = 4
"""Deepest nesting of maps and arrays in a frame; the top-level map is level 1. Real messages
nest at most 3 deep (``peers``: the map, ``members``, one member), one level is spare."""

MAX_MAP_LEN = 32
"""Most entries in one map. The longest message (``relay``, ``signal``) has 8 fields; unknown
keys are ignored for forward compatibility, so there is room for more."""

MAX_ARRAY_LEN = MAX_ROOM_MEMBERS
"""Most elements in one array: the only array of the protocol is ``peers.members``."""

MAX_CONTAINERS = MAX_ROOM_MEMBERS + 16
"""Most maps and arrays in one frame: a full ``peers`` has one per member plus two."""

MAX_ITEMS = 4 * MAX_ROOM_MEMBERS + 64
"""Most map entries and array elements in one frame, all containers together: a full
``peers`` has three per member (the member map's two entries and its place in the array)."""

MAX_JSON_INT_CHARS = 20
"""Longest JSON integer literal: 2**64 - 1 and -2**63 have 20 characters."""

# --- field schema -----------------------------------------------------------------------------
# One checker per field turns a decoded wire value into the dataclass value or raises
# ProtocolError. This is the trust boundary: everything after decode() may rely on the types.

_Check: TypeAlias = Callable[[Any], Any]


class _Bad(Exception):
    """Internal: a field value failed its check; the message says what was expected."""


def _text(max_len: int, min_len: int = 1, *, printable: bool = True, ascii: bool = False) -> _Check:
    """Names and ids must be printable; free text (SDP, messages) may hold line breaks.

    Every string must also encode to UTF-8: a JSON ``\\ud800`` escape decodes to a lone
    surrogate, which no frame could carry on.
    """
    kind = (" printable ASCII" if ascii else " printable") if printable else ""
    expected = f"a string of {min_len}-{max_len}{kind} characters"

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _Bad(expected)
        if not value.isascii():
            if ascii:
                raise _Bad(expected)
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise _Bad("text that encodes to UTF-8 (it holds a lone surrogate)") from None
        if not min_len <= len(value) <= max_len or (printable and not value.isprintable()):
            raise _Bad(expected)
        return value

    return check


def _int(lo: int, hi: int) -> _Check:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise _Bad(f"an integer from {lo} to {hi}")
        return value

    return check


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad("a finite non-negative number")
    if not (math.isfinite(value) and value >= 0):
        raise _Bad("a finite non-negative number")
    return float(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad("true or false")
    return value


def _blob(exact: int | None = None) -> _Check:
    def check(value: Any) -> bytes:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise _Bad("binary data (base64 text in JSON)")
        data = bytes(value)
        if exact is not None and len(data) != exact:
            raise _Bad(f"exactly {exact} bytes")
        return data

    return check


def _choice(options: tuple[str, ...]) -> _Check:
    def check(value: Any) -> str:
        if value not in options:
            raise _Bad("one of " + ", ".join(repr(o) for o in options))
        return str(value)

    return check


def _optional(inner: _Check) -> _Check:
    def check(value: Any) -> Any:
        return None if value is None else inner(value)

    return check


_PEER_ID = _text(MAX_PEER_ID_LEN, ascii=True)


def _members(value: Any) -> tuple[Member, ...]:
    if not isinstance(value, (list, tuple)) or len(value) > MAX_ROOM_MEMBERS:
        raise _Bad(f"a list of at most {MAX_ROOM_MEMBERS} {{peer, key}} maps")
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise _Bad("a list of {peer, key} maps")
        out.append(Member(_PEER_ID(item.get("peer")), _blob(PUBLIC_KEY_LEN)(item.get("key"))))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Field:
    attr: str  # dataclass attribute
    wire: str  # key on the wire
    check: _Check  # validator/converter for the decoded value
    required: bool  # whether the key must be present
    default: Any  # value when absent; omitted on encode when the value equals it
    json_in: _Check | None = None  # JSON text form -> wire form (base64 -> bytes)
    json_out: _Check | None = None  # wire form -> JSON text form (bytes -> base64)


def _b64_in(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # let the checker name the expected type
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _Bad("base64 text (JSON frames carry binary fields as base64)") from exc


def _b64_out(value: Any) -> Any:
    return base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value


def _members_in(value: Any) -> Any:
    if isinstance(value, list):
        return [{**m, "key": _b64_in(m.get("key"))} if isinstance(m, dict) else m for m in value]
    return value


def _members_out(value: Any) -> Any:
    return [{**m, "key": _b64_out(m["key"])} for m in value]


def _schema(cls: type, **checks: _Check) -> tuple[_Field, ...]:
    out = []
    for f in fields(cls):
        required = f.default is MISSING
        json_in = json_out = None
        if f.type == "bytes":
            json_in, json_out = _b64_in, _b64_out
        elif f.name == "members":
            json_in, json_out = _members_in, _members_out
        wire = "from" if f.name == "sender" else f.name
        default = None if required else f.default
        out.append(_Field(f.name, wire, checks[f.name], required, default, json_in, json_out))
    return tuple(out)


_ROOM = _text(MAX_ROOM_LEN)
_TOKEN = _optional(_text(MAX_TOKEN_LEN))
_VERSION = _int(0, 2**16)
_SIZE = _int(1, 2**40)

_SCHEMAS: dict[type, tuple[_Field, ...]] = {
    Challenge: _schema(
        Challenge, version=_VERSION, nonce=_blob(NONCE_LEN), max_message_bytes=_SIZE
    ),
    Hello: _schema(
        Hello,
        version=_VERSION,
        peer=_PEER_ID,
        key=_blob(PUBLIC_KEY_LEN),
        sig=_blob(SIGNATURE_LEN),
        auth=_TOKEN,
    ),
    Welcome: _schema(
        Welcome, peer=_PEER_ID, heartbeat=_number, idle_timeout=_number, max_message_bytes=_SIZE
    ),
    Join: _schema(Join, room=_ROOM, token=_TOKEN),
    Leave: _schema(Leave, room=_ROOM),
    Peers: _schema(
        Peers,
        room=_ROOM,
        members=_members,
        private=_flag,
        joined=_optional(_PEER_ID),
        left=_optional(_PEER_ID),
    ),
    Signal: _schema(
        Signal,
        room=_ROOM,
        to=_PEER_ID,
        kind=_choice(SIGNAL_KINDS),
        data=_text(MAX_SIGNAL_DATA_LEN, min_len=0, printable=False),
        mid=_optional(_text(64, min_len=0)),
        mline=_optional(_int(0, 2**16)),
        sender=_optional(_PEER_ID),
    ),
    Relay: _schema(
        Relay,
        room=_ROOM,
        data=_blob(),
        to=_optional(_PEER_ID),
        seq=_int(0, 2**63 - 1),
        part=_int(0, 2**32),
        parts=_int(1, 2**32),
        sender=_optional(_PEER_ID),
    ),
    Error: _schema(
        Error,
        code=_text(64),
        message=_text(4096, min_len=0, printable=False),
        ref=_optional(_text(64)),
    ),
    Bye: _schema(Bye, reason=_text(MAX_REASON_LEN, min_len=0, printable=False)),
}

MESSAGE_TYPES: dict[str, type] = {cls.TYPE: cls for cls in _SCHEMAS}  # type: ignore[attr-defined]
"""Message class by wire ``type`` tag."""


# --- encode / decode --------------------------------------------------------------------------


def to_wire(message: RelayMessage, *, json_text: bool = False) -> dict[str, Any]:
    """Return the wire map of ``message``: ``type`` plus every field not at its default.

    With ``json_text`` binary fields become base64 strings, ready for :func:`json.dumps`.
    """
    out: dict[str, Any] = {"type": message.TYPE}
    for f in _SCHEMAS[type(message)]:
        value = getattr(message, f.attr)
        if not f.required and value == f.default:
            continue
        if f.attr == "members":
            value = [{"peer": m.peer, "key": m.key} for m in value]
        if json_text and f.json_out is not None:
            value = f.json_out(value)
        out[f.wire] = value
    return out


def from_wire(obj: Any, *, json_text: bool = False) -> RelayMessage:
    """Check a decoded wire map and build its message.

    Raises :class:`ProtocolError` naming the bad field and what it should be. With
    ``json_text`` binary fields are expected as base64 strings.
    """
    if not isinstance(obj, dict):
        raise ProtocolError(
            ErrorCode.BAD_FRAME,
            "a frame must hold one map with a 'type' key, got " + type(obj).__name__,
        )
    tag = obj.get("type")
    cls = MESSAGE_TYPES.get(tag) if isinstance(tag, str) else None
    if cls is None:
        known = ", ".join(sorted(MESSAGE_TYPES))
        shown = repr(tag)[:40]
        raise ProtocolError(
            ErrorCode.UNKNOWN_TYPE,
            f"unknown message type {shown}; protocol version {RELAY_PROTOCOL_VERSION} "
            f"knows: {known}",
        )
    kwargs: dict[str, Any] = {}
    for f in _SCHEMAS[cls]:
        if f.wire not in obj:
            if f.required:
                raise ProtocolError(
                    ErrorCode.BAD_MESSAGE, f"'{tag}' needs the field '{f.wire}'", ref=tag
                )
            continue
        value = obj[f.wire]
        try:
            if json_text and f.json_in is not None:
                value = f.json_in(value)
            kwargs[f.attr] = f.check(value)
        except _Bad as exc:
            raise ProtocolError(
                ErrorCode.BAD_MESSAGE, f"'{tag}.{f.wire}' must be {exc}", ref=tag
            ) from None
    message: RelayMessage = cls(**kwargs)
    return message


def encode(message: RelayMessage) -> bytes:
    """Encode ``message`` as one msgpack frame."""
    return msgpack.packb(to_wire(message), use_bin_type=True)  # type: ignore[no-any-return]


def encode_json(message: RelayMessage) -> str:
    """Encode ``message`` as one JSON text frame (binary fields as base64)."""
    return json.dumps(to_wire(message, json_text=True), separators=(",", ":"))


# --- decoding limits, enforced --------------------------------------------------------------

#: The relay's limits for :mod:`hypertoken.protocol.bounded`.
LIMITS = Limits(
    depth=MAX_DEPTH,
    map_len=MAX_MAP_LEN,
    array_len=MAX_ARRAY_LEN,
    containers=MAX_CONTAINERS,
    items=MAX_ITEMS,
    json_int_chars=MAX_JSON_INT_CHARS,
)
#: What refusals add: the biggest real message, for the reader of the error.
_TOO_BIG_WHY = f" (a 'peers' of {MAX_ROOM_MEMBERS} members, the biggest real message, has fewer)"
_TOO_DEEP = f"{LIMITS.too_deep} (real messages nest 3 deep)"


def _load_json(text: str) -> Any:
    """JSON text -> Python, within the relay's limits (:class:`OverLimit` otherwise)."""
    return load_json(text, LIMITS)


def _unpack(frame: bytes) -> Any:
    """msgpack -> Python, within the relay's limits (:class:`OverLimit` otherwise)."""
    return unpack(frame, LIMITS)


def _explained(error: str) -> str:
    """A limit's refusal with why real messages pass it."""
    if error == LIMITS.too_big:
        return error + _TOO_BIG_WHY
    if error == LIMITS.too_deep:
        return _TOO_DEEP
    return error


# --- forwarded sizes --------------------------------------------------------------------------

_LONGEST_FROM = "f" * MAX_PEER_ID_LEN  # stands for the "from" the relay adds when forwarding


def _frame_bytes(frame: bytes | str) -> int:
    if isinstance(frame, bytes) or frame.isascii():
        return len(frame)
    return len(frame.encode("utf-8", "surrogatepass"))


def _check_forwarded_size(message: RelayMessage, max_message_bytes: int) -> None:
    """Raise ``too-large`` unless ``message``, forwarded with ``from``, fits in either codec."""
    if isinstance(message, Relay):
        limit = max_relay_data_bytes(max_message_bytes)
        if len(message.data) > limit:
            raise ProtocolError(
                ErrorCode.TOO_LARGE,
                f"relay.data is {len(message.data)} bytes; with max_message_bytes "
                f"{max_message_bytes} one part carries at most {limit} (room for base64 for "
                "JSON peers and the envelope): split it with hypertoken.protocol.split_payload",
                ref=Relay.TYPE,
            )
    elif isinstance(message, Signal):
        # A JSON escape is at most 12 characters per character (a surrogate pair), and the
        # rest of the envelope is under RELAY_ENVELOPE_BYTES: most signals fit without encoding.
        rough = 12 * (len(message.room) + len(message.data) + len(message.mid or ""))
        if rough + 4 * MAX_PEER_ID_LEN + 256 <= max_message_bytes:
            return
        forwarded = replace(message, sender=_LONGEST_FROM)
        size = max(len(encode(forwarded)), len(encode_json(forwarded)))
        if size > max_message_bytes:
            raise ProtocolError(
                ErrorCode.TOO_LARGE,
                f"this signal would be {size} bytes once forwarded (JSON peers get escaped "
                f"text), more than max_message_bytes {max_message_bytes}; send a shorter SDP "
                "(trickle ICE candidates instead of gathering them into the offer)",
                ref=Signal.TYPE,
            )


def decode(frame: bytes | str, *, max_message_bytes: int | None = None) -> RelayMessage:
    """Decode one frame: ``bytes`` are msgpack, ``str`` is JSON text.

    Raises :class:`ProtocolError` for anything that is not a valid message, and never
    anything else: ``bad-frame`` for what is not msgpack or JSON, ``bad-message`` for a frame
    past a decoding limit (see the module docstring) or with a bad field.

    With ``max_message_bytes`` (what a relay does, with the limit it advertises) it also
    raises ``too-large`` for a frame over that many bytes, and for a ``relay`` or ``signal``
    that would be over it once forwarded with ``from`` in either codec: ``relay.data`` longer
    than :func:`~hypertoken.protocol.relay_parts.max_relay_data_bytes`, or a signal whose
    JSON form is too long. Exactly ``max_message_bytes`` is allowed.
    """
    if max_message_bytes is not None and _frame_bytes(frame) > max_message_bytes:
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"frame of {_frame_bytes(frame)} bytes, more than max_message_bytes "
            f"{max_message_bytes}; split big payloads with hypertoken.protocol.split_payload",
        )
    json_text = isinstance(frame, str)
    try:
        obj = _load_json(frame) if isinstance(frame, str) else _unpack(frame)
    except OverLimit as exc:
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE,
            f"frame holds {_explained(str(exc))}; no message of protocol version "
            f"{RELAY_PROTOCOL_VERSION} does",
        ) from None
    except msgpack.StackError:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, f"frame holds {_TOO_DEEP}") from None
    except (ValueError, TypeError, msgpack.UnpackException, RecursionError) as exc:
        if isinstance(exc, ValueError) and "exceeds max_" in str(exc):
            # msgpack read a container or string header over a limit, before its contents.
            raise ProtocolError(
                ErrorCode.BAD_MESSAGE,
                f"frame holds a map, array or string longer than allowed (msgpack: {exc}); "
                f"maps have at most {MAX_MAP_LEN} entries and arrays {MAX_ARRAY_LEN} elements",
            ) from None
        kind = "JSON text" if json_text else "msgpack"
        raise ProtocolError(
            ErrorCode.BAD_FRAME,
            f"frame is not valid {kind} ({type(exc).__name__}); send one msgpack map per "
            "binary frame, or one JSON object per text frame",
        ) from None
    message = from_wire(obj, json_text=json_text)
    if max_message_bytes is not None:
        _check_forwarded_size(message, max_message_bytes)
    return message
