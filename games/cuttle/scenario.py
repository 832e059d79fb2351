"""Scenarios for :mod:`games.cuttle`: a game in a fresh World, and a table arranged
card by card through World actions (for tests, tutorials and puzzles).

>>> from games.cuttle.scenario import arrange, new_game
>>> game, world = new_game(seed=1)
>>> arrange(game, world, hands={0: "10H 2C", 1: "9S"}, deck="KD")
>>> game.table(world).deck[-1]  # the top of the deck: the king of diamonds
49
"""

from __future__ import annotations

from collections.abc import Mapping

from games.cuttle.cards import JACK, encode, parse
from games.cuttle.game import Cuttle
from games.cuttle.state import (
    CHAIN,
    DECK,
    HAND,
    PERM,
    PTS,
    REVEAL,
    SCRAP,
    Phase,
    Turn,
    commit,
    read,
)
from hypertoken.core import World
from hypertoken.game import MoveContext

__all__ = ["arrange", "cards", "decider", "legal", "move", "new_game", "play", "where"]

#: The context scenario moves are applied with.
CTX = MoveContext(0, 0, 1, 99)


def cards(text: str) -> list[int]:
    """Card numbers of space-separated names (``"10H AS"``)."""
    return [parse(x) for x in text.split()]


def new_game(seed: int = 1, players: int = 2, **options: int) -> tuple[Cuttle, World]:
    """A Cuttle game of ``players`` seats set up in a new World as the Engine would (seed
    of the setup entry).
    """
    game = Cuttle(players, **options)
    world = game.new_world()
    game.prepare(world)
    for seat in game.seats:
        world.agent_create(seat)
    world.game_start(0)
    game.setup(world, MoveContext(0, 0, 0, seed))
    return game, world


def arrange(
    game: Cuttle,
    world: World,
    *,
    hands: Mapping[int, str] | None = None,
    deck: str = "",
    points: Mapping[int, str] | None = None,
    permanents: Mapping[int, str] | None = None,
    scrap: str = "",
    jacks: Mapping[str, str] | None = None,
    turn: int = 0,
    empty_deck: bool = False,
    taken: Mapping[str, int] | None = None,
) -> None:
    """Lay the table out through World token moves. Every card named goes where it is
    named; ``deck`` lists the top of the deck, top card first; cards named nowhere go to
    the bottom of the deck in their shuffled order, except a seat's unnamed hand cards
    which stay when ``hands`` does not name that seat (``empty_deck`` sends the unnamed
    rest to the scrap). ``jacks`` maps a jack (in its player's ``permanents``) to the
    point card it holds (in the thief's ``points``), bottom jack first; with three
    players it may also map a joker to the royal it holds, and ``taken`` maps each such
    jack or joker to the seat the card was taken from (where it goes back). The game is
    in its main phase, ``turn`` to move, with no passes.
    """
    before = read(world, game.seats)
    t = before.copy()
    hands = dict(hands or {})
    placed: dict[int, int] = {}
    for i, text in hands.items():
        for c in cards(text):
            placed[c] = HAND + i
    for i, text in (points or {}).items():
        for c in cards(text):
            placed[c] = PTS + i
    for i, text in (permanents or {}).items():
        for c in cards(text):
            placed[c] = PERM + i
    for c in cards(scrap):
        placed[c] = SCRAP
    top = cards(deck)
    keep = {HAND + i for i in range(t.n) if i not in hands}
    rest = [c for c in before.deck if c not in placed and c not in top]
    rest += [c for c in range(len(t.loc)) if c not in placed and c not in top and c not in rest]
    rest = [c for c in rest if t.loc[c] == DECK or t.loc[c] not in keep]
    if empty_deck:
        for c in rest:
            placed[c] = SCRAP
        rest = []
    for c, code in placed.items():
        t.loc[c] = code
    t.deck = rest + top[::-1]
    for c in t.deck:
        t.loc[c] = DECK
    t.chain = []
    t.jk = t.jf = t.jo = 0
    for j, x in (jacks or {}).items():
        jc, xc = parse(j), parse(x)
        if jc >= 52:  # a joker on a royal: it was taken from the seat named by ``taken``
            t.attach_joker(jc, xc, (taken or {})[j])
            continue
        assert jc >> 2 == JACK, f"{j} is not a jack"
        t.attach(jc, xc, (taken or {}).get(j, 0) if t.n > 2 else None)
    t.s = Turn.pack(phase=Phase.MAIN, turn=turn, actor=turn)
    commit(world, game.seats, before, t)


def move(kind: str, *names: str) -> int:
    """The action id of a move named as in the log: ``move("scuttle", "9S", "9D")``."""
    return encode(kind, tuple(parse(n) for n in names))


def play(game: Cuttle, world: World, *actions: int) -> None:
    """Play ``actions`` for whichever seat decides, checking that each is legal."""
    for action in actions:
        seat = game.current_player(world)
        assert seat is not None, "the game is over"
        assert game.is_legal(world, seat, action), f"{seat} may not {action}"
        game.apply(world, seat, action, CTX)


def where(game: Cuttle, world: World, card: str) -> str:
    """Where a card is: deck, scrap, chain, reveal, hand0/1/2, pts0/1/2 or perm0/1/2."""
    code = game.table(world).loc[parse(card)]
    names = {DECK: "deck", SCRAP: "scrap", CHAIN: "chain", REVEAL: "reveal"}
    for i in range(game.num_players):
        names |= {HAND + i: f"hand{i}", PTS + i: f"pts{i}", PERM + i: f"perm{i}"}
    return names[code]


def legal(game: Cuttle, world: World) -> set[int]:
    """The deciding seat's legal action ids."""
    seat = game.current_player(world)
    assert seat is not None, "the game is over"
    return {int(x) for x in game.legal_actions(world, seat).nonzero()[0]}


def decider(game: Cuttle, world: World) -> int:
    """The index of the seat that decides now."""
    seat = game.current_player(world)
    assert seat is not None, "the game is over"
    return game.seats.index(seat)
