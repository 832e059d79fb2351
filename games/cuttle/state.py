"""The state of :mod:`games.cuttle` in the World, and its Python model.

Containers (card ``c`` is token ``c + 1``, created in canonical order by ``prepare``)
    ==================  ==========================================================
    stack ``deck``      the face-down deck, bottom to top (shuffled at setup with the
                        setup entry's seed); draws take the top
    agent inventories   the seats' hands
    zone ``pts{i}``     the point cards seat i controls (a stolen card sits with the
                        thief)
    zone ``perm{i}``    seat i's permanents: eights as glasses, queens, kings and every
                        jack seat i played (covered jacks too)
    zone ``chain``      the pending one-off, then the twos countering it, in order
    zone ``reveal``     the card a seven turned over, until it is played
    stack ``scrap``     the scrap pile
    ==================  ==========================================================

Game properties
    ``s``: the turn state, a :class:`Turn`; ``jk``: where the jacks sit, 8 bits per jack
    suit (bits ``8s..8s+5``: the point card it holds + 1, 0 when the jack is not on the
    field; bits ``8s+6..8s+7``: its depth in that card's pile of jacks, 0 at the bottom).

Three players (cutthroat) add the two jokers (tokens 53 and 54), zones ``pts2`` and
``perm2``, and two properties, written only by that variant: ``jf``, 2 bits per jack
suit, the seat that controlled the jack's point card before that jack took it (where the
card goes back); ``jo``, 9 bits per joker ``j`` (bits ``9j..9j+5``: the royal it holds +
1; bit ``9j+6``: it lies on the other joker; bits ``9j+7..9j+8``: the seat the royal was
taken from).

The rules run on a :class:`Table`, a plain copy of all that (every card's location, the
deck's and the chain's order, ``s`` and ``jk``) read in one go by :func:`read`; a move
changes a copy and :func:`commit` writes the difference back as one batch of token moves
and property writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from games.cuttle.cards import (
    CARDS,
    CARDS_3,
    JOKER_NAMES,
    KING,
    POINT_CARDS,
    QUEEN,
    RANKS,
    SUITS,
    THRESHOLDS,
    THRESHOLDS_3,
)
from games.cuttle.cards import EIGHT as EIGHT_RANK
from hypertoken.core import Batch, To, World
from hypertoken.game.fields import Field, Layout


class Phase(IntEnum):
    """Which decision the game waits for."""

    #: The turn player's main move (draw, pass, play a card).
    MAIN = 0
    #: A one-off is pending: ``actor`` counters with a two or lets it resolve.
    COUNTER = 1
    #: A four resolved: ``actor`` (its target) discards a card (``left`` to go).
    DISCARD = 2
    #: A three resolved: the turn player picks a card from the scrap.
    PICK = 3
    #: A seven resolved: the turn player plays the revealed card.
    SEVEN = 4
    #: The game is over (``result``).
    OVER = 5


class Turn(Layout):
    """The turn state, property ``s``."""

    phase = Field(3, "which decision the game waits for", values=Phase)
    turn = Field(2, "whose turn it is (seat index)")
    actor = Field(2, "the seat that decides now (seat index)")
    target = Field(6, "the pending one-off's target card + 1 (0: none)")
    passes = Field(2, "passes in a row (three end the game)")
    left = Field(2, "cards the four's target still has to discard")
    frozen = Field(6, "card + 1 a nine returned to hand: not playable on its holder's turn")
    result = Field(2, "0 playing; 1 + seat index: that seat won; 3: a draw")
    moves = Field(12, "decisions taken so far (the move limit)")
    # Three players only (0 in a two-player game, so its packed values are unchanged).
    victim = Field(2, "the seat a pending four makes discard (three players)")
    declined = Field(2, "seats that let the chain's last card stand (three players)")
    drawn = Field(1, "1: the game ended in a draw (three players; two use result 3)")


# ---- locations -------------------------------------------------------------------------

DECK, SCRAP, CHAIN, REVEAL = 0, 1, 2, 3
#: Location codes per seat: hand, points, permanents of seat i (up to four seats).
HAND, PTS, PERM = 4, 8, 12


def hand_of(i: int) -> int:
    """Location code of seat i's hand."""
    return HAND + i


