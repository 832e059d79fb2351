"""A room's metadata (:class:`RoomConfig`): its genesis.

The config is written into the genesis of every epoch document, so every peer and every
replay reads back the same room: who holds which seat, what game with which options, the
game loop, the trust mode and the core every peer must run.

Build one with :meth:`RoomConfig.for_game`, which reads the game's name, version, seats,
options and core digest, so nobody copies them by hand. The log layer knows nothing of
games or of the core: :class:`GameLike` is the little it reads, and
:class:`hypertoken.game.Game` provides it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from hypertoken.log.entries import entry_context
from hypertoken.log.errors import ChronicleError
from hypertoken.log.identity import PUBLIC_KEY_SIZE, peer_id_of

TRUST_MODES = ("open", "local")
Option = bool | int | float | str
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


class GameInfoLike(Protocol):
    """The part of a game's metadata a room records (``hypertoken.game.GameInfo``)."""

    @property
    def name(self) -> str:
        """The registry name."""

    @property
    def version(self) -> int:
        """The rules' version."""


class GameLike(Protocol):
    """What :meth:`RoomConfig.for_game` reads of a game. ``hypertoken.game.Game`` provides
    it; the log layer imports neither the games nor the core, so it names only this.
    """

    @property
    def info(self) -> GameInfoLike:
        """Name and version."""

    @property
    def seats(self) -> Sequence[str]:
        """The seat names, in seat order."""

    @property
    def options(self) -> Mapping[str, Any]:
        """The static options the game was built with."""

    def core_digest(self) -> bytes:
        """The SHA-256 of the action core the game runs on."""


class KeyHolder(Protocol):
    """Anything with an Ed25519 public key (``hypertoken.log.Identity``)."""

    @property
    def public_key(self) -> bytes:
        """The 32-byte public key."""


