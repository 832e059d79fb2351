"""WebRTC factories for the transport contract suite (filled in by the WebRTC transport's
owner; empty until then)."""

from __future__ import annotations

FACTORIES: list = []  # type: ignore[type-arg]
