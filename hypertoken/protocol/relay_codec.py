"""Encoding and checking of relay messages (msgpack frames, JSON text for debugging).

:func:`decode` is the trust boundary: it turns any bytes or text into a well-typed message or
raises :class:`~hypertoken.protocol.relay.ProtocolError` naming the bad field and the fix.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from typing import Any, TypeAlias

import msgpack

from hypertoken.protocol.relay import (
    MAX_REASON_LEN,
    MAX_ROOM_LEN,
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

# --- field schema -----------------------------------------------------------------------------
# One checker per field turns a decoded wire value into the dataclass value or raises
# ProtocolError. This is the trust boundary: everything after decode() may rely on the types.

_Check: TypeAlias = Callable[[Any], Any]


class _Bad(Exception):
    """Internal: a field value failed its check; the message says what was expected."""


def _text(max_len: int, min_len: int = 1, *, printable: bool = True) -> _Check:
    """Names and ids must be printable; free text (SDP, messages) may hold line breaks."""

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _Bad(f"a string of {min_len}-{max_len} characters")
        if not min_len <= len(value) <= max_len or (printable and not value.isprintable()):
            kind = " printable" if printable else ""
            raise _Bad(f"a string of {min_len}-{max_len}{kind} characters")
        return value

    return check


def _int(lo: int, hi: int) -> _Check:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise _Bad(f"an integer from {lo} to {hi}")
        return value

    return check


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _Bad("a non-negative number")
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


def _members(value: Any) -> tuple[Member, ...]:
    if not isinstance(value, (list, tuple)):
        raise _Bad("a list of {peer, key} maps")
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise _Bad("a list of {peer, key} maps")
        out.append(Member(_text(64)(item.get("peer")), _blob(PUBLIC_KEY_LEN)(item.get("key"))))
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


_PEER_ID = _text(64)
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
        data=_text(2**24, min_len=0, printable=False),
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


def decode(frame: bytes | str) -> RelayMessage:
    """Decode one frame: ``bytes`` are msgpack, ``str`` is JSON text.

    Raises :class:`ProtocolError` for anything that is not a valid message.
    """
    json_text = isinstance(frame, str)
    try:
        if json_text:
            obj = json.loads(frame)
        else:
            # strict_map_key=False lets a hostile non-string key reach from_wire, which then
            # simply does not find its fields; limits guard against absurd nesting/length.
            obj = msgpack.unpackb(frame, raw=False, strict_map_key=False)
    except (ValueError, TypeError, msgpack.UnpackException, RecursionError) as exc:
        kind = "JSON text" if json_text else "msgpack"
        raise ProtocolError(
            ErrorCode.BAD_FRAME,
            f"frame is not valid {kind} ({type(exc).__name__}); send one msgpack map per "
            "binary frame, or one JSON object per text frame",
        ) from None
    return from_wire(obj, json_text=json_text)
