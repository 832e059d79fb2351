"""prisoners_dilemma_v1's rules as the Engine sees them: options, simultaneous rounds, hidden
pending choices, observations, rewards, noise, histories, log moves and replay.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

import games
from games.kernels import bind
from games.prisoners_dilemma.game import _KERNEL as KERNEL
from games.prisoners_dilemma.game import BLOCK, PrisonersDilemma, history
from games.prisoners_dilemma.payoffs import Payoffs
from games.prisoners_dilemma.strategies import get_strategy
from games.prisoners_dilemma.tournament import play_match
from hypertoken.core import World
from hypertoken.engine import IllegalMoveError, LocalEngine, RoomEngine
from hypertoken.game import IllegalMove, Information, MoveContext, TurnOrder

C, D = 0, 1
P0, P1 = "player_0", "player_1"


def play(engine: LocalEngine, moves: list[tuple[int, int]]) -> None:
    """Play rounds, seat 1 first in odd rounds (order must not matter)."""
    for k, (a, b) in enumerate(moves):
        if k % 2:
            engine.step(b, P1)
            engine.step(a, P0)
        else:
            engine.step(a, P0)
            engine.step(b, P1)


def test_registered_with_its_metadata() -> None:
    game = games.make("prisoners_dilemma")
    assert isinstance(game, PrisonersDilemma)
    info = game.info
    assert info.env_id == "prisoners_dilemma_v1"
    assert (info.num_actions, info.observation_shape) == (2, (5,))
    assert info.turn_order is TurnOrder.ANY and info.simultaneous
    assert info.information is Information.IMPERFECT
    assert (info.max_length, info.reward_range, info.chance) == (200, (0.0, 500.0), False)
    assert game.options == {}
    noisy = PrisonersDilemma(rounds=10, noise=0.1, sucker=-1)
    assert noisy.info.chance and noisy.info.max_length == 20
    assert noisy.info.reward_range == (-10.0, 50.0)
    assert noisy.options == {"rounds": 10, "noise": 0.1, "sucker": -1}
    assert PrisonersDilemma.info.chance is False  # the class's info is left alone


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rounds": 0}, r"rounds must be an int in 1\.\.1000000"),
        ({"rounds": 1_000_001}, "rounds must be an int"),
        ({"rounds": 5.0}, "rounds must be an int"),
        ({"rounds": True}, "rounds must be an int"),
        ({"noise": -0.1}, r"noise is a probability in 0\.\.1"),
        ({"noise": 1.5}, "noise is a probability"),
        ({"noise": float("nan")}, "noise must be a finite int or float"),
        ({"noise": "0.1"}, "noise must be a finite int or float"),
        ({"temptation": 3}, "T > R > P > S"),
        ({"sucker": 2}, "T > R > P > S"),
        ({"reward": float("inf")}, "reward must be a finite"),
        ({"punishment": None}, "punishment must be a finite"),
    ],
)
def test_bad_options_are_refused_clearly(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PrisonersDilemma(**options)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"2\.\.2 players"):
        PrisonersDilemma(3)
    with pytest.raises(TypeError):
        games.make("prisoners_dilemma", speed=2)


def test_a_round_resolves_when_both_have_chosen_in_either_order() -> None:
    e = LocalEngine(PrisonersDilemma(rounds=3))
    game = e.game
    assert isinstance(game, PrisonersDilemma)
    assert e.current_player() is None  # any seat may move
    e.step(D, P1)
    assert game.rounds_played(e.world) == 0 and e.rewards() == {P0: 0.0, P1: 0.0}
    assert not e.legal_mask(P1).any() and e.legal_mask(P0).all()
    with pytest.raises(IllegalMoveError, match="illegal move for player_1: cooperate"):
        e.step(C, P1)  # one choice per round
    e.step(C, P0)
    assert game.rounds_played(e.world) == 1 and game.last_moves(e.world) == (C, D)
    assert e.rewards() == {P0: 0.0, P1: 5.0}
    assert e.legal_mask(P0).all() and e.legal_mask(P1).all()
    play(e, [(D, D), (C, C)])
    assert e.is_over and e.rewards() == {P0: 4.0, P1: 9.0}
    assert not e.legal_mask(P0).any() and not e.legal_mask(P1).any()
    with pytest.raises(IllegalMoveError, match="the game is over"):
        e.step(C, P0)
    with pytest.raises(IllegalMoveError, match=r"outside 0\.\.1"):
        LocalEngine(PrisonersDilemma()).step(2, P0)


def test_apply_refuses_what_the_referee_would() -> None:
    """Called directly (not through the Engine), apply still refuses bad moves."""
    game = PrisonersDilemma(rounds=1)
    e = LocalEngine(game)
    ctx = MoveContext(0, 0, 99, 1234)
    with pytest.raises(IllegalMove, match=r"actions 0 \(cooperate\) and 1 \(defect\)"):
        game.apply(e.world, P0, 2, ctx)
    game.apply(e.world, P0, C, ctx)
    with pytest.raises(IllegalMove, match="player_0 has already chosen"):
        game.apply(e.world, P0, D, ctx)
    game.apply(e.world, P1, C, ctx)
    with pytest.raises(IllegalMove, match="the match is over"):
        game.apply(e.world, P1, C, ctx)
    with pytest.raises(ValueError, match="no seat 'player_7'"):
        game.legal_actions(e.world, "player_7")


def test_a_pending_choice_is_in_no_view_until_the_round_resolves() -> None:
    e = LocalEngine(PrisonersDilemma(rounds=5))
    play(e, [(C, D)])
    views = {s: e.observe(s)["observation"].copy() for s in (P0, P1)}
    before = e.state_hash()
    for action in (C, D):
        trial = e.fork()
        trial.step(action, P0)
        assert trial.state_hash() != before  # the choice is in the World...
        for s in (P0, P1):  # ...and in nobody's view, not even the chooser's
            assert np.array_equal(trial.observe(s)["observation"], views[s])
        # The picture says who is still to choose, never what was chosen.
        shown = trial.render().splitlines()
        assert shown[:3] == e.render().splitlines()[:3]
        assert shown[3] == "to choose: player_1"


def test_observation_layout() -> None:
    e = LocalEngine(PrisonersDilemma(rounds=4))
    start = e.observe(P0)
    assert start["observation"].dtype == np.float32
    assert start["observation"].tolist() == [0.5, 0.5, 0.0, 0.0, 0.0]
    assert start["action_mask"].tolist() == [1, 1]
    play(e, [(C, D)])
    # Own last move, the opponent's, own score / (T * rounds), theirs, rounds played / rounds.
    assert e.observe(P0)["observation"].tolist() == pytest.approx([0, 1, 0.0, 0.25, 0.25])
    assert e.observe(P1)["observation"].tolist() == pytest.approx([1, 0, 0.25, 0.0, 0.25])
    play(e, [(D, D), (C, C)])
    assert e.observe(P0)["observation"].tolist() == pytest.approx([0, 0, 0.2, 0.45, 0.75])


def test_rewards_and_normalisation_with_other_payoffs() -> None:
    game = PrisonersDilemma(rounds=10, temptation=4.5, reward=3.25, punishment=0.5, sucker=-1)
    e = LocalEngine(game)
    play(e, [(C, D)] * 10)
    assert e.rewards() == {P0: -10.0, P1: 45.0}
    assert (game.info.reward_range[0], game.info.reward_range[1]) == (-10.0, 45.0)
    # (score - S * rounds) / ((T - S) * rounds): the extremes map to 0 and 1.
    assert e.observe(P0)["observation"][2:4].tolist() == [0.0, 1.0]


def test_history_spans_filed_blocks() -> None:
    rounds = 3 * BLOCK + 5
    e = LocalEngine(PrisonersDilemma(rounds=rounds), seed=4)
    rng = random.Random(4)
    moves = [(rng.getrandbits(1), rng.getrandbits(1)) for _ in range(rounds)]
    for k in range(rounds):
        play(e, moves[k : k + 1])
        if k in (BLOCK - 1, BLOCK, 2 * BLOCK, rounds - 1):
            h0, h1 = history(e.world)
            assert list(zip(h0, h1, strict=True)) == moves[: k + 1]
            assert e.game.last_moves(e.world) == moves[k]  # type: ignore[attr-defined]
    expected = sum(Payoffs().score(a, b) for a, b in moves)
    assert e.rewards()[P0] == expected
    assert len(e.world.properties()) == 3 + 3  # choices, match, tally, hist.0..hist.2


def test_render_shows_scores_and_histories() -> None:
    e = LocalEngine(PrisonersDilemma(rounds=3))
    play(e, [(C, D), (D, D)])
    assert e.render() == (
        "round 2/3  player_0 1  player_1 6\nplayer_0: CD\nplayer_1: DD\n"
        "to choose: player_0, player_1"
    )
    play(e, [(C, C)])
    assert e.render().splitlines()[0] == "round 3/3  player_0 4  player_1 9"
    assert "to choose" not in e.render()


def test_log_moves_read_as_cooperate_and_defect() -> None:
    game = PrisonersDilemma()
    assert [game.move_name(a) for a in (C, D)] == [("cooperate", ()), ("defect", ())]
    assert game.parse_move("cooperate", ()) == C and game.parse_move("defect", ()) == D
    for move, args in (("defect", (1,)), ("act", (0,)), ("betray", ())):
        with pytest.raises(IllegalMove, match="has no move"):
            game.parse_move(move, args)


def test_a_recorded_match_replays_to_the_same_state() -> None:
    game = PrisonersDilemma(rounds=30, noise=0.2)
    e = LocalEngine(game, seed=11, record=True, record_batch=7)
    play_match(e, get_strategy("tit_for_tat"), get_strategy("random"), seed=11)
    e.flush()
    assert e.chronicle is not None
    replayed = RoomEngine.replay(
        ch := e.chronicle, games.for_room(ch.config)
    )  # the game is rebuilt from the room's options
    assert isinstance(replayed.game, PrisonersDilemma) and replayed.game.noise == 0.2
    assert replayed.state_hash() == e.state_hash()
    assert replayed.rewards() == e.rewards()


# ---- noise ---------------------------------------------------------------------------


def noisy_match(
    noise: float, seed: int, rounds: int = 200
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Random choices through the game; returns (chosen, played) per round."""
    e = LocalEngine(PrisonersDilemma(rounds=rounds, noise=noise), seed=seed)
    rng = random.Random(seed)
    chosen = [(rng.getrandbits(1), rng.getrandbits(1)) for _ in range(rounds)]
    play(e, chosen)
    h0, h1 = history(e.world)
    return chosen, list(zip(h0, h1, strict=True))


