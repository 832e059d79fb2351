"""Blackjack's moves change the World exactly as they did when the goldens were recorded.

Seeded random games (the options and seat counts of the kernel differential test, with
unavailable actions mixed in) are played through the game's own API, in a World of the
game's kernel module and in a plain core World (the Python planner). Every move's state
hash is folded into one digest per game, and so is a plain reading of the table (the
properties, every zone, stack and the shoe), which does not depend on the core's memory
layout. Both must equal the digests recorded from the tree before blackjack's state got
its declaration (``games/blackjack/state.py``), so a refactoring of the planner or the
kernel that changes what any move does fails here.

Recording uses only the public API both trees share, so this file is also the script::

    PYTHONPATH=/path/to/old/tree python tests/games/test_blackjack_hashes.py          # goldens
    PYTHONPATH=/path/to/old/tree python tests/games/test_blackjack_hashes.py --moves  # per move

``--moves`` prints every move's state hash, for a move-by-move diff of two trees.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np

from games.blackjack import Blackjack
from hypertoken.core import World
from hypertoken.game import MoveContext

#: The games: (players, options).
CASES: tuple[tuple[int, dict[str, Any]], ...] = tuple(
    (players, options)
    for players in (1, 3, 6)
    for options in (
        {"hands": 80},
        {"hands": 60, "bankroll": 150, "decks": 1, "penetration": 1.0},
        {"hands": 50, "h17": True, "splits": 3, "bankroll": 200},
        {"hands": 40, "decks": 1, "penetration": 0.9, "illegal_action": "error"},
        {"hands": 40, "decks": 1, "penetration": 0.05},
        {"hands": 40, "splits": 2},
        {"hands": 30, "illegal_action": "penalty"},
        {"hands": 30, "decks": 1, "penetration": 1.0, "splits": 3},
    )
)
PLANNERS = ("kernel", "python")

#: sha256 of the core module the state-hash goldens were recorded with (the arena's layout).
CORE_SHA256 = "6f6b72bedfb01e6774cd6c42c59355ccc17f81d079694102a7464e99f9a00582"


def reading(game: Blackjack, world: World) -> bytes:
    """The table as the public read API shows it (independent of the memory layout)."""
    zones = ["dealer", *(f"p{i}h{k}" for i in range(game.num_players) for k in range(4))]
    parts: list[Any] = [sorted(world.properties().items())]
    for z in zones:
        try:
            placements = world.zone(z)
        except Exception:  # fewer hand zones with fewer splits
            continue
        parts.append((z, placements["token"].tolist(), placements["face_up"].tolist()))
    parts.append(("discard", world.stack("discard").tolist()))
    parts.append(("cards", world.stack("cards").tolist()))
    parts.append(("shoe", world.shoe("shoe").tolist()))
    return repr(parts).encode()


def play(case: int, planner: str) -> tuple[list[str], str]:
    """One seeded game: every state hash (hex, setup first) and the digest of readings."""
    players, options = CASES[case]
    game = Blackjack(players, **options)
    world = game.new_world() if planner == "kernel" else World()
    for name in game.seats:
        world.agent_create(name)
    world.game_start(0)
    game.setup(world, MoveContext(0, 0, 0, 1000 + case))
    rng = random.Random(case)
    hashes = [world.state_hash().hex()]
    readings = hashlib.sha256(reading(game, world))
    n = 0
    while not game.is_over(world):
        seat = game.current_player(world)
        assert seat is not None
        action = int(rng.choice(np.flatnonzero(game.available_actions(world, seat))))
        if options.get("illegal_action") != "error" and rng.random() < 0.2:
            action = rng.randrange(5)
        n += 1
        game.apply(world, seat, action, MoveContext(0, 0, n, 7919 * case + n))
        hashes.append(world.state_hash().hex())
        readings.update(reading(game, world))
    return hashes, readings.hexdigest()


def digest(hashes: list[str]) -> str:
    """One digest of a game's state hashes."""
    return hashlib.sha256("".join(hashes).encode()).hexdigest()