def pts_of(i: int) -> int:
    """Location code of seat i's point cards."""
    return PTS + i


def perm_of(i: int) -> int:
    """Location code of seat i's permanents."""
    return PERM + i


ZONES = ("pts0", "pts1", "perm0", "perm1", "chain", "reveal")
ZONES_3 = ("pts0", "pts1", "pts2", "perm0", "perm1", "perm2", "chain", "reveal")


@dataclass
class Table:
    """Everything the rules read: a copy of the game's state in the World."""

    s: int
    jk: int
    #: Every card's location code.
    loc: list[int]
    #: The deck, bottom to top.
    deck: list[int]
    #: The pending one-off then its counters.
    chain: list[int]
    #: The number of seats (2, or 3 for cutthroat).
    n: int = 2
    #: Three players: property ``jf`` (where each jack's point card goes back).
    jf: int = 0
    #: Three players: property ``jo`` (the jokers).
    jo: int = 0

    def copy(self) -> Table:
        """An independent copy (a move changes the copy)."""
        return Table(
            self.s,
            self.jk,
            list(self.loc),
            list(self.deck),
            list(self.chain),
            self.n,
            self.jf,
            self.jo,
        )

    def opponents(self, me: int) -> list[int]:
        """Seat ``me``'s opponents in turn order (the next seat first)."""
        return [(me + k) % self.n for k in range(1, self.n)]

    # ---- turn state ------------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        """The decision the game waits for."""
        return Turn.phase.get(self.s)

    @property
    def turn(self) -> int:
        """Whose turn it is."""
        return Turn.turn.get(self.s)

    @property
    def actor(self) -> int:
        """Who decides now."""
        return Turn.actor.get(self.s)

    def set(self, **values: int) -> None:
        """Set fields of the turn state."""
        self.s = Turn.replace(self.s, **values)

    # ---- where the cards are ---------------------------------------------------------

    def at(self, code: int) -> list[int]:
        """The cards at location ``code``, in card order (deck and chain: use the lists)."""
        return [c for c, where in enumerate(self.loc) if where == code]

    def hand(self, i: int) -> list[int]:
        """Seat i's hand, in card order."""
        return self.at(HAND + i)

    def points_cards(self, i: int) -> list[int]:
        """The point cards seat i controls."""
        return self.at(PTS + i)

    def permanents(self, i: int) -> list[int]:
        """Seat i's permanents (jacks included)."""
        return self.at(PERM + i)

    def move(self, c: int, code: int) -> None:
        """Put card ``c`` at location ``code`` (taking it off the deck or the chain)."""
        old = self.loc[c]
        if old == DECK:
            self.deck.remove(c)
        elif old == CHAIN:
            self.chain.remove(c)
        if code == CHAIN:
            self.chain.append(c)
        elif code == DECK:
            self.deck.append(c)
        self.loc[c] = code

    def points(self, i: int) -> int:
        """Seat i's points."""
        return sum((c >> 2) + 1 for c in self.points_cards(i))

    def count(self, i: int, rank: int) -> int:
        """How many permanents of ``rank`` seat i holds."""
        code = PERM + i
        return sum(1 for c in range(rank * 4, rank * 4 + 4) if self.loc[c] == code)

    def threshold(self, i: int) -> int:
        """Seat i's points to win (21, lowered by its kings; three players: 14)."""
        return (THRESHOLDS if self.n == 2 else THRESHOLDS_3)[self.count(i, KING)]

    def glasses(self, i: int) -> bool:
        """Whether seat i holds an eight as glasses (the opponent's hand is revealed)."""
        return self.count(i, EIGHT_RANK) > 0

    def protected(self, c: int, owner: int) -> bool:
        """Whether ``owner``'s queens shield card ``c`` from twos, nines and jacks: a
        queen protects its holder's other cards, so a lone queen is itself exposed.
        """
        queens = self.count(owner, QUEEN)
        if queens == 0:
            return False
        return not (queens == 1 and c >> 2 == QUEEN)

    # ---- jacks -----------------------------------------------------------------------

    def jack_target(self, suit: int) -> int | None:
        """The point card the jack of ``suit`` holds, or None."""
        v = (self.jk >> (8 * suit)) & 63
        return v - 1 if v else None

    def jacks_on(self, t: int) -> list[int]:
        """The jack cards on point card ``t``, bottom to top."""
        on = [
            ((self.jk >> (8 * s + 6)) & 3, 40 + s)
            for s in range(4)
            if (self.jk >> (8 * s)) & 63 == t + 1
        ]
        return [j for _, j in sorted(on)]

    def attach(self, jack: int, t: int, frm: int | None = None) -> None:
        """Put ``jack`` on top of point card ``t``'s jacks (three players: record ``frm``,
        the seat that controlled ``t`` before).
        """
        depth = len(self.jacks_on(t))
        s = jack & 3
        self.jk = (self.jk & ~(255 << (8 * s))) | (((depth << 6) | (t + 1)) << (8 * s))
        if frm is not None:
            self.jf = (self.jf & ~(3 << (2 * s))) | (frm << (2 * s))

    def jack_from(self, jack: int) -> int:
        """Three players: the seat that controlled the jack's point card before it."""
        return (self.jf >> (2 * (jack & 3))) & 3

    # ---- jokers (three players) -------------------------------------------------------

    def joker_target(self, joker: int) -> int | None:
        """The royal joker card ``joker`` (52 or 53) holds, or None."""
        v = (self.jo >> (9 * (joker - CARDS))) & 63
        return v - 1 if v else None

    def jokers_on(self, r: int) -> list[int]:
        """The jokers on royal ``r``, bottom to top."""
        on = [
            ((self.jo >> (9 * j + 6)) & 1, CARDS + j)
            for j in range(2)
            if (self.jo >> (9 * j)) & 63 == r + 1
        ]
        return [k for _, k in sorted(on)]

    def joker_from(self, joker: int) -> int:
        """The seat the joker's royal was taken from."""
        return (self.jo >> (9 * (joker - CARDS) + 7)) & 3

    def attach_joker(self, joker: int, r: int, frm: int) -> None:
        """Put ``joker`` on top of royal ``r`` (taken from seat ``frm``)."""
        depth = len(self.jokers_on(r))
        j = joker - CARDS
        v = (frm << 7) | (depth << 6) | (r + 1)
        self.jo = (self.jo & ~(511 << (9 * j))) | (v << (9 * j))

    def detach_joker(self, joker: int) -> None:
        """Take ``joker`` off the royal it holds."""
        self.jo &= ~(511 << (9 * (joker - CARDS)))

    def covered(self, jack: int) -> bool:
        """Whether another jack (or joker) sits on top of this field jack (or joker)."""
        if jack >= CARDS:
            r = self.joker_target(jack)
            return r is not None and self.jokers_on(r)[-1] != jack
        t = self.jack_target(jack & 3)
        return t is not None and self.jacks_on(t)[-1] != jack

    def detach(self, jack: int) -> None:
        """Take ``jack`` off the point card it holds."""
        self.jk &= ~(255 << (8 * (jack & 3)))
        self.jf &= ~(3 << (2 * (jack & 3)))

    def owner_of(self, c: int) -> int | None:
        """The seat whose field holds card ``c`` (None when it is not on a field)."""
        where = self.loc[c]
        if PTS <= where < PTS + 4:
            return where - PTS
        if PERM <= where < PERM + 4:
            return where - PERM
        return None


