"""Build ``core.wasm`` from the Zig sources with the pinned ``ziglang`` package.

Run ``python -m hypertoken.core.build`` after changing anything in ``zig/``; commit the
resulting ``core.wasm``. ``--check`` rebuilds into a temporary file and fails if its
bytes differ from the committed module (CI runs this).
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


def build(out: Path) -> None:
    """Compile the core into ``out``; raise ``RuntimeError`` with zig's output on failure."""
    env = dict(os.environ)
    cache = Path(tempfile.gettempdir()) / "hypertoken-zig-cache"
    env.setdefault("ZIG_GLOBAL_CACHE_DIR", str(cache))
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-m",
            "ziglang",
            "build-exe",
            str(SOURCE.name),
            *FLAGS,
            "--cache-dir",
            str(Path(tmp) / "cache"),
            f"-femit-bin={out}",
        ]
        proc = subprocess.run(cmd, cwd=SOURCE.parent, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"zig build failed:\n{proc.stderr}{proc.stdout}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if core.wasm is stale")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "core.wasm"
            build(fresh)
            new, old = fresh.read_bytes(), OUTPUT.read_bytes() if OUTPUT.exists() else b""
            if new != old:
                print(
                    "core.wasm is stale: rebuilt module "
                    f"{hashlib.sha256(new).hexdigest()[:16]} != committed "
                    f"{hashlib.sha256(old).hexdigest()[:16]}. "
                    "Run `python -m hypertoken.core.build` and commit core.wasm.",
                    file=sys.stderr,
                )
                return 1
            print(f"core.wasm is up to date ({len(new)} bytes)")
            return 0
    build(OUTPUT)
    print(f"built {OUTPUT} ({OUTPUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
