"""Log entries: encoding, signing and checking.

An entry is the msgpack map (the *body*)::

    {actor, seat, move, args, time_ms, seq, prev, parents, lamport}

plus an Ed25519 signature. Its place in the room's order comes from these signed fields,
never from where a document happens to hold it:

- ``seq`` and ``prev``: the author's sequence number (0, 1, 2, ...) and the digest of its
  previous entry (``b""`` for seq 0): a per-author hash chain, so a missing entry is a gap
  that waits rather than a hole folded around;
- ``parents``: the digests of the entries the author had seen and nothing had built on
  yet (its causal parents, sorted, without ``prev``);
- ``lamport``: one more than the largest lamport among ``prev`` and ``parents`` (1 for an
  entry with neither), so it is checkable and cannot be inflated.

An entry's *digest* (16 bytes of BLAKE2b over the body) is its identity.

What the Chronicle stores is text: ``base64(format byte + signature + body)``. Text rather
than Automerge bytes because automerge 1.0.0rc1 returns bytes as ``list[int]``. The
signature covers ``DOMAIN + genesis + body``, where the genesis is the room's
(:attr:`hypertoken.log.config.RoomConfig.genesis`), so an entry is valid in one room only.

Unsigned entries (format 0) exist for the training fast path and local recordings; they
are accepted only in a chronicle whose trust mode is ``"local"``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgpack

from hypertoken.log.identity import SIGNATURE_SIZE, Identity, Verifier

FORMAT_LOCAL = 0
FORMAT_SIGNED = 2
DOMAIN = b"hypertoken/entry/2"
FIELDS = frozenset(
    {"actor", "seat", "move", "args", "time_ms", "seq", "prev", "parents", "lamport"}
)
DIGEST_SIZE = 16

#: Limits that keep one hostile entry from costing much to decode or to hold.
MAX_TEXT = 16384
MAX_NAME = 64
MAX_ARGS = 64
MAX_ARG_BYTES = 4096
#: At most this many causal parents (a room's seats bound the honest number).
MAX_PARENTS = 64
#: Lamports and sequence numbers stay far below this (a room of 2**48 entries is not a
#: room); an entry that claims more is refused.
MAX_COUNTER = 2**48
_I64 = 2**63


class EntryError(ValueError):
    """An entry is malformed or its fields have the wrong types. The message says which."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One decoded log entry. ``body`` is the exact signed bytes; ``sig`` is empty when
    the entry is unsigned (format 0); ``digest`` is the entry's identity.
    """

    actor: str
    seat: str
    move: str
    args: tuple[Any, ...]
    time_ms: int
    seq: int
    prev: bytes
    parents: tuple[bytes, ...]
    lamport: int
    sig: bytes
    body: bytes
    digest: bytes

    @property
    def signed(self) -> bool:
        """Whether the entry carries a signature."""
        return bool(self.sig)

    @property
    def deps(self) -> tuple[bytes, ...]:
        """Every entry this one depends on: ``prev`` (if any), then the parents."""
        return (self.prev, *self.parents) if self.prev else self.parents

    def to_text(self) -> str:
        """The text stored in the Chronicle."""
        head = bytes((FORMAT_SIGNED,)) + self.sig if self.sig else bytes((FORMAT_LOCAL,))
        return base64.b64encode(head + self.body).decode("ascii")


def body_digest(body: bytes) -> bytes:
    """The 16-byte digest (identity) of an entry body."""
    return hashlib.blake2b(body, digest_size=DIGEST_SIZE).digest()


def _check_name(field: str, value: object) -> str:
    if type(value) is not str or not value or len(value) > MAX_NAME:
        raise EntryError(
            f"entry field {field!r} must be a non-empty str of at most "
            f"{MAX_NAME} characters, not {type(value).__name__} {value!r:.40}"
        )
    return value


def _check_int(field: str, value: object, bound: int = _I64) -> int:
    if type(value) is not int or not 0 <= value < bound:
        raise EntryError(
            f"entry field {field!r} must be an int in 0..{bound - 1}, "
            f"not {type(value).__name__} {value!r:.40}"
        )
    return value


def _freeze_arg(value: Any, depth: int) -> Any:
    """Validate one argument and return it immutable (lists become tuples)."""
    t = type(value)
    if value is None or t is bool or t is str or t is bytes:
        if (t is str or t is bytes) and len(value) > MAX_ARG_BYTES:
            raise EntryError(f"entry argument is longer than {MAX_ARG_BYTES}")
        return value
    if t is int:
        if not -_I64 <= value < _I64:
            raise EntryError("entry argument int does not fit in 64 bits")
        return value
    if t is float:
        if not math.isfinite(value):
            raise EntryError("entry argument float must be finite")
        return value
    if t in (list, tuple) and depth < 2:
        if len(value) > MAX_ARGS:
            raise EntryError(f"entry argument list has more than {MAX_ARGS} items")
        return tuple(_freeze_arg(v, depth + 1) for v in value)
    raise EntryError(
        f"entry arguments are None, bool, int, float, str, bytes or lists of them "
        f"(two levels at most), not {t.__name__}"
    )


def _check_args(args: object) -> tuple[Any, ...]:
    if type(args) not in (list, tuple):
        raise EntryError(f"entry field 'args' must be a list, not {type(args).__name__}")
    frozen = _freeze_arg(args, 0)
    assert isinstance(frozen, tuple)
    return frozen


def _check_links(
    seq: object, prev: object, parents: object, *, sort: bool = False
) -> tuple[bytes, tuple[bytes, ...]]:
    _check_int("seq", seq, MAX_COUNTER)
    if type(prev) is not bytes or len(prev) not in (0, DIGEST_SIZE):
        raise EntryError(f"entry field 'prev' is a {DIGEST_SIZE}-byte digest or empty")
    if (seq == 0) != (not prev):
        raise EntryError("an author's first entry (seq 0) and only it has no 'prev'")
    if not isinstance(parents, (list, tuple)) or len(parents) > MAX_PARENTS:
        raise EntryError(f"entry field 'parents' is a list of at most {MAX_PARENTS} digests")
    out: tuple[bytes, ...] = tuple(parents)
    for p in out:
        if type(p) is not bytes or len(p) != DIGEST_SIZE:
            raise EntryError(f"entry parents are {DIGEST_SIZE}-byte digests")
    if sort:
        out = tuple(sorted(out))
    if any(a >= b for a, b in itertools.pairwise(out)) or prev in out:
        raise EntryError("entry parents must be sorted, distinct and exclude 'prev'")
    return prev, out


def lamport_of(dep_lamports: Sequence[int]) -> int:
    """The lamport an entry with these dependencies' lamports must carry."""
    return max(dep_lamports, default=0) + 1


