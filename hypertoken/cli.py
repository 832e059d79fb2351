"""The ``hypertoken`` command line.

Each subcommand imports what it needs lazily, so ``hypertoken --help`` stays fast and the
relay container does not import the action core or aiortc.
"""

from __future__ import annotations

import logging

import click

from hypertoken import __version__


@click.group()
@click.version_option(__version__, prog_name="hypertoken")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """HyperToken: serverless multiplayer games and multi-agent environments."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command("world-demo")
@click.option("--seed", default=42, show_default=True, help="Shuffle seed.")
@click.option("--players", default=3, show_default=True, type=click.IntRange(1, 6))
@click.option("--decks", default=1, show_default=True, type=click.IntRange(1, 8))
def world_demo(seed: int, players: int, decks: int) -> None:
    """Build a seeded World, shuffle a shoe, deal a hand, and print provenance."""
    from hypertoken.demo import run_world_demo

    run_world_demo(seed=seed, players=players, decks=decks)


if __name__ == "__main__":  # pragma: no cover
    main()
