"""``hypertoken status``: what a control socket's server says of itself (its ``status``).

For a peer daemon: the room, the peers and the transport each one is reached by (webrtc or
relay), the seats and who holds them, the Chronicle's length, heads and state hash, and the
rejected entries. For ``hypertoken serve``: the connection's env. ``--json`` prints the
answer as it came.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import click

from hypertoken.cli.bot import CONTROL_VAR
from hypertoken.cli.serve import TOKEN_VAR


def _heads(heads: Any) -> list[str]:
    """Heads as lines: a list of hex digests, or epoch -> list."""
    if isinstance(heads, Mapping):
        return [f"epoch {e}: {', '.join(h[:16] for h in hs)}" for e, hs in heads.items()]
    if isinstance(heads, list):
        return [", ".join(str(h)[:16] for h in heads)]
    return []


def render_status(status: Mapping[str, Any]) -> Any:
    """The status answer as a rich renderable."""
    from rich.console import Group
    from rich.table import Table

    if status.get("mode") != "room":
        table = Table(title=f"hypertoken serve: {status.get('env_id', '?')}", show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value")
        for key in ("env_type", "agents", "agent_selection", "over", "state_hash"):
            table.add_row(key, str(status.get(key)))
        return table
    me = status.get("peer_id", "?")
    seat = status.get("seat")
    summary = Table(
        title=f"room {status.get('room', '?')}: peer {me}, "
        + (f"seat {seat}" if seat else "spectating"),
        show_header=False,
    )
    summary.add_column("field", style="bold")
    summary.add_column("value")
    if status.get("game"):
        summary.add_row("game", str(status["game"]))
    summary.add_row("sealed", str(status.get("sealed")))
    if status.get("origin"):
        summary.add_row("room copy from", str(status["origin"]))
    if status.get("refused"):
        summary.add_row("seat refused", str(status["refused"]))
    summary.add_row("started", str(status.get("started")))
    summary.add_row("over", str(status.get("over")))
    if status.get("to_move"):
        summary.add_row("to move", str(status["to_move"]))
    rewards = status.get("rewards") or {}
    if rewards:
        summary.add_row("rewards", ", ".join(f"{k} {v:+g}" for k, v in rewards.items()))
    summary.add_row("chronicle entries", str(status.get("entries", 0)))
    for line in _heads(status.get("heads")) or ["(none)"]:
        summary.add_row("heads", line)
    summary.add_row("state hash", str(status.get("state_hash", "")))
    seats: Mapping[str, str] = status.get("seats") or {}
    held: dict[str, list[str]] = {}
    for name, holder in seats.items():
        held.setdefault(holder, []).append(name)
    peers = Table(title="peers")
    peers.add_column("peer")
    peers.add_column("transport")
    peers.add_column("seats")
    peers.add_row(f"{me} (this peer)", "-", ", ".join(held.get(me, [])) or "-")
    for peer, via in (status.get("peers") or {}).items():
        peers.add_row(peer, str(via), ", ".join(held.get(peer, [])) or "-")
    for peer, why in (status.get("ignored") or {}).items():
        peers.add_row(peer, f"dropped: {why}", ", ".join(held.get(peer, [])) or "-")
    seat_table = Table(title="seats")
    seat_table.add_column("seat")
    seat_table.add_column("peer")
    for name, holder in seats.items():
        seat_table.add_row(name, holder or "(open)")
    rejections = list(status.get("rejections") or [])
    parts: list[Any] = [summary, peers, seat_table]
    if rejections:
        rejected = Table(title=f"rejections ({len(rejections)})", show_header=False)
        rejected.add_column("entry")
        for line in rejections:
            rejected.add_row(str(line))
        parts.append(rejected)
    else:
        parts.append("rejections: none")
    return Group(*parts)


def _default_control() -> str:
    """The control socket of the first automatic profile whose daemon is running."""
    from peers.config import default_data_root

    root = default_data_root()
    found = sorted(
        (p for p in root.glob("*/control.sock") if p.parent.name.isdigit()),
        key=lambda p: int(p.parent.name),
    )
    if not found:
        raise click.UsageError(f"no peer daemon's control socket under {root}: pass --control URL")
    return f"unix://{found[0]}"


@click.command("status")
@click.option(
    "--control",
    "url",
    envvar=CONTROL_VAR,
    show_envvar=True,
    default=None,
    help="The control socket: unix:///path (a peer daemon's), ws://host:port, msgpack+tcp://. "
    "Default: the running daemon of the first automatic profile.",
)
@click.option(
    "--token", envvar=TOKEN_VAR, show_envvar=True, default=None, help="The socket's API token."
)
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds to wait.")
@click.option("--json", "as_json", is_flag=True, help="Print the status answer as JSON.")
def status(url: str | None, token: str | None, timeout: float, as_json: bool) -> None:
    """Show a peer daemon's room (peers, transports, seats, Chronicle) or a served env."""
    from rich.console import Console

    from hypertoken.client import HyperTokenClient, ServerError

    if url is None:
        url = _default_control()
    try:
        with HyperTokenClient(url, timeout, token=token) as client:
            answer = client.request({"cmd": "status"})
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--control") from None
    except (ConnectionError, TimeoutError, ServerError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(answer, indent=2, sort_keys=True))
        return
    console = Console()
    if not console.is_terminal:  # piped: keep hashes on one line (rich's default is 80)
        console.width = max(console.width, 120)
    console.print(render_status(answer))
