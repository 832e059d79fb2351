"""``import hypertoken``: one import for the public names, loaded only when used."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest

import hypertoken


def test_every_public_name_resolves_to_its_defining_module() -> None:
    for name in hypertoken.__all__:
        value = getattr(hypertoken, name)
        assert value is not None, name
    assert hypertoken.World is __import__("hypertoken.core", fromlist=["World"]).World
    assert hypertoken.make("tictactoe").info.env_id == "tictactoe_v1"
    assert set(hypertoken.__all__) <= set(dir(hypertoken))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Wrold'"):
        _ = hypertoken.Wrold  # type: ignore[attr-defined]


def test_the_version_is_the_installed_distributions() -> None:
    assert hypertoken.__version__ == version("hypertoken")


def test_importing_the_package_loads_no_layer() -> None:
    code = (
        "import json, sys, hypertoken, hypertoken.protocol;"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('hypertoken.', 'games'))"
        " or m in ('automerge', 'wasmtime', 'numpy', 'aiortc'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(done.stdout)
    assert all(m.startswith("hypertoken.protocol") for m in loaded), loaded
