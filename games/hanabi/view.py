"""What seats see in :mod:`games.hanabi`: the observation vector, its layout, the text
rendering, and the worlds that differ only in what a seat may not see.

The observation never reads the observing seat's own cards: only its knowledge from
hints (``k{i}``), which the hints alone change. :func:`hidden_variants` gives the contract
suite worlds whose own cards differ, to check exactly that.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from games.hanabi.state import (
    CARD,
    COLOURS,
    COPIES,
    DECK_SIZE,
    DISCARD,
    HAND,
    HINT_COLOUR,
    HINT_RANK,
    KNOW,
    MAX_INFO,
    MAX_LIVES,
    NONE,
    NUM_COLOURS,
    NUM_RANKS,
    PLAY,
    discards,
    hand,
    hand_size,
    knowledge,
    label,
    last_move,
    pack_hand,
    possible_colours,
    possible_ranks,
    table,
)
from hypertoken.core import Batch, To, World

#: Observation entries per slot of knowledge: 5 colours, 5 ranks, two hinted flags, a card.
KNOWLEDGE_BITS = 13
#: The 13 observation entries of every 12-bit slot knowledge (a table: one row copy each).
_KNOWLEDGE_ROWS = np.array(
    [[(k >> b) & 1 for b in range(12)] + [1] for k in range(1 << 12)], dtype=np.float32
)
#: Where each rank's copies start in a colour's 10 discard entries.
_RANK_START = tuple(sum(COPIES[:r]) for r in range(NUM_RANKS))


class ObservationLayout:
    """Offsets of the observation's sections for ``n`` players (hand size ``H``); see the
    game's docstring for the meaning of each entry.
    """

    def __init__(self, num_players: int) -> None:
        n = self.num_players = num_players
        h = self.hand_size = hand_size(num_players)
        #: Cards in the deck after the deal (the deck entry's divisor).
        self.initial_deck = DECK_SIZE - n * h
        self.hands = 0
        self.fireworks = self.hands + (n - 1) * h * 25
        self.info = self.fireworks + NUM_COLOURS * NUM_RANKS
        self.lives = self.info + MAX_INFO
        self.deck = self.lives + MAX_LIVES
        self.discards = self.deck + 1
        self.last = self.discards + DECK_SIZE
        # The last move's fields.
        self.last_kind = self.last
        self.last_mover = self.last_kind + 4
        self.last_target = self.last_mover + n
        self.last_colour = self.last_target + n
        self.last_rank = self.last_colour + NUM_COLOURS
        self.last_touched = self.last_rank + NUM_RANKS
        self.last_slot = self.last_touched + h
        self.last_card = self.last_slot + h
        self.last_success = self.last_card + 25
        self.last_bonus = self.last_success + 1
        self.knowledge = self.last_bonus + 1
        self.size = self.knowledge + n * h * KNOWLEDGE_BITS

    def card_at(self, offset: int, slot: int) -> int:
        """Where the one-hot card of another player's slot starts (offset 1..n-1)."""
        return self.hands + ((offset - 1) * self.hand_size + slot) * 25

    def knowledge_at(self, offset: int, slot: int) -> int:
        """Where the knowledge of a slot starts (offset 0 = the observing seat)."""
        return self.knowledge + (offset * self.hand_size + slot) * KNOWLEDGE_BITS


def layout_for_size(size: int) -> ObservationLayout:
    """The layout whose observation has ``size`` entries (each player count's differs)."""
    for n in range(2, 6):
        layout = ObservationLayout(n)
        if layout.size == size:
            return layout
    raise ValueError(f"no hanabi observation has {size} entries")


