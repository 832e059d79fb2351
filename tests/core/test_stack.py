"""Stack actions: positions count from the bottom, the top is the end, results are top first."""

from __future__ import annotations

from hypertoken.core import To, World, shuffle_order
from hypertoken.core.errors import (
    BadArgumentError,
    ExistsError,
    LockedError,
    NotFoundError,
    OutOfRangeError,
    OverdrawError,
    TokenConsumedError,
    TokenNotLooseError,
)
from tests.kits.core import ids, make_stack, refused


def test_create_lists_names_and_refuses_duplicates(w: World) -> None:
    w.stack_create("deck")
    w.stack_create("pile")
    assert w.stacks() == ["deck", "pile"]
    assert ids(w.stack("deck")) == []
    with refused(w, ExistsError, "stack.create", "'deck'", "already exists"):
        w.stack_create("deck")
    with refused(w, BadArgumentError, "stack.create"):
        w.stack_create("")


def test_unknown_stack_is_named(w: World) -> None:
    with refused(w, NotFoundError, "stack.draw", "'nope'") as info:
        w.stack_draw("nope", 1)
    assert info.value.op == "stack.draw"
    assert info.value.obj == "nope"


def test_tokens_created_in_a_stack_go_on_top_in_order(w: World) -> None:
    deck = make_stack(w, "deck", 5)
    assert deck == [1, 2, 3, 4, 5]
    assert ids(w.stack("deck")) == [1, 2, 3, 4, 5]  # bottom to top
    assert w.token(5).home == "deck"


def test_draw_takes_from_the_top_and_returns_top_first(w: World) -> None:
    make_stack(w, "deck", 5)
    w.agent_create("alice")
    assert w.stack_draw("deck", 2, To.agent("alice")) == [5, 4]
    assert ids(w.stack("deck")) == [1, 2, 3]
    # Tokens arrive one at a time, so the inventory holds them in draw order.
    assert ids(w.inventory("alice")) == [5, 4]
    assert w.token(5).location == "agent"
    assert w.token(5).where == "alice"


def test_draw_defaults_to_one_loose_token(w: World) -> None:
    make_stack(w, "deck", 3)
    assert w.stack_draw("deck") == [3]
    assert w.token(3).location == "loose"
    assert w.token(3).where is None
    assert w.token(3).home == "deck"


def test_draw_onto_another_stack_deals_one_by_one(w: World) -> None:
    make_stack(w, "deck", 4)
    w.stack_create("pile")
    assert w.stack_draw("deck", 3, "stack:pile") == [4, 3, 2]
    assert ids(w.stack("pile")) == [4, 3, 2]  # 2, drawn last, is on top
    assert w.stack_draw("deck", 1, "discards:pile") == [1]
    assert ids(w.discards("pile")) == [1]


def test_draw_into_a_zone_places_face_up_or_down(w: World) -> None:
    make_stack(w, "deck", 3)
    w.space_create_zone("table")
    assert w.stack_draw("deck", 2, To.zone("table", x=1.5, y=-2, face_up=False)) == [3, 2]
    z = w.zone("table")
    assert [int(t) for t in z["token"]] == [3, 2]
    assert [int(f) for f in z["face_up"]] == [0, 0]
    assert [float(x) for x in z["x"]] == [1.5, 1.5]
    assert [float(y) for y in z["y"]] == [-2.0, -2.0]


def test_overdraw_is_an_error_not_a_clamp(w: World) -> None:
    make_stack(w, "deck", 3)
    with refused(w, OverdrawError, "stack.draw", "'deck'", "cannot take 4", "holds 3") as info:
        w.stack_draw("deck", 4)
    assert (info.value.want, info.value.have) == (4, 3)
    assert ids(w.stack("deck")) == [1, 2, 3]
    w.stack_draw("deck", 3)
    with refused(w, OverdrawError, "holds 0"):
        w.stack_draw("deck", 1)


def test_draw_zero_is_refused(w: World) -> None:
    make_stack(w, "deck", 3)
    with refused(w, BadArgumentError, "stack.draw", "deck"):
        w.stack_draw("deck", 0)


