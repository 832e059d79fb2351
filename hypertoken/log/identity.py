"""Ed25519 identities: the key a peer signs its log entries with, and checking signatures.

This is the small signing helper the Chronicle and the room engine need. The peer daemon's
``peers/identity.py`` (key files, rotation) will build on it later; it imports nothing
above :mod:`cryptography`.

A peer is named by its *peer id*: the first 8 bytes of BLAKE2b(public key), in hex. The id
is derived, so a log entry's ``actor`` field can be checked against the key that signed it.
"""

from __future__ import annotations

import hashlib
import logging

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

logger = logging.getLogger(__name__)

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
_RAW = serialization.Encoding.Raw


def peer_id_of(public_key: bytes) -> str:
    """The peer id (16 hex characters) of a raw 32-byte Ed25519 public key."""
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_SIZE:
        raise ValueError("an Ed25519 public key is 32 raw bytes")
    return hashlib.blake2b(public_key, digest_size=8).hexdigest()


_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _edwards_add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = a, b
    t = _D * x1 * x2 * y1 * y2 % _P
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, _P - 2, _P) % _P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, _P - 2, _P) % _P
    return x3, y3


def weak_public_key(public_key: bytes) -> bool:
    """Whether 32 bytes are not a usable Ed25519 public key: not a point on the curve, a
    non-canonical encoding, or a point of small order (such as the all-zero key). A
    small-order key verifies forged signatures, so nobody can be said to own it.
    """
    if len(public_key) != PUBLIC_KEY_SIZE:
        return True
    y = int.from_bytes(public_key, "little") & ((1 << 255) - 1)
    sign = public_key[31] >> 7
    if y >= _P:
        return True
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    if v * x * x % _P != u:
        x = x * _SQRT_M1 % _P
        if v * x * x % _P != u:
            return True  # not on the curve
    if x == 0 and sign:
        return True  # non-canonical
    if x & 1 != sign:
        x = _P - x
    point = (x, y)
    for _ in range(3):  # 8 * P
        point = _edwards_add(point, point)
    return point == (0, 1)


class Identity:
    """An Ed25519 signing key. Create one with :meth:`generate` or :meth:`from_seed`."""

    __slots__ = ("_key", "peer_id", "public_key")

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        #: The raw 32-byte public key, as written into a room's seat table.
        self.public_key: bytes = key.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
        #: The derived peer id, used as ``actor`` in log entries.
        self.peer_id: str = peer_id_of(self.public_key)

    @classmethod
    def generate(cls) -> Identity:
        """A fresh random identity."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> Identity:
        """The identity whose private key is the 32-byte ``seed`` (tests, key files)."""
        if not isinstance(seed, bytes) or len(seed) != 32:
            raise ValueError("an Ed25519 seed is 32 bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    def private_bytes(self) -> bytes:
        """The 32-byte private seed (keep it secret; for key files)."""
        return self._key.private_bytes(
            _RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )

    def sign(self, data: bytes) -> bytes:
        """A 64-byte Ed25519 signature over ``data``. Deterministic for a given key."""
        return self._key.sign(data)

    def __repr__(self) -> str:
        return f"Identity(peer_id={self.peer_id!r})"


class Verifier:
    """Checks Ed25519 signatures, keeping parsed public keys (parsing costs ~1 µs each)."""

    __slots__ = ("_keys",)

    def __init__(self) -> None:
        self._keys: dict[bytes, Ed25519PublicKey | None] = {}

    def verify(self, public_key: bytes, signature: bytes, data: bytes) -> bool:
        """True if ``signature`` is ``public_key``'s signature over ``data``. Never raises
        for bad input (a malformed key or signature is simply not valid).
        """
        key = self._keys.get(public_key, False)
        if key is False:
            try:
                key = Ed25519PublicKey.from_public_bytes(public_key)
            except (ValueError, TypeError):
                key = None
            if len(self._keys) < 4096:  # peers per room are few; bound it anyway
                self._keys[public_key] = key
        if key is None or len(signature) != SIGNATURE_SIZE:
            return False
        try:
            key.verify(signature, data)  # type: ignore[union-attr]
        except InvalidSignature:
            return False
        return True
