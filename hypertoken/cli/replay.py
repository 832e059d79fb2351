"""Replaying a saved chronicle: rebuild the World and tell the game entry by entry.

``hypertoken replay FILE`` prints one line per entry (position, time, actor, seat, move,
accepted or rejected with the reason) and then the final state hash, which equals the
live state hash of every peer that folded the same log.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator

import click

import games
from hypertoken.engine import RoomEngine
from hypertoken.engine.state import Outcome
from hypertoken.game import Game
from hypertoken.log import Chronicle


def _time(ms: int) -> str:
    if ms >= 10**11:  # a wall-clock time (room entries), not a step counter (training)
        t = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    return f"t={ms}"


def describe(o: Outcome) -> str:
    """One line for one entry's outcome."""
    args = " ".join(repr(a) if not isinstance(a, bytes) else f"<{len(a)} bytes>" for a in o.args)
    move = f"{o.move} {args}".strip() if o.move else "?"
    verdict = "accepted" if o.accepted else f"REJECTED: {o.reason}"
    who = f"{o.actor or '?'} as {o.seat or '?'}"
    return f"{o.epoch}:{o.index:<5} {_time(o.time_ms):<25} {who:<30} {move:<24} {verdict}"


def replay_lines(chronicle: Chronicle, game: Game | None = None) -> Iterator[str]:
    """The replay as text lines: a header, one line per entry, and the final state hash."""
    cfg = chronicle.config
    yield (
        f"room {cfg.room!r}: {cfg.game} v{cfg.game_version}, trust {cfg.trust}, "
        f"seats {', '.join(cfg.seats)}, epochs {chronicle.epochs}"
    )
    engine = RoomEngine.replay(chronicle, game or games.for_room(cfg), strict_core=False)
    result = engine.fold()
    for o in result.outcomes:
        yield describe(o)
    accepted = len(result.accepted)
    yield (
        f"{len(result.outcomes)} entries: {accepted} accepted, "
        f"{len(result.outcomes) - accepted} rejected; game "
        f"{'over' if engine.is_over else 'in progress'}"
    )
    yield f"state hash {result.state_hash.hex()}"


def replay_file(path: str | os.PathLike[str]) -> Iterator[str]:
    """:func:`replay_lines` for a chronicle file."""
    return replay_lines(Chronicle.load_file(path))


@click.command("replay")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def replay(file: str) -> None:
    """Replay a saved chronicle: every entry with actor, seat, time, move and verdict,
    then the final state hash."""
    from hypertoken.cli.replay import replay_file
    from hypertoken.log.chronicle import ChronicleError

    try:
        for line in replay_file(file):
            click.echo(line)
    except ChronicleError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
