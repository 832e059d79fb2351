"""The Zig declarations of packed-state layouts, generated for a game's kernel, and the
command that writes (or ``--check`` s) a module's file: ``python -m hypertoken.game.fields``
(see :mod:`hypertoken.game.fields`).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from enum import IntEnum
from pathlib import Path
from types import ModuleType

from hypertoken.game.fields.layout import Layout, LayoutError, bits_text

#: Zig keywords and primitive type names: generated as ``@"name"``.
_ZIG_KEYWORDS = frozenset(
    {
        *("addrspace", "align", "allowzero", "and", "anyframe", "anytype", "asm", "async"),
        *("await", "break", "callconv", "catch", "comptime", "const", "continue", "defer"),
        *("else", "enum", "errdefer", "error", "export", "extern", "fn", "for", "if"),
        *("inline", "linksection", "noalias", "noinline", "nosuspend", "opaque", "or"),
        *("orelse", "packed", "pub", "resume", "return", "struct", "suspend", "switch"),
        *("test", "threadlocal", "try", "union", "unreachable", "usingnamespace", "var"),
        *("volatile", "while", "true", "false", "null", "undefined", "bool", "void", "type"),
        *("anyerror", "anyopaque", "noreturn", "isize", "usize", "comptime_int"),
        "comptime_float",
    }
)


_HELPERS = """\
const std = @import("std");

/// `width` bits at `shift` of a u64, read and written as `T` (u64, or an enum of them).
fn Field(comptime shift_: u6, comptime width_: u7, comptime mask_: u64, comptime T: type) type {
    return struct {
        pub const shift = shift_;
        pub const width = width_;
        pub const mask: u64 = mask_;
        /// The largest value the field holds.
        pub const limit: u64 = mask_ >> shift_;
        pub inline fn get(x: u64) T {
            const v = (x & mask) >> shift;
            return if (T == u64) v else @enumFromInt(v);
        }
        pub inline fn set(x: u64, value: T) u64 {
            const v: u64 = if (T == u64) value else @intFromEnum(value);
            std.debug.assert(v <= limit);
            return (x & ~mask) | (v << shift);
        }
    };
}

