"""One epoch's Automerge document: its deterministic genesis, and the inspection that
treats every document a peer receives as hostile.

**Genesis.** Every epoch document starts with one change built from the room config and
the epoch number alone, written by an actor derived from them, so every peer builds a
byte-identical first change and can open epoch *k* on its own. The root holds ``format``,
``config`` (the room's :meth:`~hypertoken.log.config.RoomConfig.encode` bytes as base64
text), ``epoch``, and three objects: ``entries`` (a list of entry texts), ``checkpoints``
(peer id -> signed checkpoint text) and ``hashes`` (peer id -> list of signed hash records).

**Writers are bound to peers.** A peer writes with an Automerge actor whose first 8 bytes
are its peer id (:func:`writer_actor`). Automerge records which actor inserted every list
element and wrote every map value, so an inspection can say who wrote what.

**Inspection.** :func:`inspect` reads a document and checks it against the state this
peer already accepted (or against the genesis, for a loaded file). It refuses, with a
:class:`~hypertoken.log.errors.ChronicleError` saying what, anything but:

- the genesis metadata and objects, untouched (same values, same operations);
- entry texts inserted by the actor of the peer that signed them, none deleted,
  overwritten, moved or inserted twice (the new ones are returned for the chronicle to
  check and accept);
- checkpoints written by their own peer (under its peer id), and hash records appended to
  their own peer's list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from automerge.core import ROOT, Document, ObjType, ScalarType, SyncState

from hypertoken.log.config import RoomConfig
from hypertoken.log.errors import ChronicleError

FORMAT = "hypertoken.chronicle/2"
ROOT_KEYS = frozenset({"format", "config", "epoch", "entries", "checkpoints", "hashes"})

#: Automerge op id -> (actor, counter); see :func:`op_key`.
OpKey = tuple[bytes, int]


def writer_actor(peer_id: str, suffix: bytes | None = None) -> bytes:
    """The Automerge actor a peer writes with: its 8-byte peer id, then 8 bytes that tell
    its writers apart (random unless given).
    """
    head = bytes.fromhex(peer_id)
    tail = (suffix or os.urandom(8))[:8].ljust(8, b"\0")
    return head + tail


def actor_peer(actor: bytes) -> str:
    """The peer id an Automerge actor writes for ("" if it cannot be a writer's)."""
    return actor[:8].hex() if len(actor) == 16 else ""


def op_key(obj_id: bytes) -> OpKey:
    """(actor, counter) of an Automerge object or op id. The id's bytes also hold the
    actor's index in the document's actor table, which differs between documents, so raw
    ids from two documents cannot be compared.
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


def genesis(config: RoomConfig, epoch: int, actor: bytes | None = None) -> Document:
    """The epoch's first change, identical on every peer (see the module docstring)."""
    genesis_actor = hashlib.blake2b(
        b"hypertoken/genesis-actor\0" + config.genesis + epoch.to_bytes(8, "big"),
        digest_size=16,
    ).digest()
    doc = Document(actor_id=genesis_actor)
    with doc.transaction() as tx:
        tx.put(ROOT, "format", ScalarType.Str, FORMAT)
        tx.put(ROOT, "config", ScalarType.Str, base64.b64encode(config.encode()).decode())
        tx.put(ROOT, "epoch", ScalarType.Int, epoch)
        tx.put_object(ROOT, "entries", ObjType.List)
        tx.put_object(ROOT, "checkpoints", ObjType.Map)
        tx.put_object(ROOT, "hashes", ObjType.Map)
    # Our own writes must not reuse the genesis actor.
    doc.set_actor(actor or os.urandom(16))
    return doc


def read_config(doc: Document) -> RoomConfig:
    """The room config a document's genesis carries (for a file loaded without one)."""
    got = doc.get(ROOT, "config")
    if got is None or not isinstance(got[0], tuple) or not isinstance(got[0][1], str):
        raise ChronicleError("not a chronicle epoch document (no room config)")
    try:
        raw = base64.b64decode(got[0][1], validate=True)
    except (binascii.Error, ValueError):
        raise ChronicleError("the document's room config is not base64") from None
    return RoomConfig.decode(raw)


@dataclass
class DocState:
    """What was accepted of one epoch document: who wrote each element and value."""

    #: The genesis's root values and objects: key -> op key.
    root: dict[str, OpKey]
    #: Entry texts and the op that inserted each, in document order.
    entries: list[tuple[str, OpKey]] = field(default_factory=list)
    #: Peer id -> (op that wrote its checkpoint, the text).
    checkpoints: dict[str, tuple[OpKey, str]] = field(default_factory=dict)
    #: Peer id -> (op that made its list, [(record text, op)]).
    hashes: dict[str, tuple[OpKey, list[tuple[str, OpKey]]]] = field(default_factory=dict)
    #: The Automerge heads of what was accepted (the genesis change's, at first).
    heads: list[bytes] = field(default_factory=list)

    def copy(self) -> DocState:
        """An independent copy (the lists are copied, the texts shared)."""
        return DocState(
            dict(self.root),
            list(self.entries),
            dict(self.checkpoints),
            {k: (o, list(v)) for k, (o, v) in self.hashes.items()},
            list(self.heads),
        )


class EpochDoc:
    """One epoch document, the ids of its objects (fixed by the genesis change), and the
    :class:`DocState` accepted of it.
    """

    __slots__ = (
        "checkpoints",
        "clean",
        "doc",
        "entries",
        "hashes",
        "number",
        "state",
    )

    def __init__(self, doc: Document, number: int, state: DocState) -> None:
        self.doc = doc
        #: The document last inspected, while ``doc`` holds changes Automerge queued for
        #: missing dependencies (uninspected); None when there is no queue.
        self.clean: Document | None = None
        self.number = number
        self.entries = _obj(doc, "entries", ObjType.List)
        self.checkpoints = _obj(doc, "checkpoints", ObjType.Map)
        self.hashes = _obj(doc, "hashes", ObjType.Map)
        self.state = state

    @classmethod
    def new(cls, config: RoomConfig, number: int, actor: bytes | None = None) -> EpochDoc:
        """A fresh epoch document: just its genesis."""
        doc = genesis(config, number, actor)
        return cls(doc, number, DocState(_root_ops(doc), heads=doc.get_heads()))

    def raw(self) -> list[str]:
        """Entry texts in document order (as accepted). Positions mean nothing: the
        order is the signed one (:mod:`hypertoken.log.dag`).
        """
        return [t for t, _ in self.state.entries]


def _obj(doc: Document, key: str, kind: ObjType) -> bytes:
    got = doc.get(ROOT, key)
    if got is None or got[0] != kind:
        what = "list" if kind == ObjType.List else "map"
        raise ChronicleError(f"not a chronicle epoch document (its {key!r} is not a {what})")
    return got[1]


def _root_ops(doc: Document, what: str = "not a chronicle epoch document:") -> dict[str, OpKey]:
    out = {}
    for key in ROOT_KEYS:
        got = doc.get(ROOT, key)
        if got is None:
            raise ChronicleError(f"{what} has no {key!r}")
        out[key] = op_key(got[1])
    return out


def _text(value: Any, what: str) -> str:
    if isinstance(value, tuple) and value[0] == ScalarType.Str and isinstance(value[1], str):
        return value[1]
    raise ChronicleError(f"{what} is not text")


def _subsequence(
    before: list[tuple[str, OpKey]], after: list[tuple[str, OpKey]], what: str
) -> list[tuple[str, OpKey]]:
    """The elements of ``after`` not in ``before``, if ``before`` is a subsequence of it."""
    new = []
    i, n = 0, len(before)
    for item in after:
        if i < n and item[1] == before[i][1]:
            i += 1
        else:
            new.append(item)
    if i != n:
        # (An overwrite is a new operation in Automerge, so it shows as a deletion.)
        gone = len({op for _, op in before} - {op for _, op in after})
        if gone:
            raise ChronicleError(f"{what}: {gone} accepted element(s) were deleted or overwritten")
        raise ChronicleError(f"{what}: accepted elements were moved")
    return new


#: Checks one new entry text inserted by ``peer`` (raises ChronicleError to refuse).
EntryCheck = Callable[[str, str], None]
#: Checks one new signed record text by ``peer`` (returns whether it is valid).
RecordCheck = Callable[[str, str], bool]


def inspect(
    ep: EpochDoc,
    doc: Document,
    *,
    holders: Mapping[str, bytes],
    check_entry: EntryCheck,
    check_checkpoint: RecordCheck,
    check_hash: RecordCheck,
    bind_writers: bool = True,
) -> tuple[DocState, list[str]]:
    """Inspect ``doc`` (a changed copy of ``ep.doc``) against what was accepted of it
    (``ep.state``). Returns the new state and the entry texts it adds, or raises
    :class:`ChronicleError` saying what is refused. See the module docstring.
    ``holders`` are the peers that may write records; ``bind_writers=False`` (trust mode
    ``"local"``: unsigned, one writer) skips the writer checks.
    """
    prior = ep.state
    e = ep.number
    keys = set(doc.keys(ROOT))
    if keys != ROOT_KEYS:
        raise ChronicleError(
            f"epoch {e}: the document's root keys were edited "
            f"(extra {sorted(keys - ROOT_KEYS)}, missing {sorted(ROOT_KEYS - keys)})"
        )
    for key, op in prior.root.items():
        got = doc.get(ROOT, key)
        if got is None or op_key(got[1]) != op:
            raise ChronicleError(f"epoch {e}: the genesis {key!r} was overwritten")

    def writer(op: OpKey, peer: str, what: str) -> None:
        if bind_writers and actor_peer(op[0]) != peer:
            raise ChronicleError(f"epoch {e}: {what} of peer {peer} was written by another peer")

    # Entries: only insertions, each by its author's actor.
    after = [(_text(v, f"epoch {e}: an entry"), op_key(o)) for v, o in doc.values(ep.entries)]
    new = _subsequence(prior.entries, after, f"epoch {e}: the entry list")
    seen = {t for t, _ in prior.entries}
    texts = []
    for text, op in new:
        if text in seen:
            raise ChronicleError(f"epoch {e}: an accepted entry was inserted again")
        seen.add(text)
        check_entry(text, actor_peer(op[0]) if bind_writers else "")
        texts.append(text)

    # Checkpoints: one key per seat holder, written by that holder.
    checkpoints: dict[str, tuple[OpKey, str]] = {}
    for peer in doc.keys(ep.checkpoints):
        if peer not in holders:
            raise ChronicleError(f"epoch {e}: a checkpoint under {peer!r}, not a seat holder")
        got = doc.get(ep.checkpoints, peer)
        assert got is not None
        op = op_key(got[1])
        old = prior.checkpoints.get(peer)
        if old is not None and old[0] == op:
            checkpoints[peer] = old
            continue
        writer(op, peer, "the checkpoint")
        text = _text(got[0], f"epoch {e}: a checkpoint")
        if not check_checkpoint(text, peer):
            raise ChronicleError(f"epoch {e}: peer {peer}'s checkpoint is not signed by it")
        checkpoints[peer] = (op, text)
    missing = set(prior.checkpoints) - set(checkpoints)
    if missing:
        raise ChronicleError(f"epoch {e}: checkpoints of {sorted(missing)} were deleted")

    # Hash records: one list per seat holder, appended to by that holder.
    hashes: dict[str, tuple[OpKey, list[tuple[str, OpKey]]]] = {}
    for peer in doc.keys(ep.hashes):
        if peer not in holders:
            raise ChronicleError(f"epoch {e}: hash records under {peer!r}, not a seat holder")
        got = doc.get(ep.hashes, peer)
        assert got is not None
        if got[0] != ObjType.List:
            raise ChronicleError(f"epoch {e}: peer {peer}'s hash records are not a list")
        op = op_key(got[1])
        had = prior.hashes.get(peer)
        if had is not None and had[0] != op:
            raise ChronicleError(f"epoch {e}: peer {peer}'s hash record list was replaced")
        writer(op, peer, "the hash record list")
        items = [(_text(v, f"epoch {e}: a hash record"), op_key(o)) for v, o in doc.values(got[1])]
        fresh = _subsequence(had[1] if had else [], items, f"epoch {e}: {peer}'s hash records")
        for text, rop in fresh:
            writer(rop, peer, "a hash record")
            if not check_hash(text, peer):
                raise ChronicleError(f"epoch {e}: a hash record of {peer} is not signed by it")
        hashes[peer] = (op, items)
    missing = set(prior.hashes) - set(hashes)
    if missing:
        raise ChronicleError(f"epoch {e}: hash records of {sorted(missing)} were deleted")

    # Every change since: it must only add what it wrote, and what it added must still
    # be there (so a deletion inside one batch, never seen as state, is caught too).
    survivors = [op for _, op in after]
    survivors += [op for op, _ in checkpoints.values()]
    for op, items in hashes.values():
        survivors.append(op)
        survivors += [rop for _, rop in items]
    _check_changes(ep, doc, prior, survivors)
    return DocState(prior.root, after, checkpoints, hashes, doc.get_heads()), texts


def _check_changes(ep: EpochDoc, doc: Document, prior: DocState, survivors: list[OpKey]) -> None:
    """Refuse any change since ``prior`` that did more than add entries and records.

    Each surviving entry, record and checkpoint names the operation that wrote it, so the
    changes that wrote them can be counted without decoding a change: an honest change
    adds entries or records, and everything it added survives (every operation of it is
    accounted for), except a checkpoint its author has since signed again. A change that
    deleted or overwrote anything, or whose own additions were deleted or overwritten
    later, is refused.
    """
    e = ep.number
    genesis_actor = prior.root["format"][0]
    changes = doc.get_changes(prior.heads)
    if not changes:
        return
    spans: dict[bytes, list[tuple[int, int, int]]] = {}
    for i, c in enumerate(changes):
        if c.actor_id == genesis_actor:
            raise ChronicleError(f"epoch {e}: a change was written as the genesis")
        spans.setdefault(c.actor_id, []).append((c.start_op, c.max_op, i))
    starts = {}
    for actor, got in spans.items():
        got.sort()
        starts[actor] = [g[0] for g in got]
    counts = [0] * len(changes)
    for actor, counter in survivors:
        found = starts.get(actor)
        if found is None:
            continue
        k = bisect_right(found, counter) - 1
        if k >= 0:
            _, end, i = spans[actor][k]
            if counter <= end:
                counts[i] += 1
    for i, c in enumerate(changes):
        ops = c.max_op - c.start_op + 1
        if counts[i] == ops:
            continue
        peer = actor_peer(c.actor_id)
        if counts[i] == 0 and ops == 1:
            # An honest checkpoint that its author has since replaced with a newer one.
            put = doc.get(ep.checkpoints, peer, [c.hash]) if peer else None
            if put is not None and op_key(put[1]) == (c.actor_id, c.start_op):
                continue
        raise ChronicleError(
            f"epoch {e}: a change by {peer or 'an unknown writer'} deleted or overwrote "
            "entries or records"
        )


def check_genesis(doc: Document, config: RoomConfig, epoch: int) -> DocState:
    """Check that a loaded document was created by this room's genesis for ``epoch``, and
    return the genesis state to inspect the rest against.
    """
    if read_config(doc) != config:
        raise ChronicleError(f"epoch {epoch}: the document belongs to another room or config")
    got = doc.get(ROOT, "epoch")
    if got is None or not isinstance(got[0], tuple) or got[0][1] != epoch:
        raise ChronicleError("the document's epoch number does not match its place in the file")
    ref = genesis(config, epoch)
    want = _root_ops(ref)
    have = _root_ops(doc, f"epoch {epoch}: the document")  # "... has no 'key'"
    for key in sorted(ROOT_KEYS):
        if have[key] != want[key]:
            raise ChronicleError(
                f"epoch {epoch}: the genesis {key!r} was overwritten or replaced after genesis"
            )
    return DocState(want, heads=ref.get_heads())


def has_queue(doc: Document) -> bool:
    """Whether Automerge holds changes in ``doc`` that wait for missing dependencies.

    A sync message generated from a fresh state lists, in its ``need`` field, the hashes
    the document depends on but lacks, which are exactly the queued changes' missing
    dependencies. The message's binary layout is Automerge's documented one: type byte
    ``0x42``, then the heads (a LEB128 count of 32-byte hashes), then ``need`` (likewise).
    """
    msg = doc.generate_sync_message(SyncState())
    if msg is None:
        return False
    raw = msg.encode()
    if not raw or raw[0] != 0x42:
        return True  # an unknown layout: assume the worst (a queue is kept, not lost)
    pos = 1
    for part in range(2):
        count = shift = 0
        while True:
            byte = raw[pos]
            pos += 1
            count |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if part == 1:
            return count > 0
        pos += 32 * count
    return False
