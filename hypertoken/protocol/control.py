"""The control socket's wire format: how bots and training code talk to a HyperToken server
(``hypertoken serve`` today, every peer daemon later).

Two framings carry the same requests and responses:

- **WebSocket JSON**, compatible with the earlier HyperToken bridge: one JSON object per text
  frame each way, no request ids needed (responses come back in order).
- **msgpack frames** over a Unix socket or TCP, the fast path: each frame is a 4-byte
  big-endian body length (:data:`FRAME_HEADER`) then one msgpack map. Every request carries an
  ``id``, greater than the previous request's on that connection; responses echo it, so a
  client may have several requests in flight (pipelining).

Requests
--------

A request is a map ``{"cmd": NAME, ...fields}``; ``"id"`` is optional over JSON (echoed when
given) and required over msgpack. Fields a command does not know are ignored. Each command
(:data:`COMMANDS`) and its fields:

``reset``
    ``seed``: int in 0..2**63-1, or null (the next episode of the run); ``reply``: ``"turn"``
    for the combined reply. Response ``{"ok": true}`` (+ ``"turn"``).
``step``
    ``action``: int, or null for an agent that has finished (it steps out, as PettingZoo's
    ``step(None)``); ``reply``: ``"turn"``. Plays for the agent to move. ``{"ok": true}``
    (+ ``"turn"``).
``observe``
    ``agent``. ``{"observation": [numbers]}``, flat.
``last``
    ``observe``: bool (default true). ``{"observation", "reward", "terminated",
    "truncated", "info"}`` of the agent to move; ``reward`` is what it earned since it last
    acted (the terminal reward included), and reading it changes nothing.
``agents``
    ``{"agents": [...]}``: the agents still playing (neither terminated nor truncated), as
    the bridge answered (its clients loop ``while agents``).
``possible_agents``
    ``{"possible_agents": [...]}``.
``agent_selection``
    ``{"agent": name}``.
``observation_space``, ``action_space``
    ``agent``. ``{"space": {"shape", "low", "high", "dtype"}}`` (a box) and
    ``{"space": {"n", "shape": []}}`` (a discrete space).
``action_mask``
    ``agent``. ``{"mask": [bool]}``, or ``{"mask": null}`` for games without masks.
``rewards``, ``terminations``, ``truncations``, ``infos``
    ``{"rewards": {agent: float}}`` and so on: PettingZoo's dicts (``rewards`` is the last
    step's).
``render``
    ``{"ok": true, "text": str}``.
``close``
    ``{"ok": true}``; writes an unfinished recording. The env stays usable.
``ping``
    ``{"pong": ms since the epoch}``.
``env_info``
    ``{"env_type", "env_id", "env_options", "possible_agents", "observation_spaces",
    "action_spaces", "num_actions", "simultaneous", "protocol"}``.
``step_all``
    ``actions``: ``{agent: int}``. A Parallel step: each listed agent still playing acts in
    turn order, and finished agents step out. ``{"observations", "rewards" (summed over the
    step), "terminations", "truncations", "infos", "agents"}``.
``observe_all``
    ``{"observations", "infos", "agents"}`` for every agent in the episode.
``state_hash``
    ``{"hash": hex}``: BLAKE2b-256 of the world; equal hashes mean identical states.
``auth``
    ``token``: str. Only as the first msgpack frame of a server with a token.
``status``
    The server's summary. ``hypertoken serve``: ``{"mode": "serve", "env_type", "env_id",
    "agents", "agent_selection", "over", "state_hash"}`` of the connection's env. A peer
    daemon: ``{"mode": "room", "seat", "room", "peer_id", "peers" ({peer: transport}),
    "seats" ({seat: peer}), "started", "over", "entries", "heads" (hex), "state_hash",
    "rejections"}``.

The combined reply (``"reply": "turn"``) adds ``"turn"``: what the next ``last()``,
``agent_selection`` and ``action_mask`` would answer, so a remote AEC loop costs one round
trip per step::

    {"agent", "agents" (PettingZoo's list: finished agents stay until they step null),
     "observation", "reward", "terminated", "truncated", "info", "mask",
     "cumulative"?: {agent: reward since it last acted} (games of several agents),
     "finished"?: {agent: {"observation", "reward", "terminated", "truncated", "info",
                           "mask"}}}

``finished`` is there when every agent in ``agents`` has terminated or been truncated: it
holds the others' ``last()``, and it promises that stepping them out (``step`` null, in
PettingZoo's order) changes nothing but ``agents`` and ``agent_selection``. A client may then
play those steps locally and send them with its next request, in the same write (msgpack
pipelining, or WebSocket frames sent back to back): no round trip of their own.

Responses and errors
--------------------

Every request gets exactly one response, in order. An error is ``{"error": message,
"code": code}`` (plus ``"field"`` when one field is at fault, and the request's ``"id"``)
and changes nothing. The message names the field and the fix. Codes are
:class:`ErrorCode`'s. Decoding is bounded (:data:`LIMITS`, :mod:`hypertoken.protocol.bounded`)
and frames over :data:`MAX_FRAME_BYTES` are refused.

Room mode
---------

A peer daemon's control socket speaks the same protocol, each connection bound to the
daemon's seat: ``agents`` is ``[seat]`` until the game is over; ``agent_selection``,
``last`` and the combined reply *wait* (no polling) until the seat is to move or the game
is over; ``step`` for a seat not to move is ``not_your_seat``, naming both seats;
observations are the seat's view only; ``reset`` waits for the room to start and refuses a
seed (a room's seed is its commit-reveal); ``rewards`` are each seat's total so far. A
spectator's connection is read-only (``read_only``). A waiting request holds the ones
pipelined behind it; closing the connection cancels the wait.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple, TypeAlias

import msgpack

from hypertoken.protocol.bounded import Limits, OverLimit, load_json, unpack

__all__ = [
    "COMMANDS",
    "FRAME_HEADER",
    "LIMITS",
    "MAX_FRAME_BYTES",
    "MAX_ID",
    "PROTOCOL_VERSION",
    "REPLY_TURN",
    "Command",
    "ControlError",
    "ErrorCode",
    "FrameReader",
    "Request",
    "decode_json",
    "decode_msgpack",
    "encode_frame",
    "encode_json",
    "error_response",
    "parse_request",
]

PROTOCOL_VERSION = 1
"""The version ``env_info`` reports."""

MAX_FRAME_BYTES = 1 << 20
"""The largest request frame: JSON text or msgpack body, in bytes (real requests are tiny)."""

MAX_ID = 2**63 - 1
"""Request ids are ints in 0..MAX_ID."""

MAX_NAME_LEN = 64
"""The longest agent name or command name."""

MAX_TOKEN_LEN = 256
"""The longest auth token."""

FRAME_HEADER = struct.Struct(">I")
"""A msgpack frame's header: the body's length, 4 bytes big-endian."""

REPLY_TURN = "turn"
"""The ``reply`` that asks ``reset`` and ``step`` for the combined reply."""

LIMITS = Limits(depth=4, map_len=64, array_len=64, containers=64, items=512)
"""Decoding limits of a request. The deepest real request is ``step_all``: a map of a map."""


class ErrorCode(str, Enum):
    """What went wrong, for programs (the message is for people)."""

    BAD_JSON = "bad_json"
    BAD_MSGPACK = "bad_msgpack"
    BAD_REQUEST = "bad_request"
    UNKNOWN_COMMAND = "unknown_command"
    MISSING_FIELD = "missing_field"
    BAD_FIELD = "bad_field"
    BAD_ACTION = "bad_action"
    ILLEGAL_MOVE = "illegal_move"
    EPISODE_OVER = "episode_over"
    DUPLICATE_ID = "duplicate_id"
    TOO_LARGE = "too_large"
    TOO_DEEP = "too_deep"
    UNAUTHORIZED = "unauthorized"
    RATE_LIMITED = "rate_limited"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    NOT_YOUR_SEAT = "not_your_seat"
    NOT_STARTED = "not_started"
    READ_ONLY = "read_only"
    INTERNAL = "internal"


class ControlError(Exception):
    """A request that cannot be served: the response says why (:meth:`response`)."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def response(self, request_id: int | None = None) -> dict[str, Any]:
        """The error response, echoing ``request_id`` if there is one."""
        return error_response(self.code, self.message, self.field, request_id)