/// Several fields of one layout: keep only them (`of`) or zero them (`clear`).
fn Group(comptime mask_: u64) type {
    return struct {
        pub const mask: u64 = mask_;
        pub inline fn of(x: u64) u64 {
            return x & mask;
        }
        pub inline fn clear(x: u64) u64 {
            return x & ~mask;
        }
    };
}
"""


def zig_name(name: str) -> str:
    """``name`` as a Zig identifier (``@"..."`` for a keyword or primitive type name)."""
    if name in _ZIG_KEYWORDS or re.fullmatch(r"[iuf]\d+|c_\w+", name):
        return f'@"{name}"'
    return name


def snake(name: str) -> str:
    """A class name in snake_case (``TableState`` -> ``table_state``), as Zig names
    namespaces.
    """
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _doc(text: str, indent: str) -> list[str]:
    width = 92 - len(indent) - 4
    return [f"{indent}/// {line}" for line in textwrap.wrap(text, width)] or [f"{indent}///"]


def _first_paragraph(cls: type) -> str:
    doc = inspect.cleandoc(cls.__doc__ or cls.__name__)
    return " ".join(doc.split("\n\n")[0].split()).replace("``", "`")


def _sentence(doc: str, bits: str) -> str:
    return f"{doc[:1].upper()}{doc[1:]}{'' if doc.endswith('.') else '.'} {bits}."


def zig_source(layouts: Sequence[type[Layout]], *, origin: str, command: str) -> str:
    """The Zig declarations of ``layouts`` (see the module docstring), with a header
    saying the file is generated from ``origin`` by ``command``.
    """
    enums: dict[str, type[IntEnum]] = {}
    names: dict[str, str] = {"Field": "the helper", "Group": "the helper", "std": "std"}
    for cls in layouts:
        for f in cls.fields:
            if f.values is not None:
                enums.setdefault(f.values.__name__, f.values)
        top = snake(cls.__name__)
        if top in names:
            raise LayoutError(f"layout {cls.__name__}: its Zig name {top} is taken by {names[top]}")
        names[top] = f"layout {cls.__name__}"
    for ename, enum in enums.items():
        if ename in names and names[ename] != f"enum {enum.__qualname__}":
            raise LayoutError(f"enum {ename}: Zig name {ename} is taken by {names[ename]}")
        names[ename] = f"enum {enum.__qualname__}"
    out = [
        f"//! Generated from {origin} by",
        f"//! `{command}`: do not edit.",
        "//! Change the declaration and run the command; its `--check` (CI) fails while this",
        "//! file is stale.",
        "",
        _HELPERS,
    ]
    for ename, enum in enums.items():
        out += _doc(_first_paragraph(enum), "")
        out.append(f"pub const {zig_name(ename)} = enum(u64) {{")
        out += [f"    {zig_name(m.name)} = {m.value}," for m in enum]
        out += ["};", ""]
    for cls in layouts:
        out += _doc(_first_paragraph(cls), "")
        out.append(f"pub const {zig_name(snake(cls.__name__))} = struct {{")
        out += ["    /// The bits the layout spans, and every bit its fields use."]
        out += [f"    pub const width = {cls.width};", f"    pub const mask: u64 = {cls.mask:#x};"]
        for f in cls.fields:
            doc = f.doc + (f" (a `{snake(f.layout.__name__)}`)" if f.layout else "")
            out += ["", *_doc(_sentence(doc, bits_text(f.shift, f.width).capitalize()), "    ")]
            kind = "u64" if f.values is None else zig_name(f.values.__name__)
            out.append(
                f"    pub const {zig_name(f.name)} = "
                f"Field({f.shift}, {f.width}, {f.mask:#x}, {kind});"
            )
        for g in cls.groups:
            members = f"Fields {', '.join(f.name for f in g.fields)}"
            out += ["", *_doc(_sentence(g.doc, members) if g.doc else members + ".", "    ")]
            out.append(f"    pub const {zig_name(g.name)} = Group({g.mask:#x});")
        out += ["};", ""]
    return "\n".join(out)


# ---- generating and checking a module's Zig file -----------------------------------------


def layouts_in(module: ModuleType) -> list[type[Layout]]:
    """The layouts a module declares (not imports), in the order it declares them."""
    return [
        v
        for v in vars(module).values()
        if isinstance(v, type)
        and issubclass(v, Layout)
        and v is not Layout
        and v.__module__ == module.__name__
    ]


def command(module: str) -> str:
    """The command that regenerates ``module``'s Zig file."""
    return f"python -m hypertoken.game.fields {module}"


def generated(module: str) -> tuple[Path, str]:
    """Where ``module``'s Zig file goes (its ``ZIG_FILE``, beside it) and its text."""
    mod = importlib.import_module(module)
    target = getattr(mod, "ZIG_FILE", None)
    if not isinstance(target, str) or mod.__file__ is None:
        raise LayoutError(
            f"{module} names no ZIG_FILE (the Zig file to generate beside it, as "
            f'ZIG_FILE = "kernel_state.zig")'
        )
    layouts = layouts_in(mod)
    if not layouts:
        raise LayoutError(f"{module} declares no Layout")
    return Path(mod.__file__).with_name(target), zig_source(
        layouts, origin=module, command=command(module)
    )


def write(modules: Iterable[str]) -> list[Path]:
    """Write each module's Zig file (only when its text changes); the paths written."""
    changed = []
    for module in modules:
        path, text = generated(module)
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed


def check(modules: Iterable[str]) -> int:
    """0 if every module's committed Zig file is what its declaration generates, else 1
    with a message on stderr naming the file and the command to run.
    """
    status = 0
    for module in modules:
        path, text = generated(module)
        if not path.is_file() or path.read_text() != text:
            print(
                f"{path.name} is stale: it is not what {module} declares. Run "
                f"`{command(module)}` and commit {path.name}.",
                file=sys.stderr,
            )
            status = 1
        else:
            print(f"{path.name} is up to date with {module}")
    return status


def main(argv: list[str] | None = None) -> int:
    """``python -m hypertoken.game.fields [--check] MODULE...``."""
    parser = argparse.ArgumentParser(
        description="Generate (or --check) the Zig declarations of packed-state layouts."
    )
    parser.add_argument("--check", action="store_true", help="fail if a file is stale")
    parser.add_argument("modules", nargs="+", metavar="MODULE", help="e.g. games.blackjack.state")
    args = parser.parse_args(argv)
    if args.check:
        return check(args.modules)
    for path in write(args.modules):
        print(f"wrote {path}")
    return 0
