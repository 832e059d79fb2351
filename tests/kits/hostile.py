"""Helpers for hostile-peer tests.

A *hostile peer* is an ordinary :class:`~hypertoken.engine.RoomEngine` whose own epoch
documents a test edits directly (:func:`tamper` and the small edits built on it),
bypassing the chronicle, and which then syncs like anyone else. Honest peers must refuse
whatever no honest peer writes, with :class:`~hypertoken.log.chronicle.HostileChange`
(a :class:`~hypertoken.log.errors.ChronicleError`) and nothing else, and keep agreeing.

- :func:`signed_entry` and :func:`forge_text` make what a hostile seat holder can sign:
  entries with any links, and bodies the encoder would refuse.
- :func:`sync_tolerant` / :func:`sync_all_tolerant` are ``sync_pair`` / ``sync_all`` that
  collect the ``ChronicleError`` a receiver raises (a refused frame) instead of failing,
  and stop sending in that direction; any other exception escapes and fails the test
  (unless the receiver is ``lenient``: the hostile peer's own engine is not on trial).
- :func:`accepted` remembers what the honest peers had accepted before an attack and
  :func:`assert_honest` checks afterwards that they agree (state hashes, verdicts, the
  signed order, a fresh replay) and lost nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import msgpack
from automerge.core import ScalarType, Transaction

import games
from hypertoken.engine import RoomEngine
from hypertoken.log.chronicle import HostileChange
from hypertoken.log.dag import READY
from hypertoken.log.entries import FORMAT_SIGNED, Entry, make_entry, signing_payload
from hypertoken.log.epochs import EpochDoc
from hypertoken.log.errors import ChronicleError
from hypertoken.log.identity import Identity
from tests.kits.engine import name_of, verdicts

# ---- editing a peer's own documents ------------------------------------------------------


def epoch_doc(engine: RoomEngine, epoch: int | None = None) -> EpochDoc:
    """The engine's own document of ``epoch`` (default: its newest)."""
    chronicle = engine.chronicle
    return chronicle._epochs[chronicle.last_epoch if epoch is None else epoch]


def doc_texts(engine: RoomEngine, epoch: int | None = None) -> list[str]:
    """The entry texts the engine's document of ``epoch`` holds now, in list order
    (direct edits included; ``chronicle.raw`` is what the chronicle accepted).
    """
    ep = epoch_doc(engine, epoch)
    out = []
    for value, _ in ep.doc.values(ep.entries):
        assert isinstance(value, tuple) and value[0] == ScalarType.Str
        assert isinstance(value[1], str)
        out.append(value[1])
    return out


@contextmanager
def tamper(engine: RoomEngine, epoch: int | None = None) -> Iterator[tuple[Transaction, EpochDoc]]:
    """A transaction on the engine's own document of ``epoch``, bypassing its chronicle:
    ``with tamper(h) as (tx, ep): tx.delete(ep.entries, 0)``. The chronicle's accepted state
    is left as it was; its version is bumped so its sessions know there is news.
    """
    ep = epoch_doc(engine, epoch)
    with ep.doc.transaction() as tx:
        yield tx, ep
    engine.chronicle.version += 1


def delete_entries(engine: RoomEngine, indices: Sequence[int], epoch: int | None = None) -> None:
    """Delete the entry list elements at ``indices`` (positions before the edit)."""
    with tamper(engine, epoch) as (tx, ep):
        for i in sorted(set(indices), reverse=True):
            tx.delete(ep.entries, i)


def overwrite_entry(engine: RoomEngine, index: int, text: str, epoch: int | None = None) -> None:
    """Put ``text`` at ``index`` of the entry list (an overwrite, not an insertion)."""
    with tamper(engine, epoch) as (tx, ep):
        tx.put(ep.entries, index, ScalarType.Str, text)


def insert_entry(engine: RoomEngine, index: int, text: str, epoch: int | None = None) -> None:
    """Insert ``text`` at ``index`` of the entry list."""
    with tamper(engine, epoch) as (tx, ep):
        tx.insert(ep.entries, index, ScalarType.Str, text)


def signed_entry(
    engine: RoomEngine,
    seat: str,
    move: str,
    args: Sequence[Any] = (),
    *,
    time_ms: int = 1_000,
    identity: Identity | None = None,
    **links: Any,
) -> Entry:
    """An entry signed by ``identity`` (default: the engine's) for this room, linked as its
    author's next entry on the engine's graph; ``links`` overrides ``seq``, ``prev``,
    ``parents`` or ``lamport`` (a hostile peer signs what it likes).
    """
    who = identity or engine.identity
    assert who is not None
    seq, prev, parents, lamport = engine.chronicle.graph.links_for(who.peer_id)
    fields: dict[str, Any] = {"seq": seq, "prev": prev, "parents": parents, "lamport": lamport}
    fields.update(links)
    return make_entry(who, engine.config.genesis, seat, move, args, time_ms, **fields)


def forge_text(identity: Identity, genesis: bytes, fields: dict[str, Any]) -> str:
    """Entry text for a body of arbitrary ``fields`` (msgpack, not validated by the
    encoder), signed by ``identity``: what a hostile peer can always write.
    """
    body = msgpack.packb(fields, use_bin_type=True)
    sig = identity.sign(signing_payload(genesis, body))
    return base64.b64encode(bytes((FORMAT_SIGNED,)) + sig + body).decode("ascii")


