"""Rooms, peer lists, signal and relay routing, private rooms and identity, in process."""

from __future__ import annotations

import base64
import json

import pytest

from hypertoken.protocol import (
    Bye,
    Challenge,
    Error,
    Hello,
    Join,
    Leave,
    Peers,
    Relay,
    Signal,
    Welcome,
    hello_signed_bytes,
)
from tests.kits.relay import Identity, RelayHarness


async def test_join_and_leave_update_every_members_peer_list(relay: RelayHarness) -> None:
    alice = await relay.peer()
    first = await alice.join("lobby")
    assert [m.peer for m in first.members] == [alice.id]
    assert first.members[0].key == alice.identity.key
    assert first.joined == alice.id and not first.private

    # The joiner gets the whole list; the members already there get only the newcomer.
    bob = await relay.peer()
    seen_by_bob = await bob.join("lobby")
    seen_by_alice = await alice.expect(Peers, room="lobby", joined=bob.id)
    assert [m.peer for m in seen_by_bob.members] == [alice.id, bob.id]
    assert seen_by_alice.members == seen_by_bob.members[1:]
    assert seen_by_alice.members[0].key == bob.identity.key

    # The leaver gets the list of who is still there; the others get only who left.
    await bob.send(Leave(room="lobby"))
    to_bob = await bob.expect(Peers, room="lobby", left=bob.id)
    to_alice = await alice.expect(Peers, room="lobby", left=bob.id)
    assert [m.peer for m in to_bob.members] == [alice.id]
    assert to_alice.members == ()
    assert relay.server.hub.rooms.get("lobby") is not None

    await alice.send(Leave(room="lobby"))
    await alice.expect(Peers, room="lobby", members=())
    assert relay.server.hub.rooms.get("lobby") is None  # empty rooms are forgotten


async def test_joining_twice_changes_nothing_and_repeats_the_list(relay: RelayHarness) -> None:
    alice = await relay.peer("lobby")
    bob = await relay.peer("lobby")
    await alice.expect(Peers, joined=bob.id)
    again = await bob.join("lobby")
    assert again.joined is None and len(again.members) == 2
    await alice.sync()  # alice was not told about a change that did not happen


async def test_disconnect_counts_as_leaving(relay: RelayHarness) -> None:
    alice = await relay.peer("lobby")
    bob = await relay.peer("lobby")
    await alice.expect(Peers, joined=bob.id)
    await bob.ws.close()
    update = await alice.expect(Peers, left=bob.id)
    assert update.members == ()  # a delta: only who left


async def test_signal_goes_to_the_addressed_peer_only(relay: RelayHarness) -> None:
    alice, bob, carol = await relay.room("call", 3)

    offer = Signal(room="call", to=bob.id, kind="offer", data="v=0\r\no=- 1 1 IN IP4 0\r\n")
    await alice.send(offer)
    got = await bob.expect(Signal, kind="offer", data=offer.data, sender=alice.id)
    await bob.send(Signal(room="call", to=alice.id, kind="answer", data="v=0"))
    await alice.expect(Signal, kind="answer", sender=bob.id)
    ice = Signal(room="call", to=bob.id, kind="ice", data="candidate:1", mid="0", mline=0)
    await alice.send(ice)
    got = await bob.expect(Signal, kind="ice", mid="0", mline=0, sender=alice.id)
    assert got.to == bob.id
    await carol.sync()  # carol saw none of it


async def test_sender_field_is_set_by_the_relay_not_the_sender(relay: RelayHarness) -> None:
    alice = await relay.peer("r")
    bob = await relay.peer("r")
    await alice.send(Relay(room="r", data=b"x", sender=bob.id))  # lies about "from"
    await bob.expect(Relay, sender=alice.id)


async def test_relay_to_one_peer_and_to_the_room(relay: RelayHarness) -> None:
    a, b, c, d = await relay.room("table", 4)
    await a.send(Relay(room="table", data=b"\x00direct", to=c.id, seq=1))
    got = await c.expect(Relay, data=b"\x00direct", sender=a.id, seq=1)
    assert got.to == c.id
    await b.sync()
    await d.sync()

    await a.send(Relay(room="table", data=b"everyone", seq=2))
    for peer in (b, c, d):
        await peer.expect(Relay, data=b"everyone", sender=a.id, seq=2, to=None)
    await a.sync()  # a room broadcast does not echo to its sender


