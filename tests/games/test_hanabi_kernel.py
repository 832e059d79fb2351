"""hanabi_v1's kernel against its Python rules, the reference: seeded games played move by
move in an engine whose World has the kernel and in one whose World is the plain core
(every move, mask and observation from the Python rules), with equal state hashes, masks
and observations after every move; and the kernel declining, changing nothing, whatever
it may not play.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from games.hanabi import Hanabi
from games.hanabi.fast import Kernel
from games.hanabi.rules import Rules
from games.hanabi.scenario import arrange
from games.hanabi.state import CARD, HAND, fireworks_of, hand, info_of, table
from games.hanabi.view import observation
from hypertoken.core import World
from hypertoken.engine import IllegalMoveError, LocalEngine
from hypertoken.game import MoveContext


class PlainHanabi(Hanabi):
    """Hanabi in a plain core World: the Python rules play every move."""

    def new_world(self) -> World:
        return World()


def engines(n: int, seed: int, **options: bool) -> tuple[LocalEngine, LocalEngine, Kernel]:
    """The same game in a kernel World and in a plain one; the kernel."""
    fast = LocalEngine(Hanabi(n, **options), seed=seed)
    plain = LocalEngine(PlainHanabi(n, **options), seed=seed)
    game = fast.game
    assert isinstance(game, Hanabi)
    kernel = game.kernel(fast.world)
    assert kernel is not None
    assert plain.game.kernel(plain.world) is None  # type: ignore[attr-defined]
    return fast, plain, kernel


def counted(kernel: Kernel) -> list[bool]:
    """Record whether each of the kernel's moves was played (True) or declined."""
    played: list[bool] = []
    step = kernel._step

    def counting(data: bytes) -> int:
        status = step(data)
        played.append(status == 0)
        return status

    kernel._step = counting
    return played


def playable(engine: LocalEngine, seat: int, rules: Rules) -> int | None:
    """A move that looks at the seat's own cards (to reach long games): play a card
    that fits, else hint the next player's playable card, else None.
    """
    world = engine.world
    fireworks = fireworks_of(world.property("s"))
    layout = rules.layout
    for j, token in enumerate(hand(world.property(HAND[seat]))):
        colour, rank = divmod(CARD[token], 5)
        if fireworks[colour] == rank:
            return layout.play(j)
    if info_of(world.property("s")):
        nxt = (seat + 1) % rules.n
        for token in hand(world.property(HAND[nxt])):
            colour, rank = divmod(CARD[token], 5)
            if fireworks[colour] == rank:
                return layout.hint(1, 4, rank)  # HINT_RANK
    return None


def assert_same(fast: LocalEngine, plain: LocalEngine, where: str) -> None:
    """Equal hashes, and every seat's mask and observation equal, in both engines and to
    the Python reference on the kernel's own World.
    """
    assert fast.state_hash() == plain.state_hash(), where
    game = fast.game
    assert isinstance(game, Hanabi)
    props = fast.world.properties()
    for i, seat in enumerate(game.seats):
        mask = game.legal_actions(fast.world, seat)
        assert mask.dtype == np.bool_
        assert np.array_equal(mask, plain.game.legal_actions(plain.world, seat)), where
        assert np.array_equal(mask, game.rules_.mask(props, i)), where
        view = game.player_view(fast.world, seat)
        assert view.dtype == np.float32 and view.shape == game.info.observation_shape
        assert np.array_equal(view, plain.game.player_view(plain.world, seat)), where
        assert np.array_equal(view, observation(game.view_layout, props, i)), where
    assert fast.rewards() == plain.rewards(), where
    assert fast.is_over == plain.is_over, where


