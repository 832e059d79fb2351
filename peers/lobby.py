"""Seating a room: signed seat claims, and the genesis they seal (sans-IO).

A room is its genesis (:class:`hypertoken.log.config.RoomConfig`): game, options and the
public key holding each seat. Before it exists, the peers of a room agree on it here:

1. The first peer in the room (one that finds no offer among the peers it reaches) becomes
   the **registrar**: it signs a :class:`RoomOffer` (room, game, version, number of seats,
   options, core digest, its key) and claims a seat like anyone else.
2. Every joining peer that wants to play signs a :class:`SeatClaim` for the offer: a seat
   by name, or any free seat. It goes to the registrar, which takes claims in the order it
   receives them. A claim for a taken seat, a seat the game does not have, or a full room is
   refused with a :class:`~peers.wire.Refuse` naming the holder and the free seats.
3. The registrar broadcasts its seat table (:class:`~peers.wire.Lobby`: the offer and the
   accepted claims, each signed by its claimant) after every change. When every seat is
   held it **seals** the room: the room config, signed. Every peer checks the seal (the
   registrar's signature, the config against the offer, its own seat) and from then on the
   room is that config's Chronicle: seats are never reassigned, and the commit-reveal seed
   starts the game.

Spectators claim nothing; they wait for the sealed table (or a saved epoch) and only read.

Two registrars can arise when peers start together and do not see each other's offers in
time. Before either is sealed, every peer keeps the offer that sorts first (sealed before
unsealed, then the earlier ``created_ms``, then the lower digest); the other registrar drops
its own offer and claims a seat in the kept one. Once sealed, a room never changes: a peer
holding a sealed config ignores every other offer (two sealed rooms of one name are two
rooms; their Chronicles refuse each other by genesis).

The registrar decides only who sits where, which every claimant signed; it cannot seat a
key that did not claim, and nothing it does later binds the game. In trust mode ``open`` the
peers trust it with that, as they trust each other with everything else.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgpack

from hypertoken.game import Game
from hypertoken.log.chronicle import ChronicleError, RoomConfig
from hypertoken.log.identity import Identity, Verifier, peer_id_of
from peers.wire import Claim, Lobby, Offer, Refuse, WireMessage

__all__ = ["LobbyError", "Out", "RoomLobby", "RoomOffer", "SeatClaim"]

logger = logging.getLogger(__name__)

_OFFER = b"hypertoken/offer/1\0"
_CLAIM = b"hypertoken/claim/1\0"
_SEAL = b"hypertoken/seal/1\0"

#: A message to send: (peer id, message), or (None, message) for every connected peer.
Out = tuple[str | None, WireMessage]
#: Builds the game an offer names: (name, version, players, options) -> Game.
GameMaker = Callable[[str, int, int, Mapping[str, Any]], Game]


class LobbyError(ValueError):
    """A lobby message that does not hold (bad signature, another room, a config that
    does not match its offer); it is ignored and logged.
    """


def _unpack(data: bytes, n: int, what: str) -> list[Any]:
    try:
        obj = msgpack.unpackb(data, raw=False, max_array_len=64, max_map_len=0)
    except Exception:
        raise LobbyError(f"malformed {what}") from None
    if not isinstance(obj, list) or len(obj) != n:
        raise LobbyError(f"malformed {what}")
    return obj


@dataclass(frozen=True)
class RoomOffer:
    """A registrar's terms for a room: what its genesis will be, but for the seat holders."""

    room: str
    game: str
    version: int
    players: int
    options: Mapping[str, bool | int | float | str]
    core: str
    registrar: bytes
    created_ms: int

    def encode(self) -> bytes:
        """Canonical msgpack bytes (what the registrar signs)."""
        body = [
            "hypertoken.offer/1",
            self.room,
            self.game,
            self.version,
            self.players,
            [[k, self.options[k]] for k in sorted(self.options)],
            self.core,
            self.registrar,
            self.created_ms,
        ]
        out: bytes = msgpack.packb(body, use_bin_type=True)
        return out

    @classmethod
    def decode(cls, data: bytes) -> RoomOffer:
        """Read :meth:`encode` bytes (hostile input: :class:`LobbyError` if malformed)."""
        tag, room, game, version, players, options, core, registrar, created = _unpack(
            data, 9, "room offer"
        )
        ok = (
            tag == "hypertoken.offer/1"
            and isinstance(room, str)
            and isinstance(game, str)
            and type(version) is int
            and type(players) is int
            and 1 <= players <= 64
            and isinstance(options, list)
            and all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in options)
            and isinstance(core, str)
            and isinstance(registrar, bytes)
            and len(registrar) == 32
            and type(created) is int
        )
        if not ok:
            raise LobbyError("malformed room offer")
        offer = cls(room, game, version, players, dict(options), core, registrar, created)
        if offer.encode() != data:
            raise LobbyError("room offer is not in canonical form")
        return offer

    @property
    def digest(self) -> bytes:
        """32 bytes naming this offer."""
        return hashlib.blake2b(self.encode(), digest_size=32).digest()

    @property
    def registrar_id(self) -> str:
        """The registrar's peer id."""
        return peer_id_of(self.registrar)


