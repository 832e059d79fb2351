"""The 14 classic strategies and the original gradual against scripted opponents: each
behaves as its standard definition (Axelrod literature) says, move by move.
"""

from __future__ import annotations

import random

import pytest

from games.prisoners_dilemma.payoffs import Payoffs
from games.prisoners_dilemma.strategies import (
    DETERMINISTIC,
    STRATEGIES,
    GenerousTitForTat,
    get_strategy,
)


def against(name: str, opponent: str, payoffs: Payoffs | None = None, seed: int = 0) -> str:
    """The strategy's moves ("C"/"D") against an opponent playing the scripted moves."""
    strategy = get_strategy(name)
    theirs = ["CD".index(c) for c in opponent]
    mine: list[int] = []
    rng = random.Random(seed)
    for k in range(len(theirs)):
        mine.append(strategy.move(mine, theirs[:k], payoffs or Payoffs(), rng))
    return "".join("CD"[m] for m in mine)


def test_the_fourteen_classics_and_the_original_gradual_are_there() -> None:
    assert list(STRATEGIES) == [
        "always_cooperate",
        "always_defect",
        "random",
        "tit_for_tat",
        "tit_for_two_tats",
        "generous_tit_for_tat",
        "grudger",
        "pavlov",
        "suspicious_tit_for_tat",
        "adaptive",
        "gradual",
        "original_gradual",
        "prober",
        "soft_majority",
        "hard_majority",
    ]
    assert set(STRATEGIES) - set(DETERMINISTIC) == {"random", "generous_tit_for_tat"}
    for cls in STRATEGIES.values():
        assert cls.__doc__ and cls.name in STRATEGIES
    with pytest.raises(KeyError, match=r"strategy 'tft' \(known: .*tit_for_tat"):
        get_strategy("tft")


@pytest.mark.parametrize(
    ("name", "opponent", "moves"),
    [
        ("always_cooperate", "DDD", "CCC"),
        ("always_defect", "CCC", "DDD"),
        # Copies the opponent's previous move, cooperating first.
        ("tit_for_tat", "DCDDC", "CDCDD"),
        # Defects first, then copies.
        ("suspicious_tit_for_tat", "CDC", "DCD"),
        # Defects only after two defections in a row.
        ("tit_for_two_tats", "DCDDDC", "CCCCDD"),
        # One defection and it never cooperates again.
        ("grudger", "CCDCCC", "CCCDDD"),
        # Win-stay, lose-shift: after CC stay C, after CD shift to D, after DD shift to C,
        # after DC stay D.
        ("pavlov", "CDCDC", "CCDDC"),
        # D, C, C; the opponent cooperated in rounds 2 and 3, so it defects from then on.
        ("prober", "CCCCCC", "DCCDDD"),
        # The opponent defected in round 2: tit for tat from round 4 on.
        ("prober", "CDCDCC", "DCCCDC"),
        # C while the opponent's cooperations >= its defections (so C first).
        ("soft_majority", "DCDC", "CDCD"),
        # D while the opponent's defections >= its cooperations (so D first).
        ("hard_majority", "CDCC", "DCDC"),
        # First defection: punish once, calm twice. The opponent's second defection (during
        # the punishment) counts: its next defection (the 3rd) is punished three times.
        ("gradual", "DDCCCDCCCCCCC", "CDCCCCDDDCCCC"),
        ("gradual", "CCCC", "CCCC"),
        # The original counts punishments, not defections: the same opponent's 3rd
        # defection starts only the 2nd punishment, two defections long.
        ("original_gradual", "DDCCCDCCCCCCC", "CDCCCCDDCCCCC"),
        ("original_gradual", "CCCC", "CCCC"),
        # C x6, D x5 opening; then the move with the higher total payoff so far (D on ties):
        # against a cooperator D earned 25 > 18.
        ("adaptive", "C" * 14, "CCCCCCDDDDDDDD"),
        # Against a defector: C earned 0, D earned 5.
        ("adaptive", "D" * 13, "CCCCCCDDDDDDD"),
        # Against tit for tat's replies (D in rounds 8..12): C earned 18 + 0, D earned 5 + 1*4.
        ("adaptive", "CCCCCCCDDDDDC", "CCCCCCDDDDDCC"),
    ],
)
def test_scripted(name: str, opponent: str, moves: str) -> None:
    assert against(name, opponent) == moves


