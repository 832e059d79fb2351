"""Shuffle determinism: the core's shuffles are bit-exact with upstream HyperToken's spec
(mulberry32 feeding Fisher-Yates with ``j = floor(r * (i + 1))`` for ``i`` from len-1 down to
1; batch shuffles seed deck i with the Java string hash of ``f"{seed}-{i}"``).

Three layers of checks: hard-coded vectors (worked by hand from the spec, see the comments),
an independent port of the JavaScript source with its 32-bit signed semantics, and the core
against the pure-Python reference for many seeds and sizes.
"""

from __future__ import annotations

import random

import pytest

from hypertoken.core import To, World, mulberry32, shuffle_order
from hypertoken.core.errors import ActionTypeError
from hypertoken.core.rng import batch_seed
from tests.kits.core import ids, refused

SEEDS = [0, 1, 2, 7, 42, 1234, 99991, 2**31 - 1, 2**31, 2**32 - 1] + [
    random.Random(20261122).randrange(2**32) for _ in range(20)
]
SIZES = [0, 1, 2, 3, 4, 5, 10, 13, 52, 100, 312, 1000]


def _js_mulberry32(seed: int, n: int) -> list[int]:
    """A line-by-line port of upstream's JavaScript, with ``|0``, ``>>>`` and
    ``Math.imul`` emulated on signed 32-bit ints; returns the raw 32-bit outputs."""

    def i32(x: int) -> int:
        x &= 0xFFFFFFFF
        return x - (1 << 32) if x >= 1 << 31 else x

    def imul(a: int, b: int) -> int:
        return i32((a & 0xFFFFFFFF) * (b & 0xFFFFFFFF))

    def ushr(x: int, s: int) -> int:
        return (x & 0xFFFFFFFF) >> s

    a = i32(seed)
    out = []
    for _ in range(n):
        a = i32(a + 0x6D2B79F5)  # t = (seed += 0x6D2B79F5) | 0
        t = a
        t = imul(t ^ ushr(t, 15), t | 1)
        t ^= i32(t + imul(t ^ ushr(t, 7), t | 61))
        out.append(ushr(t ^ ushr(t, 14), 0))
    return out


# ---- hard-coded vectors -------------------------------------------------------------------


def test_mulberry32_seed_42_first_outputs() -> None:
    # state = 42 + 0x6D2B79F5 = 0x6D2B7A1F; the first output is then 2581720956, etc.
    raw = [2581720956, 1925393290, 3661312704, 2876485805, 750819978]
    rand = mulberry32(42)
    assert [next(rand) for _ in raw] == [r / 2**32 for r in raw]
    assert _js_mulberry32(42, 5) == raw
    assert [round(r / 2**32, 6) for r in raw] == [0.601104, 0.448291, 0.852466, 0.669734, 0.174814]


def test_mulberry32_seed_0_is_a_real_seed() -> None:
    rand = mulberry32(0)
    assert [next(rand) for _ in range(3)] == [r / 2**32 for r in (1144304738, 1416247, 958946056)]


def test_shuffle_vectors() -> None:
    # Worked by hand for seed 42 from r = .6011 .4483 .8525 .6697 .1748 .5266 .2732 .6247 .8655:
    # i=9 j=6, i=8 j=4, i=7 j=6, i=6 j=4, i=5 j=1, i=4 j=2, i=3 j=1, i=2 j=1, i=1 j=1.
    assert shuffle_order(range(1, 11), 42) == [1, 8, 4, 6, 3, 2, 9, 10, 5, 7]
    assert shuffle_order(range(1, 11), 0) == [4, 9, 7, 5, 6, 10, 8, 2, 1, 3]
    assert shuffle_order(range(52), 2024)[:10] == [29, 40, 41, 10, 6, 22, 11, 38, 15, 21]
    assert shuffle_order([], 5) == []
    assert shuffle_order(["only"], 5) == ["only"]


def test_batch_seed_vectors() -> None:
    # "42-0": h = 52; 52*31+50 = 1662; 1662*31+45 = 51567; 51567*31+48 = 1598625.
    assert batch_seed(42, 0) == 1598625
    assert batch_seed(2024, 1) == 1477327524
    assert batch_seed(2**32 - 1, 63) == 1541906781  # wraps to 32 bits, as JS's |0 >>> 0