@dataclass(frozen=True)
class RoomConfig:
    """A room's metadata, identical in every epoch document of the room."""

    #: The room id; it is part of every signature, so entries cannot cross rooms.
    room: str
    #: The game's registry name and version (``GameInfo.name`` / ``.version``).
    game: str
    game_version: int
    #: Seat name -> 32-byte Ed25519 public key of the peer holding it. In trust mode
    #: ``"local"`` (one writer, unsigned entries) the keys are empty.
    seats: Mapping[str, bytes]
    #: ``"open"``: signed entries, everything replicated. ``"local"``: one process, unsigned.
    trust: str = "open"
    #: Entries per epoch document (0: no limit).
    epoch_size: int = 1024
    #: Also start a new epoch whenever the game says a hand is over.
    epoch_per_hand: bool = False
    #: Static game options (e.g. ``rounds``), passed to the game's constructor.
    options: Mapping[str, Option] = field(default_factory=dict)
    #: The game loop (see :class:`hypertoken.engine.rules.GameLoop`): it changes what the fold
    #: accepts, so it is room data that replays read back, not a per-peer setting.
    max_turns: int = 0
    turn_timeout_ms: int = 0
    phases: tuple[str, ...] = ()
    #: Hex SHA-256 of the core.wasm every peer must run (``Game.core_digest()``). There is
    #: no default: :meth:`for_game` takes it from the game, a direct construction says it.
    core: str = field(kw_only=True)

    def __post_init__(self) -> None:
        if not isinstance(self.room, str) or not self.room:
            raise ChronicleError("RoomConfig.room must be a non-empty str")
        if not isinstance(self.game, str) or not self.game:
            raise ChronicleError("RoomConfig.game must be a non-empty str")
        if type(self.game_version) is not int or self.game_version < 0:
            raise ChronicleError("RoomConfig.game_version must be an int >= 0")
        if self.trust not in TRUST_MODES:
            raise ChronicleError(f"trust mode {self.trust!r} is not one of {TRUST_MODES}")
        if type(self.epoch_size) is not int or self.epoch_size < 0:
            raise ChronicleError("RoomConfig.epoch_size must be an int >= 0 (0: no limit)")
        if not self.seats:
            raise ChronicleError("a room needs at least one seat")
        for seat, key in self.seats.items():
            if not isinstance(seat, str) or not seat:
                raise ChronicleError(f"seat names are non-empty str, not {seat!r}")
            if not isinstance(key, bytes):
                raise ChronicleError(f"seat {seat!r}: the public key must be bytes")
            if self.trust == "open" and len(key) != PUBLIC_KEY_SIZE:
                raise ChronicleError(f"seat {seat!r}: an Ed25519 public key is 32 bytes")
        for k, v in self.options.items():
            if not isinstance(k, str) or type(v) not in (bool, int, float, str):
                raise ChronicleError(f"game option {k!r} must be a bool, int, float or str")
        for name in ("max_turns", "turn_timeout_ms"):
            if type(getattr(self, name)) is not int or getattr(self, name) < 0:
                raise ChronicleError(f"RoomConfig.{name} must be an int >= 0")
        if not all(isinstance(p, str) and p for p in self.phases):
            raise ChronicleError("RoomConfig.phases are non-empty str")
        if not isinstance(self.core, str) or not _HEX_SHA256.fullmatch(self.core):
            raise ChronicleError(
                "RoomConfig.core is the hex SHA-256 of the core.wasm every peer runs "
                f"(64 lowercase hex digits), not {self.core!r}: build the config with "
                "RoomConfig.for_game(game, ...), or pass core=game.core_digest().hex()"
            )
        object.__setattr__(self, "phases", tuple(self.phases))
        object.__setattr__(self, "seats", dict(self.seats))
        object.__setattr__(self, "options", dict(self.options))

    @classmethod
    def for_game(
        cls,
        game: GameLike,
        holders: Sequence[KeyHolder | bytes] | None = None,
        *,
        room: str,
        trust: str = "open",
        epoch_size: int = 1024,
        epoch_per_hand: bool = False,
        max_turns: int = 0,
        turn_timeout_ms: int = 0,
        phases: Sequence[str] = (),
    ) -> RoomConfig:
        """The config of a room playing ``game``: its name, version, seats, options and
        core digest come from the game, so they cannot be copied wrong.

        ``holders`` says who holds each seat, in the game's seat order: an
        :class:`~hypertoken.log.Identity` (anything with a ``public_key``) or a 32-byte
        public key per seat; one peer may hold several. Seat names come from the game
        alone, so a room's seats are always the game's. A ``"local"`` (training) room has
        no keys: leave ``holders`` out. The other arguments are the :class:`RoomConfig`
        fields of the same names.
        """
        seats = list(game.seats)
        if holders is None:
            if trust != "local":
                raise ChronicleError(
                    f"a {trust!r} room needs the holder of each seat: "
                    f"RoomConfig.for_game(game, [holder of {seats[0]!r}, ...], room=...)"
                )
            keys = [b""] * len(seats)
        else:
            if isinstance(holders, (bytes, str)) or len(holders) != len(seats):
                raise ChronicleError(
                    f"give one holder per seat of {game.info.name} ({seats}), in seat order"
                )
            keys = [h if isinstance(h, bytes) else h.public_key for h in holders]
        return cls(
            room=room,
            game=game.info.name,
            game_version=game.info.version,
            seats=dict(zip(seats, keys, strict=True)),
            trust=trust,
            epoch_size=epoch_size,
            epoch_per_hand=epoch_per_hand,
            options=dict(game.options),
            max_turns=max_turns,
            turn_timeout_ms=turn_timeout_ms,
            phases=tuple(phases),
            core=game.core_digest().hex(),
        )

    @property
    def peers(self) -> dict[str, bytes]:
        """Peer id -> public key, for every peer holding a seat."""
        return {peer_id_of(k): k for k in self.seats.values() if len(k) == PUBLIC_KEY_SIZE}

    def seats_of(self, peer_id: str) -> list[str]:
        """The seats held by a peer, in seat order."""
        return [
            s
            for s, k in self.seats.items()
            if len(k) == PUBLIC_KEY_SIZE and peer_id_of(k) == peer_id
        ]

    def context(self, epoch: int) -> bytes:
        """The signing context of an epoch (see :func:`hypertoken.log.entries.entry_context`)."""
        return entry_context(self.room, epoch)
