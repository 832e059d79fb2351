"""The hold'em hand evaluator on hand-checked hands: every category, kickers, ties, the
best five of seven, and a cross-check of seven-card scores against the best 5-card subset.
"""

from __future__ import annotations

import itertools
import random

import pytest

from games.holdem.evaluator import (
    CATEGORIES,
    FLUSH,
    FULL_HOUSE,
    HIGH_CARD,
    PAIR,
    QUADS,
    STRAIGHT,
    STRAIGHT_FLUSH,
    TRIPS,
    TWO_PAIR,
    card,
    card_name,
    cards,
    category,
    describe,
    evaluate,
)


def score(hand: str) -> int:
    return evaluate(cards(hand))


@pytest.mark.parametrize(
    ("hand", "cat", "words"),
    [
        ("As Ks Qs Js Ts 2d 3c", STRAIGHT_FLUSH, "royal flush"),
        ("5h 4h 3h 2h Ah Kd Kc", STRAIGHT_FLUSH, "straight flush, 5 high"),
        ("9c 9d 9h 9s 2c Kd 3c", QUADS, "four of a kind, 9, kicker K"),
        ("Kc Kd Kh 7s 7c 2d 2c", FULL_HOUSE, "full house, K over 7"),
        ("Kc Kd Kh 7s 7c 7d 2c", FULL_HOUSE, "full house, K over 7"),
        ("Ah 9h 7h 4h 2h Ks Qs", FLUSH, "flush, A 9 7 4 2"),
        ("Ah 9h 7h 4h 2h 3h Qs", FLUSH, "flush, A 9 7 4 3"),
        ("Ad 2c 3h 4s 5d Kc Kd", STRAIGHT, "straight, 5 high"),
        ("9d Tc Jh Qs Kd Ac 2d", STRAIGHT, "straight, A high"),
        ("7c 7d 7h As Qd 3c 2h", TRIPS, "three of a kind, 7, kickers A Q"),
        ("Ac Ad Kh Ks 2c 2d Qh", TWO_PAIR, "two pair, A and K, kicker Q"),
        ("Ac Ad Kh 9s 7c 5d 3h", PAIR, "one pair of A, kickers K 9 7"),
        ("Ac Kd 9h 7s 5c 3d 2h", HIGH_CARD, "high card, A K 9 7 5"),
    ],
)
def test_categories(hand: str, cat: int, words: str) -> None:
    s = score(hand)
    assert category(s) == cat
    assert describe(s) == words


def test_categories_are_ordered() -> None:
    ladder = [
        "Ac Kd 9h 7s 5c",
        "2c 2d 3h 4s 6c",
        "2c 2d 3h 3s 4c",
        "2c 2d 2h 3s 4c",
        "Ac 2d 3h 4s 5c",
        "2h 3h 4h 5h 7h",
        "2c 2d 2h 3s 3c",
        "2c 2d 2h 2s 3c",
        "Ac 2c 3c 4c 5c",
    ]
    scores = [score(h) for h in ladder]
    assert scores == sorted(scores) and len(set(scores)) == len(CATEGORIES)


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        ("Ah Ad Kc 8s 3h 2d 4c", "Ah Ad Qc Js 9h 2d 4c"),  # pair: first kicker decides
        ("Ah Ad Kc Qs 7h 2d 3c", "Ah Ad Kc Qs 6h 2d 3c"),  # pair: third kicker decides
        ("Kh Kd 5c 5s Ah 2d 3c", "Kh Kd 5c 5s Qh 2d 3c"),  # two pair kicker
        ("Kh Kd 6c 6s 2h 3d 4c", "Kh Kd 5c 5s Ah Qd Jc"),  # second pair beats any kicker
        ("9h 9d 9c As 3h 2d 4c", "9h 9d 9c Ks Qh 2d 4c"),  # trips kicker
        ("Ah Kh 9h 7h 3h 2d 4c", "Ah Kh 9h 7h 2h 5d 4c"),  # flush: fifth card
        ("6h 5d 4c 3s 2h Kd Kc", "5h 4d 3c 2s Ah Kd Kc"),  # 6-high straight beats the wheel
        ("3h 3d 3c 2s 2h", "2h 2d 2c As Ah"),  # full house: the trips first
        ("Ah Ad Ac As 3h", "Kh Kd Kc Ks Ah"),  # quads rank first
        ("9c 9d 9h 9s Ah 2d 3c", "9c 9d 9h 9s Kh Qd Jc"),  # quads kicker
    ],
)
def test_kickers_decide(better: str, worse: str) -> None:
    assert score(better) > score(worse)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ah Kd 2c 3s 9h Td Jc", "As Kc 2d 3h 9c Ts Jd"),  # same ranks, other suits
        ("2c 3d Ts Jd Qh Kc Ad", "2h 3s Ts Jd Qh Kc Ad"),  # both play the board straight
        ("Ah Ad Kc Qs Jh 3d 2c", "Ah Ad Kc Qs Jh 4d 2c"),  # the sixth and seventh cards
        ("4h 4d 9c 9s Kh Kd 2c", "4h 4d 9c 9s Kh Kd 3c"),  # third pair does not play
    ],
)
def test_ties(a: str, b: str) -> None:
    assert score(a) == score(b)


def test_three_pairs_play_the_best_two_and_best_kicker() -> None:
    assert describe(score("4h 4d 9c 9s Kh Kd 2c")) == "two pair, K and 9, kicker 4"


def test_two_trips_make_a_full_house() -> None:
    assert describe(score("4h 4d 4c 9s 9h 9d 2c")) == "full house, 9 over 4"


def test_straight_flush_beats_a_bigger_flush_in_seven() -> None:
    assert describe(score("5s 6s 7s 8s 9s As Ks")) == "straight flush, 9 high"


def test_card_names_round_trip() -> None:
    assert [card_name(c) for c in range(52)] == [r + s for r in "23456789TJQKA" for s in "hdcs"]
    assert card("As") == 51 and card("2h") == 0
    with pytest.raises(ValueError, match="not a card"):
        card("1x")


def test_seven_cards_match_the_best_five_card_subset() -> None:
    rng = random.Random(7)
    for _ in range(400):
        hand = rng.sample(range(52), 7)
        best = max(evaluate(list(c)) for c in itertools.combinations(hand, 5))
        assert evaluate(hand) == best
