"""Chronicle and engine benchmark: fold throughput, submit latency, late-joiner bootstrap
and rewind-and-refold.

Prints JSON lines, one object per line: ``{"name", "ours", "baseline", "ratio", "unit", ...}``.
``baseline`` is the target, measured in the same run where it is a multiple of a floor
(one Ed25519 sign or verify, interleaved with our runs), and ``ratio`` is arranged so that
``>= 1`` means the target is met (the ``note`` says which way).

Measurements (all in one process, in memory, no network):

- submit: links, encode, judge, sign, append to Automerge, accept, apply; per move, in
  rounds interleaved with rounds of bare Ed25519 signatures (target: at most 4 signs);
- fold throughput on tictactoe (``rounds`` large, so one long game) over a signed log:
  *cold* loads and folds a log never seen before, so every document is inspected and every
  Ed25519 signature checked (target: half the verify-only ceiling, measured alongside);
  *verified* refolds a log whose entries were checked when they arrived; *training*
  replays an unsigned recording. The before/after comparison of the verified fold is
  ``benchmarks/compare_trees.py``;
- late joiner: a 30,000-entry session in epochs of 1,024; a newcomer loads the newest final
  epoch as saved to disk some moves earlier, then syncs the rest from the host and folds it;
- rewind-and-refold: a peer makes 50 moves while another makes one concurrently; after sync
  the lone entry lands 50 entries back on one side, which restores its nearest snapshot and
  refolds. Timed: that side's receive_sync_message, sync included.

Run: ``python benchmarks/bench_chronicle.py`` (about half a minute).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import games
from hypertoken.core import World
from hypertoken.engine import LocalEngine, RoomEngine
from hypertoken.game import Game, GameInfo, MoveContext, TurnOrder
from hypertoken.log.chronicle import Chronicle, RoomConfig
from hypertoken.log.entries import make_entry
from hypertoken.log.identity import Identity, Verifier

HOST = Identity.from_seed(b"h" * 32)
GUEST = Identity.from_seed(b"g" * 32)


def emit(
    name: str, ours: float, baseline: float | None, ratio: float | None, unit: str, **extra: Any
) -> None:
    """One JSON line."""
    row = {
        "name": name,
        "ours": round(ours, 3),
        "baseline": baseline,
        "ratio": None if ratio is None else round(ratio, 3),
        "unit": unit,
        **extra,
    }
    print(json.dumps(row), flush=True)


def tictactoe_room(
    room: str, *, holder: Identity = HOST, epoch_size: int = 0
) -> tuple[Game, RoomConfig]:
    """A long tictactoe match where one peer holds both seats (a hot-seat host)."""
    game = games.make("tictactoe", rounds=1_000_000)
    config = RoomConfig.for_game(game, [holder] * len(game.seats), room=room, epoch_size=epoch_size)
    return game, config


def play(engine: RoomEngine, moves: int, rng: random.Random, t0: int = 0) -> list[float]:
    """Make legal moves; return the seconds each submit() took."""
    spent = []
    game, world = engine.game, engine.world
    for k in range(moves):
        seat = game.current_player(world)
        assert seat is not None
        legal = [i for i in range(9) if game.is_legal(world, seat, i)]
        action = rng.choice(legal)
        t = time.perf_counter()
        engine.submit(action, seat, time_ms=t0 + k)
        spent.append(time.perf_counter() - t)
    return spent


def _sign_us(n: int = 300) -> float:
    """Median microseconds of one Ed25519 signature over an entry-sized payload."""
    payload = b"x" * 160
    spent = []
    for _ in range(n):
        t = time.perf_counter()
        HOST.sign(payload)
        spent.append(time.perf_counter() - t)
    return float(np.median(spent)) * 1e6


def _verify_us(n: int = 300) -> float:
    """Median microseconds of one Ed25519 verification (the cold fold's ceiling)."""
    verifier, payload = Verifier(), b"x" * 160
    sig = HOST.sign(payload)
    verifier.verify(HOST.public_key, sig, payload)  # parse the key once, as the fold does
    spent = []
    for _ in range(n):
        t = time.perf_counter()
        verifier.verify(HOST.public_key, sig, payload)
        spent.append(time.perf_counter() - t)
    return float(np.median(spent)) * 1e6


def bench_fold_and_submit(n: int, rounds: int) -> None:
    game, config = tictactoe_room("bench-fold")
    host = RoomEngine(game, Chronicle.create(config), HOST)
    host.start()
    rng = random.Random(1)
    # Interleave: a block of submits, then a block of signatures, round after round, so the
    # ratio compares the two under the same machine load.
    per_round = max(1, n // rounds)
    submits, signs = [], []
    for r in range(rounds):
        spent = play(host, per_round, rng, t0=r * per_round)
        submits.append(float(np.median(spent)) * 1e6)
        signs.append(_sign_us())
    ratios = [4 * s / u for s, u in zip(signs, submits, strict=True)]
    emit(
        "submit_per_move",
        float(np.median(submits)),
        4 * float(np.median(signs)),
        float(np.median(ratios)),
        "us",
        moves=per_round * rounds,
        ed25519_sign_us=round(float(np.median(signs)), 1),
        submits_per_sign=round(float(np.median(submits)) / float(np.median(signs)), 2),
        note="median per-move submit (links, encode, judge, sign, Automerge append, accept, "
        "apply) against 4 x one Ed25519 sign measured in the same rounds; "
        "ratio = 4*sign/submit (>= 1: target met)",
    )

    chronicle = host.chronicle
    total = len(chronicle.graph.order)
    saved = chronicle.save()
    colds, verifies = [], []
    for _ in range(3):  # a log never seen: load (checks every signature) and fold
        t = time.perf_counter()
        cold = RoomEngine.replay(Chronicle.load(saved), game)
        colds.append(total / (time.perf_counter() - t))
        verifies.append(_verify_us())
        assert cold.state_hash() == host.state_hash()
    ceiling = 1e6 / float(np.median(verifies))
    emit(
        "fold_throughput_cold",
        float(np.median(colds)),
        0.5 * ceiling,
        float(np.median(colds)) / (0.5 * ceiling),
        "entries/s",
        entries=total,
        ed25519_verify_us=round(float(np.median(verifies)), 1),
        verify_ceiling_per_s=round(ceiling),
        note="first fold of a log never seen: Chronicle.load inspects every document and "
        "checks every Ed25519 signature, then the fold; against half the verify-only "
        "ceiling measured in the same run; ratio = ours/(0.5*ceiling)",
    )

    best = []
    for _ in range(5):  # refold from the start; every entry is already accepted
        t = time.perf_counter()
        result = cold.refold()
        best.append(time.perf_counter() - t)
        assert result.state_hash == host.state_hash() and len(result.outcomes) == total
    rate = total / float(np.median(best))
    emit(
        "fold_throughput",
        rate,
        20_000.0,
        rate / 20_000,
        "entries/s",
        entries=total,
        note="refold of a signed log whose entries were checked when they arrived; "
        "ratio = ours/target (the before/after comparison: benchmarks/compare_trees.py)",
    )

    local = LocalEngine(game, seed=3, record=True, record_batch=1024)
    rng = random.Random(1)
    for _ in range(n):
        seat = game.current_player(local.world)
        assert seat is not None
        local.step(rng.choice([i for i in range(9) if game.is_legal(local.world, seat, i)]))
    local.flush()
    assert local.chronicle is not None
    t = time.perf_counter()
    replayed = RoomEngine.replay(local.chronicle, game)
    replay_s = time.perf_counter() - t
    assert replayed.state_hash() == local.state_hash()
    emit(
        "fold_throughput_training_replay",
        n / replay_s,
        20_000.0,
        n / replay_s / 20_000,
        "entries/s",
        entries=n + 1,
        note="replay of an unsigned training recording (trust 'local'); ratio = ours/target",
    )


def bench_late_joiner(n: int, behind: int) -> None:
    game, config = tictactoe_room("bench-join", epoch_size=1024)
    host = RoomEngine(game, Chronicle.create(config), HOST)
    host.start()
    rng = random.Random(2)
    play(host, n - behind - 4, rng)
    saved = host.chronicle.save_epoch()  # the newest final epoch, as on disk when asked
    play(host, behind, rng, t0=10**6)
    entries = len(host.chronicle)

    t = time.perf_counter()
    joiner = RoomEngine(game, Chronicle.load(saved), None)
    loaded = time.perf_counter() - t
    messages = size = 0
    for _ in range(20):
        m1 = host.generate_sync_message("joiner")
        if m1:
            joiner.receive_sync_message("host", m1)
            messages, size = messages + 1, size + len(m1)
        m2 = joiner.generate_sync_message("host")
        if m2:
            host.receive_sync_message("joiner", m2)
            messages, size = messages + 1, size + len(m2)
        if not (m1 or m2):
            break
    total = time.perf_counter() - t
    assert joiner.state_hash() == host.state_hash()
    emit(
        "late_joiner_bootstrap",
        total,
        0.5,
        0.5 / total,
        "s",
        session_entries=entries,
        epoch_size=1024,
        saved_epoch_bytes=len(saved),
        load_and_fold_saved_s=round(loaded, 4),
        entries_synced_after_save=behind,
        sync_messages=messages,
        sync_bytes=size,
        note="load the newest final epoch (inspect it, check its signatures, restore the "
        "checkpoint every seat holder signed, fold its entries), then sync and fold the "
        "rest; ratio = target/ours",
    )


class Tally(Game):
    """Benchmark-only: two seats add points at any time; every move is always legal, so
    both peers can keep moving while apart.
    """

    info = GameInfo(
        name="tally",
        version=1,
        min_players=2,
        max_players=2,
        num_actions=4,
        observation_shape=(1,),
        turn_order=TurnOrder.ANY,
    )

    def setup(self, world: World, ctx: MoveContext) -> None:
        """Nothing to set up beyond the seats."""

    def legal_actions(self, world: World, seat: str) -> np.ndarray:
        """Always all four."""
        return np.ones(4, dtype=bool)

    def is_legal(self, world: World, seat: str, action: int) -> bool:
        """Always."""
        return 0 <= action < 4

    def apply(self, world: World, seat: str, action: int, ctx: MoveContext) -> None:
        """Add ``action + 1`` points."""
        world.agent_give_resource(seat, "points", action + 1)

    def player_view(self, world: World, seat: str) -> np.ndarray:
        """The seat's points."""
        return np.array([world.agent(seat).resources.get("points", 0)])

    def rewards(self, world: World) -> dict[str, float]:
        """Points."""
        return {s: float(world.agent(s).resources.get("points", 0)) for s in self.seats}

    def is_over(self, world: World) -> bool:
        """Never."""
        return False


def _sync(a: RoomEngine, b: RoomEngine, timed: RoomEngine | None = None) -> float:
    spent = 0.0
    for _ in range(20):
        m1 = a.generate_sync_message("b")
        if m1:
            t = time.perf_counter()
            b.receive_sync_message("a", m1)
            spent += time.perf_counter() - t if b is timed else 0.0
        m2 = b.generate_sync_message("a")
        if m2:
            t = time.perf_counter()
            a.receive_sync_message("b", m2)
            spent += time.perf_counter() - t if a is timed else 0.0
        if not (m1 or m2):
            return spent
    raise AssertionError("sync did not settle")


def bench_rewind(depth: int, history: int, trials: int) -> None:
    game = Tally(2)
    config = RoomConfig.for_game(game, [HOST, GUEST], room="bench-rewind")
    results = []
    for trial in range(trials):
        a = RoomEngine(game, Chronicle.create(config), HOST)
        b = RoomEngine(game, Chronicle.create(config), GUEST)
        a.start()
        b.start()
        _sync(a, b)
        for k in range(history):  # some shared history first
            a.submit(k % 4, "player_0", time_ms=k)
        _sync(a, b)
        for k in range(depth):  # a moves on alone...
            a.submit(k % 4, "player_0", time_ms=10_000 + k)
        b.submit(trial % 4, "player_1", time_ms=20_000)  # ...while b moves concurrently
        lone = b.chronicle.graph.order[-1].digest
        # Find which side the lone entry lands 50 back on, then time that side's receive.
        probe_a, probe_b = a.fork(), b.fork()
        _sync(probe_a, probe_b)
        merged = [x.digest for x in probe_a.chronicle.graph.order]
        behind = len(merged) - 1 - merged.index(lone)
        timed = a if behind >= depth else b
        spent = _sync(a, b, timed)
        assert a.state_hash() == b.state_hash()
        results.append(spent * 1e3)
    emit(
        "rewind_refold",
        float(np.median(results)),
        None,
        None,
        "ms",
        depth=depth,
        history=history,
        trials=trials,
        snapshot_every=64,
        min_ms=round(min(results), 3),
        max_ms=round(max(results), 3),
        note="receive_sync_message on the peer whose applied entries the concurrent one "
        "lands 50 entries before: sync, restore the nearest snapshot, refold (median)",
    )


def bench_primitives() -> None:
    """Context: the cost of building and signing one entry here."""
    genesis = bytes(32)
    t = time.perf_counter()
    for i in range(2000):
        make_entry(
            HOST,
            genesis,
            "player_0",
            "place",
            (i % 9,),
            i,
            seq=i + 1,
            prev=b"p" * 16,
            parents=(b"q" * 16,),
            lamport=i + 2,
        )
    sign_us = (time.perf_counter() - t) / 2000 * 1e6
    emit("make_entry", sign_us, None, None, "us", note="links + encode + Ed25519 sign (context)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=20_000, help="entries for fold/submit")
    parser.add_argument("--session", type=int, default=30_000, help="late-joiner session")
    parser.add_argument(
        "--behind", type=int, default=500, help="entries made after the joiner's saved epoch"
    )
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=10, help="interleaved submit/sign rounds")
    args = parser.parse_args()
    bench_fold_and_submit(args.moves, args.rounds)
    bench_late_joiner(args.session, args.behind)
    bench_rewind(50, 500, args.trials)
    bench_primitives()


if __name__ == "__main__":
    main()
