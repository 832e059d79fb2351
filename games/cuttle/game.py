"""Cuttle (``cuttle_v1``): the two-player combat card game, as cuttle.cards plays it, and
its three-player variant *cutthroat* (``Cuttle(3)``, section "Three players" below).

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

    Everything in this section up to here is the two-player game (``Cuttle()`` or
    ``Cuttle(2)``); the three-player changes follow.

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

Three players: cutthroat (``Cuttle(3)``)
    The rules of cuttle.cards' "3 Player Cuttle: Cutthroat" (its rules page, section
    Multiplayer Variants), every other rule as above, with these changes:

    - **Deck**: 54 cards, the 52 and two jokers (``JK1``, ``JK2``).
    - **Deal**: ``player_2`` deals 5 cards to each seat (5 to ``player_0``, then
      ``player_1``, then itself, in blocks); ``player_0``, left of the dealer, moves
      first; turns go ``player_0``, ``player_1``, ``player_2``, round. (cuttle.cards
      rotates the dealer between games; an episode is one game, so the dealer is fixed.)
    - **Goal**: 14 points, lowered by kings to 9 (one), 5 (two) and 0 (three: a seat
      holding three kings wins at the end of that turn; four kings also 0).
    - **Hand limit**: 7 (a seat draws only with fewer than 7 cards; a five draws up to 7).
    - **Jokers** are royals whose effect is "steal target royal": played onto an
      opponent's eight, queen or king (not behind another queen of that opponent), the
      royal moves to the joker player's field and works for them (glasses, protection,
      a lower goal); the joker stays on it. Like jacks: the other joker may steal it on
      (only the top joker of a pile is a target); a two or a nine on the top joker sends
      the royal back to the seat it was taken from (the joker to the scrap, or to its
      player's hand); a two on the stolen royal scraps it and the jokers on it; a nine on
      it returns it to its holder's hand (the jokers go to the scrap); a six scraps every
      joker with the other permanents. *Choice*: the sources say "target royal" without
      more; jacks and jokers are not targets here, as a stolen jack would carry its
      point card (a jack already moves points).
    - **Targets**: scuttles, jacks, twos, nines and jokers may target either opponent's
      cards (an action names the target card, which lies on exactly one field). Aces
      and sixes hit all three fields. A point card taken by a jack goes back, when that
      jack leaves, to the seat that controlled it before the jack (property ``jf``).
    - **The four** names the opponent who discards (1 or 2 seats after the player).
    - **Counters**: after a one-off, each other seat in turn order (starting after the
      player) may counter with a two or let it stand; after a two joins the chain, the
      seats after its player answer it the same way. The chain resolves when every
      seat but the last card's player has let it stand in a row; as before the one-off
      acts iff an even number of twos countered it. *Choice* (the sources are silent on
      the order): turn order, which is how a table plays it.
    - **Glasses** reveal both opponents' hands.
    - **A nine's card** stays unplayable (nor usable to counter) until its holder's next
      turn ends, even when another seat's turn comes first. *Simplification*: one such
      card at a time; a later nine's card replaces it.
    - **Passing**: with an empty deck a seat may pass; three passes in a row (a full
      round: every seat passed) end the game in a draw.
    - **Win order**: when several seats reach their goals at once, the turn player
      wins, else the first in turn order after it.

    Actions (2307 ids): the two-player ids 0..2246 keep their meaning (the four's
    untargeted id ``55 + c`` is never legal with three seats), then:

    ============  ============================  =========================================
    id            move (log name)               meaning
    ============  ============================  =========================================
    2247 + 2s+k   ``four [4s, "+1"|"+2"]``      the four of suit s makes the opponent
                                                k + 1 seats after the player discard
    2255 + j      ``discard [JKj+1]``           discard a joker (the four)
    2257 + j      ``pick [JKj+1]``              take a joker from the scrap (the three)
    2259 + 16j+k  ``joker [JKj+1, royal k]``    joker j steals royal k (k as for twos;
                                                only eights, queens and kings are legal)
    2291 + 2s+j   ``two [2s, JKj+1]``           the two of suit s destroys joker j
    2299 + 2s+j   ``nine [9s, JKj+1]``          the nine of suit s returns joker j
    ============  ============================  =========================================

    Observation (shape (792,), float32, in [0, 1]; offsets in :mod:`games.cuttle.view3`):
    *next* is the seat after the viewer in turn order, *second* the one after it.

    ==========  ==================================================================
    0..53       the seat's hand (cards 0..51, then the jokers 52, 53)
    54..107     the seat's point cards
    108..161    the seat's permanents (jacks and jokers included)
    162..215    next's point cards
    216..269    next's permanents
    270..323    second's point cards
    324..377    second's permanents
    378..431    the scrap
    432..485    next's hand, only while the seat holds glasses (else 0)
    486..539    second's hand, only while the seat holds glasses (else 0)
    540..593    the pending one-off
    594..647    its target
    648..701    the card a seven revealed
    702..755    the card a nine returned (unplayable until its holder's turn ends)
    756..759    per suit: that two is countering in the chain
    760..763    per jack suit: (the point card it holds + 1) / 40, 0 off the field
    764, 765    per joker: (the royal it holds + 1) / 52, 0 off the field
    766         deck size / 54
    767..769    hand sizes / 16 (capped): me, next, second
    770..772    points / 21 (capped): me, next, second
    773..775    thresholds / 21: me, next, second
    776         passes in a row / 3
    777         cards the four's target still discards / 2
    778         1 when the seat decides now
    779..781    whose turn it is, one-hot: me, next, second
    782..784    a pending or resolving four's victim, one-hot: me, next, second
    785         seats that let the chain's last card stand so far / 2
    786..791    the phase, one-hot: main, counter, discard, pick, seven, over
    ==========  ==================================================================

    Hidden (``hidden_variants``): the deck's order and each opponent's hand without
    glasses. Rewards: +1 for the winner, -1 for each loser, 0 for all in a draw (not
    zero-sum: a loss is a loss whichever opponent won; PettingZoo's multi-player card
    games score it the same way).

State in the World
    Documented in :mod:`games.cuttle.state`: the cards as tokens in a shuffled deck
    stack, the seats' inventories (hands), zones per seat for points and permanents, a
    chain zone, a reveal zone and a scrap stack; property ``s`` packs the turn state
    (phase, turn, decider, target, passes, discards owed, frozen card, result, move
    count) and ``jk`` which point card each jack holds.

Options
    ``num_players`` (2 or 3): 3 plays cutthroat. ``max_moves`` (default 1000, at most
    4095): decisions before the game is a draw.

Version history
    v1: first version. The three-player cutthroat variant was added within v1: the
    two-player game's actions, observations and state hashes are unchanged (a test pins
    a seeded game's final state hash).
"""

