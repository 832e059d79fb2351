"""The rules of :mod:`games.hanabi`: the legal mask and the moves, over the World.

Every move is one read of the game properties (and of the deck's top card when a card is
drawn) and one batch: the card tokens' moves and the packed properties together.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from games.hanabi.actions import DISCARD_MOVE, HINT_COLOUR_MOVE, PLAY_MOVE, ActionLayout
from games.hanabi.state import (
    CARD,
    COLOUR_HINTED,
    DISCARD,
    FRESH,
    HAND,
    HINT_COLOUR,
    HINT_RANK,
    KNOW,
    MAX_INFO,
    MAX_SCORE,
    NUM_RANKS,
    PLAY,
    RANK_HINTED,
    LastMove,
    TableBits,
    add_discard,
    hand,
    is_over,
    knowledge,
    pack_hand,
    pack_knowledge,
    pack_last,
    seat_of,
    table,
)
from hypertoken.core import Batch, To, World
from hypertoken.game import IllegalMoveError, seat_names

_LOST = TableBits.lost.mask
_FW = TableBits.fireworks.shift
_COLOUR_BITS = (1 << 5) - 1
_RANK_BITS = _COLOUR_BITS << 5


def hinted(slot: int, kind: int, value: int, touched: bool) -> int:
    """A slot's knowledge after a hint of ``value`` (a colour, or a rank index) that
    ``touched`` it or not: a touched card is that value; an untouched one is not.
    """
    if kind == HINT_COLOUR:
        if touched:
            return (slot & ~_COLOUR_BITS) | 1 << value | COLOUR_HINTED
        return slot & ~(1 << value)
    if touched:
        return (slot & ~_RANK_BITS) | 1 << (5 + value) | RANK_HINTED
    return slot & ~(1 << (5 + value))


class Rules:
    """The rules for ``num_players`` players (the static options only)."""

    def __init__(self, num_players: int, *, lose_all_on_fail: bool = True) -> None:
        self.n = num_players
        self.layout = ActionLayout(num_players)
        self.hand_size = self.layout.hand_size
        self.lose_all_on_fail = lose_all_on_fail
        self.seats = seat_names(num_players)

    # ---- legality --------------------------------------------------------------------

    def mask(self, p: dict[str, Any], me: int) -> np.ndarray:
        """The legal mask of seat ``me`` from the game properties ``p``."""
        s = p["s"]
        if is_over(s) or seat_of(s) != me:
            return np.zeros(self.layout.num_actions, dtype=bool)
        layout, n = self.layout, self.n
        mask = np.zeros(layout.num_actions, dtype=bool)
        count = p[HAND[me]] >> 30
        info = s & 15
        mask[self.hand_size : self.hand_size + count] = True
        if info < MAX_INFO:
            mask[:count] = True
        if info > 0:
            for o in range(1, n):
                colour_at = layout.colour_base + 5 * (o - 1)
                rank_at = layout.rank_base + 5 * (o - 1)
                for token in hand(p[HAND[(me + o) % n]]):
                    colour, rank = divmod(CARD[token], 5)
                    mask[colour_at + colour] = True
                    mask[rank_at + rank] = True
        return mask

    def refusal(self, p: dict[str, Any], me: int, action: int) -> str:
        """Why seat ``me`` may not take ``action`` now ("" when it may)."""
        s = p["s"]
        if is_over(s):
            return "the game is over"
        if seat_of(s) != me:
            return f"it is not {self.seats[me]}'s turn (it is {self.seats[seat_of(s)]}'s)"
        if not 0 <= action < self.layout.num_actions:
            return f"action {action} is outside 0..{self.layout.num_actions - 1}"
        d = self.layout.decoded[action]
        info = s & 15
        if d.kind in (DISCARD_MOVE, PLAY_MOVE):
            if d.slot >= p[HAND[me]] >> 30:
                return f"slot {d.slot} holds no card"
            if d.kind == DISCARD_MOVE and info >= MAX_INFO:
                return f"no discarding with all {MAX_INFO} information tokens"
            return ""
        if info == 0:
            return "no hint without an information token"
        cards = [CARD[t] for t in hand(p[HAND[(me + d.offset) % self.n]])]
        if d.kind == HINT_COLOUR_MOVE:
            touches = any(c // 5 == d.value for c in cards)
        else:
            touches = any(c % 5 == d.value for c in cards)
        return "" if touches else "a hint must touch at least one card"

    # ---- moves -----------------------------------------------------------------------

    def apply(self, world: World, me: int, action: int) -> None:
        """Play seat ``me``'s ``action`` (raises IllegalMoveError, changing nothing, when
        it is not legal).
        """
        p = world.properties()
        reason = self.refusal(p, me, action)
        if reason:
            raise IllegalMoveError(reason)
        t = table(p["s"])
        if t.deck == 0:
            t.turns -= 1  # the last round: every seat moves once more after the last draw
        d = self.layout.decoded[action]
        b = Batch()
        if d.kind == DISCARD_MOVE or d.kind == PLAY_MOVE:
            cards = hand(p[HAND[me]])
            slots = knowledge(p[KNOW[me]], len(cards))
            token = cards.pop(d.slot)
            del slots[d.slot]
            card = CARD[token]
            colour, rank = divmod(card, 5)
            success = bonus = False
            if d.kind == PLAY_MOVE and t.fireworks[colour] == rank:
                success = True
                t.fireworks[colour] += 1
                if rank == NUM_RANKS - 1 and t.info < MAX_INFO:
                    bonus = True
                    t.info += 1
                b.token_move(token, To.stack("fireworks"))
            else:
                if d.kind == PLAY_MOVE:
                    t.lives -= 1
                    t.lost = t.lives == 0
                else:
                    t.info += 1
                b.token_move(token, To.stack("discard"))
                b.game_set_property("d", add_discard(p["d"], card))
            if t.deck:
                cards.append(int(world.stack("deck")[-1]))
                slots.append(FRESH)
                t.deck -= 1
                b.stack_draw("deck", 1, To.agent(self.seats[me]))
            b.game_set_property(HAND[me], pack_hand(cards))
            b.game_set_property(KNOW[me], pack_knowledge(slots))
            kind = PLAY if d.kind == PLAY_MOVE else DISCARD
            last = LastMove(kind, me, slot=d.slot, card=card, success=success, bonus=bonus)
        else:
            target = (me + d.offset) % self.n
            kind = HINT_COLOUR if d.kind == HINT_COLOUR_MOVE else HINT_RANK
            cards = hand(p[HAND[target]])
            slots = knowledge(p[KNOW[target]], len(cards))
            touched = 0
            for j, token in enumerate(cards):
                c = CARD[token]
                hit = (c // 5 if kind == HINT_COLOUR else c % 5) == d.value
                touched |= hit << j
                slots[j] = hinted(slots[j], kind, d.value, hit)
            t.info -= 1
            b.game_set_property(KNOW[target], pack_knowledge(slots))
            last = LastMove(kind, me, target=target, value=d.value, touched=touched)
        t.over = t.lost or sum(t.fireworks) == MAX_SCORE or (t.deck == 0 and t.turns == 0)
        t.seat = (me + 1) % self.n
        b.game_set_property("s", t.pack()).game_set_property("last", pack_last(last))
        world.apply(b)

    def score(self, s: int) -> int:
        """The score of table state ``s`` (as ``Table.score``, without unpacking it)."""
        if s & _LOST and self.lose_all_on_fail:
            return 0
        f = s >> _FW
        return (f & 7) + (f >> 3 & 7) + (f >> 6 & 7) + (f >> 9 & 7) + (f >> 12 & 7)
