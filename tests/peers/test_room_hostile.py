"""Hostile and broken peers in a room: malformed messages and edited documents are refused,
logged and change nothing; the sender is dropped; the daemon's room keeps running.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import msgpack
import pytest

from peers.room import MAX_STRIKES
from peers.transports.base import Message
from peers.transports.memory import MemoryHub
from peers.wire import Epoch, Hi, Sync, decode, encode
from tests.kits.hostile import delete_entries
from tests.peers.roomplay import memory_room, play_seat
from tests.peers.roomplay import until as _until

JUNK = [
    b"",
    b"\xc1",  # never valid msgpack
    msgpack.packb({"type": "sync"}),
    msgpack.packb(["nope", 1]),
    msgpack.packb(["sync"]),
    msgpack.packb(["sync", "not bytes"]),
    msgpack.packb([[[[[[[[]]]]]]]]),
    msgpack.packb(["hi", b"short", True]),
    msgpack.packb(["lobby", b"x" * 10, b"y" * 64, [[1, 2, 3]], b"", b""]),
    encode(Sync(b"\x00garbage frame")),
    encode(Epoch(b"not a config", b"not a save")),
]


async def test_malformed_messages_are_dropped_and_the_game_completes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hub = MemoryHub()
    async with memory_room(tmp_path, "blackjack", 2, options={"hands": 2}, hub=hub) as rooms:
        rogue = hub.transport("feedfacefeedface")
        await rogue.connect()
        await asyncio.gather(*(r.wait_started() for r in rooms))
        before = [r.engine.state_hash() for r in rooms if r.engine]
        with caplog.at_level(logging.WARNING, logger="peers.room"):
            for i in range(MAX_STRIKES + 2):
                for peer in [r.identity.peer_id for r in rooms]:
                    await rogue.send(peer, JUNK[i % len(JUNK)])
            await _until(rooms, lambda: all("feedfacefeedface" in r.ignored for r in rooms))
        assert [r.engine.state_hash() for r in rooms if r.engine] == before
        assert all("malformed" in r.ignored["feedfacefeedface"] for r in rooms)
        assert "malformed message from feedfacefeedface" in caplog.text
        moves = await asyncio.wait_for(
            asyncio.gather(*(play_seat(r, i) for i, r in enumerate(rooms))), 60
        )
        assert sum(moves) > 0 and all(r.engine and r.engine.is_over for r in rooms)
        assert len({r.engine.state_hash() for r in rooms if r.engine}) == 1


async def test_an_edited_document_marks_its_sender_hostile(tmp_path: Path) -> None:
    async with memory_room(tmp_path, "blackjack", 3, options={"hands": 2}) as rooms:
        await asyncio.gather(*(r.wait_started() for r in rooms))
        honest, cheat = rooms[:2], rooms[2]
        assert cheat.engine is not None
        before = [r.engine.state_hash() for r in honest if r.engine]
        entries = [len(r.engine.chronicle.graph) for r in honest if r.engine]
        delete_entries(cheat.engine, [0])  # rewrite history: drop the first entry
        cheat._flush()  # and sync the edit to everyone
        me = cheat.identity.peer_id
        await _until(honest, lambda: all(me in r.ignored for r in honest))
        assert all("hostile" in r.ignored[me] for r in honest)
        assert [r.engine.state_hash() for r in honest if r.engine] == before
        assert [len(r.engine.chronicle.graph) for r in honest if r.engine] == entries
        assert all(r.status()["ignored"] == {me: r.ignored[me]} for r in honest)


async def test_a_peer_repeating_its_hi_gets_one_saved_epoch(tmp_path: Path) -> None:
    hub = MemoryHub()
    async with memory_room(tmp_path, "blackjack", 2, options={"hands": 1}, hub=hub) as rooms:
        await _until(rooms, lambda: all(r.started for r in rooms))
        asker = hub.transport("abcdabcdabcdabcd")
        await asker.connect()
        for _ in range(50):  # each would cost a whole save if it were answered
            await asker.send(rooms[0].identity.peer_id, encode(Hi(b"", False)))
        await asker.send(rooms[0].identity.peer_id, b"\xc1")  # a marker: judged after the his
        await _until(rooms, lambda: rooms[0]._strikes.get("abcdabcdabcdabcd") == 1)
        epochs = 0
        await asker.close()
        async for event in asker.events():
            if isinstance(event, Message) and decode(event.data).__class__ is Epoch:
                epochs += 1
        assert epochs == 1
