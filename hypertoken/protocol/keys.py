"""Checking raw Ed25519 public keys before trusting a signature made with them.

Pure Python and standard library only, so the relay container (which ships
``hypertoken/protocol/`` but not the rest of HyperToken) can use it.

A public key is 32 bytes: the y coordinate of a curve point (little-endian, 255 bits) and the
sign of x in the top bit (RFC 8032, section 5.1.3). Some 32-byte strings are not keys anybody
can be said to own:

- a **small-order point** (one of the 8 points P with 8P = 0, such as the all-zero string,
  which decodes to a point of order 4). Signatures "by" such a key can be forged without any
  private key: with R of small order too and S = 0, the verification equation holds for many
  messages. A peer id derived from one would be claimable by anyone.
- a **non-canonical encoding**: y >= p, or x = 0 with the sign bit set. A second spelling of
  a point would give one key two peer ids.
- a string that is **not a point on the curve** at all.

A key generated honestly (a multiple of the base point) is none of these. The check costs one
modular square root and three point doublings: tens of microseconds, once per ``hello``.
"""

from __future__ import annotations

__all__ = ["weak_public_key"]

_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P  # the curve constant d
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)  # a square root of -1 mod p
_KEY_LEN = 32


def _decode_x(y: int, sign: int) -> int | None:
    """The x coordinate of the point with this y and x-sign, or None if there is none."""
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    vxx = v * x * x % _P
    if vxx != u:
        if vxx != (-u) % _P:
            return None  # u/v is not a square: no point has this y
        x = x * _SQRT_M1 % _P
    if x & 1 != sign:
        x = (_P - x) % _P
    return x


def _times_eight_is_identity(x: int, y: int) -> bool:
    """Whether 8 * (x, y) is the neutral element (0, 1), by three doublings.

    Projective coordinates (X : Y : Z) on -x^2 + y^2 = 1 + d x^2 y^2, doubling formula
    dbl-2008-hwcd, so no modular inversion is needed.
    """
    big_x, big_y, big_z = x, y, 1
    for _ in range(3):
        a = big_x * big_x % _P
        b = big_y * big_y % _P
        c = 2 * big_z * big_z % _P
        h = (a + b) % _P
        e = (h - (big_x + big_y) ** 2) % _P
        g = (a - b) % _P
        f = (c + g) % _P
        big_x, big_y, big_z = e * f % _P, g * h % _P, f * g % _P
    return big_x == 0 and big_y == big_z


def weak_public_key(public_key: bytes) -> bool:
    """Whether ``public_key`` is not a usable Ed25519 public key.

    True for anything but 32 bytes, for an encoding of y that is not reduced mod p, for x = 0
    with the sign bit set (both non-canonical), for a y with no point on the curve, and for
    the 8 points of small order. False for every key made from a private key.
    """
    if len(public_key) != _KEY_LEN:
        return True
    raw = int.from_bytes(public_key, "little")
    y, sign = raw & ((1 << 255) - 1), raw >> 255
    if y >= _P:
        return True  # non-canonical: y must be reduced
    x = _decode_x(y, sign)
    if x is None:
        return True  # not on the curve
    if x == 0 and sign:
        return True  # non-canonical: x = 0 has no negative twin
    return _times_eight_is_identity(x, y)
