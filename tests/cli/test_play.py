"""``hypertoken play``: a person against bots, driven here by piped input."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from hypertoken.cli import main
from hypertoken.cli.play import parse_move


def _play(*args: str, moves: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["play", *args], input=moves)
    return result.exit_code, result.output


def test_a_blackjack_hand_against_the_dealer() -> None:
    code, out = _play("blackjack", "--seed", "42", moves="stand\n")
    assert code == 0, out
    assert "your turn (player_0)" in out and "0 hit  1 stand  2 double" in out
    assert "player_0 (you): stand" in out
    # Seed 42's hand: 15 against the dealer's twenty, stood: the stake is lost.
    assert "episode 1 (seed 42): player_0 (you) -1" in out


def test_tictactoe_against_a_bot_until_a_win() -> None:
    # Bad input is asked again: an occupied cell (4 after the bot took it), then a word.
    code, out = _play("tictactoe", "--seed", "1", moves="4\nfoo\n0\n1\n2\n8\n6\n")
    assert code == 0, out
    assert "not a legal move: 'foo'" in out
    assert "player_1 (random): place" in out
    assert out.rstrip().endswith("episode 1 (seed 1): player_0 (you) +1, player_1 -1")


def test_the_person_can_take_any_seat_and_name_the_bots() -> None:
    code, out = _play(
        "prisoners_dilemma",
        "--seat",
        "1",
        "--bot",
        "tit-for-tat",
        "--option",
        "rounds=2",
        "--seed",
        "3",
        moves="0\n0\n",
    )
    assert code == 0, out
    assert "player_0 (tit-for-tat): cooperate" in out and "player_1 (you): cooperate" in out
    assert "player_0 +6, player_1 (you) +6" in out


def test_several_episodes_add_up() -> None:
    code, out = _play("blackjack", "--seed", "42", "--episodes", "2", moves="stand\nstand\n")
    assert code == 0, out
    assert out.count("episode ") == 2 and "total: player_0 (you)" in out


def test_end_of_input_stops_cleanly() -> None:
    code, out = _play("tictactoe", "--seed", "1", moves="")
    assert code == 0 and out.rstrip().endswith("bye")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["chess"], "no environment 'chess'; registered:"),
        (["blackjack", "--seat", "player_3"], "not a seat of this game"),
        (["tictactoe", "--bot", "basic-strategy"], "plays blackjack only"),
        (["blackjack", "--option", "deck=2"], "has no options ['deck']"),
    ],
)
def test_bad_arguments_are_usage_errors(args: list[str], message: str) -> None:
    code, out = _play(*args, moves="")
    assert code == 2 and message in out


def test_moves_are_read_by_number_name_or_unique_prefix() -> None:
    legal = {0: "hit", 1: "stand", 2: "double"}
    assert [parse_move(t, legal) for t in ("1", "Stand", "st", "d", " hit ")] == [1, 1, 1, 2, 0]
    assert [parse_move(t, legal) for t in ("3", "-1", "", "x", "s t")] == [None] * 5
    assert parse_move("place", {3: "place 3", 5: "place 5"}) is None  # not unique


def test_holdem_by_its_bridge_name_hides_the_bots_cards() -> None:
    code, out = _play(
        "poker", "--seed", "5", "--bot", "holdem-equity", moves="call\n" + "check\n" * 7
    )
    assert code == 0, out
    assert "player_1: 198 chips [?? ??]" in out  # the bot's hole cards, until showdown
    assert "player_1 (holdem-equity): check" in out
    assert "one pair of 6" in out and out.rstrip().endswith("player_0 (you) +1, player_1 -1")


def test_holdem_prompts_show_the_chips_each_move_puts_in() -> None:
    code, out = _play("poker", "--seed", "5", moves="call\n" + "check\n" * 7)
    assert code == 0, out
    # Pre-flop on the button: the small blind is in, calling costs 1 more; a pot-sized
    # raise (pot 4 after the call) makes it 6.
    assert "0 fold  2 call 1  3 raise_half_pot to 4  4 raise_pot to 6  5 all_in 199" in out
    assert "player_0 (you): call 1" in out