def test_same_seed_same_match_and_the_seed_matters() -> None:
    first = noisy_match(0.3, seed=21)
    assert noisy_match(0.3, seed=21) == first
    assert noisy_match(0.3, seed=22)[1] != first[1]
    a = LocalEngine(PrisonersDilemma(noise=0.1), seed=5)
    b = LocalEngine(PrisonersDilemma(noise=0.1), seed=5)
    for e in (a, b):
        play_match(e, get_strategy("tit_for_tat"), get_strategy("pavlov"), seed=5)
    assert a.state_hash() == b.state_hash() and a.rewards() == b.rewards()


def test_noise_zero_flips_nothing_and_noise_one_flips_everything() -> None:
    for seed in range(3):
        chosen, played = noisy_match(0.0, seed)
        assert played == chosen
        chosen, played = noisy_match(1.0, seed)
        assert played == [(1 - a, 1 - b) for a, b in chosen]
    e = LocalEngine(PrisonersDilemma(noise=1), seed=0)
    scores, moves = play_match(
        e, get_strategy("always_cooperate"), get_strategy("always_cooperate"), seed=0
    )
    assert scores == (100.0, 100.0) and moves == ("D" * 100, "D" * 100)


def test_noise_flips_each_choice_independently_at_its_rate() -> None:
    chosen, played = noisy_match(0.25, seed=8, rounds=2000)
    flips0 = sum(c[0] != p[0] for c, p in zip(chosen, played, strict=True))
    flips1 = sum(c[1] != p[1] for c, p in zip(chosen, played, strict=True))
    both = sum(c[0] != p[0] and c[1] != p[1] for c, p in zip(chosen, played, strict=True))
    assert 400 <= flips0 <= 600 and 400 <= flips1 <= 600  # 500 expected, sd ~19
    assert 80 <= both <= 170  # 125 expected if independent


