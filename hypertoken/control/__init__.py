"""The control socket: how bots and training code in other processes drive HyperToken.

One sans-IO core (:mod:`hypertoken.control.session`: a request in, a response out, against
an env of :mod:`hypertoken.envs`) and thin asyncio transports over it
(:mod:`hypertoken.control.servers`: WebSocket JSON compatible with the earlier HyperToken
bridge, and msgpack frames over a Unix socket or TCP). ``hypertoken serve`` mounts them for a
local training server; the peer daemon mounts the same session code. The wire format is
:mod:`hypertoken.protocol.control`.
"""

from hypertoken.control.host import EnvHost
from hypertoken.control.session import ControlSession

__all__ = ["ControlSession", "EnvHost"]
