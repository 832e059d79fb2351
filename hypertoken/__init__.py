"""HyperToken: a multiplayer simulation engine whose whole state is a CRDT.

The world is a deterministic fold of a signed, append-only action log through a WASM
action core (:mod:`hypertoken.core`).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
