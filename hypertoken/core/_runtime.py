"""Loading the action core and calling into it.

One compiled ``wasmtime.Module`` per module (the core, or the core with a game kernel
linked in: :class:`CoreModule`) is shared per process; each World gets its own store and
instance. Calls take the fast path: ``wasmtime_func_call_unchecked`` from the C API
that the wasmtime package ships, called through a ctypes prototype with pre-built
arguments (about 1 µs instead of about 20 µs through ``Func.__call__``). The public
API stays available (``fast=False``) as the fallback and as the cross-check in tests.

The unchecked path relies on wasmtime's private ``_bindings`` module, so the
wasmtime version is pinned in pyproject.toml.
"""

from __future__ import annotations

import ctypes
import hashlib
import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import wasmtime

from hypertoken.core.errors import CoreTrapError

_LOCK = threading.Lock()
_ENGINE: wasmtime.Engine | None = None
_COMPILED: dict[bytes, wasmtime.Module] = {}
_WASM: bytes | None = None


def core_bytes() -> bytes:
    """The bytes of the packaged ``core.wasm``."""
    global _WASM
    if _WASM is None:
        _WASM = resources.files("hypertoken.core").joinpath("core.wasm").read_bytes()
    return _WASM


def core_digest() -> bytes:
    """SHA-256 of ``core.wasm``: what a room records so every peer folds with the same core."""
    return hashlib.sha256(core_bytes()).digest()


class CoreModule:
    """A build of the action core: ``core.wasm`` itself (:meth:`core`), or the core with a
    game kernel linked in (see ``zig/kernel.zig``), which a World loads with
    ``World(module=...)``. Every build lays the world out at the same addresses, so
    snapshots and state hashes are the same whichever module made them.
    """

    _BY_PATH: dict[str, CoreModule] = {}

    def __init__(self, wasm: bytes, name: str) -> None:
        self.wasm = wasm
        self.name = name
        #: SHA-256 of the module's bytes.
        self.digest = hashlib.sha256(wasm).digest()

    @classmethod
    def core(cls) -> CoreModule:
        """The packaged ``core.wasm`` (no kernel)."""
        with _LOCK:
            mod = cls._BY_PATH.get("")
        if mod is None:
            mod = cls(core_bytes(), "core.wasm")
            with _LOCK:
                mod = cls._BY_PATH.setdefault("", mod)
        return mod

    @classmethod
    def load(cls, path: str) -> CoreModule:
        """The module in file ``path`` (read once per process)."""
        with _LOCK:
            mod = cls._BY_PATH.get(path)
        if mod is None:
            with open(path, "rb") as f:
                mod = cls(f.read(), path)
            with _LOCK:
                mod = cls._BY_PATH.setdefault(path, mod)
        return mod

    def compiled(self) -> tuple[wasmtime.Engine, wasmtime.Module]:
        """The process's wasmtime engine and this module compiled for it (once)."""
        global _ENGINE
        with _LOCK:
            if _ENGINE is None:
                _ENGINE = wasmtime.Engine()
            mod = _COMPILED.get(self.digest)
            if mod is None:
                mod = _COMPILED[self.digest] = wasmtime.Module(_ENGINE, self.wasm)
            return _ENGINE, mod

    def __repr__(self) -> str:
        return f"CoreModule({self.name!r}, sha256={self.digest.hex()[:16]})"


@dataclass(frozen=True)
class OpSpec:
    """One action of the core: its code, name, argument layout and result kind."""

    code: int
    name: str
    args: str
    result: str


@dataclass(frozen=True)
class Manifest:
    """What the core module declares about its ABI (parsed from its manifest text)."""

    version: int
    ops: dict[str, OpSpec]
    ops_by_code: list[OpSpec]
    codes: dict[int, str]
    kinds: dict[int, str]
    locs: dict[int, str]
    records: dict[str, tuple[int, dict[str, int]]] = field(default_factory=dict)
    #: BLAKE2b of the manifest text: equal for every build that lays the world out alike.
    digest: bytes = b""

    @classmethod
    def parse(cls, text: str) -> Manifest:
        """Parse the manifest text exported by the core."""
        version = 0
        ops: list[OpSpec] = []
        codes: dict[int, str] = {}
        kinds: dict[int, str] = {}
        locs: dict[int, str] = {}
        records: dict[str, tuple[int, dict[str, int]]] = {}
        for line in text.splitlines():
            parts = line.split()
            if not parts:
                continue
            tag = parts[0]
            if tag == "V":
                version = int(parts[1])
            elif tag == "O":
                args = "" if parts[3] == "_" else parts[3]
                ops.append(OpSpec(int(parts[1]), parts[2], args, parts[4]))
            elif tag in ("E", "K", "L"):
                {"E": codes, "K": kinds, "L": locs}[tag][int(parts[1])] = parts[2]
            elif tag == "R":
                offsets = {k: int(v) for k, v in (p.split(":") for p in parts[3:])}
                records[parts[1]] = (int(parts[2]), offsets)
        digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
        return cls(version, {o.name: o for o in ops}, ops, codes, kinds, locs, records, digest)


_ENCODERS: dict[str, Any] | None = None
_MANIFEST: Manifest | None = None


def default_manifest() -> Manifest:
    """The manifest of the packaged core (read once per process)."""
    global _MANIFEST
    if _MANIFEST is None:
        inst = Instance(fast=False)
        _MANIFEST = inst.manifest()
    return _MANIFEST


def default_encoders() -> dict[str, Any]:
    """Action encoders for the packaged core, by action name."""
    global _ENCODERS
    if _ENCODERS is None:
        from hypertoken.core.encode import make_encoder

        m = default_manifest()
        _ENCODERS = {op.name: make_encoder(op.name, op.code, op.args) for op in m.ops_by_code}
    return _ENCODERS


