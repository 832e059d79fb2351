"""Chosen Hanabi positions, for tests and examples: :func:`arrange` lays the cards and the
tokens out in a World that a game was set up in (an engine's, after its reset), so play
goes on from there through the engine as usual.

Cards are written ``"R1"`` .. ``"B5"`` (colour letter R Y G W B, printed rank). Cards the
position does not mention go to stack ``box``, out of the game, so a short deck stays
short. Knowledge starts fresh (no hints given) and there is no last move.
"""

from __future__ import annotations

from collections.abc import Sequence

from games.hanabi.state import (
    CARD,
    DECK_SIZE,
    FRESH,
    HAND,
    KNOW,
    MAX_INFO,
    MAX_LIVES,
    NUM_COLOURS,
    Table,
    add_discard,
    label,
    pack_hand,
    pack_knowledge,
    parse_card,
)
from hypertoken.core import Batch, To, World
from hypertoken.game import Game


def arrange(
    game: Game,
    world: World,
    hands: Sequence[Sequence[str]],
    deck: Sequence[str] = (),
    *,
    fireworks: Sequence[int] = (0, 0, 0, 0, 0),
    info: int = MAX_INFO,
    lives: int = MAX_LIVES,
    discards: Sequence[str] = (),
    seat: int = 0,
    turns: int | None = None,
) -> None:
    """Lay out a position: each seat's hand (oldest card first), the deck (top first),
    each colour's firework height (its cards are taken from the box), the information
    and life tokens, the discards, the seat to move, and the moves left once the deck is
    empty (default: the player count, as right after the last draw).
    """
    n = game.num_players
    if len(hands) != n:
        raise ValueError(f"give {n} hands, not {len(hands)}")
    if len(fireworks) != NUM_COLOURS:
        raise ValueError("give 5 firework heights (R Y G W B)")
    pool: dict[int, list[int]] = {}
    for token in range(1, DECK_SIZE + 1):
        pool.setdefault(CARD[token], []).append(token)

    def take(card: int) -> int:
        if not pool.get(card):
            raise ValueError(f"no copy of {label(card)} is left for this position")
        return pool[card].pop(0)

    b = Batch()
    if "box" not in world.stacks():
        b.stack_create("box")
    for token in range(1, DECK_SIZE + 1):
        b.token_move(token, None)  # every card loose, then each to its place
    for c, height in enumerate(fireworks):
        for rank in range(height):
            b.token_move(take(c * 5 + rank), To.stack("fireworks"))
    d = 0
    for text in discards:
        card = parse_card(text)
        d = add_discard(d, card)
        b.token_move(take(card), To.stack("discard"))
    for i, cards in enumerate(hands):
        tokens = [take(parse_card(text)) for text in cards]
        for token in tokens:
            b.token_move(token, To.agent(game.seats[i]))
        b.game_set_property(HAND[i], pack_hand(tokens))
        b.game_set_property(KNOW[i], pack_knowledge([FRESH] * len(tokens)))
    deck_tokens = [take(parse_card(text)) for text in deck]
    for token in reversed(deck_tokens):  # the bottom first: the top is the last placed
        b.token_move(token, To.stack("deck"))
    for tokens in pool.values():
        for token in tokens:
            b.token_move(token, To.stack("box"))
    t = Table(
        info=info,
        lives=lives,
        fireworks=list(fireworks),
        deck=len(deck_tokens),
        turns=n if turns is None else turns,
        seat=seat,
        over=False,
        lost=False,
    )
    b.game_set_property("s", t.pack()).game_set_property("d", d).game_set_property("last", 0)
    if seat != game.seats.index(world.active_agent() or game.seats[0]):
        b.game_set_active_agent(game.seats[seat])
    world.apply(b)
