"""How every environment adapter seeds its episodes, so the same seed gives the same
episode in all of them (and in :class:`~hypertoken.engine.LocalEngine`).

- ``reset(seed=s)`` plays the episode ``LocalEngine(game, seed=s)`` plays: the episode seed
  is ``s`` itself.
- Each later ``reset()`` without a seed plays episode seed ``next_seed(s, k)`` for the k-th
  episode after the seeded one (k = 1, 2, ...), so a run of episodes is reproducible from
  its first seed alone.
- A ``reset()`` before any seed was given draws the first seed from the OS's entropy.
- The vector environments start sub-environment ``i`` from ``s + i`` (as
  ``gymnasium.vector`` does), which then follows ``next_seed`` on its own.
- Policies that play the other seats of a single-agent environment draw from
  ``random.Random(policy_seed(episode_seed, seat))``: one stream per seat and episode.

Seeds are ints (not bools) in ``0 .. 2**63 - 1``; anything else raises ValueError naming
the seed.

>>> next_seed(42, 1) == next_seed(42, 1) != next_seed(42, 2)
True
>>> check_seed(7)
7
"""

from __future__ import annotations

import hashlib
import secrets

#: Seeds are below this (63 bits: every derived seed fits a signed 64-bit int).
SEED_LIMIT = 2**63

__all__ = ["SEED_LIMIT", "check_seed", "entropy_seed", "next_seed", "policy_seed"]


def check_seed(seed: object) -> int:
    """``seed`` if it is a valid episode seed, else ValueError saying what a seed must be."""
    if type(seed) is not int:
        # numpy ints are fine; bools and floats are mistakes.
        index = getattr(seed, "__index__", None)
        if index is None or isinstance(seed, bool) or type(seed).__module__ != "numpy":
            raise ValueError(
                f"a seed must be an int in 0..2**63-1 (or None for a fresh one), not {seed!r}"
            )
        seed = int(index())
    assert isinstance(seed, int)
    if not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"a seed must be an int in 0..2**63-1, not {seed}")
    return seed


def _derive(tag: bytes, seed: int, salt: bytes) -> int:
    digest = hashlib.blake2b(
        tag + seed.to_bytes(8, "big") + salt, digest_size=8, person=b"hypertoken.env"
    ).digest()
    return int.from_bytes(digest, "big") >> 1


def next_seed(seed: int, k: int) -> int:
    """The seed of the ``k``-th episode after one seeded with ``seed`` (``k`` >= 1)."""
    if k < 1:
        raise ValueError(f"k counts the episodes after the seeded one (1, 2, ...), not {k}")
    return _derive(b"next", seed, k.to_bytes(8, "big"))


def policy_seed(episode_seed: int, seat: str) -> int:
    """The seed of the rng a policy playing ``seat`` draws from in that episode."""
    return _derive(b"policy", episode_seed, seat.encode())


def entropy_seed() -> int:
    """A fresh seed from the OS (for a first ``reset()`` without one)."""
    return secrets.randbits(63)
