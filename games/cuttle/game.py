"""Cuttle (``cuttle_v1``): the two-player combat card game, as cuttle.cards plays it.

Rules
    A 52-card deck (no jokers) is shuffled with the room seed. ``player_1`` deals: the
    non-dealer ``player_0`` gets 6 cards and moves first, the dealer 5. The rest is the
    deck. A seat wins as soon as, at the end of a turn, its points reach its threshold:
    21, lowered by the kings it holds (one king 14, two 10, three 5, four 0). When both
    seats reach theirs at once (a six can return stolen points), the turn player wins.

    On its turn a seat does exactly one of:

    - **Draw** the top card of the deck, only with fewer than 8 cards in hand (the hand
      limit) and a deck that is not empty.
    - **Pass**, only when the deck is empty. Three passes in a row end the game in a draw.
    - **Points**: play an ace to ten face up for its rank (ace 1 .. ten 10).
    - **Scuttle**: play a point card onto an opponent's point card of lower rank, or of
      the same rank and a lower suit (clubs < diamonds < hearts < spades); both go to the
      scrap, with any jacks on the target.
    - **One-off**: play a card for its effect; it then goes to the scrap. The opponent may
      counter it (below). Effects:

      ===  ================================================================================
      A    every point card on the table goes to the scrap (with the jacks on them)
      2    destroy one of the opponent's permanents (an eight, a queen, a king, or the top
           jack of a point card, which then goes back to the seat it was stolen from)
      3    take one card of your choice from the scrap into your hand (needs a scrap)
      4    the opponent discards two cards of their choice (all they have, if fewer)
      5    draw two cards (fewer when the deck or the hand limit allows fewer; needs a deck)
      6    every permanent goes to the scrap (jacks too: point cards return to the seat
           that played them)
      7    turn over the top card of the deck and play it at once, in any legal way (a
           one-off so played can be countered); a card with no legal play goes to the
           scrap (needs a deck)
      9    return one of the opponent's point cards or permanents to its controller's
           hand (a jack: to the seat that played it, and the point card goes back; a
           point card: its jacks go to the scrap). That card cannot be played on its
           holder's next turn.
      ===  ================================================================================

    - **Permanent**: an eight as *glasses* (while it stays, its holder sees the opponent's
      hand), a queen (the holder's other cards cannot be targeted by twos, nines or jacks;
      a lone queen can be), a king (lowers the threshold), or a **jack** onto an
      opponent's point card: the card joins the jack's player's points and moves with the
      jack. A stolen card can be stolen back with another jack on top; only the top jack
      of a pile can be targeted.

    **Counters.** When a one-off is played the opponent decides: counter it with a two
    from hand (the two goes on the chain) or let it resolve. A counter can itself be
    countered by the other seat, and so on (a chain of up to four twos). When a seat lets
    the chain resolve, the one-off takes effect if an even number of twos countered it,
    else it is cancelled; the one-off and the twos then go to the scrap. Scuttling,
    points and permanents cannot be countered.

    Targets are always the opponent's cards. Simplifications, on purpose: the seven turns
    over one card (not two); the four's discards and the three's pick are chosen by the
    seat concerned, one card per decision; a queen does not stop counters. Safeguards
    that never arise with a full deck: a seat with nothing legal passes; the game is a
    draw after ``max_moves`` decisions (default 1000).

    Three-player cutthroat is not implemented (``players=2`` only).

Turns (``TurnOrder.CUSTOM``)
    Every choice is its own decision through ``current_player``, as PettingZoo's card
    games do: the turn player's move; each counter decision (the opponent, then the
    turn player, alternately); the four's discards (the opponent, one card at a time);
    the three's pick and the seven's play (the turn player). A seat always has at least
    one legal action when it is to decide.

Actions (2247 ids; cards in canonical order ``card = rank * 4 + suit``, rank A=0 .. K=12,
suit clubs 0, diamonds 1, hearts 2, spades 3; point cards are 0..39)
    =============  ==========================  ===============================================
    id             move (log name)             meaning
    =============  ==========================  ===============================================
    0              ``draw``                    draw a card
    1              ``pass``                    pass (empty deck)
    2              ``resolve``                 let the pending one-off resolve (decline to
                                               counter); after a seven: scrap a revealed card
                                               that has no legal play
    3 + c          ``points [c]``              play point card c for points
    55 + c         ``effect [c]``              play c's untargeted effect: one-off A 3 4 5 6 7,
                                               or permanent 8 (glasses) Q K
    107 + s        ``counter [2s]``            counter with the two of suit s
    111 + c        ``discard [c]``             discard c (the four)
    163 + c        ``pick [c]``                take c from the scrap (the three)
    215 + 40a + t  ``scuttle [a, t]``          scuttle point card t with point card a
    1815 + 40s+t   ``jack [Js, t]``            the jack of suit s steals point card t
    1975 + 16s+k   ``two [2s, royal k]``       the two of suit s destroys permanent k
                                               (k: 8C 8D 8H 8S, then JC .. KS)
    2039 + 52s+t   ``nine [9s, t]``            the nine of suit s returns card t
    =============  ==========================  ===============================================

    During a seven's decision the same play ids name the revealed card. The mask holds
    exactly the legal actions. Log arguments are card names (``"10H"``, ``"AS"``).

Observation (``player_view``), float32, shape (597,), every entry in [0, 1]
    ==========  ==================================================================
    0..51       the seat's hand
    52..103     the seat's point cards
    104..155    the seat's permanents (its jacks included)
    156..207    the opponent's point cards
    208..259    the opponent's permanents
    260..311    the scrap
    312..363    the opponent's hand, only while the seat holds glasses (else 0)
    364..415    the pending one-off
    416..467    its target
    468..519    the card a seven revealed
    520..571    the card a nine returned (unplayable on its holder's next turn)
    572..575    per suit: that two is countering in the chain
    576..579    per jack suit: (the point card it holds + 1) / 40, 0 when off the field
    580         deck size / 52
    581, 582    own and opponent hand sizes / 16 (capped)
    583, 584    own and opponent points / 21 (capped)
    585, 586    own and opponent thresholds / 21
    587         passes in a row / 3
    588         cards the four's target still discards / 2
    589         1 when it is the seat's turn
    590         1 when the seat decides now
    591..596    the phase, one-hot: main, counter, discard, pick, seven, over
    ==========  ==================================================================

    The deck's order and the opponent's hand (without glasses) never show: the contract
    suite's leak check swaps them (``hidden_variants``).

Rewards
    +1 for the winner, -1 for the loser, 0 each in a draw (given when the game ends).

State in the World
    Documented in :mod:`games.cuttle.state`: the cards as tokens in a shuffled deck
    stack, the seats' inventories (hands), zones per seat for points and permanents, a
    chain zone, a reveal zone and a scrap stack; property ``s`` packs the turn state
    (phase, turn, decider, target, passes, discards owed, frozen card, result, move
    count) and ``jk`` which point card each jack holds.

Options
    ``max_moves`` (default 1000, at most 4095): decisions before the game is a draw.

Version history
    v1: first version.
"""