def test_scores_follow_the_moves_as_played_under_noise() -> None:
    game = PrisonersDilemma(noise=0.15)
    e = LocalEngine(game, seed=2)
    scores, moves = play_match(e, get_strategy("grudger"), get_strategy("gradual"), seed=2)
    pay = game.payoffs
    h0, h1 = (["CD".index(c) for c in m] for m in moves)
    assert scores == (
        sum(pay.score(a, b) for a, b in zip(h0, h1, strict=True)),
        sum(pay.score(b, a) for a, b in zip(h0, h1, strict=True)),
    )
    assert moves[0] != "C" * 100  # noise made the grudger's opponent defect at some point


def test_the_game_object_holds_no_play_state() -> None:
    game = PrisonersDilemma(noise=0.5)
    before = dict(vars(game))
    a, b = World(), World()
    for w in (a, b):
        w.agent_create(P0)
        w.agent_create(P1)
        w.game_start(0)
        game.setup(w, MoveContext(0, 0, 0, 7))
    game.apply(a, P0, D, MoveContext(0, 0, 1, 7))
    assert game.legal_actions(b, P0).all() and not game.legal_actions(a, P0).any()
    assert vars(game) == before


@pytest.mark.parametrize(
    "options", [{"rounds": 60, "noise": 0.3}, {"rounds": 45}, {"rounds": 20, "noise": 1.0}]
)
def test_kernel_changes_the_world_as_the_python_rules_do(options: dict[str, object]) -> None:
    # The same play in the game's World (choices run in its WASM kernel) and in a plain
    # core World (the Python rules): bit-identical after every choice, history blocks
    # filed, noise flips and the end of the match included; the kernel played every one.
    game = PrisonersDilemma(**options)  # type: ignore[arg-type]
    worlds = [game.new_world(), World()]
    for w in worlds:
        w.agent_create(P0)
        w.agent_create(P1)
        w.game_start(0)
        game.setup(w, MoveContext(0, 0, 0, 7))
    fns = bind(worlds[0], KERNEL, ("pd_choose",))
    assert fns is not None and bind(worlds[1], KERNEL, ("pd_choose",)) is None
    choose = fns[0]
    played: list[bool] = []

    def counting(data: bytes) -> int:
        status = choose(data)
        played.append(status == 0)
        return status

    worlds[0].kernel_state = (KERNEL, (counting,))
    rng = random.Random(5)
    n = 0
    while not game.is_over(worlds[0]):
        seats = [P0, P1]
        rng.shuffle(seats)  # either seat may choose first
        for seat in seats:
            n += 1
            action = rng.randrange(2)
            for w in worlds:
                game.apply(w, seat, action, MoveContext(0, 0, n, 1000 + n))
            assert worlds[0].state_hash() == worlds[1].state_hash(), f"choice {n}"
    assert game.is_over(worlds[1]) and history(worlds[0]) == history(worlds[1])
    assert len(played) == n and all(played)
    with pytest.raises(IllegalMove):  # the match is over: refused before the kernel runs
        game.apply(worlds[0], P0, C, MoveContext(0, 0, n + 1, 1))
