"""Batches (many actions in one call, atomic by default) and the batch actions: shuffle_many,
deal, filter/count/find and collect."""

from __future__ import annotations

import pytest

from hypertoken.core import Batch, CoreError, To, World, shuffle_order
from hypertoken.core.errors import (
    ActionTypeError,
    BadArgumentError,
    LockedError,
    NotFoundError,
    OverdrawError,
    ResultOverflowError,
)
from hypertoken.core.rng import batch_seed
from tests.kits.core import ids, make_stack, refused

# ---- Batch and apply ----------------------------------------------------------------


def test_apply_returns_one_result_per_action(w: World) -> None:
    b = (
        Batch()
        .stack_create("deck")
        .token_create("card", "a", "", "stack:deck")
        .token_create("card", "b", "", "stack:deck")
        .stack_peek("deck", 2)
        .agent_give_resource("nobody-yet", "gold", 1)
    )
    assert b.ops == (
        "stack.create",
        "token.create",
        "token.create",
        "stack.peek",
        "agent.give_resource",
    )
    assert len(b) == 5
    assert list(b) == list(b.ops)
    with pytest.raises(NotFoundError, match=r"agent\.give_resource \(action 5 of 5\)"):
        w.apply(b)
    assert w.stacks() == []  # atomic: the first four were rolled back too
    w.agent_create("nobody-yet")
    res = w.apply(b)
    assert list(res) == [None, 1, 2, [2, 1], 1]  # one id bare, as World returns it
    assert len(res) == 5
    assert res[3] == [2, 1]


def test_results_must_be_read_before_the_world_runs_again(w: World) -> None:
    res = w.apply(Batch().stack_create("a"))
    w.stack_create("b")
    with pytest.raises(RuntimeError, match="not read"):
        list(res)
    res = w.apply(Batch().stack_create("c"))
    assert res[0] is None
    w.stack_create("d")
    assert res[0] is None  # already decoded: still readable


def test_failed_atomic_batch_changes_nothing_and_names_the_action(w: World) -> None:
    make_stack(w, "deck", 5)
    b = Batch().stack_shuffle("deck", 1).stack_draw("deck", 2).stack_draw("deck", 4)
    with refused(w, OverdrawError, "stack.draw (action 3 of 3)", "'deck'", "holds 3") as info:
        w.apply(b)
    assert info.value.index == 2
    assert info.value.op == "stack.draw"


def test_non_atomic_batch_keeps_the_actions_before_the_failure(w: World) -> None:
    make_stack(w, "deck", 5)
    b = Batch().stack_draw("deck", 2).stack_create("deck").stack_draw("deck", 1)
    with pytest.raises(CoreError, match=r"stack\.create \(action 2 of 3\)"):
        w.apply(b, atomic=False)
    assert ids(w.stack("deck")) == [1, 2, 3]
    w.check()


def test_a_batch_runs_on_any_number_of_worlds(w: World) -> None:
    b = Batch().stack_create("deck")
    for i in range(4):
        b.token_create("card", str(i), "", "stack:deck")
    b.stack_shuffle("deck", 77)
    other = World()
    w.apply(b)
    b.run(other)
    assert w.state_hash() == other.state_hash()
    assert ids(w.stack("deck")) == shuffle_order([1, 2, 3, 4], 77)


def test_extend_and_do(w: World) -> None:
    a = Batch().do("stack.create", "x")
    b = Batch().do("stack.create", "y").extend(a)
    assert b.ops == ("stack.create", "stack.create")
    w.apply(b)
    assert w.stacks() == ["y", "x"]
    assert repr(b) == "Batch(2 actions)"


def test_apply_needs_a_batch(w: World) -> None:
    with pytest.raises(TypeError, match="takes a Batch"):
        w.apply([("stack.create", "x")])  # type: ignore[arg-type]


def test_a_batch_too_big_for_the_command_buffer_is_refused(w: World) -> None:
    b = Batch()
    for i in range(1100):
        b.stack_create(f"{i:04d}" + "x" * 1000)
    with refused(w, CoreError, "1100 actions", "split it"):
        w.apply(b)


def test_result_overflow_fails_the_action_before_it_changes_anything(w: World) -> None:
    # 261 peeks of 1000 ids and one of 616 leave 8 bytes of the 1 MiB result buffer:
    # too little for remove_at's result. Even without atomicity, remove_at must not run.
    make_stack(w, "deck", 1000)
    b = Batch()
    for _ in range(261):
        b.stack_peek("deck", 1000)
    b.stack_peek("deck", 616).stack_remove_at("deck", 0)
    with refused(w, ResultOverflowError, "stack.remove_at (action 263 of 263)"):
        w.apply(b, atomic=False)
    assert ids(w.stack("deck"))[0] == 1
    b2 = Batch()
    for _ in range(261):
        b2.stack_peek("deck", 1000)
    b2.stack_peek("deck", 616).stack_shuffle("deck", 3)  # a result-less action
    with refused(w, ResultOverflowError, "stack.shuffle"):
        w.apply(b2, atomic=False)
    # 593 instead of 616 leaves 100 bytes: room for the check, not for 30 split ids.
    b3 = Batch()
    for _ in range(261):
        b3.stack_peek("deck", 1000)
    b3.stack_peek("deck", 593).token_split(1, 30, 5)
    with refused(w, ResultOverflowError, "token.split (action 263 of 263)"):
        w.apply(b3, atomic=False)
    assert w.token(1).location == "stack"