async def test_messages_stay_inside_their_room(relay: RelayHarness) -> None:
    alice = await relay.peer("one")
    bob = await relay.peer("one")
    outsider = await relay.peer("two")
    await alice.send(Relay(room="one", data=b"secret"))
    await bob.expect(Relay, data=b"secret")
    await outsider.sync()


async def test_sending_to_a_room_one_has_not_joined_is_refused(relay: RelayHarness) -> None:
    alice = await relay.peer("one")
    bob = await relay.peer("two")
    await bob.send(Relay(room="one", data=b"intrusion"))
    error = await bob.expect_error("not-in-room")
    assert "'one'" in error.message and error.ref == "relay"
    await bob.send(Signal(room="two", to=alice.id, kind="offer", data=""))
    error = await bob.expect_error("no-such-peer")
    assert alice.id in error.message
    await alice.sync()
    await bob.send(Leave(room="one"))
    await bob.expect_error("not-in-room")


async def test_one_connection_can_be_in_several_rooms(relay: RelayHarness) -> None:
    alice = await relay.peer("one", "two")
    bob = await relay.peer("two")
    await alice.expect(Peers, room="two", joined=bob.id)
    await bob.send(Relay(room="two", data=b"hi"))
    await alice.expect(Relay, room="two", data=b"hi")
    await alice.ws.close()
    await bob.expect(Peers, room="two", left=alice.id)


async def test_private_room_set_by_its_creator(relay: RelayHarness) -> None:
    owner = await relay.peer()
    await owner.send(Join(room="den", token="open-sesame"))
    created = await owner.expect(Peers, room="den")
    assert created.private

    guest = await relay.peer()
    await guest.send(Join(room="den"))
    error = await guest.expect_error("room-token")
    assert "private" in error.message and "token" in error.message
    await guest.send(Join(room="den", token="wrong"))
    error = await guest.expect_error("room-token")
    assert "wrong" in error.message
    await owner.sync()  # the owner heard nothing of the failed attempts

    await guest.join("den", token="open-sesame")
    await owner.expect(Peers, joined=guest.id, private=True)


@pytest.mark.relay_config(room_tokens={"staff": "k3y"})
async def test_private_room_configured_on_the_relay(relay: RelayHarness) -> None:
    first = await relay.peer()
    await first.send(Join(room="staff"))  # even the first joiner needs the token
    await first.expect_error("room-token")
    await first.send(Join(room="staff", token="chosen-by-peer"))
    await first.expect_error("room-token")
    peers = await first.join("staff", token="k3y")
    assert peers.private
    assert relay.server.hub.rooms.get("staff") is not None


async def test_public_room_ignores_a_token_and_says_it_is_public(relay: RelayHarness) -> None:
    await relay.peer("plaza")
    late = await relay.peer()
    peers = await late.join("plaza", token="unneeded")
    assert not peers.private


@pytest.mark.relay_config(token="letmein")
async def test_relay_wide_auth_token(relay: RelayHarness) -> None:
    missing = await relay.connect()
    challenge = await missing.expect(Challenge)
    await missing.send(missing.identity.hello(challenge.nonce))
    error = await missing.expect_error("unauthorized", closed=True)
    assert "hello.auth" in error.message

    wrong = await relay.connect()
    challenge = await wrong.expect(Challenge)
    await wrong.send(wrong.identity.hello(challenge.nonce, auth="guess"))
    await wrong.expect_error("unauthorized", closed=True)

    good = await relay.peer("room", auth="letmein")
    assert good.id in relay.server.hub.peers


async def test_identity_challenge_accepts_a_correct_signature(relay: RelayHarness) -> None:
    peer = await relay.connect()
    challenge = await peer.expect(Challenge)
    assert len(challenge.nonce) == 32 and challenge.version == 1
    await peer.send(peer.identity.hello(challenge.nonce))
    welcome = await peer.expect(Welcome, peer=peer.id)
    assert welcome.max_message_bytes == relay.server.config.max_message_bytes


async def test_forged_peer_id_is_refused(relay: RelayHarness) -> None:
    victim = await relay.peer("room")
    thief = await relay.connect()
    challenge = await thief.expect(Challenge)
    # The thief signs correctly with its own key but claims the victim's id.
    await thief.send(thief.identity.hello(challenge.nonce, peer=victim.id))
    error = await thief.expect_error("forged-id", closed=True)
    assert victim.id in error.message
    await victim.sync()
    assert relay.server.hub.peers[victim.id].key == victim.identity.key


