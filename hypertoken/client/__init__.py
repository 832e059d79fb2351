"""Talking to a HyperToken control socket (``hypertoken serve``, a peer daemon) from Python.

- :class:`HyperTokenClient` (:mod:`.client`): synchronous, one method per command, the
  earlier bridge client's API; :class:`AsyncHyperTokenClient` (:mod:`.aio`): the same as
  coroutines;
- :class:`HyperTokenAECEnv` (alias :data:`HyperTokenEnv`) and
  :class:`HyperTokenParallelEnv`: the served game as PettingZoo environments
  (:mod:`.aec`, :mod:`.parallel`);
- :func:`convert_space` / :func:`space_to_dict`: gymnasium spaces from and to the wire's
  space maps; :func:`wait_for_server`, :func:`measure_latency`: script helpers.

The URL picks the transport (:mod:`.transport`): ``ws://host:port`` (JSON over WebSocket,
what the earlier bridge spoke), ``unix:///path`` or ``msgpack+tcp://host:port`` (msgpack
frames, the fast path). An error response raises :class:`ServerError`, a ``RuntimeError``
("Server error: ...") with the protocol's ``code`` and ``field``.
"""

from hypertoken.client.aec import HyperTokenAECEnv, HyperTokenEnv, Reply
from hypertoken.client.aio import AsyncHyperTokenClient
from hypertoken.client.client import DEFAULT_URL, HyperTokenClient
from hypertoken.client.parallel import HyperTokenParallelEnv
from hypertoken.client.replies import ConnectionClosedError, ServerError
from hypertoken.client.spaces import convert_space, space_to_dict
from hypertoken.client.utils import measure_latency, wait_for_server

__all__ = [
    "DEFAULT_URL",
    "AsyncHyperTokenClient",
    "ConnectionClosedError",
    "HyperTokenAECEnv",
    "HyperTokenClient",
    "HyperTokenEnv",
    "HyperTokenParallelEnv",
    "Reply",
    "ServerError",
    "convert_space",
    "measure_latency",
    "space_to_dict",
    "wait_for_server",
]
