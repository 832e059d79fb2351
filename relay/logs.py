"""Structured log lines: one line per join, leave and refusal, as text or JSON.

Call sites log an event name with fields (:func:`log_event`); the formatter renders them as
``event key=value ...`` or as one JSON object per line, for log shippers.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

_FIELDS = "relay_fields"


def log_event(logger: logging.Logger, level: int, event: str, **fields: Any) -> None:
    """Log ``event`` with ``fields`` as one structured line (cheap when the level is off)."""
    if logger.isEnabledFor(level):
        logger.log(level, event, extra={_FIELDS: fields})


def _text_value(value: Any) -> str:
    text = str(value)
    if not text or any(c.isspace() or c in '"=' for c in text):
        return json.dumps(text)
    return text


class TextFormatter(logging.Formatter):
    """``2024-01-01T00:00:00Z info relay.rooms join room=lobby peer=abc members=2``."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record as a single text line."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        parts = [f"{stamp}Z", record.levelname.lower(), record.name, record.getMessage()]
        fields: dict[str, Any] = getattr(record, _FIELDS, {})
        parts.extend(f"{k}={_text_value(v)}" for k, v in fields.items())
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, ``event`` and the fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record as a single JSON line."""
        out: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        out.update(getattr(record, _FIELDS, {}))
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(log_format: str = "text", level: str = "info") -> None:
    """Send the relay's logs to stderr in ``log_format`` ("text" or "json") at ``level``.

    Only the ``relay`` logger is configured, so embedding the relay in another program does
    not change that program's logging.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger("relay")
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    root.propagate = False
    # aiohttp's access log would add a line per HTTP request; health checks are frequent.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
