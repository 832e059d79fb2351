"""Exact scores of the deterministic strategies against each other, over 100 rounds without
noise, played through the World-based game.

The expectations come from outside this code base: every pairing's scores below were
computed with the ``axelrod`` library's ``Match`` (axelrod 4.14.0, default payoffs,
100 turns; Cooperator, Defector, TitForTat, TitFor2Tats, Grudger, WinStayLoseShift,
SuspiciousTitForTat, Adaptive, Gradual, OriginalGradual, Prober, GoByMajority,
HardGoByMajority), and the
pairs in ``BY_HAND`` were also derived by hand (the derivation is in each comment). A
plain reference loop over ``games.prisoners_dilemma.strategies`` (no engine, no World)
cross-checks the game with other payoffs too. (axelrod is not a dependency: importing it
takes seconds, so it is not asked live here.)
"""

from __future__ import annotations

import itertools
import random

import pytest

from games.prisoners_dilemma import PrisonersDilemma, history
from games.prisoners_dilemma.payoffs import Payoffs
from games.prisoners_dilemma.strategies import DETERMINISTIC, get_strategy
from games.prisoners_dilemma.tournament import play_match
from hypertoken.engine import LocalEngine

# Scores (first named, second named) over 100 rounds with T=5, R=3, P=1, S=0.
EXPECTED = {
    ("always_cooperate", "always_cooperate"): (300, 300),
    ("always_cooperate", "always_defect"): (0, 500),
    ("always_cooperate", "tit_for_tat"): (300, 300),
    ("always_cooperate", "tit_for_two_tats"): (300, 300),
    ("always_cooperate", "grudger"): (300, 300),
    ("always_cooperate", "pavlov"): (300, 300),
    ("always_cooperate", "suspicious_tit_for_tat"): (297, 302),
    ("always_cooperate", "adaptive"): (18, 488),
    ("always_cooperate", "gradual"): (300, 300),
    ("always_cooperate", "original_gradual"): (300, 300),
    ("always_cooperate", "prober"): (6, 496),
    ("always_cooperate", "soft_majority"): (300, 300),
    ("always_cooperate", "hard_majority"): (297, 302),
    ("always_defect", "always_defect"): (100, 100),
    ("always_defect", "tit_for_tat"): (104, 99),
    ("always_defect", "tit_for_two_tats"): (108, 98),
    ("always_defect", "grudger"): (104, 99),
    ("always_defect", "pavlov"): (300, 50),
    ("always_defect", "suspicious_tit_for_tat"): (100, 100),
    ("always_defect", "adaptive"): (124, 94),
    ("always_defect", "gradual"): (144, 89),
    ("always_defect", "original_gradual"): (192, 77),
    ("always_defect", "prober"): (108, 98),
    ("always_defect", "soft_majority"): (104, 99),
    ("always_defect", "hard_majority"): (100, 100),
    ("tit_for_tat", "tit_for_tat"): (300, 300),
    ("tit_for_tat", "tit_for_two_tats"): (300, 300),
    ("tit_for_tat", "grudger"): (300, 300),
    ("tit_for_tat", "pavlov"): (300, 300),
    ("tit_for_tat", "suspicious_tit_for_tat"): (250, 250),
    ("tit_for_tat", "adaptive"): (291, 291),
    ("tit_for_tat", "gradual"): (300, 300),
    ("tit_for_tat", "original_gradual"): (300, 300),
    ("tit_for_tat", "prober"): (299, 299),
    ("tit_for_tat", "soft_majority"): (300, 300),
    ("tit_for_tat", "hard_majority"): (250, 250),
    ("tit_for_two_tats", "tit_for_two_tats"): (300, 300),
    ("tit_for_two_tats", "grudger"): (300, 300),
    ("tit_for_two_tats", "pavlov"): (300, 300),
    ("tit_for_two_tats", "suspicious_tit_for_tat"): (297, 302),
    ("tit_for_two_tats", "adaptive"): (290, 295),
    ("tit_for_two_tats", "gradual"): (300, 300),
    ("tit_for_two_tats", "original_gradual"): (300, 300),
    ("tit_for_two_tats", "prober"): (101, 116),
    ("tit_for_two_tats", "soft_majority"): (300, 300),
    ("tit_for_two_tats", "hard_majority"): (297, 302),
    ("grudger", "grudger"): (300, 300),
    ("grudger", "pavlov"): (300, 300),
    ("grudger", "suspicious_tit_for_tat"): (103, 103),
    ("grudger", "adaptive"): (467, 27),
    ("grudger", "gradual"): (300, 300),
    ("grudger", "original_gradual"): (300, 300),
    ("grudger", "prober"): (107, 102),
    ("grudger", "soft_majority"): (300, 300),
    ("grudger", "hard_majority"): (103, 103),
    ("pavlov", "pavlov"): (300, 300),
    ("pavlov", "suspicious_tit_for_tat"): (198, 203),
    ("pavlov", "adaptive"): (465, 35),
    ("pavlov", "gradual"): (300, 300),
    ("pavlov", "original_gradual"): (300, 300),
    ("pavlov", "prober"): (203, 198),
    ("pavlov", "soft_majority"): (300, 300),
    ("pavlov", "hard_majority"): (54, 299),
    ("suspicious_tit_for_tat", "suspicious_tit_for_tat"): (100, 100),
    ("suspicious_tit_for_tat", "adaptive"): (293, 288),
    ("suspicious_tit_for_tat", "gradual"): (301, 296),
    ("suspicious_tit_for_tat", "original_gradual"): (301, 296),
    ("suspicious_tit_for_tat", "prober"): (300, 295),
    ("suspicious_tit_for_tat", "soft_majority"): (250, 250),
    ("suspicious_tit_for_tat", "hard_majority"): (100, 100),
    ("adaptive", "adaptive"): (290, 290),
    ("adaptive", "gradual"): (293, 293),
    ("adaptive", "original_gradual"): (299, 289),
    ("adaptive", "prober"): (11, 476),
    ("adaptive", "soft_majority"): (140, 105),
    ("adaptive", "hard_majority"): (133, 108),
    ("gradual", "gradual"): (300, 300),
    ("gradual", "original_gradual"): (300, 300),
    ("gradual", "prober"): (299, 299),
    ("gradual", "soft_majority"): (300, 300),
    ("gradual", "hard_majority"): (296, 301),
    ("original_gradual", "original_gradual"): (300, 300),
    ("original_gradual", "prober"): (299, 299),
    ("original_gradual", "soft_majority"): (300, 300),
    ("original_gradual", "hard_majority"): (296, 301),
    ("prober", "prober"): (104, 104),
    ("prober", "soft_majority"): (299, 299),
    ("prober", "hard_majority"): (246, 251),
    ("soft_majority", "soft_majority"): (300, 300),
    ("soft_majority", "hard_majority"): (250, 250),
    ("hard_majority", "hard_majority"): (100, 100),
}

