"""A room's metadata (:class:`RoomConfig`): its genesis.

The config is written into the genesis of every epoch document, so every peer and every
replay reads back the same room: who holds which seat, what game with which options, the
game loop, the trust mode and the core every peer must run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hypertoken.core import core_digest
from hypertoken.log.entries import entry_context
from hypertoken.log.errors import ChronicleError
from hypertoken.log.identity import peer_id_of

TRUST_MODES = ("open", "local")
Option = bool | int | float | str


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
    #: Hex BLAKE2b of the core.wasm every peer must run.
    core: str = field(default_factory=lambda: core_digest().hex())

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
            if self.trust == "open" and len(key) != 32:
                raise ChronicleError(f"seat {seat!r}: an Ed25519 public key is 32 bytes")
        for k, v in self.options.items():
            if not isinstance(k, str) or type(v) not in (bool, int, float, str):
                raise ChronicleError(f"game option {k!r} must be a bool, int, float or str")
        for name in ("max_turns", "turn_timeout_ms"):
            if type(getattr(self, name)) is not int or getattr(self, name) < 0:
                raise ChronicleError(f"RoomConfig.{name} must be an int >= 0")
        if not all(isinstance(p, str) and p for p in self.phases):
            raise ChronicleError("RoomConfig.phases are non-empty str")
        object.__setattr__(self, "phases", tuple(self.phases))
        object.__setattr__(self, "seats", dict(self.seats))
        object.__setattr__(self, "options", dict(self.options))

    @property
    def peers(self) -> dict[str, bytes]:
        """Peer id -> public key, for every peer holding a seat."""
        return {peer_id_of(k): k for k in self.seats.values() if len(k) == 32}

    def seats_of(self, peer_id: str) -> list[str]:
        """The seats held by a peer, in seat order."""
        return [s for s, k in self.seats.items() if len(k) == 32 and peer_id_of(k) == peer_id]

    def context(self, epoch: int) -> bytes:
        """The signing context of an epoch (see :func:`hypertoken.log.entries.entry_context`)."""
        return entry_context(self.room, epoch)