def error_response(
    code: ErrorCode, message: str, field: str | None = None, request_id: int | None = None
) -> dict[str, Any]:
    """``{"error": message, "code": code}`` with ``field`` and ``id`` when given."""
    out: dict[str, Any] = {"error": message, "code": code.value}
    if field is not None:
        out["field"] = field
    if request_id is not None:
        out["id"] = request_id
    return out


# ---- fields ------------------------------------------------------------------------------

_Check: TypeAlias = Callable[[str, Any], Any]


def _bad(field: str, expected: str, value: Any) -> ControlError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return ControlError(ErrorCode.BAD_FIELD, f"{field} must be {expected}, not {shown}", field)


def _int_in(lo: int, hi: int, *, null: bool = False) -> _Check:
    expected = f"an int in {lo}..{hi}" if hi != MAX_ID else f"an int in {lo}..2**63-1"
    if null:
        expected += " or null"

    def check(field: str, value: Any) -> Any:
        if value is None and null:
            return None
        if type(value) is not int or not lo <= value <= hi:
            raise _bad(field, expected, value)
        return value

    return check


def _action(field: str, value: Any) -> int | None:
    # The range is the env's to check: it knows its action space.
    if value is None or type(value) is int:
        return value
    if type(value) is float and value.is_integer():  # JSON writers that only have doubles
        return int(value)
    raise _bad(field, "an int (an action of the action space) or null for a finished agent", value)


