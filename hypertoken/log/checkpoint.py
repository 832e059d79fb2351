"""Epoch checkpoints: the signed state an epoch starts from.

When a peer's fold closes epoch *e*, it writes into epoch *e+1*'s document, under its own
peer id, a checkpoint: the state hash and log digest that epoch *e* ended with (the chain
link between the epochs), the World snapshot and the fold state. A late joiner loads a
saved epoch, restores the checkpoint most peers agree on, checks that the restored state
hashes to what they signed, and folds only that epoch's entries.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import msgpack

from hypertoken.log.identity import SIGNATURE_SIZE, Identity, Verifier

DOMAIN = b"hypertoken/checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    """The state at the start of ``epoch``."""

    epoch: int
    #: The room engine's state_hash() at the end of the previous epoch (the chain link).
    state_hash: bytes
    #: The running digest of every entry folded before this epoch.
    log_digest: bytes
    #: World.snapshot() bytes and FoldState.encode() bytes.
    world: bytes
    fold: bytes

    def _body(self) -> bytes:
        body: bytes = msgpack.packb(
            [self.epoch, self.state_hash, self.log_digest, self.world, self.fold]
        )
        return body

    def sign(self, identity: Identity, context: bytes) -> str:
        """The checkpoint as signed text for the chronicle."""
        body = self._body()
        return base64.b64encode(identity.sign(DOMAIN + context + body) + body).decode("ascii")


def parse_checkpoint(
    text: str, public_key: bytes, context: bytes, verifier: Verifier
) -> Checkpoint | None:
    """The checkpoint in ``text`` if it is well formed and signed by ``public_key`` for this
    context, else None.
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return None
    sig, body = raw[:SIGNATURE_SIZE], raw[SIGNATURE_SIZE:]
    if not verifier.verify(public_key, sig, DOMAIN + context + body):
        return None
    try:
        epoch, state, log, world, fold = msgpack.unpackb(body, raw=False)
        cp = Checkpoint(int(epoch), bytes(state), bytes(log), bytes(world), bytes(fold))
    except Exception:  # signed but malformed: a buggy peer; ignore it like a bad signature
        return None
    return cp


def choose_checkpoint(
    texts: Mapping[str, str], peers: Mapping[str, bytes], context: bytes, epoch: int
) -> list[Checkpoint]:
    """Valid checkpoints for ``epoch``, best first: the state most seated peers signed
    (ties: the smaller state hash, so every joiner picks alike).
    """
    verifier = Verifier()
    found: dict[bytes, Checkpoint] = {}
    votes: Counter[bytes] = Counter()
    for actor, text in texts.items():
        key = peers.get(actor)
        cp = parse_checkpoint(text, key, context, verifier) if key else None
        if cp is None or cp.epoch != epoch:
            continue
        found.setdefault(cp.state_hash, cp)
        votes[cp.state_hash] += 1
    order = sorted(found, key=lambda h: (-votes[h], h))
    return [found[h] for h in order]
