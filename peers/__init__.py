"""The HyperToken peer daemon (``hypertoken peer --join ROOM``).

One asyncio daemon per player holds its room's Chronicle and syncs it with the other
peers, with no server deciding anything. The modules, from the top:

- :mod:`peers.daemon`: ``run(config, shutdown=...)``, the one wiring point;
- :mod:`peers.config`: the typed config (TOML, flags on top);
- :mod:`peers.room`: one room: seating, the RoomEngine, sync per peer, storage;
- :mod:`peers.lobby`: seating by signed claims and the sealed genesis (sans-IO);
- :mod:`peers.wire`: the messages peers exchange, decoded as hostile input;
- :mod:`peers.storage` and :mod:`peers.identity`: the data directory;
- :mod:`peers.control` and :mod:`peers.bot`: the control socket bound to the seat, and
  policies playing through it;
- :mod:`peers.transports`: in-memory, relay WebSocket and WebRTC data channels.
"""
