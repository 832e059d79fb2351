"""The ``hypertoken`` command line: one module per command group.

Each subcommand imports what it needs when it runs, so ``hypertoken --help`` stays fast and the
relay container does not import the action core or aiortc.
"""

from __future__ import annotations

import logging

import click

from hypertoken import __version__
from hypertoken.cli.bench import bench
from hypertoken.cli.bot import bot
from hypertoken.cli.peer import peer_command
from hypertoken.cli.play import play
from hypertoken.cli.relay import relay_command
from hypertoken.cli.replay import replay
from hypertoken.cli.room_demo import demo_command
from hypertoken.cli.serve import serve
from hypertoken.cli.status import status
from hypertoken.cli.tournament import tournament
from hypertoken.cli.world import world_demo


@click.group()
@click.version_option(__version__, prog_name="hypertoken")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """HyperToken: serverless multiplayer games and multi-agent environments."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


for _command in (
    peer_command,
    demo_command,
    world_demo,
    relay_command,
    replay,
    tournament,
    bench,
    serve,
    play,
):
    main.add_command(_command)
main.add_command(bot)
main.add_command(status)

__all__ = ["main"]
