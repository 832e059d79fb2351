"""The log: a room's Chronicle of signed entries carried by Automerge documents.

- :mod:`~hypertoken.log.identity`: Ed25519 identities and peer ids;
- :mod:`~hypertoken.log.entries`: the signed entry format (msgpack), decoded as hostile input;
- :mod:`~hypertoken.log.config`: :class:`RoomConfig`, the room's genesis;
- :mod:`~hypertoken.log.dag`: :class:`EntryGraph`, the signed order of the accepted entries;
- :mod:`~hypertoken.log.epochs`: one Automerge document per epoch, and the inspection that
  treats every received document as hostile;
- :mod:`~hypertoken.log.chronicle`: :class:`Chronicle`, the accepted log, its carriers and
  storage;
- :mod:`~hypertoken.log.sync`: :class:`SyncSession`, the sync protocol with one remote peer;
- :mod:`~hypertoken.log.files`: the saved form of a chronicle, written crash-safely;
- :mod:`~hypertoken.log.checkpoint`: signed checkpoints that start an epoch (final once
  every seat holder signed the same state) and signed state-hash records;
- :mod:`~hypertoken.log.errors`: :class:`ChronicleError`.

The log knows nothing of games, the World or the fold: it stores and moves entries.
"""

from hypertoken.log.checkpoint import Checkpoint
from hypertoken.log.chronicle import Chronicle, HostileChange
from hypertoken.log.config import TRUST_MODES, GameLike, Option, RoomConfig
from hypertoken.log.dag import EntryGraph
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
    "EntryGraph",
    "GameLike",
    "HostileChange",
    "Identity",
    "Option",
    "RoomConfig",
    "SyncSession",
    "peer_id_of",
]
