"""The fold's referee: how one log entry is judged and applied to the World.

Every peer runs this same code over the same merged log, so every peer accepts and rejects
the same entries for the same reasons and reaches the same World. The checks, in order:

1. static, cached per entry: the text decodes; the entry is signed (unless the room is
   ``local``); the actor holds a seat; the signature verifies for this room and epoch;
   the named seat exists and is held by the actor;
2. order: the actor's lamport must exceed every lamport seen from it before, which rejects
   a replayed entry (an honest peer's own entries always appear in its order);
3. the move: system moves (seed commit/reveal, timeouts) or a game move, which must be the
   seat's turn, legal, and apply cleanly. A refused move leaves the World as it was.

:class:`FoldState` is the fold's bookkeeping outside the World (lamports, seed protocol,
position). The engines snapshot it together with the World.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from hypertoken.core import CoreError, World
from hypertoken.engine.rules import GameLoop, RuleEngine
from hypertoken.engine.state import (
    SEED_COMMIT,
    SEED_SET,
    SYSTEM_MOVES,
    TURN_TIMEOUT,
    FoldState,
    commitment_of,
    room_seed_of,
    training_seed,
)
from hypertoken.game import Game, IllegalMoveError, MoveContext, TurnOrder
from hypertoken.log.entries import Entry, EntryError, decode_entry, entry_context, verify_entry
from hypertoken.log.identity import Verifier, peer_id_of

logger = logging.getLogger(__name__)


class Referee:
    """Judges and applies entries for one room: the game's rules plus the system moves."""

    def __init__(
        self,
        game: Game,
        world: World,
        *,
        room: str,
        seats: Mapping[str, bytes],
        trust: str,
        loop: GameLoop,
        rules: RuleEngine,
    ) -> None:
        self.game = game
        self.world = world
        self.room = room
        self.seats = dict(seats)
        self.seat_order = tuple(seats)
        self.trust = trust
        self.loop = loop
        self.rules = rules
        self.order = game.info.turn_order
        self._peers = {peer_id_of(k): k for k in self.seats.values() if len(k) == 32}
        self._contexts: dict[int, bytes] = {}
        self.verifier = Verifier()
        #: (room seed, epoch, BLAKE2b state after both): seeds of one epoch share it.
        self._seed_prefix: tuple[bytes, int, Any] | None = None

    # ---- static checks ------------------------------------------------------------

    def context(self, epoch: int) -> bytes:
        """The signing context of an epoch (cached)."""
        ctx = self._contexts.get(epoch)
        if ctx is None:
            ctx = self._contexts[epoch] = entry_context(self.room, epoch)
        return ctx

    def check(self, epoch: int, text: str) -> Entry | str:
        """Decode and verify an entry; an entry or the reason it is rejected. Pure, so the
        room fold caches the answer per (epoch, text) and verifies each signature once.
        """
        try:
            entry = decode_entry(text)
        except EntryError as exc:
            return f"malformed entry: {exc}"
        key = b""
        if self.trust != "local":
            if not entry.signed:
                return "unsigned entry in a room whose entries must be signed"
            found = self._peers.get(entry.actor)
            if found is None:
                return f"actor {entry.actor!r} holds no seat in this room"
            key = found
            if not verify_entry(entry, key, self.context(epoch), self.verifier):
                return f"bad signature (not actor {entry.actor!r}'s for this room and epoch)"
        if entry.seat not in self.seats:
            return f"no seat named {entry.seat!r} (seats: {', '.join(self.seat_order)})"
        if key and self.seats[entry.seat] != key:
            return f"seat {entry.seat!r} is not held by actor {entry.actor!r}"
        return entry

    # ---- judging and applying --------------------------------------------------------

    def seed_at(self, st: FoldState, epoch: int, index: int) -> int:
        """The 32-bit seed of the entry at (epoch, index)."""
        seed = st.room_seed
        if not seed:
            return 0
        # BLAKE2b(room seed + epoch + index); the hash state after the first two is kept.
        pre = self._seed_prefix
        if pre is None or pre[0] is not seed or pre[1] != epoch:
            pre = self._seed_prefix = (
                seed,
                epoch,
                hashlib.blake2b(seed + epoch.to_bytes(8, "big"), digest_size=4),
            )
        h = pre[2].copy()
        h.update(index.to_bytes(8, "big"))
        return int.from_bytes(h.digest(), "big")

    def apply(self, st: FoldState, entry: Entry, epoch: int, index: int) -> str:
        """Judge ``entry`` at (epoch, index) and apply it if legal. Returns "" if accepted,
        else the reason; a rejected entry changes only the actor's lamport in ``st``.
        """
        last = st.lamports.get(entry.actor, -1)
        if entry.lamport <= last:
            return (
                f"replayed or out-of-order entry: lamport {entry.lamport} from actor "
                f"{entry.actor!r}, which already reached {last}"
            )
        st.lamports[entry.actor] = entry.lamport
        ctx = MoveContext(entry.time_ms, epoch, index, self.seed_at(st, epoch, index))
        move = entry.move
        if move in SYSTEM_MOVES:
            return self._system(st, entry, ctx)
        try:
            action = self.game.parse_move(move, entry.args)
        except IllegalMoveError as exc:
            return str(exc) or f"no move {move!r}"
        return self.play(st, entry.seat, action, ctx)

    def play(
        self,
        st: FoldState,
        seat: str,
        action: int,
        ctx: MoveContext,
        *,
        undo: Callable[[], None] | None = None,
        turn_checked: bool = False,
    ) -> str:
        """Judge and apply one game action by ``seat``: "" if accepted, else the reason.
        Shared by the fold and the training fast path, so both run the same rules.

        A move that fails while it is applied (an exception in the game, the loop or the
        rules) leaves the World as it was: by default from a snapshot taken before the
        move; with ``undo``, by calling it instead, if the World changed at all (the
        training path rebuilds the World by replaying its episode, so it pays nothing per
        move for a failure that a legal move of a correct game never has).
        ``turn_checked``: the caller already knows ``seat`` is the one to move.
        """
        if not st.started:
            waiting = [s for s in self.seat_order if s not in st.reveals]
            return f"the game has not started (waiting for seed reveals from {waiting})"
        if st.over:
            return "the game is over"
        game, world = self.game, self.world
        if type(action) is not int or not 0 <= action < game.info.num_actions:
            return f"action {action!r} is outside 0..{game.info.num_actions - 1}"
        if self.order is not TurnOrder.ANY and not turn_checked:
            current = game.current_player(world)
            if current != seat:
                return f"it is not {seat}'s turn (it is {current}'s)"
        if not game.is_legal(world, seat, action) and not game.tolerates(world, seat, action):
            name, args = game.move_name(action)
            return f"illegal move for {seat}: {name} {' '.join(map(str, args))}".rstrip()
        snap = world.snapshot() if undo is None else b""
        version = world.version
        try:
            game.apply(world, seat, action, ctx)
            if self.order is TurnOrder.ROUND_ROBIN:
                truncated = self.loop.advance(world)
            else:
                truncated = self.loop.reached_limit(world)
            self.rules.evaluate(world, ctx)
            over = truncated or game.is_over(world)
        except Exception as exc:  # IllegalMoveError, CoreError or a game bug: refuse alike
            if undo is None:
                world.restore(snap)
            elif world.version != version:  # a refusal before any change needs no undo
                undo()
            return _refusal(exc)
        st.turn_started_ms = ctx.time_ms
        st.over = over
        st.truncated = truncated
        return ""

    def start(
        self,
        st: FoldState,
        ctx: MoveContext,
        *,
        loop_started: bool = False,
        undo: Callable[[], None] | None = None,
    ) -> str:
        """Seats become agents, the game loop starts and the game sets up. With
        ``loop_started`` the World already holds the agents and the started loop (a
        training reset restores that). A failing setup leaves the World as it was: from a
        snapshot, or by calling ``undo`` (as :meth:`play`).
        """
        snap = self.world.snapshot() if undo is None else b""
        try:
            if not loop_started:
                self.loop.start(self.world, self.seat_order, ctx.time_ms)
            self.game.setup(self.world, ctx)
            over = self.game.is_over(self.world)
        except Exception as exc:  # a failing setup is refused like a failing move
            if undo is None:
                self.world.restore(snap)
            else:
                undo()
            return _refusal(exc)
        st.started = True
        st.over = over
        st.turn_started_ms = ctx.time_ms
        return ""

    def _system(self, st: FoldState, entry: Entry, ctx: MoveContext) -> str:
        move, seat, args = entry.move, entry.seat, entry.args
        if move == TURN_TIMEOUT:
            return self._timeout(st, entry, ctx)
        if st.started or st.room_seed:
            return "the room seed is already fixed"
        if move == SEED_SET:
            if self.trust != "local":
                return "seed.set is only allowed in local (training) chronicles"
            if len(args) != 1 or type(args[0]) not in (int, bytes):
                return "seed.set takes one int or bytes seed"
            st.room_seed = training_seed(args[0])
            return self._start_or_undo(st, ctx)
        if len(args) != 1 or type(args[0]) is not bytes:
            return f"{move} takes one bytes argument"
        if move == SEED_COMMIT:
            if seat in st.commits:
                return f"seat {seat!r} already committed to a seed contribution"
            if len(args[0]) != 32:
                return "a seed commitment is 32 bytes"
            st.commits[seat] = args[0]
            return ""
        # SEED_REVEAL
        if seat in st.reveals:
            return f"seat {seat!r} already revealed its seed contribution"
        if seat not in st.commits:
            return f"seat {seat!r} revealed without committing first"
        missing = [s for s in self.seat_order if s not in st.commits]
        if missing:
            return f"seed reveal before every seat committed (missing {missing})"
        if commitment_of(args[0]) != st.commits[seat]:
            return f"seed reveal does not match seat {seat!r}'s commitment"
        st.reveals[seat] = args[0]
        if len(st.reveals) == len(self.seat_order):
            st.room_seed = room_seed_of([st.reveals[s] for s in self.seat_order])
            return self._start_or_undo(st, ctx, seat)
        return ""

    def _start_or_undo(self, st: FoldState, ctx: MoveContext, revealed: str = "") -> str:
        ctx = MoveContext(ctx.time_ms, ctx.epoch, ctx.index, self.seed_at(st, ctx.epoch, ctx.index))
        reason = self.start(st, ctx)
        if reason:  # leave the seed protocol as it was before this entry
            st.room_seed = b""
            st.reveals.pop(revealed, None)
        return reason

    def _timeout(self, st: FoldState, entry: Entry, ctx: MoveContext) -> str:
        if not self.loop.turn_timeout_ms:
            return "this room has no turn timeout"
        if not st.started or st.over:
            return "a timeout needs a game in progress"
        if len(entry.args) != 1 or type(entry.args[0]) is not str:
            return "turn.timeout takes the seat that timed out"
        target = entry.args[0]
        current = self.game.current_player(self.world)
        if current is None or current != target:
            return f"seat {target!r} is not the seat to move ({current!r} is)"
        if not self.loop.timed_out(st.turn_started_ms, entry.time_ms):
            return (
                f"the turn of {target!r} has not timed out "
                f"({entry.time_ms - st.turn_started_ms} ms of "
                f"{self.loop.turn_timeout_ms})"
            )
        try:
            action = self.game.default_action(self.world, target)
        except Exception as exc:  # a game bug: refuse alike on every peer
            return _refusal(exc)
        if action is None:
            return f"{self.game.info.env_id} has no default move for a timed-out turn"
        return self.play(st, target, action, ctx)


def _refusal(exc: BaseException) -> str:
    if isinstance(exc, IllegalMoveError):
        return str(exc) or "illegal move"
    if isinstance(exc, CoreError):
        return f"the move failed in the core: {exc}"
    logger.error("game code raised while folding", exc_info=exc)
    return f"the game raised {type(exc).__name__}: {exc}"
