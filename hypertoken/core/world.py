"""The :class:`World`: the Python facade over one instance of the action core.

Typed action methods run one action per call; :meth:`World.apply` runs a whole
:class:`~hypertoken.core.batch.Batch` in ONE boundary call. Reads never call the core:
views are numpy arrays over linear memory (valid until the next action), and
:meth:`snapshot`, :meth:`restore` and :meth:`state_hash` copy or hash the arena
directly. A World is not thread-safe.
"""

from __future__ import annotations

import ctypes
import hashlib
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np

from hypertoken.core._runtime import CoreModule, Instance, Manifest, default_encoders
from hypertoken.core.actions import ONE_ID, Actions
from hypertoken.core.batch import Batch, BatchResults
from hypertoken.core.diagnose import describe_failure
from hypertoken.core.encode import unknown
from hypertoken.core.errors import CoreError, CoreTrapError, SnapshotError
from hypertoken.core.layout import dtypes
from hypertoken.core.views import WorldViews

_U32 = struct.Struct("<I")
_U32x2 = struct.Struct("<II")
_I64 = struct.Struct("<q")
_ONE = _U32x2.pack(1, 0)
_SNAP_MAGIC = b"HTS1"
_HEADER_MAGIC = 0x31575448
FLAG_ATOMIC = 1
_GREW = 0x80000000  # set in ht_exec's result when linear memory grew
#: A kernel's status when it left the move to the host (changing nothing).
KERNEL_DECLINED = 0x40000000
_PAGE = 65536