BY_HAND = {
    # C/D once, then D/D for 99 rounds.
    ("tit_for_tat", "always_defect"): (99, 104),
    ("grudger", "always_defect"): (99, 104),
    ("soft_majority", "always_defect"): (99, 104),
    # Two C/D before the second defection is answered, then 98 D/D.
    ("tit_for_two_tats", "always_defect"): (98, 108),
    # C/D and D/C alternate: 50 rounds at 0/5, 50 at 5/0.
    ("tit_for_tat", "suspicious_tit_for_tat"): (250, 250),
    ("hard_majority", "tit_for_tat"): (250, 250),
    ("soft_majority", "hard_majority"): (250, 250),
    # D/C once, then C/C for 99 rounds (297).
    ("suspicious_tit_for_tat", "always_cooperate"): (302, 297),
    ("hard_majority", "always_cooperate"): (302, 297),
    # C/D once, then C/C for 99 rounds.
    ("tit_for_two_tats", "suspicious_tit_for_tat"): (297, 302),
    # Pavlov shifts after every S and P: C/D, D/D alternate.
    ("pavlov", "always_defect"): (50, 300),
    # A 3-round cycle C/D, D/C, D/D (33 times) and a last C/D.
    ("pavlov", "suspicious_tit_for_tat"): (198, 203),
    # D/D, D/C, D/C (the probe is answered), then TFT: 97 D/D.
    ("always_defect", "prober"): (108, 98),
    # D/C, C/C, C/C, then the sucker is exploited for 97 rounds.
    ("prober", "always_cooperate"): (496, 6),
    # D/C, C/D, C/C, then C/C: 5 + 0 + 3 + 291 both ways.
    ("prober", "tit_for_tat"): (299, 299),
    # Cooperates in rounds 1, 3, 4, 9, 10, 21, 22, 45, 46, 93, 94 (punishments of 1, 4, 10,
    # 22, 46, then 94 cut short by the end): 89 D/D, and 11 C/D for the defector.
    ("gradual", "always_defect"): (89, 144),
    # C/D, D/C, C/D (calm), then C/C for 97 rounds.
    ("gradual", "suspicious_tit_for_tat"): (296, 301),
    # Six C/C (18), five D/C (25): D has earned more, so D for the last 89 rounds.
    ("adaptive", "always_cooperate"): (488, 18),
    # Six C/D (0), five D/D (5): D for the last 89 rounds.
    ("adaptive", "always_defect"): (94, 124),
    # C/D, then D/C, then D/D for 98 rounds.
    ("grudger", "suspicious_tit_for_tat"): (103, 103),
    ("always_cooperate", "always_defect"): (0, 500),
    ("always_defect", "always_defect"): (100, 100),
    ("tit_for_tat", "tit_for_tat"): (300, 300),
}


