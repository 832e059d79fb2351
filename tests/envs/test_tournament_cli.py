"""``hypertoken tournament policies``: a round robin of policies over any game."""

from __future__ import annotations

from click.testing import CliRunner

from hypertoken.cli import main


def test_policies_round_robin_ranks_basic_strategy_first() -> None:
    result = CliRunner().invoke(
        main,
        ["tournament", "policies", "blackjack", "--option", "hands=40", "--repetitions", "2"],
    )
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if "│" in line]
    assert "basic-strategy" in rows[0] and "random" in rows[1]


def test_prisoners_dilemma_policies_with_options() -> None:
    args = ["tournament", "policies", "prisoners_dilemma", "--option", "rounds=20"]
    result = CliRunner().invoke(main, [*args, "--policies", "always-defect,always-cooperate"])
    assert result.exit_code == 0, result.output
    assert "always-defect" in result.output.split("always-cooperate")[0]  # ranked first


def test_bad_input_is_a_usage_error() -> None:
    runner = CliRunner()
    for args in (
        ["chess"],
        ["blackjack", "--policies", "perfect-play"],
        ["blackjack", "--option", "decks"],
        ["blackjack", "--option", "colour=red"],
    ):
        result = runner.invoke(main, ["tournament", "policies", *args])
        assert result.exit_code == 2, (args, result.output)
        assert "Error" in result.output
