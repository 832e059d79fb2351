"""``hypertoken world-demo``: a seeded tour of the World.

Builds a shoe of ``decks`` standard decks, shuffles it with a seed, deals two cards to
each player and the dealer in one batch (one call into the WASM core), then shows
token provenance (a merge and a split), a fork that diverges, and the state hashes
that prove the same seed always gives the same world.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from hypertoken.core import Batch, To, World

RANKS = ("A", "2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K")
SUITS = {"spades": "♠", "hearts": "♥", "diamonds": "♦", "clubs": "♣"}


def build_shoe(decks: int) -> Batch:
    """A batch creating ``decks`` 52-card decks and gathering them into source ``shoe``."""
    b = Batch().source_create("shoe")
    for d in range(decks):
        deck = f"deck-{d + 1}"
        b.stack_create(deck)
        for suit in SUITS:
            for rank in RANKS:
                b.token_create("card", rank, suit, To.stack(deck))
        b.source_add_stack("shoe", deck)
    return b


def card(world: World, token_id: int) -> str:
    """A card's short name, e.g. ``Q♥``."""
    t = world.token(token_id)
    return f"{t.label}{SUITS.get(t.group, '?')}"


def run_world_demo(*, seed: int, players: int, decks: int, console: Console | None = None) -> str:
    """Run the demo and print it; returns the final state hash (hex)."""
    out = console or Console()
    world = World()
    names = [f"player-{i + 1}" for i in range(players)] + ["dealer"]
    setup = build_shoe(decks)
    for name in names:
        setup.agent_create(name)
    world.apply(setup)
    out.print(f"[bold]HyperToken world demo[/] seed={seed}, {decks} deck(s), {players} player(s)")
    out.print(f"Built {world.token_count()} cards in {len(world.stacks())} stacks -> source 'shoe'")

    seats = [To.agent(n) for n in names]
    deal = Batch().source_shuffle("shoe", seed).batch_draw(To.source("shoe"), 2, seats)
    world.apply(deal)
    out.print(f"Shuffled the shoe and dealt {2 * len(names)} cards in one call into the core")

    table = Table(title="Hands")
    table.add_column("seat")
    table.add_column("cards")
    for name in names:
        table.add_row(name, " ".join(card(world, int(t)) for t in world.inventory(name)))
    out.print(table)

    # Provenance: the dealer's two cards merge into one token, which then splits in three.
    now = 1_700_000_000_000  # times come from the caller (a log entry), never a clock
    first, second = (int(t) for t in world.inventory("dealer"))
    merged = world.token_merge([first, second], now, to=To.agent("dealer"), label="pair")
    pieces = world.token_split(merged, 3, now + 1000, to=To.agent("dealer"))
    info = world.token(merged)
    out.print(
        f"Merged {card(world, first)} + {card(world, second)} -> token {merged} "
        f"(merged_from={info.merged_from}, merged_at={info.merged_at}); "
        f"split into {pieces}"
    )
    piece = world.token(pieces[1])
    out.print(
        f"Token {piece.id}: split_from={piece.split_from}, split_index={piece.split_index}, "
        f"split_at={piece.split_at}; token {first} is now '{world.token(first).location}' "
        f"into {world.token(first).where}"
    )

    # Forks: explore a what-if without touching the original.
    before = world.state_hash()
    fork = world.fork()
    fork.source_draw("shoe", 5, To.agent("player-1"))
    out.print(
        f"Fork drew 5 more cards for player-1: fork has {len(fork.inventory('player-1'))} cards, "
        f"original still {len(world.inventory('player-1'))}; original unchanged: "
        f"{world.state_hash() == before}"
    )

    # Determinism: the same seed rebuilds the same world, bit for bit.
    digest = world.state_hash().hex()
    replay = World()
    replay.apply(setup)
    replay.apply(deal)
    replay.token_merge([first, second], now, to=To.agent("dealer"), label="pair")
    replay.token_split(merged, 3, now + 1000, to=To.agent("dealer"))
    same = replay.state_hash().hex() == digest
    out.print(f"State hash: {digest[:32]}…  replayed from scratch: {same}")
    out.print(f"Snapshot size: {len(world.snapshot())} bytes")
    return digest
