"""Train a bot in process, then seat the same Policy object in a peer-to-peer room.

1. PPO (Stable-Baselines3) trains on blackjack in process, over
   ``hypertoken.envs.sb3_vec_env`` (as ``train_sb3.py`` does).
2. The model becomes a HyperToken policy: ``Policy.from_sb3(model)``.
3. The policy plays a seat of a room through a peer daemon's control socket, with
   ``peers.control.play_policy``: nothing about it changes between training and the room.

With ``--control URL`` it plays the seat of a daemon you started
(``hypertoken peer --join ROOM ...`` prints its control URL). Without, the example makes a
room on this machine: a relay and two ``hypertoken peer`` daemons on loopback, talking over
WebRTC; the trained policy takes one seat and basic strategy the other. It prints each
seat's result and both daemons' state hashes (equal: they hold one Chronicle).

Run it (``pip install torch "hypertoken[sb3]"``)::

    python examples/room_bot.py                       # 100k steps, then 20 hands in a room
    python examples/room_bot.py --control unix:///path/to/control.sock
    python examples/room_bot.py --smoke               # seconds (the tests use it)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import torch
from stable_baselines3 import PPO

from hypertoken import policies
from hypertoken.cli.daemons import control_status, read_ready, start_peer, stop_peers
from hypertoken.envs import sb3_vec_env
from hypertoken.policies import Policy
from peers.control import play_policy
from relay.config import RelayConfig
from relay.server import serve

ENV_ID = "blackjack_v1"


def train(timesteps: int, seed: int) -> PPO:
    """PPO on eight in-process blackjack tables for ``timesteps`` steps."""
    env = sb3_vec_env(ENV_ID, num_envs=8)
    model = PPO("MlpPolicy", env, n_steps=64, batch_size=256, gamma=1.0, seed=seed, device="cpu")
    model.learn(total_timesteps=timesteps)
    env.close()
    return model


async def own_room(trained: Policy, hands: int, seed: int) -> int:
    """Make a two-seat room on loopback, seat ``trained`` and basic strategy, play it."""
    stop = asyncio.Event()
    port: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    relay = asyncio.create_task(
        serve(RelayConfig(host="127.0.0.1", port=0), shutdown=stop, on_listening=port.set_result)
    )
    daemons = []
    with tempfile.TemporaryDirectory(prefix="hypertoken-room-bot-") as tmp:
        work = Path(tmp)
        try:
            url = f"ws://127.0.0.1:{await asyncio.wait_for(port, 10)}"
            common = ["--join", "room-bot", "--relay", url, "--players", "2"]
            common += ["--option", f"hands={hands}", "--ice-host", "127.0.0.1"]
            for i in range(2):  # the first creates the room, the second takes the other seat
                own = ["--data-dir", str(work / f"peer{i}"), "--control"]
                own.append(f"unix://{work / f'peer{i}.sock'}")
                daemon = await start_peer(f"peer{i}", common + own, work)
                daemons.append(daemon)
                await read_ready(daemon, 90)
            print(f"== a room of two daemons on loopback ({hands} hands)", flush=True)
            results = await asyncio.gather(
                play_policy(trained, daemons[0].control, seed=seed),
                play_policy(policies.make("basic-strategy", ENV_ID), daemons[1].control, seed=seed),
            )
            for name, result in zip(("ppo", "basic-strategy"), results, strict=True):
                for seat, total in result.returns.items():
                    print(f"  {name:<16} {seat}: {total:+.1f} bets over {hands} hands")
            statuses = [await control_status(d.control) for d in daemons]
            for d, st in zip(daemons, statuses, strict=True):
                print(f"  {d.name} ({st['seat']}): state {st['state_hash'][:16]}, {st['peers']}")
            same = len({st["state_hash"] for st in statuses}) == 1
            print("  one state on both peers" if same else "  the peers DIVERGED")
            return 0 if same else 1
        finally:
            await stop_peers(daemons)
            stop.set()
            await relay


def main(argv: Sequence[str] | None = None) -> int:
    """Train, then play in a room (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--timesteps", type=int, default=100_000, help="PPO training steps")
    parser.add_argument("--hands", type=int, default=20, help="hands in the example's room")
    parser.add_argument("--control", metavar="URL", help="play this daemon's seat instead")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="a tiny run, for the tests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.timesteps, args.hands = 512, 3
    torch.set_num_threads(1)
    print(f"== PPO on {ENV_ID}, in process: {args.timesteps:,} steps", flush=True)
    start = time.perf_counter()
    trained = Policy.from_sb3(train(args.timesteps, args.seed))
    print(f"  trained in {time.perf_counter() - start:.1f} s", flush=True)
    if args.control:
        result = asyncio.run(play_policy(trained, args.control, seed=args.seed))
        print(f"  played {result.moves} in the room: returns {result.returns}")
        return 0
    return asyncio.run(own_room(trained, args.hands, args.seed))


if __name__ == "__main__":
    sys.exit(main())