#: Per case: (moves, digest of the state hashes, digest of the readings), recorded from
#: the tree before the declaration (both planners agreed there).
GOLDEN: dict[int, tuple[int, str, str]] = {
    0: (
        93,
        "6edc4ccd2f74de7c7df06a404b09a3a1a7a73c87e01bd2655f4da7568b60a53b",
        "1fa9ce47e3d88a5b256e7dd08fb1f54382d9055de5e9d2d20d73c53ea0efb527",
    ),
    1: (
        73,
        "2cf3690a6adf90bcaff5708f79cddf798d043c44f3746b866ccdb40c0a022e95",
        "93f416e69246e07bc3bced89ad87c7975c66bb6d35c8e47d40ed0bd7c34e0c1d",
    ),
    2: (
        37,
        "1bdcf6b19f6a0c06e160a5bd35f9181a0fa03bfe0148ce7de5d2ba3e869ef2ae",
        "2678638ff7105e98e1df5724d0af32993b243abc6eb6db2ee8ae79d22c4d08a8",
    ),
    3: (
        48,
        "54b5ca30a577fa8ee075c84a809a382bdc756dd5ef136c4e6fd77bf3de7c68ee",
        "9d4094e50bfb599502732a2fec8abc983027f9a7bb3f7502811e3d6112e081d4",
    ),
    4: (
        42,
        "6ba932a8c2baaeef78b0840d56efe9d77cb18bef893d1e8a7db1623abd68bb07",
        "458ada2e318d5b0d8897acc2ee40e28926a595cfe3a67d61f52fcfa04e007cc0",
    ),
    5: (
        45,
        "e1c6be98fbea969b5dc61ba480d93bc0d4af24645f194c9c81e2a7d9a7d38a80",
        "cfe47c68d95db07947703cf18ebb9c61b3ccd2ef84b17562c99a395115867f11",
    ),
    6: (
        41,
        "c7559767b3b466bb338dc5134e2b90f983a8423337492f264261a4f9f933ebb8",
        "a3cac5ea4fb7ab53005f65cec4217ebf8f99fb959388fc7025bf969778b1ef42",
    ),
    7: (
        36,
        "82643fef946b835a8cd998931d9f47c9bd664acf74866097c2213f83304da499",
        "45e13b7da55b42bf251b85ba7475a131a98ea2cd29d2c8350150bef3f21f74c2",
    ),
    8: (
        293,
        "dbe2b8284e07d5a6df72a9f14fdb63630c82660f4a749600468a56e8f059bfb1",
        "c8854c28d99cf6f2f9e0f7edad56193f2d79fd7c3d85ac00f0f5f54029ac166f",
    ),
    9: (
        152,
        "9274905d3f47397a4a7a6e32bfe45dd8144691d202c9e9bbe23da6a981472426",
        "101aac9ee25863d9aa77c4fa02263795b4527264a28a8cc3b80c0d483359137a",
    ),
    10: (
        176,
        "f6dcbe25726a95bce0de4552a0ead5ce66faeabd779cd36f71d3ea6952eb95ca",
        "56ac618fea14a8ad748f159f70ab5e3b746a706a0341d1d39e44f2836142b848",
    ),
    11: (
        149,
        "07e00a7cb985615c599a50e4a364c6f99897bbf974540ad9109b75a41573d528",
        "ef4da5312c62fe909642cdf929a405cc8dc134dca756df9ef68f8803cff19098",
    ),
    12: (
        135,
        "d44b98593def3feb64ac1808286bb45c604e21581bd23d2eaa200bff55fd93aa",
        "aaaca9a69daec19ed6ed23e15febcbb035f9efd1f86b3c95c0ee799eaa51b923",
    ),
    13: (
        139,
        "9e3dbb85dd591e255d4700072110183ab7fca83945907d965ce3b55cc6676fd9",
        "3904aedc6b6bf48f5ad5fde259c1d450e63808e05d13c75f8f0b30ce80167a3a",
    ),
    14: (
        111,
        "61c13bdedb8a3a14a009ca0635898c3255535293117ec32c9ae74c605edb8fea",
        "09f425ac5c448accfc5dc9ae81bec94751f0274e04e400fd3edb2d2bab7d48e5",
    ),
    15: (
        111,
        "3bd73ec81391297b9508c0eef137f15716dcb1661897643f1050b6f5dcc27b0e",
        "6e04ffa2814339ce5c143de967453728f2c0a423e60e29a1dda402d3b1a25632",
    ),
    16: (
        607,
        "3f3132dfbe556ef09f221bb6aadc6ce6ad744d156f0eeff8efba5a34e2b992a9",
        "080010e29fa3652cebc49d51317ad6bebd64e29a3d74aa1190634a6abf3229a7",
    ),
    17: (
        299,
        "812fd57c0071980d425d8f1f3dba3c832c5fa7e29e345848bedc20d09dac1b56",
        "b25072996bb987746c0243e99d04fed7cceb9a15a9848ecad65650e2a1452fab",
    ),
    18: (
        172,
        "e84471abe508ee317e77a07cf5ed6a6fd6e73b9c41f42ee66857fb2688b7c029",
        "bd689d06764172c61b712d3170ef27303eabe11d18877c206e45ea9b6932cc8a",
    ),
    19: (
        277,
        "ddd3859d24c64f59fd8ed506fa2bbf0d47c4eaf17e08af12c2d5400e069d7bdf",
        "a943298a68f514ad2bc7a9d8e402a1e729eb8186d571150e1258a057c422045d",
    ),
    20: (
        294,
        "75c55ce0f90d1eebbbb6f56e5bdcc711b349a6b9f71231298730b93c2da9c4c2",
        "1e8f7dc0b3ad72fbd091b19ef0d5dec81e5ed1151a54c951d924def5eacb1e7a",
    ),
    21: (
        278,
        "6ab9f24d26f14462f9357b808c22efd7b2b4a665cf8857ee645608a43cb93902",
        "7b2d5e77eb1dd5c1051d3823726f38485ef6989952b02143cf217aae4363d9bc",
    ),
    22: (
        225,
        "2099fd15be3d11cdfce4667d63da08b6670aa900bc4468c495f5b257dfbabb79",
        "6dffe7b4315b1dea64320d84101847a7a909e9cfc6d0d4eb63405af269c0226e",
    ),
    23: (
        202,
        "34ec4b1bde3fce7b6379081029dcb6ea1816105e44674f2608940ff6c9d48fa4",
        "7095c0258cd58cf22893997bcf78e7d871aeb56ad982239124b4918ceb385c8d",
    ),
}


