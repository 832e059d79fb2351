"""What the seats of :mod:`games.holdem` see: the observation vectors, the text rendering,
and the hidden variants the contract suite's leak check compares views over.

Nothing here reads another seat's hole cards for an observation: a view is built from the
seat's own cards, the board and the public betting (the layouts are in the game's
docstring).
"""

from __future__ import annotations

import numpy as np

from games.holdem.evaluator import card_name, describe, evaluate
from games.holdem.rules import Stakes, may_raise, pots, raise_to
from games.holdem.state import ALL_IN, FOLDED, HC, IN, SHOWDOWN, STREET_NAMES, Table, pack
from games.holdem.table import DECK
from hypertoken.core import Batch, World

BASE_SIZE = 20
RICH_SIZE = 54
_RANK = tuple((r + 1) / 13 for r in range(13))
_SUIT = tuple((s + 1) / 4 for s in range(4))


def _cards_into(obs: np.ndarray, at: int, cards: list[int]) -> None:
    for k, c in enumerate(cards):
        obs[at + 2 * k] = _RANK[c >> 2]
        obs[at + 2 * k + 1] = _SUIT[c & 3]


def observation(t: Table, k: Stakes, i: int, rich: bool) -> np.ndarray:
    """Seat i's observation: the 20 entries, then with ``rich`` the 34 more."""
    obs = np.zeros(RICH_SIZE if rich else BASE_SIZE, dtype=np.float32)
    total = t.n * k.starting_stack
    _cards_into(obs, 0, t.hole[i])
    _cards_into(obs, 4, t.board)
    obs[14] = t.pot() / total
    obs[15] = t.stack[i] / total
    obs[16] = (sum(t.stack) - t.stack[i]) / total
    obs[17] = (t.to_call(i) if t.live(i) else 0) / total
    obs[18] = t.street / 5
    obs[19] = 1.0 if t.button == i else 0.0
    if rich:
        for off in range(t.n):
            j = (i + off) % t.n
            obs[20 + off] = t.stack[j] / total
            obs[30 + off] = t.sbet[j] / total
            st = t.status[j]
            obs[40 + off] = 0.0 if st & (IN | FOLDED) != IN else 0.5 if st & ALL_IN else 1.0
        if i == t.actor and may_raise(t, i):
            low = min(t.bet + t.minr, t.sbet[i] + t.stack[i])
            obs[50] = (low - t.sbet[i]) / total
            obs[51] = (raise_to(t, k, i, None) - t.sbet[i]) / total
        obs[52] = t.n / 10
        obs[53] = ((t.button - i) % t.n) / 10
    return obs


def hole_card_variants(world: World, seats: tuple[str, ...]) -> list[tuple[str, World]]:
    """Worlds that differ from ``world`` only in another seat's hole card (swapped with a
    card still in the deck), paired with each seat that may not see it; none once the hand
    has gone to a showdown (the cards are then shown).
    """
    n = len(seats)
    t = Table.load(world, n)
    if t.street == SHOWDOWN:
        return []
    deck = world.stack(DECK).tolist()
    out: list[tuple[str, World]] = []
    for j in range(n):
        if len(t.hole[j]) != 2 or len(deck) < 2:
            continue
        for pos in (len(deck) - 1, 0):  # the next card off the deck, and the bottom one
            new = deck[pos] - 1
            old = t.hole[j][0]
            variant = world.fork()
            variant.apply(
                Batch()
                .stack_remove_at(DECK, pos)
                .token_move(old + 1, None)
                .stack_insert_at(DECK, pos, old + 1)
                .stack_discard(DECK, new + 1)
                .game_set_property(HC[j], pack([new, t.hole[j][1]]))
            )
            out.extend((seats[s], variant) for s in range(n) if s != j)
    return out


def render(t: Table, k: Stakes, seats: tuple[str, ...], seat: str | None) -> str:
    """The hand number, street, pots and board, then a line per seat: position, chips
    behind, the street's bet, cards (another seat's face down as ``?? ??`` when rendering
    for ``seat``, until a showdown shows them) and its state.
    """
    board = " ".join(card_name(c) for c in t.board) or "-"
    pot_text = str(t.pot())
    if any(t.live(j) and t.status[j] & ALL_IN for j in range(t.n)):
        pot_text += f" (main and side pots {' + '.join(str(c) for c, _ in pots(t))})"
    lines = [
        f"hand {t.hand}/{k.hands}, {STREET_NAMES[t.street]}, blinds {k.small_blind}/"
        f"{k.big_blind}, pot {pot_text}, board [{board}]"
    ]
    for i, name in enumerate(seats):
        st = t.status[i]
        tags = ["BTN"] if i == t.button else []
        shown = seat is None or seat == name or (t.street == SHOWDOWN and t.live(i))
        if not st & IN:
            cards, state = "", "out" if t.stack[i] == 0 else "waiting"
        else:
            cards = (" ".join(card_name(c) for c in t.hole[i]) if shown else "?? ??").join("[]")
            state = "folded" if st & FOLDED else "all-in" if st & ALL_IN else ""
            if t.street == SHOWDOWN and t.live(i) and len(t.hole[i] + t.board) >= 5:
                state = describe(evaluate(t.hole[i] + t.board))
        if i == t.actor:
            state = (state + ", to act").lstrip(", ")
        if t.won[i] and t.street >= SHOWDOWN:
            state = (state + f", won {t.won[i]}").lstrip(", ")
        tag = f" ({'/'.join(tags)})" if tags else ""
        bet = f", bet {t.sbet[i]}" if t.sbet[i] else ""
        lines.append(f"{name}{tag}: {t.stack[i]} chips{bet} {cards} {state}".rstrip())
    return "\n".join(lines)


__all__ = ["BASE_SIZE", "RICH_SIZE", "hole_card_variants", "observation", "render"]
