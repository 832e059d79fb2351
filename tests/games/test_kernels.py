"""The game kernel modules: one per kernel, fresh, loadable, and refused clearly when
unknown or missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import games.kernels as kernels
from hypertoken.core import World
from hypertoken.game import fields


@pytest.mark.parametrize("name", kernels.KERNELS)
def test_every_kernel_module_loads_with_its_exports(name: str) -> None:
    world = World(module=kernels.module(name))
    assert world.kernel_names()
    assert all(n.startswith(("bj_", "pd_")) for n in world.kernel_names())
    world.check()


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
