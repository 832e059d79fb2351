"""Game kernels: a core build with game code linked in (``zig/kernel.zig``).

``kernels/probe.zig``, linked with the core (built once per session by the ``probe``
fixture in ``conftest.py``), is driven through ``World.kernel``: reads, commands,
declines, failures, traps, memory growth, and the promise that Worlds of every build are
interchangeable.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from hypertoken.core import KERNEL_DECLINED, Batch, CoreError, CoreModule, World
from hypertoken.core.errors import CoreTrapError, NotFoundError
from tests.kits.core import isolated


def dealt(world: World, cards: int = 5) -> World:
    # Not atomic: an atomic batch would grow memory for its rollback copy at once.
    world.apply(
        Batch()
        .stack_create("cards")
        .source_create("shoe")
        .space_create_zone("table")
        .stack_create("pile"),
        atomic=False,
    )
    for i in range(cards):
        world.token_create("card", str(i), "s", "stack:cards")
    world.source_add_stack("shoe", "cards")
    return world


def test_kernel_reads_plans_and_applies_through_the_core(probe: CoreModule) -> None:
    w = dealt(World(module=probe))
    w.game_set_property("base", 40)
    assert w.kernel("probe_draw")(struct.pack("<I", 2)) == 0
    assert w.zone("table")["token"].tolist() == [5, 4]
    assert w.shoe("shoe").tolist() == [1, 2, 3]
    assert w.property("drawn") == 42
    assert w.kernel("probe_read")(b"") == 0
    assert (w.property("top"), w.property("table"), w.property("first"), w.property("pile")) == (
        3,
        2,
        5,
        0,
    )
    w.check()


def test_a_declined_move_changes_nothing(probe: CoreModule) -> None:
    w = dealt(World(module=probe))
    before = w.state_hash()
    assert w.kernel("probe_draw")(struct.pack("<I", 6)) == KERNEL_DECLINED
    assert w.kernel("probe_draw")(struct.pack("<I", 0)) == KERNEL_DECLINED
    assert w.state_hash() == before


def test_kernel_worlds_match_plain_core_worlds(probe: CoreModule) -> None:
    # The same actions, one World planning them in its kernel and one taking them from
    # Python: the same bytes, and snapshots move between the two builds.
    a, b = dealt(World(module=probe)), dealt(World())
    a.kernel("probe_draw")(struct.pack("<I", 3))
    b.source_draw("shoe", 3, "zone:table")
    b.game_set_property("drawn", 3)
    assert a.state_hash() == b.state_hash()
    c = World()
    c.restore(a.snapshot(), verify=True)
    assert c.state_hash() == a.state_hash()
    d = a.fork()
    assert d.module is probe and d.state_hash() == a.state_hash()


def test_a_failing_command_raises_like_a_non_atomic_batch(probe: CoreModule) -> None:
    w = dealt(World(module=probe))
    with pytest.raises(NotFoundError, match="no source named 'no such shoe'"):
        w.kernel("probe_fail")(b"")
    assert w.property("before_failure") == 1  # the command before it stays applied
    w.check()


@isolated
def test_a_trap_raises_and_the_world_stays_usable(probe: CoreModule) -> None:
    w = dealt(World(module=probe))
    before = w.state_hash()
    with pytest.raises(CoreTrapError, match="probe_trap"):
        w.kernel("probe_trap")(b"")
    assert w.state_hash() == before
    assert w.source_draw("shoe", 1, "zone:table") == [5]


def test_memory_growth_inside_a_kernel_is_seen(probe: CoreModule) -> None:
    w = dealt(World(module=probe))
    pages = w._pages
    assert w.kernel("probe_grow")(struct.pack("<I", 20000)) == 0
    assert w._pages > pages
    assert len(w.stack("grow000000019999")) == 0
    assert w.state_hash()  # hashing reads the whole (grown) arena
    w.check()


def test_kernel_names_and_unknown_kernels(probe: CoreModule) -> None:
    w = World(module=probe)
    assert set(w.kernel_names()) == {
        "probe_draw",
        "probe_read",
        "probe_fail",
        "probe_trap",
        "probe_grow",
    }
    assert World().kernel_names() == []
    with pytest.raises(KeyError, match="no kernel function 'nope'"):
        w.kernel("nope")
    with pytest.raises(KeyError, match="no kernel function 'probe_draw'"):
        World().kernel("probe_draw")


def test_a_module_that_is_not_a_core_is_refused(tmp_path: Path) -> None:
    # A valid WASM module with none of the core's exports.
    empty = tmp_path / "empty.wasm"
    empty.write_bytes(b"\0asm\x01\0\0\0")
    with pytest.raises(RuntimeError, match="not a HyperToken core module"):
        World(module=CoreModule.load(str(empty)))


@isolated
def test_the_public_call_path_runs_kernels_alike(probe: CoreModule) -> None:
    # World(fast=False) calls through wasmtime's public API: same results, same bytes.
    slow, fast = dealt(World(fast=False, module=probe)), dealt(World(module=probe))
    for w in (slow, fast):
        assert w.kernel("probe_draw")(struct.pack("<I", 4)) == 0
        assert w.kernel("probe_draw")(struct.pack("<I", 4)) == KERNEL_DECLINED
    assert slow.state_hash() == fast.state_hash()
    with pytest.raises(NotFoundError):
        slow.kernel("probe_fail")(b"")
    with pytest.raises(CoreTrapError):
        slow.kernel("probe_trap")(b"")


def test_kernel_input_larger_than_the_command_buffer_is_refused(probe: CoreModule) -> None:
    w = dealt(World(module=probe))
    before = w.state_hash()
    with pytest.raises(CoreError, match="command buffer holds"):
        w.kernel("probe_draw")(b"\0" * (2 << 20))
    assert w.state_hash() == before
