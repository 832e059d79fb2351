"""Agent actions: agents, typed meta, integer resources (never negative) and inventories."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hypertoken.core import World, mulberry32
from hypertoken.core.errors import (
    ActionTypeError,
    BadArgumentError,
    ExistsError,
    InsufficientError,
    NotEmptyError,
    NotFoundError,
    OverdrawError,
    TokenNotHereError,
    TokenNotLooseError,
)
from tests.kits.core import ids, make_stack, refused

I64_MAX = 2**63 - 1


@pytest.fixture
def w(w: World) -> World:
    w.agent_create("alice")
    w.agent_create("bob")
    return w


def test_create_and_remove(w: World) -> None:
    assert w.agents() == ["alice", "bob"]
    a = w.agent("alice")
    assert (a.name, a.active, a.resources, a.meta, a.inventory) == ("alice", True, {}, {}, [])
    with refused(w, ExistsError, "agent.create", "'alice'"):
        w.agent_create("alice")
    w.agent_remove("alice")
    assert w.agents() == ["bob"]
    with refused(w, NotFoundError, "agent.remove", "no agent named 'alice'"):
        w.agent_remove("alice")
    w.agent_create("alice")  # the name can be used again, as a new agent
    assert w.agents() == ["bob", "alice"]
    assert w.agent("alice").resources == {}


def test_remove_refuses_an_agent_holding_tokens(w: World) -> None:
    t = w.token_create("card", "", "", "agent:alice")
    with refused(w, NotEmptyError, "agent.remove", "'alice'", "holds 1"):
        w.agent_remove("alice")
    w.agent_remove_token("alice", t)
    w.agent_remove("alice")


def test_set_active_and_meta(w: World) -> None:
    w.agent_set_active("bob", False)
    assert not w.agent("bob").active
    w.agent_set_active("bob")
    assert w.agent("bob").active
    w.agent_set_meta("alice", "seat", 3)
    w.agent_set_meta("alice", "bot", True)
    w.agent_set_meta("alice", "skill", 0.25)
    w.agent_set_meta("alice", "colour", "red")
    w.agent_set_meta("alice", "seat", -4)  # overwrite keeps the key's place
    assert w.agent("alice").meta == {"seat": -4, "bot": True, "skill": 0.25, "colour": "red"}
    w.agent_set_meta("alice", "bot", None)
    assert w.agent("alice").meta == {"seat": -4, "skill": 0.25, "colour": "red"}
    w.agent_set_meta("alice", "never-set", None)  # deleting a missing key is fine
    with refused(w, BadArgumentError, "agent.set_meta"):
        w.agent_set_meta("alice", "", 1)


def test_give_and_take(w: World) -> None:
    assert w.agent_give_resource("alice", "gold", 5) == 5
    assert w.agent_give_resource("alice", "gold", 0) == 5
    assert w.agent_give_resource("alice", "gold", 3) == 8
    assert w.agent_take_resource("alice", "gold", 8) == 0
    assert w.agent("alice").resources == {"gold": 0}
    with refused(w, InsufficientError, "agent.take_resource", "'gold'", "needs 1", "has 0"):
        w.agent_take_resource("alice", "gold", 1)


def test_take_more_than_held_is_an_error_even_for_an_unseen_resource(w: World) -> None:
    with refused(w, InsufficientError, "agent.take_resource", "'silver'", "needs 1"):
        w.agent_take_resource("alice", "silver", 1)


def test_negative_amounts_are_refused(w: World) -> None:
    w.agent_give_resource("alice", "gold", 5)
    actions: tuple[Callable[[], object], ...] = (
        lambda: w.agent_give_resource("alice", "gems", -1),
        lambda: w.agent_take_resource("alice", "gold", -1),
        lambda: w.agent_transfer_resource("alice", "bob", "gold", -1),
        lambda: w.agent_steal_resource("alice", "bob", "wood", -2),
    )
    for action in actions:
        with refused(w, BadArgumentError, "amount must not be negative"):
            action()


def test_resource_errors_leave_no_trace(w: World) -> None:
    # Unknown agents and overflows fail before the resource name is remembered.
    with refused(w, NotFoundError, "agent.give_resource", "'carol'"):
        w.agent_give_resource("carol", "fresh-resource", 1)
    w.agent_give_resource("alice", "gold", I64_MAX)
    with refused(w, BadArgumentError, "agent.give_resource", "overflow"):
        w.agent_give_resource("alice", "gold", 1)
    with refused(w, BadArgumentError, "agent.give_resource", "a resource name is required"):
        w.agent_give_resource("alice", "", 1)


def test_transfer_moves_exactly_or_errors(w: World) -> None:
    w.agent_give_resource("alice", "gold", 5)
    assert w.agent_transfer_resource("alice", "bob", "gold", 3) == 3
    assert w.agent("alice").resources == {"gold": 2}
    assert w.agent("bob").resources == {"gold": 3}
    with refused(w, InsufficientError, "agent.transfer_resource", "'gold'", "needs 3", "has 2"):
        w.agent_transfer_resource("alice", "bob", "gold", 3)
    with refused(w, BadArgumentError, "agent.transfer_resource", "'alice'"):
        w.agent_transfer_resource("alice", "alice", "gold", 1)
    w.agent_give_resource("bob", "gold", I64_MAX - 3)
    with refused(w, BadArgumentError, "agent.transfer_resource", "overflow"):
        w.agent_transfer_resource("alice", "bob", "gold", 1)


def test_steal_clamps_to_what_the_victim_has(w: World) -> None:
    w.agent_give_resource("alice", "gold", 3)
    assert w.agent_steal_resource("alice", "bob", "gold", 5) == 3
    assert w.agent("alice").resources == {"gold": 0}
    assert w.agent("bob").resources == {"gold": 3}
    assert w.agent_steal_resource("alice", "bob", "gold", 5) == 0
    assert w.agent_steal_resource("bob", "alice", "gold", 2) == 2
    assert w.agent("alice").resources == {"gold": 2}
    with refused(w, BadArgumentError, "agent.steal_resource", "'bob'"):
        w.agent_steal_resource("bob", "bob", "gold", 1)


def test_inventory_tokens(w: World) -> None:
    a, b = w.token_create("card"), w.token_create("card")
    w.agent_add_token("alice", a)
    w.agent_add_token("alice", b)
    assert ids(w.inventory("alice")) == [a, b]
    with refused(w, TokenNotLooseError, "agent.add_token", f"token {a}", "agent 'alice'"):
        w.agent_add_token("bob", a)
    w.agent_transfer_token("alice", "bob", a)
    assert ids(w.inventory("alice")) == [b]
    assert ids(w.inventory("bob")) == [a]
    with refused(w, TokenNotHereError, "agent.transfer_token", f"token {a}", "'alice'"):
        w.agent_transfer_token("alice", "bob", a)
    w.agent_remove_token("bob", a)
    assert w.token(a).location == "loose"
    with refused(w, TokenNotHereError, "agent.remove_token", f"token {a}", "loose"):
        w.agent_remove_token("bob", a)


def test_steal_token_picks_floor_r_times_n(w: World) -> None:
    toks = [w.token_create("card", str(i), "", "agent:alice") for i in range(7)]
    for seed in (0, 1, 42, 2**32 - 1):
        inv = ids(w.inventory("alice"))
        expected = inv[int(next(mulberry32(seed)) * len(inv))]
        assert w.agent_steal_token("alice", "bob", seed) == expected
        assert ids(w.inventory("bob"))[-1] == expected
    assert sorted(ids(w.inventory("alice")) + ids(w.inventory("bob"))) == toks
    w.agent_create("carol")
    with refused(w, OverdrawError, "agent.steal_token", "'carol'"):
        w.agent_steal_token("carol", "bob", 1)
    with refused(w, BadArgumentError, "agent.steal_token", "'bob'"):
        w.agent_steal_token("bob", "bob", 1)


def test_trade_exchanges_tokens_and_resources(w: World) -> None:
    a1, a2 = (w.token_create("card", f"a{i}", "", "agent:alice") for i in range(2))
    b1 = w.token_create("card", "b1", "", "agent:bob")
    w.agent_give_resource("alice", "gold", 10)
    w.agent_give_resource("bob", "wood", 4)
    w.agent_trade("alice", "bob", [a2], [b1], "gold", 6, "wood", 4)
    assert ids(w.inventory("alice")) == [a1, b1]
    assert ids(w.inventory("bob")) == [a2]
    assert w.agent("alice").resources == {"gold": 4, "wood": 4}
    assert w.agent("bob").resources == {"wood": 0, "gold": 6}
    w.agent_trade("alice", "bob", tokens_a=[a1])  # a one-sided gift
    assert ids(w.inventory("bob")) == [a2, a1]


def test_trade_is_atomic(w: World) -> None:
    a1 = w.token_create("card", "", "", "agent:alice")
    b1 = w.token_create("card", "", "", "agent:bob")
    w.agent_give_resource("alice", "gold", 10)
    w.agent_give_resource("bob", "wood", 1)
    # Everything on alice's side is fine; bob lacks wood: nothing moves at all.
    with refused(w, InsufficientError, "agent.trade", "'wood'", "needs 2", "has 1"):
        w.agent_trade("alice", "bob", [a1], [b1], "gold", 5, "wood", 2)
    with refused(w, TokenNotHereError, "agent.trade", f"token {a1}", "'bob'"):
        w.agent_trade("alice", "bob", [a1], [a1])
    with refused(w, BadArgumentError, "agent.trade"):
        w.agent_trade("alice", "bob", [a1, a1])
    with refused(w, BadArgumentError, "agent.trade", "'alice'"):
        w.agent_trade("alice", "alice", [a1])
    with refused(w, BadArgumentError, "agent.trade", "a resource name is required"):
        w.agent_trade("alice", "bob", amount_a=1)
    with refused(w, BadArgumentError, "agent.trade", "amount must not be negative"):
        w.agent_trade("alice", "bob", resource_a="gold", amount_a=-1)
    assert ids(w.inventory("alice")) == [a1]
    assert ids(w.inventory("bob")) == [b1]


def test_trade_overflow_is_refused_before_anything_moves(w: World) -> None:
    a1 = w.token_create("card", "", "", "agent:alice")
    w.agent_give_resource("alice", "gold", 5)
    w.agent_give_resource("bob", "gold", I64_MAX)
    with refused(w, BadArgumentError, "agent.trade", "overflow"):
        w.agent_trade("alice", "bob", [a1], [], "gold", 1)
    assert ids(w.inventory("alice")) == [a1]


def test_draw_and_discard_cards(w: World) -> None:
    make_stack(w, "deck", 5)
    assert w.agent_draw_cards("alice", "deck", 3) == [5, 4, 3]
    assert ids(w.inventory("alice")) == [5, 4, 3]
    with refused(w, OverdrawError, "agent.draw_cards", "'deck'", "cannot take 3", "holds 2"):
        w.agent_draw_cards("alice", "deck", 3)
    w.agent_discard_cards("alice", [3, 5], "deck")
    assert ids(w.discards("deck")) == [3, 5]
    assert ids(w.inventory("alice")) == [4]
    with refused(w, TokenNotHereError, "agent.discard_cards", "token 2", "'alice'"):
        w.agent_discard_cards("alice", [4, 2], "deck")
    with refused(w, BadArgumentError, "agent.discard_cards"):
        w.agent_discard_cards("alice", [4, 4], "deck")


def test_agent_argument_types(w: World) -> None:
    with refused(w, ActionTypeError, "agent.give_resource", "argument 3"):
        w.agent_give_resource("alice", "gold", 1.5)  # type: ignore[arg-type]
    with refused(w, ActionTypeError, "agent.set_meta", "NaN"):
        w.agent_set_meta("alice", "x", float("nan"))
