"""``hypertoken demo``: a room of four peer daemons playing blackjack over WebRTC.

The demo starts an embedded relay on loopback and four ``hypertoken peer`` daemons as
subprocesses, each with its own data directory and control socket. Three take the seats
of a blackjack room and one watches. Three bots (basic strategy) play through the seated
daemons' control sockets while a live table shows the spectator's view: who acted, the
cards, the results and the bankrolls. At the end every daemon reports its Chronicle heads
and state hash, printed side by side: they must be equal, and the demo exits non-zero if
any differs. Every process it started is stopped, and its files removed, whatever happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from hypertoken.cli.daemons import Daemon, control_status, read_ready, start_peer, stop_peers

__all__ = ["demo_command", "run_demo"]

SEATED = 3
#: Each seat's starting bankroll (blackjack's default): results are counted from it.
BANKROLL = 1000


def _table_view(status: dict[str, Any], hands: int, started: float) -> Panel:
    """The spectator's view of the table."""
    seats = Table(show_header=True, header_style="bold", expand=True)
    seats.add_column("seat")
    seats.add_column("peer")
    seats.add_column("bankroll", justify="right")
    seats.add_column("stake", justify="right")
    seats.add_column("result", justify="right")
    infos = status.get("infos") or {}
    for seat, peer in (status.get("seats") or {}).items():
        info = infos.get(seat, {})
        bank, stake = info.get("bankroll"), info.get("stake")
        result = ""
        if isinstance(bank, int) and isinstance(stake, int):
            net = bank + stake - BANKROLL
            result = f"[green]+{net}[/]" if net > 0 else f"[red]{net}[/]" if net < 0 else "0"
        seats.add_row(seat, peer[:8], str(bank or ""), str(stake or 0), result)
    moves = Table(show_header=True, header_style="bold", expand=True)
    moves.add_column("who acted")
    moves.add_column("move")
    for seat, move, _args in (status.get("moves") or [])[-8:]:
        moves.add_row(seat, move)
    body = Group(
        status.get("table") or "(dealing...)",
        seats,
        moves,
    )
    title = (
        f"room {status.get('room')}: blackjack, {hands} hands, watched by spectator "
        f"{status.get('peer_id', '')[:8]}  [{time.monotonic() - started:.1f} s, "
        f"{status.get('entries', 0)} entries]"
    )
    return Panel(body, title=title)


def _proof(statuses: list[tuple[Daemon, dict[str, Any]]]) -> tuple[Table, bool]:
    """Every peer's heads and state hash side by side, and whether they are all equal."""
    table = Table(title="convergence", show_header=True, header_style="bold")
    for col in ("peer", "seat", "transport", "entries", "heads", "state hash"):
        table.add_column(col)
    keys = set()
    for d, st in statuses:
        heads = ",".join(h[:10] for hs in (st.get("heads") or {}).values() for h in hs)
        vias = sorted(set((st.get("peers") or {}).values()))
        keys.add((heads, st.get("state_hash")))
        table.add_row(
            f"{d.name} {d.peer_id[:8]}",
            str(st.get("seat") or "spectator"),
            "+".join(vias) or "-",
            str(st.get("entries")),
            heads,
            str(st.get("state_hash", ""))[:16],
        )
    return table, len(keys) == 1 and all(st.get("over") for _, st in statuses)


async def run_demo(
    *,
    hands: int = 10,
    seed: int = 1,
    console: Console | None = None,
    keep: bool = False,
    webrtc: bool = True,
) -> bool:
    """Run the demo (see the module docstring); True when every peer converged."""
    from peers.control import play_policy
    from relay.config import RelayConfig
    from relay.server import serve

    console = console or Console()
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="hypertoken-demo-"))
    stop_relay = asyncio.Event()
    port: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    relay_task = asyncio.create_task(
        serve(
            RelayConfig(host="127.0.0.1", port=0),
            shutdown=stop_relay,
            on_listening=port.set_result,
        )
    )
    daemons: list[Daemon] = []
    try:
        url = f"ws://127.0.0.1:{await asyncio.wait_for(port, 10)}"
        room = f"demo-{secrets.token_hex(3)}"
        console.print(f"[bold]relay[/] {url}  [bold]room[/] {room}")
        common = ["--join", room, "--relay", url, "--game", "blackjack", "--players", str(SEATED)]
        common += ["--option", f"hands={hands}", "--ice-host", "127.0.0.1"]
        common += ["--log-level", "warning"] + ([] if webrtc else ["--no-webrtc"])

        def args(i: int) -> list[str]:
            own = ["--data-dir", str(workdir / f"peer{i}")]
            own += ["--control", f"unix://{workdir / f'peer{i}.sock'}"]
            return common + own + (["--spectate"] if i == SEATED else [])

        # The first peer creates the room; the others then claim its free seats.
        daemons.append(await start_peer("peer1", args(0), workdir))
        await read_ready(daemons[0], 60)
        for i in range(1, SEATED + 1):
            daemons.append(await start_peer(f"peer{i + 1}", args(i), workdir))
        await asyncio.gather(*(read_ready(d, 60) for d in daemons[1:]))
        console.print(
            "[bold]peers[/] "
            + "  ".join(f"{d.name}={d.peer_id[:8]}" for d in daemons)
            + f"  (ready in {time.monotonic() - started:.1f} s)"
        )
        bots = [
            asyncio.create_task(play_policy("basic-strategy", d.control, seed=seed + i))
            for i, d in enumerate(daemons[:SEATED])
        ]
        spectator = daemons[SEATED]
        with Live(console=console, refresh_per_second=8, transient=False) as live:
            while not all(b.done() for b in bots):
                with contextlib.suppress(Exception):
                    live.update(
                        _table_view(await control_status(spectator.control), hands, started)
                    )
                await asyncio.wait(bots, timeout=0.25)
            for b in bots:
                b.result()  # a bot's failure is the demo's
            # Converged means every peer folded every entry: wait for the last to land.
            statuses: list[tuple[Daemon, dict[str, Any]]] = []
            deadline = time.monotonic() + 30
            while True:
                statuses = [(d, await control_status(d.control)) for d in daemons]
                live.update(_table_view(statuses[SEATED][1], hands, started))
                _, equal = _proof(statuses)
                if equal or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
        table, equal = _proof(statuses)
        console.print(table)
        elapsed = time.monotonic() - started
        if equal:
            console.print(
                f"[bold green]converged[/]: {len(daemons)} peers, one state, in {elapsed:.1f} s"
            )
        else:
            console.print(f"[bold red]DIVERGED[/] after {elapsed:.1f} s (logs in {workdir})")
            keep = True
        return equal
    finally:
        await stop_peers(daemons)
        stop_relay.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(relay_task, 10)
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


@click.command("demo")
@click.option("--hands", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="The bots' seed.")
@click.option("--keep", is_flag=True, help="Keep the daemons' data and logs.")
@click.option("--no-webrtc", "no_webrtc", is_flag=True, help="Send everything through the relay.")
def demo_command(hands: int, seed: int, keep: bool, no_webrtc: bool) -> None:
    """Four peer daemons and a relay on this machine play blackjack over WebRTC.

    Three bots take the seats and one peer watches; the demo ends by showing that every
    peer holds the same Chronicle and state. Exits 1 if any peer diverged.
    """
    ok = asyncio.run(run_demo(hands=hands, seed=seed, keep=keep, webrtc=not no_webrtc))
    sys.exit(0 if ok else 1)
