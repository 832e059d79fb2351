"""The training engine: one process drives every seat, with no signatures and no
Automerge write per step.

:class:`LocalEngine` applies moves straight to the World through the same referee as the
room's fold (so both paths run the same rules code, and the same moves give the same state
hash) and keeps them in memory. With ``record=True`` they are also written, as unsigned
entries, to a local Chronicle (trust mode ``"local"``) in batches, so the episode can be
replayed and shared like any room's log: the recording starts with a ``seed.set`` entry
holding the episode seed, and :meth:`hypertoken.engine.RoomEngine.replay` of it reaches
the same state hash.

A local engine has no log to fold, no identity and no sync: it has no ``submit``, ``fold``
or ``generate_sync_message`` (a room's :class:`~hypertoken.engine.RoomEngine` does).
Which methods write: :meth:`LocalEngine.step` (to the recording's buffer, and to its
chronicle every ``record_batch`` moves), :meth:`LocalEngine.flush` and
:meth:`LocalEngine.reset` (a new recording). A local engine is not thread-safe.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hypertoken.core import World
from hypertoken.engine.base import EngineBase, EngineError, FoldCore
from hypertoken.engine.rules import GameLoop, RuleEngine
from hypertoken.engine.state import SEED_SET, FoldState, training_seed
from hypertoken.game import Game, IllegalMoveError, MoveContext, Rule
from hypertoken.log.chronicle import Chronicle
from hypertoken.log.config import RoomConfig
from hypertoken.log.entries import Entry, make_entry

#: The actor of every training entry.
LOCAL_ACTOR = "local"

__all__ = ["LOCAL_ACTOR", "LocalEngine", "LocalSnapshot", "TrainingFold", "local_config"]


def local_config(game: Game, loop: GameLoop) -> RoomConfig:
    """The room config of a training episode (its recording carries it)."""
    return RoomConfig.for_game(
        game,
        room=f"local/{game.info.env_id}",
        trust="local",
        epoch_size=0,
        max_turns=loop.max_turns,
        turn_timeout_ms=loop.turn_timeout_ms,
        phases=loop.phases,
    )


@dataclass(frozen=True)
class LocalSnapshot:
    """A local engine's episode at one point (see :meth:`LocalEngine.snapshot`)."""

    world: bytes
    state: FoldState
    episode_seed: int
    moves: tuple[tuple[str, int], ...]


class TrainingFold(FoldCore):
    """A fold core for training episodes: the episode's seed and moves, and its recording."""

    def __init__(
        self,
        game: Game,
        config: RoomConfig,
        loop: GameLoop,
        rules: RuleEngine,
        *,
        recording: bool,
        record_batch: int,
        world: World | None = None,
        blank: bytes | None = None,
    ) -> None:
        super().__init__(game, config, loop, rules, world=world, blank=blank)
        #: Write the moves to a local chronicle (``record=True``).
        self.recording = recording
        self.record_batch = max(1, record_batch)
        #: The blank World with the seats and the loop started (built on the first reset).
        self.started_blank: bytes | None = None
        self.episode_seed = 0
        #: (seat, action) of every move of this episode.
        self.moves: list[tuple[str, int]] = []
        #: Recorded entries not yet written to :attr:`chronicle`.
        self.pending: list[Entry] = []
        #: The digest of the newest recorded entry (the next one's ``prev``).
        self.last_digest = b""
        #: This episode's recording (None unless recording).
        self.chronicle: Chronicle | None = None

    def fork(self) -> TrainingFold:
        """An independent copy (a forked World, and a fork of the recording)."""
        other = TrainingFold(
            self.game,
            self.config,
            self.loop,
            self.rules,
            recording=self.recording,
            record_batch=self.record_batch,
            world=self.world.fork(),
            blank=self.blank,
        )
        other._copy_from(self)
        return other

    def _copy_from(self, other: TrainingFold) -> None:
        super()._copy_from(other)
        self.started_blank = other.started_blank
        self.episode_seed = other.episode_seed
        self.moves = list(other.moves)
        self.pending = list(other.pending)
        self.last_digest = other.last_digest
        self.chronicle = other.chronicle.fork() if other.chronicle is not None else None


