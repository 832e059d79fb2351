"""The architecture's import rules, checked statically over every module.

Imports point down (ARCHITECTURE.md, "Layout")::

    cli -> peers, relay -> control, client -> envs -> games, policies -> engine -> game -> core
                                                                        engine -> log

Every ``import`` and ``from ... import`` statement counts, wherever it is: at module level,
inside a function, under ``if TYPE_CHECKING:`` or in a ``try``. An import inside a function
is still a dependency (it only hides a cycle), and a type-only import still couples the
layers. Three rules:

1. **Layers**: a module imports only from its own layer and the layers listed in
   :data:`ALLOWED` for it.
2. **Third-party**: some layers may not touch some libraries (:data:`FORBIDDEN`): the games
   never import asyncio, automerge, aiortc or a transport; the relay and the wire formats
   import only an allow-list (:data:`ONLY`), so the relay's container stays small.
3. **No cycles** between the project's modules: a cycle means two modules are one concept
   split in two, or a lower one reaching up.

The checker is plain functions over a source root, so the test of the test below runs it
on small trees that break each rule.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The top-level packages of the distribution.
PACKAGES = ("hypertoken", "games", "relay", "peers")

#: Module prefix -> layer. The longest matching prefix wins; ``hypertoken`` alone is the
#: top-level facade (``import hypertoken`` exports the public names lazily).
LAYERS: dict[str, str] = {
    "hypertoken": "facade",
    "hypertoken.core": "core",
    "hypertoken.log": "log",
    "hypertoken.protocol": "protocol",
    "hypertoken.game": "game",
    "hypertoken.engine": "engine",
    "games": "games",
    "hypertoken.policies": "policies",
    "hypertoken.envs": "envs",
    "hypertoken.control": "control",
    "hypertoken.client": "client",
    "peers": "peers",
    "relay": "relay",
    "hypertoken.cli": "cli",
}

_BELOW_ENVS = {"games", "policies", "engine", "game", "log", "core"}

#: Layer -> the other layers it may import.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "log": set(),
    "protocol": set(),
    "game": {"core"},
    "engine": {"game", "log", "core"},
    "games": {"game", "core"},
    "policies": {"games", "game", "core"},
    "envs": {"policies", "games", "engine", "game", "log", "core"},
    "control": {"envs", *_BELOW_ENVS, "protocol"},
    "client": {"envs", *_BELOW_ENVS, "protocol"},
    "peers": {"control", "client", "envs", *_BELOW_ENVS, "protocol"},
    "relay": {"protocol"},
    "cli": {"facade", "peers", "relay", "control", "client", "envs", *_BELOW_ENVS, "protocol"},
    "facade": {"envs", *_BELOW_ENVS, "protocol", "control", "client"},
}

#: Modules that are applications of a layer rather than part of it, with what more they
#: may import and why. Keep this short: each entry is a decision, not a workaround.
EXCEPTIONS: dict[str, tuple[set[str], str]] = {
    "games.prisoners_dilemma.tournament": (
        {"engine", "log"},
        "plays round robins through LocalEngine; only the CLI and benchmarks import it",
    ),
}

#: Layer -> third-party (or stdlib) top-level modules it must never import.
_NETWORK = {"asyncio", "aiortc", "aioice", "aiohttp", "websockets", "zeroconf", "uvloop"}
FORBIDDEN: dict[str, set[str]] = {
    "core": {"automerge", "msgpack", *_NETWORK},
    "game": {"automerge", "msgpack", *_NETWORK},
    "games": {"automerge", *_NETWORK},
    "log": {"wasmtime", *_NETWORK},
    "engine": _NETWORK,
    "policies": {"automerge", *_NETWORK},
    "envs": {"aiortc", "aioice", "zeroconf"},
}

#: Layer -> the only non-stdlib top-level modules it may import (allow-lists).
ONLY: dict[str, set[str]] = {
    "protocol": {"msgpack"},
    "relay": {"aiohttp", "msgpack", "cryptography", "prometheus_client", "uvloop"},
}


@dataclass(frozen=True)
class Import:
    """One import statement's target, as written in a module."""

    module: str  # the importing module
    target: str  # the imported module, fully qualified (``from a import b`` -> a.b if b is one)
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def modules(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Every module of ``packages`` under ``root``: dotted name -> file."""
    found: dict[str, Path] = {}
    for package in packages:
        base = root / package
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> Iterator[Import]:
    """Every import in the module ``name`` (all of them: any depth, any branch)."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                if not is_package:
                    anchor.pop()
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield Import(name, sub if sub in known else base, node.lineno)


def layer_of(module: str) -> str | None:
    """The layer of a project module (None for third-party and stdlib modules)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        layer = LAYERS.get(".".join(parts[:n]))
        if layer is not None:
            return layer
    return None


def _exception_for(module: str) -> set[str]:
    for prefix, (extra, _why) in EXCEPTIONS.items():
        if module == prefix or module.startswith(prefix + "."):
            return extra
    return set()


def violations(root: Path, packages: Iterable[str] = PACKAGES) -> list[str]:
    """Every broken rule in the tree at ``root``, as readable lines (empty: all good)."""
    mods = modules(root, packages)
    known = set(mods)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    problems: list[str] = []
    stdlib = set(sys.stdlib_module_names)
    for name, path in mods.items():
        mine = layer_of(name)
        assert mine is not None, f"{name} has no layer: add it to LAYERS"
        for imp in imports(name, path, known):
            top = imp.target.split(".")[0]
            theirs = layer_of(imp.target) if top in PACKAGES else None
            if theirs is not None:
                if imp.target in known and imp.target != name:
                    graph[name].add(imp.target)
                allowed = ALLOWED[mine] | {mine} | _exception_for(name)
                if theirs not in allowed:
                    problems.append(f"{imp}: layer {mine!r} may not import layer {theirs!r}")
                continue
            if top in FORBIDDEN.get(mine, set()):
                problems.append(f"{imp}: layer {mine!r} must not use {top}")
            only = ONLY.get(mine)
            if only is not None and top not in stdlib and top not in only and top != "__future__":
                problems.append(f"{imp}: layer {mine!r} imports only {sorted(only)} and stdlib")
    problems.extend(f"import cycle: {' -> '.join(c)}" for c in cycles(graph))
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(_cycle_in(graph, set(component)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A concrete cycle through a strongly connected component, for the error message."""
    start = min(component)
    path = [start]
    seen = {start}
    v = start
    while True:
        nxt = sorted(w for w in graph[v] if w in component)
        back = [w for w in nxt if w == start]
        if back and len(path) > 1:
            return [*path, start]
        fresh = [w for w in nxt if w not in seen]
        if not fresh:  # close the loop on the first module seen again
            w = nxt[0]
            return [*path[path.index(w) :], w]
        v = fresh[0]
        path.append(v)
        seen.add(v)


# ---- the tests --------------------------------------------------------------------------


def test_the_tree_follows_the_import_rules() -> None:
    problems = violations(ROOT)
    assert not problems, "imports that break the architecture:\n" + "\n".join(problems)


def test_every_module_has_a_layer() -> None:
    assert all(layer_of(m) is not None for m in modules(ROOT))
    assert layer_of("hypertoken.core.world") == "core"
    assert layer_of("hypertoken.cli.replay") == "cli"
    assert layer_of("hypertoken") == "facade"
    assert layer_of("numpy") is None


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for package in ("hypertoken", "hypertoken/core", "hypertoken/engine", "hypertoken/log"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").touch()
    return tmp_path


def test_an_upward_import_fails_wherever_it_hides(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "hypertoken/engine/fold.py": "from hypertoken.core import world\n",
            "hypertoken/core/world.py": "X = 1\n",
            "hypertoken/core/a.py": "def f():\n    from hypertoken.engine import fold\n",
            "hypertoken/core/b.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from hypertoken.engine.fold import F\n"
            ),
            "hypertoken/log/c.py": "from ..core import world\n",
            "hypertoken/log/d.py": "import hypertoken.core.world\n",
        },
    )
    problems = violations(root, ["hypertoken"])
    assert len(problems) == 4, problems
    assert any("hypertoken.core.a:2 imports hypertoken.engine.fold" in p for p in problems)
    assert any("hypertoken.core.b:3 imports hypertoken.engine.fold" in p for p in problems)
    assert any("hypertoken.log.c:1 imports hypertoken.core.world" in p for p in problems)
    assert any("hypertoken.log.d:1 imports hypertoken.core.world" in p for p in problems)
    assert all("may not import layer" in p for p in problems)


