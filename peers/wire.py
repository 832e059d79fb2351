"""The messages peers of one room exchange over a transport, and their bounded decoding.

Every transport message is one msgpack array ``[tag, ...fields]``. The tags:

========== ============================================ ===========================================
tag        fields                                       meaning
========== ============================================ ===========================================
``hi``     genesis (32 bytes or b""), lobby (bool)      sent to every peer that joins: what we hold
``offer``  offer bytes, offer signature                 a room's terms, signed by its registrar
``claim``  claim bytes, claim signature                 a request for a seat (or to watch), to the
                                                        registrar
``lobby``  offer, offer sig, [[seat, claim, sig]],      the registrar's seat table; with a config it
           config (bytes or b""), seal sig (or b"")     is sealed: the room's genesis
``refuse`` offer digest, seat, reason                   the registrar refused our claim
``epoch``  room config bytes, saved epoch bytes         a late joiner's bootstrap
``sync``   sync frame bytes                             :class:`hypertoken.log.sync.SyncSession`
``bye``    reason                                       the sender is leaving
========== ============================================ ===========================================

Everything a peer receives is hostile input. :func:`decode` bounds the structure before
decoding (:mod:`hypertoken.protocol.bounded`), checks every field's type and size, and raises
:class:`WireError` naming what is wrong; nothing is acted on before that. Signatures and
their meaning are checked by :mod:`peers.lobby` and the Chronicle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgpack

from hypertoken.protocol.bounded import Limits, OverLimit, unpack

__all__ = [
    "MAX_REASON",
    "Bye",
    "Claim",
    "Epoch",
    "Hi",
    "Lobby",
    "Offer",
    "Refuse",
    "Sync",
    "WireError",
    "WireMessage",
    "decode",
    "encode",
]

#: The most claims a lobby lists (a room has at most 64 seats, plus spectators' claims are
#: not listed).
MAX_CLAIMS = 64
#: Most characters of a refusal's or bye's reason.
MAX_REASON = 512
#: A signed offer, claim or config is small; refuse anything bigger unread.
MAX_SIGNED = 65536

_LIMITS = Limits(
    depth=3,
    map_len=0,
    array_len=MAX_CLAIMS + 8,
    containers=MAX_CLAIMS + 4,
    items=4 * MAX_CLAIMS + 16,
)


class WireError(ValueError):
    """A message that is not one of this format's (the message says which field)."""


@dataclass(frozen=True, slots=True)
class Hi:
    """What the sender holds: the room's genesis digest (b"" before it is sealed) and
    whether it knows a lobby (an offer) for the room.
    """

    genesis: bytes
    lobby: bool


@dataclass(frozen=True, slots=True)
class Offer:
    """A registrar's signed room terms (:class:`peers.lobby.RoomOffer` bytes)."""

    offer: bytes
    sig: bytes


@dataclass(frozen=True, slots=True)
class Claim:
    """A signed request for a seat (:class:`peers.lobby.SeatClaim` bytes)."""

    claim: bytes
    sig: bytes


@dataclass(frozen=True, slots=True)
class Lobby:
    """The registrar's seat table; sealed when ``config`` is not empty."""

    offer: bytes
    offer_sig: bytes
    #: (seat, claim bytes, claim signature) per held seat.
    claims: tuple[tuple[str, bytes, bytes], ...]
    config: bytes
    seal_sig: bytes


@dataclass(frozen=True, slots=True)
class Refuse:
    """The registrar refused our claim for ``seat`` ("" for any seat), and why."""

    offer: bytes
    seat: str
    reason: str


@dataclass(frozen=True, slots=True)
class Epoch:
    """A saved epoch and its room config: what a late joiner loads before syncing."""

    config: bytes
    save: bytes


@dataclass(frozen=True, slots=True)
class Sync:
    """One sync frame of the room's Chronicle."""

    frame: bytes


@dataclass(frozen=True, slots=True)
class Bye:
    """The sender is leaving the room."""

    reason: str


WireMessage = Hi | Offer | Claim | Lobby | Refuse | Epoch | Sync | Bye


def _bytes(value: Any, what: str, *, max_len: int = MAX_SIGNED, exact: int | None = None) -> bytes:
    if not isinstance(value, bytes):
        raise WireError(f"{what} must be bytes, not {type(value).__name__}")
    if exact is not None and len(value) != exact:
        raise WireError(f"{what} must be {exact} bytes, not {len(value)}")
    if len(value) > max_len:
        raise WireError(f"{what} is at most {max_len} bytes, not {len(value)}")
    return value