from __future__ import annotations

import dataclasses
import weakref
from typing import Any

import numpy as np

from games.cuttle import cards as cardmod
from games.cuttle.cards import NUM_ACTIONS, NUM_ACTIONS_3
from games.cuttle.rules import legal, play
from games.cuttle.state import Phase, Table, Turn, commit, draw_fields, prepare, read, winner_of
from games.cuttle.view import OBS_SIZE, hidden_variants, observation, render
from games.cuttle.view3 import OBS_SIZE_3, observation_3
from hypertoken.core import To, World
from hypertoken.game import Game, GameInfo, IllegalMove, Information, MoveContext, TurnOrder

#: The observation's length (two players; three: :data:`OBS_LENGTH_3`).
OBS_LENGTH = OBS_SIZE
OBS_LENGTH_3 = OBS_SIZE_3


class Cuttle(Game):
    """Cuttle for two seats, or three (cutthroat). Options: ``max_moves`` (int, default
    1000). The action space and observation grow with three seats (module docstring).

    The instance holds only its options (and a cache of the last table read, keyed by
    the World and its version, so the mask, ``is_legal`` and the view read it once).
    """

    info = GameInfo(
        name="cuttle",
        version=1,
        min_players=2,
        max_players=3,
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
        self.num_actions = NUM_ACTIONS if self.num_players == 2 else NUM_ACTIONS_3
        if self.num_players > 2:
            self.info = dataclasses.replace(
                self.info, num_actions=NUM_ACTIONS_3, observation_shape=(OBS_LENGTH_3,)
            )
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
        """The 52 cards (three players: 54, with the jokers) and every container."""
        prepare(world, self.num_players)

    def setup(self, world: World, ctx: MoveContext) -> None:
        """Shuffle with the entry's seed; deal 6 to ``player_0`` (who starts), 5 to the
        dealer ``player_1`` (three players: 5 each, ``player_0`` starts).
        """
        world.stack_shuffle("deck", ctx.seed)
        if self.num_players == 2:
            world.stack_draw("deck", 6, To.agent(self.seats[0]))
            world.stack_draw("deck", 5, To.agent(self.seats[1]))
        else:
            for seat in self.seats:
                world.stack_draw("deck", 5, To.agent(seat))
        world.game_set_property("s", Turn.pack(phase=Phase.MAIN))
        world.game_set_property("jk", 0)
        if self.num_players > 2:
            world.game_set_property("jf", 0)
            world.game_set_property("jo", 0)

    def current_player(self, world: World) -> str | None:
        """The seat that decides now (None once the game is over)."""
        s: int = world.property("s")
        if Turn.phase.get(s) is Phase.OVER:
            return None
        return self.seats[Turn.actor.get(s)]

    def legal_actions(self, world: World, seat: str) -> np.ndarray:
        """The legal actions of ``seat`` (none unless it decides now)."""
        m = np.zeros(self.num_actions, dtype=bool)
        t, acts = self._read(world)
        if self.seats[t.actor] == seat:
            m[acts] = True
        return m

    def is_legal(self, world: World, seat: str, action: int) -> bool:
        """Agrees with the mask."""
        if type(action) is not int or not 0 <= action < self.num_actions:
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
            valid = type(action) is int and 0 <= action < self.num_actions
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
            after.set(phase=Phase.OVER, **draw_fields(self.num_players))
        commit(world, self.seats, t, after)

    def player_view(self, world: World, seat: str) -> np.ndarray:
        """The seat's observation (module docstring)."""
        if self.num_players > 2:
            return observation_3(self.table(world), self.seats.index(seat))
        return observation(self.table(world), self.seats.index(seat))

    def rewards(self, world: World) -> dict[str, float]:
        """+1 win, -1 each loss, 0 draw or still playing."""
        won = winner_of(world.property("s"), self.num_players)
        if won is None:
            return {s: 0.0 for s in self.seats}
        return {s: 1.0 if i == won else -1.0 for i, s in enumerate(self.seats)}

    def is_over(self, world: World) -> bool:
        """A seat won, three passes in a row, or the move limit."""
        return Turn.phase.get(world.property("s")) is Phase.OVER

    def winner(self, world: World) -> str | None:
        """The winning seat (None while playing or in a draw)."""
        won = winner_of(world.property("s"), self.num_players)
        return None if won is None else self.seats[won]

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