def observation(layout: ObservationLayout, p: dict[str, Any], me: int) -> np.ndarray:
    """Seat ``me``'s observation from the game properties ``p``."""
    n, h = layout.num_players, layout.hand_size
    obs = np.zeros(layout.size, dtype=np.float32)
    for o in range(1, n):
        for j, token in enumerate(hand(p[HAND[(me + o) % n]])):
            obs[layout.card_at(o, j) + CARD[token]] = 1.0
    t = table(p["s"])
    for c, height in enumerate(t.fireworks):
        obs[layout.fireworks + 5 * c : layout.fireworks + 5 * c + height] = 1.0
    obs[layout.info : layout.info + t.info] = 1.0
    obs[layout.lives : layout.lives + t.lives] = 1.0
    obs[layout.deck] = t.deck / layout.initial_deck
    for card, count in enumerate(discards(p["d"])):
        if count:
            at = layout.discards + 10 * (card // 5) + _RANK_START[card % 5]
            obs[at : at + count] = 1.0
    m = last_move(p["last"])
    if m.kind != NONE:
        obs[layout.last_kind + m.kind - 1] = 1.0
        obs[layout.last_mover + (m.mover - me) % n] = 1.0
        if m.kind in (HINT_COLOUR, HINT_RANK):
            obs[layout.last_target + (m.target - me) % n] = 1.0
            at = layout.last_colour if m.kind == HINT_COLOUR else layout.last_rank
            obs[at + m.value] = 1.0
            for j in range(h):
                if m.touched >> j & 1:
                    obs[layout.last_touched + j] = 1.0
        else:
            obs[layout.last_slot + m.slot] = 1.0
            obs[layout.last_card + m.card] = 1.0
            obs[layout.last_success] = float(m.success)
            obs[layout.last_bonus] = float(m.bonus)
    for o in range(n):
        seat = (me + o) % n
        count = p[HAND[seat]] >> 30
        for j, slot in enumerate(knowledge(p[KNOW[seat]], count)):
            at = layout.knowledge_at(o, j)
            obs[at : at + KNOWLEDGE_BITS] = _KNOWLEDGE_ROWS[slot]
    return obs


def _known(slot: int) -> str:
    """A slot's knowledge as two characters: the colour and rank if known, else ``?``."""
    colours, ranks = possible_colours(slot), possible_ranks(slot)
    c = COLOURS[colours[0]] if len(colours) == 1 else "?"
    r = str(ranks[0] + 1) if len(ranks) == 1 else "?"
    return c + r


def render(p: dict[str, Any], seats: tuple[str, ...], viewer: int | None, score: int) -> str:
    """The table as text; with a ``viewer``, that seat's own cards show only what it
    knows of them (``R?``: a red card of unknown rank).
    """
    t = table(p["s"])
    fireworks = " ".join(f"{COLOURS[c]}{height}" for c, height in enumerate(t.fireworks))
    lines = [
        f"fireworks {fireworks}   score {score}",
        f"info {t.info}/{MAX_INFO}   lives {t.lives}/{MAX_LIVES}   deck {t.deck}"
        + ("   (game over)" if t.over else ""),
    ]
    discarded = [label(c) for c, k in enumerate(discards(p["d"])) for _ in range(k)]
    lines.append("discards " + (" ".join(discarded) if discarded else "-"))
    for i, seat in enumerate(seats):
        cards = hand(p[HAND[i]])
        if i == viewer:
            shown = " ".join(_known(k) for k in knowledge(p[KNOW[i]], len(cards)))
        else:
            shown = " ".join(label(CARD[token]) for token in cards)
        mark = "  <- to move" if i == t.seat and not t.over else ""
        lines.append(f"{seat}: {shown}{mark}")
    m = last_move(p["last"])
    if m.kind in (PLAY, DISCARD):
        verb = "played" if m.kind == PLAY else "discarded"
        result = "" if m.kind == DISCARD else (" (placed)" if m.success else " (misplayed)")
        lines.append(f"last: {seats[m.mover]} {verb} {label(m.card)} from slot {m.slot}{result}")
    elif m.kind != NONE:
        what = COLOURS[m.value] if m.kind == HINT_COLOUR else str(m.value + 1)
        touched = [j for j in range(5) if m.touched >> j & 1]
        lines.append(f"last: {seats[m.mover]} hinted {seats[m.target]} {what} (slots {touched})")
    return "\n".join(lines)


def hidden_variants(world: World, seats: tuple[str, ...]) -> list[tuple[str, World]]:
    """For each seat holding cards, worlds where only its own cards differ: its hand in
    another order (the knowledge stays with the slots), and its oldest card exchanged
    with the deck's top card.
    """
    p = world.properties()
    deck_size = table(p["s"]).deck
    out: list[tuple[str, World]] = []
    for i, seat in enumerate(seats):
        cards = hand(p[HAND[i]])
        if len(cards) < 2:
            continue
        rotated = world.fork()
        rotated.apply(Batch().game_set_property(HAND[i], pack_hand(cards[1:] + cards[:1])))
        out.append((seat, rotated))
        if deck_size:
            swapped = world.fork()
            top = int(world.stack("deck")[-1])
            swapped.apply(
                Batch()
                .token_move(top, To.agent(seat))
                .token_move(cards[0], To.stack("deck"))
                .game_set_property(HAND[i], pack_hand([top, *cards[1:]]))
            )
            out.append((seat, swapped))
    return out
