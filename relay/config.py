"""The relay's configuration: one typed dataclass, filled from flags and environment variables.

Every field has a command-line flag (``--max-peers-per-room``) and an environment variable
(``HYPERTOKEN_RELAY_MAX_PEERS_PER_ROOM``). Flags override the environment, which overrides the
defaults. ``python -m relay`` and ``hypertoken relay`` accept the same flags.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from hypertoken.protocol import (
    DEFAULT_MAX_MESSAGE_BYTES,
    MAX_ROOM_LEN,
    MAX_ROOM_MEMBERS,
    MAX_TOKEN_LEN,
)

ENV_PREFIX = "HYPERTOKEN_RELAY_"
LOG_FORMATS = ("text", "json")


def _help(text: str) -> Any:
    return {"help": text}


@dataclass(frozen=True)
class RelayConfig:
    """Everything the relay can be told. Defaults suit a small public relay."""

    host: str = field(default="127.0.0.1", metadata=_help("Address to listen on."))
    port: int = field(default=8080, metadata=_help("TCP port to listen on."))
    token: str | None = field(
        default=None,
        metadata=_help("Relay-wide auth token every hello must carry (empty: no auth)."),
    )
    room_tokens: Mapping[str, str] = field(
        default_factory=dict,
        metadata=_help(
            "Private rooms fixed by the operator, as ROOM=TOKEN (repeat the flag; in the "
            "environment, comma-separated)."
        ),
    )
    max_message_bytes: int = field(
        default=DEFAULT_MAX_MESSAGE_BYTES,
        metadata=_help("Largest WebSocket frame accepted; peers send bigger payloads in parts."),
    )
    rate: float = field(default=100.0, metadata=_help("Messages per second allowed per peer."))
    burst: int = field(
        default=200, metadata=_help("Messages a peer may send at once above the rate.")
    )
    max_peers_per_room: int = field(default=64, metadata=_help("Members allowed in one room."))
    max_rooms: int = field(default=10_000, metadata=_help("Rooms allowed on the relay."))
    max_peers: int = field(
        default=10_000, metadata=_help("Open WebSocket connections allowed (hello or not).")
    )
    max_rooms_per_peer: int = field(
        default=16, metadata=_help("Rooms one connection may be in at once.")
    )
    max_connections: int = field(
        default=0,
        metadata=_help(
            "TCP connections allowed, counted at accept, before any request or upgrade "
            "(0: --max-peers + 100, kept under the process's open-file limit)."
        ),
    )
    max_connections_per_address: int = field(
        default=64,
        metadata=_help(
            "TCP connections allowed from one client address (IPv6: one /64), counted at "
            "accept; enough for a LAN party behind one NAT (0: no cap)."
        ),
    )
    max_rooms_per_address: int = field(
        default=64,
        metadata=_help(
            "Rooms that peers from one client address (IPv6: one /64) may have created and "
            "that still exist (0: no cap)."
        ),
    )
    connect_rate: float = field(
        default=20.0,
        metadata=_help(
            "New TCP connections per second allowed from one client address, refused at "
            "accept above it (0: no limit)."
        ),
    )
    connect_burst: int = field(
        default=64,
        metadata=_help("New connections one address may open at once above --connect-rate."),
    )
    join_rate: float = field(
        default=2.0,
        metadata=_help("Joins and leaves per second allowed per peer (beside --rate)."),
    )
    join_burst: int = field(
        default=20,
        metadata=_help("Joins and leaves a peer may make at once above --join-rate."),
    )
    heartbeat: float = field(
        default=20.0, metadata=_help("Seconds of silence before the relay pings a peer.")
    )
    idle_timeout: float = field(
        default=60.0,
        metadata=_help("Seconds without any frame (not even a pong) before the relay closes."),
    )
    hello_timeout: float = field(
        default=10.0, metadata=_help("Seconds a new connection has to complete hello.")
    )
    http_timeout: float = field(
        default=10.0,
        metadata=_help(
            "Seconds an HTTP connection has to complete its request (also how long an idle "
            "keep-alive connection stays open)."
        ),
    )
    send_queue_bytes: int = field(
        default=8 * 1024 * 1024,
        metadata=_help(
            "Bytes queued to one slow peer before the relay drops it (everything queued "
            "counts: messages, errors, pongs, each plus 64 bytes of bookkeeping)."
        ),
    )
    write_timeout: float = field(
        default=10.0,
        metadata=_help(
            "Seconds a write to a peer may wait for it to read: a peer that takes nothing "
            "for that long, or a closing connection not closed by then, is cut off."
        ),
    )
    shutdown_timeout: float = field(
        default=5.0, metadata=_help("Seconds to wait for peers to close after sending bye.")
    )
    log_format: str = field(default="text", metadata=_help("Log lines as 'text' or 'json'."))
    log_level: str = field(default="info", metadata=_help("debug, info, warning or error."))

    def __post_init__(self) -> None:
        """Reject values the relay cannot run with, naming the flag to fix."""
        positive = (
            "max_message_bytes",
            "rate",
            "burst",
            "max_peers_per_room",
            "max_rooms",
            "max_peers",
            "max_rooms_per_peer",
            "heartbeat",
            "idle_timeout",
            "hello_timeout",
            "http_timeout",
            "send_queue_bytes",
            "write_timeout",
            "join_rate",
            "join_burst",
            "connect_burst",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"--{flag_name(name)} must be positive, got {getattr(self, name)}")
        for name in (
            "max_connections",
            "max_connections_per_address",
            "max_rooms_per_address",
            "connect_rate",
        ):
            if getattr(self, name) < 0:
                raise ValueError(
                    f"--{flag_name(name)} must not be negative (0: the default or no cap), "
                    f"got {getattr(self, name)}"
                )
        if not 0 <= self.port <= 65535:
            raise ValueError(f"--port must be 0-65535 (0: any free port), got {self.port}")
        if self.shutdown_timeout < 0:
            raise ValueError("--shutdown-timeout must not be negative")
        if self.max_peers_per_room > MAX_ROOM_MEMBERS:
            raise ValueError(
                f"--max-peers-per-room must be at most {MAX_ROOM_MEMBERS} (the largest member "
                f"list the protocol carries), got {self.max_peers_per_room}"
            )
        if self.max_message_bytes < 4096:
            raise ValueError("--max-message-bytes must be at least 4096 (a hello and a join)")
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"--log-format must be one of {', '.join(LOG_FORMATS)}")
        if self.log_level.lower() not in ("debug", "info", "warning", "error"):
            raise ValueError("--log-level must be debug, info, warning or error")
        if self.token == "":
            object.__setattr__(self, "token", None)  # an empty env var means "no auth"
        for room, token in self.room_tokens.items():
            if not 0 < len(room) <= MAX_ROOM_LEN or not 0 < len(token) <= MAX_TOKEN_LEN:
                raise ValueError(
                    f"--room-token {room!r}: room must be 1-{MAX_ROOM_LEN} characters and "
                    f"token 1-{MAX_TOKEN_LEN}"
                )

    def with_overrides(self, **changes: Any) -> RelayConfig:
        """Return a copy with ``changes`` applied; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def flag_name(attr: str) -> str:
    """Return the command-line flag name of a config field (``max_rooms`` -> ``max-rooms``)."""
    return attr.replace("_", "-")


