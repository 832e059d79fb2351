"""One epoch's Automerge document: its deterministic genesis, its object ids, and reading
its metadata back.

Every epoch document starts with one change built from the room metadata and the epoch
number alone, written by an actor id derived from them: every peer builds a byte-identical
first change (Python automerge leaves the change time at 0), so a peer can create epoch *k*
on its own and sync it with the others. Two peers that created "the same" document
independently would otherwise hold two conflicting ``entries`` lists, and one list's
entries would vanish on merge. Writes after the genesis use the writer's own actor id.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from automerge.core import ROOT, Document, ObjType, ScalarType

from hypertoken.log.config import RoomConfig
from hypertoken.log.errors import ChronicleError

FORMAT = "hypertoken.chronicle/1"


class EpochDoc:
    """One epoch document and the ids of its objects (fixed by the genesis change)."""

    __slots__ = ("_heads", "_raw", "checkpoints", "doc", "entries", "hashes", "number")

    def __init__(self, doc: Document, number: int) -> None:
        self.doc = doc
        self.number = number
        self.entries = _obj(doc, "entries", ObjType.List)
        self.checkpoints = _obj(doc, "checkpoints", ObjType.Map)
        self.hashes = _obj(doc, "hashes", ObjType.Map)
        self._heads: list[bytes] | None = None
        self._raw: list[str] = []

    def raw(self) -> list[str]:
        """Entry texts in document order, cached until the document's heads change."""
        heads = self.doc.get_heads()
        if heads != self._heads:
            self._raw = [as_text(v) for v, _ in self.doc.values(self.entries)]
            self._heads = heads
        return self._raw


def _obj(doc: Document, key: str, kind: ObjType) -> bytes:
    got = doc.get(ROOT, key)
    if got is None or got[0] != kind:
        raise ChronicleError(f"not a chronicle epoch document (no {key!r} {kind.name})")
    return got[1]


def as_text(value: Any) -> str:
    """A list element as text. Non-text elements (written by a hostile or buggy peer) map
    to a marker that the fold rejects as malformed, so every peer handles them alike.
    """
    if isinstance(value, tuple) and value[0] == ScalarType.Str and isinstance(value[1], str):
        return value[1]
    return "\0not-text"


def _scalar(doc: Document, obj: bytes, key: str) -> Any:
    got = doc.get(obj, key)
    if got is None or not isinstance(got[0], tuple):
        raise ChronicleError(f"chronicle metadata lacks {key!r}")
    return got[0][1]


_PUT_TYPES = {
    bool: ScalarType.Boolean,
    int: ScalarType.Int,
    float: ScalarType.F64,
    str: ScalarType.Str,
}


def genesis(config: RoomConfig, epoch: int, actor: bytes | None = None) -> Document:
    """The epoch's first change, identical on every peer (see the module docstring)."""
    genesis_actor = hashlib.blake2b(
        b"hypertoken/genesis\0" + config.room.encode() + b"\0" + epoch.to_bytes(8, "big"),
        digest_size=16,
    ).digest()
    doc = Document(actor_id=genesis_actor)
    with doc.transaction() as tx:
        tx.put(ROOT, "format", ScalarType.Str, FORMAT)
        room = tx.put_object(ROOT, "room", ObjType.Map)
        tx.put(room, "room", ScalarType.Str, config.room)
        tx.put(room, "game", ScalarType.Str, config.game)
        tx.put(room, "game_version", ScalarType.Int, config.game_version)
        tx.put(room, "core", ScalarType.Str, config.core)
        tx.put(room, "trust", ScalarType.Str, config.trust)
        tx.put(room, "epoch_size", ScalarType.Int, config.epoch_size)
        tx.put(room, "epoch_per_hand", ScalarType.Boolean, config.epoch_per_hand)
        tx.put(room, "max_turns", ScalarType.Int, config.max_turns)
        tx.put(room, "turn_timeout_ms", ScalarType.Int, config.turn_timeout_ms)
        phases = tx.put_object(room, "phases", ObjType.List)
        for i, phase in enumerate(config.phases):
            tx.insert(phases, i, ScalarType.Str, phase)
        seats = tx.put_object(room, "seats", ObjType.Map)
        for seat in config.seats:  # insertion order is seat order; keep it
            tx.put(seats, seat, ScalarType.Str, config.seats[seat].hex())
        order = tx.put_object(room, "seat_order", ObjType.List)
        for i, seat in enumerate(config.seats):
            tx.insert(order, i, ScalarType.Str, seat)
        opts = tx.put_object(room, "options", ObjType.Map)
        for k in sorted(config.options):
            v = config.options[k]
            tx.put(opts, k, _PUT_TYPES[type(v)], v)
        tx.put(ROOT, "epoch", ScalarType.Int, epoch)
        tx.put_object(ROOT, "entries", ObjType.List)
        tx.put_object(ROOT, "checkpoints", ObjType.Map)
        tx.put_object(ROOT, "hashes", ObjType.Map)
    # Our own writes must not reuse the genesis actor.
    doc.set_actor(actor or os.urandom(16))
    return doc


def read_config(doc: Document) -> tuple[RoomConfig, int]:
    """The room metadata and epoch number of a loaded epoch document."""
    if _scalar(doc, ROOT, "format") != FORMAT:
        raise ChronicleError(f"not a {FORMAT} document")
    room = _obj(doc, "room", ObjType.Map)
    seats_obj = doc.get(room, "seats")
    order_obj = doc.get(room, "seat_order")
    opts_obj = doc.get(room, "options")
    phases_obj = doc.get(room, "phases")
    if seats_obj is None or order_obj is None or opts_obj is None or phases_obj is None:
        raise ChronicleError("chronicle metadata lacks seats, options or phases")
    order = [as_text(v) for v, _ in doc.values(order_obj[1])]
    phases = tuple(as_text(v) for v, _ in doc.values(phases_obj[1]))
    try:
        seats = {s: bytes.fromhex(_scalar(doc, seats_obj[1], s)) for s in order}
        options = {k: _scalar(doc, opts_obj[1], k) for k in doc.keys(opts_obj[1])}
        config = RoomConfig(
            room=_scalar(doc, room, "room"),
            game=_scalar(doc, room, "game"),
            game_version=_scalar(doc, room, "game_version"),
            seats=seats,
            trust=_scalar(doc, room, "trust"),
            epoch_size=_scalar(doc, room, "epoch_size"),
            epoch_per_hand=bool(_scalar(doc, room, "epoch_per_hand")),
            options=options,
            max_turns=_scalar(doc, room, "max_turns"),
            turn_timeout_ms=_scalar(doc, room, "turn_timeout_ms"),
            phases=phases,
            core=_scalar(doc, room, "core"),
        )
    except (TypeError, ValueError) as exc:
        raise ChronicleError(f"chronicle metadata is malformed: {exc}") from None
    epoch = _scalar(doc, ROOT, "epoch")
    if type(epoch) is not int or epoch < 0:
        raise ChronicleError("chronicle epoch number is malformed")
    return config, epoch


def op_key(obj_id: bytes) -> tuple[bytes, int]:
    """(actor, counter) of an Automerge object id. The id's bytes also hold the actor's
    index in the document's actor table, which differs between documents, so raw ids from
    two documents cannot be compared.
    """
    n = obj_id[1]
    actor = obj_id[2 : 2 + n]
    values, shift, acc = [], 0, 0
    for byte in obj_id[2 + n :]:  # two LEB128 ints: actor index, then counter
        acc |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            values.append(acc)
            acc, shift = 0, 0
    return actor, values[-1] if len(values) == 2 else -1
