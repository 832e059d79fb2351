"""Relay load benchmark: room fan-out latency and throughput with 1,000 WebSocket peers.

Prints JSON lines, one object per line: ``{"name", "ours", "baseline", "ratio", "unit", ...}``.

Setup: the relay runs in its own process (``python -m relay``) on 127.0.0.1; the peers run in
this process (1,000 aiohttp WebSocket clients in 250 rooms of 4). The floor is a bare aiohttp
WebSocket server, also in its own process, that forwards each binary frame to the other
members of the sender's room with no protocol, identity or limits; the same clients drive it
in the same run.

Phases, for the relay and then for the floor:

1. connect: every peer connects (and, on the relay, does hello and join);
2. paced: every peer broadcasts ``--rate`` messages per second to its room for
   ``--duration`` seconds; each receiver records the latency of every message (send and
   receive clocks are the same process) and checks sender, room and sequence;
3. burst: every peer sends ``--burst`` messages back to back; throughput is deliveries per
   second until the last one arrives;
4. under attack (relay only, ``--hostile``): the paced phase again while hostile clients
   run a decode bomb (a new connection every ``--bomb-interval`` seconds sends, before
   hello, a 1 MiB msgpack frame of a million empty arrays) and a ping flood (a connection
   that pings 10,000 times a second and never reads, reconnecting when the relay drops
   it), from a process of their own.
   The bystanders' p99 must stay within 2x of the quiet p99 of phase 2.

Every message must reach each of the 3 other members of its room exactly once and nobody
else: lost and misrouted messages are counted and reported.

Run: ``python benchmarks/bench_relay.py`` (about a minute). ``--help`` for the knobs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import signal
import statistics
import struct
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import msgpack
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypertoken.protocol import (  # noqa: E402
    RELAY_PROTOCOL_VERSION,
    Hello,
    Join,
    Relay,
    encode,
    hello_signed_bytes,
    peer_id_from_key,
)

STAMP = struct.Struct("<IIQ")  # sender index, sequence number, send time (ns)
TARGET_P99_MS = 50.0


# --- the floor: a bare aiohttp WebSocket room echo ----------------------------------------


async def bare_server(port: int) -> None:
    """Forward each binary frame to the sender's room; print the port; run until SIGTERM."""
    rooms: dict[str, set[web.WebSocketResponse]] = {}

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=1024 * 1024)
        await ws.prepare(request)
        members = rooms.setdefault(request.query["room"], set())
        members.add(ws)
        await ws.send_bytes(b"ok")  # registered: the client may start
        try:
            async for msg in ws:
                if msg.type is aiohttp.WSMsgType.BINARY:
                    for other in list(members):
                        if other is not ws:
                            await other.send_bytes(msg.data)
        finally:
            members.discard(ws)
        return ws

    app = web.Application()
    app.router.add_get("/ws", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(json.dumps({"event": "listening", "port": runner.addresses[0][1]}), flush=True)
    await stop.wait()
    await runner.cleanup()


# --- server processes ------------------------------------------------------------------------


@dataclass
class Server:
    """A server subprocess and the port it listens on."""

    proc: asyncio.subprocess.Process
    port: int
    drain: asyncio.Task[None]

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 15)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self.drain.cancel()


