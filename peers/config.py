"""The peer daemon's one typed configuration, loaded from TOML; flags override it.

Every setting has a default that works on one machine: ``hypertoken peer --join ROOM
--relay ws://127.0.0.1:8080`` needs nothing else. A config file holds the same names as
the flags, with ``-`` written ``_``::

    join = "friday-night"
    game = "blackjack"
    relay = "ws://relay.example:8080"
    seat = "player_1"
    control_port = 9999

    [options]
    hands = 10

    [[ice_servers]]
    urls = "turn:turn.example:3478"
    username = "me"
    credential = "secret"

:func:`load_config` reads a file; :meth:`PeerConfig.merged` applies the flags a user gave
(and only those). Unknown keys are an error naming the known ones, so a typo never passes
silently.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["ConfigError", "IceServer", "PeerConfig", "default_data_root", "load_config"]

LOG_LEVELS = ("debug", "info", "warning", "error")


class ConfigError(ValueError):
    """A setting that cannot work; the message names it and the fix."""


@dataclass(frozen=True)
class IceServer:
    """One STUN or TURN server for WebRTC (``urls``, and credentials for TURN)."""

    urls: str
    username: str | None = None
    credential: str | None = None

    @classmethod
    def parse(cls, value: str | Mapping[str, Any]) -> IceServer:
        """From a flag (``turn:user:secret@host:3478`` or ``stun:host:3478``) or a table."""
        if isinstance(value, Mapping):
            unknown = set(value) - {"urls", "username", "credential"}
            if unknown or not isinstance(value.get("urls"), str):
                raise ConfigError(
                    "an [[ice_servers]] table has urls (str) and optionally username and "
                    f"credential, not {sorted(value)}"
                )
            return cls(str(value["urls"]), value.get("username"), value.get("credential"))
        scheme, _, rest = value.partition(":")
        if scheme not in ("stun", "stuns", "turn", "turns") or not rest:
            raise ConfigError(
                f"--ice-server {value!r}: give stun:HOST:PORT or turn:USER:PASSWORD@HOST:PORT"
            )
        if "@" in rest:
            creds, _, host = rest.rpartition("@")
            user, _, secret = creds.partition(":")
            return cls(f"{scheme}:{host}", user or None, secret or None)
        return cls(value)


def default_data_root() -> Path:
    """``$XDG_DATA_HOME/hypertoken/peers`` (default ``~/.local/share/hypertoken/peers``):
    each daemon without ``--data-dir`` takes the first profile there no other daemon holds.
    """
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "hypertoken" / "peers"


@dataclass(frozen=True)
class PeerConfig:
    """Everything ``hypertoken peer`` needs; see the module docstring for the file form."""

    #: The room to join (its name on the relay, and in its genesis).
    join: str
    #: The game a new room plays, and its options (a joiner takes the room's own).
    game: str = "blackjack"
    options: Mapping[str, bool | int | float | str] = field(default_factory=dict)
    #: Seats in a new room (None: the game's minimum, at least two where it allows).
    players: int | None = None
    #: The seat to claim (None: any free seat), or watch without a seat.
    seat: str | None = None
    spectate: bool = False
    #: The relay for signalling and fallback (None: no relay; LAN discovery comes later).
    relay: str | None = None
    #: The relay's access token, and the room's join token for a private room.
    token: str | None = None
    room_token: str | None = None
    #: Where the identity and the room's files live (None: an automatic profile).
    data_dir: Path | None = None
    #: Control socket listeners: unix:///path URLs (None: DATA/control.sock), a WebSocket
    #: port (None: none), and a token bots must give (None: none; the socket is the user's).
    control: tuple[str, ...] | None = None
    control_port: int | None = None
    control_token: str | None = None
    #: WebRTC: STUN/TURN servers (none by default: loopback and LAN need none), whether to
    #: try WebRTC at all, how long before a pair falls back to the relay, and the host
    #: addresses to offer as ICE candidates (None: every interface; ["127.0.0.1"] for
    #: peers on one machine, since ICE offers no loopback candidates otherwise).
    ice_servers: tuple[IceServer, ...] = ()
    webrtc: bool = True
    connect_timeout: float = 10.0
    ice_host_addresses: tuple[str, ...] | None = None
    log_level: str = "info"

    def __post_init__(self) -> None:
        if not isinstance(self.join, str) or not self.join or len(self.join) > 128:
            raise ConfigError("--join names the room: 1 to 128 characters")
        if self.spectate and self.seat:
            raise ConfigError("give --seat or --spectate, not both")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"--log-level is one of {', '.join(LOG_LEVELS)}")
        if self.relay is not None and not self.relay.startswith(("ws://", "wss://")):
            raise ConfigError(f"--relay is a ws:// or wss:// URL, not {self.relay!r}")
        for url in self.control or ():
            if not url.startswith("unix://"):
                raise ConfigError(f"--control is a unix:///path URL, not {url!r}")
        if self.players is not None and (type(self.players) is not int or self.players < 1):
            raise ConfigError("--players is a positive int")
        if not self.connect_timeout > 0:
            raise ConfigError("connect_timeout is a positive number of seconds")

    def merged(self, **flags: Any) -> PeerConfig:
        """A copy with the given flags applied; a flag left at None keeps the file's value
        (options merge key by key).
        """
        given = {k: v for k, v in flags.items() if v is not None and v != ()}
        unknown = set(given) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ConfigError(f"unknown settings {sorted(unknown)}")
        if "options" in given:
            given["options"] = {**self.options, **given["options"]}
        return dataclasses.replace(self, **given)


def _from_mapping(data: Mapping[str, Any], where: str) -> PeerConfig:
    names = {f.name: f for f in dataclasses.fields(PeerConfig)}
    unknown = set(data) - set(names)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}; the keys are {sorted(names)}")
    values = dict(data)
    if "join" not in values:
        raise ConfigError(f'{where}: set join = "ROOM" (or pass --join)')
    if "data_dir" in values:
        values["data_dir"] = Path(values["data_dir"]).expanduser()
    if "control" in values:
        c = values["control"]
        values["control"] = (c,) if isinstance(c, str) else tuple(c)
    if "ice_servers" in values:
        values["ice_servers"] = tuple(IceServer.parse(v) for v in values["ice_servers"])
    if "ice_host_addresses" in values:
        values["ice_host_addresses"] = tuple(values["ice_host_addresses"])
    if "options" in values and not isinstance(values["options"], Mapping):
        raise ConfigError(f"{where}: [options] is a table of game options")
    try:
        return PeerConfig(**values)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_config(path: Path | None, **flags: Any) -> PeerConfig:
    """The config from ``path`` (TOML; None: none) with ``flags`` applied on top."""
    data: dict[str, Any] = {}
    where = "flags"
    if path is not None:
        where = str(path)
        try:
            data = tomllib.loads(Path(path).read_text())
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    join = flags.get("join") or data.get("join")
    if not join:
        raise ConfigError('say which room to join: --join ROOM (or join = "ROOM" in --config)')
    base = _from_mapping({**data, "join": join}, where)
    return base.merged(**{k: v for k, v in flags.items() if k != "join"})
