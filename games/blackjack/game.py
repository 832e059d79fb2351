"""Blackjack (``blackjack_v1``): one to six players against the dealer, from a shoe.

Rules
    A shoe of ``decks`` 52-card decks (default 6) is shuffled with the room seed. Each seat
    bets ``bet`` chips (default 10) from its bankroll (default 1000) and gets two cards face
    up; the dealer gets an upcard and a face-down hole card. Seats act in seat order; a
    seat plays its hands (more than one after a split) in the order they were made.

    - Blackjack (a two-card 21, not after a split) pays 3:2; a win pays 1:1; a push
      returns the bet. A hand that reaches 21 stands by itself.
    - Double on any first two cards, split hands included: the bet doubles and the hand
      gets exactly one more card.
    - Split two cards of equal rank (a king and a queen are not a pair), ``splits`` times
      per seat (default 1). Split aces get one card each and stand. 21 after a split is 21,
      not a blackjack.
    - Insurance: when the upcard is an ace, every seat in turn may insure for half its bet
      (actions Insurance or Stand = no insurance) before anyone plays. The dealer then
      peeks (with an ace or a ten-value card up); with blackjack the hand ends at once:
      insurance pays 2:1, a seat's blackjack pushes, every other hand loses its bet.
    - The dealer hits below 17 and stands on soft 17 (option ``h17=True``: hits it).
    - Wagers need chips: Double and Split need a bet's worth, Insurance half a bet; a seat
      whose bankroll is below the bet sits the hand out.
    - The shoe is reshuffled before a hand when fewer than ``(1 - penetration)`` of its
      cards remain (the cut card; default penetration 0.75), or when the next deal would
      not fit. Should the shoe run dry mid-hand, the discard pile is shuffled in; with no
      card left anywhere, seats may only stand and the dealer stands.
    - ``hands`` (default 1) hands are played; one episode is one hand by default. With more,
      each next hand is dealt as the last one is settled, so a move can end a hand and the
      next decision is already in the next hand (``hand_over`` says so).
    - A hand can need no decision at all: the dealer peeks a blackjack under a ten-value
      upcard (about 2.4% of hands), or every seat holds a blackjack. It settles as it is
      dealt, so with one hand per episode the game can be over right after setup.

    Randomness: setup shuffles the shoe with its entry's seed; a reshuffle uses the seed
    of the move that needs it (``MoveContext``), so replays deal the same cards.

Actions (the ids upstream HyperToken clients use)
    ===  =========  ==============================================================
    0    Hit        take a card
    1    Stand      end the hand; in the insurance round: decline insurance
    2    Double     double the bet, take one card, stand
    3    Split      split a pair into two hands
    4    Insurance  in the insurance round: insure for half the bet
    ===  =========  ==============================================================

    An action is *available* when it has an effect of its own: Hit and Stand on an open
    hand, Double on its first two cards, Split on a pair, Insurance in the insurance round
    (each with the chips it needs); with no card left anywhere, only Stand.
    ``available_actions(world, seat)`` is that mask, and observation entries 3-5 show it.
    An unavailable action (still in 0..4) is handled by the option ``illegal_action``:

    - ``"stand"`` (default, as upstream): it is played as Stand (in the insurance round:
      no insurance), and ``infos()`` reports ``illegal_action`` and ``played_as``;
    - ``"error"``: it is illegal: the Engine refuses it (``IllegalMoveError`` on a training
      engine, a rejected entry in a room) and nothing changes;
    - ``"penalty"``: it is accepted but changes nothing except that the seat's reward drops
      by ``PENALTY`` (0.1) bets; the same seat moves again; ``infos()`` reports it.

    The legal mask (``legal_actions``, an environment's ``action_mask``) is always the
    available actions, as the issue's clients expect; ``is_legal`` agrees with it. Under
    ``"stand"`` and ``"penalty"`` the Engine still accepts the other ids 0..4 from the seat
    to move (``tolerates``), so clients that sample without a mask behave as upstream,
    while masked training sees only real choices. Ids outside 0..4 are always refused.

    In a room the option is part of the rules every peer folds (it is in the room config):
    an accepted unavailable move is logged as it was sent and every peer plays it the same
    way. Rooms with human players should prefer ``"error"``, so a misclick is refused
    instead of standing.

Observation (``player_view``), float32, shape (7,), every entry in [0, 1]
    ====  ==============  ========================================================
    0     hand_value      best total of the seat's hand / 30 (a bust hand is at most 30)
    1     dealer_upcard   value of the dealer's upcard / 11 (ace = 11); never the hole card
    2     is_soft         1 if an ace counts 11 in the hand
    3     can_double      1 if Double is available to the seat now
    4     can_split       1 if Split is available to the seat now
    5     can_insurance   1 if Insurance is available to the seat now
    6     deck_ratio      cards left in the shoe / (52 * decks)
    ====  ==============  ========================================================

    Normalisation: the best total never exceeds 30 (a hand stops at 21, so at most hard 20
    plus a ten) and the upcard's value 11, hence the divisors; the flags are 0 or 1; the
    shoe never holds more than its 52 * decks cards. The hand is the one the seat is
    playing; when the seat is not to move, its first hand (all zeros if it sits the hand
    out), and flags 3-5 are 0. Upstream divided the dealer's *visible* total by 11, which
    leaves [0, 1] once the hole card is shown; this is the upcard alone, always in range.

Rewards
    Each seat's change in bankroll in bets: ``(bankroll + chips on the table - initial
    bankroll) / bet``, minus the penalties. The deal moves each bet from the bankroll to
    the table, doubles, splits and insurance move more, and settlement pays the returns
    back into the bankroll. Chips on the table count as the seat's until the hand is
    settled, so the reward moves only when a hand ends (and when insurance is lost at the
    peek): per hand with one split allowed, from -4.5 (a split, both hands doubled and
    lost, and insurance) to +4 bets.

State in the World
    Every property, container and bit is declared and documented in
    :mod:`games.blackjack.state` (the layout's page): ``s`` the packed table state, the
    hand count and insured seats, per seat its bankroll, stake, hand summaries and
    penalties; the cards are tokens in a shoe, a discard pile and one zone per hand. When
    the cards of the last hand stay on the table, the hole card is turned face up;
    earlier hands go face down into the discard pile.

Speed
    Each move is one World call. Moves run in the game's kernel
    (``games/blackjack/kernel.zig``): the Python planner (:mod:`games.blackjack.table`,
    :mod:`games.blackjack.move`, :mod:`games.blackjack.rules`) ported to Zig and compiled
    into the WASM module with the core, so one call from Python plans and applies a move,
    dealer play, settlement and the next deal included. Both read the packed state through
    the same declarations (:mod:`games.blackjack.state`; the kernel's are generated from
    them). The Python planner is the specification: both change the World alike, and a
    test compares state hashes move by move. The kernel runs in Worlds made by
    ``new_world()`` (the Engine's); in any other World every move takes the Python planner,
    with the same result. ``benchmarks/games_blackjack.py`` measures it beside
    gymnasium's ``Blackjack-v1``.

Version history
    v1: first version (the upstream bridge's actions and observation).
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

from games.blackjack.actions import (
    ACTION_NAMES,
    DOUBLE,
    HIT,
    ILLEGAL_POLICIES,
    INSURANCE,
    MASKS,
    PENALTY,
    SPLIT,
    STAND,
    action_id,
    refusal,
)
from games.blackjack.move import TableMove
from games.blackjack.state import (
    BANK,
    MAX_SPLITS,
    PENALTIES,
    STAKE,
    Phase,
    TableState,
    phase,
    to_move,
)
from games.blackjack.table import Table
from games.blackjack.view import Decision, decision, hole_card_variants, observation, render
from games.kernels import bind
from games.kernels import module as kernel_module
from hypertoken.core import Batch, World
from hypertoken.game import (
    Game,
    GameInfo,
    IllegalMove,
    Information,
    MoveContext,
    TrainingTables,
    TurnOrder,
    check_int_option,
)

#: ``bj_move``'s input: action, the move's shuffle seed, and the move's report when the
#: action was unavailable (``TableState`` fields ``illegal`` and ``mover``).
_KERNEL_MOVE = struct.Struct("<IIQ").pack
#: ``bj_start``'s input: the setup's shuffle seed.
_KERNEL_START = struct.Struct("<I").pack


class Blackjack(Game):
    """Blackjack for 1 to 6 seats. Options: ``decks`` (1..8, default 6), ``h17`` (False),
    ``splits`` (0..3, default 1), ``bankroll`` (1000), ``bet`` (even, default 10),
    ``penetration`` (0 < p <= 1, default 0.75), ``hands`` (default 1) and
    ``illegal_action`` ("stand", "error" or "penalty").

    The instance holds only this configuration (and :class:`~games.blackjack.table.Table`,
    the planner built from it).
    """

    info = GameInfo(
        name="blackjack",
        version=1,
        min_players=1,
        max_players=6,
        num_actions=5,
        observation_shape=(7,),
        information=Information.IMPERFECT,
        reward_range=(-4.5, 4.0),
        max_length=6 * (1 + 1 + 2 * 21),
        turn_order=TurnOrder.CUSTOM,
        chance=True,
    )

    def __init__(
        self,
        num_players: int | None = None,
        *,
        decks: int = 6,
        h17: bool = False,
        splits: int = 1,
        bankroll: int = 1000,
        bet: int = 10,
        penetration: float = 0.75,
        hands: int = 1,
        illegal_action: str = "stand",
    ) -> None:
        super().__init__(num_players)
        check_int_option("blackjack", "decks", decks, 1, 8)
        check_int_option("blackjack", "splits", splits, 0, MAX_SPLITS)
        check_int_option("blackjack", "bet", bet, 2, 2**40)
        if bet % 2:
            raise ValueError(
                f"blackjack bet must be even (3:2 payouts and half-bet insurance "
                f"are whole chips), not {bet}"
            )
        check_int_option("blackjack", "bankroll", bankroll, 0, 2**50)
        check_int_option("blackjack", "hands", hands, 1, 2**40)
        if type(h17) is not bool:
            raise ValueError(f"blackjack h17 must be True or False, not {h17!r}")
        if type(penetration) not in (int, float) or not 0 < penetration <= 1:
            raise ValueError(
                f"blackjack penetration must be a number in (0, 1], not {penetration!r}"
            )
        if illegal_action not in ILLEGAL_POLICIES:
            raise ValueError(
                f"blackjack illegal_action must be one of {ILLEGAL_POLICIES}, "
                f"not {illegal_action!r}"
            )
        self.decks, self.h17, self.splits = decks, h17, splits
        self.bankroll, self.bet, self.hands = bankroll, bet, hands
        self.penetration, self.illegal_action = float(penetration), illegal_action
        defaults = {
            "decks": 6,
            "h17": False,
            "splits": 1,
            "bankroll": 1000,
            "bet": 10,
            "penetration": 0.75,
            "hands": 1,
            "illegal_action": "stand",
        }
        given = {
            "decks": decks,
            "h17": h17,
            "splits": splits,
            "bankroll": bankroll,
            "bet": bet,
            "penetration": self.penetration,
            "hands": hands,
            "illegal_action": illegal_action,
        }
        self.options = {k: v for k, v in given.items() if v != defaults[k]}
        per_hand = (splits + 1) * 2 + 0.5
        # Per seat and hand: an insurance decision, the splits, and at most 21 decisions per
        # hand (20 hits from a hard 2, one card each, then a stand).
        length = hands * self.num_players * (1 + splits + (splits + 1) * 21)
        self.info = dataclasses.replace(
            self.info,
            reward_range=(
                -float("inf") if illegal_action == "penalty" else -per_hand * hands,
                (splits + 1) * 2.0 * hands,
            ),
            max_length=0 if illegal_action == "penalty" else length,
        )
        self.table = Table(
            self.num_players,
            decks=decks,
            h17=h17,
            splits=splits,
            bankroll=bankroll,
            bet=bet,
            penetration=self.penetration,
            hands=hands,
        )
        t = self.table
        #: ``bj_configure``'s input (see games/blackjack/kernel.zig).
        self._kernel_config = struct.pack(
            "<IIIIqqq", t.n, int(h17), t.cut, splits + 1, t.bet, hands, t.extra
        )

    def new_world(self) -> World:
        """A World of the core module with this game's kernel linked in."""
        return World(module=kernel_module("blackjack"))

    def kernel(self, world: World) -> Callable[[bytes], int] | None:
        """The kernel's move function in ``world`` (configured for this table on first
        use), or None when the World's module has no blackjack kernel.
        """
        fns = self._kernel_fns(world)
        return None if fns is None else fns[0]

    def _kernel_fns(self, world: World) -> tuple[Callable[[bytes], int], ...] | None:
        """``(bj_move, bj_deal, bj_start)`` in ``world``, or None (see ``games.kernels.bind``)."""
        return bind(
            world,
            self._kernel_config,
            ("bj_move", "bj_deal", "bj_start"),
            ("bj_configure", self._kernel_config),
        )

    def training_tables(self, count: int, seat: int) -> TrainingTables | None:
        """``count`` tables in the game's training module (:mod:`games.blackjack.tables`),
        for one hand per episode and the policies "stand" and "error"; else None.
        """
        from games.blackjack.tables import BlackjackTables, unsupported

        if unsupported(self) is not None:
            return None
        return BlackjackTables(self, count, seat)

    # ---- setup and turns ---------------------------------------------------------------

    def prepare(self, world: World) -> None:
        """Create the properties, containers and the shoe's cards (seed-independent)."""
        if world.token_count():
            raise RuntimeError(
                "blackjack must be prepared in a World without tokens (its "
                "card ranks follow token ids, which then start at 1)"
            )
        world.apply(self.table.setup_batch(), atomic=False)  # the Engine restores on failure

    def setup(self, world: World, ctx: MoveContext) -> None:
        """Shuffle the prepared shoe with the entry's seed and deal the first hand
        (preparing the World first if nobody did).
        """
        if not world.token_count():
            self.prepare(world)
        fns = self._kernel_fns(world)
        if fns is not None and not fns[2](_KERNEL_START(ctx.seed)):
            return  # the kernel shuffled and dealt it, in one call
        world.source_shuffle("shoe", ctx.seed)
        if fns is not None and not fns[1](_KERNEL_MOVE(0, ctx.seed, 0)):
            return  # the kernel dealt it
        m = TableMove(world, ctx)
        m.finish(self.table.deal(m, 0))

    def current_player(self, world: World) -> str | None:
        """The seat to move, or None once the game is over."""
        i = to_move(world.property("s"))
        return None if i is None else self.seats[i]

    def legal_actions(self, world: World, seat: str) -> np.ndarray:
        """The available actions of ``seat`` now (module docstring); all False when it is
        not to move. This is the mask, whatever the ``illegal_action`` policy.
        """
        s: int = world.property("s")
        i = to_move(s)
        bits = 0 if i is None or self.seats[i] != seat else self.table.mask(world, s)
        mask: np.ndarray = MASKS[bits].copy()
        return mask

    def available_actions(self, world: World, seat: str) -> np.ndarray:
        """The actions with an effect of their own for ``seat`` now: the legal mask (kept
        under this name for callers that predate :meth:`tolerates`).
        """
        return self.legal_actions(world, seat)

    def is_legal(self, world: World, seat: str, action: int) -> bool:
        """Whether ``action`` is available to ``seat`` now (agrees with the mask; one
        property read).
        """
        s: int = world.property("s")
        i = to_move(s)
        if i is None or self.seats[i] != seat:
            return False
        if type(action) is not int or not 0 <= action < 5:
            return False
        return bool(self.table.mask(world, s) >> action & 1)

    def tolerates(self, world: World, seat: str, action: int) -> bool:
        """Under ``illegal_action="stand"`` (the default) or ``"penalty"``, any id 0..4 from
        the seat to move is accepted and handled by that policy; under ``"error"`` nothing
        outside the mask is.
        """
        if self.illegal_action == "error" or type(action) is not int or not 0 <= action < 5:
            return False
        i = to_move(world.property("s"))
        return i is not None and self.seats[i] == seat

    def apply(self, world: World, seat: str, action: int, ctx: MoveContext) -> None:
        """Play ``action`` for the seat to move (see the module docstring for the rules and
        for actions outside the mask).
        """
        a = action if type(action) is int and 0 <= action < 5 else action_id(action)
        s: int = world.property("s")
        i = to_move(s)
        if i is None:
            raise IllegalMove("the game is over")
        if self.seats[i] != seat:
            raise IllegalMove(f"it is {self.seats[i]}'s turn, not {seat!r}'s")
        table = self.table
        mask = table.mask(world, s)
        report = 0  # the move's own report in the new state: an unavailable action
        if not mask >> a & 1:
            if self.illegal_action == "error":
                raise IllegalMove(refusal(a, mask, phase(s) is Phase.INSURE))
            report = TableState.pack(illegal=a + 1, mover=i)
            if self.illegal_action == "penalty":  # nothing happens but the penalty
                low = TableState.low.get(s)
                s2 = TableState.replace(TableState.per_move.clear(s), low=low) | report
                world.apply(
                    Batch()
                    .game_set_property(PENALTIES[i], world.property(PENALTIES[i], 0) + 1)
                    .game_set_property("s", s2),
                    atomic=False,
                )
                return
            a = STAND
        state = world.kernel_state
        fns = (
            state[1]
            if type(state) is tuple and state[0] is self._kernel_config
            else self._kernel_fns(world)
        )
        if fns is not None and not fns[0](_KERNEL_MOVE(a, ctx.seed, report)):
            return  # the kernel played it; else it declined and changed nothing
        m = TableMove(world, ctx)
        if phase(s) is Phase.INSURE:
            s2 = table.insure(m, s, a == INSURANCE)
        elif a == HIT:
            s2 = table.hit(m, s)
        elif a == STAND:
            s2 = table.stand(m, s)
        elif a == DOUBLE:
            s2 = table.double(m, s)
        else:
            s2 = table.split(m, s)
        m.finish(s2 | report, s)  # a new state's report fields are clear

    def is_over(self, world: World) -> bool:
        """Every hand is played, or no seat can afford a bet."""
        return to_move(world.property("s")) is None

    def hand_over(self, world: World) -> bool:
        """The last move ended a hand (it settled)."""
        return bool(TableState.hand_over.get(world.property("s")))

    def default_action(self, world: World, seat: str) -> int | None:
        """A timed-out seat stands (in the insurance round: declines insurance)."""
        return STAND

    # ---- what seats see --------------------------------------------------------------

    def player_view(self, world: World, seat: str) -> np.ndarray:
        """The 7-element observation (module docstring); never the hole card."""
        return observation(self.table, world, self.seat_index(seat))

    def decision(self, world: World, seat: str) -> Decision:
        """The seat's decision in basic-strategy terms (for bots); the seat must be to move."""
        s: int = world.property("s")
        i = to_move(s)
        if i is None or self.seats[i] != seat:
            raise ValueError(f"{seat!r} is not to move")
        return decision(self.table, world, s)

    def rewards(self, world: World) -> dict[str, float]:
        """Each seat's change in bankroll in bets, minus penalties."""
        prop = world.property
        base, bet = self.bankroll, self.bet
        if self.illegal_action != "penalty":  # only that policy records penalties
            return {
                seat: (prop(BANK[i]) + prop(STAKE[i]) - base) / bet
                for i, seat in enumerate(self.seats)
            }
        return {
            seat: (prop(BANK[i]) + prop(STAKE[i]) - base) / bet - PENALTY * prop(PENALTIES[i], 0)
            for i, seat in enumerate(self.seats)
        }

    def infos(self, world: World) -> dict[str, dict[str, Any]]:
        """Per seat: ``bankroll`` (chips off the table), ``stake`` (chips wagered now) and,
        when the seat's last move was outside the mask, ``illegal_action`` with
        ``played_as`` (policy "stand") or ``penalty`` (policy "penalty").
        """
        prop = world.property
        out: dict[str, dict[str, Any]] = {
            seat: {"bankroll": prop(BANK[i]), "stake": prop(STAKE[i])}
            for i, seat in enumerate(self.seats)
        }
        illegal = TableState.illegal.get(prop("s"))
        if illegal:
            info = out[self.seats[TableState.mover.get(prop("s"))]]
            info["illegal_action"] = illegal - 1
            if self.illegal_action == "stand":
                info["played_as"] = "stand"
            else:
                info["penalty"] = PENALTY
        return out

    def hidden_variants(self, world: World) -> list[tuple[str, World]]:
        """The table with the dealer's hole card swapped (see ``hole_card_variants``)."""
        return hole_card_variants(world, self.seats)

    def render(self, world: World, seat: str | None = None) -> str:
        """The dealer's cards (the hole card as ?? until revealed), then every seat's hands."""
        return render(world, self.seats)

    # ---- log names ---------------------------------------------------------------------

    def move_name(self, action: int) -> tuple[str, tuple[Any, ...]]:
        """``hit``, ``stand``, ``double``, ``split`` or ``insurance``."""
        return (ACTION_NAMES[action_id(action)], ())

    def parse_move(self, move: str, args: tuple[Any, ...]) -> int:
        """Inverse of :meth:`move_name`."""
        if move in ACTION_NAMES and not args:
            return ACTION_NAMES.index(move)
        raise IllegalMove(
            f"blackjack has no move {move} {list(args)} (it has "
            f"{', '.join(ACTION_NAMES)}, without arguments)"
        )


__all__ = [
    "ACTION_NAMES",
    "DOUBLE",
    "HIT",
    "INSURANCE",
    "PENALTY",
    "SPLIT",
    "STAND",
    "Blackjack",
    "Decision",
]
