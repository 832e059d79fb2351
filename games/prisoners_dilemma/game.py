"""Prisoner's dilemma (``prisoners_dilemma_v1``): the iterated two-player dilemma, played
simultaneously; the Parallel-environment game.

Rules
    Two seats play ``rounds`` rounds (default 100). In each round both seats choose, blind,
    to cooperate or defect; the round resolves when both have chosen, in either order.
    Before that neither sees the other's choice, and a seat that has chosen waits (its
    legal mask is empty) until the round resolves. Each seat then scores by the payoff
    table, from its own point of view:

    ==========  =========  ======  ===========================
    mine        theirs     score   option (default)
    ==========  =========  ======  ===========================
    cooperate   cooperate  R       ``reward`` (3)
    cooperate   defect     S       ``sucker`` (0)
    defect      cooperate  T       ``temptation`` (5)
    defect      defect     P       ``punishment`` (1)
    ==========  =========  ======  ===========================

    The payoffs may be ints or floats with T > R > P > S. With the ``noise`` option
    (probability p, default 0) each seat's choice is flipped with probability p,
    independently, when the round resolves: seat i's choice flips when
    ``ctx.seed_for(i + 1) < p * 2**32``, where ``ctx`` is the resolving entry's
    ``MoveContext``, so a match is deterministic per room or episode seed. Everything after
    that (scores, histories, observations) uses the moves as actually played.

Options
    ``rounds`` (1..1,000,000, default 100), ``noise`` (0..1, default 0), and the payoffs
    ``temptation``, ``reward``, ``punishment``, ``sucker`` (default 5, 3, 1, 0). Bad values
    raise ValueError naming the option. ``chance``, ``max_length`` (2 moves a round) and
    ``reward_range`` follow the options.

Actions
    ========  ==========  ====================
    0         cooperate   log move ``cooperate``
    1         defect      log move ``defect``
    ========  ==========  ====================

Observation (``player_view``), float32, shape (5,)
    ====  ==================================================================
    0     the seat's own last move (0 C, 1 D; 0.5 before the first round)
    1     the opponent's last move (same encoding)
    2     the seat's score, normalised: (score - S*rounds) / ((T - S)*rounds)
    3     the opponent's score, normalised the same way
    4     the round fraction: rounds played / rounds
    ====  ==================================================================

    The same layout as upstream HyperToken's ``PrisonersDilemmaParallel``. A choice made
    this round is not in any view until the round resolves: not the opponent's, and not
    the seat's own. (In a networked room the signed move itself is in the shared log, so
    blind play between peers who do not trust each other needs commit-reveal moves, which
    v1 does not have; training and local play are blind.)

Rewards
    Each seat's total score so far (``rewards`` is cumulative); per round one of T, R, P, S,
    so a match's totals lie in S*rounds .. T*rounds.

State in the World (game properties, few, because each is found by a scan)
    ``choices``: this round's pending choices (bit 1 set once seat 0 has chosen, bit 0 its
    action; bits 3 and 2 the same for seat 1), or 26 once the match is over (no seat may
    choose). ``match``: bits 0..19 the rounds played, bits 20.. the current block of up to
    19 rounds, 2 bits a round (seat 0's move, then seat 1's), whose last entry is the last
    round. ``tally``: how many rounds ended CC, CD and DC from seat 0's side (20 bits each;
    DD is the rest), which gives both scores exactly. ``hist.K``: the earlier, full blocks.
    :func:`history` decodes the moves. A choice is one World call; the second choice of a
    round resolves it in that same call (one batch).

Speed
    In a World made by ``new_world()`` (the Engine's) a choice runs in the game's kernel
    (``games/prisoners_dilemma/kernel.zig``, compiled into the WASM module with the core):
    the same actions as the Python rules, which stay the reference (a test compares state
    hashes after every move) and play in any other World.

Version history
    v1: first version.
"""

from __future__ import annotations

import dataclasses
import math
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

