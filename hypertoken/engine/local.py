"""The training fast path: one process drives every seat, with no signatures and no
Automerge write per step.

Moves go straight to the World through the same referee as the fold (so both paths run the
same rules code) and are kept in memory. With ``record=True`` they are also written, as
unsigned entries, to a local Chronicle (trust mode ``"local"``) in batches, so the episode
can be replayed and shared like any room's log: the recording starts with a ``seed.set``
entry holding the episode seed, and the replay reaches the same state hash.
"""

from __future__ import annotations

from hypertoken.engine.base import EngineBase, EngineError, IllegalMoveError
from hypertoken.engine.rules import GameLoop
from hypertoken.engine.state import SEED_SET, FoldState, training_seed
from hypertoken.game import Game, MoveContext
from hypertoken.log.chronicle import Chronicle, RoomConfig
from hypertoken.log.entries import local_entry

#: The actor of every training entry.
LOCAL_ACTOR = "local"


def local_config(game: Game, loop: GameLoop) -> RoomConfig:
    """The room config of a training episode (its recording carries it)."""
    return RoomConfig(
        room=f"local/{game.info.env_id}",
        game=game.info.name,
        game_version=game.info.version,
        seats=dict.fromkeys(game.seats, b""),
        trust="local",
        epoch_size=0,
        options=game.options,
        max_turns=loop.max_turns,
        turn_timeout_ms=loop.turn_timeout_ms,
        phases=loop.phases,
    )


class TrainingMixin(EngineBase):
    """reset/step/flush for local Engines (see :meth:`hypertoken.engine.Engine.local`)."""

    def reset(self, seed: int | None = None) -> None:
        """Start a new episode (local engines). The seed drives every shuffle."""
        if not self._local:
            raise EngineError("reset() is for local engines (Engine.local); rooms fold their log")
        self._episode_seed = self._episode_seed if seed is None else int(seed)
        self.world.restore(self._started_blank())
        self._st = FoldState(room_seed=training_seed(self._episode_seed))
        self._st.lamports[LOCAL_ACTOR] = 0
        self._moves = []
        self._pending = []
        self._outcomes = []
        ctx = MoveContext(0, 0, 0, self.referee.seed_at(self._st, 0, 0))
        reason = self.referee.start(self._st, ctx, loop_started=True, undo=self._undo_start)
        if reason:
            raise EngineError(f"{self.game.info.env_id} setup failed: {reason}")
        self._st.index = self._st.count = 1
        if self._recording:
            self.chronicle = Chronicle.create(self.config)
            self._pending.append(
                local_entry(
                    LOCAL_ACTOR, self.game.seats[0], SEED_SET, (self._episode_seed,), 0, 0
                ).to_text()
            )

    def step(self, action: int, seat: str | None = None) -> None:
        """Play ``action`` for ``seat`` (default: the seat to move) on a local engine.
        An illegal move raises :class:`IllegalMoveError` and changes nothing.
        """
        if not self._local:
            raise EngineError("step() is for local engines (Engine.local); rooms submit()")
        st = self._st
        checked = seat is None
        if seat is None:
            seat = self.game.current_player(self.world)
            if seat is None:
                raise IllegalMoveError("any seat may move now: say which (step(action, seat))")
        i = st.index
        reason = self.referee.play(
            st,
            seat,
            action,
            MoveContext(i, 0, i, self.referee.seed_at(st, 0, i)),
            undo=self._rebuild,
            turn_checked=checked,
        )
        if reason:
            raise IllegalMoveError(reason)
        st.lamports[LOCAL_ACTOR] = i
        st.index = st.count = i + 1
        self._moves.append((seat, action))
        if self._recording:
            name, args = self.game.move_name(action)
            self._pending.append(local_entry(LOCAL_ACTOR, seat, name, args, i, i).to_text())
            if len(self._pending) >= self._record_batch:
                self.flush()

    def _started_blank(self) -> bytes:
        """The blank World with the seats' agents created and the game loop started at
        time 0, as every training episode begins (built on the first reset, then kept).
        """
        snap = self._started
        if snap is None:
            self.world.restore(self._blank)
            self.loop.start(self.world, self.referee.seat_order, 0)
            snap = self._started = self.world.snapshot()
        return snap

    def _undo_start(self) -> None:
        self.world.restore(self._started_blank())

    def _rebuild(self) -> None:
        """Bring the World back to where this episode's accepted moves left it, after a
        move failed halfway: start again from the blank World and replay them (the fold is
        deterministic). Training moves take no snapshot each, so a failure, which a legal
        move of a correct game never has, pays for all of them.
        """
        st = FoldState(room_seed=training_seed(self._episode_seed))
        referee = self.referee
        self.world.restore(self._started_blank())  # as reset() does
        reason = referee.start(
            st, MoveContext(0, 0, 0, referee.seed_at(st, 0, 0)), loop_started=True
        )
        for i, (seat, action) in enumerate(self._moves, 1):
            reason = reason or referee.play(
                st, seat, action, MoveContext(i, 0, i, referee.seed_at(st, 0, i))
            )
        if reason:
            raise EngineError(f"replaying the episode to undo a failed move diverged: {reason}")

    def flush(self) -> None:
        """Write recorded moves still in memory to ``engine.chronicle`` (one change)."""
        if self._pending and self.chronicle is not None:
            self.chronicle.append_many(self._pending, 0)
            self._pending = []

    @property
    def moves(self) -> list[tuple[str, int]]:
        """(seat, action) of every move of this episode (local engines)."""
        return list(self._moves)
