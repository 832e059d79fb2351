"""The HyperToken peer daemon (``hypertoken peer --join ROOM``).

Planned: one asyncio daemon per player holding the room's Chronicle, syncing it with
other peers over WebRTC data channels or the relay, finding LAN peers by mDNS, and
serving bots over a local control socket. The wiring point will be ``peers.daemon``.
"""
