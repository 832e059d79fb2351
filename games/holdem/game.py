"""No-limit Texas hold'em (``texas_holdem_v1``; the upstream bridge's ``poker``): 2 to 10 seats.

Rules (as a card room plays them)
    Every seat starts with ``starting_stack`` chips (default 200, 100 big blinds). A hand:

    - **Button and blinds.** Seat 0 has the button in the first hand. The first seat left
      of the button posts the small blind (``small_blind``, default 1), the next the big
      blind (``big_blind``, default 2). Heads-up the button posts the small blind. A seat
      that cannot cover a blind posts what it has and is all-in; the bet to match is still
      the full big blind.
    - **The deal.** The deck (52 cards, shuffled with the room seed) deals one card at a
      time, two rounds, from the first seat left of the button.
    - **Streets.** Pre-flop, then the flop (three board cards), the turn and the river (one
      each), each after a burnt card, with a betting round on each street, then the
      showdown. Pre-flop the first seat left of the big blind acts first and the big blind
      last (it may raise when the others only call: its option). After the flop the first
      seat left of the button still in the hand acts first. Heads-up the button acts first
      pre-flop and last after the flop.
    - **Betting.** A betting round ends when every seat still able to bet has acted and
      matched the bet. A bet or raise must be at least the size of the street's last full
      bet or raise (a first bet at least the big blind); an all-in may be smaller. An
      all-in that raises by less than a full raise does not reopen the betting: a seat that
      has already acted on the street, facing less than a full raise since, may only call
      or fold. Several short all-ins that together reach a full raise do reopen it.
    - **Uncalled bets** return to the seat that made them (the part no other seat matched),
      at the end of each street and when the hand ends.
    - **Folding out.** When every seat but one has folded, that seat takes every pot at
      once (its cards are not shown).
    - **Run-out.** When no more betting is possible (every seat still in the hand but at
      most one is all-in), the rest of the board is dealt and the hands are shown.
    - **Showdown and pots.** The chips form a main pot and a side pot per all-in level;
      each pot goes to the best hand (best five of the seat's two cards and the board,
      :mod:`games.holdem.evaluator`) among the seats in it. Equal hands split it; the odd
      chips go one each to the tied seats in turn, from the first seat left of the button.
    - **Sessions.** ``hands`` (default 1) hands make an episode. After each, the button
      moves to the next seat with chips (seats with none sit out; there is no dead button),
      and the episode ends when the hands are played or one seat holds every chip. A move
      can end a hand and the next decision is then in the next hand (``hand_over`` says so).

    Randomness: setup shuffles the deck with its entry's seed; each next hand is shuffled
    with a seed derived from the move that dealt it (``MoveContext``), so replays deal the
    same cards.

Actions (the ids upstream HyperToken clients use)
    ===  =======================  ==================================================
    id   default (``actions=``)   ``actions="extended"``
    ===  =======================  ==================================================
    0    Fold                     Fold
    1    Check                    Check
    2    Call                     Call
    3    Raise half pot           Raise 1/3 pot
    4    Raise pot                Raise 1/2 pot
    5    All-in                   Raise 2/3 pot
    6                             Raise pot
    7                             Raise 1.5 pots
    8                             Raise 2 pots
    9                             All-in
    ===  =======================  ==================================================

    A raise of ``x`` pots first calls, then raises by ``x`` times the pot that makes (the
    pot counts every chip put in the hand, the street's bets included): the seat's bet
    becomes ``bet + floor(x * (pot + to_call))``. On a street without a bet it is a bet of
    ``floor(x * pot)``. Below the minimum raise it rounds up to it; at or above the seat's
    stack it is all-in. Several ids may make the same bet. Call with fewer chips than the
    bet puts the seat all-in for what it has.

    The legal mask holds only these: **Check** when there is nothing to call; **Fold** and
    **Call** when there is (folding when checking is free is not offered); every **raise**
    and **All-in** when the seat may raise: it has chips beyond a call, another seat can
    still answer, and the betting is open to it (the short all-in rule above).

    An unavailable action (still in range) is handled by the option ``illegal_action``:

    - ``"check_fold"`` (default, tolerant like blackjack's ``"stand"``): it is played as
      Check when checking is legal, else as Fold; ``infos()`` reports ``illegal_action``
      and ``played_as``;
    - ``"error"``: the Engine refuses it (``IllegalMoveError`` on a training engine, a
      rejected entry in a room) and nothing changes;
    - ``"penalty"``: it changes nothing but the seat's reward, which drops by ``PENALTY``
      (0.1) big blinds; the same seat moves again.

    The mask is the legal actions whatever the policy; under ``"check_fold"`` and
    ``"penalty"`` the Engine still accepts the other ids from the seat to act
    (``tolerates``). Rooms with human players should prefer ``"error"``.

Observation (``player_view``), float32, every entry in [0, 1]
    The upstream PokerAEC's 20 entries. ``T`` is every chip at the table (seats times
    ``starting_stack``, constant through an episode); cards are (rank, suit) pairs with
    rank ``(index in 23456789TJQKA + 1) / 13`` and suit ``(index in h d c s + 1) / 4``,
    0 for no card.

    =======  ==========  ============================================================
    0-3      hole cards  the seat's own two cards (never another seat's)
    4-13     board       the five board cards, as far as dealt
    14       pot         every chip put in this hand (bets included) / T
    15       my_chips    the seat's chips behind / T
    16       opp_chips   the other seats' chips behind, summed / T
    17       to_call     what the seat must add to match the bet / T
    18       street      0 pre-flop, 1 flop, 2 turn, 3 river, 4 showdown, 5 complete; / 5
    19       position    1 when the seat has the button
    =======  ==========  ============================================================

    Upstream divided stacks and the call by ``starting_stack`` (past 1 once a seat wins
    chips); here they are divided by ``T``, as upstream divided the pot (its
    ``2 * starting_stack`` is ``T`` heads-up), so every entry stays in [0, 1]. Heads-up,
    ``opp_chips`` is the opponent's stack.

    With ``rich_obs=True``, 34 more (shape 54), seats by offset from the seat (offset 0 is
    the seat itself, then to its left; offsets past the table are 0):

    =======  ============================================================================
    20-29    chips behind of each seat / T
    30-39    each seat's bet on this street / T
    40-49    each seat's state: 1 holds cards and may bet, 0.5 all-in, 0 folded or out
    50       cost of the smallest legal raise / T (0 when the seat may not raise now)
    51       cost of the largest (all-in) / T (0 when the seat may not raise now)
    52       seats at the table / 10
    53       the button's offset from the seat / 10
    =======  ============================================================================

Rewards
    Each seat's chip change over the episode, in big blinds: ``(chips behind + chips put
    in the current hand - starting_stack) / big_blind``, minus penalties. Chips in the pot
    count as the seat's until the hand is settled, so the reward moves only when a hand
    ends.

State in the World
    Every property is declared in :mod:`games.holdem.state`: the hand, button, street,
    seat to act, bet and minimum raise, board; per seat the stack, street bet, chips in the
    hand, status bits and hole cards. The cards are 52 tokens in the stack ``deck``; dealt
    cards (burns included) go onto its discards, and the deck is gathered and reshuffled
    for each hand.

Kernel
    In a World made by ``new_world()`` (the Engine's) the setup and every move run in the
    game's kernel (``kernel.zig``, compiled into the WASM module with the core), which
    also writes the seat to act, its mask, the chips and the default observations to
    linear memory (:mod:`games.holdem.fast`). The Python rules stay the reference: they
    play in plain Worlds and what the kernel declines (an unavailable action under
    "error" or "penalty"); a test compares both, move by move, by state hash.

Version history
    v1: first version (the upstream PokerAEC's actions and observation, to 10 seats).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from games.holdem.actions import (
    CALL,
    CHECK,
    FOLD,
    ILLEGAL_POLICIES,
    LAYOUTS,
    PENALTY,
    action_id,
    refusal,
)
from games.holdem.fast import KernelHost
from games.holdem.rules import Stakes, act, legal_bits, raise_to
from games.holdem.state import HAND_OVER, PEN, SB, ST, STK, TOT, Table
from games.holdem.table import WorldDealer, prepare_batch, restack, setup
from games.holdem.view import RICH_SIZE, hole_card_variants, observation, render
from games.kernels import module as kernel_module
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

_DEFAULTS: dict[str, Any] = {
    "small_blind": 1,
    "big_blind": 2,
    "starting_stack": 200,
    "hands": 1,
    "illegal_action": "check_fold",
    "actions": "default",
    "rich_obs": False,
}


class TexasHoldem(KernelHost, Game):
    """No-limit Texas hold'em for 2 to 10 seats. Options: ``small_blind`` (1),
    ``big_blind`` (2), ``starting_stack`` (200), ``hands`` (1), ``illegal_action``
    ("check_fold", "error" or "penalty"), ``actions`` ("default" or "extended") and
    ``rich_obs`` (False). The instance holds only this configuration.
    """

    info = GameInfo(
        name="texas_holdem",
        version=1,
        min_players=2,
        max_players=10,
        num_actions=6,
        observation_shape=(20,),
        information=Information.IMPERFECT,
        reward_range=(-100.0, 100.0),
        turn_order=TurnOrder.CUSTOM,
        chance=True,
    )

    def __init__(
        self,
        num_players: int | None = None,
        *,
        small_blind: int = 1,
        big_blind: int = 2,
        starting_stack: int = 200,
        hands: int = 1,
        illegal_action: str = "check_fold",
        actions: str = "default",
        rich_obs: bool = False,
    ) -> None:
        super().__init__(num_players)
        check_int_option("texas_holdem", "small_blind", small_blind, 1, 2**40)
        check_int_option("texas_holdem", "big_blind", big_blind, small_blind, 2**40)
        check_int_option("texas_holdem", "starting_stack", starting_stack, 1, 2**40)
        check_int_option("texas_holdem", "hands", hands, 1, 2**40)
        if illegal_action not in ILLEGAL_POLICIES:
            raise ValueError(
                f"texas_holdem illegal_action must be one of {ILLEGAL_POLICIES}, "
                f"not {illegal_action!r}"
            )
        if actions not in LAYOUTS:
            raise ValueError(
                f"texas_holdem actions must be 'default' or 'extended', not {actions!r}"
            )
        if type(rich_obs) is not bool:
            raise ValueError(f"texas_holdem rich_obs must be True or False, not {rich_obs!r}")
        given = {
            "small_blind": small_blind,
            "big_blind": big_blind,
            "starting_stack": starting_stack,
            "hands": hands,
            "illegal_action": illegal_action,
            "actions": actions,
            "rich_obs": rich_obs,
        }
        self.options = {k: v for k, v in given.items() if v != _DEFAULTS[k]}
        self.layout = LAYOUTS[actions]
        self.stakes = Stakes(small_blind, big_blind, starting_stack, hands, self.layout)
        self.illegal_action, self.rich_obs = illegal_action, rich_obs
        n = self.num_players
        total = n * starting_stack
        # Every full raise lifts the biggest contribution of the hand by at least a big
        # blind, so a hand has at most total/bb full raises plus one short all-in per seat;
        # between raises each seat acts at most once per street.
        per_hand = n * (total // big_blind + n + 4)
        self.info = dataclasses.replace(
            self.info,
            num_actions=self.layout.num_actions,
            observation_shape=(RICH_SIZE if rich_obs else 20,),
            reward_range=(
                -float("inf") if illegal_action == "penalty" else -starting_stack / big_blind,
                (total - starting_stack) / big_blind,
            ),
            max_length=0 if illegal_action == "penalty" else hands * per_hand,
        )
        self._kernel_setup(illegal_action != "check_fold")

    def new_world(self) -> World:
        """A World of the core module with this game's kernel linked in."""
        return World(module=kernel_module("holdem"))

    # ---- setup and turns ---------------------------------------------------------------

    def prepare(self, world: World) -> None:
        """Create the deck's 52 card tokens (seed-independent)."""
        if world.token_count():
            raise RuntimeError(
                "texas_holdem must be prepared in a World without tokens (card ids "
                "follow token ids, which then start at 1)"
            )
        world.apply(prepare_batch(), atomic=False)

    def setup(self, world: World, ctx: MoveContext) -> None:
        """Shuffle the deck with the entry's seed and deal the first hand."""
        kv = self._kernel_of(world)
        if kv is not None and kv.setup(ctx.seed):
            return  # the kernel shuffled and dealt, in one call (it declines without a deck)
        if not world.token_count():
            self.prepare(world)
            if kv is not None and kv.setup(ctx.seed):
                return
        setup(world, self.stakes, self.num_players, ctx.seed)

    def restack(self, world: World, cards: list[int], seed: int = 0) -> None:
        """Deal the current hand again from chosen cards (see
        :func:`games.holdem.table.restack`): for tests and demonstrations.
        """
        restack(world, self.stakes, self.num_players, cards, seed)

    def table(self, world: World) -> Table:
        """The table's state as plain values (read-only use)."""
        return Table.load(world, self.num_players)

    def current_player(self, world: World) -> str | None:
        """The seat to act, or None once the game is over."""
        state = world.kernel_state  # the hot path of _kernel, inline: called most often
        if type(state) is tuple and state[0] is self._kernel_config:
            kv = state[2]
            if kv is not None and kv.version == world._gen:
                return kv.player  # type: ignore[no-any-return]
        kv = self._kernel(world)
        if kv is not None:
            return kv.player
        i: int = world.property("actor")
        return None if i < 0 else self.seats[i]

    def legal_actions(self, world: World, seat: str) -> np.ndarray:
        """The legal actions of ``seat`` now (module docstring); all False when it is not
        to act.
        """
        mask: np.ndarray = self._mask(self._bits(world, seat)).copy()
        return mask

    def _bits(self, world: World, seat: str) -> int:
        """The seat's legal actions now, as bits."""
        kv = self._kernel(world)
        if kv is None:
            return legal_bits(self.table(world), self.stakes, self.seat_index(seat))
        if seat == kv.player:
            return kv.bits
        self.seat_index(seat)  # a clear error for a seat not at the table
        return 0

    def is_legal(self, world: World, seat: str, action: int) -> bool:
        """Whether ``action`` is in ``seat``'s mask now."""
        n = self.info.num_actions
        return (
            type(action) is int and 0 <= action < n and bool(self._bits(world, seat) >> action & 1)
        )

    def tolerates(self, world: World, seat: str, action: int) -> bool:
        """Under ``"check_fold"`` and ``"penalty"`` any id from the seat to act is accepted
        (and handled by that policy); under ``"error"`` nothing outside the mask is.
        """
        if self.illegal_action == "error" or type(action) is not int:
            return False
        if not 0 <= action < self.layout.num_actions:
            return False
        return self.current_player(world) == seat

    def apply(self, world: World, seat: str, action: int, ctx: MoveContext) -> None:
        """Play ``action`` for the seat to act (module docstring: the rules, and what an
        unavailable action does).
        """
        a = action_id(action, self.layout)
        kv = self._kernel(world)
        if kv is not None and kv.step(self.seat_index(seat), a, ctx.seed):
            return  # the kernel played it; else it declined and changed nothing
        t = self.table(world)
        if t.actor < 0:
            raise IllegalMove("the game is over")
        if self.seats[t.actor] != seat:
            raise IllegalMove(f"it is {self.seats[t.actor]}'s turn, not {seat!r}'s")
        t.flags &= ~HAND_OVER
        t.report = 0
        bits = legal_bits(t, self.stakes, t.actor)
        if not bits >> a & 1:
            if self.illegal_action == "error":
                raise IllegalMove(refusal(a, bits, self.layout))
            if self.illegal_action == "penalty":
                t.report = (a + 1) | t.actor << 8
                b = t.save(Batch()).game_set_property(
                    PEN[t.actor], world.property(PEN[t.actor], 0) + 1
                )
                world.apply(b, atomic=False)
                return
            played = CHECK if bits >> CHECK & 1 else FOLD
            t.report = (a + 1) | t.actor << 8 | (played + 1) << 16
            a = played
        dealer = WorldDealer(world)
        act(t, self.stakes, dealer, a, ctx.seed)
        world.apply(dealer.finish(t.save(Batch())), atomic=False)

    def is_over(self, world: World) -> bool:
        """The hands are played, or one seat holds every chip."""
        kv = self._kernel(world)
        return (int(world.property("actor")) if kv is None else kv.actor) < 0

    def hand_over(self, world: World) -> bool:
        """The last move ended a hand."""
        kv = self._kernel(world)
        return bool((world.property("flags") if kv is None else kv.flags) & HAND_OVER)

    def default_action(self, world: World, seat: str) -> int | None:
        """A timed-out seat checks when it can, else folds."""
        bits = self._bits(world, seat)
        return CHECK if bits >> CHECK & 1 else FOLD

    # ---- what seats see --------------------------------------------------------------

    def player_view(self, world: World, seat: str) -> np.ndarray:
        """The observation (module docstring); never another seat's hole cards."""
        if not self.rich_obs:
            kv = self._kernel(world)
            if kv is not None and seat in kv.obs:
                out: np.ndarray = kv.obs[seat].copy()
                return out
        return observation(self.table(world), self.stakes, self.seat_index(seat), self.rich_obs)

    def rewards(self, world: World) -> dict[str, float]:
        """Each seat's chip change in big blinds, minus penalties."""
        kv = self._kernel(world)
        if kv is not None:
            return dict(kv.rewards)
        start, bb = self.stakes.starting_stack, self.stakes.big_blind
        p = world.properties()
        return {
            seat: (p[STK[i]] + p[TOT[i]] - start) / bb - PENALTY * p.get(PEN[i], 0)
            for i, seat in enumerate(self.seats)
        }

    def infos(self, world: World) -> dict[str, dict[str, Any]]:
        """Per seat: ``stack`` (chips behind), ``bet`` (this street), ``status`` bits and,
        after a move outside the mask, ``illegal_action`` with ``played_as`` (policy
        "check_fold") or ``penalty`` (policy "penalty"). With the kernel, the same dicts
        until the World changes: copy them to change them.
        """
        kv = self._kernel(world)
        if kv is not None:
            if kv.infos is None:
                kv.infos = self._infos_of(kv.rows, kv.report)
            return kv.infos
        p = world.properties()
        rows = tuple((s, p[STK[i]], p[SB[i]], p[ST[i]]) for i, s in enumerate(self.seats))
        return self._infos_of(rows, p["report"])

    def _infos_of(
        self, rows: tuple[tuple[str, int, int, int], ...], report: int
    ) -> dict[str, dict[str, Any]]:
        """The infos of seats (name, chips behind, street bet, status) and a report."""
        out: dict[str, dict[str, Any]] = {
            seat: {"stack": a, "bet": b, "status": c} for seat, a, b, c in rows
        }
        if report:
            info = out[self.seats[report >> 8 & 255]]
            info["illegal_action"] = (report & 255) - 1
            if report >> 16:
                info["played_as"] = self.layout.names[(report >> 16) - 1]
            else:
                info["penalty"] = PENALTY
        return out

    def hidden_variants(self, world: World) -> list[tuple[str, World]]:
        """The table with another seat's hole card swapped for a card in the deck."""
        return hole_card_variants(world, self.seats)

    def render(self, world: World, seat: str | None = None) -> str:
        """Chips, bets, pots and the board (other seats' cards hidden when ``seat`` is
        given, until a showdown shows them).
        """
        return render(self.table(world), self.stakes, self.seats, seat)

    # ---- log names ---------------------------------------------------------------------

    def move_name(self, action: int) -> tuple[str, tuple[Any, ...]]:
        """The action's name (``fold``, ``check``, ``call``, ``raise_pot``, ...)."""
        return (self.layout.names[action_id(action, self.layout)], ())

    def describe_action(self, world: World, seat: str, action: int) -> str:
        """The move with its chips for ``seat`` now: ``call 4``, ``raise_pot to 12``,
        ``all_in 198`` (``hypertoken play``'s betting prompt).
        """
        name = self.layout.names[action_id(action, self.layout)]
        t = self.table(world)
        i = self.seat_index(seat)
        if action == CALL:
            return f"{name} {min(t.to_call(i), t.stack[i])}"
        if action in (FOLD, CHECK) or t.actor != i:
            return name
        target = raise_to(t, self.stakes, i, self.layout.sizes[action - 3])
        if target >= t.sbet[i] + t.stack[i]:
            return f"{name} {t.stack[i]}" if name == "all_in" else f"{name} (all in, {target})"
        return f"{name} to {target}"

    def parse_move(self, move: str, args: tuple[Any, ...]) -> int:
        """Inverse of :meth:`move_name`."""
        if move in self.layout.names and not args:
            return self.layout.names.index(move)
        raise IllegalMove(
            f"texas_holdem has no move {move} {list(args)} (it has "
            f"{', '.join(self.layout.names)}, without arguments)"
        )


__all__ = ["CALL", "CHECK", "FOLD", "TexasHoldem"]
