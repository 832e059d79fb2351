"""HyperToken relay: signalling and data relay for peers in rooms.

Peers use the relay to find each other in a room, to exchange WebRTC offers, answers and ICE
candidates, and, when no direct data channel can be opened, to carry their data. The relay
keeps no game state: restarting it loses nothing, and peers reconnect.

Running it
----------

::

    hypertoken relay --host 0.0.0.0 --port 8080        # from an installed HyperToken
    python -m relay --host 0.0.0.0 --port 8080         # needs only the relay's dependencies
    docker compose up                                  # the relay container, on port 8080

Every flag also reads an environment variable, ``HYPERTOKEN_RELAY_<FLAG>`` (for example
``HYPERTOKEN_RELAY_TOKEN``, ``HYPERTOKEN_RELAY_MAX_PEERS_PER_ROOM``); flags win. See
``python -m relay --help`` for all of them and :class:`relay.config.RelayConfig` for defaults.

Endpoints: the WebSocket at ``/ws`` (``/ws?format=json`` for JSON text frames),
``GET /health``, ``GET /ready`` (503 while shutting down) and ``GET /metrics`` (Prometheus).

The conversation
----------------

The wire format is defined once, in :mod:`hypertoken.protocol` (msgpack maps tagged by
``"type"``; JSON text frames are accepted for debugging):

1. The relay sends ``challenge`` (protocol version, 32-byte nonce, frame size limit).
2. The peer sends ``hello``: version, peer id, Ed25519 public key, and a signature over
   ``hello_signed_bytes(nonce, peer, key)``; plus ``auth`` if the relay has a ``--token``.
   The peer id must be ``peer_id_from_key(key)``, so no peer can take another's id. The relay
   answers ``welcome``.
3. ``join`` a room (created on first join). A token given by the creator makes the room
   private; operators can fix private rooms with ``--room-token ROOM=TOKEN``. The joiner
   receives ``peers`` with the full member list (with keys); the members already there
   receive a delta, a ``peers`` whose ``joined`` names the newcomer (the one member listed).
   After a leave the others receive a ``peers`` whose ``left`` names who left (no members),
   and the leaver the list of who is still there.
4. ``signal`` (offer, answer, ice) goes to one member; ``relay`` carries an opaque payload to
   one member (``to``) or to every other member. The relay adds ``from``. Payloads larger
   than one frame are sent in parts: ``split_payload`` and ``Reassembler``.
5. ``leave`` a room; ``bye`` before closing. On SIGTERM the relay sends ``bye`` to everyone.

Limits
------

All configurable; each refusal is an ``error`` frame (code and a message naming the fix),
followed by a close when the connection cannot go on:

==================================  ===========  ==============================
limit                               default      refusal (closes?)
==================================  ===========  ==============================
``--max-message-bytes``             1 MiB        ``too-large`` (closes, 1009)
``--rate`` / ``--burst``            100/s, 200   ``rate-limited`` (closes)
``--join-rate`` / ``--join-burst``  2/s, 20      ``rate-limited``
``--max-peers-per-room``            64           ``room-full``
``--max-rooms``                     10,000       ``too-many-rooms``
``--max-rooms-per-peer``            16           ``too-many-rooms``
``--max-rooms-per-address``         64           ``too-many-rooms``
``--max-peers``                     10,000       ``server-full`` (closes, 1013)
``--hello-timeout``                 10 s         ``hello-timeout`` (closes)
``--idle-timeout``                  60 s         ``idle-timeout`` (closes)
``--send-queue-bytes``              8 MiB        ``slow-consumer`` (closes)
``--write-timeout``                 10 s         cut off (TCP reset)
``--max-connections``               peers + 100  HTTP 503 at accept
``--max-connections-per-address``   64           HTTP 429 at accept
``--http-timeout``                  10 s         HTTP 408, closed
==================================  ===========  ==============================

The rate budget is charged for every inbound frame: messages, pings, pongs and each fragment
of a fragmented message. The send queue counts everything queued (pongs and errors too). A
peer whose writes make no progress for ``--write-timeout``, or a connection the relay closed
that has not closed by then, is cut off; its rooms, connection slot and peer id are given back
the moment the relay closes it. The connection caps count TCP connections at accept (under
:class:`relay.server.RelayRunner`), before any request is read; an address is an IPv4 address
or an IPv6 /64.

The relay pings a quiet peer every ``--heartbeat`` seconds (20 s); any frame from the peer,
pongs included, resets its idle timer.

Layout
------

- :mod:`relay.config`: :class:`RelayConfig`, flags and environment variables
- :mod:`relay.server`: the aiohttp application, HTTP endpoints, :func:`serve`, :func:`run`
- :mod:`relay.hub`: what each message does (sans-IO routing)
- :mod:`relay.rooms`: rooms, tokens and room limits
- :mod:`relay.connection`: one peer's connection, outbound queue and writer
- :mod:`relay.gate`: TCP connections counted and capped at accept, the HTTP request timeout
- :mod:`relay.identity`: the signed challenge
- :mod:`relay.ratelimit`, :mod:`relay.metrics`, :mod:`relay.logs`

The relay imports only aiohttp, msgpack, cryptography, prometheus_client, the standard library
and :mod:`hypertoken.protocol`, so its container stays small.
"""

from relay.config import RelayConfig
from relay.server import RELAY_SERVER_KEY, RelayServer, create_app, run, serve

__all__ = ["RELAY_SERVER_KEY", "RelayConfig", "RelayServer", "create_app", "run", "serve"]