class LocalEngine(EngineBase[TrainingFold]):
    """The training fast path (see the module docstring): ``reset(seed)``, then
    ``step(action)`` for the seat to move (or ``step(action, seat)``). Moves go straight to
    the World; with ``record`` they are also written to a local Chronicle
    (:attr:`chronicle`) every ``record_batch`` moves and at :meth:`flush`.
    ``_resume`` is :meth:`fork`'s: an episode to continue instead of starting one.
    """

    def __init__(
        self,
        game: Game,
        *,
        seed: int = 0,
        record: bool = False,
        record_batch: int = 256,
        loop: GameLoop | None = None,
        rules: Iterable[Rule] = (),
        _resume: TrainingFold | None = None,
    ) -> None:
        if _resume is not None:
            if _resume.game is not game:
                raise ValueError("a resumed episode continues this game")
            self._fold = _resume
            return
        loop = loop or GameLoop()
        self._fold = TrainingFold(
            game,
            local_config(game, loop),
            loop,
            RuleEngine((*game.rules(), *rules)),
            recording=record,
            record_batch=record_batch,
        )
        self.reset(seed)

    # ---- state --------------------------------------------------------------------------

    @property
    def moves(self) -> list[tuple[str, int]]:
        """(seat, action) of every move of this episode."""
        return list(self._fold.moves)

    @property
    def chronicle(self) -> Chronicle | None:
        """The episode's recording (None unless built with ``record=True``); moves still
        buffered reach it at :meth:`flush`.
        """
        return self._fold.chronicle

    @property
    def recording(self) -> bool:
        """Whether the moves are recorded to :attr:`chronicle`."""
        return self._fold.recording

    # ---- playing --------------------------------------------------------------------------

    def reset(self, seed: int | None = None) -> None:
        """Start a new episode (default: with the last episode's seed). The seed drives
        every shuffle. A recording engine starts a new recording.
        """
        fold = self._fold
        if seed is not None:
            fold.episode_seed = seed if type(seed) is int else int(seed)
        fold.world.restore(fold.started_blank or self._started_blank())
        st = fold.st = FoldState(room_seed=training_seed(fold.episode_seed))
        fold.moves = []
        if fold.pending:
            fold.pending = []
        referee = fold.referee
        ctx = MoveContext(0, 0, 0, referee.seed_at(st, 0, 0))
        reason = referee.start(st, ctx, loop_started=True, undo=self._undo_start)
        if reason:
            raise EngineError(f"{fold.game.info.env_id} setup failed: {reason}")
        st.index = st.count = 1
        if fold.recording:
            fold.chronicle = Chronicle.create(fold.config)
            fold.last_digest = b""
            self._record(0, fold.game.seats[0], SEED_SET, (fold.episode_seed,))

    def step(self, action: int, seat: str | None = None) -> None:
        """Play ``action`` for ``seat`` (default: the seat to move). An illegal move raises
        :class:`~hypertoken.game.IllegalMoveError` and changes nothing.
        """
        fold = self._fold
        st = fold.st
        checked = seat is None
        if seat is None:
            seat = fold.game.current_player(fold.world)
            if seat is None:
                raise IllegalMoveError("any seat may move now: say which (step(action, seat))")
        i = st.index
        referee = fold.referee
        reason = referee.play(
            st,
            seat,
            action,
            MoveContext(i, 0, i, referee.seed_at(st, 0, i)),
            undo=self._rebuild,
            turn_checked=checked,
        )
        if reason:
            raise IllegalMoveError(reason)
        st.index = st.count = i + 1
        fold.moves.append((seat, action))
        if fold.recording:
            name, args = fold.game.move_name(action)
            self._record(i, seat, name, args)
            if len(fold.pending) >= fold.record_batch:
                self.flush()

    def _record(self, i: int, seat: str, move: str, args: tuple[object, ...]) -> None:
        """Buffer the unsigned entry of move ``i`` (a chain of one writer: seq ``i``)."""
        fold = self._fold
        prev = fold.last_digest
        entry = make_entry(
            None,
            b"",
            seat,
            move,
            args,
            i,
            seq=i,
            prev=prev,
            parents=(),
            lamport=i + 1,
            actor=LOCAL_ACTOR,
        )
        fold.last_digest = entry.digest
        fold.pending.append(entry)

    def flush(self) -> None:
        """Write recorded moves still in memory to :attr:`chronicle` (one change)."""
        fold = self._fold
        if fold.pending and fold.chronicle is not None:
            fold.chronicle.append_entries(fold.pending, checked=True)
            fold.pending = []

    def _started_blank(self) -> bytes:
        """The blank World with the seats' agents created and the game loop started at
        time 0, as every training episode begins (built on the first reset, then kept).
        """
        fold = self._fold
        snap = fold.started_blank
        if snap is None:
            fold.world.restore(fold.blank)
            fold.loop.start(fold.world, fold.referee.seat_order, 0)
            snap = fold.started_blank = fold.world.snapshot()
        return snap

    def _undo_start(self) -> None:
        self._fold.world.restore(self._started_blank())

    def _rebuild(self) -> None:
        """Bring the World back to where this episode's accepted moves left it, after a
        move failed halfway: start again from the blank World and replay them (the fold is
        deterministic). Training moves take no snapshot each, so a failure, which a legal
        move of a correct game never has, pays for all of them.
        """
        fold = self._fold
        st = FoldState(room_seed=training_seed(fold.episode_seed))
        referee = fold.referee
        fold.world.restore(self._started_blank())  # as reset() does
        reason = referee.start(
            st, MoveContext(0, 0, 0, referee.seed_at(st, 0, 0)), loop_started=True
        )
        for i, (seat, action) in enumerate(fold.moves, 1):
            reason = reason or referee.play(
                st, seat, action, MoveContext(i, 0, i, referee.seed_at(st, 0, i))
            )
        if reason:
            raise EngineError(f"replaying the episode to undo a failed move diverged: {reason}")

    # ---- snapshots and forks ---------------------------------------------------------

    def snapshot(self) -> LocalSnapshot:
        """The episode now: World, fold state, seed and moves."""
        fold = self._fold
        return LocalSnapshot(
            fold.world.snapshot(), fold.st.copy(), fold.episode_seed, tuple(fold.moves)
        )

    def restore(self, snap: LocalSnapshot) -> None:
        """Go back to a snapshot of this engine, forgetting the moves made since. A
        recording engine cannot (its log is append-only): fork it instead.
        """
        if not isinstance(snap, LocalSnapshot):
            raise TypeError(
                f"a local engine restores a LocalSnapshot (its own snapshot()), "
                f"not {type(snap).__name__}"
            )
        fold = self._fold
        if fold.recording:
            raise EngineError(
                "a recording engine cannot rewind (its log is append-only): "
                "fork() it, or use record=False"
            )
        fold.world.restore(snap.world)
        fold.st = snap.state.copy()
        fold.episode_seed = snap.episode_seed
        fold.moves = list(snap.moves)

    def fork(self) -> LocalEngine:
        """An independent engine for search: its own World copy, episode and (when
        recording) a fork of the recording. The original is untouched.
        """
        return LocalEngine(self._fold.game, _resume=self._fold.fork())

    def __repr__(self) -> str:
        st = self._fold.st
        return f"LocalEngine({self.game.info.env_id}, {st.count - 1} moves)"
