"""The fold's referee: how one log entry is judged and applied to the World.

Every peer runs this same code over the same accepted log in the same signed order, so
every peer accepts and rejects the same entries for the same reasons and reaches the same
World. What reaches the referee was already checked on its own by the chronicle (decoded,
signed by a seat holder for this room, seat held by its author, links valid; see
:mod:`hypertoken.log.chronicle` and :mod:`hypertoken.log.dag`). The referee judges the move:

- system moves: the seed protocol (``seed.commit``, ``seed.reveal``, ``seed.set`` in
  training), and timeout claims (``turn.timeout``, ``seed.timeout``);
- a game move, which must be the seat's turn, legal, and apply cleanly. A refused move
  leaves the World as it was.

**Timeouts put trust in clocks, so one clock is never enough.** Entry times are their
signers' claims. A claim that a turn (or the seed phase) has been idle past its deadline
counts only if its own time says so, and the timeout happens only once *every* seat holder
other than the idle seat's has claimed it, and there are at least two of them, or once the
room's witness (``RoomConfig.witness``, for example a spectator peer) has. A claimant
with a fast clock therefore cannot skip an online opponent's turn: the others' clocks must
agree. In a room of two seat holders without a witness, timeouts cannot be configured.
The trust this leaves: all other seat holders together (or the witness alone) can time a
seat out early.

**The seed phase has a deadline** (``RoomConfig.seed_timeout_ms``, from the first commit).
After it, claims as above close the stage: seats that did not commit forfeit and the
others reveal; then, seats that committed but did not reveal forfeit, and the room seed is
the hash of the reveals made and the forfeits. A forfeited seat stays in the game; its
turns are played by timeouts. The bias that remains is the *last revealer's*: the last
seat to reveal sees every other reveal first, so it can choose between two room seeds (its
reveal, or forfeiting). That is one bit of influence, paid for by forfeiting, which every
peer sees and games may penalise; it cannot choose the seed beyond that.

:class:`FoldState` is the fold's bookkeeping outside the World (seed protocol, claims,
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
    SEED_CLAIM,
    SEED_COMMIT,
    SEED_SET,
    SEED_TIMEOUT,
    SYSTEM_MOVES,
    TURN_TIMEOUT,
    FoldState,
    commitment_of,
    room_seed_of,
    training_seed,
)
from hypertoken.game import Game, IllegalMoveError, MoveContext, TurnOrder
from hypertoken.log.config import WITNESS_SEAT
from hypertoken.log.entries import Entry
from hypertoken.log.identity import peer_id_of

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
        witness: str = "",
        seed_timeout_ms: int = 0,
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
        #: seat -> the peer id holding it ("" in a local room).
        self.holder = {s: peer_id_of(k) if len(k) == 32 else "" for s, k in self.seats.items()}
        self.holders = frozenset(h for h in self.holder.values() if h)
        self.witness = witness
        self.seed_timeout_ms = seed_timeout_ms
        #: (room seed, epoch, BLAKE2b state after both): seeds of one epoch share it.
        self._seed_prefix: tuple[bytes, int, Any] | None = None

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
        else the reason; a rejected entry changes nothing.
        """
        ctx = MoveContext(entry.time_ms, epoch, index, self.seed_at(st, epoch, index))
        move = entry.move
        if entry.seat == WITNESS_SEAT and move not in (TURN_TIMEOUT, SEED_TIMEOUT):
            return "the witness only claims timeouts"
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
        if st.claims:
            st.claims.clear()  # a new turn: claims about the last one are void
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
        if move == SEED_TIMEOUT:
            return self._seed_timeout(st, entry, ctx)
        if move == SEED_SET:
            if self.trust != "local":
                return "seed.set is only allowed in local (training) chronicles"
            if len(args) != 1 or type(args[0]) not in (int, bytes):
                return "seed.set takes one int or bytes seed"
            st.room_seed = training_seed(args[0])
            return self._start_or_undo(st, ctx)
        if len(args) != 1 or type(args[0]) is not bytes:
            return f"{move} takes one bytes argument"
        if seat in st.forfeits:
            return f"seat {seat!r} forfeited the seed phase"
        if move == SEED_COMMIT:
            if seat in st.commits:
                return f"seat {seat!r} already committed to a seed contribution"
            if len(args[0]) != 32:
                return "a seed commitment is 32 bytes"
            if not st.commits:
                st.seed_started_ms = entry.time_ms
            st.commits[seat] = args[0]
            return ""
        # SEED_REVEAL
        if seat in st.reveals:
            return f"seat {seat!r} already revealed its seed contribution"
        if seat not in st.commits:
            return f"seat {seat!r} revealed without committing first"
        missing = [s for s in self.seat_order if s not in st.commits and s not in st.forfeits]
        if missing:
            return f"seed reveal before every seat committed (missing {missing})"
        if commitment_of(args[0]) != st.commits[seat]:
            return f"seed reveal does not match seat {seat!r}'s commitment"
        st.reveals[seat] = args[0]
        reason = self._seed_if_complete(st, ctx)
        if reason:
            del st.reveals[seat]
        return reason

    def _seed_if_complete(self, st: FoldState, ctx: MoveContext) -> str:
        """Fix the room seed and start the game once every seat still in has revealed."""
        players = [s for s in self.seat_order if s not in st.forfeits]
        if not players or any(s not in st.reveals for s in players):
            return ""
        forfeits = [s for s in self.seat_order if s in st.forfeits]
        st.room_seed = room_seed_of([st.reveals[s] for s in players], forfeits)
        return self._start_or_undo(st, ctx)

    def _start_or_undo(self, st: FoldState, ctx: MoveContext) -> str:
        ctx = MoveContext(ctx.time_ms, ctx.epoch, ctx.index, self.seed_at(st, ctx.epoch, ctx.index))
        reason = self.start(st, ctx)
        if reason:  # leave the seed protocol as it was before this entry
            st.room_seed = b""
        return reason

    def _claim(self, st: FoldState, key: str, claimant: str, idle: set[str]) -> str | bool:
        """Record ``claimant``'s timeout claim under ``key``; True once the claims suffice
        (see the module docstring), False while more are needed, or the reason it is refused.
        """
        if self.trust == "local":
            return True  # one trusted process
        if claimant in idle:
            return "a seat cannot claim its own timeout"
        if claimant == self.witness:
            return True
        claims = st.claims.get(key, [])
        if claimant in claims:
            return f"peer {claimant} already claimed this timeout"
        claims = [*claims, claimant]
        st.claims[key] = claims
        others = self.holders - idle
        return len(others) >= 2 and others <= set(claims)

    def _seed_timeout(self, st: FoldState, entry: Entry, ctx: MoveContext) -> str:
        if not self.seed_timeout_ms:
            return "this room has no seed deadline"
        if not st.commits:
            return "the seed phase has not begun (no seat has committed)"
        if entry.time_ms - st.seed_started_ms < self.seed_timeout_ms:
            return (
                f"the seed phase has not timed out ({entry.time_ms - st.seed_started_ms} ms "
                f"of {self.seed_timeout_ms})"
            )
        players = [s for s in self.seat_order if s not in st.forfeits]
        committing = any(s not in st.commits for s in players)
        late = [s for s in players if s not in (st.reveals if not committing else st.commits)]
        if len(late) == len(players):
            return "no seat would be left in the game"
        got = self._claim(st, SEED_CLAIM, entry.actor, {self.holder[s] for s in late})
        if isinstance(got, str):
            return got
        if got:
            st.claims.pop(SEED_CLAIM, None)
            st.forfeits = [s for s in self.seat_order if s in st.forfeits or s in late]
            st.seed_started_ms = entry.time_ms
            if not committing:
                reason = self._seed_if_complete(st, ctx)
                if reason:
                    return reason
        return ""

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
        claims = st.claims.get(target)
        got = self._claim(st, target, entry.actor, {self.holder.get(target, "")} - {""})
        if isinstance(got, str):
            return got
        if not got:
            return ""
        reason = self.play(st, target, action, ctx)
        if reason:  # the claim that would have timed the turn out is refused whole
            if claims is None:
                st.claims.pop(target, None)
            else:
                st.claims[target] = claims
        return reason


def _refusal(exc: BaseException) -> str:
    if isinstance(exc, IllegalMoveError):
        return str(exc) or "illegal move"
    if isinstance(exc, CoreError):
        return f"the move failed in the core: {exc}"
    logger.error("game code raised while folding", exc_info=exc)
    return f"the game raised {type(exc).__name__}: {exc}"