def _text(value: Any, what: str, max_len: int = MAX_REASON) -> str:
    if not isinstance(value, str) or len(value) > max_len:
        raise WireError(f"{what} must be a str of at most {max_len} characters")
    return value


def _fields(obj: list[Any], n: int, tag: str) -> list[Any]:
    if len(obj) != n + 1:
        raise WireError(f"a {tag!r} message has {n} fields, not {len(obj) - 1}")
    return obj[1:]


def encode(message: WireMessage) -> bytes:
    """The message as one transport message."""
    if isinstance(message, Hi):
        body: list[Any] = ["hi", message.genesis, message.lobby]
    elif isinstance(message, Offer):
        body = ["offer", message.offer, message.sig]
    elif isinstance(message, Claim):
        body = ["claim", message.claim, message.sig]
    elif isinstance(message, Lobby):
        claims = [[seat, c, s] for seat, c, s in message.claims]
        body = ["lobby", message.offer, message.offer_sig, claims, message.config, message.seal_sig]
    elif isinstance(message, Refuse):
        body = ["refuse", message.offer, message.seat, message.reason]
    elif isinstance(message, Epoch):
        body = ["epoch", message.config, message.save]
    elif isinstance(message, Sync):
        body = ["sync", message.frame]
    elif isinstance(message, Bye):
        body = ["bye", message.reason]
    else:  # pragma: no cover - the union is closed
        raise TypeError(f"not a wire message: {message!r}")
    out: bytes = msgpack.packb(body, use_bin_type=True)
    return out


def decode(data: bytes) -> WireMessage:
    """One transport message -> a :data:`WireMessage`; anything else raises
    :class:`WireError` (nothing else escapes).
    """
    try:
        obj = unpack(bytes(data), _LIMITS)
    except OverLimit as exc:
        raise WireError(f"message refused: {exc}") from None
    except Exception as exc:  # any msgpack syntax error is the same refusal
        raise WireError(f"not a msgpack message ({type(exc).__name__})") from None
    if not isinstance(obj, list) or not obj or not isinstance(obj[0], str):
        raise WireError("a message is an array whose first element is its tag")
    tag = obj[0]
    if tag == "sync":
        (frame,) = _fields(obj, 1, tag)
        return Sync(_bytes(frame, "sync frame", max_len=1 << 30))
    if tag == "hi":
        genesis, lobby = _fields(obj, 2, tag)
        if type(lobby) is not bool:
            raise WireError("hi.lobby must be a bool")
        return Hi(_bytes(genesis, "genesis", exact=32) if genesis != b"" else b"", lobby)
    if tag in ("offer", "claim"):
        signed, sig = _fields(obj, 2, tag)
        cls = Offer if tag == "offer" else Claim
        return cls(_bytes(signed, tag), _bytes(sig, f"{tag} signature", exact=64))
    if tag == "lobby":
        offer, offer_sig, claims, config, seal = _fields(obj, 5, tag)
        if not isinstance(claims, list) or len(claims) > MAX_CLAIMS:
            raise WireError(f"lobby.claims is a list of at most {MAX_CLAIMS} [seat, claim, sig]")
        pairs = []
        for pair in claims:
            if not isinstance(pair, list) or len(pair) != 3:
                raise WireError("each lobby claim is a [seat, claim, sig] triple")
            pairs.append(
                (
                    _text(pair[0], "seat", 64),
                    _bytes(pair[1], "claim"),
                    _bytes(pair[2], "claim signature", exact=64),
                )
            )
        if bool(config) != bool(seal):
            raise WireError("a sealed lobby carries both the config and the seal signature")
        return Lobby(
            _bytes(offer, "offer"),
            _bytes(offer_sig, "offer signature", exact=64),
            tuple(pairs),
            _bytes(config, "config"),
            _bytes(seal, "seal signature", exact=64) if seal else b"",
        )
    if tag == "refuse":
        offer, seat, reason = _fields(obj, 3, tag)
        return Refuse(
            _bytes(offer, "offer digest", exact=32),
            _text(seat, "seat", 64),
            _text(reason, "reason"),
        )
    if tag == "epoch":
        config, save = _fields(obj, 2, tag)
        return Epoch(_bytes(config, "config"), _bytes(save, "saved epoch", max_len=1 << 30))
    if tag == "bye":
        (reason,) = _fields(obj, 1, tag)
        return Bye(_text(reason, "reason"))
    raise WireError(f"unknown message tag {tag[:32]!r}")
