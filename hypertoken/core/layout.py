"""Record layouts of the world in linear memory, as numpy dtypes.

Offsets and sizes come from the core's manifest, so a layout change in the Zig
sources cannot silently mis-read memory: :func:`dtypes` fails if a field is unknown
here or a size disagrees.
"""

from __future__ import annotations

import numpy as np

from hypertoken.core._runtime import Manifest

LIST = np.dtype([("ptr", "<u4"), ("len", "<u4"), ("cap", "<u4")])

#: Field types by record; every other field of the manifest must be listed here.
_TYPES: dict[str, dict[str, object]] = {
    "Token": {
        "merged_at": "<i8",
        "split_at": "<i8",
        "attached_at": "<i8",
        "transformed_at": "<i8",
        "meta": LIST,
        "attachments": LIST,
        "merged_from": LIST,
    },
    "Stack": {"items": LIST, "discards": LIST},
    "Zone": {"placements": LIST},
    "Placement": {"x": "<f8", "y": "<f8"},
    "Source": {"stacks": LIST, "items": LIST, "tray": LIST},
    "Agent": {"meta": LIST, "resources": LIST, "inventory": LIST},
    "Entry": {"payload": "<u8"},
    "Game": {
        "active": "<i4",
        "start_time": "<i8",
        "end_time": "<i8",
        "pause_time": "<i8",
        "total_pause": "<i8",
    },
    "SymEntry": {},
}


def dtypes(manifest: Manifest) -> dict[str, np.dtype]:
    """Numpy dtypes for the core's records, checked against the manifest."""
    out: dict[str, np.dtype] = {}
    for name, special in _TYPES.items():
        size, offsets = manifest.records[name]
        fields = {k: v for k, v in offsets.items() if not k.startswith("_pad")}
        names = list(fields)
        formats = [special.get(k, "<u4") for k in names]
        dt = np.dtype(
            {
                "names": names,
                "formats": formats,
                "offsets": [fields[k] for k in names],
                "itemsize": size,
            }
        )
        out[name] = dt
    placement = out["Placement"]
    if placement.itemsize != 24:
        raise RuntimeError(f"unexpected Placement size {placement.itemsize}")
    return out