def test_a_downward_tree_passes_and_a_cycle_fails(tmp_path: Path) -> None:
    clean = {
        "hypertoken/engine/fold.py": "from hypertoken.core.world import X\nimport msgpack\n",
        "hypertoken/core/world.py": "X = 1\n",
    }
    assert violations(_tree(tmp_path / "clean", clean), ["hypertoken"]) == []
    looped = {
        **clean,
        "hypertoken/core/world.py": "def f():\n    from hypertoken.core import views\n",
        "hypertoken/core/views.py": "from hypertoken.core.world import X\n",
    }
    problems = violations(_tree(tmp_path / "loop", looped), ["hypertoken"])
    assert problems == [
        "import cycle: hypertoken.core.views -> hypertoken.core.world -> hypertoken.core.views"
    ]


def test_forbidden_and_allow_listed_libraries(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "games/__init__.py": "",
            "games/chess.py": "import asyncio\nfrom automerge import Document\nimport numpy\n",
            "relay/__init__.py": "",
            "relay/server.py": "import aiohttp\nimport json\nimport numpy\n",
        },
    )
    problems = violations(root, ["games", "relay"])
    assert problems == [
        "games.chess:1 imports asyncio: layer 'games' must not use asyncio",
        "games.chess:2 imports automerge: layer 'games' must not use automerge",
        "relay.server:3 imports numpy: layer 'relay' imports only "
        "['aiohttp', 'cryptography', 'msgpack', 'prometheus_client', 'uvloop'] and stdlib",
    ]


def test_exceptions_are_narrow(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "games/__init__.py": "",
            "games/prisoners_dilemma/__init__.py": "",
            "games/prisoners_dilemma/tournament.py": "from hypertoken.engine import X\n",
            "games/prisoners_dilemma/game.py": "from hypertoken.engine import X\n",
        },
    )
    problems = violations(root, ["games", "hypertoken"])
    assert problems == [
        "games.prisoners_dilemma.game:1 imports hypertoken.engine: "
        "layer 'games' may not import layer 'engine'"
    ]
