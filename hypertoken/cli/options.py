"""What several commands share: game options given as ``--option KEY=VALUE``."""

from __future__ import annotations

import json
from typing import Any

import click

__all__ = ["parse_options"]


def parse_options(pairs: tuple[str, ...], param_hint: str = "--option") -> dict[str, Any]:
    """``("decks=6", "name=x")`` -> ``{"decks": 6, "name": "x"}``: each value is read as JSON
    when it parses (numbers, true/false, null, lists), else kept as the string given. A pair
    without ``=`` is a :class:`click.BadParameter`.
    """
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(
                f"{pair!r} is not KEY=VALUE (for example --option decks=6)",
                param_hint=param_hint,
            )
        try:
            options[key] = json.loads(text)
        except ValueError:
            options[key] = text
    return options
