"""Helpers for the log-layer tests: small rooms built directly (no game), peers that write
signed entries through the chronicle's own graph, lockstep sync of two sessions, and
editing a saved file's Automerge documents the way a hostile hand would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgpack
from automerge.core import ROOT, Document, Transaction

from hypertoken.log.chronicle import Chronicle, RoomConfig
from hypertoken.log.entries import Entry, make_entry
from hypertoken.log.files import checksum as _checksum
from hypertoken.log.identity import Identity
from hypertoken.log.sync import SyncSession
from tests.kits.engine import IDS

#: A direct construction names the core (any SHA-256 will do for the log on its own).
CORE = "c0" * 32


def room(holders: int = 2, *, room_id: str = "r", epoch_size: int = 4, **kw: Any) -> RoomConfig:
    """A room whose seat ``player_i`` is held by ``IDS[i]``. Small epochs, so a handful of
    entries spans several epoch documents.
    """
    return RoomConfig(
        room=room_id,
        game="tictactoe",
        game_version=1,
        seats={f"player_{i}": IDS[i].public_key for i in range(holders)},
        epoch_size=epoch_size,
        core=kw.pop("core", CORE),
        **kw,
    )


def peer(config: RoomConfig, who: int, actor: int | None = None) -> Chronicle:
    """A fresh chronicle of ``config`` that writes for ``IDS[who]`` (a fixed actor suffix,
    so merge orders repeat from run to run).
    """
    c = Chronicle.create(config, actor=bytes([(actor if actor is not None else who) + 1]) * 16)
    c.bind_writer(IDS[who].peer_id)
    return c


def next_entry(
    c: Chronicle, ident: Identity, seat: str, args: Sequence[Any] = (), time_ms: int = 1000
) -> Entry:
    """``ident``'s next entry in ``c``: linked after everything ``c`` holds, signed for its
    room, not appended.
    """
    seq, prev, parents, lamport = c.graph.links_for(ident.peer_id)
    return make_entry(
        ident,
        c.config.genesis,
        seat,
        "place",
        args,
        time_ms,
        seq=seq,
        prev=prev,
        parents=parents,
        lamport=lamport,
    )


def first_entry(
    who: int,
    config: RoomConfig,
    *,
    move: str = "m",
    args: Sequence[Any] = (),
    time_ms: int = 0,
    lamport: int = 1,
) -> Entry:
    """A first entry (seq 0, no prev, no parents) of ``IDS[who]`` for seat ``player_who``,
    signed for ``config``'s room. With lamport 1 it is valid in any room where ``IDS[who]``
    holds that seat.
    """
    return make_entry(
        IDS[who],
        config.genesis,
        f"player_{who}",
        move,
        args,
        time_ms,
        seq=0,
        prev=b"",
        parents=(),
        lamport=lamport,
    )


def write(c: Chronicle, who: int, n: int, *, start: int = 0) -> list[Entry]:
    """Append ``n`` entries of ``IDS[who]`` (seat ``player_who``) to ``c``, one by one."""
    out = []
    for i in range(n):
        entry = next_entry(c, IDS[who], f"player_{who}", (start + i,), 1000 + start + i)
        c.append_entry(entry)
        out.append(entry)
    return out


def settle(a: SyncSession, b: SyncSession, rounds: int = 20) -> int:
    """Lockstep exchange until both sessions are quiet; the frames sent."""
    sent = 0
    for _ in range(rounds):
        m1 = a.generate()
        if m1 is not None:
            b.receive(m1)
            sent += 1
        m2 = b.generate()
        if m2 is not None:
            a.receive(m2)
            sent += 1
        if m1 is None and m2 is None:
            return sent
    raise AssertionError("sync did not settle")


def sync(a: Chronicle, b: Chronicle) -> None:
    """Sync two chronicles through a fresh pair of sessions."""
    settle(SyncSession(a, "b"), SyncSession(b, "a"))


#: One edit of a loaded document: (transaction, the document) -> None.
Edit = Callable[[Transaction, Document], None]


def unpack_file(data: bytes) -> dict[str, Any]:
    """The msgpack map of a saved chronicle file."""
    top: dict[str, Any] = msgpack.unpackb(data, raw=False)
    return top


def pack_file(top: dict[str, Any]) -> bytes:
    """A saved chronicle file from its map, the checksum recomputed as ``save`` does."""
    top = dict(top)
    top["sum"] = _checksum([d for _, d in top["epochs"]])
    out: bytes = msgpack.packb(top)
    return out


def edit_file(data: bytes, *edits: Edit, actor: bytes = b"\x99" * 16, index: int = 0) -> bytes:
    """``data`` (a ``Chronicle.save()``) with the document at ``index`` edited by ``actor``,
    one transaction per edit, re-saved under a correct checksum: only the inspection of
    the documents can tell.
    """
    top = unpack_file(data)
    doc = Document.load(top["epochs"][index][1])
    doc.set_actor(actor)
    for edit in edits:
        with doc.transaction() as tx:
            edit(tx, doc)
    top["epochs"] = [list(p) for p in top["epochs"]]
    top["epochs"][index][1] = doc.save()
    return pack_file(top)


def obj(doc: Document, key: str) -> bytes:
    """The id of one of the genesis objects (``entries``, ``checkpoints``, ``hashes``)."""
    got = doc.get(ROOT, key)
    assert got is not None
    return got[1]
