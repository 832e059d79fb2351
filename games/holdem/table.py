"""How :mod:`games.holdem` runs its rules over the World: the deck, setup, a move, and
:func:`restack` (deals a hand from chosen cards, for tests and demonstrations).

A move loads the :class:`~games.holdem.state.Table` from the World's properties, plays the
rules of :mod:`games.holdem.rules` on it with a :class:`WorldDealer` taking cards off the
``deck`` stack, and writes the changed properties and the dealt cards (moved onto the
deck's discards) back in one batch.
"""

from __future__ import annotations

from games.holdem.evaluator import RANKS, SUITS
from games.holdem.rules import Stakes, advance, start_hand
from games.holdem.state import Table
from hypertoken.core import Batch, World

DECK = "deck"


class WorldDealer:
    """Deals from the World's ``deck`` stack: reads its order once, counts the cards
    dealt off the top, and burns them onto the discards when the move is written.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self._order: list[int] | None = None
        self.dealt = 0

    def deal(self, k: int) -> list[int]:
        """The next ``k`` cards off the top (card ids: token id - 1)."""
        if self._order is None:
            self._order = self.world.stack(DECK).tolist()
        order = self._order
        top = len(order) - 1 - self.dealt
        self.dealt += k
        return [order[top - j] - 1 for j in range(k)]

    def new_deck(self, seed: int) -> None:
        """Every card back into the deck, shuffled with ``seed`` (applied at once: the
        cards of the next hand are read from the new order).
        """
        self.world.apply(Batch().stack_reset(DECK).stack_shuffle(DECK, seed), atomic=False)
        self._order = None
        self.dealt = 0

    def finish(self, batch: Batch) -> Batch:
        """Add the burn of every card dealt to ``batch``."""
        if self.dealt:
            batch.stack_burn(DECK, self.dealt)
        return batch


def prepare_batch() -> Batch:
    """The deck: 52 tokens, created in card order (token id = card id + 1 in a World
    prepared without tokens), labelled with rank and suit.
    """
    b = Batch().stack_create(DECK)
    for r in RANKS:
        for s in SUITS:
            b.token_create("card", r, s, f"stack:{DECK}")
    return b


def setup(world: World, stakes: Stakes, n: int, seed: int) -> None:
    """Shuffle the deck with ``seed`` and deal the first hand (seat 0 on the button)."""
    world.stack_shuffle(DECK, seed)
    t = Table.new(n, stakes.starting_stack)
    t.loaded = {}
    dealer = WorldDealer(world)
    start_hand(t, stakes, dealer, 0)
    advance(t, stakes, dealer, seed)
    world.apply(dealer.finish(t.save(Batch())), atomic=False)


def restack(world: World, stakes: Stakes, n: int, cards: list[int], seed: int = 0) -> None:
    """Deal the current hand again from ``cards`` (card ids, top of the deck first), the
    rest of the deck after them in any order: the hand's bets go back to the stacks and
    the same button deals. Deal order: one hole card per seat dealt in, from the first seat
    left of the button, then a second; then burn and flop (four cards), burn and turn,
    burn and river. Call it before the hand's first action. Uses only World actions.
    """
    t = Table.load(world, n)
    for i in range(n):
        t.stack[i] += t.total[i]
        t.total[i] = t.sbet[i] = 0
    t.hand -= 1
    b = Batch().stack_reset(DECK)
    for c in reversed(cards):  # the first card ends on top
        b.token_move(c + 1, None).stack_insert_at(DECK, 51, c + 1)
    world.apply(b, atomic=False)
    dealer = WorldDealer(world)
    start_hand(t, stakes, dealer, t.button)
    advance(t, stakes, dealer, seed)
    world.apply(dealer.finish(t.save(Batch())), atomic=False)


def deal_order(n: int, button: int, holes: dict[int, list[int]], board: list[int]) -> list[int]:
    """The top of a deck that deals ``holes`` (seat -> its two cards, for every seat dealt
    in) and then ``board`` (up to five cards), with ``button`` on the button: what
    :func:`restack` takes. The burnt cards are the lowest cards used nowhere else.
    """
    used = {c for h in holes.values() for c in h} | set(board)
    spare = iter(c for c in range(52) if c not in used)
    seated = [(button + j) % n for j in range(1, n + 1) if (button + j) % n in holes]
    order = [holes[s][0] for s in seated] + [holes[s][1] for s in seated]
    for street in (board[:3], board[3:4], board[4:5]):
        if street:
            order += [next(spare), *street]
    return order


__all__ = ["DECK", "WorldDealer", "deal_order", "prepare_batch", "restack", "setup"]
