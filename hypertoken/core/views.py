"""Read views of the world, straight from linear memory (no call into the core).

Array views (stacks, zones, inventories, the token table) are zero-copy numpy arrays:
valid until the world runs another action or is restored. Copy them to keep them.
Everything else (token info, agents, game state) is returned as fresh Python objects.
"""

from __future__ import annotations

import contextlib
import struct
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from hypertoken.core.errors import NoSuchTokenError, NotFoundError

if TYPE_CHECKING:
    import ctypes

    from hypertoken.core._runtime import Manifest

_LIST = struct.Struct("<III")
_U32 = struct.Struct("<I")
_ENTRY = struct.Struct("<IIQ")
_LOCS = (
    "loose",
    "stack",
    "discards",
    "zone",
    "agent",
    "source",
    "tray",
    "attached",
    "merged",
    "split",
)


@dataclass(frozen=True)
class TokenInfo:
    """A copy of one token's record, with names decoded."""

    id: int
    kind: str
    label: str
    group: str
    #: "loose", "stack", "discards", "zone", "agent", "source", "tray", "attached",
    #: "merged" (consumed into ``where``) or "split" (consumed).
    location: str
    #: The container's name, the host token id (attached) or the merged token id.
    where: str | int | None
    home: str | None
    meta: dict[str, Any]
    attachments: list[int]
    attach_type: str
    attached_at: int | None
    merged_from: list[int]
    merged_at: int | None
    split_from: int | None
    split_index: int | None
    split_at: int | None
    transformed_at: int | None


@dataclass(frozen=True)
class AgentInfo:
    """A copy of one agent's state."""

    name: str
    active: bool
    resources: dict[str, int]
    meta: dict[str, Any]
    inventory: list[int]


@dataclass(frozen=True)
class GameState:
    """A copy of the game loop and game state."""

    turn: int
    phase: str
    active_agent: str | None
    max_turns: int
    started: bool
    ended: bool
    paused: bool
    running: bool
    winner: str
    reason: str
    start_time: int
    end_time: int
    pause_time: int
    total_pause: int
    properties: dict[str, Any] = field(default_factory=dict)


_KIND_FIELD = {"stack": "stacks", "zone": "zones", "source": "sources", "agent": "agents"}
_RECORD = {"stack": "Stack", "zone": "Zone", "source": "Source", "agent": "Agent"}


