"""A room's metadata (:class:`RoomConfig`): its genesis.

The room *is* its genesis. :attr:`RoomConfig.genesis` is a digest of the whole config in a
canonical encoding (room id, game, version, options, seats and their keys in seat order,
trust mode, epoch policy, game loop, timeouts, witness and core), and every entry,
checkpoint and hash record is signed over it. Two rooms that share a room id but differ in
anything else therefore never accept each other's entries, and two configs are equal
exactly when their genesis digests are. The config travels as :meth:`RoomConfig.encode`
bytes in the genesis of every epoch document and in saved files; nothing written into a
document after its genesis is ever read as metadata.

Build one with :meth:`RoomConfig.for_game`, which reads the game's name, version, seats,
options and core digest, so nobody copies them by hand. The log layer knows nothing of
games or of the core: :class:`GameLike` is the little it reads, and
:class:`hypertoken.game.Game` provides it.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import msgpack

from hypertoken.log.errors import ChronicleError
from hypertoken.log.identity import PUBLIC_KEY_SIZE, peer_id_of, weak_public_key

TRUST_MODES = ("open", "local")
Option = bool | int | float | str
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
#: The seat name a witness's entries carry (game seats never start with "@").
WITNESS_SEAT = "@witness"
#: Bounds on a config read from a document or a file (hostile input).
MAX_SEATS = 64
MAX_CONFIG_BYTES = 65536
_GENESIS_DOMAIN = b"hypertoken/genesis/2"


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


@dataclass(frozen=True, eq=False)
class RoomConfig:
    """A room's metadata, identical in every epoch document of the room. Two configs are
    equal when their :attr:`genesis` digests are (seat order included).
    """

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
    #: The epoch policy: an entry with lamport ``L`` belongs to epoch ``L // epoch_size``
    #: (0: one epoch). Lamports are checkable, so nobody can open epochs early.
    epoch_size: int = 1024
    #: Static game options (e.g. ``rounds``), passed to the game's constructor.
    options: Mapping[str, Option] = field(default_factory=dict)
    #: The game loop (see :class:`hypertoken.engine.rules.GameLoop`): it changes what the fold
    #: accepts, so it is room data that replays read back, not a per-peer setting.
    max_turns: int = 0
    turn_timeout_ms: int = 0
    phases: tuple[str, ...] = ()
    #: Milliseconds the seed phase may take before the seats that did not commit or reveal
    #: can be timed out (0: no deadline). See :mod:`hypertoken.engine.referee`.
    seed_timeout_ms: int = 0
    #: Public key of a witness peer (for example a spectator) whose claim alone times out
    #: an idle turn or seed phase; b"": none. Without one, a timeout needs a claim from
    #: every other seat holder, and there must be at least two of them.
    witness: bytes = b""
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
        if len(self.seats) > MAX_SEATS:
            raise ChronicleError(f"a room has at most {MAX_SEATS} seats")
        for seat, key in self.seats.items():
            if not isinstance(seat, str) or not seat or seat.startswith("@") or len(seat) > 64:
                raise ChronicleError(
                    f"seat names are non-empty str of at most 64 characters not starting "
                    f"with '@', not {seat!r}"
                )
            if not isinstance(key, bytes):
                raise ChronicleError(f"seat {seat!r}: the public key must be bytes")
            if self.trust == "open":
                _check_key(f"seat {seat!r}", key)
        for k, v in self.options.items():
            if not isinstance(k, str) or type(v) not in (bool, int, float, str):
                raise ChronicleError(f"game option {k!r} must be a bool, int, float or str")
            if type(v) is float and not math.isfinite(v):
                raise ChronicleError(f"game option {k!r} must be finite")
        for name in ("max_turns", "turn_timeout_ms", "seed_timeout_ms"):
            if type(getattr(self, name)) is not int or not 0 <= getattr(self, name) < 2**53:
                raise ChronicleError(f"RoomConfig.{name} must be an int >= 0")
        if not isinstance(self.witness, bytes):
            raise ChronicleError("RoomConfig.witness is a 32-byte public key, or b''")
        if self.witness:
            _check_key("the witness", self.witness)
            if peer_id_of(self.witness) in {
                peer_id_of(k) for k in self.seats.values() if len(k) == PUBLIC_KEY_SIZE
            }:
                raise ChronicleError("the witness must not hold a seat")
        if self.trust == "open" and (self.turn_timeout_ms or self.seed_timeout_ms):
            holders = {k for k in self.seats.values()}
            if not self.witness and len(holders) < 3:
                raise ChronicleError(
                    "timeouts need a witness (RoomConfig.witness) or at least three seat "
                    f"holders: with {len(holders)}, one peer's clock alone would decide "
                    "that another's turn is over"
                )
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
        if len(self.encode()) > MAX_CONFIG_BYTES:
            raise ChronicleError(f"a room config encodes to at most {MAX_CONFIG_BYTES} bytes")

    # ---- the genesis ------------------------------------------------------------------

    def _canonical(self) -> list[Any]:
        return [
            "hypertoken.room/2",
            self.room,
            self.game,
            self.game_version,
            self.core,
            self.trust,
            self.epoch_size,
            [[s, k] for s, k in self.seats.items()],
            [[k, self.options[k]] for k in sorted(self.options)],
            self.max_turns,
            self.turn_timeout_ms,
            list(self.phases),
            self.seed_timeout_ms,
            self.witness,
        ]

    def encode(self) -> bytes:
        """The canonical msgpack encoding: what the genesis digest covers and what
        documents and saved files carry. :meth:`decode` reads it back.
        """
        out: bytes = msgpack.packb(self._canonical(), use_bin_type=True)
        return out

    @classmethod
    def decode(cls, data: object) -> RoomConfig:
        """A config from :meth:`encode` bytes; anything else raises :class:`ChronicleError`."""
        if not isinstance(data, bytes) or len(data) > MAX_CONFIG_BYTES:
            raise ChronicleError("a room config is at most 64 KiB of msgpack bytes")
        try:
            (tag, room, game, ver, core, trust, size, seats, opts, mt, tt, ph, st, wit) = (
                msgpack.unpackb(data, raw=False, strict_map_key=True)
            )
            if tag != "hypertoken.room/2":
                raise ValueError(f"unknown config format {tag!r}")
            config = cls(
                room=room,
                game=game,
                game_version=ver,
                seats={s: k for s, k in seats},
                trust=trust,
                epoch_size=size,
                options={k: v for k, v in opts},
                max_turns=mt,
                turn_timeout_ms=tt,
                phases=tuple(ph),
                seed_timeout_ms=st,
                witness=wit,
                core=core,
            )
        except ChronicleError:
            raise
        except Exception as exc:  # any malformed config is the same error
            raise ChronicleError(f"malformed room config ({type(exc).__name__})") from None
        if config.encode() != data:
            raise ChronicleError("room config is not in canonical form")
        return config

    @cached_property
    def genesis(self) -> bytes:
        """The room's 32-byte genesis digest: what every signature in the room covers."""
        return hashlib.blake2b(_GENESIS_DOMAIN + self.encode(), digest_size=32).digest()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RoomConfig):
            return NotImplemented
        return self.genesis == other.genesis

    def __hash__(self) -> int:
        return hash(self.genesis)

    def epoch_of(self, lamport: int) -> int:
        """The epoch an entry with this lamport belongs to."""
        size = self.epoch_size
        return lamport // size if size else 0

    @classmethod
    def for_game(
        cls,
        game: GameLike,
        holders: Sequence[KeyHolder | bytes] | None = None,
        *,
        room: str,
        trust: str = "open",
        epoch_size: int = 1024,
        max_turns: int = 0,
        turn_timeout_ms: int = 0,
        phases: Sequence[str] = (),
        seed_timeout_ms: int = 0,
        witness: KeyHolder | bytes = b"",
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
            options=dict(game.options),
            max_turns=max_turns,
            turn_timeout_ms=turn_timeout_ms,
            phases=tuple(phases),
            seed_timeout_ms=seed_timeout_ms,
            witness=witness if isinstance(witness, bytes) else witness.public_key,
            core=game.core_digest().hex(),
        )

    @cached_property
    def peers(self) -> dict[str, bytes]:
        """Peer id -> public key, for every peer holding a seat (in seat order)."""
        return {peer_id_of(k): k for k in self.seats.values() if len(k) == PUBLIC_KEY_SIZE}

    @cached_property
    def witness_id(self) -> str:
        """The witness's peer id, or "" when the room has none."""
        return peer_id_of(self.witness) if self.witness else ""

    @cached_property
    def authors(self) -> dict[str, bytes]:
        """Peer id -> public key of every peer that may write entries: the seat holders
        and the witness.
        """
        out = dict(self.peers)
        if self.witness:
            out[self.witness_id] = self.witness
        return out

    def seats_of(self, peer_id: str) -> list[str]:
        """The seats held by a peer, in seat order."""
        return [
            s
            for s, k in self.seats.items()
            if len(k) == PUBLIC_KEY_SIZE and peer_id_of(k) == peer_id
        ]


def _check_key(what: str, key: bytes) -> None:
    if len(key) != PUBLIC_KEY_SIZE:
        raise ChronicleError(f"{what}: an Ed25519 public key is 32 bytes")
    if weak_public_key(key):
        raise ChronicleError(f"{what}: a small-order Ed25519 key is not a key anyone owns")