def encode_body(
    actor: str,
    seat: str,
    move: str,
    args: Sequence[Any],
    time_ms: int,
    *,
    seq: int,
    prev: bytes,
    parents: Sequence[bytes],
    lamport: int,
) -> tuple[bytes, tuple[Any, ...]]:
    """Validate the fields and encode the body. Returns (body, args as a tuple)."""
    frozen = _check_args(args)
    links = _check_links(seq, prev, parents, sort=True)
    body = msgpack.packb(
        {
            "actor": _check_name("actor", actor),
            "seat": _check_name("seat", seat),
            "move": _check_name("move", move),
            "args": frozen,
            "time_ms": _check_int("time_ms", time_ms),
            "seq": seq,
            "prev": links[0],
            "parents": list(links[1]),
            "lamport": _check_int("lamport", lamport, MAX_COUNTER),
        },
        use_bin_type=True,
    )
    if text_size(len(body)) > MAX_TEXT:
        raise EntryError(
            f"entry would be {text_size(len(body))} characters stored; the limit is {MAX_TEXT}"
        )
    return body, frozen


def text_size(body_size: int) -> int:
    """The stored text length of a signed entry with a body of ``body_size`` bytes."""
    return 4 * ((1 + SIGNATURE_SIZE + body_size + 2) // 3)


def signing_payload(genesis: bytes, body: bytes) -> bytes:
    """What an entry's signature covers."""
    return DOMAIN + genesis + body


def make_entry(
    identity: Identity | None,
    genesis: bytes,
    seat: str,
    move: str,
    args: Sequence[Any],
    time_ms: int,
    *,
    seq: int,
    prev: bytes,
    parents: Sequence[bytes],
    lamport: int,
    actor: str | None = None,
) -> Entry:
    """Build an entry: signed by ``identity`` (its actor is the identity's peer id), or
    unsigned with the given ``actor`` when ``identity`` is None (trust mode ``"local"``).
    """
    who = identity.peer_id if identity is not None else actor
    if who is None:
        raise ValueError("an unsigned entry needs its actor")
    _, ordered = _check_links(seq, prev, parents, sort=True)
    body, frozen = encode_body(
        who, seat, move, args, time_ms, seq=seq, prev=prev, parents=ordered, lamport=lamport
    )
    sig = identity.sign(signing_payload(genesis, body)) if identity is not None else b""
    return Entry(
        who, seat, move, frozen, time_ms, seq, prev, ordered, lamport, sig, body, body_digest(body)
    )


def decode_entry(text: object) -> Entry:
    """Parse stored entry text. Anything malformed raises :class:`EntryError` saying what.
    The signature is not checked here (:func:`verify_entry` does that).
    """
    if type(text) is not str:
        raise EntryError(f"a stored entry is text, not {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise EntryError(f"entry is {len(text)} characters; the limit is {MAX_TEXT}")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise EntryError("entry is not valid base64") from None
    if not raw:
        raise EntryError("entry is empty")
    fmt = raw[0]
    if fmt == FORMAT_SIGNED:
        if len(raw) < 1 + SIGNATURE_SIZE + 1:
            raise EntryError("signed entry is too short to hold a signature and a body")
        sig, body = raw[1 : 1 + SIGNATURE_SIZE], raw[1 + SIGNATURE_SIZE :]
    elif fmt == FORMAT_LOCAL:
        sig, body = b"", raw[1:]
    else:
        raise EntryError(f"unknown entry format {fmt} (this version knows 0 and 2)")
    try:
        fields = msgpack.unpackb(
            body,
            raw=False,
            strict_map_key=True,
            max_str_len=MAX_TEXT,
            max_bin_len=MAX_TEXT,
            max_array_len=max(MAX_ARGS, MAX_PARENTS),
            max_map_len=len(FIELDS),
        )
    except Exception as exc:  # msgpack raises several unrelated types for bad input
        raise EntryError(f"entry body is not valid msgpack ({type(exc).__name__})") from None
    if type(fields) is not dict or fields.keys() != FIELDS:
        raise EntryError(f"entry body must be a map with exactly the fields {sorted(FIELDS)}")
    prev, parents = _check_links(fields["seq"], fields["prev"], fields["parents"])
    return Entry(
        actor=_check_name("actor", fields["actor"]),
        seat=_check_name("seat", fields["seat"]),
        move=_check_name("move", fields["move"]),
        args=_check_args(fields["args"]),
        time_ms=_check_int("time_ms", fields["time_ms"]),
        seq=fields["seq"],
        prev=prev,
        parents=parents,
        lamport=_check_int("lamport", fields["lamport"], MAX_COUNTER),
        sig=sig,
        body=body,
        digest=body_digest(body),
    )


def verify_entry(entry: Entry, public_key: bytes, genesis: bytes, verifier: Verifier) -> bool:
    """Whether a signed entry's signature is ``public_key``'s for the room ``genesis``."""
    if not entry.sig:
        return False
    return verifier.verify(public_key, entry.sig, signing_payload(genesis, entry.body))
