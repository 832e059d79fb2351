"""Signed records: epoch checkpoints and state-hash records.

**Checkpoints.** When epoch *e* is closed in a seat holder's fold (see
:mod:`hypertoken.log.dag`), it signs a checkpoint of the state the fold reached at the end
of epoch *e* and writes it into epoch *e+1*'s document under its own peer id: the state
hash and log digest (the chain link between the epochs), the World snapshot and the fold
state, and what a late joiner needs to check the entries after it: the entries of epoch
*e* and each author's chain tips (digest, author, seq, lamport), and the forks found so far.

An epoch's checkpoint is **final** when every seat holder has signed the same checkpoint
(:func:`final_checkpoint`: every field, not only the state hash). A late joiner boots
only from a final checkpoint, never from a plurality: one forger, or one honest peer that
has not caught up, is outvoted by nobody and trusted by nobody. A seat holder whose fold
changes (an equivocation surfaced) signs again; its key in the document then holds the
new checkpoint.

**Hash records** are ``(epoch, entries folded, log digest, state hash)``, signed, appended
to the signer's own list every N entries, so peers notice a desync and can name who
signed what.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import msgpack

from hypertoken.log.identity import SIGNATURE_SIZE, Identity, Verifier

CHECKPOINT_DOMAIN = b"hypertoken/checkpoint/2"
HASH_DOMAIN = b"hypertoken/hash-record/2"
#: A checkpoint is at most this big (a World snapshot plus an epoch's entry list).
MAX_CHECKPOINT_TEXT = 16 * 1024 * 1024
MAX_HASH_TEXT = 512

#: (digest, actor, seq, lamport) of an entry a checkpoint lists.
Ref = tuple[bytes, str, int, int]


@dataclass(frozen=True)
class Checkpoint:
    """The state at the start of ``epoch`` (the end of ``epoch - 1``)."""

    epoch: int
    #: The room engine's state_hash() at the end of the previous epoch (the chain link).
    state_hash: bytes
    #: The running digest of every entry folded before this epoch.
    log_digest: bytes
    #: World.snapshot() bytes and FoldState.encode() bytes.
    world: bytes
    fold: bytes
    #: The previous epoch's entries and every author's chain tips.
    refs: tuple[Ref, ...] = ()
    #: actor -> the seq its chain forked at, for forks found before this epoch.
    forks: tuple[tuple[str, int], ...] = ()

    def _body(self) -> bytes:
        body: bytes = msgpack.packb(
            [
                self.epoch,
                self.state_hash,
                self.log_digest,
                self.world,
                self.fold,
                [list(r) for r in self.refs],
                [list(f) for f in self.forks],
            ],
            use_bin_type=True,
        )
        return body

    def sign(self, identity: Identity, genesis: bytes) -> str:
        """The checkpoint as signed text for the chronicle."""
        body = self._body()
        sig = identity.sign(CHECKPOINT_DOMAIN + genesis + body)
        return base64.b64encode(sig + body).decode("ascii")

    @property
    def agreement(self) -> bytes:
        """What the seat holders must agree on for the checkpoint to be final: all of it
        (a digest of the signed body), so no field of a final checkpoint is one holder's
        alone. Honest holders that folded the same log build byte-identical bodies.
        """
        return hashlib.blake2b(self._body(), digest_size=32).digest()


def _open(
    text: object, limit: int, public_key: bytes, domain: bytes, genesis: bytes, verifier: Verifier
) -> bytes | None:
    if type(text) is not str or len(text) > limit:
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    sig, body = raw[:SIGNATURE_SIZE], raw[SIGNATURE_SIZE:]
    if not verifier.verify(public_key, sig, domain + genesis + body):
        return None
    return body


def parse_checkpoint(
    text: object, public_key: bytes, genesis: bytes, verifier: Verifier
) -> Checkpoint | None:
    """The checkpoint in ``text`` if it is well formed and signed by ``public_key`` for
    this room, else None.
    """
    body = _open(text, MAX_CHECKPOINT_TEXT, public_key, CHECKPOINT_DOMAIN, genesis, verifier)
    if body is None:
        return None
    try:
        epoch, state, log, world, fold, refs, forks = msgpack.unpackb(
            body, raw=False, strict_map_key=True
        )
        cp = Checkpoint(
            _nat(epoch),
            _bytes(state, 32),
            _bytes(log, 16),
            _bytes(world),
            _bytes(fold),
            tuple((_bytes(d, 16), _str(a), _nat(s), _nat(lam)) for d, a, s, lam in refs),
            tuple((_str(a), _nat(s)) for a, s in forks),
        )
    except Exception:  # signed but malformed: a buggy peer; ignore it like a bad signature
        return None
    return cp


def _nat(v: object) -> int:
    if type(v) is not int or not 0 <= v < 2**63:
        raise ValueError
    return v


def _bytes(v: object, size: int | None = None) -> bytes:
    if type(v) is not bytes or (size is not None and len(v) != size):
        raise ValueError
    return v


def _str(v: object) -> str:
    if type(v) is not str or not v or len(v) > 64:
        raise ValueError
    return v


def final_checkpoint(
    texts: Mapping[str, str],
    holders: Mapping[str, bytes],
    genesis: bytes,
    epoch: int,
    verifier: Verifier | None = None,
) -> Checkpoint | None:
    """The final checkpoint for ``epoch``: every seat holder (``holders``: peer id ->
    public key) signed one, and all signed the same one. None otherwise.
    """
    verifier = verifier or Verifier()
    found: list[Checkpoint] = []
    for peer in sorted(holders):
        cp = parse_checkpoint(texts.get(peer), holders[peer], genesis, verifier)
        if cp is None or cp.epoch != epoch:
            return None
        found.append(cp)
    if not found or any(cp.agreement != found[0].agreement for cp in found):
        return None
    return found[0]


def sign_hash_record(
    identity: Identity, genesis: bytes, epoch: int, count: int, log_digest: bytes, state: bytes
) -> str:
    """A signed state-hash record: after ``count`` entries (the last in ``epoch``), the
    log digest and state hash the signer's fold reached.
    """
    body: bytes = msgpack.packb([epoch, count, log_digest, state], use_bin_type=True)
    return base64.b64encode(identity.sign(HASH_DOMAIN + genesis + body) + body).decode("ascii")


def parse_hash_record(
    text: object, public_key: bytes, genesis: bytes, verifier: Verifier
) -> tuple[int, int, bytes, bytes] | None:
    """(epoch, count, log digest, state hash) of a record signed by ``public_key``, or None."""
    body = _open(text, MAX_HASH_TEXT, public_key, HASH_DOMAIN, genesis, verifier)
    if body is None:
        return None
    try:
        epoch, count, log, state = msgpack.unpackb(body, raw=False)
        return _nat(epoch), _nat(count), _bytes(log, 16), _bytes(state, 32)
    except Exception:  # signed but malformed
        return None
