"""Basic strategy: the table, the bot, its return per hand over seeded hands (against the
known house edge), and the ``hypertoken bench blackjack-ev`` command.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from games.blackjack.strategy import (
    DOUBLE,
    HIT,
    SPLIT,
    STAND,
    basic_strategy,
    mimic_dealer_action,
    simulate,
)
from hypertoken.cli import main


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((16, False, 10), HIT),
        ((16, False, 6), STAND),
        ((12, False, 3), HIT),
        ((12, False, 4), STAND),
        ((11, False, 10), DOUBLE),
        ((11, False, 11), HIT),
        ((9, False, 2), HIT),
        ((9, False, 3), DOUBLE),
        ((18, True, 9), HIT),
        ((18, True, 2), STAND),
        ((18, True, 3), DOUBLE),
        ((17, True, 2), HIT),
        ((19, True, 6), STAND),
        ((20, False, 11), STAND),
        ((5, False, 6), HIT),
    ],
)
def test_basic_strategy_table(args: tuple[int, bool, int], expected: int) -> None:
    assert basic_strategy(*args) == expected


def test_pairs_double_fallbacks_and_h17() -> None:
    assert basic_strategy(16, False, 10, pair=8) == SPLIT
    assert basic_strategy(16, False, 10, pair=8, can_split=False) == HIT
    assert basic_strategy(12, True, 11, pair=11) == SPLIT
    assert basic_strategy(20, False, 6, pair=10) == STAND  # never split tens
    assert basic_strategy(18, False, 7, pair=9) == STAND
    assert basic_strategy(11, False, 6, can_double=False) == HIT
    assert basic_strategy(18, True, 4, can_double=False) == STAND
    assert basic_strategy(11, False, 11, h17=True) == DOUBLE
    assert basic_strategy(18, True, 2, h17=True) == DOUBLE
    assert basic_strategy(19, True, 6, h17=True) == DOUBLE
    with pytest.raises(ValueError, match="upcard"):
        basic_strategy(12, False, 1)


def test_basic_strategy_return_is_near_the_house_edge() -> None:
    # The house edge for these rules (6 decks, S17, DAS, one split, no surrender, 3:2,
    # peek) is about 0.45-0.5% of a bet per hand; a 500,000-hand run of this bot gave
    # -0.0056 +- 0.0016. Over 20,000 seeded hands the standard error is about 0.008, so
    # the band below is about 5 standard errors each side of the known edge.
    result = simulate(20_000, seed=0)
    assert result.hands == 20_000
    assert 0.006 < result.stderr < 0.011
    assert -0.045 < result.mean < 0.035
    # Mimicking the dealer gives up about 5.5% (the player busts first); basic strategy
    # must do much better over the same shoe.
    mimic = simulate(20_000, seed=0, bot=mimic_dealer_action)
    assert -0.09 < mimic.mean < -0.02
    assert result.mean - mimic.mean > 3 * (result.stderr + mimic.stderr)


def test_simulation_is_seeded_and_counts_every_seat() -> None:
    a = simulate(300, seed=5, players=3, decks=2, h17=True)
    assert a == simulate(300, seed=5, players=3, decks=2, h17=True)
    assert a.hands == 900 and a.moves > 0
    assert a != simulate(300, seed=6, players=3, decks=2, h17=True)
    seen: list[int] = []
    simulate(2500, seed=1, progress=seen.append)
    assert seen[-1] == 2500 and seen == sorted(seen) and len(seen) >= 2
    with pytest.raises(ValueError, match="hands"):
        simulate(0)


def test_bench_blackjack_ev_command() -> None:
    runner = CliRunner()
    args = [
        "bench",
        "blackjack-ev",
        "--hands",
        "400",
        "--seed",
        "3",
        "--players",
        "2",
        "--decks",
        "4",
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "2 seat(s), 4 deck(s), S17, seed 3" in result.output
    found = re.search(
        r"mean return per hand: ([+-]\d\.\d{4}) bets \(standard error "
        r"(\d\.\d{4})\) over 800 hands",
        result.output,
    )
    assert found is not None, result.output
    expected = simulate(400, seed=3, players=2, decks=4)
    assert float(found.group(1)) == pytest.approx(expected.mean, abs=5e-5)
    assert float(found.group(2)) == pytest.approx(expected.stderr, abs=5e-5)
    again = runner.invoke(main, args)
    assert again.output.splitlines()[:1] == result.output.splitlines()[:1]
    long = runner.invoke(main, ["bench", "blackjack-ev", "--hands", "20000"])  # progress bar
    assert long.exit_code == 0 and "over 20000 hands" in long.output
    bad = runner.invoke(main, ["bench", "blackjack-ev", "--players", "7"])
    assert bad.exit_code == 2 and "--players" in bad.output
    bad = runner.invoke(main, ["bench", "blackjack-ev", "--hands", "0"])
    assert bad.exit_code == 2 and "--hands" in bad.output