async def start_server(argv: list[str], stream: str) -> Server:
    """Start ``argv``; read JSON lines on ``stream`` until one says ``listening``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    reader = proc.stderr if stream == "stderr" else proc.stdout
    other = proc.stdout if stream == "stderr" else proc.stderr
    assert reader is not None and other is not None
    while True:
        line = await asyncio.wait_for(reader.readline(), 30)
        if not line:
            raise RuntimeError(f"server {argv} exited before listening")
        if line.startswith(b"{") and json.loads(line).get("event") == "listening":
            port = int(json.loads(line)["port"])
            break

    async def drain() -> None:  # keep the pipes empty so the server never blocks on logging
        await asyncio.gather(reader.read(), other.read())

    return Server(proc, port, asyncio.get_running_loop().create_task(drain()))


# --- the peers -------------------------------------------------------------------------------


@dataclass
class Stats:
    """What the receivers saw in one phase."""

    latencies_ns: list[int] = field(default_factory=list)
    delivered: dict[tuple[int, int], int] = field(default_factory=dict)
    misrouted: int = 0
    deliveries: int = 0
    expected: int = 0
    last_ns: int = 0
    complete: asyncio.Event = field(default_factory=asyncio.Event)
    record_latency: bool = True

    def arrived(self) -> None:
        self.deliveries += 1
        if self.expected and self.deliveries >= self.expected:
            self.complete.set()


@dataclass
class Peer:
    index: int
    room: int
    ws: aiohttp.ClientWebSocketResponse[bool]
    peer_id: str = ""
    members: set[str] = field(default_factory=set)  # the room as this peer's peers updates say


class Load:
    """1,000 peers in rooms of 4, against the relay (``relay=True``) or the bare floor."""

    def __init__(self, port: int, *, relay: bool, peers: int, rooms: int) -> None:
        self.url = f"http://127.0.0.1:{port}/ws"
        self.relay = relay
        self.count = peers
        self.rooms = rooms
        self.peers: list[Peer] = []
        self.by_id: dict[str, int] = {}
        self.stats = Stats()
        self.room_size = peers // rooms
        self.readers: set[asyncio.Task[None]] = set()

    def room_of(self, index: int) -> int:
        return index // self.room_size

    async def connect_all(self, session: aiohttp.ClientSession) -> float:
        """Connect (hello, join) every peer; return the seconds it took."""
        start = time.perf_counter()
        gate = asyncio.Semaphore(100)
        joined = [asyncio.Event() for _ in range(self.count)]

        async def one(index: int) -> Peer:
            async with gate:
                room = self.room_of(index)
                if not self.relay:
                    ws = await session.ws_connect(f"{self.url}?room={room}")
                    assert (await ws.receive()).data == b"ok"
                    return Peer(index, room, ws)
                ws = await session.ws_connect(self.url, max_msg_size=0)
                key = Ed25519PrivateKey.generate()
                public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
                peer_id = peer_id_from_key(public)
                challenge = msgpack.unpackb((await ws.receive()).data)
                sig = key.sign(hello_signed_bytes(challenge["nonce"], peer_id, public))
                hello = Hello(RELAY_PROTOCOL_VERSION, peer_id, public, sig)
                await ws.send_bytes(encode(hello))
                welcome = msgpack.unpackb((await ws.receive()).data)
                assert welcome["type"] == "welcome", welcome
                await ws.send_bytes(encode(Join(room=f"room-{room}")))
                return Peer(index, room, ws, peer_id)

        self.peers = list(await asyncio.gather(*(one(i) for i in range(self.count))))
        self.by_id = {p.peer_id: p.index for p in self.peers}
        for peer in self.peers:
            self._spawn(self.read(peer, joined[peer.index]))
        if self.relay:  # joined = has seen its whole room in a peers update
            await asyncio.gather(*(event.wait() for event in joined))
        return time.perf_counter() - start

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self.readers.add(task)
        task.add_done_callback(self.readers.discard)

    async def read(self, peer: Peer, joined: asyncio.Event) -> None:
        """Receive frames for one peer until its socket closes, checking every message."""
        relay = self.relay
        async for msg in peer.ws:
            if msg.type is not aiohttp.WSMsgType.BINARY:
                continue
            now = time.perf_counter_ns()
            if relay:
                obj = msgpack.unpackb(msg.data)
                kind = obj.get("type")
                if kind == "peers":  # the full list on our join, then one-member deltas
                    if obj.get("left"):
                        peer.members.discard(obj["left"])
                    else:
                        peer.members.update(m["peer"] for m in obj["members"])
                    if len(peer.members) == self.room_size:
                        joined.set()
                    continue
                if kind != "relay":
                    continue
                data = obj["data"]
                sender_ok = self.by_id.get(obj.get("from", "")) is not None
                room_ok = obj.get("room") == f"room-{peer.room}"
            else:
                data, sender_ok, room_ok = msg.data, True, True
            sender, seq, sent_ns = STAMP.unpack_from(data)
            stats = self.stats  # read per message: phases swap the stats object
            if (
                not sender_ok
                or not room_ok
                or self.room_of(sender) != peer.room
                or sender == peer.index
                or (relay and self.by_id[obj["from"]] != sender)
            ):
                stats.misrouted += 1
                continue
            if stats.record_latency:
                stats.latencies_ns.append(now - sent_ns)
            key = (sender, seq)
            stats.delivered[key] = stats.delivered.get(key, 0) + 1
            stats.last_ns = now
            stats.arrived()

    def frame(self, peer: Peer, seq: int) -> bytes:
        stamp = STAMP.pack(peer.index, seq, time.perf_counter_ns())
        if not self.relay:
            return stamp
        return encode(Relay(room=f"room-{peer.room}", data=stamp, seq=seq))

    async def paced(self, rate: float, duration: float) -> Stats:
        """Every peer broadcasts ``rate``/s for ``duration`` s; wait for every delivery."""
        sends = int(rate * duration)
        self.stats = stats = Stats(expected=sends * self.count * (self.room_size - 1))
        rng = random.Random(7)
        start = time.perf_counter() + 0.2

        async def pace(peer: Peer, offset: float) -> None:
            for seq in range(sends):
                delay = start + offset + seq / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)  # pacing the load, not polling for state
                await peer.ws.send_bytes(self.frame(peer, seq))

        await asyncio.gather(*(pace(p, rng.random() / rate) for p in self.peers))
        await self._settle(stats)
        return stats

    async def burst(self, count: int) -> tuple[Stats, float]:
        """Every peer sends ``count`` messages at once; return stats and elapsed seconds."""
        self.stats = stats = Stats(expected=count * self.count * (self.room_size - 1))
        stats.record_latency = False
        start = time.perf_counter_ns()

        async def blast(peer: Peer) -> None:
            for seq in range(count):
                await peer.ws.send_bytes(self.frame(peer, 1_000_000 + seq))

        await asyncio.gather(*(blast(p) for p in self.peers))
        await self._settle(stats)
        return stats, (stats.last_ns - start) / 1e9

    async def _settle(self, stats: Stats, timeout: float = 20.0) -> None:
        # Deliveries still missing after the timeout are reported as lost.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stats.complete.wait(), timeout)

    async def close(self) -> None:
        await asyncio.gather(*(p.ws.close() for p in self.peers), return_exceptions=True)
        for task in list(self.readers):
            task.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)


def errors(stats: Stats, expected_per_message: int, messages: int) -> dict[str, int]:
    """Lost, duplicated and misrouted deliveries in one phase."""
    counts = stats.delivered.values()
    lost = expected_per_message * messages - sum(min(n, expected_per_message) for n in counts)
    duplicated = sum(max(0, n - expected_per_message) for n in counts)
    return {"lost": lost, "duplicated": duplicated, "misrouted": stats.misrouted}


def percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index] / 1e6


BOMB = msgpack.packb([[]] * 1_000_000)  # 1 MiB of empty arrays: a decode-cost bomb


async def hostile(url: str, stop: asyncio.Event, interval: float) -> dict[str, int]:
    """The decode bomb and the ping flood, until ``stop``; counts what the relay did. Runs
    in its own process (``--attack URL``), so its work does not slow the bystanders'
    client process: only what it does to the relay counts.
    """
    seen = {"bombs": 0, "bomb_refusals": 0, "ping_floods": 0, "pings": 0}

    async def bombs(session: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError, OSError):
                async with session.ws_connect(url, max_msg_size=0) as ws:
                    await ws.receive(timeout=5)  # the challenge
                    await ws.send_bytes(BOMB)
                    seen["bombs"] += 1
                    reply = await ws.receive(timeout=5)
                    if reply.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.CLOSE):
                        seen["bomb_refusals"] += 1
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)  # pacing the attack

    async def pings(session: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            seen["ping_floods"] += 1
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError, OSError):
                # autoping off and nobody reads: the relay's pongs pile up on its side.
                async with session.ws_connect(url, autoping=False, max_msg_size=0) as ws:
                    while not stop.is_set() and not ws.closed:
                        await ws.ping(b"x" * 125)
                        seen["pings"] += 1
                        if seen["pings"] % 100 == 0:
                            # 10,000 pings/s, 100x the relay's --rate: a flood, paced so this
                            # process does not take the CPU the bystanders and the relay share
                            # (on one machine; a real attacker's CPU is its own).
                            await asyncio.sleep(0.01)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.1)

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(bombs(session), pings(session))
    return seen


async def attack_until_stdin_closes(url: str, interval: float) -> None:
    """The attacker process: run :func:`hostile` until stdin closes, print its counts."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    task = asyncio.ensure_future(hostile(url, stop, interval))
    print("started", flush=True)
    await reader.read()  # EOF: the bystanders' phase is over
    stop.set()
    print(json.dumps(await task), flush=True)


