"""Game kernels: a game's moves compiled into the WASM module with the core.

A kernel is a Zig file beside its game (``games/<game>/kernel.zig``, which may import
sibling files such as ``kernel_rules.zig``) that imports the core as the module ``core``
and uses its kernel API (``hypertoken/core/zig/kernel.zig``): it reads the world, plans
a move and runs it as core actions, inside the module, in one call from Python. The
game's Python rules stay the reference: a kernel changes the World exactly as they
would, or declines and leaves the move to them. Each kernel is built with the core into
``kernel.wasm`` next to its source, committed like ``core.wasm``:

    python -m games.kernels            # rebuild every kernel
    python -m games.kernels --check    # fail if a committed module is stale (CI)

A game whose kernel reads packed ints declares their layouts once, in ``games/<game>/state.py``
(see :mod:`hypertoken.game.fields`); the build first regenerates the Zig declarations the
kernel imports (``kernel_state.zig``), and CI checks them apart from the modules:

    python -m hypertoken.game.fields --check games.blackjack.state
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from hypertoken.core import CoreModule, World

#: A kernel function: input bytes in, status out (0 applied, else declined).
KernelFn = Callable[[bytes], int]

HERE = Path(__file__).resolve().parent
#: The kernels, by game package: every ``games/<name>/kernel.zig`` builds ``kernel.wasm``
#: beside it (a game gets a kernel by having that file).
KERNELS = tuple(sorted(p.parent.name for p in HERE.glob("*/kernel.zig")))
#: The games with training tables (:mod:`hypertoken.game.tables`): every
#: ``games/<name>/tables.zig`` builds ``tables.wasm`` beside it, a module of its own that
#: holds no World (linked with the core's shuffle only).
TABLES = tuple(sorted(p.parent.name for p in HERE.glob("*/tables.zig")))


def source(name: str) -> Path:
    """The kernel's Zig entry file."""
    return HERE / name / "kernel.zig"


def output(name: str) -> Path:
    """The kernel's committed WASM module."""
    return HERE / name / "kernel.wasm"


def state_module(name: str) -> str | None:
    """The module declaring kernel ``name``'s packed state (``games.<name>.state``), if it
    has one.
    """
    return f"games.{name}.state" if (HERE / name / "state.py").is_file() else None


def module(name: str) -> CoreModule:
    """The core module with kernel ``name`` linked in (loaded once per process)."""
    if name not in KERNELS:
        raise KeyError(f"no game kernel {name!r} (kernels: {', '.join(KERNELS)})")
    path = output(name)
    if not path.is_file():
        raise FileNotFoundError(
            f"the {name} kernel module {path} is missing: build it with "
            "`python -m games.kernels` (it is committed with the sources)"
        )
    return CoreModule.load(str(path))


def bind(
    world: World, key: object, names: tuple[str, ...], configure: tuple[str, bytes] | None = None
) -> tuple[KernelFn, ...] | None:
    """The kernel functions ``names`` in ``world``, or None when its module lacks them.

    Bound once per World instance and kept in ``world.kernel_state`` as ``(key, functions)``;
    ``key`` identifies the caller and its settings (games compare it by identity on their
    hot path and call this only when it differs). ``configure`` is ``(function, input)``,
    run first when binding, for a kernel whose settings live in the instance.
    """
    state = world.kernel_state
    if type(state) is tuple and state[0] is key:
        return state[1]  # type: ignore[no-any-return]
    fns: tuple[KernelFn, ...] | None = None
    if all(n in world.kernel_names() for n in names):
        if configure is not None and world.kernel(configure[0])(configure[1]):
            raise RuntimeError(f"kernel {configure[0]} refused its settings")
        fns = tuple(world.kernel(n) for n in names)
    world.kernel_state = (key, fns)
    return fns


def main(argv: list[str] | None = None) -> int:
    """Build every kernel module (regenerating its state declarations first), or with
    ``--check`` verify the committed modules.
    """
    from hypertoken.core import build
    from hypertoken.game import fields

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="fail if a module is stale")
    args = parser.parse_args(argv)
    status = 0
    for name in KERNELS:
        src, out = source(name), output(name)
        if args.check:
            status |= build.check(out, kernel=src, how="python -m games.kernels")
        else:
            state = state_module(name)
            if state is not None:
                for path in fields.write([state]):
                    print(f"wrote {path}")
            build.build(out, kernel=src)
            print(f"built {out} ({out.stat().st_size} bytes)")
    for name in TABLES:  # linked with the core's shuffle only: they hold no World
        src, out = HERE / name / "tables.zig", HERE / name / "tables.wasm"
        if args.check:
            status |= build.check(out, kernel=src, deps=("rng",), how="python -m games.kernels")
        else:
            build.build(out, kernel=src, deps=("rng",))
            print(f"built {out} ({out.stat().st_size} bytes)")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
