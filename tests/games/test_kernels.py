"""The game kernel modules: one per kernel, fresh, loadable, and refused clearly when
unknown or missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import games.kernels as kernels
from hypertoken.core import World
from hypertoken.game import fields


def _prefixes(name: str) -> set[str]:
    """The prefixes (``bj`` in ``bj_move``) of kernel ``name``'s exports."""
    return {n.partition("_")[0] for n in World(module=kernels.module(name)).kernel_names()}


@pytest.mark.parametrize("name", kernels.KERNELS)
def test_every_kernel_module_loads_with_its_exports(name: str) -> None:
    world = World(module=kernels.module(name))
    names = world.kernel_names()
    assert names and all("_" in n for n in names)
    assert len(_prefixes(name)) == 1  # one game's exports share its prefix
    world.check()


def test_no_two_kernels_share_an_export_prefix() -> None:
    owners: dict[str, str] = {}
    for name in kernels.KERNELS:
        for prefix in _prefixes(name):
            assert prefix not in owners, f"{name} and {owners[prefix]} both export {prefix}_*"
            owners[prefix] = name


def test_unknown_and_missing_kernels_are_refused_clearly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(KeyError, match="no game kernel 'chess'"):
        kernels.module("chess")
    monkeypatch.setattr(kernels, "HERE", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"python -m games\.kernels"):
        kernels.module("blackjack")


@pytest.mark.parametrize("state", [s for n in kernels.KERNELS if (s := kernels.state_module(n))])
def test_every_kernel_state_declaration_is_generated_fresh(state: str) -> None:
    assert fields.check([state]) == 0, f"run `python -m hypertoken.game.fields {state}`"
