"""Seating a room over in-memory transports: claims in order, refusals that name the holder
and the free seats, a full room, two peers creating the room at once, and a late joiner
that bootstraps from a saved epoch.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import games
from peers.room import Room
from peers.storage import RoomStore
from peers.transports.memory import MemoryHub
from tests.peers.roomplay import IDS, fixed_clock, memory_room, play_seat
from tests.peers.roomplay import until as _until


def _room(hub: MemoryHub, i: int, tmp: Path, **kw: object) -> Room:
    game = games.make("blackjack", 2)
    return Room(
        "test-room",
        IDS[i],
        hub.transport(IDS[i].peer_id),
        RoomStore(tmp / f"peer{i}", "test-room"),
        game,
        clock=fixed_clock,
        **kw,  # type: ignore[arg-type]
    )


async def test_a_claim_for_a_taken_seat_is_refused_naming_holder_and_free_seats(
    tmp_path: Path,
) -> None:
    hub = MemoryHub()
    first, second = (
        _room(hub, 0, tmp_path, seat="player_0"),
        _room(hub, 1, tmp_path, seat="player_0"),
    )
    tasks = []
    for r in (first, second):
        await r.transport.connect()
        tasks.append(asyncio.create_task(r.run()))
    await first.settle(set(), 5)
    await second.settle({first.identity.peer_id}, 5)
    await _until([first, second], lambda: bool(second.lobby.refused))
    assert second.lobby.refused == (
        f"seat player_0 is taken by peer {first.identity.peer_id}: free seats are ['player_1']"
    )
    assert second.status()["refused"] == second.lobby.refused and second.seat is None
    assert first.lobby.seats() == {"player_0": first.identity.peer_id, "player_1": ""}
    assert not first.status()["sealed"]  # nothing was sealed on the refused claim
    for r in (first, second):
        await r.close()
        await r.transport.close()
    await asyncio.gather(*tasks)


async def test_a_full_room_refuses_a_player_and_welcomes_a_spectator(tmp_path: Path) -> None:
    hub = MemoryHub()
    async with memory_room(tmp_path, "blackjack", 2, options={"hands": 1}, hub=hub) as rooms:
        await _until(rooms, lambda: all(r.started for r in rooms))
        late = _room(hub, 5, tmp_path / "late")
        await late.transport.connect()
        task = asyncio.create_task(late.run())
        await late.settle({r.identity.peer_id for r in rooms}, 5)
        await _until([late, *rooms], lambda: bool(late.lobby.refused) and late.engine is not None)
        assert "every seat is held" in late.lobby.refused and "--spectate" in late.lobby.refused
        assert late.seat is None  # it follows the room read-only
        await asyncio.gather(*(play_seat(r, i) for i, r in enumerate(rooms)))
        await _until([late, *rooms], lambda: late.engine is not None and late.engine.is_over)
        assert late.engine is not None
        assert late.engine.state_hash() == rooms[0].engine.state_hash()  # type: ignore[union-attr]
        await late.close()
        await late.transport.close()
        await task


async def test_a_late_spectator_bootstraps_from_a_saved_epoch(tmp_path: Path) -> None:
    hub = MemoryHub()
    async with memory_room(tmp_path, "blackjack", 2, options={"hands": 2}, hub=hub) as rooms:
        await asyncio.gather(*(play_seat(r, i) for i, r in enumerate(rooms)))
        watcher = _room(hub, 6, tmp_path / "watcher", spectate=True)
        await watcher.transport.connect()
        task = asyncio.create_task(watcher.run())
        await _until([watcher], lambda: watcher.engine is not None and watcher.engine.is_over)
        assert watcher.engine is not None and watcher.seat is None
        assert watcher.engine.state_hash() == rooms[0].engine.state_hash()  # type: ignore[union-attr]
        assert watcher.origin.startswith("epoch from ")  # a saved epoch, then sync
        assert watcher.lobby.table is None  # it never needed the lobby
        await watcher.close()
        await watcher.transport.close()
        await task


async def test_two_peers_creating_the_room_at_once_agree_on_one(tmp_path: Path) -> None:
    hub = MemoryHub()
    a, b = _room(hub, 0, tmp_path), _room(hub, 1, tmp_path)
    for r in (a, b):
        await r.transport.connect()
    a.begin(create=True)  # neither has heard of the other's offer yet
    b.begin(create=True)
    tasks = [asyncio.create_task(r.run()) for r in (a, b)]
    await _until([a, b], lambda: a.started and b.started)
    assert a.config == b.config and {a.seat, b.seat} == {"player_0", "player_1"}
    assert a.lobby.is_registrar != b.lobby.is_registrar  # one offer won
    for r in (a, b):
        await r.close()
        await r.transport.close()
    await asyncio.gather(*tasks)


async def test_a_registrar_restarted_before_the_seal_takes_its_table_back(tmp_path: Path) -> None:
    hub = MemoryHub()

    def three(i: int) -> Room:
        return Room(
            "test-room",
            IDS[i],
            hub.transport(IDS[i].peer_id),
            RoomStore(tmp_path / f"peer{i}", "test-room"),
            games.make("blackjack", 3, hands=1),
            clock=fixed_clock,
        )

    registrar, joiner = three(0), three(1)
    tasks = []
    for r, expected in ((registrar, set()), (joiner, {IDS[0].peer_id})):
        await r.transport.connect()
        tasks.append(asyncio.create_task(r.run()))
        await r.settle(expected, 5)
    await _until([registrar, joiner], lambda: joiner.lobby.seats().get("player_1") != "")
    await registrar.close()
    await registrar.transport.close()  # gone before the room was sealed
    again = three(0)  # the same key and data dir, no lobby in memory
    await again.transport.connect()
    tasks.append(asyncio.create_task(again.run()))
    await again.settle({IDS[1].peer_id}, 5)
    assert again.lobby.is_registrar  # it signed the offer the joiner kept
    last = three(2)
    await last.transport.connect()
    tasks.append(asyncio.create_task(last.run()))
    await last.settle({IDS[0].peer_id, IDS[1].peer_id}, 5)
    rooms = [again, joiner, last]
    await _until(rooms, lambda: all(r.started for r in rooms))
    assert {r.seat for r in rooms} == {"player_0", "player_1", "player_2"}
    assert len({r.config for r in rooms}) == 1
    await asyncio.gather(*(play_seat(r, i) for i, r in enumerate(rooms)))
    await _until(rooms, lambda: len({r.engine.state_hash() for r in rooms if r.engine}) == 1)
    for r in rooms:
        await r.close()
        await r.transport.close()
    await asyncio.gather(*tasks)
