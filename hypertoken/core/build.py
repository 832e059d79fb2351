"""Build ``core.wasm`` (and game kernel modules) from Zig sources with the pinned ``ziglang``.

Run ``python -m hypertoken.core.build`` after changing anything in ``zig/``; commit the
resulting ``core.wasm``. ``--check`` rebuilds into a temporary file and fails if its
bytes differ from the committed module (CI runs this).

A game kernel (see ``zig/kernel.zig``) is a Zig file that imports the core as the module
``core``; :func:`build` with ``kernel=`` links the two into one module, which a World
loads with ``World(module=...)``. ``--kernel SRC OUT`` builds (or with ``--check``
checks) one; games keep their kernels fresh the same way (``python -m games.kernels``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "zig" / "core.zig"
OUTPUT = HERE / "core.wasm"

#: Compiler flags. ReleaseSafe keeps bounds and overflow checks: a bug traps (and the
#: facade raises) instead of corrupting the world.
FLAGS = [
    "-target",
    "wasm32-freestanding",
    "-fno-entry",
    "-rdynamic",
    "-O",
    "ReleaseSafe",
    "-fstrip",
    "--stack",
    "131072",
]


#: The core's Zig modules a kernel may import (``@import("core")``, ``@import("rng")``).
MODULES = {"core": SOURCE, "rng": HERE / "zig" / "rng.zig"}


def build(out: Path, *, kernel: Path | None = None, deps: tuple[str, ...] = ("core",)) -> None:
    """Compile the core (with ``kernel`` linked in, if given) into ``out``; raise
    ``RuntimeError`` with zig's output on failure. ``deps`` names the core's modules the
    kernel imports (:data:`MODULES`): the whole core by default, or only ``("rng",)`` for
    a module that holds no World (its own memory, the core's shuffle).
    """
    env = dict(os.environ)
    cache = Path(tempfile.gettempdir()) / "hypertoken-zig-cache"
    env.setdefault("ZIG_GLOBAL_CACHE_DIR", str(cache))
    with tempfile.TemporaryDirectory() as tmp:
        # Paths are relative to the working directory, so no absolute path of this
        # checkout can end up in the module's bytes.
        if kernel is None:
            cwd, sources = SOURCE.parent, [SOURCE.name]
        else:
            kernel = Path(kernel).resolve()
            cwd = kernel.parent
            # Per-module flags (target, optimisation) precede each -M they apply to.
            sources = [*FLAGS]
            for name in deps:
                sources += ["--dep", name]
            sources.append(f"-Mroot={kernel.name}")
            for name in deps:
                sources += [*FLAGS, f"-M{name}={os.path.relpath(MODULES[name], cwd)}"]
        cmd = [
            sys.executable,
            "-m",
            "ziglang",
            "build-exe",
            *sources,
            *FLAGS,
            "--cache-dir",
            str(Path(tmp) / "cache"),
            f"-femit-bin={Path(out).resolve()}",
        ]
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"zig build failed:\n{proc.stderr}{proc.stdout}")


def check(
    out: Path, *, kernel: Path | None = None, deps: tuple[str, ...] = ("core",), how: str
) -> int:
    """Rebuild into a temporary file and compare with the committed ``out``: 0 if equal,
    else 1 with a message saying to run ``how``.
    """
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / out.name
        build(fresh, kernel=kernel, deps=deps)
        new, old = fresh.read_bytes(), out.read_bytes() if out.exists() else b""
        if new != old:
            print(
                f"{out.name} is stale: rebuilt module "
                f"{hashlib.sha256(new).hexdigest()[:16]} != committed "
                f"{hashlib.sha256(old).hexdigest()[:16]}. "
                f"Run `{how}` and commit {out.name}.",
                file=sys.stderr,
            )
            return 1
        print(f"{out.name} is up to date ({len(new)} bytes)")
        return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the module is stale")
    parser.add_argument(
        "--kernel",
        nargs=2,
        metavar=("SRC", "OUT"),
        help="build a game kernel SRC (Zig) linked with the core into OUT",
    )
    args = parser.parse_args(argv)
    kernel, out = (Path(args.kernel[0]), Path(args.kernel[1])) if args.kernel else (None, OUTPUT)
    if args.check:
        how = "python -m hypertoken.core.build" + (
            f" --kernel {args.kernel[0]} {args.kernel[1]}" if args.kernel else ""
        )
        return check(out, kernel=kernel, how=how)
    build(out, kernel=kernel)
    print(f"built {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