def _core_sha256() -> str:
    import hypertoken.core

    path = Path(hypertoken.core.__file__).parent / "core.wasm"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check(planner: str, *, hashes: bool) -> None:
    for case, (moves, by_hash, by_reading) in GOLDEN.items():
        got, read = play(case, planner)
        assert len(got) - 1 == moves, f"case {case} {CASES[case]}: move count"
        if hashes:
            assert digest(got) == by_hash, f"case {case} {CASES[case]}: state hashes"
        assert read == by_reading, f"case {case} {CASES[case]}: table readings"


def test_every_move_reads_as_recorded() -> None:
    assert len(GOLDEN) == len(CASES)
    for planner in PLANNERS:
        _check(planner, hashes=False)


def test_every_state_hash_is_as_recorded() -> None:
    import pytest

    if _core_sha256() != CORE_SHA256:
        pytest.skip(
            "core.wasm changed since the state-hash goldens were recorded (its arena "
            "layout may differ); test_every_move_reads_as_recorded still compares tables"
        )
    for planner in PLANNERS:
        _check(planner, hashes=True)


def main(argv: list[str]) -> None:
    """Print the goldens (or with ``--moves`` every move's hash) of the tree on the path."""
    if "--moves" in argv:
        out = {f"{c}/{p}": play(c, p)[0] for c in range(len(CASES)) for p in PLANNERS}
        print(json.dumps(out))
        return
    assert _core_sha256() == CORE_SHA256, "record with the core the goldens name"
    for case in range(len(CASES)):
        runs = [play(case, p) for p in PLANNERS]
        assert runs[0] == runs[1], f"case {case}: the planners disagree"
        hashes, read = runs[0]
        print(f"    {case}: ({len(hashes) - 1}, {digest(hashes)!r}, {read!r}),")


if __name__ == "__main__":
    main(sys.argv[1:])
