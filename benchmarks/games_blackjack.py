"""Blackjack speed: random play in process, side by side with gymnasium's ``Blackjack-v1``
in the same run (``gym.make("Blackjack-v1")``, a random action per step, ``reset`` when an
episode ends), in steps per second.

Rows (``rows(quick)`` returns them; ``benchmarks/bench_games.py`` prints them):

- blackjack_game_api: ``blackjack_v1`` through the game's own API on one World of the
  game's module (``Blackjack.new_world``: the core with the game's kernel linked in) (the
  training fast path without an engine: ``current_player``, ``legal_actions``, a random
  legal action, ``apply``), one seat, from one shoe (the ``hands`` option: the next hand is
  dealt as the last one settles, so a hand is an episode without a reset call). The
  ``illegal_action="error"`` option makes the legal mask the available actions, so the
  random choice is among Hit, Stand, Double, Split and Insurance as the hand allows.
- blackjack_engine_local_shoe: the same play through ``LocalEngine`` (``step``; the
  engine checks turn and legality, snapshots the World before each move for a clean
  refusal, and derives each move's seed).
- blackjack_engine_local_reset: ``LocalEngine`` as environments use it: one hand per
  episode (the default), ``reset`` between episodes (a fresh World: 312 card tokens).
- blackjack_engine_local_recorded: ``blackjack_engine_local_shoe`` with ``record=True``
  (every move also written to a local Chronicle in batches, so the run can be replayed).

``ratio`` = ours / baseline (above 1: we are faster). Steps per second count every
``apply``/``step`` (ours) and every ``env.step`` (gymnasium); resets are inside the timing.

Usage: python benchmarks/games_blackjack.py [--quick]
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from bench_util import best_rate, print_rows

from games.blackjack import Blackjack
from hypertoken.core import World
from hypertoken.engine import LocalEngine
from hypertoken.game import MoveContext

#: Legal action ids for each mask (as bytes), for a cheap random choice.
_CHOICES: dict[bytes, tuple[int, ...]] = {}


def _choices(mask: Any) -> tuple[int, ...]:
    key = mask.tobytes()
    ids = _CHOICES.get(key)
    if ids is None:
        ids = _CHOICES[key] = tuple(i for i, ok in enumerate(mask.tolist()) if ok)
    return ids


def gym_play(steps: int) -> Callable[[], int]:
    """gymnasium's Blackjack-v1: a random action per step, reset at the end of an episode."""
    import gymnasium as gym

    env = gym.make("Blackjack-v1")
    env.reset(seed=0)
    rng = random.Random(1)

    def run() -> int:
        step, reset, bits = env.step, env.reset, rng.getrandbits
        for _ in range(steps):
            _, _, terminated, truncated, _ = step(bits(1))
            if terminated or truncated:
                reset()
        return steps

    return run


class CountingWorld(World):
    """A World that counts calls into the core (``apply``, single actions and kernel
    moves).
    """

    calls = 0

    def kernel(self, name: str) -> Any:
        run = super().kernel(name)

        def counted(data: bytes) -> int:
            self.calls += 1
            return run(data)  # type: ignore[no-any-return]

        return counted

    def apply(self, batch: Any, *, atomic: bool = True) -> Any:
        self.calls += 1
        return super().apply(batch, atomic=atomic)

    def _act(self, op: str, *args: Any) -> Any:
        self.calls += 1
        return super()._act(op, *args)


def game_api_play(steps: int, counts: dict[str, float]) -> Callable[[], int]:
    """Random legal play through the game's own API, one shoe, no engine."""
    game = Blackjack(1, hands=10**12, bankroll=10**15, illegal_action="error")
    world = CountingWorld(module=game.new_world().module)
    world.agent_create("player_0")
    world.game_start(0)
    game.setup(world, MoveContext(0, 0, 0, 1))
    rng = random.Random(1)
    ctx = MoveContext(0, 0, 0, 7)

    def run() -> int:
        cp, la, ap, choice = game.current_player, game.legal_actions, game.apply, rng.choice
        start, hands = world.calls, world.property("hand")
        for _ in range(steps):
            seat = cp(world)
            ap(world, seat, choice(_choices(la(world, seat))), ctx)  # type: ignore[arg-type]
        counts["world_calls_per_step"] = (world.calls - start) / steps
        counts["steps_per_hand"] = steps / max(1, world.property("hand") - hands)
        return steps

    return run


def engine_play(steps: int, *, record: bool, shoe: bool) -> Callable[[], int]:
    """Random legal play through LocalEngine: one shoe (``shoe``) or a reset per hand."""
    options: dict[str, Any] = {"illegal_action": "error"}
    if shoe:
        options.update(hands=10**12, bankroll=10**15)
    engine = LocalEngine(Blackjack(1, **options), seed=0, record=record)
    game = engine.game
    rng = random.Random(1)
    episodes = [0]

    def run() -> int:
        step, choice, cp = engine.step, rng.choice, engine.current_player
        la, world = game.legal_actions, engine.world
        done = 0
        while done < steps:
            if engine.is_over:
                episodes[0] += 1
                engine.reset(episodes[0])
                continue
            seat = cp()
            step(choice(_choices(la(world, seat))))  # type: ignore[arg-type]
            done += 1
        if record:
            engine.flush()
        return steps

    return run


def row(name: str, ours: float, baseline: float, **extra: object) -> dict[str, Any]:
    """One result row."""
    return {
        "name": name,
        "ours": round(ours),
        "baseline": round(baseline),
        "ratio": round(ours / baseline, 3),
        "unit": "steps/s",
        **extra,
    }


def rows(quick: bool) -> list[dict[str, Any]]:
    """Every row of this benchmark."""
    steps, repeats = (20_000, 2) if quick else (200_000, 3)
    import gymnasium

    counts: dict[str, float] = {}
    gym = best_rate(gym_play(steps), repeats)
    api = best_rate(game_api_play(steps, counts), repeats)
    shoe = best_rate(engine_play(steps, record=False, shoe=True), repeats)
    reset = best_rate(engine_play(steps // 4, record=False, shoe=False), repeats)
    recorded = best_rate(engine_play(steps, record=True, shoe=True), repeats)
    note = (
        f"baseline: gymnasium {gymnasium.__version__} gym.make('Blackjack-v1'), random "
        "actions, reset per episode; ours: one seat, random legal actions; "
        "ratio = ours / baseline"
    )
    return [
        row(
            "blackjack_game_api",
            api,
            gym,
            steps=steps,
            us_per_step=round(1e6 / api, 2),
            world_calls_per_step=round(counts["world_calls_per_step"], 3),
            steps_per_hand=round(counts["steps_per_hand"], 3),
            target_ratio=4.0,
            note=note,
        ),
        row(
            "blackjack_engine_local_shoe",
            shoe,
            gym,
            steps=steps,
            us_per_step=round(1e6 / shoe, 2),
            note=note,
        ),
        row(
            "blackjack_engine_local_reset",
            reset,
            gym,
            steps=steps // 4,
            us_per_step=round(1e6 / reset, 2),
            note=note + "; one hand per episode, LocalEngine.reset between hands",
        ),
        row(
            "blackjack_engine_local_recorded",
            recorded,
            gym,
            steps=steps,
            us_per_step=round(1e6 / recorded, 2),
            vs_unrecorded=round(recorded / shoe, 3),
            note=note + "; record=True",
        ),
    ]


def main() -> None:
    """Print the rows as JSON lines."""
    print_rows(rows, __doc__)


if __name__ == "__main__":
    main()