def env_name(attr: str) -> str:
    """Return the environment variable of a config field (``HYPERTOKEN_RELAY_MAX_ROOMS``)."""
    return ENV_PREFIX + attr.upper()


def parse_room_tokens(items: Sequence[str]) -> dict[str, str]:
    """Parse ``ROOM=TOKEN`` items into a mapping, naming the bad item on error."""
    out: dict[str, str] = {}
    for item in items:
        room, sep, token = item.partition("=")
        if not sep or not room or not token:
            raise ValueError(f"room token {item!r} must look like ROOM=TOKEN")
        out[room] = token
    return out


def _convert(attr: str, raw: str) -> Any:
    default = _DEFAULTS[attr]
    if attr == "room_tokens":
        return parse_room_tokens([p for p in raw.split(",") if p.strip()])
    if attr == "token":
        return raw
    try:
        return type(default)(raw)
    except ValueError:
        raise ValueError(
            f"{env_name(attr)}={raw!r} is not a valid {type(default).__name__}"
        ) from None


def from_env(environ: Mapping[str, str] | None = None) -> RelayConfig:
    """Build a config from ``HYPERTOKEN_RELAY_*`` variables over the defaults."""
    environ = os.environ if environ is None else environ
    values = {
        f.name: _convert(f.name, environ[env_name(f.name)])
        for f in fields(RelayConfig)
        if env_name(f.name) in environ
    }
    return RelayConfig(**values)


_DEFAULTS: dict[str, Any] = {f.name: getattr(RelayConfig(), f.name) for f in fields(RelayConfig)}


def build_parser(prog: str = "python -m relay") -> argparse.ArgumentParser:
    """Return the argparse parser of ``python -m relay``, one flag per config field."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="HyperToken relay: signalling and data relay for peers in rooms.",
        epilog=f"Every flag can also be set as an environment variable {ENV_PREFIX}<FLAG>.",
    )
    for f in fields(RelayConfig):
        flag = "--" + flag_name(f.name)
        help_text = f"{f.metadata['help']} [env {env_name(f.name)}]"
        if f.name == "room_tokens":
            parser.add_argument(
                flag.rstrip("s"), dest=f.name, action="append", help=help_text, metavar="ROOM=TOKEN"
            )
        elif f.name == "token":
            parser.add_argument(flag, dest=f.name, help=help_text)
        elif f.name in ("log_format",):
            parser.add_argument(flag, dest=f.name, choices=LOG_FORMATS, help=help_text)
        else:
            parser.add_argument(flag, dest=f.name, type=type(_DEFAULTS[f.name]), help=help_text)
    return parser


def config_from_args(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> RelayConfig:
    """Parse ``python -m relay`` arguments over the environment; raise SystemExit on errors."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = from_env(environ)
        values = vars(args)
        if values.get("room_tokens") is not None:
            values["room_tokens"] = {
                **config.room_tokens,
                **parse_room_tokens(values["room_tokens"]),
            }
        return config.with_overrides(**values)
    except ValueError as exc:
        parser.error(str(exc))
        raise  # unreachable: parser.error exits
