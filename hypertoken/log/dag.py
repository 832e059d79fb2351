"""The signed order of a room's log: the causal graph of its entries and its one linear
extension.

Every entry names its author's previous entry and the entries its author had seen (see
:mod:`hypertoken.log.entries`). :class:`EntryGraph` holds the entries a chronicle has
accepted and decides, from those signed fields alone, which are *ready* and in what order
the fold applies them:

- An entry is **pending** until every entry it depends on is held: a gap in an author's
  chain waits for the missing entry instead of being folded around.
- A ready entry is **invalid**, and never folded, when its links contradict what they
  point at: ``prev`` is not its author's entry with ``seq - 1``, its lamport is not one
  more than its dependencies' largest, a parent lies more than one epoch back, or it
  depends on an invalid entry. Honest peers never write such an entry; every peer that
  holds the same entries finds the same ones invalid.
- The **order** is the ready entries sorted by ``(lamport, digest)``: lamports grow along
  every causal edge, so this is a linear extension of the graph, the same on every peer
  that holds the same entries whatever order they arrived in.
- Two ready entries with the same author and ``seq`` are an **equivocation** (a fork of
  the author's chain). Both stay in the graph, so what others built on them stays ready;
  the fold rejects the author's entries from the fork point on (:attr:`EntryGraph.forks`).

Epochs follow from lamports (``RoomConfig.epoch_of``). Epoch *e* is **closed** once every
seat holder has a ready entry in a later epoch: chains are gapless and lamports grow along
them, so from then on no entry of epoch *e* can appear except by equivocation.

A late joiner starts from a checkpoint instead of the history: :meth:`EntryGraph.set_base`
takes the entries it lists (each author's chain tips and the last epoch's entries) as held
without their bodies, so entries after the base can be checked against them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping

from hypertoken.log.config import RoomConfig
from hypertoken.log.entries import MAX_PARENTS, Entry

#: (lamport, digest): the sort key of the order.
Key = tuple[int, bytes]
#: What is known of an entry below a late joiner's base: (actor, seq, lamport).
BaseRef = tuple[str, int, int]

READY, PENDING = "ready", "pending"


class EntryGraph:
    """The accepted entries of one room and their order (see the module docstring).
    Not thread-safe.
    """

    def __init__(self, config: RoomConfig) -> None:
        self.config = config
        #: digest -> every accepted entry (ready, pending or invalid).
        self.entries: dict[bytes, Entry] = {}
        #: digest -> READY, PENDING or the reason the entry is invalid.
        self.status: dict[bytes, str] = {}
        #: The order: sort keys and the ready entries, in step.
        self.keys: list[Key] = []
        self.order: list[Entry] = []
        #: Missing digest -> entries waiting for it.
        self._waiting: dict[bytes, list[bytes]] = {}
        #: actor -> seq -> ready digests (more than one: an equivocation).
        self._chains: dict[str, dict[int, list[bytes]]] = {}
        #: actor -> the first seq at which its chain forks.
        self.forks: dict[str, int] = {}
        #: Ready entries nothing ready depends on yet: the next entry's parents.
        self.heads: set[bytes] = set()
        #: actor -> the largest lamport among its ready entries.
        self.max_lamport: dict[str, int] = {}
        #: actor -> (seq, digest, lamport) of its newest ready entry (its chain's head).
        self.last: dict[str, tuple[int, bytes, int]] = {}
        #: Entries below a late joiner's base: digest -> (actor, seq, lamport).
        self.base: dict[bytes, BaseRef] = {}
        #: The order position of every insertion (and of every entry whose verdict a new
        #: fork changes), oldest first: a reader that remembers how many it has seen
        #: knows where the order changed since (:meth:`changed_since`).
        self.changes: list[int] = []

    # ---- adding -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, digest: object) -> bool:
        return digest in self.entries or digest in self.base

    def add(self, entry: Entry) -> str:
        """Accept an entry (already checked alone: decoded, signed, from a seat holder).
        Returns its status. Adding an entry twice changes nothing.
        """
        digest = entry.digest
        got = self.status.get(digest)
        if got is not None:
            return got
        self.entries[digest] = entry
        self.status[digest] = PENDING
        status, base = self.status, self.base
        waiting = [d for d in entry.deps if d not in base and status.get(d, PENDING) == PENDING]
        if waiting:
            for d in waiting:
                self._waiting.setdefault(d, []).append(digest)
            return PENDING
        self._settle(digest)
        return self.status[digest]

    def _settle(self, digest: bytes) -> None:
        """Judge an entry whose dependencies are all settled, then any entries it releases."""
        todo = [digest]
        status, base = self.status, self.base
        while todo:
            d = todo.pop()
            entry = self.entries[d]
            if status[d] != PENDING or any(
                x not in base and status.get(x, PENDING) == PENDING for x in entry.deps
            ):
                continue
            reason = self._judge(entry)
            if reason:
                status[d] = reason
            else:
                status[d] = READY
                self._insert(entry)
            if self._waiting:
                todo.extend(self._waiting.pop(d, ()))

    def _lamport(self, digest: bytes) -> int:
        """The lamport of a ready or base entry."""
        ref = self.base.get(digest)
        return ref[2] if ref is not None else self.entries[digest].lamport

    def _ref(self, digest: bytes) -> BaseRef | None:
        """(actor, seq, lamport) of a held dependency, or None if it is not ready."""
        ref = self.base.get(digest)
        if ref is not None:
            return ref
        if self.status.get(digest) != READY:
            return None
        e = self.entries[digest]
        return (e.actor, e.seq, e.lamport)

    def _judge(self, entry: Entry) -> str:
        """ "" if the entry's links agree with what they point at, else why not."""
        top = 0
        if entry.prev:
            ref = self._ref(entry.prev)
            if ref is None:
                return f"depends on invalid entry {entry.prev.hex()}"
            if ref[0] != entry.actor or ref[1] != entry.seq - 1:
                return f"'prev' is not {entry.actor}'s entry {entry.seq - 1}"
            top = ref[2]
        epoch_of = self.config.epoch_of
        floor = epoch_of(entry.lamport) - 1
        for p in entry.parents:
            ref = self._ref(p)
            if ref is None:
                return f"depends on invalid entry {p.hex()}"
            if epoch_of(ref[2]) < floor:
                return f"parent {p.hex()} lies more than one epoch back"
            top = max(top, ref[2])
        if entry.lamport != top + 1:
            return f"lamport {entry.lamport} is not one more than its dependencies' ({top})"
        return ""

    def _insert(self, entry: Entry) -> None:
        key = (entry.lamport, entry.digest)
        keys = self.keys
        if not keys or key > keys[-1]:
            pos = len(keys)
            keys.append(key)
            self.order.append(entry)
        else:
            pos = bisect_left(keys, key)
            keys.insert(pos, key)
            self.order.insert(pos, entry)
        self._mark(pos)
        heads = self.heads
        for d in entry.deps:
            heads.discard(d)
        heads.add(entry.digest)
        actor = entry.actor
        if entry.lamport > self.max_lamport.get(actor, 0):
            self.max_lamport[actor] = entry.lamport
        last = self.last.get(actor)
        if last is None or entry.seq > last[0]:
            self.last[actor] = (entry.seq, entry.digest, entry.lamport)
        chain = self._chains.setdefault(actor, {})
        at = chain.setdefault(entry.seq, [])
        at.append(entry.digest)
        if len(at) > 1 and entry.seq < self.forks.get(actor, entry.seq + 1):
            self.forks[actor] = entry.seq
            first = min((self._lamport(d), d) for d in at)
            self._mark(bisect_left(keys, first))

    def _mark(self, pos: int) -> None:
        self.changes.append(pos)

    def changed_since(self, seen: int) -> int | None:
        """The first order position that changed after the reader saw ``seen`` changes
        (``len(changes)`` then), or None if nothing changed.
        """
        changes = self.changes
        if seen >= len(changes):
            return None
        return min(changes[seen:]) if len(changes) - seen > 1 else changes[-1]

    # ---- reading ------------------------------------------------------------------

    def epoch_start(self, epoch: int) -> int:
        """The order position of the first entry of ``epoch`` (or where it would be)."""
        size = self.config.epoch_size
        return bisect_left(self.keys, (epoch * size, b"")) if size else 0

    def closed(self, epoch: int) -> bool:
        """Whether every seat holder has a ready entry after ``epoch`` (see the module
        docstring); a holder below a joiner's base counts with its base entries.
        """
        if not self.config.epoch_size:
            return False
        bound = (epoch + 1) * self.config.epoch_size
        return all(self.max_lamport.get(p, 0) >= bound for p in self.config.peers)

    def pending(self) -> list[Entry]:
        """Entries waiting for an entry not held."""
        return [self.entries[d] for d, s in self.status.items() if s == PENDING]

    def invalid(self) -> list[tuple[Entry, str]]:
        """Entries whose links contradict what they point at, with the reason."""
        return [(self.entries[d], s) for d, s in self.status.items() if s not in (READY, PENDING)]

    def links_for(self, actor: str) -> tuple[int, bytes, tuple[bytes, ...], int]:
        """(seq, prev, parents, lamport) for ``actor``'s next entry: after its newest
        entry, naming the heads as parents (at most ``MAX_PARENTS``, the newest, and none
        more than one epoch back).
        """
        last = self.last.get(actor)
        seq, prev, top = (0, b"", 0) if last is None else (last[0] + 1, last[1], last[2])
        lamports = {}
        for d in self.heads:
            if d == prev:
                continue
            ref = self._ref(d)
            if ref is not None:
                lamports[d] = ref[2]
        top = max([top, *lamports.values()])
        floor = self.config.epoch_of(top + 1) - 1
        epoch_of = self.config.epoch_of
        fresh = [d for d, lam in lamports.items() if epoch_of(lam) >= floor]
        if len(fresh) > MAX_PARENTS:
            fresh = sorted(fresh, key=lambda d: (-lamports[d], d))[:MAX_PARENTS]
        parents = tuple(sorted(fresh))
        lamport = max([last[2] if last else 0, *(lamports[d] for d in parents)]) + 1
        return seq, prev, parents, lamport

    def tips_until(self, epoch: int) -> dict[str, list[tuple[bytes, int, int]]]:
        """actor -> [(digest, seq, lamport)] of its chain's newest entries in epochs up to
        ``epoch`` (several if it forked there): what a checkpoint lists for late joiners.
        """
        bound = (epoch + 1) * self.config.epoch_size if self.config.epoch_size else None
        out: dict[str, list[tuple[bytes, int, int]]] = {}
        for actor, chain in self._chains.items():
            best: list[tuple[bytes, int, int]] = []
            for seq in sorted(chain, reverse=True):
                best = [
                    (d, seq, self._lamport(d))
                    for d in chain[seq]
                    if bound is None or self._lamport(d) < bound
                ]
                if best:
                    break
            if best:
                out[actor] = best
        for actor, tips in out.items():
            top = max(t[1] for t in tips)
            out[actor] = sorted(t for t in tips if t[1] == top)
        return out

    def forks_until(self, epoch: int) -> dict[str, int]:
        """The forks whose twin entries both lie in epochs up to ``epoch``."""
        size = self.config.epoch_size
        out = {}
        for actor, seq in self.forks.items():
            twins = self._chains.get(actor, {}).get(seq, [])
            # A fork known only from a base (no twins held) lies before it.
            if (
                not size
                or not twins
                or (
                    len(twins) > 1
                    and sorted(self._lamport(d) for d in twins)[1] < (epoch + 1) * size
                )
            ):
                out[actor] = seq
        return out

    def epoch_refs(self, epoch: int) -> list[tuple[bytes, str, int, int]]:
        """(digest, actor, seq, lamport) of every ready entry of ``epoch``, in order."""
        lo, hi = self.epoch_start(epoch), self.epoch_start(epoch + 1)
        return [(e.digest, e.actor, e.seq, e.lamport) for e in self.order[lo:hi]]

    # ---- copies and late joiners -------------------------------------------------------

    def copy(self) -> EntryGraph:
        """An independent copy (entries are immutable and shared)."""
        other = EntryGraph(self.config)
        other.entries = dict(self.entries)
        other.status = dict(self.status)
        other.keys = list(self.keys)
        other.order = list(self.order)
        other._waiting = {d: list(w) for d, w in self._waiting.items()}
        other._chains = {a: {s: list(d) for s, d in c.items()} for a, c in self._chains.items()}
        other.forks = dict(self.forks)
        other.heads = set(self.heads)
        other.max_lamport = dict(self.max_lamport)
        other.last = dict(self.last)
        other.base = dict(self.base)
        other.changes = list(self.changes)
        return other

    def rebased(
        self,
        epoch: int,
        refs: Iterable[tuple[bytes, str, int, int]],
        forks: Mapping[str, int],
    ) -> EntryGraph:
        """A graph that starts at ``epoch`` (a late joiner's base): the entries a
        checkpoint lists are held below it without their bodies, with the forks found
        before it, and this graph's entries of ``epoch`` and later are added again.
        """
        other = EntryGraph(self.config)
        other.base = {d: (actor, seq, lamport) for d, actor, seq, lamport in refs}
        other.forks = dict(forks)
        for d, (actor, seq, lamport) in other.base.items():
            if lamport > other.max_lamport.get(actor, 0):
                other.max_lamport[actor] = lamport
            last = other.last.get(actor)
            if last is None or seq > last[0]:
                other.last[actor] = (seq, d, lamport)
            # In the chains too, so an entry after the base that forks a chain below it is
            # found, as a peer holding the history finds it.
            other._chains.setdefault(actor, {}).setdefault(seq, []).append(d)
        # The base's newest entries are the heads a joiner's first entry builds on.
        top = max((r[2] for r in other.base.values()), default=0)
        other.heads = {d for d, r in other.base.items() if r[2] == top}
        epoch_of = self.config.epoch_of
        for entry in sorted(self.entries.values(), key=lambda x: (x.lamport, x.digest)):
            if epoch_of(entry.lamport) >= epoch and entry.digest not in other.base:
                other.add(entry)
        return other