def test_draw_onto_itself_is_refused(w: World) -> None:
    make_stack(w, "deck", 3)
    with refused(w, BadArgumentError, "stack.draw", "'deck'", "itself"):
        w.stack_draw("deck", 2, "stack:deck")
    # Its own discards are a different place.
    assert w.stack_draw("deck", 2, "discards:deck") == [3, 2]


def test_draw_into_a_locked_zone_is_refused(w: World) -> None:
    make_stack(w, "deck", 3)
    w.space_create_zone("table")
    w.space_lock_zone("table")
    with refused(w, LockedError, "stack.draw", "'table'"):
        w.stack_draw("deck", 1, "zone:table")


def test_peek_is_top_first_and_changes_nothing(w: World) -> None:
    make_stack(w, "deck", 4)
    before = w.state_hash()
    assert w.stack_peek("deck") == [4]
    assert w.stack_peek("deck", 3) == [4, 3, 2]
    assert w.state_hash() == before
    with refused(w, OverdrawError, "stack.peek", "'deck'"):
        w.stack_peek("deck", 5)


def test_shuffle_matches_the_reference_and_reapplies(w: World) -> None:
    deck = make_stack(w, "deck", 10)
    w.stack_shuffle("deck", 42)
    once = shuffle_order(deck, 42)
    assert ids(w.stack("deck")) == once == [1, 8, 4, 6, 3, 2, 9, 10, 5, 7]
    # The same seed applies the same permutation again to the current order.
    w.stack_shuffle("deck", 42)
    assert ids(w.stack("deck")) == shuffle_order(once, 42)
    w.stack_shuffle("deck", 0)  # 0 is a valid seed
    assert ids(w.stack("deck")) == shuffle_order(shuffle_order(once, 42), 0)


def test_shuffle_of_empty_and_single_stacks(w: World) -> None:
    w.stack_create("empty")
    w.stack_shuffle("empty", 1)
    assert ids(w.stack("empty")) == []
    make_stack(w, "one", 1)
    w.stack_shuffle("one", 1)
    assert ids(w.stack("one")) == [1]


def test_burn_moves_the_top_onto_the_discards(w: World) -> None:
    make_stack(w, "deck", 5)
    assert w.stack_burn("deck", 2) == [5, 4]
    assert ids(w.stack("deck")) == [1, 2, 3]
    assert ids(w.discards("deck")) == [5, 4]  # 4 burned last, on top
    assert w.token(4).location == "discards"
    assert w.token(4).where == "deck"
    assert w.stack_burn("deck") == [3]
    with refused(w, OverdrawError, "stack.burn", "'deck'", "holds 2"):
        w.stack_burn("deck", 3)


def test_reset_restores_creation_order_from_everywhere(w: World) -> None:
    deck = make_stack(w, "deck", 6)
    w.stack_create("other")
    w.space_create_zone("table")
    w.agent_create("alice")
    w.stack_shuffle("deck", 5)
    w.stack_draw("deck", 2, "agent:alice")
    w.stack_burn("deck", 1)
    w.stack_draw("deck", 1, "zone:table")
    w.stack_draw("deck", 1, "stack:other")
    w.stack_draw("deck", 1)  # loose
    assert ids(w.stack("deck")) == []
    foreign = w.token_create("chip", "", "", "stack:deck")  # created here, so home too
    stranger = w.token_create("gem")
    w.stack_discard("deck", stranger)
    assert w.stack_reset("deck") == 7
    assert ids(w.stack("deck")) == [*deck, foreign]
    assert ids(w.discards("deck")) == []
    assert ids(w.inventory("alice")) == []
    assert len(w.zone("table")) == 0
    assert ids(w.stack("other")) == []
    assert w.token(stranger).location == "loose"


def test_reset_drops_foreign_tokens_and_consumed_ones(w: World) -> None:
    deck = make_stack(w, "deck", 4)
    make_stack(w, "other", 2)  # ids 5, 6
    w.stack_draw("other", 1, "stack:deck")  # 6 sits in deck, home is other
    w.stack_draw("deck", 2)  # 6 and 4 are loose
    merged = w.token_merge([3, 4], time_ms=10)
    assert w.stack_reset("deck") == 2
    assert ids(w.stack("deck")) == [1, 2]
    assert w.token(3).location == "merged"
    assert w.token(merged).location == "loose"
    assert w.token(6).location == "loose"
    assert deck == [1, 2, 3, 4]


