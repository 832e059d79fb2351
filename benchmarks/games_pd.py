"""Prisoner's dilemma speed: rounds per second, in process, side by side with the
``axelrod`` library's match loop in the same run (when axelrod is installed; it is not a
dependency: ``pip install axelrod`` to get the baseline rows).

Rows (``rows(quick)`` returns them; ``benchmarks/bench_games.py`` prints them):

- pd_game_api: two seats choosing at random, 100-round episodes through the game's own
  API on a World of the game's module (``PrisonersDilemma.new_world``: choices run in its
  kernel): restore the blank World and ``setup``, then ``apply`` for each seat every
  round. The same library-level loop as axelrod's. Baseline: ``axelrod.Match`` of two
  ``Random`` players, 100 turns, played over and over.
- pd_random_play: two seats choosing at random, 100-round episodes through the training
  fast path (``LocalEngine``, whose World is the game's, so choices run in its kernel;
  reset, then ``step`` for each seat every round). Baseline: ``axelrod.Match`` of two
  ``Random`` players, 100 turns, played over and over.
- pd_random_play_recorded: the same with ``record=True`` (every move also written to a
  local Chronicle in batches, so each episode can be replayed). Same baseline.
- pd_round_robin: every strategy's round robin (with self-play, 100 rounds) through
  ``games.prisoners_dilemma.tournament``. Baseline: the same 105 pairings as ``axelrod.Match``
  es of the
  equivalent axelrod strategies.

``ratio`` = ours / baseline (above 1: we are faster). Without axelrod, ``baseline`` and
``ratio`` are null and ``note`` says why.

Usage: python benchmarks/games_pd.py [--quick]
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from bench_util import best_rate, print_rows

from games.prisoners_dilemma import PrisonersDilemma
from games.prisoners_dilemma.strategies import STRATEGIES
from games.prisoners_dilemma.tournament import round_robin
from hypertoken.engine import LocalEngine
from hypertoken.game import MoveContext

ROUNDS = 100
#: axelrod's class for each of our strategies.
AXELROD_NAMES = {
    "always_cooperate": "Cooperator",
    "always_defect": "Defector",
    "random": "Random",
    "tit_for_tat": "TitForTat",
    "tit_for_two_tats": "TitFor2Tats",
    "generous_tit_for_tat": "GTFT",
    "grudger": "Grudger",
    "pavlov": "WinStayLoseShift",
    "suspicious_tit_for_tat": "SuspiciousTitForTat",
    "adaptive": "Adaptive",
    "gradual": "Gradual",
    "original_gradual": "OriginalGradual",
    "prober": "Prober",
    "soft_majority": "GoByMajority",
    "hard_majority": "HardGoByMajority",
}


def random_play(episodes: int, record: bool) -> Callable[[], int]:
    """Random play through LocalEngine: ``episodes`` episodes of 100 rounds."""
    engine = LocalEngine(PrisonersDilemma(rounds=ROUNDS), seed=0, record=record)
    rng = random.Random(1)

    def run() -> int:
        step, bits = engine.step, rng.getrandbits
        for ep in range(episodes):
            engine.reset(ep)
            for _ in range(ROUNDS):
                step(bits(1), "player_0")
                step(bits(1), "player_1")
            if record:
                engine.flush()
        return episodes * ROUNDS

    return run


def game_api_play(episodes: int) -> Callable[[], int]:
    """Random play through the game's own API: ``episodes`` episodes of 100 rounds."""
    game = PrisonersDilemma(rounds=ROUNDS)
    world = game.new_world()
    for seat in game.seats:
        world.agent_create(seat)
    world.game_start(0)
    blank = world.snapshot()
    rng = random.Random(1)

    def run() -> int:
        apply, bits, restore, setup = game.apply, rng.getrandbits, world.restore, game.setup
        for ep in range(episodes):
            restore(blank)
            setup(world, MoveContext(0, 0, 0, ep))
            for r in range(1, ROUNDS + 1):
                ctx = MoveContext(0, 0, r, r)
                apply(world, "player_0", bits(1), ctx)
                apply(world, "player_1", bits(1), ctx)
            assert game.is_over(world)
        return episodes * ROUNDS

    return run