def play_game(n: int, seed: int, greedy: float, **options: bool) -> tuple[int, list[bool], Kernel]:
    """One seeded game, random legal moves (a ``greedy`` share of them from
    :func:`playable`), compared after every move; the number of moves and the kernel's
    record.
    """
    fast, plain, kernel = engines(n, seed, **options)
    game = fast.game
    assert isinstance(game, Hanabi)
    played = counted(kernel)
    rng = random.Random(seed * 7 + n)
    assert_same(fast, plain, "after setup")
    moves = 0
    while not fast.is_over:
        seat = fast.current_player()
        assert seat is not None and seat == plain.current_player()
        me = game.seats.index(seat)
        action = playable(fast, me, game.rules_) if rng.random() < greedy else None
        if action is None:
            action = int(rng.choice(np.flatnonzero(game.legal_actions(fast.world, seat))))
        fast.step(action)
        plain.step(action)
        moves += 1
        assert_same(fast, plain, f"seed {seed}, move {moves}: {game.layout.describe(action)}")
    return moves, played, kernel


@pytest.mark.parametrize("n", [2, 3, 4, 5])
@pytest.mark.parametrize("greedy", [0.0, 0.9])
def test_seeded_games_change_the_world_as_the_python_rules_do(n: int, greedy: float) -> None:
    for seed in range(6):
        moves, played, _ = play_game(n, seed, greedy)
        assert len(played) == moves and all(played), "the kernel declined a legal move"


def test_long_games_reach_every_rule_in_the_kernel() -> None:
    # Mostly sensible play: 5s completed (a token regained, or not at 8), the deck run
    # out and the last round played, hints both kinds, misplays, discards.
    ends = set()
    bonus = 0
    for seed in range(12):
        fast, plain, _ = engines(2 + seed % 4, seed, lose_all_on_fail=seed % 2 == 0)
        game = fast.game
        assert isinstance(game, Hanabi)
        rng = random.Random(seed)
        while not fast.is_over:
            seat = fast.current_player()
            assert seat is not None
            action = playable(fast, game.seats.index(seat), game.rules_)
            mask = game.legal_actions(fast.world, seat)
            if action is None and seed % 3 == 0 and mask[0]:
                action = 0  # discard the oldest card: the deck runs out before 25
            if action is None or rng.random() < 0.05:
                action = int(rng.choice(np.flatnonzero(game.legal_actions(fast.world, seat))))
            fast.step(action)
            plain.step(action)
            assert_same(fast, plain, f"seed {seed}")
            last = fast.world.property("last")
            bonus += last >> 26 & 1
        t = table(fast.world.property("s"))
        ends.add("25" if sum(t.fireworks) == 25 else "lost" if t.lost else "deck")
    assert bonus > 0
    assert "deck" in ends and "25" in ends


def illegal_moves(game: Hanabi, engine: LocalEngine) -> list[tuple[int, int]]:
    """(seat, action) pairs the rules refuse now: out of turn, outside the layout, and
    every action outside the mover's mask.
    """
    world = engine.world
    seat = engine.current_player()
    assert seat is not None
    me = game.seats.index(seat)
    other = (me + 1) % game.num_players
    mask = game.rules_.mask(world.properties(), me)
    out = [(other, 0), (other, game.layout.hand_size), (me, game.layout.num_actions), (me, 99)]
    out += [(me, int(a)) for a in np.flatnonzero(~mask)]
    return out


def assert_declines(game: Hanabi, engine: LocalEngine, kernel: Kernel) -> None:
    """Every illegal move: the kernel declines and the World is unchanged, and the game
    refuses it with the Python rules' reason.
    """
    world = engine.world
    before = world.state_hash()
    for me, action in illegal_moves(game, engine):
        assert not kernel.step(world, me, action), (me, action)
        assert world.state_hash() == before
        if action < game.layout.num_actions:
            assert game.rules_.refusal(world.properties(), me, action)
            with pytest.raises(IllegalMoveError):
                game.apply(world, game.seats[me], action, None)  # type: ignore[arg-type]
            assert world.state_hash() == before


