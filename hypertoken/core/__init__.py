"""The action core: the world in WASM linear memory, and its Python facade.

>>> from hypertoken.core import World, Batch, To
>>> w = World()
>>> w.stack_create("deck")
>>> ids = [w.token_create("card", str(r), "hearts", to=To.stack("deck")) for r in range(3)]
>>> w.stack_shuffle("deck", seed=42)
>>> w.agent_create("alice")
>>> w.stack_draw("deck", 2, to=To.agent("alice"))  # doctest: +SKIP
[...]

Every typed method is named after its core action (``space.create_zone`` ->
``space_create_zone``); see :mod:`hypertoken.core.actions`.
"""

from hypertoken.core._runtime import CoreModule, core_digest
from hypertoken.core.batch import Batch, BatchResults
from hypertoken.core.errors import CoreError
from hypertoken.core.rng import mulberry32, shuffle_order
from hypertoken.core.standalone import KernelInstance
from hypertoken.core.targets import LOOSE, To
from hypertoken.core.views import AgentInfo, GameState, TokenInfo
from hypertoken.core.world import KERNEL_DECLINED, World

__all__ = [
    "KERNEL_DECLINED",
    "LOOSE",
    "AgentInfo",
    "Batch",
    "BatchResults",
    "CoreError",
    "CoreModule",
    "GameState",
    "KernelInstance",
    "To",
    "TokenInfo",
    "World",
    "core_digest",
    "mulberry32",
    "shuffle_order",
]
