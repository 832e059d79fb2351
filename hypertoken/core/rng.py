"""A pure-Python reference of the core's randomness, for cross-checks and for code that
must predict the core without running it: mulberry32 and upstream HyperToken's
Fisher-Yates (``j = floor(r * (i + 1))`` for ``i`` from ``len - 1`` down to 1).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def mulberry32(seed: int) -> Iterator[float]:
    """Upstream's mulberry32 generator: floats in [0, 1)."""
    state = seed & 0xFFFFFFFF
    while True:
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = state
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        yield ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296


def shuffle_order(items: Sequence[T], seed: int) -> list[T]:
    """``items`` shuffled exactly as upstream's ``shuffleArray(items, seed)`` does."""
    out = list(items)
    rand = mulberry32(seed)
    for i in range(len(out) - 1, 0, -1):
        j = int(next(rand) * (i + 1))
        out[i], out[j] = out[j], out[i]
    return out


def batch_seed(seed: int, index: int) -> int:
    """Upstream's per-deck seed for batch shuffles: Java string hash of f"{seed}-{index}"."""
    h = 0
    for c in f"{seed}-{index}":
        h = (h * 31 + ord(c)) & 0xFFFFFFFF
    return h