def expected(a: str, b: str) -> tuple[int, int]:
    """The table's scores for ``a`` in seat 0 against ``b``."""
    if (a, b) in EXPECTED:
        return EXPECTED[(a, b)]
    sb, sa = EXPECTED[(b, a)]
    return sa, sb


def reference(a: str, b: str, rounds: int, payoffs: Payoffs) -> tuple[float, float]:
    """A plain loop: both strategies move, the payoff table scores; no engine."""
    x, y = get_strategy(a), get_strategy(b)
    hx: list[int] = []
    hy: list[int] = []
    sx = sy = 0.0
    rng = random.Random(0)
    for _ in range(rounds):
        mx, my = x.move(hx, hy, payoffs, rng), y.move(hy, hx, payoffs, rng)
        hx.append(mx)
        hy.append(my)
        sx += payoffs.score(mx, my)
        sy += payoffs.score(my, mx)
    return sx, sy


def test_the_table_covers_every_pairing_and_agrees_with_the_hand_derivations() -> None:
    assert len(DETERMINISTIC) == 13
    assert set(EXPECTED) == set(itertools.combinations_with_replacement(DETERMINISTIC, 2))
    for (a, b), scores in BY_HAND.items():
        assert expected(a, b) == scores, (a, b)


def test_every_pairing_scores_exactly_through_the_world() -> None:
    engine = LocalEngine(PrisonersDilemma(), seed=0)
    wrong = []
    for a, b in itertools.product(DETERMINISTIC, repeat=2):  # both seat orders
        scores, moves = play_match(engine, get_strategy(a), get_strategy(b), seed=1)
        if scores != expected(a, b):
            wrong.append((a, b, scores, expected(a, b)))
        assert engine.rewards() == {"player_0": scores[0], "player_1": scores[1]}
        h0, h1 = history(engine.world)
        assert "".join("CD"[m] for m in h0) == moves[0] and len(h1) == 100
    assert not wrong, wrong


@pytest.mark.parametrize(
    "payoffs",
    [Payoffs(), Payoffs(4.5, 3.25, 0.5, -1.0), Payoffs(10, 7, 2, 1)],
    ids=["default", "float", "wide"],
)
def test_the_world_game_agrees_with_a_plain_loop(payoffs: Payoffs) -> None:
    game = PrisonersDilemma(
        rounds=37, temptation=payoffs.T, reward=payoffs.R, punishment=payoffs.P, sucker=payoffs.S
    )
    engine = LocalEngine(game, seed=0)
    for a, b in itertools.product(DETERMINISTIC, repeat=2):
        scores, _ = play_match(engine, get_strategy(a), get_strategy(b), seed=5)
        assert scores == pytest.approx(reference(a, b, 37, payoffs), abs=1e-9), (a, b)