async def measure(
    start: Callable[[], Awaitable[Server]], relay: bool, args: argparse.Namespace
) -> dict[str, Any]:
    """Run the three phases against one server; return the raw results."""
    server = await start()
    connector = aiohttp.TCPConnector(limit=0)
    load = Load(server.port, relay=relay, peers=args.peers, rooms=args.rooms)
    try:
        async with aiohttp.ClientSession(connector=connector) as session:
            connect_s = await load.connect_all(session)
            paced = await load.paced(args.rate, args.duration)
            paced_msgs = args.peers * int(args.rate * args.duration)
            burst, burst_s = await load.burst(args.burst)
            burst_msgs = args.peers * args.burst
            attacked: Stats | None = None
            attack: dict[str, int] = {}
            if relay and args.hostile:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, str(Path(__file__).resolve()), "--attack", load.url,
                    "--bomb-interval", str(args.bomb_interval),
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                )  # fmt: skip
                assert proc.stdin is not None and proc.stdout is not None
                assert (await proc.stdout.readline()).strip() == b"started"
                attacked = await load.paced(args.rate, args.duration)
                proc.stdin.close()
                attack = json.loads(await proc.stdout.readline())
                await proc.wait()
            await load.close()
    finally:
        await server.stop()
    per = load.room_size - 1
    under = {}
    if attacked is not None:
        under = {
            "attacked_p99_ms": percentile(attacked.latencies_ns, 0.99),
            "attacked_errors": errors(attacked, per, paced_msgs),
            "attack": attack,
        }
    return under | {
        "connect_s": connect_s,
        "p50_ms": percentile(paced.latencies_ns, 0.50),
        "p99_ms": percentile(paced.latencies_ns, 0.99),
        "mean_ms": statistics.fmean(paced.latencies_ns) / 1e6 if paced.latencies_ns else None,
        "paced_deliveries": paced.deliveries,
        "paced_errors": errors(paced, per, paced_msgs),
        "burst_deliveries_per_s": burst.deliveries / burst_s if burst_s > 0 else 0.0,
        "burst_broadcasts_per_s": burst_msgs / burst_s if burst_s > 0 else 0.0,
        "burst_errors": errors(burst, per, burst_msgs),
    }