# ---- syncing with a hostile peer -----------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """A sync frame ``receiver`` refused from ``sender`` (peer names, see ``name_of``)."""

    receiver: str
    sender: str
    error: Exception

    @property
    def hostile(self) -> bool:
        """Whether the frame was refused as a change no honest peer writes."""
        return isinstance(self.error, HostileChange)


def sync_tolerant(
    a: RoomEngine, b: RoomEngine, max_rounds: int = 50, *, lenient: Sequence[RoomEngine] = ()
) -> list[Refusal]:
    """``sync_pair`` that collects refused frames: a ``ChronicleError`` raised by a
    receiver is recorded and ends that direction. Any other exception escapes, except
    from a receiver in ``lenient`` (a hostile peer: whatever its own engine makes of its
    edited documents is not on trial).
    """
    refusals: list[Refusal] = []
    live = {(a, b): True, (b, a): True}
    for _ in range(max_rounds):
        sent = False
        for src, dst in ((a, b), (b, a)):
            if not live[(src, dst)]:
                continue
            msg = src.generate_sync_message(name_of(dst))
            if msg is None:
                continue
            sent = True
            try:
                dst.receive_sync_message(name_of(src), msg)
            except Exception as exc:
                if not isinstance(exc, ChronicleError) and dst not in lenient:
                    raise
                refusals.append(Refusal(name_of(dst), name_of(src), exc))
                live[(src, dst)] = False
        if not sent:
            return refusals
    raise AssertionError("sync did not settle")


def sync_all_tolerant(
    engines: Sequence[RoomEngine], *, lenient: Sequence[RoomEngine] = ()
) -> list[Refusal]:
    """Full-mesh :func:`sync_tolerant` until no chronicle changes any more."""
    refusals: list[Refusal] = []
    for _ in range(20):
        before = [e.chronicle.version for e in engines]
        for i, a in enumerate(engines):
            for b in engines[i + 1 :]:
                refusals += sync_tolerant(a, b, lenient=lenient)
        if [e.chronicle.version for e in engines] == before:
            return refusals
    raise AssertionError("mesh sync did not settle")


def refusals_by(refusals: Sequence[Refusal], receivers: Sequence[RoomEngine]) -> list[Refusal]:
    """The refusals made by ``receivers``."""
    names = {name_of(e) for e in receivers}
    return [r for r in refusals if r.receiver in names]


def assert_marked_hostile(honest: Sequence[RoomEngine], hostile: RoomEngine) -> None:
    """Every honest peer's session with ``hostile`` is marked hostile, and refuses the
    hostile peer's next frame unread.
    """
    for e in honest:
        session = e.session(name_of(hostile))
        assert session.hostile, f"{name_of(e)} did not mark {name_of(hostile)} hostile"
        assert session.generate() is None  # nothing more is sent to a hostile peer


# ---- what honest peers hold ----------------------------------------------------------------

#: peer name -> digest -> graph status, for the entries a peer had accepted.
Accepted = dict[str, dict[bytes, str]]


def accepted(engines: Sequence[RoomEngine]) -> Accepted:
    """What each peer's graph holds now (remember it before an attack)."""
    return {name_of(e): dict(e.chronicle.graph.status) for e in engines}


def assert_honest(
    honest: Sequence[RoomEngine], before: Accepted | None = None, *, replay: bool = True
) -> None:
    """Honest peers agree: the same signed order, verdicts and state hash (and a fresh
    replay of the first's log reaches them); and every entry a peer had accepted in
    ``before`` is still in its graph, a ready one still ready. Late joiners hold the log
    from their base epoch on: peers are compared from the newest base among them.
    """
    base = max(e.chronicle.first_epoch for e in honest)
    epoch_of = honest[0].config.epoch_of

    def order(e: RoomEngine) -> list[bytes]:
        return [x.digest for x in e.chronicle.graph.order if epoch_of(x.lamport) >= base]

    def judged(e: RoomEngine) -> list[tuple[int, int, bytes, bool, str]]:
        return [v for v in verdicts(e) if v[0] >= base]

    first = honest[0]
    for e in honest[1:]:
        assert order(e) == order(first), f"{name_of(e)} and {name_of(first)} hold different orders"
        assert judged(e) == judged(first), f"{name_of(e)} and {name_of(first)} judged differently"
        assert e.state_hash() == first.state_hash(), f"{name_of(e)}'s state differs"
    if before is not None:
        for e in honest:
            graph = e.chronicle.graph
            for digest, status in before.get(name_of(e), {}).items():
                assert digest in graph.entries, f"{name_of(e)} lost entry {digest.hex()}"
                if status == READY:
                    assert graph.status[digest] == READY, f"{name_of(e)}: {digest.hex()} unready"
    if replay:
        chronicle = first.chronicle.fork()
        again = RoomEngine.replay(chronicle, games.for_room(chronicle.config))
        assert verdicts(again) == verdicts(first)
        assert again.state_hash() == first.state_hash()
