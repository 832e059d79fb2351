"""hanabi_v1's observation layout entry by entry, the leak check's hidden variants,
shared rewards through the AEC env, the rendering and the log's move names.
"""

from __future__ import annotations

import numpy as np
import pytest

import hypertoken.envs as envs
from games.hanabi import Hanabi, ObservationLayout, layout_for_size
from games.hanabi.scenario import arrange
from games.hanabi.state import HINT_COLOUR, HINT_RANK, parse_card
from hypertoken.engine import LocalEngine

P0, P1 = "player_0", "player_1"
R, Y, G, W, B = range(5)


def setup_position() -> tuple[Hanabi, LocalEngine]:
    game = Hanabi(2)
    engine = LocalEngine(game, seed=0)
    arrange(
        game,
        engine.world,
        [["R1", "Y2", "G1", "W3", "B4"], ["R2", "Y1", "G1", "W4", "R4"]],
        ["B1", "B2", "B3"],
        fireworks=(1, 0, 0, 2, 0),
        info=5,
        lives=2,
        discards=["Y5", "R1"],
    )
    return game, engine


@pytest.mark.parametrize(("n", "size"), [(2, 397), (3, 589), (4, 652), (5, 806)])
def test_layout_sizes(n: int, size: int) -> None:
    layout = ObservationLayout(n)
    assert layout.size == size and layout_for_size(size).num_players == n
    h = layout.hand_size
    assert layout.fireworks == (n - 1) * h * 25
    assert layout.knowledge == layout.last + 4 + 2 * n + 10 + 2 * h + 27
    assert layout.size == layout.knowledge + n * h * 13


def test_the_sections_hold_the_position() -> None:
    game, engine = setup_position()
    layout = game.view_layout
    obs = game.player_view(engine.world, P0)
    assert obs.dtype == np.float32 and obs.min() >= 0.0 and obs.max() <= 1.0
    # player_1's hand, slot by slot, as seen by player_0 (offset 1).
    for j, card in enumerate(["R2", "Y1", "G1", "W4", "R4"]):
        at = layout.card_at(1, j)
        assert np.flatnonzero(obs[at : at + 25]).tolist() == [parse_card(card)]
    fw = obs[layout.fireworks : layout.fireworks + 25].reshape(5, 5)
    assert fw.sum(axis=1).tolist() == [1, 0, 0, 2, 0] and fw[W].tolist() == [1, 1, 0, 0, 0]
    assert obs[layout.info : layout.info + 8].tolist() == [1] * 5 + [0] * 3
    assert obs[layout.lives : layout.lives + 3].tolist() == [1, 1, 0]
    assert obs[layout.deck] == pytest.approx(3 / 40)
    disc = obs[layout.discards : layout.discards + 50].reshape(5, 10)
    assert np.flatnonzero(disc[R]).tolist() == [0] and np.flatnonzero(disc[Y]).tolist() == [9]
    assert disc.sum() == 2
    assert not obs[layout.last : layout.knowledge].any()  # no move yet
    for o in range(2):
        for j in range(5):
            at = layout.knowledge_at(o, j)
            assert obs[at : at + 13].tolist() == [1] * 10 + [0, 0, 1]