@pytest.mark.parametrize("seed", SEEDS)
def test_reference_mulberry32_matches_the_javascript_port(seed: int) -> None:
    rand = mulberry32(seed)
    assert [next(rand) for _ in range(50)] == [r / 2**32 for r in _js_mulberry32(seed, 50)]


# ---- the core against the reference -----------------------------------------------------


@pytest.fixture(scope="module")
def world() -> World:
    w = World()
    for n in SIZES:
        w.stack_create(f"s{n}")
        for i in range(n):
            w.token_create("card", str(i), "", f"stack:s{n}")
    return w


@pytest.mark.parametrize("n", SIZES)
def test_stack_shuffle_matches_the_reference(world: World, n: int) -> None:
    for seed in SEEDS:
        before = ids(world.stack(f"s{n}"))
        world.stack_shuffle(f"s{n}", seed)
        assert ids(world.stack(f"s{n}")) == shuffle_order(before, seed), seed


def test_the_vectors_through_the_core() -> None:
    w = World()
    w.stack_create("deck")
    for i in range(10):
        w.token_create("card", str(i), "", "stack:deck")
    w.stack_shuffle("deck", 42)
    assert ids(w.stack("deck")) == [1, 8, 4, 6, 3, 2, 9, 10, 5, 7]
    w.stack_reset("deck")
    w.stack_shuffle("deck", 0)
    assert ids(w.stack("deck")) == [4, 9, 7, 5, 6, 10, 8, 2, 1, 3]


@pytest.mark.parametrize("n", [0, 1, 2, 7, 52, 312])
def test_source_shuffle_matches_the_reference(n: int) -> None:
    w = World()
    w.stack_create("deck")
    for i in range(n):
        w.token_create("card", str(i), "", "stack:deck")
    w.source_create("shoe")
    w.source_add_stack("shoe", "deck")
    for seed in SEEDS:
        before = ids(w.shoe("shoe"))
        w.source_shuffle("shoe", seed)
        assert ids(w.shoe("shoe")) == shuffle_order(before, seed), seed


@pytest.mark.parametrize("n", [0, 1, 2, 9, 40])
def test_zone_shuffle_matches_the_reference(n: int) -> None:
    w = World()
    w.space_create_zone("table")
    for i in range(n):
        w.token_create("card", str(i), "", To.zone("table", float(i), 0.5 * i, i % 3 == 0))
    for seed in SEEDS:
        before = [(int(p["token"]), float(p["x"])) for p in w.zone("table")]
        w.space_shuffle_zone("table", seed)
        after = [(int(p["token"]), float(p["x"])) for p in w.zone("table")]
        assert after == shuffle_order(before, seed), seed


def test_shuffle_many_matches_the_reference() -> None:
    w = World()
    names = [f"d{i}" for i in range(12)]
    for k, name in enumerate(names):
        w.stack_create(name)
        for i in range(5 + 3 * k):
            w.token_create("card", str(i), "", f"stack:{name}")
    for seed in SEEDS:
        before = {name: ids(w.stack(name)) for name in names}
        w.batch_shuffle(names, seed)
        for i, name in enumerate(names):
            assert ids(w.stack(name)) == shuffle_order(before[name], batch_seed(seed, i))


def test_steal_token_uses_the_first_output() -> None:
    w = World()
    w.agent_create("a")
    w.agent_create("b")
    for i in range(13):
        w.token_create("card", str(i), "", "agent:a")
    for seed in SEEDS[:12]:
        inv = ids(w.inventory("a"))
        got = w.agent_steal_token("a", "b", seed)
        assert got == inv[_js_mulberry32(seed, 1)[0] * len(inv) >> 32]


def test_seeds_are_u32_and_never_wrapped_silently() -> None:
    # Upstream coerces seeds with >>> 0; the facade refuses what is not already a u32, so a
    # caller's mistake cannot silently pick another permutation.
    w = World()
    w.stack_create("deck")
    for bad in (-1, 2**32, 1.0, True, "42"):
        with refused(w, ActionTypeError, "stack.shuffle", "argument 2"):
            w.stack_shuffle("deck", bad)  # type: ignore[arg-type]
