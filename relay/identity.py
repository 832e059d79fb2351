"""Checking a peer's identity: the signed challenge of ``hello``.

The relay sends a fresh random nonce in ``challenge``. The peer answers with its Ed25519
public key, the peer id derived from that key, and a signature over the nonce, the id and the
key. Because the id is a hash of the key and only the key's owner can sign, one peer cannot
take another peer's id, and a recorded hello cannot be replayed on another connection.

Before the signature, the key itself is checked (:func:`hypertoken.protocol.weak_public_key`):
a small-order key (the all-zero key, for one) "verifies" signatures nobody made, and a
non-canonical encoding is a second spelling of another key, so both are refused (``bad-key``).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hypertoken.protocol import (
    ErrorCode,
    Hello,
    hello_signed_bytes,
    peer_id_from_key,
    weak_public_key,
)
from relay.rooms import Refusal


def verify_hello(hello: Hello, nonce: bytes) -> None:
    """Raise :class:`Refusal` (closing) unless ``hello`` proves its peer id for ``nonce``."""
    expected = peer_id_from_key(hello.key)
    if hello.peer != expected:
        raise Refusal(
            ErrorCode.FORGED_ID,
            f"peer id {hello.peer!r} does not belong to this key (its id is {expected!r}); "
            "derive the id with hypertoken.protocol.peer_id_from_key(public_key)",
            close=True,
        )
    if weak_public_key(hello.key):
        raise Refusal(
            ErrorCode.BAD_KEY,
            "hello.key is not a usable Ed25519 public key (small-order, non-canonical or not "
            "on the curve), so nobody can be said to own it; send the public key of a key "
            "pair generated with an Ed25519 library",
            close=True,
        )
    try:
        public_key = Ed25519PublicKey.from_public_bytes(hello.key)
        public_key.verify(hello.sig, hello_signed_bytes(nonce, hello.peer, hello.key))
    except (InvalidSignature, ValueError):
        raise Refusal(
            ErrorCode.BAD_SIGNATURE,
            "hello.sig does not verify: sign hypertoken.protocol.hello_signed_bytes(nonce, "
            "peer, key) with the Ed25519 key, using this connection's challenge nonce",
            close=True,
        ) from None
