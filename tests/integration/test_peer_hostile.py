"""A hostile peer joins a running room through the real relay and sends daemons junk:
malformed frames, forged lobby messages, garbage sync frames. Each daemon logs it, drops
the peer after the strikes allowed, keeps its state, and the session completes.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgpack

from hypertoken.cli.daemons import control_status
from hypertoken.log.identity import Identity
from peers.control import play_policy
from peers.room import MAX_STRIKES
from peers.transports.base import PeerJoined
from peers.transports.relay import RelayTransport
from peers.wire import Claim, encode
from tests.integration.peerkit import relay_on_loopback, room_of_daemons

#: Each is refused as malformed or not holding (a sync frame from a peer that never said
#: which room it holds is not: it is ignored until it does, so it is not in this list).
JUNK = [
    b"\x00\x01\x02",
    msgpack.packb(["sync", 42]),
    msgpack.packb(["lobby"] + [b""] * 5),
    encode(Claim(b"not a claim", b"\x00" * 64)),
    msgpack.packb([[[[[[[[[[]]]]]]]]]]),
]


async def test_a_hostile_peer_is_dropped_and_the_room_plays_on(tmp_path: Path) -> None:
    async with relay_on_loopback() as relay:
        flags = ("--players", "2", "--option", "hands=3", "--no-webrtc")
        async with room_of_daemons(tmp_path, relay, "hostile-room", *flags) as room:
            await room.start(0)
            await room.start(1)
            rogue = RelayTransport(relay, Identity.generate(), "hostile-room")
            await rogue.connect()
            targets = {d.peer_id for d in room.daemons}
            seen: set[str] = set()
            async for event in rogue.events():  # the relay introduces the daemons
                if isinstance(event, PeerJoined):
                    seen.add(event.peer)
                if targets <= seen:
                    break
            for i in range(2 * MAX_STRIKES):
                for peer in targets:
                    await rogue.send(peer, JUNK[i % len(JUNK)])
            me = rogue.peer_id

            async def dropped() -> None:
                statuses = [await control_status(d.control) for d in room.daemons]
                while any(me not in st["ignored"] for st in statuses):
                    statuses = [await control_status(d.control) for d in room.daemons]

            await asyncio.wait_for(dropped(), 30)
            bots = [
                play_policy("basic-strategy", d.control, seed=i) for i, d in enumerate(room.daemons)
            ]
            await asyncio.wait_for(asyncio.gather(*bots), 120)
            final = await room.converged()
            await rogue.close()
    assert len({st["state_hash"] for st in final}) == 1
    assert all(st["over"] and not st["rejections"] for st in final)
    assert all("malformed" in st["ignored"][me] for st in final)
    for d in room.daemons:
        log = d.log.read_text()
        assert f"malformed message from {me}" in log and "Traceback" not in log