def test_the_last_move_and_knowledge_after_a_hint_and_a_play() -> None:
    game, engine = setup_position()
    layout = game.view_layout
    engine.step(game.layout.hint(1, HINT_RANK, 0), P0)  # rank 1: player_1's slots 1 and 2
    for seat, mover, target in ((P0, 0, 1), (P1, 1, 0)):
        obs = game.player_view(engine.world, seat)
        assert obs[layout.last_kind : layout.last_kind + 4].tolist() == [0, 0, 0, 1]
        assert np.flatnonzero(obs[layout.last_mover : layout.last_mover + 2]).tolist() == [mover]
        assert np.flatnonzero(obs[layout.last_target : layout.last_target + 2]).tolist() == [target]
        assert np.flatnonzero(obs[layout.last_rank : layout.last_rank + 5]).tolist() == [0]
        assert not obs[layout.last_colour : layout.last_colour + 5].any()
        touched = obs[layout.last_touched : layout.last_touched + 5]
        assert np.flatnonzero(touched).tolist() == [1, 2]
        # player_1's knowledge, at offset 1 for player_0 and 0 for itself.
        at = layout.knowledge_at(target, 1)
        assert obs[at : at + 13].tolist() == [1] * 5 + [1, 0, 0, 0, 0] + [0, 1, 1]
        at = layout.knowledge_at(target, 0)
        assert obs[at : at + 13].tolist() == [1] * 5 + [0, 1, 1, 1, 1] + [0, 0, 1]
    engine.step(game.layout.play(0), P1)  # R2 on red 1: placed
    obs = game.player_view(engine.world, P0)
    assert obs[layout.last_kind : layout.last_kind + 4].tolist() == [1, 0, 0, 0]
    assert np.flatnonzero(obs[layout.last_mover : layout.last_mover + 2]).tolist() == [1]
    assert np.flatnonzero(obs[layout.last_slot : layout.last_slot + 5]).tolist() == [0]
    at = layout.last_card
    assert np.flatnonzero(obs[at : at + 25]).tolist() == [parse_card("R2")]
    assert (obs[layout.last_success], obs[layout.last_bonus]) == (1.0, 0.0)
    assert not obs[layout.last_target : layout.last_rank + 5].any()


def test_a_seat_never_sees_its_own_cards() -> None:
    game, engine = setup_position()
    variants = game.hidden_variants(engine.world)
    assert {s for s, _ in variants} == {P0, P1} and len(variants) == 4
    for seat, world in variants:
        assert np.array_equal(game.player_view(engine.world, seat), game.player_view(world, seat))
        other = P1 if seat == P0 else P0
        assert not np.array_equal(
            game.player_view(engine.world, other), game.player_view(world, other)
        )
        world.check()  # the variant is a consistent World (tokens where the hands say)


def test_views_differ_per_seat() -> None:
    game, engine = setup_position()
    assert not np.array_equal(
        game.player_view(engine.world, P0), game.player_view(engine.world, P1)
    )


def test_the_reward_is_shared_and_is_the_change_in_score() -> None:
    env = envs.aec_env("hanabi_v1")
    env.reset(seed=0)
    game = env.unwrapped.game
    arrange(
        game,
        env.unwrapped.episode.engine.world,
        [["R1", "Y1", "G1", "W1", "B1"], ["R2", "Y2", "G2", "W2", "B2"]],
        ["R3", "R4"],
    )
    env.step(game.layout.play(0))  # R1: +1 for both
    assert env.rewards == {P0: 1.0, P1: 1.0}
    env.step(game.layout.play(0))  # R2: +1
    assert env.rewards == {P0: 1.0, P1: 1.0}
    env.step(game.layout.hint(1, HINT_COLOUR, Y))  # no change
    assert env.rewards == {P0: 0.0, P1: 0.0}


def test_render() -> None:
    game, engine = setup_position()
    text = game.render(engine.world)
    assert text.splitlines() == [
        "fireworks R1 Y0 G0 W2 B0   score 3",
        "info 5/8   lives 2/3   deck 3",
        "discards R1 Y5",
        "player_0: R1 Y2 G1 W3 B4  <- to move",
        "player_1: R2 Y1 G1 W4 R4",
    ]
    engine.step(game.layout.hint(1, HINT_RANK, 0), P0)
    engine.step(game.layout.hint(1, HINT_COLOUR, R), P1)
    own = game.render(engine.world, P0).splitlines()
    assert own[3] == "player_0: R? ?? ?? ?? ??  <- to move"
    assert own[4] == "player_1: R2 Y1 G1 W4 R4"
    assert own[5] == "last: player_1 hinted player_0 R (slots [0])"


def test_move_names_round_trip() -> None:
    for n in range(2, 6):
        game = Hanabi(n)
        for action in range(game.info.num_actions):
            name, args = game.move_name(action)
            assert game.parse_move(name, args) == action
    game = Hanabi(2)
    assert game.move_name(0) == ("discard", (0,))
    assert game.move_name(7) == ("play", (2,))
    assert game.move_name(10) == ("hint_colour", (1, "R"))
    assert game.move_name(19) == ("hint_rank", (1, 5))
    with pytest.raises(Exception, match="hanabi has no move hint_rank"):
        game.parse_move("hint_rank", (1, 6))
