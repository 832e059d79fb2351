"""The log: a room's Chronicle of signed entries carried by Automerge documents.

- :mod:`~hypertoken.log.identity`: Ed25519 identities and peer ids;
- :mod:`~hypertoken.log.entries`: the signed entry format (msgpack), decoded as hostile input;
- :mod:`~hypertoken.log.config`: :class:`RoomConfig`, the room's genesis;
- :mod:`~hypertoken.log.epochs`: one Automerge document per epoch;
- :mod:`~hypertoken.log.chronicle`: :class:`Chronicle`, the chain of epochs and its storage;
- :mod:`~hypertoken.log.sync`: :class:`SyncSession`, the sync protocol with one remote peer;
- :mod:`~hypertoken.log.checkpoint`: signed checkpoints that start an epoch;
- :mod:`~hypertoken.log.errors`: :class:`ChronicleError`.

The log knows nothing of games, the World or the fold: it stores and moves entries.
"""

from hypertoken.log.checkpoint import Checkpoint
from hypertoken.log.chronicle import Chronicle
from hypertoken.log.config import TRUST_MODES, GameLike, Option, RoomConfig
from hypertoken.log.entries import Entry, EntryError
from hypertoken.log.errors import ChronicleError
from hypertoken.log.identity import Identity, peer_id_of
from hypertoken.log.sync import SyncSession

__all__ = [
    "TRUST_MODES",
    "Checkpoint",
    "Chronicle",
    "ChronicleError",
    "Entry",
    "EntryError",
    "GameLike",
    "Identity",
    "Option",
    "RoomConfig",
    "SyncSession",
    "peer_id_of",
]