# ---- batch.shuffle --------------------------------------------------------------------


def test_shuffle_many_uses_upstreams_batch_seeds(w: World) -> None:
    decks = [make_stack(w, name, 9) for name in ("a", "b", "c")]
    w.batch_shuffle(["a", "b", "c"], 2024)
    for i, (name, deck) in enumerate(zip(["a", "b", "c"], decks, strict=True)):
        assert ids(w.stack(name)) == shuffle_order(deck, batch_seed(2024, i))
    # A stack listed twice is shuffled twice, once per index.
    w.batch_shuffle(["a", "a"], 5)
    after = shuffle_order(shuffle_order(decks[0], batch_seed(2024, 0)), batch_seed(5, 0))
    assert ids(w.stack("a")) == shuffle_order(after, batch_seed(5, 1))


def test_shuffle_many_checks_every_name_first(w: World) -> None:
    make_stack(w, "a", 5)
    with refused(w, NotFoundError, "batch.shuffle", "'zzz'"):
        w.batch_shuffle(["a", "zzz"], 1)


# ---- batch.draw (deal) ----------------------------------------------------------------


def test_deal_round_robin_from_a_stack(w: World) -> None:
    make_stack(w, "deck", 10)
    w.agent_create("a")
    w.agent_create("b")
    w.space_create_zone("t")
    got = w.batch_draw("stack:deck", 2, ["agent:a", To.agent("b"), To.zone("t", 1, 2, False)])
    assert got == [10, 9, 8, 7, 6, 5]
    assert ids(w.inventory("a")) == [10, 7]
    assert ids(w.inventory("b")) == [9, 6]
    assert [(int(p["token"]), int(p["face_up"])) for p in w.zone("t")] == [(8, 0), (5, 0)]
    assert w.batch_draw("stack:deck", 1, [None]) == [4]
    assert w.token(4).location == "loose"


def test_deal_checks_the_total_first(w: World) -> None:
    make_stack(w, "deck", 5)
    w.agent_create("a")
    w.agent_create("b")
    with refused(w, OverdrawError, "batch.draw", "'deck'", "cannot take 6", "holds 5"):
        w.batch_draw("stack:deck", 3, ["agent:a", "agent:b"])
    with refused(w, BadArgumentError, "batch.draw"):
        w.batch_draw("stack:deck", 0, ["agent:a"])
    with refused(w, BadArgumentError, "batch.draw", "64"):
        w.batch_draw("stack:deck", 1, [])
    with refused(w, BadArgumentError, "batch.draw", "64"):
        w.batch_draw("stack:deck", 1, ["agent:a"] * 65)
    with refused(w, BadArgumentError, "batch.draw", "'deck'", "itself"):
        w.batch_draw("stack:deck", 1, ["agent:a", "stack:deck"])
    with refused(w, NotFoundError, "batch.draw", "'nope'"):
        w.batch_draw("stack:deck", 1, ["agent:nope"])
    with refused(w, ActionTypeError, "batch.draw"):
        w.batch_draw("zone:deck", 1, ["agent:a"])
    with refused(w, OverdrawError, "batch.draw"):
        w.batch_draw("stack:deck", 2**31, ["agent:a", "agent:b"])  # rounds * dests overflows


def test_deal_from_a_source_applies_its_policy(w: World) -> None:
    make_stack(w, "deck", 6)
    w.source_create("shoe")
    w.source_add_stack("shoe", "deck")
    w.agent_create("a")
    w.agent_create("b")
    w.source_set_reshuffle_policy("shoe", 0, "auto")
    w.source_burn("shoe", 2)  # tray: 6, 5
    got = w.batch_draw("source:shoe", 3, ["agent:a", "agent:b"])
    assert got[:4] == [4, 3, 2, 1]
    assert sorted(got[4:]) == [5, 6]  # the tray came back (shuffled) when the shoe ran out
    assert ids(w.tray("shoe")) == []
    with refused(w, BadArgumentError, "batch.draw", "'shoe'"):
        w.batch_draw("source:shoe", 1, ["tray:shoe"])
    with refused(w, BadArgumentError, "batch.draw", "'shoe'", "itself"):
        w.batch_draw("source:shoe", 1, ["source:shoe"])