class Instance:
    """One instance of the core: its store, exports, buffers and the fast call path."""

    def __init__(
        self, *, fast: bool = True, module: CoreModule | None = None, core: bool = True
    ) -> None:
        """An instance of ``module`` (default: the packaged core). ``core=False`` takes a
        module that holds no World (such as a game's training tables): it needs only
        its memory and ``() -> u32`` exports, not the core's.
        """
        engine, compiled = (module or CoreModule.core()).compiled()
        self.store = wasmtime.Store(engine)
        self.instance = wasmtime.Instance(self.store, compiled, [])
        exports = self.instance.exports(self.store)
        self._funcs: dict[str, wasmtime.Func] = {}
        for name in exports:
            item = exports[name]
            if isinstance(item, wasmtime.Func):
                self._funcs[name] = item
        needed = {"ht_layout", "ht_init", "ht_exec", "ht_noop", "ht_check", "ht_rebind"}
        missing = needed - set(self._funcs) if core else set()
        memory = exports.get("memory")
        if missing or not isinstance(memory, wasmtime.Memory):
            lacks = sorted(missing) + ([] if isinstance(memory, wasmtime.Memory) else ["memory"])
            raise RuntimeError(f"not a HyperToken core module: it lacks {', '.join(lacks)}")
        self.memory: wasmtime.Memory = memory
        self.fast = fast
        self._raw = (wasmtime._bindings.wasmtime_val_raw_t * 1)()
        self._result = ctypes.c_uint32.from_address(ctypes.addressof(self._raw))
        self._trap = ctypes.POINTER(wasmtime._bindings.wasm_trap_t)()
        self._proto: Any = None
        if fast:
            addr = ctypes.cast(wasmtime._bindings._wasmtime_func_call_unchecked, ctypes.c_void_p)
            if addr.value is None:
                raise RuntimeError("wasmtime's C API has no wasmtime_func_call_unchecked")
            self._proto = ctypes.CFUNCTYPE(ctypes.c_void_p)(addr.value)
            ctx = ctypes.cast(self.store._context(), ctypes.c_void_p).value
            self._ctx = ctypes.c_void_p(ctx)
            self._raw_arg = ctypes.c_void_p(ctypes.addressof(self._raw))
            self._trap_arg = ctypes.c_void_p(ctypes.addressof(self._trap))
            self._one = ctypes.c_size_t(1)
            self._fptr = {
                name: ctypes.c_void_p(ctypes.addressof(f._func)) for name, f in self._funcs.items()
            }

    def layout(self) -> tuple[int, ...]:
        """The core's fixed addresses: arena base and size, buffers, error record, manifest."""
        addr = self.call("ht_layout")
        raw = self.memory.read(self.store, addr, addr + 36)
        return tuple(int.from_bytes(raw[i : i + 4], "little") for i in range(0, 36, 4))

    def manifest(self) -> Manifest:
        """Parse the manifest the module exports."""
        lay = self.layout()
        text = self.memory.read(self.store, lay[7], lay[7] + lay[8]).decode("ascii")
        return Manifest.parse(text)

    def call(self, name: str) -> int:
        """Call an exported ``() -> u32`` function and return its result."""
        if self._proto is None:
            try:
                result = self._funcs[name](self.store)
            except wasmtime.Trap as trap:
                raise CoreTrapError(f"the action core trapped in {name}: {trap.message}") from None
            return int(result) & 0xFFFFFFFF
        err = self._proto(self._ctx, self._fptr[name], self._raw_arg, self._one, self._trap_arg)
        if err or self._trap:
            self._raise(name, err)
        return self._result.value

    def _raise(self, name: str, err: int | None) -> None:
        """Turn a wasmtime error or trap from the unchecked call into an exception."""
        if err:
            raise wasmtime.WasmtimeError._from_ptr(
                ctypes.cast(err, ctypes.POINTER(wasmtime._bindings.wasmtime_error_t))
            )
        # Trap takes ownership of a copy of the pointer; clear our slot in place so the
        # pre-built argument pointing at it stays valid for the next call.
        trap_ptr = ctypes.POINTER(wasmtime._bindings.wasm_trap_t)(self._trap.contents)
        trap = wasmtime.Trap._from_ptr(trap_ptr)
        ctypes.c_void_p.from_address(ctypes.addressof(self._trap)).value = None
        raise CoreTrapError(f"the action core trapped in {name}: {trap.message}")

    def exports(self) -> list[str]:
        """The names of the module's exported functions."""
        return list(self._funcs)

    def exec_fn(self, name: str = "ht_exec") -> Any:
        """A zero-argument callable running the ``() -> u32`` export ``name`` (default
        ``ht_exec``) as fast as possible.

        Returns the raw (signed) result. Traps and wasmtime errors raise.
        """
        if name not in self._funcs:
            raise KeyError(f"the core module exports no function {name!r}")
        if self._proto is None:
            return lambda: self.call(name)
        proto, ctx, fptr = self._proto, self._ctx, self._fptr[name]
        raw_arg, one, trap_arg = self._raw_arg, self._one, self._trap_arg
        trap = ctypes.c_void_p.from_address(ctypes.addressof(self._trap))
        # The result slot read as a plain i32 (cheaper than indexing the union array).
        result = ctypes.c_int32.from_address(ctypes.addressof(self._raw))

        def run() -> int:
            err = proto(ctx, fptr, raw_arg, one, trap_arg)
            if err or trap.value:
                self._raise(name, err)
            return result.value

        return run
