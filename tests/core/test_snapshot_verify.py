"""``restore(verify=True)`` is the trust boundary for snapshots from other peers (checkpoints).
Crafted snapshots that keep the container/token bookkeeping consistent but would make later
actions loop forever, write outside the arena or corrupt other data must be refused, with the
world unchanged; honest snapshots (including every world the property tests build) pass."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable

import pytest

from hypertoken.core import World
from hypertoken.core.errors import SnapshotError
from tests.kits.core import ids, refused

ATTACHED = 7


def rich_world() -> World:
    w = World()
    w.stack_create("a")
    w.stack_create("b")
    for i in range(9):  # growing "a" past 4 and 8 frees its smaller blocks
        w.token_create("card", str(i), "red", "stack:a")
    w.token_create("card", "b0", "", "stack:b")
    w.space_create_zone("z")
    w.token_create("chip", "", "", "zone:z")  # 11
    w.source_create("s")
    w.source_add_stack("s", "b")
    w.agent_create("p")
    w.agent_give_resource("p", "gold", 3)
    w.agent_set_meta("p", "seat", "north")
    host, att, sub = (w.token_create("t", str(i)) for i in range(3))  # 12, 13, 14
    w.token_attach(host, att, 1)
    w.token_attach(att, sub, 2)
    w.token_merge([w.token_create("x"), w.token_create("y")], 3)
    w.game_start(0)
    w.check()
    return w


class Crafted:
    """A snapshot of ``w`` being edited in place, addressed like linear memory."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.data = bytearray(w.snapshot())
        self.p = len(w._snap_prefix)

    def _at(self, addr: int) -> int:
        return self.p + addr - self.w._base

    def get(self, addr: int) -> int:
        return int(struct.unpack_from("<I", self.data, self._at(addr))[0])

    def put(self, addr: int, value: int) -> None:
        struct.pack_into("<I", self.data, self._at(addr), value)

    def header(self, field: str) -> int:
        return self.w._base + self.w._hdr[field]

    def record(self, kind: str, i: int, field: str) -> int:
        name = {
            "Stack": "stacks",
            "Zone": "zones",
            "Source": "sources",
            "Agent": "agents",
            "Token": "tokens",
        }[kind]
        size, offs = self.w.manifest.records[kind]
        return self.get(self.header(name)) + i * size + offs[field]

    def token(self, token_id: int, field: str) -> int:
        return self.record("Token", token_id - 1, field)


def _full_symbol_index(c: Crafted) -> None:
    ptr, cap = c.get(c.header("syms") + 12), c.get(c.header("syms") + 20)
    for i in range(cap):  # no free slot: every lookup of a new name would probe forever
        c.put(ptr + 4 * i, 1)


def _attachment_cycle(c: Crafted) -> None:
    # 13 hangs from 12 and 14 from 13. Make 12 hang from 13 instead of 14: the lists and
    # the tokens still agree, but 12 -> 13 -> 12 loops (attach() would walk it forever).
    c.put(c.token(12, "loc_kind"), ATTACHED)
    c.put(c.token(12, "loc"), 13)
    c.put(c.get(c.token(13, "attachments")), 12)
    c.put(c.token(14, "loc_kind"), 0)
    c.put(c.token(14, "loc"), 0)


def _shared_storage(c: Crafted) -> None:
    # Stack "b" (empty) pointing at the storage of stack "a": appends would overwrite "a".
    for k in (0, 8):  # ptr, cap
        c.put(c.record("Stack", 1, "items") + k, c.get(c.record("Stack", 0, "items") + k))


def _free_list_loop(c: Crafted) -> None:
    free = c.header("arena") + 8
    heads = [c.get(free + 4 * k) for k in range(24)]
    head = next(h for h in heads if h)
    c.put(head, head)  # the next free block is itself


def _outside_the_arena(c: Crafted) -> None:
    c.put(c.record("Stack", 0, "items"), c.get(c.header("arena")) + 4096)


def _longer_than_capacity(c: Crafted) -> None:
    c.put(c.header("tokens") + 4, c.get(c.header("tokens") + 8) + 1)


def _unknown_symbol(c: Crafted) -> None:
    c.put(c.token(1, "kind"), 10**6)


def _string_resource(c: Crafted) -> None:
    entry = c.get(c.record("Agent", 0, "resources"))
    c.put(entry + 4, 4)  # tag str


def _missing_active_agent(c: Crafted) -> None:
    c.put(c.header("game") + c.w.manifest.records["Game"][1]["active"], 99)


def _source_member_out_of_range(c: Crafted) -> None:
    c.put(c.get(c.record("Source", 0, "stacks")), 99)


def _nan_placement(c: Crafted) -> None:
    x = c.get(c.record("Zone", 0, "placements")) + 8
    c.data[c._at(x) : c._at(x) + 8] = struct.pack("<d", math.nan)


def _bad_flag(c: Crafted) -> None:
    c.put(c.record("Zone", 0, "locked"), 2)


CRAFTED: list[tuple[str, Callable[[Crafted], None]]] = [
    ("full symbol index", _full_symbol_index),
    ("attachment cycle", _attachment_cycle),
    ("two lists share storage", _shared_storage),
    ("free list loops", _free_list_loop),
    ("list outside the arena", _outside_the_arena),
    ("list longer than its capacity", _longer_than_capacity),
    ("unknown symbol id", _unknown_symbol),
    ("string resource", _string_resource),
    ("active agent out of range", _missing_active_agent),
    ("source member out of range", _source_member_out_of_range),
    ("NaN placement", _nan_placement),
    ("zone lock flag 2", _bad_flag),
]


@pytest.mark.parametrize(("what", "craft"), CRAFTED, ids=[c[0] for c in CRAFTED])
def test_verified_restore_refuses_crafted_snapshots(
    what: str, craft: Callable[[Crafted], None]
) -> None:
    w = rich_world()
    c = Crafted(w)
    craft(c)
    w.stack_shuffle("a", 7)  # the world differs from the snapshot
    with refused(w, SnapshotError, "invariants"):
        w.restore(bytes(c.data), verify=True)
    # A fresh world refuses it too, and both keep working.
    fresh = World()
    with refused(fresh, SnapshotError, "invariants"):
        fresh.restore(bytes(c.data), verify=True)
    fresh.stack_create("x")
    top = ids(w.stack("a"))[-1]
    assert w.stack_draw("a", 1) == [top]


def test_every_crafted_snapshot_starts_from_an_honest_one() -> None:
    w = rich_world()
    honest = w.snapshot()
    other = World()
    other.restore(honest, verify=True)
    assert other.state_hash() == w.state_hash()
    other.check()
