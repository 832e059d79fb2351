"""The Engine's bookkeeping: fold position, outcomes, snapshots for rewinds, state hashes
and the read API. :mod:`hypertoken.engine` adds submitting, syncing and training on top.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from hypertoken.engine.referee import Referee
from hypertoken.engine.rules import GameLoop, RuleEngine
from hypertoken.engine.state import FoldState, Outcome, text_digest
from hypertoken.game import Game, TurnOrder
from hypertoken.log.chronicle import Chronicle, RoomConfig
from hypertoken.log.entries import Entry, EntryError, decode_entry

#: (epoch, index, outcomes so far, World snapshot, FoldState) at a fold position.
Snap = tuple[int, int, int, bytes, FoldState]


class EngineError(Exception):
    """The Engine cannot do what was asked; the message says why and what to do."""


class IllegalMoveError(EngineError):
    """A submitted move was refused by the rules; nothing was appended or changed."""


@dataclass(frozen=True)
class FoldResult:
    """Every entry's outcome in fold order, and the state hash the fold reached."""

    outcomes: tuple[Outcome, ...]
    state_hash: bytes

    @property
    def accepted(self) -> list[Outcome]:
        """The accepted entries."""
        return [o for o in self.outcomes if o.accepted]

    @property
    def rejected(self) -> list[Outcome]:
        """The rejected entries, each with its reason."""
        return [o for o in self.outcomes if not o.accepted]


