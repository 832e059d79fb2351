"""``weak_public_key``: the Ed25519 keys nobody can be said to own."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from hypertoken.protocol import weak_public_key

# The 8 points of small order, as libsodium lists them (each 32 bytes, little-endian y).
SMALL_ORDER = [
    "0100000000000000000000000000000000000000000000000000000000000000",  # identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
]
NON_CANONICAL = [
    "0100000000000000000000000000000000000000000000000000000000000080",  # x = 0, sign 1
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  # x = 0, sign 1
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p + 1
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = 2^255 - 1
]


def _public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@pytest.mark.parametrize("hex_key", SMALL_ORDER + NON_CANONICAL)
def test_small_order_and_non_canonical_keys_are_weak(hex_key: str) -> None:
    assert weak_public_key(bytes.fromhex(hex_key))


def test_a_small_order_key_verifies_a_forged_signature() -> None:
    """Why the check matters: the identity key accepts (R = identity, S = 0) for anything."""
    identity = bytes.fromhex(SMALL_ORDER[0])
    forged = identity + bytes(32)
    for message in (b"", b"hello", hashlib.sha256(b"any").digest()):
        Ed25519PublicKey.from_public_bytes(identity).verify(forged, message)  # no exception


def test_wrong_lengths_are_weak() -> None:
    key = _public(Ed25519PrivateKey.generate())
    for bad in (b"", key[:31], key + b"\x00"):
        assert weak_public_key(bad)


def test_generated_keys_are_not_weak() -> None:
    for seed in range(50):
        private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(bytes([seed])).digest())
        assert not weak_public_key(_public(private))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.binary(min_size=32, max_size=32))
def test_agrees_with_the_peer_identity_module(key: bytes) -> None:
    identity = pytest.importorskip("hypertoken.log.identity")
    assert weak_public_key(key) == identity.weak_public_key(key)
