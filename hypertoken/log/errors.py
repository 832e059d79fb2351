"""The log layer's error: bad chronicle bytes, a bad sync message or a bad request."""

from __future__ import annotations


class ChronicleError(ValueError):
    """Bad chronicle bytes, a bad sync message or a bad request; nothing was changed."""
