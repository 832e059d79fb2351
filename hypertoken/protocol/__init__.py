"""HyperToken wire formats.

This package is the single definition of the messages HyperToken processes exchange. It
imports only the standard library and msgpack, so the relay container can ship it without the
rest of HyperToken.

Sections:

- **Relay wire format** (:mod:`.relay`, :mod:`.relay_codec`, :mod:`.relay_parts`): the
  messages between a peer and the relay server, one WebSocket per peer. Re-exported here.
- **Keys** (:mod:`.keys`): :func:`weak_public_key`, the check that an Ed25519 public key is
  one somebody can own (not small-order, canonically encoded), for ``hello``.
- Control-socket messages (bots <-> peer daemon) will live in their own module beside these.
"""

from hypertoken.protocol.keys import weak_public_key
from hypertoken.protocol.relay import (
    DEFAULT_MAX_MESSAGE_BYTES,
    MAX_PEER_ID_LEN,
    MAX_ROOM_LEN,
    MAX_ROOM_MEMBERS,
    MAX_SIGNAL_DATA_LEN,
    MAX_TOKEN_LEN,
    NONCE_LEN,
    PUBLIC_KEY_LEN,
    RELAY_ENVELOPE_BYTES,
    RELAY_PROTOCOL_VERSION,
    SIGNAL_KINDS,
    SIGNATURE_LEN,
    Bye,
    Challenge,
    Error,
    ErrorCode,
    Hello,
    Join,
    Leave,
    Member,
    Peers,
    ProtocolError,
    Relay,
    RelayMessage,
    Signal,
    Welcome,
    hello_signed_bytes,
    peer_id_from_key,
)
from hypertoken.protocol.relay_codec import (
    MAX_ARRAY_LEN,
    MAX_CONTAINERS,
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_JSON_INT_CHARS,
    MAX_MAP_LEN,
    MESSAGE_TYPES,
    decode,
    encode,
    encode_json,
    from_wire,
    to_wire,
)
from hypertoken.protocol.relay_parts import Reassembler, max_relay_data_bytes, split_payload

__all__ = [
    "DEFAULT_MAX_MESSAGE_BYTES",
    "MAX_ARRAY_LEN",
    "MAX_CONTAINERS",
    "MAX_DEPTH",
    "MAX_ITEMS",
    "MAX_JSON_INT_CHARS",
    "MAX_MAP_LEN",
    "MAX_PEER_ID_LEN",
    "MAX_ROOM_LEN",
    "MAX_ROOM_MEMBERS",
    "MAX_SIGNAL_DATA_LEN",
    "MAX_TOKEN_LEN",
    "MESSAGE_TYPES",
    "NONCE_LEN",
    "PUBLIC_KEY_LEN",
    "RELAY_ENVELOPE_BYTES",
    "RELAY_PROTOCOL_VERSION",
    "SIGNAL_KINDS",
    "SIGNATURE_LEN",
    "Bye",
    "Challenge",
    "Error",
    "ErrorCode",
    "Hello",
    "Join",
    "Leave",
    "Member",
    "Peers",
    "ProtocolError",
    "Reassembler",
    "Relay",
    "RelayMessage",
    "Signal",
    "Welcome",
    "decode",
    "encode",
    "encode_json",
    "from_wire",
    "hello_signed_bytes",
    "max_relay_data_bytes",
    "peer_id_from_key",
    "split_payload",
    "to_wire",
    "weak_public_key",
]