@dataclass(frozen=True)
class SeatClaim:
    """A peer's signed request for ``seat`` ("" for any free seat) in an offer."""

    offer: bytes
    seat: str
    key: bytes
    time_ms: int

    def encode(self) -> bytes:
        """Canonical msgpack bytes (what the claimant signs)."""
        body = ["hypertoken.claim/1", self.offer, self.seat, self.key, self.time_ms]
        out: bytes = msgpack.packb(body, use_bin_type=True)
        return out

    @classmethod
    def decode(cls, data: bytes) -> SeatClaim:
        """Read :meth:`encode` bytes (hostile input)."""
        tag, offer, seat, key, time_ms = _unpack(data, 5, "seat claim")
        ok = (
            tag == "hypertoken.claim/1"
            and isinstance(offer, bytes)
            and len(offer) == 32
            and isinstance(seat, str)
            and len(seat) <= 64
            and isinstance(key, bytes)
            and len(key) == 32
            and type(time_ms) is int
        )
        if not ok:
            raise LobbyError("malformed seat claim")
        return cls(offer, seat, key, time_ms)

    @property
    def peer_id(self) -> str:
        """The claimant's peer id."""
        return peer_id_of(self.key)


@dataclass
class _Table:
    """One offer and what is known of its seats."""

    offer: RoomOffer
    raw: bytes
    sig: bytes
    game: Game
    #: seat -> (claim bytes, signature, claim), in the registrar's order.
    claims: dict[str, tuple[bytes, bytes, SeatClaim]] = field(default_factory=dict)
    config: RoomConfig | None = None
    seal: bytes = b""

    def rank(self) -> tuple[int, int, bytes]:
        """Which of two offers a room keeps: the lower (sealed first, then the earlier, then
        the lower digest)."""
        return (0 if self.config else 1, self.offer.created_ms, self.offer.digest)