class EngineBase:
    """State shared by every kind of Engine. Not for direct use."""

    chronicle: Chronicle | None

    def __init__(
        self, game: Game, config: RoomConfig, loop: GameLoop, rules: RuleEngine, *, local: bool
    ) -> None:
        self.game = game
        self.config = config
        self.loop = loop
        self.rules = rules
        self.world = game.new_world()
        # Seed-independent construction runs once; every start and every training reset
        # begins from a copy of it (restoring 100 KB costs far less than rebuilding it).
        game.prepare(self.world)
        self._blank = self.world.snapshot()
        #: Training only: the blank World with the seats and the loop started (see reset).
        self._started: bytes | None = None
        self.referee = Referee(
            game,
            self.world,
            room=config.room,
            seats=config.seats,
            trust=config.trust,
            loop=loop,
            rules=rules,
        )
        #: At most this many rewind snapshots are kept; older ones are thinned out.
        self.max_snapshots = 256
        #: A training engine (moves straight to the World) rather than a log fold.
        self._local = local
        self._st = FoldState()
        self._base = (0, 0)
        self._applied: dict[int, list[str]] = {}
        self._outcomes: list[Outcome] = []
        self._snaps: list[Snap] = []
        self._checked: dict[int, dict[str, Entry | str]] = {}
        self._seen_heads: dict[int, list[bytes]] = {}
        self._seen_version = -1
        self._closed: dict[int, int] = {}
        self._hash_log: dict[tuple[int, int], tuple[bytes, bytes]] = {}
        self._revealing: set[str] = set()
        self._moves: list[tuple[str, int]] = []
        self._pending: list[str] = []
        self._episode_seed = 0
        self._recording = False
        self._record_batch = 256

    # ---- bookkeeping ------------------------------------------------------------------

    def _cache(self, epoch: int) -> dict[str, Entry | str]:
        cache = self._checked.get(epoch)
        if cache is None:
            cache = self._checked[epoch] = {}
        return cache

    def _record(self, e: int, text: str, entry: Entry | None, reason: str) -> Outcome:
        """Note that the entry at the fold position was folded, and move on."""
        st = self._st
        i = st.index
        digest = text_digest(text)
        if entry is None:
            outcome = Outcome(e, i, False, reason, "", "", "", (), 0, 0, digest)
        else:
            outcome = Outcome(
                e,
                i,
                not reason,
                reason,
                entry.actor,
                entry.seat,
                entry.move,
                entry.args,
                entry.time_ms,
                entry.lamport,
                digest,
            )
        applied = self._applied.get(e)
        if applied is None:
            applied = self._applied[e] = []
        applied.append(text)
        self._outcomes.append(outcome)
        st.index = i + 1
        st.count += 1
        st.log_digest = hashlib.blake2b(st.log_digest + digest, digest_size=16).digest()
        return outcome

    def _make_snap(self) -> Snap:
        st = self._st
        return (st.epoch, st.index, len(self._outcomes), self.world.snapshot(), st.copy())

    def _push_snap(self) -> None:
        snaps = self._snaps
        snap = self._make_snap()
        if snaps and (snaps[-1][0], snaps[-1][1]) == (snap[0], snap[1]):
            snaps[-1] = snap
        else:
            snaps.append(snap)
        if len(snaps) > self.max_snapshots:
            # Thin the older half (keeping the base): rewinds are usually short, and a long
            # one can still start from a farther snapshot and refold a little more.
            half = len(snaps) // 2
            snaps[1:half] = snaps[1:half:2]

    def _rewind(self, pos: tuple[int, int]) -> int:
        """Restore the newest snapshot at or before ``pos``; return the outcomes kept."""
        snaps = self._snaps
        while len(snaps) > 1 and (snaps[-1][0], snaps[-1][1]) > pos:
            snaps.pop()
        e0, i0, n_out, world, st = snaps[-1]
        self.world.restore(world)
        self._st = st.copy()
        del self._outcomes[n_out:]
        self._applied = {e: (a if e < e0 else a[:i0]) for e, a in self._applied.items() if e <= e0}
        self._closed = {e: c for e, c in self._closed.items() if e < e0}
        self._hash_log = {k: v for k, v in self._hash_log.items() if k <= (e0, i0)}
        return n_out

    def _copy_base(self) -> Any:
        """A copy sharing nothing mutable (the verification cache is pure and shared)."""
        other = type(self).__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.world = self.world.fork()
        other.referee = Referee(
            self.game,
            other.world,
            room=self.config.room,
            seats=self.config.seats,
            trust=self.config.trust,
            loop=self.loop,
            rules=self.rules,
        )
        other._st = self._st.copy()
        other._applied = {e: list(a) for e, a in self._applied.items()}
        other._outcomes = list(self._outcomes)
        other._snaps = list(self._snaps)
        other._seen_heads = dict(self._seen_heads)
        other._closed = dict(self._closed)
        other._hash_log = dict(self._hash_log)
        other._revealing = set(self._revealing)
        return other

    # ---- reading ----------------------------------------------------------------------

    def state_hash(self) -> bytes:
        """32-byte hash of the World and the fold state: equal on every peer that folded
        the same log.
        """
        return hashlib.blake2b(self.world.state_hash() + self._st.digest(), digest_size=32).digest()

    def outcomes(self) -> list[Outcome]:
        """Every entry's outcome in fold order, including entries appended to epochs after
        they closed (rejected: "epoch closed").
        """
        late: list[Outcome] = []
        if self.chronicle is not None:
            for e, n in self._closed.items():
                if self.chronicle.has_epoch(e):
                    late.extend(
                        self._late(e, i, t) for i, t in enumerate(self.chronicle.raw(e)[n:], n)
                    )
        if not late:
            return list(self._outcomes)
        return sorted([*self._outcomes, *late], key=lambda o: (o.epoch, o.index))

    def _late(self, e: int, i: int, text: str) -> Outcome:
        reason = f"epoch {e} closed after {self._closed[e]} entries"
        try:
            x = decode_entry(text)
        except EntryError:
            return Outcome(e, i, False, reason, "", "", "", (), 0, 0, text_digest(text))
        return Outcome(
            e,
            i,
            False,
            reason,
            x.actor,
            x.seat,
            x.move,
            x.args,
            x.time_ms,
            x.lamport,
            text_digest(text),
        )

    @property
    def position(self) -> tuple[int, int]:
        """(epoch, index) of the next entry the fold will apply."""
        return (self._st.epoch, self._st.index)

    @property
    def entries_folded(self) -> int:
        """How many entries the fold has applied or rejected since the log's start."""
        return self._st.count

    @property
    def started(self) -> bool:
        """Whether the game has been set up (the room seed is fixed)."""
        return self._st.started

    def is_over(self) -> bool:
        """Whether the game has ended (by its rules or by the turn limit)."""
        return self._st.over

    @property
    def truncated(self) -> bool:
        """Whether the game ended on the GameLoop's turn limit."""
        return self._st.truncated

    def current_player(self) -> str | None:
        """The seat to move, or None (game not started or over, or any seat may move)."""
        if not self._st.started or self._st.over:
            return None
        return self.game.current_player(self.world)

    def is_to_move(self, seat: str) -> bool:
        """Whether ``seat`` may move now."""
        if not self._st.started or self._st.over or seat not in self.config.seats:
            return False
        if self.game.info.turn_order is TurnOrder.ANY:
            return True
        return self.game.current_player(self.world) == seat

    def legal_mask(self, seat: str) -> np.ndarray:
        """The bool mask of ``seat``'s legal actions now (all False when it may not move)."""
        if not self.is_to_move(seat):
            return np.zeros(self.game.info.num_actions, dtype=bool)
        return np.asarray(self.game.legal_actions(self.world, seat), dtype=bool)

    def rewards(self) -> dict[str, float]:
        """Each seat's reward so far."""
        if not self._st.started:
            return dict.fromkeys(self.config.seats, 0.0)
        return self.game.rewards(self.world)

    def render(self, seat: str | None = None) -> str:
        """The game's text picture."""
        return self.game.render(self.world, seat)
