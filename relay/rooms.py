"""Rooms: who is in which room, private-room tokens, and the room limits. No I/O.

A room exists while it has members: it is created on first join and forgotten when its last
member leaves. A private room has a join token, either fixed by the operator
(``--room-token ROOM=TOKEN``) or chosen by the peer that created it (``join.token``).

Each room remembers who created it (the client address, see :func:`relay.gate.client_address`)
so that one address cannot fill the relay's room table: ``max_rooms_per_owner`` caps the rooms
an address created that still exist.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from hypertoken.protocol import ErrorCode

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Refusal(Exception):
    """A request the relay turns down; becomes an ``error`` frame with ``code``.

    ``close`` says whether the connection ends after the error.
    """

    def __init__(self, code: ErrorCode, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.close = close


@dataclass
class Room(Generic[T]):
    """One room and its members, in join order."""

    name: str  # the room name peers use
    token: str | None  # join token; None for a public room
    owner: str = ""  # who created it (a client address), for the per-address room cap
    members: dict[str, T] = field(default_factory=dict)  # peer id -> connection

    @property
    def private(self) -> bool:
        """Whether joining needs the token."""
        return self.token is not None


class RoomRegistry(Generic[T]):
    """All rooms of one relay, with the room-count and room-size limits."""

    def __init__(
        self,
        *,
        max_rooms: int,
        max_peers_per_room: int,
        fixed_tokens: Mapping[str, str] | None = None,
        max_rooms_per_owner: int = 0,
    ) -> None:
        """``fixed_tokens`` makes those rooms private with those tokens, whoever creates them.

        ``max_rooms_per_owner`` (0: no cap) limits the existing rooms one owner created.
        """
        self.max_rooms = max_rooms
        self.max_peers_per_room = max_peers_per_room
        self.max_rooms_per_owner = max_rooms_per_owner
        self.fixed_tokens = dict(fixed_tokens or {})
        self.rooms: dict[str, Room[T]] = {}
        self.owned: dict[str, int] = {}  # owner -> rooms it created that still exist

    def __len__(self) -> int:
        """Number of rooms with members."""
        return len(self.rooms)

    def get(self, name: str) -> Room[T] | None:
        """Return the room called ``name``, if it has members."""
        return self.rooms.get(name)

    def join(
        self, name: str, peer: str, member: T, token: str | None, owner: str = ""
    ) -> tuple[Room[T], bool]:
        """Add ``peer`` to room ``name``, creating it; return the room and whether it changed.

        ``owner`` is who would create the room. Joining a room one is already in changes
        nothing. Raises :class:`Refusal` for a wrong or missing token, a full room, or too many
        rooms (on the relay, or created by ``owner``).
        """
        room = self.rooms.get(name)
        if room is None:
            if len(self.rooms) >= self.max_rooms:
                raise Refusal(
                    ErrorCode.TOO_MANY_ROOMS,
                    f"cannot create room {name!r}: the relay holds its maximum of "
                    f"{self.max_rooms} rooms; join an existing room or try later",
                )
            cap = self.max_rooms_per_owner
            if cap and self.owned.get(owner, 0) >= cap:
                raise Refusal(
                    ErrorCode.TOO_MANY_ROOMS,
                    f"cannot create room {name!r}: peers from your address created {cap} "
                    "rooms that still exist, the most allowed; join an existing room, or "
                    "leave rooms you created",
                )
            fixed = self.fixed_tokens.get(name)
            if fixed is not None:
                self._check_token(name, fixed, token)
            room = Room(name=name, token=fixed if fixed is not None else token, owner=owner)
            self.rooms[name] = room
            self.owned[owner] = self.owned.get(owner, 0) + 1
        elif peer in room.members:
            room.members[peer] = member  # the same peer on a new connection
            return room, False
        else:
            if room.token is not None:
                self._check_token(name, room.token, token)
            if len(room.members) >= self.max_peers_per_room:
                raise Refusal(
                    ErrorCode.ROOM_FULL,
                    f"room {name!r} is full ({self.max_peers_per_room} peers); "
                    "join another room or wait for someone to leave",
                )
        room.members[peer] = member
        return room, True

    @staticmethod
    def _check_token(name: str, expected: str, given: str | None) -> None:
        if given is None:
            raise Refusal(
                ErrorCode.ROOM_TOKEN,
                f"room {name!r} is private: join with its token (join.token)",
            )
        # Constant-time comparison: the token is a secret and timing must not leak it.
        if not hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8")):
            raise Refusal(
                ErrorCode.ROOM_TOKEN,
                f"room {name!r} is private and that join token is wrong; "
                "ask the room's creator for the token",
            )

    def leave(self, name: str, peer: str) -> Room[T] | None:
        """Remove ``peer`` from room ``name``; return the room, or None if it was not there.

        The returned room may now be empty, in which case it has been forgotten.
        """
        room = self.rooms.get(name)
        if room is None or room.members.pop(peer, None) is None:
            return None
        if not room.members:
            del self.rooms[name]
            left = self.owned.get(room.owner, 0) - 1
            if left > 0:
                self.owned[room.owner] = left
            else:
                self.owned.pop(room.owner, None)
        return room
