"""A reader for the small YAML subset our docker-compose.yml uses (PyYAML is not a dependency).

Supported: comments, nested block mappings, block sequences of scalars, flow sequences of
scalars (``["a", "b"]``), and plain, single- or double-quoted scalars. Anything else raises
``ValueError`` naming the line, so the compose file cannot drift into syntax this reader would
silently misread.
"""

from __future__ import annotations

import json
import re
from typing import Any

_KEY = re.compile(r"^(?P<key>[A-Za-z0-9_.-]+):(?:\s+(?P<value>.*))?$")


def _scalar(text: str, lineno: int) -> Any:
    text = text.strip()
    if text.startswith('"'):
        return json.loads(text)
    if text.startswith("'"):
        if not text.endswith("'"):
            raise ValueError(f"line {lineno}: unterminated quote")
        return text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if text.startswith(("{", "&", "*", "|", ">", "!")):
        raise ValueError(f"line {lineno}: unsupported YAML syntax {text!r}")
    return text


def _flow_list(text: str, lineno: int) -> list[Any]:
    inner = text.strip()[1:-1].strip()
    if not inner:
        return []
    # Items are quoted strings or plain words; JSON arrays cover the quoted form exactly.
    try:
        value = json.loads("[" + inner + "]")
    except ValueError:
        return [_scalar(item, lineno) for item in inner.split(",")]
    if not isinstance(value, list):
        raise ValueError(f"line {lineno}: bad flow sequence")
    return value


def _strip_comment(line: str) -> str:
    out, quote = [], None
    for ch in line:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        out.append(ch)
    return "".join(out).rstrip()


def load(text: str) -> dict[str, Any]:
    """Parse ``text`` into nested dicts and lists."""
    lines = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        if "\t" in raw:
            raise ValueError(f"line {lineno}: tabs are not allowed in YAML indentation")
        line = _strip_comment(raw)
        if line.strip():
            lines.append((lineno, len(line) - len(line.lstrip(" ")), line.strip()))
    value, end = _block(lines, 0, 0)
    if end != len(lines):
        raise ValueError(f"line {lines[end][0]}: unexpected indentation")
    if not isinstance(value, dict):
        raise ValueError("the document must be a mapping")
    return value


def _block(lines: list[tuple[int, int, str]], start: int, indent: int) -> tuple[Any, int]:
    if start >= len(lines):
        return None, start
    if lines[start][2].startswith("- "):
        items: list[Any] = []
        i = start
        while i < len(lines) and lines[i][1] == indent and lines[i][2].startswith("- "):
            items.append(_scalar(lines[i][2][2:], lines[i][0]))
            i += 1
        return items, i
    mapping: dict[str, Any] = {}
    i = start
    while i < len(lines) and lines[i][1] == indent:
        lineno, _, content = lines[i]
        match = _KEY.match(content)
        if not match:
            raise ValueError(f"line {lineno}: expected 'key: value', got {content!r}")
        key, value = match["key"], match["value"]
        if key in mapping:
            raise ValueError(f"line {lineno}: duplicate key {key!r}")
        i += 1
        if value is None:
            if i < len(lines) and lines[i][1] > indent:
                mapping[key], i = _block(lines, i, lines[i][1])
            else:
                mapping[key] = None
        elif value.startswith("["):
            mapping[key] = _flow_list(value, lineno)
        else:
            mapping[key] = _scalar(value, lineno)
    if i < len(lines) and lines[i][1] > indent:
        raise ValueError(f"line {lines[i][0]}: unexpected indentation")
    return mapping, i