def _name(field: str, value: Any) -> str:
    if type(value) is not str or not 0 < len(value) <= MAX_NAME_LEN:
        raise _bad(field, f"an agent name (a string of 1-{MAX_NAME_LEN} characters)", value)
    return value


def _flag(field: str, value: Any) -> bool:
    if type(value) is not bool:
        raise _bad(field, "true or false", value)
    return value


def _reply(field: str, value: Any) -> str | None:
    if value is None or value == REPLY_TURN:
        return value  # type: ignore[no-any-return]
    raise _bad(field, f'"{REPLY_TURN}" (the combined reply) or absent', value)


def _actions(field: str, value: Any) -> dict[str, int]:
    if not isinstance(value, dict) or not value:
        raise _bad(field, "a map of agent name to action, with at least one agent", value)
    for agent, action in value.items():
        _name(f"{field} key", agent)
        if type(action) is not int:
            raise _bad(f"{field}[{agent!r}]", "an int (an action of the action space)", action)
    return value


def _token(field: str, value: Any) -> str:
    if type(value) is not str or len(value) > MAX_TOKEN_LEN:
        raise _bad(field, f"a string of at most {MAX_TOKEN_LEN} characters", value)
    return value


@dataclass(frozen=True)
class Command:
    """One command: its name and fields (name -> (check, required))."""

    name: str
    fields: tuple[tuple[str, _Check, bool], ...] = ()
    summary: str = ""


_SEED = _int_in(0, MAX_ID, null=True)
_AGENT = (("agent", _name, True),)

#: Every command, by name (see the module docstring for each one's fields and response).
COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("reset", (("seed", _SEED, False), ("reply", _reply, False)), "start an episode"),
        Command("step", (("action", _action, True), ("reply", _reply, False)), "play a move"),
        Command("observe", _AGENT, "an agent's observation"),
        Command("last", (("observe", _flag, False),), "the agent to move's last()"),
        Command("agents", (), "the agents still playing"),
        Command("possible_agents", (), "every agent"),
        Command("agent_selection", (), "the agent to move"),
        Command("observation_space", _AGENT, "an agent's observation space"),
        Command("action_space", _AGENT, "an agent's action space"),
        Command("action_mask", _AGENT, "an agent's legal actions"),
        Command("rewards", (), "the last step's rewards"),
        Command("terminations", (), "who has terminated"),
        Command("truncations", (), "who was truncated"),
        Command("infos", (), "every agent's info"),
        Command("render", (), "the game as text"),
        Command("close", (), "write an unfinished recording"),
        Command("ping", (), "the server's clock"),
        Command("env_info", (), "the env's description"),
        Command("step_all", (("actions", _actions, True),), "a Parallel step"),
        Command("observe_all", (), "every agent's observation and info"),
        Command("state_hash", (), "the world's hash"),
        Command("auth", (("token", _token, True),), "authenticate (msgpack)"),
        Command("status", (), "the server's summary (a room's peers, seats and log)"),
    )
}


class Request(NamedTuple):
    """A checked request: its command, id (or None) and fields (only those given). A
    named tuple: one is made per request, on the hot path.
    """

    cmd: str
    id: int | None
    args: Mapping[str, Any]


_NO_ARGS: Mapping[str, Any] = {}


def parse_request(obj: object, *, require_id: bool = False) -> Request:
    """Check a decoded request (see the module docstring). Raises :class:`ControlError`
    naming the field at fault; ``require_id``: the request must carry an ``id`` (msgpack).
    """
    if not isinstance(obj, dict):
        kind = "null" if obj is None else type(obj).__name__
        raise ControlError(
            ErrorCode.BAD_REQUEST,
            f'a request is a map such as {{"cmd": "reset"}}, not {kind}',
        )
    request_id = obj.get("id")
    if request_id is not None or "id" in obj:
        if type(request_id) is not int or not 0 <= request_id <= MAX_ID:
            raise _bad("id", "an int in 0..2**63-1", request_id)
    elif require_id:
        raise ControlError(
            ErrorCode.MISSING_FIELD,
            "id is missing: every msgpack request carries an int id, greater than the last one",
            "id",
        )
    name = obj.get("cmd")
    if type(name) is not str:
        raise ControlError(
            ErrorCode.MISSING_FIELD if name is None else ErrorCode.BAD_FIELD,
            'cmd must be a command name such as "reset" or "step"'
            + ("" if name is None else f", not {name!r}"),
            "cmd",
        )
    command = COMMANDS.get(name)
    if command is None:
        shown = name if len(name) <= MAX_NAME_LEN else name[:MAX_NAME_LEN] + "..."
        raise ControlError(
            ErrorCode.UNKNOWN_COMMAND,
            f"Unknown command: {shown}; the commands are {', '.join(sorted(COMMANDS))}",
            "cmd",
        )
    if not command.fields:
        return Request(name, request_id, _NO_ARGS)
    args: dict[str, Any] = {}
    for field, check, required in command.fields:
        if field in obj:
            value = check(field, obj[field])
            if value is not None:
                args[field] = value
            elif field in ("seed", "action"):  # an explicit null means something
                args[field] = None
        elif required:
            raise ControlError(ErrorCode.MISSING_FIELD, f"{name} needs the field {field}", field)
    return Request(name, request_id, args)