from __future__ import annotations

import dataclasses
import weakref
from typing import Any

import numpy as np

from games.cuttle import cards as cardmod
from games.cuttle.cards import NUM_ACTIONS
from games.cuttle.rules import legal, play
from games.cuttle.state import Phase, Table, Turn, commit, prepare, read
from games.cuttle.view import OBS_SIZE, hidden_variants, observation, render
from hypertoken.core import To, World
from hypertoken.game import Game, GameInfo, IllegalMove, Information, MoveContext, TurnOrder

#: The observation's length.
OBS_LENGTH = OBS_SIZE


class Cuttle(Game):
    """Cuttle for two seats. Options: ``max_moves`` (int, default 1000).

    The instance holds only its options (and a cache of the last table read, keyed by
    the World and its version, so the mask, ``is_legal`` and the view read it once).
    """

    info = GameInfo(
        name="cuttle",
        version=1,
        min_players=2,
        max_players=2,
        num_actions=NUM_ACTIONS,
        observation_shape=(OBS_LENGTH,),
        information=Information.IMPERFECT,
        reward_range=(-1.0, 1.0),
        max_length=1000,
        turn_order=TurnOrder.CUSTOM,
        chance=True,
    )

    def __init__(self, num_players: int | None = None, *, max_moves: int = 1000) -> None:
        super().__init__(num_players)
        if type(max_moves) is not int or not 1 <= max_moves <= Turn.moves.limit:
            raise ValueError(
                f"cuttle max_moves must be an int in 1..{Turn.moves.limit}, not {max_moves!r}"
            )
        self.max_moves = max_moves
        self.options = {"max_moves": max_moves} if max_moves != 1000 else {}
        self.info = dataclasses.replace(self.info, max_length=max_moves)
        self._cached: tuple[weakref.ref[World], int, Table, list[int]] | None = None

    # ---- reading the World -----------------------------------------------------------

    def table(self, world: World) -> Table:
        """The table as ``world`` holds it now (do not change it: copy first)."""
        return self._read(world)[0]

    def _read(self, world: World) -> tuple[Table, list[int]]:
        """The table and its decider's legal actions, read once per World version."""
        c = self._cached
        if c is not None and c[0]() is world and c[1] == world.version:
            return c[2], c[3]
        t = read(world, self.seats)
        acts = legal(t, t.actor)
        self._cached = (weakref.ref(world), world.version, t, acts)
        return t, acts

    # ---- the contract ----------------------------------------------------------------

    def prepare(self, world: World) -> None:
        """The 52 cards and every container."""
        prepare(world)

    def setup(self, world: World, ctx: MoveContext) -> None:
        """Shuffle with the entry's seed; deal 6 to ``player_0`` (who starts), 5 to the
        dealer ``player_1``.
        """
        world.stack_shuffle("deck", ctx.seed)
        world.stack_draw("deck", 6, To.agent(self.seats[0]))
        world.stack_draw("deck", 5, To.agent(self.seats[1]))
        world.game_set_property("s", Turn.pack(phase=Phase.MAIN))
        world.game_set_property("jk", 0)

    def current_player(self, world: World) -> str | None:
        """The seat that decides now (None once the game is over)."""
        s: int = world.property("s")
        if Turn.phase.get(s) is Phase.OVER:
            return None
        return self.seats[Turn.actor.get(s)]

    def legal_actions(self, world: World, seat: str) -> np.ndarray:
        """The legal actions of ``seat`` (none unless it decides now)."""
        m = np.zeros(NUM_ACTIONS, dtype=bool)
        t, acts = self._read(world)
        if self.seats[t.actor] == seat:
            m[acts] = True
        return m

    def is_legal(self, world: World, seat: str, action: int) -> bool:
        """Agrees with the mask."""
        if type(action) is not int or not 0 <= action < NUM_ACTIONS:
            return False
        t, acts = self._read(world)
        return self.seats[t.actor] == seat and action in acts

    def apply(self, world: World, seat: str, action: int, ctx: MoveContext) -> None:
        """Play a legal action of the deciding seat."""
        t, acts = self._read(world)
        if t.phase is Phase.OVER:
            raise IllegalMove("the game is over")
        if self.seats[t.actor] != seat:
            raise IllegalMove(f"it is {self.seats[t.actor]}'s decision, not {seat!r}'s")
        if type(action) is not int or action not in acts:
            valid = type(action) is int and 0 <= action < NUM_ACTIONS
            what = cardmod.describe(action) if valid else f"take action {action!r}"
            raise IllegalMove(
                f"{seat} may not {what} now ({t.phase.name.lower()} decision; legal: "
                f"{', '.join(cardmod.describe(a) for a in acts[:8])}"
                f"{', ...' if len(acts) > 8 else ''})"
            )
        after = t.copy()
        play(after, action)
        moves = Turn.moves.get(after.s) + 1
        after.set(moves=moves)
        if moves >= self.max_moves and after.phase is not Phase.OVER:
            after.set(phase=Phase.OVER, result=3)
        commit(world, self.seats, t, after)

    def player_view(self, world: World, seat: str) -> np.ndarray:
        """The seat's observation (module docstring)."""
        return observation(self.table(world), self.seats.index(seat))

    def rewards(self, world: World) -> dict[str, float]:
        """+1 win, -1 loss, 0 draw or still playing."""
        result = Turn.result.get(world.property("s"))
        if result in (0, 3):
            return {s: 0.0 for s in self.seats}
        return {s: 1.0 if i == result - 1 else -1.0 for i, s in enumerate(self.seats)}

    def is_over(self, world: World) -> bool:
        """A seat won, three passes in a row, or the move limit."""
        return Turn.phase.get(world.property("s")) is Phase.OVER

    def winner(self, world: World) -> str | None:
        """The winning seat (None while playing or in a draw)."""
        result = Turn.result.get(world.property("s"))
        return self.seats[result - 1] if result in (1, 2) else None

    def default_action(self, world: World, seat: str) -> int | None:
        """A timed-out seat makes its lowest legal move (draw, pass or resolve first)."""
        t, acts = self._read(world)
        return acts[0] if acts and self.seats[t.actor] == seat else None

    def hidden_variants(self, world: World) -> list[tuple[str, World]]:
        """The deck reordered, and each seat's unseen opponent card swapped with the deck."""
        return hidden_variants(world, self.table(world), self.seats)

    def render(self, world: World, seat: str | None = None) -> str:
        """The table as text, from ``seat``'s side when given (hidden hands as counts)."""
        viewer = None if seat is None else self.seats.index(seat)
        return render(self.table(world), self.seats, viewer)

    def move_name(self, action: int) -> tuple[str, tuple[Any, ...]]:
        """``draw``, ``points ["10H"]``, ``scuttle ["9S", "9C"]`` ... (module docstring)."""
        return cardmod.move_name(action)

    def parse_move(self, move: str, args: tuple[Any, ...]) -> int:
        """Inverse of :meth:`move_name`."""
        return cardmod.parse_move(move, args)