def test_the_kernel_declines_illegal_moves_and_changes_nothing() -> None:
    fast, _, kernel = engines(3, 5)
    game = fast.game
    assert isinstance(game, Hanabi)
    assert_declines(game, fast, kernel)  # 8 tokens: no discard
    # No token: no hint; a hint that touches nothing; empty slots at the end.
    arrange(
        game,
        fast.world,
        [["R1", "R2"], ["Y1", "Y1", "Y2"], ["G1"]],
        info=0,
        turns=3,
    )
    assert_declines(game, fast, kernel)
    arrange(game, fast.world, [["R1", "R2"], ["Y1", "Y1", "Y2"], ["G1"]], info=3, seat=1)
    assert_declines(game, fast, kernel)
    # A bad player count or seat in the input: declined.
    world = fast.world
    before = world.state_hash()
    step = world.kernel("hb_step")
    for data in ((0, 0, 1), (0, 0, 6), (7, 0, 3)):
        assert step(np.array(data, dtype="<u4").tobytes())
    assert world.state_hash() == before


def test_a_finished_game_is_declined_and_changes_nothing() -> None:
    fast, plain, kernel = engines(2, 11)
    game = fast.game
    assert isinstance(game, Hanabi)
    while not fast.is_over:
        seat = fast.current_player()
        assert seat is not None
        action = int(np.flatnonzero(game.legal_actions(fast.world, seat))[0])
        fast.step(action)
        plain.step(action)
    assert_same(fast, plain, "over")
    world = fast.world
    before = world.state_hash()
    for me in range(2):
        for action in range(game.layout.num_actions):
            assert not kernel.step(world, me, action)
            assert not game.is_legal(world, game.seats[me], action)
    assert world.state_hash() == before
    assert not any(game.legal_actions(world, s).any() for s in game.seats)


def test_the_view_follows_changes_made_outside_the_kernel() -> None:
    # The kernel's view is kept until the World changes: a position laid out by a
    # Python batch, a restore or a fork is seen at once.
    fast, plain, _ = engines(2, 3)
    game = fast.game
    assert isinstance(game, Hanabi)
    world = fast.world
    snap = world.snapshot()
    first = game.player_view(world, "player_0")
    position = ([["R1", "R2", "R3"], ["Y1", "B5"]], ["W1"])
    arrange(game, world, *position, info=2, fireworks=[1] * 5)
    arrange(plain.game, plain.world, *position, info=2, fireworks=[1] * 5)
    assert_same(fast, plain, "arranged")
    assert not np.array_equal(first, game.player_view(world, "player_0"))
    world.restore(snap)
    assert np.array_equal(first, game.player_view(world, "player_0"))
    fork = world.fork()
    assert np.array_equal(first, game.player_view(fork, "player_0"))
    assert game.kernel(fork) is not None


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_the_kernel_sets_up_as_the_python_rules_do(n: int) -> None:
    for seed in (0, 1, 2**31 + 5, 2**32 - 1):
        worlds = []
        for game in (Hanabi(n), PlainHanabi(n)):
            world = game.new_world()
            for name in game.seats:
                world.agent_create(name)
            world.game_start(0)
            game.prepare(world)
            kernel = game.kernel(world)
            if kernel is not None:
                played = counted_setup(kernel)
            game.setup(world, MoveContext(0, 0, 0, seed))
            worlds.append(world)
        assert played == [True]
        assert worlds[0].state_hash() == worlds[1].state_hash(), seed


def counted_setup(kernel: Kernel) -> list[bool]:
    """Record whether each of the kernel's setups was played (True) or declined."""
    played: list[bool] = []
    setup = kernel._setup

    def counting(data: bytes) -> int:
        status = setup(data)
        played.append(status == 0)
        return status

    kernel._setup = counting
    return played


def test_a_setup_the_deck_cannot_deal_is_declined() -> None:
    fast, _, kernel = engines(5, 0)
    game = fast.game
    assert isinstance(game, Hanabi)
    arrange(game, fast.world, [["R1"], ["R1"], ["R1"], ["Y1"], ["Y1"]], ["B1", "B2"])
    before = fast.world.state_hash()
    assert not kernel.setup(fast.world, 7)
    assert fast.world.state_hash() == before
