"""``hypertoken world-demo``: a seeded tour of the World (:mod:`hypertoken.cli.demo`)."""

from __future__ import annotations

import click


@click.command("world-demo")
@click.option("--seed", default=42, show_default=True, help="Shuffle seed.")
@click.option("--players", default=3, show_default=True, type=click.IntRange(1, 6))
@click.option("--decks", default=1, show_default=True, type=click.IntRange(1, 8))
def world_demo(seed: int, players: int, decks: int) -> None:
    """Build a seeded World, shuffle a shoe, deal a hand, and print provenance."""
    from hypertoken.cli.demo import run_world_demo

    run_world_demo(seed=seed, players=players, decks=decks)