def winner_of(s: int, n: int) -> int | None:
    """The winning seat's index from turn state ``s`` of an ``n``-seat game (None while
    playing or in a draw; two seats record a draw as result 3, three as ``drawn``).
    """
    result = Turn.result.get(s)
    if result == 0 or (n == 2 and result == 3):
        return None
    return result - 1


def draw_fields(n: int) -> dict[str, int]:
    """The turn-state fields that record a draw in an ``n``-seat game."""
    return {"result": 3} if n == 2 else {"result": 0, "drawn": 1}


# ---- the World -------------------------------------------------------------------------


def prepare(world: World, players: int = 2) -> None:
    """The 52 cards (three players: then the two jokers) in the deck in canonical order,
    and every container.
    """
    world.stack_create("deck")
    world.stack_create("scrap")
    b = Batch()
    for z in ZONES if players == 2 else ZONES_3:
        b.space_create_zone(z)
    for c in range(CARDS):
        b.token_create("card", RANKS[c >> 2] + SUITS[c & 3], SUITS[c & 3], To.stack("deck"))
    if players > 2:
        for label in JOKER_NAMES:
            b.token_create("card", label, "joker", To.stack("deck"))
    world.apply(b)


def read(world: World, seats: tuple[str, ...]) -> Table:
    """The table as the World holds it."""
    n = len(seats)
    loc = [DECK] * (CARDS if n == 2 else CARDS_3)
    deck = [int(t) - 1 for t in world.stack("deck")]
    for t in world.stack("scrap"):
        loc[t - 1] = SCRAP
    for i, seat in enumerate(seats):
        for t in world.inventory(seat):
            loc[t - 1] = HAND + i
        for t in world.zone(f"pts{i}")["token"]:
            loc[t - 1] = PTS + i
        for t in world.zone(f"perm{i}")["token"]:
            loc[t - 1] = PERM + i
    chain = [int(t) - 1 for t in world.zone("chain")["token"]]
    for c in chain:
        loc[c] = CHAIN
    for t in world.zone("reveal")["token"]:
        loc[t - 1] = REVEAL
    prop = world.property
    if n == 2:
        return Table(int(prop("s", 0)), int(prop("jk", 0)), loc, deck, chain)
    jf, jo = int(prop("jf", 0)), int(prop("jo", 0))
    return Table(int(prop("s", 0)), int(prop("jk", 0)), loc, deck, chain, n, jf, jo)


