"""The prisoner's dilemma round robin: standings, isolation between matches, bad input and
the ``hypertoken tournament prisoners-dilemma`` command.
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from games.prisoners_dilemma import PrisonersDilemma
from games.prisoners_dilemma.strategies import get_strategy
from games.prisoners_dilemma.tournament import (
    MatchResult,
    Standing,
    match_seed,
    play_match,
    round_robin,
    schedule,
)
from hypertoken.cli import main
from hypertoken.engine import LocalEngine

FIELD = ["tit_for_tat", "always_defect", "always_cooperate", "grudger"]


def test_schedule() -> None:
    assert schedule(["a", "b", "c"]) == [
        ("a", "a"),
        ("a", "b"),
        ("a", "c"),
        ("b", "b"),
        ("b", "c"),
        ("c", "c"),
    ]
    assert schedule(["a", "b", "c"], self_play=False) == [("a", "b"), ("a", "c"), ("b", "c")]


def test_standings_of_a_small_deterministic_field() -> None:
    # Scores per match (100 rounds): TFT and grudger get 300 from every cooperator and
    # 99 from always_defect, which gets 104 from them, 500 from always_cooperate and 100
    # from its twin; always_cooperate gets 300 or 0.
    result = round_robin(FIELD, repetitions=2, seed=9)
    assert len(result.matches) == 2 * 10
    assert result.standings == (
        Standing(1, "grudger", 249.75, 2.4975, 0, 4, 2, 8),
        Standing(1, "tit_for_tat", 249.75, 2.4975, 0, 4, 2, 8),
        Standing(3, "always_cooperate", 225.0, 2.25, 0, 4, 2, 8),
        Standing(4, "always_defect", 202.0, 2.02, 6, 0, 0, 8),
    )
    # Without self-play the defector comes out on top: (104 + 500 + 104) / 3 = 236.
    alone = round_robin(FIELD, self_play=False)
    assert [(s.rank, s.name, s.mean_score) for s in alone.standings] == [
        (1, "always_defect", 236.0),
        (2, "grudger", 233.0),
        (2, "tit_for_tat", 233.0),
        (4, "always_cooperate", 200.0),
    ]


def test_mean_scores_over_a_shorter_match() -> None:
    result = round_robin("tit_for_tat, suspicious_tit_for_tat", rounds=9, self_play=False)
    # C/D and D/C alternate: TFT gets 0 in rounds 1, 3, ..., 9 and 5 in rounds 2, ..., 8.
    assert [(s.name, s.mean_score, s.per_round) for s in result.standings] == [
        ("suspicious_tit_for_tat", 25.0, 25 / 9),
        ("tit_for_tat", 20.0, 20 / 9),
    ]
    (match,) = result.matches
    assert match.moves == ("CDCDCDCDC", "DCDCDCDCD") and match.scores == (20.0, 25.0)


def pair(result_matches: tuple[MatchResult, ...], a: str, b: str) -> list[MatchResult]:
    return [m for m in result_matches if m.players == (a, b)]


def test_nothing_leaks_between_matches() -> None:
    """The same match gives the same result wherever it falls in the schedule, and the
    same as on a brand-new engine.
    """
    options: dict[str, Any] = {"rounds": 60, "repetitions": 2, "seed": 4, "noise": 0.1}
    first = round_robin(["random", "generous_tit_for_tat", "pavlov"], **options)
    later = round_robin(
        ["always_defect", "gradual", "random", "pavlov", "generous_tit_for_tat"], **options
    )
    ours = pair(first.matches, "random", "generous_tit_for_tat")
    theirs = pair(later.matches, "random", "generous_tit_for_tat")
    assert len(ours) == 2 and ours == theirs
    assert first.matches.index(ours[0]) != later.matches.index(theirs[0])
    assert ours[0].moves != ours[1].moves  # the repetitions differ: the seed is live
    fresh = LocalEngine(PrisonersDilemma(rounds=60, noise=0.1), seed=123)
    seed = match_seed(4, 1, "random", "generous_tit_for_tat")
    assert seed == ours[1].seed
    assert play_match(
        fresh, get_strategy("random"), get_strategy("generous_tit_for_tat"), seed
    ) == (ours[1].scores, ours[1].moves)


def test_progress_callback_sees_every_match() -> None:
    seen: list[MatchResult] = []
    result = round_robin(["pavlov", "prober"], rounds=5, repetitions=3, on_match=seen.append)
    assert tuple(seen) == result.matches and len(seen) == 9
    assert [m.repetition for m in seen] == [0, 0, 0, 1, 1, 1, 2, 2, 2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"strategies": "tit_for_tat,tft"}, r"unknown strategies \['tft'\] \(known: always_coop"),
        ({"strategies": " , "}, "no strategies given"),
        ({"strategies": ["grudger", "grudger"]}, r"named more than once: \['grudger'\]"),
        ({"strategies": "grudger", "self_play": False}, "needs at least 2 strategies"),
        ({"repetitions": 0}, "repetitions must be an int >= 1"),
        ({"rounds": 0}, r"rounds must be an int in 1\.\.1000000"),
        ({"noise": 2.0}, "noise is a probability"),
    ],
)
def test_bad_input_is_refused_clearly(kwargs: dict[str, object], message: str) -> None:
    args = {"strategies": "grudger,pavlov", **kwargs}
    with pytest.raises(ValueError, match=message):
        round_robin(**args)  # type: ignore[arg-type]


def test_cli_prints_the_ranked_table() -> None:
    result = CliRunner().invoke(
        main,
        [
            "tournament",
            "prisoners-dilemma",
            "--repetitions",
            "2",
            "--rounds",
            "100",
            "--seed",
            "3",
            "--strategies",
            "always_cooperate,always_defect,tit_for_tat,grudger",
        ],
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Prisoner's dilemma round robin: 4 strategies, 100 rounds, 2 repetitions" in out
    for header in ("Rank", "Strategy", "Mean score", "Per round"):
        assert header in out
    rows = [
        line
        for line in out.splitlines()
        if "249.75" in line or "225.00" in line or "202.00" in line
    ]
    names = [
        n
        for line in rows
        for n in ("grudger", "tit_for_tat", "always_cooperate", "always_defect")
        if n in line
    ]
    assert names == ["grudger", "tit_for_tat", "always_cooperate", "always_defect"]
    assert "20 matches, 2000 rounds" in out


def test_cli_noise_and_self_play_options() -> None:
    result = CliRunner().invoke(
        main,
        [
            "tournament",
            "prisoners-dilemma",
            "--repetitions",
            "1",
            "--rounds",
            "10",
            "--noise",
            "0.2",
            "--no-self-play",
            "--strategies",
            "random,pavlov,gradual",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "noise 0.2" in result.output and "3 matches, 30 rounds" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strategies", "tit_for_tat,nope"], "unknown strategies ['nope']"),
        (["--noise", "1.5"], "1.5 is not in the range"),
        (["--rounds", "0"], "0 is not in the range"),
        (["--repetitions", "0"], "0 is not in the range"),
    ],
)
def test_cli_bad_input(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["tournament", "prisoners-dilemma", *args])
    assert result.exit_code == 2
    assert message in result.output