class WorldViews:
    """Read-side methods of :class:`~hypertoken.core.world.World`."""

    _mv: memoryview
    _buf: ctypes.Array[ctypes.c_ubyte]
    _base: int
    _hdr: dict[str, int]
    _gen: int
    _dtypes: dict[str, np.dtype]
    manifest: Manifest

    def __init__(self) -> None:
        self._syms: dict[int, str] = {}
        self._names: dict[str, dict[str, int]] = {}
        self._names_gen = -1
        #: (kind, name, field) -> address of that List record; valid for one structure_gen.
        self._addr: dict[tuple[str, str, str], int] = {}
        self._addr_gen = -1
        self._gen_at = self._base + self._hdr["structure_gen"]
        self._props_at = self._base + self._hdr["props"]
        #: property key -> (its symbol id, the entry index it was last found at).
        self._prop_at: dict[str, tuple[int, int]] = {}
        #: Every property as decoded at World version ``_props_version`` (values are
        #: immutable; callers get copies of the dict).
        self._props_seen: dict[str, Any] = {}
        self._props_version = -1
        self._game_active = self.manifest.records["Game"][1]["active"]
        #: The snapshot (a ``bytes`` object) the World was last restored to, and how many
        #: symbols it has: the World descends from it, and the symbol table only grows,
        #: so restoring it again keeps every cached symbol below that count.
        self._kept_snap: bytes | None = None
        self._kept_syms = 0
        #: Cached symbol ids, and property keys, at or above ``_kept_syms``.
        self._late_syms: list[int] = []
        self._late_props: list[str] = []

    def _forget(self) -> None:
        """Drop caches that a restore or a rolled-back batch can invalidate."""
        self._props_version = -1
        self._syms.clear()
        self._addr.clear()
        self._addr_gen = -1
        self._prop_at.clear()
        self._names.clear()
        self._names_gen = -1
        self._late_syms.clear()
        self._late_props.clear()

    def _restored(self, snapshot: object) -> None:
        """Drop what a restore to ``snapshot`` invalidates. Restoring the snapshot the World
        was last restored to (the same ``bytes`` object: a training reset) keeps the caches
        of the symbols it has; the name and address caches stay keyed by the structure
        generation, which the restore brings back to the snapshot's.
        """
        if snapshot is self._kept_snap and snapshot is not None:
            syms, props = self._syms, self._prop_at
            for sid in self._late_syms:
                syms.pop(sid, None)
            for key in self._late_props:
                props.pop(key, None)
            self._late_syms.clear()
            self._late_props.clear()
            return
        self._forget()
        if type(snapshot) is bytes:
            self._kept_snap = snapshot
            self._kept_syms = self._hlist("syms")[1]
        else:
            self._kept_snap = None
            self._kept_syms = 0

    def _list(self, addr: int) -> tuple[int, int]:
        """(address, length) of the List record at absolute address ``addr``."""
        ptr, n, _ = _LIST.unpack_from(self._mv, addr)
        return ptr, n

    def _hlist(self, field: str) -> tuple[int, int]:
        """(address, length) of a List in the world header."""
        return self._list(self._base + self._hdr[field])

    def _sym(self, sid: int) -> str:
        if sid == 0:
            return ""
        s = self._syms.get(sid)
        if s is None:
            ents, _ = self._hlist("syms")
            ptr, n, _h = _LIST.unpack_from(self._mv, ents + 16 * sid)
            s = bytes(self._mv[ptr : ptr + n]).decode("utf-8", "replace")
            self._syms[sid] = s
            if sid >= self._kept_syms:
                self._late_syms.append(sid)
        return s

    def _records(self, kind: str) -> tuple[int, int, int, dict[str, int]]:
        size, offs = self.manifest.records[_RECORD[kind]]
        ptr, n = self._hlist(_KIND_FIELD[kind])
        return ptr, n, size, offs

    def _index(self, kind: str, name: str) -> int:
        gen = _U32.unpack_from(self._mv, self._base + self._hdr["structure_gen"])[0]
        if gen != self._names_gen:
            self._names.clear()
            self._names_gen = gen
        table = self._names.get(kind)
        if table is None:
            table = {}
            ptr, n, size, _ = self._records(kind)
            for i in range(n):
                rec = ptr + i * size
                sid, alive = struct.unpack_from("<II", self._mv, rec)
                if alive:
                    table[self._sym(sid)] = i
            self._names[kind] = table
        try:
            return table[name]
        except KeyError:
            raise NotFoundError(f"no {kind} named {name!r}", obj=name) from None

    def _field_list(self, kind: str, name: str, fieldname: str) -> tuple[int, int]:
        # Record addresses only move when an object is created or removed, which bumps
        # structure_gen (restores and rollbacks clear the cache through _forget).
        gen = _U32.unpack_from(self._mv, self._gen_at)[0]
        if gen != self._addr_gen:
            self._addr.clear()
            self._addr_gen = gen
        key = (kind, name, fieldname)
        addr = self._addr.get(key)
        if addr is None:
            i = self._index(kind, name)
            ptr, _, size, offs = self._records(kind)
            addr = self._addr[key] = ptr + i * size + offs[fieldname]
        ptr, n, _cap = _LIST.unpack_from(self._mv, addr)
        return ptr, n

    def _ids(self, ptr: int, n: int) -> np.ndarray:
        if not n:
            return np.zeros(0, "<u4")
        return np.frombuffer(self._mv, dtype="<u4", count=n, offset=ptr)

    def _id_list(self, lst: Any) -> list[int]:
        """The ids of a List record (a numpy void with ptr and len) as Python ints."""
        return [int(x) for x in self._ids(int(lst["ptr"]), int(lst["len"]))]

    def _names_of(self, kind: str) -> list[str]:
        self._index_all(kind)
        return list(self._names[kind])

    def _index_all(self, kind: str) -> None:
        with contextlib.suppress(NotFoundError):
            self._index(kind, "\0")

    # ---- public views -----------------------------------------------------------

    def stacks(self) -> list[str]:
        """Names of the stacks."""
        return self._names_of("stack")

    def zones(self) -> list[str]:
        """Names of the live zones."""
        return self._names_of("zone")

    def sources(self) -> list[str]:
        """Names of the sources."""
        return self._names_of("source")

    def agents(self) -> list[str]:
        """Names of the live agents, in creation order."""
        return self._names_of("agent")

    def stack(self, name: str) -> np.ndarray:
        """Token ids of a stack, bottom to top (zero-copy)."""
        return self._ids(*self._field_list("stack", name, "items"))

    def discards(self, name: str) -> np.ndarray:
        """Token ids of a stack's discards, bottom to top (zero-copy)."""
        return self._ids(*self._field_list("stack", name, "discards"))

    def zone(self, name: str) -> np.ndarray:
        """Placements of a zone (fields token, face_up, x, y), bottom to top (zero-copy)."""
        ptr, n = self._field_list("zone", name, "placements")
        dt = self._dtypes["Placement"]
        return np.frombuffer(self._mv, dtype=dt, count=n, offset=ptr) if n else np.zeros(0, dt)

    def zone_locked(self, name: str) -> bool:
        """Whether a zone is locked."""
        i = self._index("zone", name)
        ptr, _, size, offs = self._records("zone")
        return bool(_U32.unpack_from(self._mv, ptr + i * size + offs["locked"])[0])

    def shoe(self, name: str) -> np.ndarray:
        """Token ids in a source's shoe, bottom to top (zero-copy)."""
        return self._ids(*self._field_list("source", name, "items"))

    def tray(self, name: str) -> np.ndarray:
        """Token ids in a source's tray (zero-copy)."""
        return self._ids(*self._field_list("source", name, "tray"))

    def inventory(self, name: str) -> np.ndarray:
        """Token ids in an agent's inventory, in order (zero-copy)."""
        return self._ids(*self._field_list("agent", name, "inventory"))

    def _map(self, ptr: int, n: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k in range(n):
            key, tag, payload = _ENTRY.unpack_from(self._mv, ptr + 16 * k)
            out[self._sym(key)] = _decode(self, tag, payload)
        return out

    def agent(self, name: str) -> AgentInfo:
        """A copy of an agent's state."""
        i = self._index("agent", name)
        ptr, _, size, offs = self._records("agent")
        rec = ptr + i * size
        active = bool(_U32.unpack_from(self._mv, rec + offs["active"])[0])
        res = self._map(*self._list(rec + offs["resources"]))
        meta = self._map(*self._list(rec + offs["meta"]))
        inv = self._ids(*self._list(rec + offs["inventory"])).tolist()
        return AgentInfo(name, active, {k: int(v) for k, v in res.items()}, meta, inv)

    def token_count(self) -> int:
        """How many tokens were ever created (ids run from 1 to this)."""
        return self._hlist("tokens")[1]

    def token(self, token_id: int) -> TokenInfo:
        """A copy of one token's record with its provenance."""
        ptr, n = self._hlist("tokens")
        if type(token_id) is not int or not 1 <= token_id <= n:
            raise NoSuchTokenError(f"token {token_id!r} does not exist", token=0)
        t = np.frombuffer(
            self._mv,
            dtype=self._dtypes["Token"],
            count=1,
            offset=ptr + (token_id - 1) * self._dtypes["Token"].itemsize,
        )[0]
        flags = int(t["flags"])
        loc = _LOCS[int(t["loc_kind"])]
        where: str | int | None = None
        if loc in ("attached", "merged"):
            where = int(t["loc"])
        elif loc not in ("loose", "split"):
            where = self._container_name(loc, int(t["loc"]))
        home = self._container_name("stack", int(t["home"]) - 1) if t["home"] else None
        return TokenInfo(
            id=token_id,
            kind=self._sym(int(t["kind"])),
            label=self._sym(int(t["label"])),
            group=self._sym(int(t["group"])),
            location=loc,
            where=where,
            home=home,
            meta=self._map(int(t["meta"]["ptr"]), int(t["meta"]["len"])),
            attachments=self._id_list(t["attachments"]),
            attach_type=self._sym(int(t["attach_type"])),
            attached_at=int(t["attached_at"]) if flags & 8 else None,
            merged_from=self._id_list(t["merged_from"]),
            merged_at=int(t["merged_at"]) if flags & 1 else None,
            split_from=int(t["split_from"]) if flags & 2 else None,
            split_index=int(t["split_index"]) if flags & 2 else None,
            split_at=int(t["split_at"]) if flags & 2 else None,
            transformed_at=int(t["transformed_at"]) if flags & 4 else None,
        )

    def _container_name(self, loc: str, index: int) -> str:
        kind = {
            "stack": "stack",
            "discards": "stack",
            "zone": "zone",
            "agent": "agent",
            "inventory": "agent",
            "source": "source",
            "tray": "source",
        }[loc]
        ptr, n, size, _ = self._records(kind)
        if not 0 <= index < n:
            return f"#{index}"
        return self._sym(_U32.unpack_from(self._mv, ptr + index * size)[0])

    @property
    def game(self) -> GameState:
        """Deprecated (goes in 0.3): use :meth:`game_state`. A property hid that every
        access decodes the whole game state and every property."""
        warnings.warn(
            "World.game is deprecated and goes in 0.3: use World.game_state() (it decodes "
            "the whole game state on each call; property(), active_agent() read one field)",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.game_state()

    def game_state(self) -> GameState:
        """A copy of the game loop and state, with every game property (it decodes them
        all: :meth:`property` and :meth:`active_agent` read one field)."""
        g = np.frombuffer(
            self._mv, dtype=self._dtypes["Game"], count=1, offset=self._base + self._hdr["game"]
        )[0]
        flags = int(g["flags"])
        active = int(g["active"])
        return GameState(
            turn=int(g["turn"]),
            phase=self._sym(int(g["phase"])),
            active_agent=self._container_name("agent", active) if active >= 0 else None,
            max_turns=int(g["max_turns"]),
            started=bool(flags & 1),
            ended=bool(flags & 2),
            paused=bool(flags & 4),
            running=bool(flags & 8),
            winner=self._sym(int(g["winner"])),
            reason=self._sym(int(g["reason"])),
            start_time=int(g["start_time"]),
            end_time=int(g["end_time"]),
            pause_time=int(g["pause_time"]),
            total_pause=int(g["total_pause"]),
            properties=self.properties(),
        )

    def properties(self) -> dict[str, Any]:
        """The game's typed key/value store (a new dict; decoded once per World version,
        since games read it several times between two changes).
        """
        version = self._gen
        if version != self._props_version:
            self._props_seen = self._map(*self._hlist("props"))
            self._props_version = version
        return dict(self._props_seen)

    def property(self, key: str, default: Any = None) -> Any:
        """One game property (``default`` if unset), without decoding the others."""
        mv = self._mv
        ptr, n, _cap = _LIST.unpack_from(mv, self._props_at)
        hit = self._prop_at.get(key)
        if hit is not None:
            # The key's symbol id is fixed until a restore or a rollback (which clear this
            # cache); the entry usually stays where it was last found.
            sid, at = hit
            if at < n:
                esid, tag, payload = _ENTRY.unpack_from(mv, ptr + 16 * at)
                if esid == sid:
                    return _decode(self, tag, payload)
            for k in range(n):
                esid, tag, payload = _ENTRY.unpack_from(mv, ptr + 16 * k)
                if esid == sid:
                    self._prop_at[key] = (sid, k)  # the same sid: already listed if late
                    return _decode(self, tag, payload)
            return default
        for k in range(n):
            esid, tag, payload = _ENTRY.unpack_from(mv, ptr + 16 * k)
            if self._sym(esid) == key:
                self._prop_at[key] = (esid, k)
                if esid >= self._kept_syms:
                    self._late_props.append(key)
                return _decode(self, tag, payload)
        return default

    def active_agent(self) -> str | None:
        """The game loop's active agent (cheaper than ``game_state().active_agent``)."""
        at = self._base + self._hdr["game"] + self._game_active
        active = struct.unpack_from("<i", self._mv, at)[0]
        return self._container_name("agent", active) if active >= 0 else None

    def describe(self, loc_kind: int, loc: int) -> str:
        """Words for a token location, for error messages."""
        name = _LOCS[loc_kind] if loc_kind < len(_LOCS) else f"location {loc_kind}"
        if name in ("attached", "merged"):
            return f"{'attached to' if name == 'attached' else 'merged into'} token {loc}"
        if name in ("loose", "split"):
            return name
        label = {"agent": "the inventory of agent"}.get(name, name)
        return f"{label} {self._container_name(name, loc)!r}"


def _decode(views: WorldViews, tag: int, payload: int) -> Any:
    if tag == 1:
        return payload - (1 << 64) if payload >= 1 << 63 else payload
    if tag == 2:
        return struct.unpack("<d", struct.pack("<Q", payload))[0]
    if tag == 3:
        return bool(payload)
    if tag == 4:
        return views._sym(payload)
    return None