# ---- queries --------------------------------------------------------------------------


def _query_world() -> World:
    w = World()
    w.stack_create("deck")
    w.token_create("card", "A", "red", "stack:deck")  # 1
    w.token_create("card", "B", "black", "stack:deck")  # 2
    w.token_create("chip", "C", "red", "stack:deck")  # 3
    w.token_create("card", "D", "red", "stack:deck")  # 4
    w.token_set_meta(2, "rare", True)
    w.token_transform(4, 1, label="E")
    w.space_create_zone("t")
    w.token_create("card", "", "", To.zone("t", face_up=False))  # 5
    w.token_create("card", "", "", "zone:t")  # 6
    a, b = w.token_create("x"), w.token_create("y")  # 7, 8
    m = w.token_merge([a, b], 1)  # 9
    w.token_split(m, 2, 2, "stack:deck")  # 10, 11
    w.token_attach(1, w.token_create("z"), 3)  # 12 on 1
    return w


def test_filter_count_find_predicates() -> None:
    w = _query_world()
    assert w.batch_filter("stack:deck") == [1, 2, 3, 4, 10, 11]
    assert w.batch_filter("stack:deck", kind="card") == [1, 2, 4]
    assert w.batch_filter("stack:deck", group="red") == [1, 3, 4]
    assert w.batch_filter("stack:deck", label="E") == [4]
    assert w.batch_filter("stack:deck", has_meta="rare") == [2]
    assert w.batch_filter("stack:deck", transformed=True) == [4]
    assert w.batch_filter("stack:deck", split=True) == [10, 11]
    assert w.batch_filter("stack:deck", attached=True) == [1]
    assert w.batch_filter("stack:deck", merged=True) == []
    assert w.batch_filter("stack:deck", kind="never-seen") == []
    assert w.batch_filter("zone:t", face_up=True) == [6]
    assert w.batch_filter("zone:t", face_down=True) == [5]
    assert w.batch_filter("stack:deck", face_down=True) == []  # tokens outside zones face up
    # "all" is every live token, by id; consumed ones (7, 8 merged, 9 split) are left out.
    assert w.batch_filter("all") == [1, 2, 3, 4, 5, 6, 10, 11, 12]
    assert w.batch_filter("all", merged=True) == []
    assert w.batch_count("all") == 9
    assert w.batch_count("stack:deck", group="red") == 3
    assert w.batch_count("stack:deck", kind="nope") == 0
    assert w.batch_find("stack:deck", kind="card") == [4]  # first from the top
    assert w.batch_find("stack:deck", kind="chip") == [3]
    assert w.batch_find("stack:deck", label="nope") == []
    assert w.batch_find("zone:t") == [6]


def test_query_arguments_are_checked() -> None:
    w = _query_world()
    with refused(w, ActionTypeError, "batch.filter", "at most one condition"):
        w.batch_filter("stack:deck", kind="card", group="red")
    with refused(w, ActionTypeError, "batch.count", "unknown condition"):
        w.batch_count("stack:deck", colour="red")
    with refused(w, ActionTypeError, "batch.find", "non-empty string"):
        w.batch_find("stack:deck", kind="")
    with refused(w, ActionTypeError, "batch.filter", "takes True"):
        w.batch_filter("stack:deck", merged=False)
    with refused(w, ActionTypeError, "batch.filter", "container"):
        w.batch_filter("loose")
    with refused(w, NotFoundError, "batch.count", "no zone named 'nope'"):
        w.batch_count("zone:nope")


def test_collect_gathers_in_order(w: World) -> None:
    make_stack(w, "deck", 3)
    w.stack_burn("deck", 1)  # discards: 3
    w.space_create_zone("t")
    w.agent_create("a")
    z1 = w.token_create("z", "", "", "zone:t")
    a1 = w.token_create("a", "", "", "agent:a")
    w.stack_create("pile")
    p1 = w.token_create("p", "", "", "stack:pile")
    n = w.batch_collect(["discards:deck", "zone:t", "agent:a", "stack:deck", "stack:pile"], "pile")
    assert n == 5
    assert ids(w.stack("pile")) == [p1, 3, z1, a1, 1, 2]  # the target itself is skipped
    assert ids(w.stack("deck")) == []
    assert len(w.zone("t")) == 0


def test_collect_refuses_locked_zones_and_all(w: World) -> None:
    make_stack(w, "deck", 2)
    w.space_create_zone("t")
    w.token_create("z", "", "", "zone:t")
    w.space_lock_zone("t")
    with refused(w, LockedError, "batch.collect", "'t'"):
        w.batch_collect(["stack:deck", "zone:t"], "deck")
    with refused(w, BadArgumentError, "batch.collect", "every token"):
        w.batch_collect(["all"], "deck")
    with refused(w, NotFoundError, "batch.collect", "'nope'"):
        w.batch_collect(["stack:deck"], "nope")