from games.kernels import bind
from games.kernels import module as kernel_module
from games.prisoners_dilemma.payoffs import Payoffs
from hypertoken.core import Batch, World
from hypertoken.game import (
    Game,
    GameInfo,
    IllegalMove,
    Information,
    MoveContext,
    TurnOrder,
    check_int_option,
)

COOPERATE, DEFECT = 0, 1
#: The most rounds a match may have (counts are packed in 20 bits).
MAX_ROUNDS = 1_000_000
#: Rounds per history block (2 bits each, above the 20-bit round count of ``match``).
BLOCK = 19

_MOVES = ("cooperate", "defect")
_BITS = 20
_MASK = (1 << _BITS) - 1
#: ``choices`` once the match is over: both "chosen" bits set, so no seat may choose.
_OVER = 0b11010
#: The first choice of a round only sets ``choices``: one pre-encoded batch per value.
_CHOSEN = {v: Batch().game_set_property("choices", v) for v in (0b10, 0b11, 0b1000, 0b1100)}
_NEXT_ROUND = Batch().game_set_property("choices", 0)
_LAST_ROUND = Batch().game_set_property("choices", _OVER)
#: ``pd_choose``'s input: seat, action, seed, padding, rounds, flip threshold.
_KERNEL_CHOICE = struct.Struct("<IIIIqd").pack
#: This game's key in ``World.kernel_state`` (the kernel has no settings to configure).
_KERNEL = "prisoners_dilemma"


def _kernel(world: World) -> tuple[Callable[[bytes], int], ...] | None:
    """``(pd_choose,)`` in ``world``, or None (see ``games.kernels.bind``)."""
    return bind(world, _KERNEL, ("pd_choose",))


def _number(name: str, value: Any) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ValueError(f"prisoners_dilemma {name} must be a finite int or float, not {value!r}")
    return float(value)