# Gradual's rule: a defection seen outside a plan starts one: n defections, then C, C.
# Against always_defect a plan starts in round t (after t - 1 defections) whenever the
# previous one has ended. gradual: n = t - 1, so plans start in rounds 2, 5, 11, 23:
# C | D CC | DDDD CC | D x10 CC | D x22 ...
GRADUAL_VS_ALL_D = "C" + "DCC" + "DDDDCC" + "D" * 10 + "CC" + "D" * 22 + "CC"
# original_gradual: n = 1, 2, 3, ..., so plans start in rounds 2, 5, 9, 14, 20, 27:
# C | D CC | DD CC | DDD CC | DDDD CC | DDDDD CC | DDDDDD CC
ORIGINAL_VS_ALL_D = "C" + "".join("D" * n + "CC" for n in range(1, 7))
# An opponent that defects in rounds 1, 3 (while gradual calms down) and 8. Both answer
# round 1 with D, C, C; neither answers round 3 (a plan was running). Round 8 starts the
# second plan: gradual counts 3 defections (rounds 1, 3 and 8), the original 2 punishments.
PATTERN = "DCDCCCCDCCCCCC"
GRADUAL_VS_PATTERN = "CDCC" + "CCCC" + "DDDCC" + "C"
ORIGINAL_VS_PATTERN = "CDCC" + "CCCC" + "DDCC" + "CC"
# With no defection during a plan the two are the same strategy: D in rounds 1 and 5,
# answered by D, C, C in rounds 2-4 and by D, D, C, C in rounds 6-9 (n = 2 either way).
QUIET = "DCCCDCCCCCCC"
BOTH_VS_QUIET = "CDCC" + "C" + "DDCC" + "CCC"


@pytest.mark.parametrize(
    ("name", "opponent", "moves"),
    [
        ("gradual", "D" * len(GRADUAL_VS_ALL_D), GRADUAL_VS_ALL_D),
        ("original_gradual", "D" * len(ORIGINAL_VS_ALL_D), ORIGINAL_VS_ALL_D),
        ("gradual", PATTERN, GRADUAL_VS_PATTERN),
        ("original_gradual", PATTERN, ORIGINAL_VS_PATTERN),
        ("gradual", QUIET, BOTH_VS_QUIET),
        ("original_gradual", QUIET, BOTH_VS_QUIET),
    ],
)
def test_gradual_and_the_original_from_the_rule(name: str, opponent: str, moves: str) -> None:
    assert len(opponent) == len(moves)
    assert against(name, opponent) == moves


def test_random_cooperates_half_the_time_from_its_rng() -> None:
    moves = against("random", "C" * 4000, seed=3)
    assert 1850 <= moves.count("C") <= 2150
    assert against("random", "C" * 50, seed=3) == moves[:50]  # the rng decides, nothing else


def test_generous_tit_for_tat_forgives_a_third_of_defections() -> None:
    assert GenerousTitForTat.generosity(Payoffs()) == pytest.approx(1 / 3)
    # min(1 - (T - R) / (R - S), (R - P) / (T - P)): the second term can bind...
    assert GenerousTitForTat.generosity(Payoffs(5, 4, 3, 0)) == pytest.approx(0.5)
    # ...and the first can go negative: then it never forgives (plain tit for tat).
    assert GenerousTitForTat.generosity(Payoffs(10, 3, 1, 0)) == 0.0
    assert against("generous_tit_for_tat", "D" * 20, Payoffs(10, 3, 1, 0)) == "C" + "D" * 19
    moves = against("generous_tit_for_tat", "D" * 3001, seed=1)
    assert moves[0] == "C" and 850 <= moves[1:].count("C") <= 1150  # 1000 expected
    assert against("generous_tit_for_tat", "C" * 30, seed=1) == "C" * 30


@pytest.mark.parametrize(
    "payoffs", [(5, 3, 3, 0), (3, 5, 1, 0), (5, 3, 1, 1), (5, 3, 1, True), (5, 3, float("nan"), 0)]
)
def test_payoffs_must_make_a_dilemma(payoffs: tuple[float, float, float, float]) -> None:
    with pytest.raises(ValueError, match="payoff"):
        Payoffs(*payoffs)


def test_payoff_table() -> None:
    p = Payoffs()
    assert [p.score(a, b) for a in (0, 1) for b in (0, 1)] == [3, 0, 5, 1]