def test_reset_is_refused_when_a_home_token_is_in_a_locked_zone(w: World) -> None:
    make_stack(w, "deck", 3)
    w.space_create_zone("table")
    w.stack_draw("deck", 1, "zone:table")
    w.stack_shuffle("deck", 9)
    w.space_lock_zone("table")
    with refused(w, LockedError, "stack.reset", "'table'"):
        w.stack_reset("deck")


def test_cut_moves_the_bottom_n_to_the_top(w: World) -> None:
    make_stack(w, "deck", 5)
    w.stack_cut("deck", 2)
    assert ids(w.stack("deck")) == [3, 4, 5, 1, 2]  # tokens[2:] + tokens[:2]
    w.stack_cut("deck", 4)
    assert ids(w.stack("deck")) == [2, 3, 4, 5, 1]
    with refused(w, OutOfRangeError, "stack.cut", "'deck'", "position 0"):
        w.stack_cut("deck", 0)
    with refused(w, OutOfRangeError, "position 5", "size 5"):
        w.stack_cut("deck", 5)


def test_insert_at_counts_from_the_bottom(w: World) -> None:
    make_stack(w, "deck", 3)
    a, b, c = (w.token_create("x", str(i)) for i in range(3))
    w.stack_insert_at("deck", 0, a)
    assert ids(w.stack("deck")) == [a, 1, 2, 3]
    w.stack_insert_at("deck", 4, b)  # size = top
    assert ids(w.stack("deck")) == [a, 1, 2, 3, b]
    w.stack_insert_at("deck", 2, c)
    assert ids(w.stack("deck")) == [a, 1, c, 2, 3, b]
    d = w.token_create("x")
    with refused(w, OutOfRangeError, "stack.insert_at", "position 7", "size 6"):
        w.stack_insert_at("deck", 7, d)


def test_insert_at_needs_a_loose_token(w: World) -> None:
    make_stack(w, "deck", 3)
    with refused(w, TokenNotLooseError, "stack.insert_at", "token 2", "stack 'deck'"):
        w.stack_insert_at("deck", 0, 2)


def test_remove_at_returns_the_token_loose(w: World) -> None:
    make_stack(w, "deck", 4)
    assert w.stack_remove_at("deck", 0) == 1
    assert w.stack_remove_at("deck", 1) == 3
    assert ids(w.stack("deck")) == [2, 4]
    assert w.token(3).location == "loose"
    with refused(w, OutOfRangeError, "stack.remove_at", "position 2", "size 2"):
        w.stack_remove_at("deck", 2)


def test_swap_and_reverse(w: World) -> None:
    make_stack(w, "deck", 5)
    w.stack_swap("deck", 0, 4)
    assert ids(w.stack("deck")) == [5, 2, 3, 4, 1]
    w.stack_swap("deck", 2, 2)
    assert ids(w.stack("deck")) == [5, 2, 3, 4, 1]
    w.stack_reverse("deck")
    assert ids(w.stack("deck")) == [1, 4, 3, 2, 5]
    with refused(w, OutOfRangeError, "stack.swap", "position 5"):
        w.stack_swap("deck", 1, 5)
    w.stack_create("empty")
    w.stack_reverse("empty")
    assert ids(w.stack("empty")) == []


def test_discard_puts_a_loose_token_on_the_discards(w: World) -> None:
    make_stack(w, "deck", 2)
    w.stack_draw("deck", 2)
    w.stack_discard("deck", 1)
    w.stack_discard("deck", 2)
    assert ids(w.discards("deck")) == [1, 2]
    with refused(w, TokenNotLooseError, "stack.discard", "token 1", "discards 'deck'"):
        w.stack_discard("deck", 1)


def test_consumed_tokens_are_refused(w: World) -> None:
    w.stack_create("deck")
    a, b = w.token_create("x"), w.token_create("y")
    merged = w.token_merge([a, b], time_ms=1)
    with refused(
        w, TokenConsumedError, "stack.discard", f"token {a}", f"merged into token {merged}"
    ):
        w.stack_discard("deck", a)