class PrisonersDilemma(Game):
    """The iterated prisoner's dilemma for two seats, moving simultaneously.

    Options: ``rounds`` (1..1,000,000, default 100), ``noise`` (flip probability 0..1,
    default 0), and the payoffs ``temptation``, ``reward``, ``punishment``, ``sucker``
    (default 5, 3, 1, 0; T > R > P > S).
    """

    info = GameInfo(
        name="prisoners_dilemma",
        version=1,
        min_players=2,
        max_players=2,
        num_actions=2,
        observation_shape=(5,),
        information=Information.IMPERFECT,
        reward_range=(0.0, 500.0),
        max_length=200,
        turn_order=TurnOrder.ANY,
        chance=False,
        simultaneous=True,
    )

    def __init__(
        self,
        num_players: int | None = None,
        *,
        rounds: int = 100,
        noise: float = 0.0,
        temptation: float = 5,
        reward: float = 3,
        punishment: float = 1,
        sucker: float = 0,
    ) -> None:
        super().__init__(num_players)
        check_int_option("prisoners_dilemma", "rounds", rounds, 1, MAX_ROUNDS)
        p = _number("noise", noise)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"prisoners_dilemma noise is a probability in 0..1, not {noise!r}")
        given = {
            "temptation": temptation,
            "reward": reward,
            "punishment": punishment,
            "sucker": sucker,
        }
        for name, value in given.items():
            _number(name, value)
        self.payoffs = Payoffs(temptation, reward, punishment, sucker)
        self.rounds = rounds
        self.noise = p
        # Flip a seat's choice when a 32-bit draw falls below this (never at 0, always at 1).
        self._flip_below = p * 2.0**32
        self._index = {seat: i for i, seat in enumerate(self.seats)}
        defaults = {"temptation": 5, "reward": 3, "punishment": 1, "sucker": 0}
        self.options = {k: v for k, v in given.items() if v != defaults[k]}
        if rounds != 100:
            self.options["rounds"] = rounds
        if p:
            self.options["noise"] = p
        pay = self.payoffs
        self.info = dataclasses.replace(
            self.info,
            reward_range=(float(pay.S) * rounds, float(pay.T) * rounds),
            max_length=2 * rounds,
            chance=p > 0,
        )
        # Score of seat 0 and seat 1 per outcome, indexed by 2 * move0 + move1.
        self._table = ((pay.R, pay.R), (pay.S, pay.T), (pay.T, pay.S), (pay.P, pay.P))

    # ---- reading the World -------------------------------------------------------------

    def _seat(self, seat: str) -> int:
        i = self._index.get(seat)
        if i is None:
            raise ValueError(
                f"prisoners_dilemma has no seat {seat!r} (seats: {', '.join(self.seats)})"
            )
        return i

    def rounds_played(self, world: World) -> int:
        """How many rounds have resolved."""
        return int(world.property("match")) & _MASK

    def last_moves(self, world: World) -> tuple[int, int] | None:
        """Both seats' moves in the last resolved round (as played), or None before it."""
        match = int(world.property("match"))
        played = match & _MASK
        if not played:
            return None
        bits = match >> _BITS + 2 * ((played - 1) % BLOCK)
        return (bits & 1, (bits >> 1) & 1)

    def scores(self, world: World) -> tuple[float, float]:
        """Both seats' total scores (exact: computed from the outcome counts)."""
        played = int(world.property("match")) & _MASK
        tally = int(world.property("tally"))
        cc, cd, dc = tally & _MASK, (tally >> _BITS) & _MASK, tally >> 2 * _BITS
        dd = played - cc - cd - dc
        t = self._table
        return (
            cc * t[0][0] + cd * t[1][0] + dc * t[2][0] + dd * t[3][0],
            cc * t[0][1] + cd * t[1][1] + dc * t[2][1] + dd * t[3][1],
        )

    # ---- the Game hooks ------------------------------------------------------------------

    def setup(self, world: World, ctx: MoveContext) -> None:
        """Round 0, nothing chosen. ``choices`` is created first so it is found first."""
        world.apply(
            Batch()
            .game_set_property("choices", 0)
            .game_set_property("match", 0)
            .game_set_property("tally", 0)
        )

    def legal_actions(self, world: World, seat: str) -> np.ndarray:
        """Both actions, unless the seat has chosen this round or the match is over."""
        i = self._seat(seat)
        return np.full(2, not int(world.property("choices")) & (2 << 2 * i), dtype=bool)

    def is_legal(self, world: World, seat: str, action: int) -> bool:
        """The seat has not chosen this round and the match goes on (one property read)."""
        i = self._seat(seat)
        return (
            type(action) is int
            and 0 <= action <= 1
            and not int(world.property("choices")) & (2 << 2 * i)
        )

    def apply(self, world: World, seat: str, action: int, ctx: MoveContext) -> None:
        """Record the choice; the second choice of a round resolves it in one batch.
        (The kernel, ``games/prisoners_dilemma/kernel.zig``, ports what follows the
        checks; a change here needs the same change there.)
        """
        i = self._seat(seat)
        if type(action) is not int or not 0 <= action <= 1:
            raise IllegalMove(
                f"prisoners_dilemma has actions 0 (cooperate) and 1 (defect), not {action!r}"
            )
        choices = int(world.property("choices"))
        if choices == _OVER:
            raise IllegalMove(f"the match is over ({self.rounds} rounds played)")
        if choices & (2 << 2 * i):
            raise IllegalMove(f"{seat} has already chosen this round")
        state = world.kernel_state
        fns = state[1] if type(state) is tuple and state[0] is _KERNEL else _kernel(world)
        if fns is not None and not fns[0](
            _KERNEL_CHOICE(i, action, ctx.seed, 0, self.rounds, self._flip_below)
        ):
            return  # the kernel played it
        choices |= (2 | action) << 2 * i
        if not choices & (2 << 2 * (1 - i)):  # the other seat has yet to choose
            world.apply(_CHOSEN[choices])
            return
        a0, a1 = choices & 1, (choices >> 2) & 1
        if self._flip_below:
            if ctx.seed_for(1) < self._flip_below:
                a0 ^= 1
            if ctx.seed_for(2) < self._flip_below:
                a1 ^= 1
        match = int(world.property("match"))
        played = match & _MASK
        block = match >> _BITS
        b = Batch().extend(_LAST_ROUND if played + 1 >= self.rounds else _NEXT_ROUND)
        pos = played % BLOCK
        if pos == 0 and played:  # the block is full: file it and start the next
            b.game_set_property(f"hist.{played // BLOCK - 1}", block)
            block = 0
        block |= (a0 | a1 << 1) << 2 * pos
        # Written as deltas: within a block they take few distinct values, so their
        # encodings are memoised (and the tally needs no read at all).
        b.game_add_property("match", (played + 1 | block << _BITS) - match)
        outcome = 2 * a0 + a1
        if outcome < 3:  # DD is not counted: it is the rest
            b.game_add_property("tally", 1 << _BITS * outcome)
        world.apply(b)

    def new_world(self) -> World:
        """A World of the core module with this game's kernel linked in."""
        return World(module=kernel_module("prisoners_dilemma"))

    def player_view(self, world: World, seat: str) -> np.ndarray:
        """Last moves, normalised scores and the round fraction, from ``seat``'s side.
        ``choices`` (this round's pending choices) is never read.
        """
        i = self._seat(seat)
        played = self.rounds_played(world)
        last = self.last_moves(world)
        s = self.scores(world)
        pay, n = self.payoffs, self.rounds
        low, span = pay.S * n, (pay.T - pay.S) * n
        mine, theirs = (0.5, 0.5) if last is None else (last[i], last[1 - i])
        return np.array(
            [mine, theirs, (s[i] - low) / span, (s[1 - i] - low) / span, played / n],
            dtype=np.float32,
        )

    def rewards(self, world: World) -> dict[str, float]:
        """Each seat's total score so far."""
        s0, s1 = self.scores(world)
        return {self.seats[0]: float(s0), self.seats[1]: float(s1)}

    def is_over(self, world: World) -> bool:
        """Every round is played."""
        return int(world.property("choices")) == _OVER

    def move_name(self, action: int) -> tuple[str, tuple[Any, ...]]:
        """``cooperate`` or ``defect`` (no arguments)."""
        return (_MOVES[action], ())

    def parse_move(self, move: str, args: tuple[Any, ...]) -> int:
        """Inverse of :meth:`move_name`."""
        if move in _MOVES and not args:
            return _MOVES.index(move)
        raise IllegalMove(
            f"prisoners_dilemma has no move {move} {list(args)} (it has cooperate and defect)"
        )

    def render(self, world: World, seat: str | None = None) -> str:
        """Round, scores, and both histories as C/D strings; pending choices show only as
        who is still to choose (which the legal masks tell anyway).
        """
        h0, h1 = history(world)
        s0, s1 = self.scores(world)
        choices = int(world.property("choices"))
        lines = [f"round {len(h0)}/{self.rounds}  {self.seats[0]} {s0:g}  {self.seats[1]} {s1:g}"]
        lines += [
            f"{s}: {''.join('CD'[m] for m in h)}" for s, h in zip(self.seats, (h0, h1), strict=True)
        ]
        if choices != _OVER:
            waiting = [s for i, s in enumerate(self.seats) if not choices & (2 << 2 * i)]
            lines.append(f"to choose: {', '.join(waiting)}")
        return "\n".join(lines)


def history(world: World) -> tuple[list[int], list[int]]:
    """Both seats' moves as played, oldest first, decoded from the World."""
    match = int(world.property("match"))
    played = match & _MASK
    filed = (played - 1) // BLOCK if played else 0
    blocks = [int(world.property(f"hist.{k}")) for k in range(filed)]
    blocks.append(match >> _BITS)
    h0: list[int] = []
    h1: list[int] = []
    for k in range(played):
        bits = blocks[k // BLOCK] >> 2 * (k % BLOCK)
        h0.append(bits & 1)
        h1.append((bits >> 1) & 1)
    return h0, h1