class RoomLobby:
    """The seating of one room for one peer (see the module docstring). Sans-IO: feed it
    :meth:`joined`, :meth:`left` and :meth:`receive`; send what they return. The room is
    seated when :attr:`config` is set.
    """

    def __init__(
        self,
        identity: Identity,
        room: str,
        make_game: GameMaker,
        *,
        seat: str | None = None,
        spectate: bool = False,
        clock: Callable[[], int],
    ) -> None:
        self.identity = identity
        self.room = room
        self.make_game = make_game
        #: The seat this peer asks for (None: any free seat).
        self.want = seat
        self.spectate = spectate
        self.clock = clock
        self.verifier = Verifier()
        self.table: _Table | None = None
        #: Peers reachable now.
        self.connected: set[str] = set()
        #: Why the registrar refused our claim ("" while it has not).
        self.refused = ""
        self._claim: tuple[bytes, bytes] | None = None

    # ---- state --------------------------------------------------------------------------

    @property
    def config(self) -> RoomConfig | None:
        """The sealed room config (None until the room is seated)."""
        return self.table.config if self.table else None

    @property
    def is_registrar(self) -> bool:
        """Whether this peer's offer is the room's."""
        return self.table is not None and self.table.offer.registrar == self.identity.public_key

    def seats(self) -> dict[str, str]:
        """Seat -> the peer id holding it ("" while free), as far as this peer knows."""
        if self.table is None:
            return {}
        if self.table.config is not None:
            return {s: peer_id_of(k) for s, k in self.table.config.seats.items()}
        held = {s: c.peer_id for s, (_, _, c) in self.table.claims.items()}
        return {s: held.get(s, "") for s in self.table.game.seats}

    # ---- the registrar -----------------------------------------------------------------

    def create(self, game: Game) -> list[Out]:
        """Become the registrar of a room playing ``game`` (if no offer is known yet)."""
        if self.table is not None:
            return []
        offer = RoomOffer(
            self.room,
            game.info.name,
            game.info.version,
            len(game.seats),
            dict(game.options),
            game.core_digest().hex(),
            self.identity.public_key,
            self.clock(),
        )
        raw = offer.encode()
        self.table = _Table(offer, raw, self.identity.sign(_OFFER + raw), game)
        logger.info(
            "room %s: created the offer (%s, %d seats)", self.room, game.info.name, len(game.seats)
        )
        return self._claim_seat()

    def _lobby_message(self) -> Lobby:
        t = self.table
        assert t is not None
        config = t.config.encode() if t.config else b""
        claims = tuple((seat, raw, sig) for seat, (raw, sig, _) in t.claims.items())
        return Lobby(t.raw, t.sig, claims, config, t.seal)

    def _take(self, raw: bytes, sig: bytes) -> list[Out]:
        """The registrar judges one claim."""
        t = self.table
        assert t is not None and self.is_registrar
        claim = SeatClaim.decode(raw)
        if not self.verifier.verify(claim.key, sig, _CLAIM + raw) or claim.offer != t.offer.digest:
            raise LobbyError(f"a claim from {claim.peer_id} is not signed for this offer")
        who = claim.peer_id
        seats = list(t.game.seats)
        mine = [s for s, (_, _, c) in t.claims.items() if c.key == claim.key]
        if mine or (t.config is not None and claim.key in t.config.seats.values()):
            return [(who, self._lobby_message())]  # already seated (or asked twice): answer again
        free = [s for s in seats if s not in t.claims]
        reason = ""
        if t.config is not None:
            reason = "the room has started and every seat is held: join with --spectate to watch"
        elif claim.seat and claim.seat not in seats:
            reason = f"{t.game.info.name} has no seat {claim.seat!r}: its seats are {seats}"
        elif claim.seat and claim.seat in t.claims:
            holder = t.claims[claim.seat][2].peer_id
            reason = (
                f"seat {claim.seat} is taken by peer {holder}: free seats are {free or 'none'}"
                + ("" if free else "; join with --spectate to watch")
            )
        elif not free:
            reason = "every seat is taken: join with --spectate to watch"
        if reason:
            logger.info("room %s: refused %s: %s", self.room, who, reason)
            return [(who, Refuse(t.offer.digest, claim.seat, reason))]
        seat = claim.seat or free[0]
        t.claims[seat] = (raw, sig, claim)
        logger.info("room %s: seat %s to %s", self.room, seat, who)
        if len(t.claims) == len(seats):
            holders = [t.claims[s][2].key for s in seats]
            t.config = RoomConfig.for_game(t.game, holders, room=self.room)
            t.seal = self.identity.sign(_SEAL + t.config.encode())
            logger.info("room %s: sealed (genesis %s)", self.room, t.config.genesis.hex()[:16])
        return [(None, self._lobby_message())]

    # ---- every peer ----------------------------------------------------------------------

    def _claim_seat(self) -> list[Out]:
        t = self.table
        if t is None or self.spectate or t.config is not None or self.refused:
            return []
        if self._claim is None or SeatClaim.decode(self._claim[0]).offer != t.offer.digest:
            claim = SeatClaim(
                t.offer.digest, self.want or "", self.identity.public_key, self.clock()
            )
            raw = claim.encode()
            self._claim = (raw, self.identity.sign(_CLAIM + raw))
        if self.is_registrar:
            return self._take(*self._claim)
        registrar = t.offer.registrar_id
        if registrar in self.connected:
            return [(registrar, Claim(*self._claim))]
        return []

    def joined(self, peer: str) -> list[Out]:
        """``peer`` became reachable: tell it the table, or claim from it if it registers."""
        self.connected.add(peer)
        if self.table is None:
            return []
        out: list[Out] = [(peer, self._lobby_message())]
        if peer == self.table.offer.registrar_id:
            out += self._claim_seat()
        return out

    def left(self, peer: str) -> None:
        """``peer`` is no longer reachable."""
        self.connected.discard(peer)

    def receive(self, peer: str, message: WireMessage) -> list[Out]:
        """Handle an offer, claim, lobby or refusal from ``peer``. One that does not hold
        (a bad signature, another room, a config unlike its offer, a malformed claim)
        raises :class:`LobbyError` having changed nothing: the room counts it against the
        sender.
        """
        try:
            if isinstance(message, Claim):
                if self.is_registrar:
                    return self._take(message.claim, message.sig)
                return []
            if isinstance(message, Offer):
                return self._adopt(message.offer, message.sig, (), b"", b"")
            if isinstance(message, Lobby):
                return self._adopt(
                    message.offer,
                    message.offer_sig,
                    message.claims,
                    message.config,
                    message.seal_sig,
                )
            if isinstance(message, Refuse):
                t = self.table
                if (
                    t is not None
                    and message.offer == t.offer.digest
                    and peer == t.offer.registrar_id
                ):
                    self.refused = message.reason
                    logger.warning("room %s: seat refused: %s", self.room, message.reason)
                return []
        except LobbyError:
            raise
        except (ChronicleError, ValueError) as exc:
            raise LobbyError(str(exc)) from None
        return []

    def _adopt(
        self,
        raw: bytes,
        sig: bytes,
        claims: tuple[tuple[str, bytes, bytes], ...],
        config_raw: bytes,
        seal: bytes,
    ) -> list[Out]:
        offer = RoomOffer.decode(raw)
        if offer.room != self.room:
            raise LobbyError(f"an offer for room {offer.room[:64]!r}, not {self.room!r}")
        if not self.verifier.verify(offer.registrar, sig, _OFFER + raw):
            raise LobbyError("the offer's signature does not verify")
        current = self.table
        same = current is not None and current.offer.digest == offer.digest
        if current is not None and current.config is not None and not same:
            return []  # a sealed room never changes
        if same:
            assert current is not None
            table = current
        else:
            game = self.make_game(offer.game, offer.version, offer.players, offer.options)
            if game.core_digest().hex() != offer.core:
                raise LobbyError("the offer's room runs another core: peers would diverge")
            table = _Table(offer, raw, sig, game)
        if config_raw and table.config is None:
            config = RoomConfig.decode(config_raw)
            if not self.verifier.verify(offer.registrar, seal, _SEAL + config_raw):
                raise LobbyError("the seal's signature does not verify")
            expect = RoomConfig.for_game(table.game, list(config.seats.values()), room=self.room)
            if expect != config:
                raise LobbyError("the sealed config does not match its offer")
            table.config, table.seal = config, seal  # a table another offer beats is dropped
        if not same:
            if current is not None and current.rank() <= table.rank():
                return []  # ours sorts first: keep it (the other side adopts ours)
            if current is not None:
                logger.info("room %s: kept the earlier offer of %s", self.room, offer.registrar_id)
            self.table, self.refused = table, ""
        if not same or table.offer.registrar != self.identity.public_key:
            fresh: dict[str, tuple[bytes, bytes, SeatClaim]] = {}
            for seat, c_raw, c_sig in claims:
                claim = SeatClaim.decode(c_raw)
                ok = claim.offer == offer.digest and seat in table.game.seats
                if ok and self.verifier.verify(claim.key, c_sig, _CLAIM + c_raw):
                    fresh[seat] = (c_raw, c_sig, claim)
            table.claims = fresh
        return self._claim_seat()
