"""Env values as wire values: spaces as the bridge's space maps, numpy as plain lists and
numbers (what JSON and msgpack carry).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

__all__ = ["plain", "space_to_dict"]


def space_to_dict(space: spaces.Space[Any]) -> dict[str, Any]:
    """A Box as ``{"shape", "low", "high", "dtype"}``, a Discrete as ``{"n", "shape": []}``
    (the earlier bridge's space maps; ``dtype`` and ``start`` are additions its client
    ignores).
    """
    if isinstance(space, spaces.Discrete):
        out: dict[str, Any] = {"n": int(space.n), "shape": []}
        if int(space.start):
            out["start"] = int(space.start)
        return out
    if isinstance(space, spaces.Box):
        return {
            "shape": list(space.shape),
            "low": plain(space.low.ravel()),
            "high": plain(space.high.ravel()),
            "dtype": space.dtype.name if space.dtype is not None else "float32",
        }
    raise TypeError(f"the control socket carries Box and Discrete spaces, not {space!r}")


def plain(value: Any) -> Any:
    """``value`` with numpy arrays as (flat) lists and numpy scalars as Python numbers,
    through dicts, lists and tuples; infinities stay floats (msgpack carries them; JSON
    writes them as ``Infinity``, as the bridge did).
    """
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is np.ndarray:
        return value.ravel().tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


_SCALARS = frozenset({int, float, str, bool, type(None)})