def destination(code: int, seats: tuple[str, ...]) -> To:
    """Where a card at location ``code`` lives in the World."""
    if code >= PERM:
        return To.zone(f"perm{code - PERM}")
    if code >= PTS:
        return To.zone(f"pts{code - PTS}")
    if code >= HAND:
        return To.agent(seats[code - HAND])
    return (To.stack("deck"), To.stack("scrap"), To.zone("chain"), To.zone("reveal"))[code]


def commit(world: World, seats: tuple[str, ...], before: Table, after: Table) -> None:
    """Write ``after`` into a World that holds ``before``: one batch of token moves (the
    chain's new cards in chain order) and the changed properties.
    """
    b = Batch()
    moved = [c for c in range(len(before.loc)) if before.loc[c] != after.loc[c]]
    # Cards only ever leave the deck (the test helper may stack it: then rebuild it).
    if any(after.loc[c] == DECK for c in moved) or after.deck != [
        c for c in before.deck if after.loc[c] == DECK
    ]:
        for c in before.deck:
            b.token_move(c + 1, None)
        for c in after.deck:
            b.token_move(c + 1, To.stack("deck"))
        moved = [c for c in moved if after.loc[c] != DECK]
    chain_new = [c for c in after.chain if before.loc[c] != CHAIN]
    for c in moved:
        if after.loc[c] != CHAIN:
            b.token_move(c + 1, destination(after.loc[c], seats))
    for c in chain_new:
        b.token_move(c + 1, To.zone("chain"))
    if after.s != before.s:
        b.game_set_property("s", after.s)
    if after.jk != before.jk:
        b.game_set_property("jk", after.jk)
    if after.jf != before.jf:
        b.game_set_property("jf", after.jf)
    if after.jo != before.jo:
        b.game_set_property("jo", after.jo)
    if len(b):
        world.apply(b)


def cards_mask(cards: list[int], size: int = CARDS) -> np.ndarray:
    """A ``size``-entry (52) 0/1 float32 vector of ``cards``."""
    v = np.zeros(size, dtype=np.float32)
    v[cards] = 1.0
    return v


__all__ = [
    "CHAIN",
    "DECK",
    "HAND",
    "PERM",
    "POINT_CARDS",
    "PTS",
    "REVEAL",
    "SCRAP",
    "Phase",
    "Table",
    "Turn",
    "cards_mask",
    "commit",
    "draw_fields",
    "hand_of",
    "perm_of",
    "prepare",
    "pts_of",
    "read",
    "winner_of",
]