def axelrod_module() -> Any:
    """The axelrod module, or None when it is not installed."""
    try:
        import axelrod
    except ImportError:
        return None
    return axelrod


def axelrod_random_play(axl: Any, episodes: int) -> Callable[[], int]:
    """axelrod's Match loop: two Random players, 100 turns, ``episodes`` times."""
    match = axl.Match((axl.Random(), axl.Random()), turns=ROUNDS, seed=1)

    def run() -> int:
        for _ in range(episodes):
            match.play()
        return episodes * ROUNDS

    return run


def axelrod_round_robin(axl: Any) -> Callable[[], int]:
    """Every strategy's pairings (self-play included) as fresh axelrod Matches."""
    names = list(STRATEGIES)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i:]]

    def run() -> int:
        for seed, (a, b) in enumerate(pairs):
            players = (getattr(axl, AXELROD_NAMES[a])(), getattr(axl, AXELROD_NAMES[b])())
            axl.Match(players, turns=ROUNDS, seed=seed).play()
        return len(pairs) * ROUNDS

    return run


def ours_round_robin() -> int:
    """Every strategy's round robin through the game."""
    result = round_robin(rounds=ROUNDS, repetitions=1, seed=0)
    return len(result.matches) * ROUNDS


def row(name: str, ours: float, baseline: float | None, **extra: object) -> dict[str, Any]:
    """One result row; without a baseline, ``baseline`` and ``ratio`` are None."""
    return {
        "name": name,
        "ours": round(ours),
        "baseline": None if baseline is None else round(baseline),
        "ratio": None if not baseline else round(ours / baseline, 3),
        "unit": "rounds/s",
        **extra,
    }


def rows(quick: bool) -> list[dict[str, Any]]:
    """Every row of this benchmark."""
    episodes, repeats = (50, 2) if quick else (400, 3)
    axl = axelrod_module()
    missing = "axelrod is not installed (pip install axelrod): no baseline"
    if axl is not None:
        base_play: float | None = best_rate(axelrod_random_play(axl, episodes), repeats)
        base_rr: float | None = best_rate(axelrod_round_robin(axl), repeats)
        note = f"baseline: axelrod {axl.__version__} Match loop; ratio = ours / baseline"
    else:
        base_play = base_rr = None
        note = missing
    api = best_rate(game_api_play(episodes), repeats)
    plain = best_rate(random_play(episodes, record=False), repeats)
    recorded = best_rate(random_play(episodes, record=True), repeats)
    robin = best_rate(ours_round_robin, repeats)
    return [
        row(
            "pd_game_api",
            api,
            base_play,
            episodes=episodes,
            rounds=ROUNDS,
            us_per_round=round(1e6 / api, 2),
            note=note,
        ),
        row(
            "pd_random_play",
            plain,
            base_play,
            episodes=episodes,
            rounds=ROUNDS,
            us_per_round=round(1e6 / plain, 2),
            world_calls_per_round=2,
            note=note,
        ),
        row(
            "pd_random_play_recorded",
            recorded,
            base_play,
            episodes=episodes,
            rounds=ROUNDS,
            us_per_round=round(1e6 / recorded, 2),
            vs_unrecorded=round(recorded / plain, 3),
            note=note,
        ),
        row(
            "pd_round_robin",
            robin,
            base_rr,
            matches=len(STRATEGIES) * (len(STRATEGIES) + 1) // 2,
            rounds=ROUNDS,
            note=note + f"; {len(STRATEGIES)} strategies, self-play, 1 repetition",
        ),
    ]


def main() -> None:
    """Print the rows as JSON lines."""
    print_rows(rows, __doc__)


if __name__ == "__main__":
    main()
