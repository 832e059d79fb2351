"""Packed-state layouts (:mod:`hypertoken.game.fields`): declaration errors, the Python
accessors, the generated Zig (text, and compiled: it reads and writes as Python does) and
the ``--check`` of a committed file.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from enum import IntEnum
from pathlib import Path

import pytest

from hypertoken.game import fields
from hypertoken.game.fields import Field, Group, Layout, LayoutError


class Light(IntEnum):
    """A traffic light."""

    RED = 0
    AMBER = 1
    GREEN = 2


class Cell(Layout):
    """A cell: its light and a counter."""

    light = Field(2, "the light", values=Light)
    count = Field(5, "how many cars wait")
    jam = Field(1, "the queue reaches back")
    lanes = Field(4, "bit i: lane i is open", fmt="#b")
    waiting = Group(count, jam, doc="the queue")


class Road(Layout, bits=32):
    """A road of two cells."""

    first = Field(Cell, "the first cell")
    second = Field(Cell, "the second cell", at=16)


# ---- declaration errors ------------------------------------------------------------------


def test_fields_are_placed_in_order_from_bit_0() -> None:
    assert [(f.name, f.shift, f.width) for f in Cell.fields] == [
        ("light", 0, 2),
        ("count", 2, 5),
        ("jam", 7, 1),
        ("lanes", 8, 4),
    ]
    assert Cell.width == 12 and Cell.mask == 0xFFF
    assert Cell.waiting.mask == Cell.count.mask | Cell.jam.mask
    assert (Road.first.width, Road.second.shift, Road.width) == (12, 16, 28)
    assert Road.mask == 0xFFF | 0xFFF << 16


def test_overlapping_fields_are_refused_naming_both() -> None:
    with pytest.raises(
        LayoutError, match=r"fields Bad\.a \(bits 0\.\.3\) and Bad\.b \(bits 2\.\.3\)"
    ):

        class Bad(Layout):
            a = Field(4, "a")
            b = Field(2, "b", at=2)


def test_a_layout_wider_than_its_bits_is_refused() -> None:
    with pytest.raises(LayoutError, match=r"Wide\.b \(bits 60\.\.63\) overflows .* 63 bits"):

        class Wide(Layout):
            a = Field(60, "a")
            b = Field(4, "b")

    with pytest.raises(
        LayoutError, match=r"Small\.a \(bits 0\.\.8\) overflows layout Small: it has 8"
    ):

        class Small(Layout, bits=8):
            a = Field(9, "a")


def test_other_declaration_mistakes_are_refused_clearly() -> None:
    class Big(IntEnum):
        ONE = 1
        FOUR = 4

    with pytest.raises(LayoutError, match=r"Big\.FOUR = 4 does not fit E\.x \(bits 0\.\.1\)"):

        class E(Layout):
            x = Field(2, "x", values=Big)

    with pytest.raises(LayoutError, match="positive number of bits, not 0"):
        Field(0, "nothing")
    with pytest.raises(LayoutError, match="needs a doc"):
        Field(3, " ")
    with pytest.raises(LayoutError, match="IntEnum class"):
        Field(3, "x", values=dict)  # type: ignore[call-overload, type-var]
    with pytest.raises(LayoutError, match="declares no Field"):

        class Empty(Layout):
            pass

    with pytest.raises(LayoutError, match=r"R\.mask: the name is reserved"):

        class R(Layout):
            mask = Field(3, "x")  # type: ignore[assignment]

    shared = Field(3, "shared")
    with pytest.raises(LayoutError, match=r"Twice\.a is also declared as Twice\.b"):

        class Twice(Layout):
            a = shared
            b = shared

    with pytest.raises(LayoutError, match=r"Cell\.count is also declared as Again\.count"):

        class Again(Layout):
            count = Cell.count

    with pytest.raises(LayoutError, match=r"group G\.g takes Cell\.count"):

        class G(Layout):
            x = Field(3, "x")
            g = Group(x, Cell.count)

    with pytest.raises(LayoutError, match="subclass Layout directly"):

        class More(Cell):  # type: ignore[misc]
            extra = Field(1, "x")

    with pytest.raises(TypeError, match="is a layout declaration"):
        Cell()


# ---- Python accessors --------------------------------------------------------------------


def test_get_set_pack_replace_and_unpack_round_trip() -> None:
    v = Cell.pack(light=Light.GREEN, count=17, lanes=0b1010)
    assert Cell.light.get(v) is Light.GREEN
    assert (Cell.count.get(v), Cell.jam.get(v), Cell.lanes.get(v)) == (17, 0, 0b1010)
    assert Cell.jam.set(v, 1) == v | 1 << 7
    assert Cell.replace(v, count=0, jam=1) == Cell.pack(light=2, jam=1, lanes=0b1010)
    assert Cell.unpack(v) == {"light": Light.GREEN, "count": 17, "jam": 0, "lanes": 10}
    assert Cell.pack(**Cell.unpack(v)) == v
    assert Cell.waiting.clear(v) == Cell.replace(v, count=0)
    assert Cell.waiting.of(v) == Cell.pack(count=17)
    for f in Cell.fields:  # every value of every field, independently
        for value in f.values or range(f.limit + 1):
            assert f.get(f.set(v, value)) == value
            assert f.set(v, value) & ~f.mask == v & ~f.mask
    road = Road.pack(first=v, second=Cell.pack(jam=1))
    assert Cell.count.get(Road.first.get(road)) == 17
    assert Cell.jam.get(Road.second.get(road)) == 1


def test_values_that_do_not_fit_are_refused() -> None:
    with pytest.raises(
        ValueError, match=r"Cell\.count \(bits 2\.\.6\) cannot hold 32: it takes 0\.\.31"
    ):
        Cell.count.set(0, 32)
    with pytest.raises(ValueError, match="cannot hold -1"):
        Cell.pack(count=-1)
    with pytest.raises(TypeError, match=r"Cell has no field 'cont' \(fields: light, count"):
        Cell.replace(0, cont=1)
    with pytest.raises(ValueError, match=r"Cell\.light \(bits 0\.\.1\) holds 3, which is no Light"):
        Cell.light.get(3)
    with pytest.raises(ValueError, match=r"Cell\.light \(bits 0\.\.1\) holds a Light, not 3"):
        Cell.pack(light=3)


def test_describe_reads_a_value_out() -> None:
    v = Cell.pack(light=Light.AMBER, count=3, jam=1, lanes=0b101)
    assert Cell.describe(v) == "light=AMBER count=3 jam lanes=0b101"
    assert Cell.describe(0) == "light=RED"  # named values always show
    assert Cell.describe(1 << 40) == "light=RED undeclared=0x10000000000"
    road = Road.pack(first=v)
    assert Road.describe(road) == "first=(light=AMBER count=3 jam lanes=0b101)"


# ---- Zig ---------------------------------------------------------------------------------


def test_the_zig_of_a_small_declaration() -> None:
    text = fields.zig_source([Cell, Road], origin="tests.cells", command="make cells")
    assert text.startswith("//! Generated from tests.cells by\n//! `make cells`: do not edit.\n")
    assert "fn Field(comptime shift_: u6, comptime width_: u7" in text
    assert (
        textwrap.dedent(
            """\
        /// A traffic light.
        pub const Light = enum(u64) {
            RED = 0,
            AMBER = 1,
            GREEN = 2,
        };
        """
        )
        in text
    )
    assert (
        textwrap.dedent(
            """\
        /// A cell: its light and a counter.
        pub const cell = struct {
            /// The bits the layout spans, and every bit its fields use.
            pub const width = 12;
            pub const mask: u64 = 0xfff;

            /// The light. Bits 0..1.
            pub const light = Field(0, 2, 0x3, Light);

            /// How many cars wait. Bits 2..6.
            pub const count = Field(2, 5, 0x7c, u64);

            /// The queue reaches back. Bit 7.
            pub const jam = Field(7, 1, 0x80, u64);

            /// Bit i: lane i is open. Bits 8..11.
            pub const lanes = Field(8, 4, 0xf00, u64);

            /// The queue. Fields count, jam.
            pub const waiting = Group(0xfc);
        };
        """
        )
        in text
    )
    assert (
        "/// The second cell (a `cell`). Bits 16..27.\n    pub const second = Field(16, 12," in text
    )


def test_zig_names_are_escaped_and_clashes_refused() -> None:
    class Op(Layout):
        error = Field(1, "a keyword")
        u8 = Field(1, "a primitive type's name")

    text = fields.zig_source([Op], origin="m", command="c")
    assert 'pub const @"error" = Field(0,' in text and 'pub const @"u8" = Field(1,' in text
    assert fields.snake("TableState") == "table_state" and fields.snake("HTTPCell") == "http_cell"

    class Std(Layout):
        x = Field(1, "x")

    with pytest.raises(LayoutError, match="Zig name std is taken"):
        fields.zig_source([Std], origin="m", command="c")


def _zig() -> list[str]:
    if importlib.util.find_spec("ziglang") is None:
        pytest.skip("the ziglang package (the dev extra) is not installed")
    return [sys.executable, "-m", "ziglang"]


def test_the_generated_zig_reads_and_writes_as_python_does(tmp_path: Path) -> None:
    wasmtime = pytest.importorskip("wasmtime")
    (tmp_path / "cells.zig").write_text(fields.zig_source([Cell], origin="t", command="c"))
    (tmp_path / "root.zig").write_text(
        textwrap.dedent(
            """\
            const c = @import("cells.zig").cell;
            export fn count(x: u64) u64 { return c.count.get(x); }
            export fn green(x: u64) u64 { return c.light.set(x, .GREEN); }
            export fn is_amber(x: u64) u32 { return @intFromBool(c.light.get(x) == .AMBER); }
            export fn set_lanes(x: u64, v: u64) u64 { return c.lanes.set(x, v); }
            export fn unqueue(x: u64) u64 { return c.waiting.clear(x); }
            """
        )
    )
    out = tmp_path / "root.wasm"
    cmd = [*_zig(), "build-exe", "root.zig", "-target", "wasm32-freestanding", "-fno-entry"]
    cmd += ["-rdynamic", "-O", "ReleaseSafe", f"-femit-bin={out}"]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    store = wasmtime.Store()
    exports = wasmtime.Instance(
        store, wasmtime.Module.from_file(store.engine, str(out)), []
    ).exports(store)

    def call(name: str, *args: int) -> int:
        signed = [a - (1 << 64) if a >= 1 << 63 else a for a in args]  # wasm's i64
        return int(exports[name](store, *signed)) & (2**64 - 1)

    for v in (0, Cell.pack(light=Light.AMBER, count=9, jam=1, lanes=3), (1 << 63) | 0xFFE):
        assert call("count", v) == Cell.count.get(v)
        assert call("green", v) == Cell.light.set(v, Light.GREEN)
        assert call("is_amber", v) == (Cell.light.get(v) is Light.AMBER)
        assert call("set_lanes", v, 5) == Cell.lanes.set(v, 5)
        assert call("unqueue", v) == Cell.waiting.clear(v)
    with pytest.raises(wasmtime.Trap):  # a value too wide for the field traps (ReleaseSafe)
        call("set_lanes", 0, 16)


# ---- generating and --check --------------------------------------------------------------


def test_check_fails_on_a_stale_file_and_names_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = tmp_path / "layoutpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    decl = pkg / "state.py"
    decl.write_text(
        textwrap.dedent(
            """\
            from hypertoken.game.fields import Field, Layout

            ZIG_FILE = "kernel_state.zig"


            class Turn(Layout):
                \"\"\"The turn.\"\"\"

                seat = Field(3, "the seat to move")
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    zig = pkg / "kernel_state.zig"
    assert fields.check(["layoutpkg.state"]) == 1  # not generated yet
    assert fields.main(["layoutpkg.state"]) == 0
    assert "pub const seat = Field(0, 3, 0x7, u64);" in zig.read_text()
    assert "`python -m hypertoken.game.fields layoutpkg.state`: do not edit" in zig.read_text()
    assert fields.main(["--check", "layoutpkg.state"]) == 0
    zig.write_text(zig.read_text().replace("0x7, u64", "0xf, u64"))  # edited by hand
    capsys.readouterr()
    assert fields.main(["--check", "layoutpkg.state"]) == 1
    err = capsys.readouterr().err
    assert "kernel_state.zig is stale" in err
    assert "Run `python -m hypertoken.game.fields layoutpkg.state`" in err
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    cli = [sys.executable, "-m", "hypertoken.game.fields", "--check", "layoutpkg.state"]
    done = subprocess.run(cli, env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "kernel_state.zig is stale" in done.stderr
    assert fields.write(["layoutpkg.state"]) == [zig]  # regenerated ...
    assert fields.write(["layoutpkg.state"]) == []  # ... and then left alone
    assert fields.check(["layoutpkg.state"]) == 0
    assert subprocess.run(cli, env=env, capture_output=True).returncode == 0


def test_a_module_without_zig_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "nozig.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(LayoutError, match="nozig names no ZIG_FILE"):
        fields.main(["nozig"])