async def test_stolen_public_key_without_the_private_key_is_refused(relay: RelayHarness) -> None:
    victim = await relay.peer("room")
    thief = await relay.connect()
    challenge = await thief.expect(Challenge)
    # Claim the victim's id and key, signing with another key.
    sig = Identity().private.sign(
        hello_signed_bytes(challenge.nonce, victim.id, victim.identity.key)
    )
    await thief.send(Hello(version=1, peer=victim.id, key=victim.identity.key, sig=sig))
    await thief.expect_error("bad-signature", closed=True)
    await victim.sync()


async def test_replayed_hello_from_another_connection_is_refused(relay: RelayHarness) -> None:
    victim = await relay.connect()
    first = await victim.expect(Challenge)
    recorded = victim.identity.hello(first.nonce)
    await victim.send(recorded)
    await victim.expect(Welcome)
    attacker = await relay.connect()
    await attacker.expect(Challenge)  # a fresh nonce: the recorded signature no longer fits
    await attacker.send(recorded)
    await attacker.expect_error("bad-signature", closed=True)


async def test_same_peer_reconnecting_replaces_its_old_connection(relay: RelayHarness) -> None:
    alice = await relay.peer("room")
    watcher = await relay.peer("room")
    await alice.expect(Peers, joined=watcher.id)
    again = await relay.connect()
    again.identity = alice.identity  # the same key, e.g. after a network change
    await again.handshake()
    await alice.expect_error("replaced", closed=True)
    await watcher.expect(Peers, left=alice.id)
    await again.join("room")
    await watcher.expect(Peers, joined=alice.id)


async def test_wrong_protocol_version_is_refused(relay: RelayHarness) -> None:
    peer = await relay.connect()
    challenge = await peer.expect(Challenge)
    hello = peer.identity.hello(challenge.nonce)
    await peer.send(Hello(version=99, peer=hello.peer, key=hello.key, sig=hello.sig))
    error = await peer.expect_error("version", closed=True)
    assert "99" in error.message


async def test_messages_before_hello_are_refused(relay: RelayHarness) -> None:
    peer = await relay.connect()
    await peer.expect(Challenge)
    await peer.send(Join(room="lobby"))
    error = await peer.expect_error("hello-required", closed=True)
    assert "hello" in error.message
    assert relay.server.hub.rooms.get("lobby") is None


async def test_second_hello_and_relay_only_messages_are_unexpected(relay: RelayHarness) -> None:
    peer = await relay.peer()
    await peer.send(peer.identity.hello(b"n" * 32))
    await peer.expect_error("unexpected")
    await peer.send(Peers(room="r", members=()))
    error = await peer.expect_error("unexpected")
    assert "sent by the relay" in error.message
    await peer.join("still-works")


async def test_error_from_a_peer_is_not_answered(relay: RelayHarness) -> None:
    peer = await relay.peer()
    await peer.send(Error(code="oops", message="peer-side trouble"))
    await peer.sync()


async def test_bye_closes_cleanly(relay: RelayHarness) -> None:
    alice = await relay.peer("room")
    bob = await relay.peer("room")
    await alice.expect(Peers, joined=bob.id)
    await bob.send(Bye(reason="done"))
    assert await bob.expect_closed() == 1000
    await alice.expect(Peers, left=bob.id)


async def test_json_text_frames_for_debugging(relay: RelayHarness) -> None:
    alice = await relay.connect(json=True, query="?format=json")
    raw = await alice.ws.receive()
    challenge = json.loads(raw.data)  # a text frame holding JSON
    assert challenge["type"] == "challenge" and isinstance(challenge["nonce"], str)
    nonce = Challenge(**{k: v for k, v in challenge.items() if k != "type"}).nonce
    await alice.send(alice.identity.hello(base64.b64decode(nonce)))
    await alice.expect(Welcome)
    await alice.join("room")
    bob = await relay.peer("room")  # speaks msgpack
    await alice.expect(Peers, joined=bob.id)
    await bob.send(Relay(room="room", data=b"\x00\x01"))
    frame = await alice.ws.receive()
    assert isinstance(frame.data, str)
    assert json.loads(frame.data)["data"] == base64.b64encode(b"\x00\x01").decode()


async def test_msgpack_hello_keeps_a_json_connection_on_msgpack(relay: RelayHarness) -> None:
    peer = await relay.connect(query="?format=json")
    await peer.handshake()  # the hello arrived as msgpack, so answers are msgpack
    await peer.send(Leave(room="x"))
    frame = await peer.ws.receive()
    assert isinstance(frame.data, bytes)
