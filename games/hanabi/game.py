"""Hanabi (``hanabi_v1``): the cooperative card game, as the Hanabi Learning Environment
plays and scores it.

Rules
    Two to five players build five fireworks, one per colour (red, yellow, green, white,
    blue), each from 1 up to 5. The deck has 50 cards: per colour, ranks 1 1 1 2 2 3 3 4 4
    5. Each player holds 5 cards with 2 or 3 players, 4 with 4 or 5, and sees every hand
    but its own. The team has 8 information tokens and 3 life tokens. Seats move in turn
    (round robin, ``player_0`` first); a move is one of:

    - **play** a card: it is placed if it is the next rank of its colour's firework,
      otherwise it is discarded and a life is lost. Completing a firework (placing a 5)
      regains an information token, unless all 8 are there;
    - **discard** a card (not while all 8 information tokens are there): regains one;
    - **hint** another player a colour or a rank (costs an information token; none at 0):
      every card of that colour or rank in that hand is pointed out, so the player learns
      which cards are and which are not. A hint must touch at least one card.

    After a play or a discard the player draws the deck's top card, if any. New cards go
    to the newest slot: slot 0 is always the oldest card. The game ends when all five
    fireworks are complete (25), when the third life is lost, or one full round after the
    deck runs out (once the last card is drawn, every player, the one who drew it
    included, makes one more move).

    The score is the sum of the fireworks' heights; when the third life is lost it is 0
    (option ``lose_all_on_fail``, default True, as HLE scores; False keeps the fireworks).

    Randomness: the setup shuffles the deck with its entry's seed; nothing else is random.

Actions (a fixed layout per player count, HLE's order; ``o`` = 1..n-1 seats on)
    ==============================  ======================================================
    ``0 .. H-1``                    discard the card in slot i
    ``H .. 2H-1``                   play the card in slot i - H
    ``2H + 5(o-1) + c``             hint colour c (0 R, 1 Y, 2 G, 3 W, 4 B) to player +o
    ``2H + 5(n-1) + 5(o-1) + r``    hint rank r + 1 to player +o
    ==============================  ======================================================

    ``H`` is the hand size. ``num_actions`` is ``2H + 10(n-1)``: 20 with two players (the
    class's ``info``, for the default player count), 30 with three, 38 with four, 48 with
    five; an instance's ``info`` holds its own count. The mask holds exactly the legal
    moves of the seat to move (all 0 for the others and once the game is over). In the
    log a move reads ``discard [slot]``, ``play [slot]``, ``hint_colour [o, "R"]`` or
    ``hint_rank [o, 1..5]``.

Observation (``player_view``), float32, every entry in [0, 1]
    Offsets depend on ``n`` and ``H``; :class:`games.hanabi.view.ObservationLayout` holds
    them. Seats are written as offsets from the observer (0 = itself, 1 = next).

    ========================  ============  ===============================================
    section                   entries       content
    ========================  ============  ===============================================
    other hands               (n-1)·H·25    per player +1..+n-1, per slot: the card one-hot
                                            (colour · 5 + rank - 1); all 0 for no card
    fireworks                 25            per colour, 5 entries: 1 for each placed rank
    information tokens        8             thermometer: entry k is 1 when more than k
    life tokens               3             thermometer
    deck                      1             cards in the deck / cards after the deal
    discards                  50            per colour 10 entries (ranks 1 1 1 2 2 3 3 4 4
                                            5): 1 for each discarded copy
    last move: kind           4             one-hot: play, discard, hint colour, hint rank
    last move: mover          n             one-hot offset
    last move: target         n             one-hot offset (hints)
    last move: hint colour    5             one-hot (colour hints)
    last move: hint rank      5             one-hot (rank hints)
    last move: touched slots  H             the target's slots the hint touched
    last move: slot           H             one-hot: the slot played or discarded
    last move: card           25            one-hot: the card played or discarded
    last move: placed         1             the play succeeded
    last move: bonus          1             the play completed a firework and regained a
                                            token
    knowledge                 n·H·13        per player +0..+n-1, per slot: the 5 colours
                                            and 5 ranks the card may still be (from every
                                            hint, positive and negative), a colour hint
                                            touched it, a rank hint touched it, the slot
                                            holds a card
    ========================  ============  ===============================================

    That is 397 entries for two players, 589 for three, 652 for four, 806 for five. The
    observer's own cards appear nowhere: only its knowledge of them (the contract
    suite's leak check swaps them and compares views).

Rewards
    Shared: every seat's reward is the current score, so each step's reward is the change
    in score (+1 per card placed; minus the whole score on the third life lost, with
    ``lose_all_on_fail``). The range is 0..25.

Options
    ``lose_all_on_fail`` (bool, default True): the score drops to 0 when the third life
    is lost.

State in the World
    Declared in :mod:`games.hanabi.state`: 50 card tokens in stack ``deck``, the seats'
    inventories, stack ``fireworks`` and stack ``discard``; packed game properties ``s``
    (tokens, fireworks, deck count, the last round's countdown, seat to move, end),
    ``h{i}`` (hands, as token ids by slot), ``k{i}`` (hint knowledge), ``d`` (discard
    counts) and ``last`` (the last move). Each move is one property read and one batch.

Kernel
    In a World made by ``new_world()`` (the Engine's) the setup, every move, the mask and
    the observation run in the game's kernel (``games/hanabi/kernel.zig``, compiled into
    the WASM module with the core; :mod:`games.hanabi.fast` reads its view from linear
    memory). It changes the World exactly as the Python rules (:mod:`games.hanabi.rules`,
    the reference) do, or declines and leaves the move to them (an illegal move is
    refused by them, with their reason); in any other World the Python rules play.
    ``tests/games/test_hanabi_kernel.py`` compares the two by state hash, mask and
    observation after every move. A change to the rules needs the same change there.

Bots (:mod:`hypertoken.policies.hanabi`)
    ``RuleBased`` (play a card known playable, else hint a playable card, the next player
    first, else discard the oldest card no hint touched) scores a mean of **17.24** over
    1,000 seeded two-player games (``aec_env("hanabi_v1")`` reset with seeds 0..999, both
    seats the bot; 95% interval +-0.12, lowest 9, highest 22). It plays only cards its
    knowledge proves playable, so it never loses a life. Random-legal
    (:class:`hypertoken.policies.RandomLegal`) scores 0 over 1,000 seeded games: it
    always loses the third life.

Version history
    v1: first version.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from games.hanabi.fast import KEYS, Kernel, kernel_of
from games.hanabi.rules import Rules
from games.hanabi.state import (
    CARD,
    COLOUR_NAMES,
    DECK_SIZE,
    FRESH,
    HAND,
    KNOW,
    MAX_INFO,
    MAX_LIVES,
    MAX_SCORE,
    Table,
    is_over,
    label,
    pack_hand,
    pack_knowledge,
    seat_of,
)
from games.hanabi.view import ObservationLayout, hidden_variants, observation, render
from games.kernels import module as kernel_module
from hypertoken.core import Batch, To, World
from hypertoken.game import Game, GameInfo, IllegalMoveError, Information, MoveContext, TurnOrder

_TWO_PLAYERS = ObservationLayout(2)


def _max_length(n: int, deck: int) -> int:
    """The most moves a game can take: while the deck lasts, at most ``deck`` plays and
    discards and ``8 + discards + 5`` hints (each regained token pays for one more), then
    ``n`` moves of the last round.
    """
    return 2 * deck + MAX_INFO + 5 + n


class Hanabi(Game):
    """Hanabi for 2 to 5 seats. Option: ``lose_all_on_fail`` (bool, default True)."""

    info = GameInfo(
        name="hanabi",
        version=1,
        min_players=2,
        max_players=5,
        num_actions=20,
        observation_shape=(_TWO_PLAYERS.size,),
        information=Information.IMPERFECT,
        reward_range=(0.0, float(MAX_SCORE)),
        max_length=_max_length(2, _TWO_PLAYERS.initial_deck),
        turn_order=TurnOrder.ROUND_ROBIN,
        chance=True,
    )

    def __init__(self, num_players: int | None = None, *, lose_all_on_fail: bool = True) -> None:
        super().__init__(num_players)
        if type(lose_all_on_fail) is not bool:
            raise ValueError(
                f"hanabi lose_all_on_fail must be True or False, not {lose_all_on_fail!r}"
            )
        self.lose_all_on_fail = lose_all_on_fail
        self.options = {} if lose_all_on_fail else {"lose_all_on_fail": False}
        n = self.num_players
        self.rules_ = Rules(n, lose_all_on_fail=lose_all_on_fail)
        self.layout = self.rules_.layout
        self.view_layout = ObservationLayout(n)
        self.info = dataclasses.replace(
            self.info,
            num_actions=self.layout.num_actions,
            observation_shape=(self.view_layout.size,),
            max_length=_max_length(n, self.view_layout.initial_deck),
        )
        self._index = {seat: i for i, seat in enumerate(self.seats)}
        #: This game's key in ``World.kernel_state`` (see :func:`games.hanabi.fast.kernel_of`).
        self._key = KEYS[n]

    # ---- the kernel ------------------------------------------------------------------

    def new_world(self) -> World:
        """A World of the core module with this game's kernel linked in
        (``games/hanabi/kernel.zig``): its moves, masks and observations run there.
        """
        return World(module=kernel_module("hanabi"))

    def kernel(self, world: World) -> Kernel | None:
        """The World's kernel (:class:`games.hanabi.fast.Kernel`), or None in a World
        without it (the Python rules then play every move).
        """
        return kernel_of(world, self.num_players, self.layout.num_actions)

    # ---- setting up ------------------------------------------------------------------

    def prepare(self, world: World) -> None:
        """The 50 card tokens in stack ``deck`` (token t is card ``CARD[t]``), and the
        empty ``fireworks`` and ``discard`` stacks.
        """
        for name in ("deck", "fireworks", "discard"):
            world.stack_create(name)
        b = Batch()
        for token in range(1, DECK_SIZE + 1):
            card = CARD[token]
            b.token_create("card", label(card), COLOUR_NAMES[card // 5], To.stack("deck"))
        world.apply(b)
        if world.token(DECK_SIZE).label != label(CARD[DECK_SIZE]):
            raise RuntimeError("hanabi's card tokens must be the World's first tokens (ids 1..50)")

    def setup(self, world: World, ctx: MoveContext) -> None:
        """Shuffle the deck with the entry's seed and deal each seat its hand, top card
        first (so a seat's slot 0 is the first card it was dealt).
        """
        state = world.kernel_state
        kernel = state[1] if type(state) is tuple and state[0] is self._key else self.kernel(world)
        if kernel is not None and kernel.setup(world, ctx.seed):
            return  # the kernel shuffled and dealt, as below
        world.stack_shuffle("deck", ctx.seed)
        order = world.stack("deck").tolist()
        h = self.layout.hand_size
        b = Batch()
        for i, seat in enumerate(self.seats):
            cards = [int(order[-1 - i * h - j]) for j in range(h)]
            b.stack_draw("deck", h, To.agent(seat))
            b.game_set_property(HAND[i], pack_hand(cards))
            b.game_set_property(KNOW[i], pack_knowledge([FRESH] * h))
        start = Table(
            info=MAX_INFO,
            lives=MAX_LIVES,
            fireworks=[0] * 5,
            deck=DECK_SIZE - h * self.num_players,
            turns=self.num_players,
            seat=0,
            over=False,
            lost=False,
        )
        b.game_set_property("s", start.pack()).game_set_property("d", 0)
        world.apply(b.game_set_property("last", 0))

    # ---- turns and moves -------------------------------------------------------------

    def _table(self, world: World) -> int:
        """The table state ``s`` (the kernel's view holds it while it is current)."""
        state = world.kernel_state
        kernel = state[1] if type(state) is tuple and state[0] is self._key else self.kernel(world)
        s: int = world.property("s") if kernel is None else kernel.table(world)
        return s

    def current_player(self, world: World) -> str | None:
        """The seat to move (read from one property)."""
        s = self._table(world)
        return None if is_over(s) else self.seats[seat_of(s)]

    def legal_actions(self, world: World, seat: str) -> np.ndarray:
        """The seat's legal moves (none unless it is to move)."""
        me = self.seats.index(seat)
        state = world.kernel_state
        kernel = state[1] if type(state) is tuple and state[0] is self._key else self.kernel(world)
        if kernel is not None:
            return kernel.mask(world, me)
        return self.rules_.mask(world.properties(), me)

    def is_legal(self, world: World, seat: str, action: int) -> bool:
        """Whether the seat to move may take ``action`` (without building the mask)."""
        if type(action) is not int or not 0 <= action < self.layout.num_actions:
            return False
        me = self.seats.index(seat)
        state = world.kernel_state
        kernel = state[1] if type(state) is tuple and state[0] is self._key else self.kernel(world)
        if kernel is not None:
            return kernel.legal(world, me, action)
        return not self.rules_.refusal(world.properties(), me, action)

    def apply(self, world: World, seat: str, action: int, ctx: MoveContext) -> None:
        """Play, discard or hint (see the rules). In a World with the kernel the move runs
        there; the kernel declines an illegal move, changing nothing, and the Python rules
        then refuse it with their reason.
        """
        me = self._index.get(seat)
        if type(action) is not int or me is None:
            raise IllegalMoveError(f"hanabi has no action {action!r} for {seat!r}")
        state = world.kernel_state
        kernel = state[1] if type(state) is tuple and state[0] is self._key else self.kernel(world)
        if kernel is not None and kernel.step(world, me, action):
            return  # the kernel played it
        self.rules_.apply(world, me, action)

    def default_action(self, world: World, seat: str) -> int | None:
        """A timed-out seat makes its first legal hint, else discards its oldest card."""
        legal = np.flatnonzero(self.legal_actions(world, seat))
        if not legal.size:
            return None
        hints = legal[legal >= 2 * self.layout.hand_size]
        return int(hints[0] if hints.size else legal[0])

    # ---- what seats see --------------------------------------------------------------

    def player_view(self, world: World, seat: str) -> np.ndarray:
        """The seat's observation (see the module docstring): never its own cards."""
        me = self.seats.index(seat)
        state = world.kernel_state
        kernel = state[1] if type(state) is tuple and state[0] is self._key else self.kernel(world)
        if kernel is not None:
            return kernel.observation(world, me)
        return observation(self.view_layout, world.properties(), me)

    def hidden_variants(self, world: World) -> list[tuple[str, World]]:
        """Worlds where only one seat's own cards differ (see
        :func:`games.hanabi.view.hidden_variants`).
        """
        return hidden_variants(world, self.seats)

    def rewards(self, world: World) -> dict[str, float]:
        """The shared score, for every seat."""
        score = float(self.score(world))
        return dict.fromkeys(self.seats, score)

    def score(self, world: World) -> int:
        """The score now: the fireworks' sum (0 after the third life lost, by default)."""
        return self.rules_.score(self._table(world))

    def is_over(self, world: World) -> bool:
        """25 points, the third life lost, or the last round played."""
        return is_over(self._table(world))

    def render(self, world: World, seat: str | None = None) -> str:
        """The table as text (from ``seat``'s view when given: its own cards hidden)."""
        viewer = None if seat is None else self.seats.index(seat)
        return render(world.properties(), self.seats, viewer, self.score(world))

    def move_name(self, action: int) -> tuple[str, tuple[Any, ...]]:
        """``discard [slot]``, ``play [slot]``, ``hint_colour [o, "R"]``, ``hint_rank [o, r]``."""
        return self.layout.name(action)

    def parse_move(self, move: str, args: tuple[Any, ...]) -> int:
        """Inverse of :meth:`move_name`."""
        action = self.layout.parse(move, args)
        if action is None:
            raise IllegalMoveError(
                f"hanabi has no move {move} {list(args)} (it has discard [slot], play [slot], "
                f'hint_colour [offset, "R"], hint_rank [offset, 1..5])'
            )
        return action
