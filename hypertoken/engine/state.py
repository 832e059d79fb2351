"""The fold's bookkeeping outside the World: :class:`FoldState` (the seed protocol, the
timeout claims, the fold position and log digest), :class:`Outcome` (what the fold decided about
one entry), the names of the system moves and the derivation of seeds.

The engines snapshot a FoldState together with the World, and a checkpoint carries both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgpack

SEED_COMMIT = "seed.commit"
SEED_REVEAL = "seed.reveal"
SEED_SET = "seed.set"
TURN_TIMEOUT = "turn.timeout"
SEED_TIMEOUT = "seed.timeout"
SYSTEM_MOVES = frozenset({SEED_COMMIT, SEED_REVEAL, SEED_SET, TURN_TIMEOUT, SEED_TIMEOUT})
#: The claim key of the seed phase in :attr:`FoldState.claims`.
SEED_CLAIM = "@seed"
_SEED_DOMAIN = b"hypertoken/room-seed/1"
_ZERO16 = bytes(16)


def training_seed(seed: int | bytes) -> bytes:
    """The room seed material of a training episode (``reset(seed)``)."""
    raw = seed if isinstance(seed, bytes) else str(int(seed)).encode()
    return hashlib.blake2b(_SEED_DOMAIN + b"/local\0" + raw, digest_size=32).digest()


def commitment_of(contribution: bytes) -> bytes:
    """The 32-byte commitment to a seed contribution."""
    return hashlib.blake2b(_SEED_DOMAIN + b"/commit\0" + contribution, digest_size=32).digest()


def room_seed_of(reveals: Sequence[bytes], forfeits: Sequence[str] = ()) -> bytes:
    """The room seed: the hash of every seat's revealed contribution, in seat order, and
    of the seats that forfeited (timed out of the seed phase), if any.
    """
    h = hashlib.blake2b(_SEED_DOMAIN, digest_size=32)
    for contribution in reveals:
        h.update(len(contribution).to_bytes(4, "big") + contribution)
    for seat in forfeits:
        raw = seat.encode()
        h.update(b"\xff" + len(raw).to_bytes(4, "big") + raw)
    return h.digest()


def text_digest(text: str) -> bytes:
    """16-byte BLAKE2b of a stored entry text (for log digests and outcome ids)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the fold decided about one entry."""

    epoch: int
    index: int
    accepted: bool
    #: Why the entry was rejected ("" when accepted).
    reason: str
    actor: str
    seat: str
    move: str
    args: tuple[Any, ...]
    time_ms: int
    lamport: int
    #: The entry's digest (BLAKE2b-128 of its signed body): its identity.
    digest: bytes


@dataclass
class FoldState:
    """The fold's bookkeeping outside the World; copied with every engine snapshot."""

    commits: dict[str, bytes] = field(default_factory=dict)
    reveals: dict[str, bytes] = field(default_factory=dict)
    room_seed: bytes = b""
    started: bool = False
    over: bool = False
    truncated: bool = False
    turn_started_ms: int = 0
    #: When the seed phase's current stage began (the first commit, or the timeout that
    #: closed the commits), for its deadline.
    seed_started_ms: int = 0
    #: Seats that missed the seed phase's deadline (their turns are played by timeouts).
    forfeits: list[str] = field(default_factory=list)
    #: Timeout claims for the current turn or seed stage: target seat (or ``SEED_CLAIM``)
    #: -> peer ids that claimed it, in fold order.
    claims: dict[str, list[str]] = field(default_factory=dict)
    #: Where the fold is: the next entry to fold is ``index`` in ``epoch``.
    epoch: int = 0
    index: int = 0
    #: Entries folded since the start of the log, and a running digest of them.
    count: int = 0
    log_digest: bytes = _ZERO16

    def copy(self) -> FoldState:
        """An independent copy."""
        # Spelled out: dataclasses.replace costs several microseconds per call.
        return FoldState(
            dict(self.commits),
            dict(self.reveals),
            self.room_seed,
            self.started,
            self.over,
            self.truncated,
            self.turn_started_ms,
            self.seed_started_ms,
            list(self.forfeits),
            {k: list(v) for k, v in self.claims.items()} if self.claims else {},
            self.epoch,
            self.index,
            self.count,
            self.log_digest,
        )

    def encode(self) -> bytes:
        """msgpack bytes (for checkpoints)."""
        out: bytes = msgpack.packb(
            [
                self.commits,
                self.reveals,
                self.room_seed,
                self.started,
                self.over,
                self.truncated,
                self.turn_started_ms,
                self.seed_started_ms,
                self.forfeits,
                self.claims,
                self.epoch,
                self.index,
                self.count,
                self.log_digest,
            ]
        )
        return out

    @classmethod
    def decode(cls, data: bytes) -> FoldState:
        """Inverse of :meth:`encode`; raises ValueError for anything else."""
        try:
            (
                com,
                rev,
                seed,
                started,
                over,
                trunc,
                tsm,
                ssm,
                forf,
                claims,
                epoch,
                index,
                count,
                digest,
            ) = msgpack.unpackb(data, raw=False)
            st = cls(
                {str(k): bytes(v) for k, v in dict(com).items()},
                {str(k): bytes(v) for k, v in dict(rev).items()},
                bytes(seed),
                bool(started),
                bool(over),
                bool(trunc),
                int(tsm),
                int(ssm),
                [str(x) for x in forf],
                {str(k): [str(x) for x in v] for k, v in dict(claims).items()},
                int(epoch),
                int(index),
                int(count),
                bytes(digest),
            )
        except Exception:  # any malformed checkpoint is the same error
            raise ValueError("malformed fold state") from None
        return st

    def digest(self) -> bytes:
        """BLAKE2b of everything here that decides future folds (not the position)."""
        return hashlib.blake2b(
            msgpack.packb(
                [
                    sorted(self.commits.items()),
                    sorted(self.reveals.items()),
                    self.room_seed,
                    self.started,
                    self.over,
                    self.truncated,
                    self.turn_started_ms,
                    self.seed_started_ms,
                    self.forfeits,
                    sorted(self.claims.items()),
                ]
            ),
            digest_size=16,
        ).digest()