def line(name: str, ours: float, baseline: float | None, unit: str, **extra: Any) -> str:
    ratio = ours / baseline if baseline else None
    out = {"name": name, "ours": round(ours, 4), "baseline": baseline and round(baseline, 4)}
    out |= {"ratio": ratio and round(ratio, 3), "unit": unit, **extra}
    return json.dumps(out)


async def run(args: argparse.Namespace) -> None:
    py = sys.executable
    relay_argv = [
        py, "-m", "relay", "--host", "127.0.0.1", "--port", "0", "--log-format", "json",
        "--max-peers", str(args.peers + 100), "--rate", "1000", "--burst", "1000",
        # Every benchmark client comes from 127.0.0.1: no per-address caps here.
        "--max-connections-per-address", "0", "--max-rooms-per-address", "0",
        "--connect-rate", "0",
    ]  # fmt: skip
    bare_argv = [py, str(Path(__file__).resolve()), "--serve-bare"]
    ours = await measure(lambda: start_server(relay_argv, "stderr"), True, args)
    floor = await measure(lambda: start_server(bare_argv, "stdout"), False, args)
    common = {
        "peers": args.peers,
        "rooms": args.rooms,
        "rate_per_peer": args.rate,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
    }
    print(line("relay_connect_all_peers", ours["connect_s"], floor["connect_s"], "s",
               note="ours: connect+hello+join; baseline: connect", **common))  # fmt: skip
    print(line("relay_fanout_latency_p50", ours["p50_ms"], floor["p50_ms"], "ms", **common))
    print(line("relay_fanout_latency_p99", ours["p99_ms"], floor["p99_ms"], "ms",
               target_ms=TARGET_P99_MS, meets_target=ours["p99_ms"] <= TARGET_P99_MS,
               **common))  # fmt: skip
    print(line("relay_fanout_deliveries_per_s", ours["burst_deliveries_per_s"],
               floor["burst_deliveries_per_s"], "msg/s",
               broadcasts_per_s=round(ours["burst_broadcasts_per_s"], 1),
               baseline_broadcasts_per_s=round(floor["burst_broadcasts_per_s"], 1),
               burst_per_peer=args.burst, **common))  # fmt: skip
    lost = ours["paced_errors"]["lost"] + ours["burst_errors"]["lost"]
    bad = (
        ours["paced_errors"]["misrouted"] + ours["burst_errors"]["misrouted"]
        + ours["paced_errors"]["duplicated"] + ours["burst_errors"]["duplicated"]
    )  # fmt: skip
    floor_bad = sum(floor["paced_errors"].values()) + sum(floor["burst_errors"].values())
    print(line("relay_lost_or_misrouted", lost + bad, floor_bad, "messages",
               lost=lost, misrouted_or_duplicated=bad,
               delivered=ours["paced_deliveries"], target=0, **common))  # fmt: skip
    if "attacked_p99_ms" in ours:
        quiet, attacked = ours["p99_ms"], ours["attacked_p99_ms"]
        print(line("relay_bystander_p99_under_attack", attacked, quiet, "ms",
                   target=f"<= 2 x quiet p99 ({2 * quiet:.2f} ms)",
                   meets_target=attacked <= 2 * quiet, errors=ours["attacked_errors"],
                   attack=ours["attack"],
                   note="baseline: the quiet p99 of the same run; ratio = attacked/quiet",
                   **common))  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peers", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=250)
    parser.add_argument("--rate", type=float, default=2.0, help="broadcasts/s per peer (paced)")
    parser.add_argument("--duration", type=float, default=10.0, help="paced phase, seconds")
    parser.add_argument("--burst", type=int, default=20, help="messages per peer (burst)")
    parser.add_argument("--timeout", type=float, default=200.0, help="whole run, seconds")
    parser.add_argument(
        "--no-hostile", dest="hostile", action="store_false",
        help="skip the phase under attack (decode bomb and ping flood)",
    )  # fmt: skip
    parser.add_argument(
        "--bomb-interval", type=float, default=0.5, help="seconds between decode bombs"
    )
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--attack", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.attack:
        asyncio.run(attack_until_stdin_closes(args.attack, args.bomb_interval))
        return 0
    if args.serve_bare:
        # The same event loop as the relay (uvloop where installed), for a fair floor.
        try:
            import uvloop
        except ImportError:
            asyncio.run(bare_server(0))
        else:
            uvloop.run(bare_server(0))
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, 4 * args.peers + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if args.peers % args.rooms:
        parser.error("--peers must be a multiple of --rooms")

    async def bounded() -> None:
        await asyncio.wait_for(run(args), args.timeout)

    asyncio.run(bounded())
    return 0


if __name__ == "__main__":
    sys.exit(main())