class World(WorldViews, Actions[None, int, list[int], int]):
    """A world in the WASM action core.

    Every typed action method runs its action at once and returns its result: None, an
    int, a list of token ids, or one id (an int) for the actions that always yield exactly
    one token. :meth:`do` runs an action by its core name.

    ``fast=False`` calls the core through wasmtime's public API instead of the unchecked
    C call: slower, and used to cross-check the fast path. ``module`` is the build of the
    core to run (default: ``core.wasm``); a game with a kernel supplies its own (see
    :meth:`kernel`). Worlds of every build are interchangeable: same snapshots, same hashes.
    """

    def __init__(self, *, fast: bool = True, module: CoreModule | None = None) -> None:
        self.module = module or CoreModule.core()
        #: Free for the game whose kernel runs in this World, to note that it configured
        #: the kernel's (per-instance) settings; a fork starts with None.
        self.kernel_state: object = None
        self._inst = Instance(fast=fast, module=self.module)
        lay = self._inst.layout()
        (
            self._base,
            self._max_arena,
            self._cmd,
            self._cmd_cap,
            self._res,
            self._res_cap,
            self._err,
            _,
            _,
        ) = lay
        self.manifest: Manifest = self._inst.manifest()
        self._dtypes = dtypes(self.manifest)
        self._hdr = self.manifest.records["Header"][1]
        self._encoders = default_encoders()
        if [o.name for o in self.manifest.ops_by_code] != list(self._encoders):
            raise RuntimeError("core.wasm and the process's default core disagree on actions")
        self._results = {o.name: o.result for o in self.manifest.ops_by_code}
        self._exec = self._inst.exec_fn()
        self._gen = 0
        code = self._inst.call("ht_init")
        if code:
            raise CoreError(f"the action core failed to start (code {code})")
        self._snap_prefix = _SNAP_MAGIC + self.manifest.digest[:8]
        self._refresh()
        WorldViews.__init__(self)

    # ---- memory -----------------------------------------------------------------

    def _refresh(self) -> None:
        """Re-take the view of linear memory (after it grew)."""
        store = self._inst.store
        n = self._inst.memory.data_len(store)
        ptr = self._inst.memory.data_ptr(store)
        self._buf = (ctypes.c_ubyte * n).from_address(ctypes.addressof(ptr.contents))
        self._mv = memoryview(self._buf).cast("B")
        self._pages = n // _PAGE
        self._cmd_view = self._mv[self._cmd : self._cmd + self._cmd_cap]

    def _top(self) -> int:
        return int(_U32.unpack_from(self._mv, self._base + self._hdr["arena"])[0])

    # ---- running actions ----------------------------------------------------------

    def _run(self, blob: bytes, ops: list[str] | tuple[str, ...]) -> None:
        # The hot path of every action: copy the commands in and make one call. Anything
        # unusual (an error, memory growth, a trap) is handled off the hot path.
        n = len(blob)
        if n > self._cmd_cap:
            raise CoreError(
                f"batch of {len(ops)} actions is {n} bytes; the command buffer holds "
                f"{self._cmd_cap}: split it"
            )
        self._cmd_view[:n] = blob
        self._gen += 1
        try:
            code = self._exec()
        except CoreTrapError:
            self._refresh()
            self._forget()
            raise
        if code:
            self._after(code, ops)

    def _after(self, code: int, ops: list[str] | tuple[str, ...]) -> None:
        """Handle a non-zero return: memory growth and/or a refused action."""
        code &= 0xFFFFFFFF  # the fast path hands back the raw (signed) i32
        if code & _GREW:
            self._refresh()
            code &= ~_GREW
        if code:
            self._forget()
            raise describe_failure(self, code, ops)

    def _act(self, op: str, *args: Any) -> Any:
        enc = self._encoders.get(op)
        if enc is None:
            raise unknown(op, list(self._encoders))
        self._run(_ONE + enc(*args), (op,))
        kind, n = _U32x2.unpack_from(self._mv, self._res + 8)
        if kind == 0:
            return None
        if kind == 1:
            return _I64.unpack_from(self._mv, self._res + 16)[0]
        return list(struct.unpack_from(f"<{n}I", self._mv, self._res + 16))

    def _act_id(self, op: str, *args: Any) -> int:
        # The action always yields exactly one id (see ONE_ID): return it bare.
        one: int = self._act(op, *args)[0]
        return one

    def apply(self, batch: Batch, *, atomic: bool = True) -> BatchResults:
        """Run a batch in one call. With ``atomic`` (the default) a failure anywhere rolls the
        whole batch back; without it, actions before the failing one stay applied.
        """
        try:
            blob = batch._blobs.get(atomic)
        except AttributeError:
            raise TypeError(f"apply() takes a Batch, not {type(batch).__name__}") from None
        if blob is None:
            if not isinstance(batch, Batch):
                raise TypeError(f"apply() takes a Batch, not {type(batch).__name__}")
            blob = batch.encoded(FLAG_ATOMIC if atomic else 0)
            batch._blobs[atomic] = blob
        n = len(blob)
        if n > self._cmd_cap:
            self._run(blob, batch._ops)  # raises the size error
        # Same steps as _run, inlined: this is the hottest path of training loops.
        self._cmd_view[:n] = blob
        self._gen += 1
        try:
            code = self._exec()
        except CoreTrapError:
            self._refresh()
            self._forget()
            raise
        if code:
            self._after(code, batch._ops)
        return BatchResults(self, self._gen, batch._ops)

    def _read_results(self, ops: Sequence[str]) -> list[Any]:
        """The results of the batch of ``ops`` that just ran, as its typed methods return
        them (one id bare for the actions in ONE_ID)."""
        count = _U32.unpack_from(self._mv, self._res)[0]
        out: list[Any] = []
        pos = self._res + 8
        for i in range(count):
            kind, n = _U32x2.unpack_from(self._mv, pos)
            pos += 8
            if kind == 0:
                out.append(None)
            elif kind == 1:
                out.append(_I64.unpack_from(self._mv, pos)[0])
                pos += 8
            else:
                ids = list(struct.unpack_from(f"<{n}I", self._mv, pos))
                out.append(ids[0] if ops[i] in ONE_ID else ids)
                pos += 4 * n
        return out

    @property
    def version(self) -> int:
        """A counter that moves whenever the World may have changed (every action, batch,
        kernel call and restore): an unchanged version means an untouched World.
        """
        return self._gen

    def kernel_names(self) -> list[str]:
        """The kernel functions this World's module exports (none for the plain core)."""
        return [n for n in self._inst.exports() if not n.startswith("ht_")]

    def kernel(self, name: str) -> Any:
        """A fast callable ``run(input: bytes) -> int`` for the kernel export ``name`` of
        this World's module: it writes ``input`` into the command buffer, makes one call
        and returns the kernel's status (0 applied, or :data:`KERNEL_DECLINED`). The
        actions a kernel runs go through the core like a non-atomic batch: a failing one
        raises the same :class:`CoreError` an ``apply`` would (the ones before it stay
        applied), a trap raises :class:`CoreTrapError`.
        """
        if name not in self.kernel_names():
            raise KeyError(
                f"the core module {self.module.name} has no kernel function {name!r}"
                f" (it has: {', '.join(self.kernel_names()) or 'none'})"
            )
        call = self._inst.exec_fn(name)
        ops = (f"kernel {name}",)

        cap = self._cmd_cap

        def run(data: bytes) -> int:
            n = len(data)
            if n > cap:
                raise CoreError(
                    f"kernel {name}: input of {n} bytes; the command buffer holds {cap}"
                )
            self._cmd_view[:n] = data
            self._gen += 1
            try:
                code = call()
            except CoreTrapError:
                self._refresh()
                self._forget()
                raise
            if code:
                code &= 0xFFFFFFFF
                if code & KERNEL_DECLINED:
                    if code & _GREW:
                        self._refresh()
                    return KERNEL_DECLINED
                self._after(code, ops)  # memory growth, or a refused action
            return 0

        return run

    def _noop(self) -> int:
        """One empty call into the core through the facade's call path (benchmarks)."""
        return self._inst.call("ht_noop")

    # ---- snapshots ----------------------------------------------------------------

    def snapshot(self) -> bytes:
        """The whole world as bytes: a copy of the arena, tagged with the digest of the core's
        layout (so a World of any build of the core with that layout restores it).
        """
        return b"".join((self._snap_prefix, self._mv[self._base : self._top()]))

    def restore(self, snapshot: bytes, *, verify: bool = False) -> None:
        """Make the world exactly the snapshot's. Bytes that are not a snapshot of this core
        raise :class:`SnapshotError` and change nothing. ``verify`` also checks every
        invariant, structural ones included (and rolls back if one fails): use it for bytes
        from anyone else, since without it a crafted snapshot can make later actions trap.
        """
        if snapshot is self._kept_snap and snapshot is not None and not verify:
            # The snapshot this World was last restored to (a training reset): it was
            # checked then, bytes do not change, and linear memory never shrinks.
            p = len(self._snap_prefix)
            self._mv[self._base : self._base + len(snapshot) - p] = memoryview(snapshot)[p:]
            self._gen += 1
            self._restored(snapshot)
            return
        if not isinstance(snapshot, (bytes, bytearray, memoryview)):
            raise SnapshotError(f"a snapshot is bytes, not {type(snapshot).__name__}")
        snap = memoryview(snapshot).cast("B")
        p = len(self._snap_prefix)
        size = len(snap) - p
        if bytes(snap[:4]) != _SNAP_MAGIC:
            raise SnapshotError("not a HyperToken world snapshot (bad magic)")
        if size < 0:
            raise SnapshotError(f"snapshot is truncated ({len(snap)} bytes)")
        if bytes(snap[:p]) != self._snap_prefix:
            raise SnapshotError(
                "snapshot was taken with a different core.wasm (another world layout)"
            )
        if size < self._hdr["game"] or size > self._max_arena:
            raise SnapshotError(f"snapshot body has an impossible size ({size} bytes)")
        magic, version = _U32x2.unpack_from(snap, p)
        top = _U32.unpack_from(snap, p + self._hdr["arena"])[0]
        if magic != _HEADER_MAGIC or version != self.manifest.version:
            raise SnapshotError("snapshot header does not match this core's world layout")
        if top != self._base + size:
            raise SnapshotError("snapshot is truncated or padded (arena size mismatch)")
        previous = self.snapshot() if verify else None
        end = self._base + size
        if end > len(self._mv):
            self._inst.memory.grow(self._inst.store, (end - len(self._mv) + _PAGE - 1) // _PAGE)
            self._refresh()
        self._mv[self._base : end] = snap[p:]
        self._gen += 1
        self._restored(snapshot)
        if previous is not None:
            try:
                self.check()
            except CoreError:
                self.restore(previous)
                raise SnapshotError("snapshot fails the world's invariants") from None

    def state_hash(self) -> bytes:
        """BLAKE2b-256 of the arena: equal hashes mean bit-identical worlds."""
        return hashlib.blake2b(self._mv[self._base : self._top()], digest_size=32).digest()

    def fork(self) -> World:
        """An independent copy of this world."""
        other = World(fast=self._inst.fast, module=self.module)
        other.restore(self.snapshot())
        return other

    def check(self) -> None:
        """Verify every invariant of the world; raise :class:`CoreError` if one fails."""
        code = self._inst.call("ht_check")
        # The check keeps its scratch above the arena, so the first one grows memory.
        if self._inst.memory.data_len(self._inst.store) != len(self._mv):
            self._refresh()
        if code:
            raise describe_failure(self, code, ("check",))

    @property
    def arena_bytes(self) -> int:
        """How many bytes the world occupies (the size of a snapshot's body)."""
        return self._top() - self._base

    def tokens_array(self) -> np.ndarray:
        """All token records as a zero-copy structured array (see :mod:`layout`)."""
        ptr, n = self._hlist("tokens")
        return np.frombuffer(self._mv, dtype=self._dtypes["Token"], count=n, offset=ptr)