# ---- framing -------------------------------------------------------------------------------


def _too_large(size: int, limit: int = MAX_FRAME_BYTES) -> ControlError:
    return ControlError(
        ErrorCode.TOO_LARGE,
        f"a request frame of {size} bytes is over the limit of {limit}; "
        "requests are small maps: send one command per frame",
    )


def _over(exc: OverLimit) -> ControlError:
    return ControlError(
        ErrorCode.TOO_DEEP,
        f"the request holds {exc}; a request is a flat map (step_all's actions: one map inside)",
    )


def decode_json(data: str | bytes) -> object:
    """One JSON text frame -> Python, bounded (:class:`ControlError` otherwise)."""
    if len(data) > MAX_FRAME_BYTES:
        raise _too_large(len(data))
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return load_json(text, LIMITS)
    except OverLimit as exc:
        raise _over(exc) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError(
            ErrorCode.BAD_JSON,
            f"the frame is not JSON ({exc}); send one JSON object per text frame, "
            'such as {"cmd": "step", "action": 1}',
        ) from None


def encode_json(obj: object) -> str:
    """A response as compact JSON text."""
    return json.dumps(obj, separators=(",", ":"))


def decode_msgpack(body: bytes) -> object:
    """One msgpack frame body -> Python, bounded (:class:`ControlError` otherwise)."""
    if len(body) > MAX_FRAME_BYTES:
        raise _too_large(len(body))
    try:
        return unpack(body, LIMITS)
    except OverLimit as exc:
        raise _over(exc) from None
    except msgpack.StackError:
        raise _over(OverLimit(LIMITS.too_deep)) from None
    except (ValueError, TypeError, msgpack.UnpackException, RecursionError) as exc:
        if isinstance(exc, ValueError) and "exceeds max_" in str(exc):
            raise _over(OverLimit(f"a map or array longer than allowed ({exc})")) from None
        raise ControlError(
            ErrorCode.BAD_MSGPACK,
            f"the frame body is not one msgpack map ({type(exc).__name__}: {exc})",
        ) from None


# One packer, made once (packb builds a new one per call). Its pack() runs in C holding the
# GIL, so threads may share it.
_pack: Callable[[object], bytes] = msgpack.Packer(use_bin_type=True).pack
_header = FRAME_HEADER.pack


def encode_frame(obj: object) -> bytes:
    """A whole msgpack frame: the header, then ``obj`` packed."""
    body = _pack(obj)
    return _header(len(body)) + body


class FrameReader:
    """Splits a byte stream into msgpack frame bodies (sans-IO: feed it what arrives).

    A header announcing a body over ``max_frame`` bytes makes the stream unusable (it cannot
    be resynchronised): :meth:`feed` still returns the whole frames before it, and
    :attr:`error` then holds the ``too_large`` :class:`ControlError` for the transport to
    send before it closes the connection. Feeding a failed reader raises that error.
    """

    __slots__ = ("_buf", "error", "max_frame")

    def __init__(self, max_frame: int = MAX_FRAME_BYTES) -> None:
        self._buf = bytearray()
        self.max_frame = max_frame
        #: Set once a header announced an oversized frame.
        self.error: ControlError | None = None

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data``; return every frame body now complete, in order."""
        if self.error is not None:
            raise self.error
        buf = self._buf
        buf += data
        out: list[bytes] = []
        at = 0
        end = len(buf)
        while end - at >= 4:
            (size,) = FRAME_HEADER.unpack_from(buf, at)
            if size > self.max_frame:
                self.error = _too_large(size, self.max_frame)
                del buf[:]
                return out
            if end - at - 4 < size:
                break
            out.append(bytes(buf[at + 4 : at + 4 + size]))
            at += 4 + size
        if at:
            del buf[:at]
        return out

    @property
    def pending(self) -> int:
        """Bytes received that are not a whole frame yet."""
        return len(self._buf)
