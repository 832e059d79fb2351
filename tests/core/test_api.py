"""The shape of the World API: one typed method per core action, named by one rule and
annotated with the action's result kind as the core's manifest declares it; ``do`` with
the typed methods' arguments; the deprecated names of 0.1, each pointing at its method;
and one way to name a place (:class:`To`, or its string, alike everywhere)."""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

import pytest

from hypertoken.core import Batch, To, World
from hypertoken.core.actions import (
    ONE_ID,
    RENAMED,
    RESULT_LETTERS,
    TYPED,
    Actions,
    method_name,
    result_kind,
)
from hypertoken.core.errors import UnknownActionError
from tests.kits.core import make_stack

#: The names of 0.1 and the methods they became (the CHANGELOG's table).
OLD_NAMES = {
    "zone_create": "space_create_zone",
    "zone_delete": "space_delete_zone",
    "zone_clear": "space_clear_zone",
    "zone_lock": "space_lock_zone",
    "place": "space_place",
    "unplace": "space_remove",
    "move_placement": "space_move",
    "flip": "space_flip",
    "zone_shuffle": "space_shuffle_zone",
    "zone_fan": "space_fan",
    "zone_spread": "space_spread",
    "zone_stack": "space_stack",
    "zone_transfer": "space_transfer",
    "give": "agent_give_resource",
    "take": "agent_take_resource",
    "transfer": "agent_transfer_resource",
    "steal": "agent_steal_resource",
    "trade": "agent_trade",
    "draw_cards": "agent_draw_cards",
    "discard_cards": "agent_discard_cards",
    "next_phase": "game_next_phase",
    "set_phase": "game_set_phase",
    "set_property": "game_set_property",
    "add_property": "game_add_property",
    "next_turn": "game_next_turn",
    "set_max_turns": "game_set_max_turns",
    "set_active_agent": "game_set_active_agent",
    "transform": "token_transform",
    "attach": "token_attach",
    "detach": "token_detach",
    "merge": "token_merge",
    "split": "token_split",
    "move": "token_move",
    "shuffle_many": "batch_shuffle",
    "deal": "batch_draw",
    "filter": "batch_filter",
    "count": "batch_count",
    "find": "batch_find",
    "collect": "batch_collect",
}


def _public_methods() -> set[str]:
    return {
        name
        for name, value in inspect.getmembers(Actions, inspect.isfunction)
        if not name.startswith("_") and name != "do" and name not in RENAMED
    }


def _helper_call(fn: Any) -> tuple[str, str]:
    """(the ``self._act_<kind>`` helper, the op it passes) of a typed method's body."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr.startswith("_act")
    ]
    assert len(calls) == 1, f"{fn.__name__} makes {len(calls)} core calls"
    (call,) = calls
    assert isinstance(call.args[0], ast.Constant), fn.__name__
    assert isinstance(call.func, ast.Attribute) and isinstance(call.args[0].value, str)
    return call.func.attr, call.args[0].value


# ---- one naming rule --------------------------------------------------------------------


def test_every_core_action_has_exactly_one_typed_method_named_by_the_rule() -> None:
    ops = set(World().manifest.ops)
    assert _public_methods() == {method_name(op) for op in ops}
    assert set(TYPED) == ops
    for op, fn in TYPED.items():
        assert fn.__name__ == op.replace(".", "_")
        assert getattr(Actions, fn.__name__) is fn
        assert fn.__doc__, f"{fn.__name__} has no docstring"


def test_each_method_runs_its_own_action_with_its_declared_result_kind() -> None:
    manifest = World().manifest
    helpers = {"RNone": "_act_none", "RInt": "_act_int", "RIds": "_act_ids", "RId": "_act_id"}
    for op, fn in TYPED.items():
        kind = result_kind(fn)
        assert kind in RESULT_LETTERS, f"{fn.__name__} -> {kind}"
        # The annotation agrees with the core's manifest, so it cannot drift from it...
        assert RESULT_LETTERS[kind] == manifest.ops[op].result, fn.__name__
        # ... and the body runs this action through the helper of that kind.
        assert _helper_call(fn) == (helpers[kind], op), fn.__name__
    assert {"token.create", "token.merge", "stack.remove_at", "agent.steal_token"} == ONE_ID


# ---- precise results --------------------------------------------------------------------


def test_world_results_have_the_declared_types(w: World) -> None:
    assert w.stack_create("deck") is None
    one = w.token_create("card", "A", "", To.stack("deck"))
    assert type(one) is int and one == 1
    make_stack(w, "more", 3)  # 2, 3, 4
    assert w.stack_draw("more", 2, To.stack("deck")) == [4, 3]
    assert w.stack_reset("more") == 3
    assert w.stack_remove_at("deck", 0) == 1
    merged = w.token_merge([1, 2], 5, To.stack("deck"))
    assert type(merged) is int and w.token(merged).merged_from == [1, 2]
    w.agent_create("a")
    w.agent_create("b")
    w.stack_draw("more", 1, To.agent("a"))
    assert w.agent_steal_token("a", "b", 7) == 4
    assert w.batch_find(To.stack("more"), label="nope") == []


def test_batch_results_are_what_the_world_returns(w: World) -> None:
    b = (
        Batch()
        .stack_create("deck")
        .token_create("card", "A", "", To.stack("deck"))
        .token_create("card", "K", "", To.stack("deck"))
        .stack_peek("deck", 2)
        .token_merge([1, 2], 3)
        .stack_create("other")
    )
    one_by_one = World()
    expected = [
        one_by_one.stack_create("deck"),
        one_by_one.token_create("card", "A", "", To.stack("deck")),
        one_by_one.token_create("card", "K", "", To.stack("deck")),
        one_by_one.stack_peek("deck", 2),
        one_by_one.token_merge([1, 2], 3),
        one_by_one.stack_create("other"),
    ]
    assert list(w.apply(b)) == expected == [None, 1, 2, [2, 1], 3, None]
    assert w.state_hash() == one_by_one.state_hash()


def test_a_subclass_overriding_act_sees_every_typed_call() -> None:
    # The typed methods reach the core through the class's own _act (benchmarks count
    # calls this way), whatever their result kind, and do() too.
    class Counting(World):
        calls = 0

        def _act(self, op: str, *args: Any) -> Any:
            self.calls += 1
            return super()._act(op, *args)

    w = Counting()
    w.stack_create("deck")
    assert w.token_create("card", to=To.stack("deck")) == 1
    assert w.stack_draw("deck") == [1]
    assert w.do("stack.reset", "deck") == 1
    assert w.calls == 4


# ---- do ---------------------------------------------------------------------------------


def test_do_takes_the_typed_methods_arguments_and_defaults(w: World) -> None:
    make_stack(w, "deck", 4)
    w.agent_create("ann")
    other = w.fork()
    assert w.do("stack.draw", "deck") == other.stack_draw("deck") == [4]  # count=1, to=None
    got = w.do("stack.draw", "deck", to=To.agent("ann"), count=2)
    assert got == other.stack_draw("deck", 2, To.agent("ann")) == [3, 2]
    assert w.do("space.create_zone", name="t") is None
    other.space_create_zone("t")
    w.do("token.move", 1, To.zone("t", x=2))
    other.token_move(1, To.zone("t", x=2))
    assert w.do("space.flip", 1) == other.space_flip(1) == 0  # mode="toggle"
    assert w.state_hash() == other.state_hash()


def test_do_runs_exactly_what_the_typed_method_runs() -> None:
    a = Batch().do("space.flip", 3).do("batch.draw", To.stack("deck"), 2, [To.agent("ann")])
    b = Batch().space_flip(3).batch_draw(To.stack("deck"), 2, [To.agent("ann")])
    assert a.encoded(1) == b.encoded(1)
    assert a.ops == b.ops == ("space.flip", "batch.draw")
    assert isinstance(a.do("stack.create", "x"), Batch)


def test_do_refuses_an_unknown_name_listing_what_there_is(w: World) -> None:
    with pytest.raises(
        UnknownActionError, match=r"the stack actions are stack\.create, stack\.draw"
    ):
        w.do("stack.drow")
    with pytest.raises(UnknownActionError, match=r"did you mean 'stack\.draw'"):
        w.do("stack_draw")  # the method's name, not the action's
    with pytest.raises(UnknownActionError, match="the families being stack, space, source"):
        Batch().do("deal")


# ---- the old names ----------------------------------------------------------------------


def test_the_old_names_are_exactly_the_renamed_ones() -> None:
    assert RENAMED == OLD_NAMES
    for old, new in RENAMED.items():
        alias = getattr(Actions, old)
        assert alias.__wrapped__ is getattr(Actions, new), old
        assert new in alias.__doc__


class _Recorder(Actions[Any, Any, Any, Any]):
    """Records the core calls the typed methods make, without encoding them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def _act(self, op: str, *args: Any) -> Any:
        self.calls.append((op, args))
        return self


def _arguments(fn: Any) -> list[Any]:
    """Plausible arguments for every required parameter of a typed method."""
    values = {"source": To.stack("deck"), "to": [To.agent("a")], "tokens": [1, 2]}
    params = list(inspect.signature(fn).parameters.values())[1:]
    return [
        values.get(p.name, f"<{p.name}>")
        for p in params
        if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD
    ]


@pytest.mark.parametrize("old", sorted(OLD_NAMES))
def test_each_old_name_warns_and_runs_its_new_method(old: str) -> None:
    new = OLD_NAMES[old]
    args = _arguments(getattr(Actions, new))
    before, after = _Recorder(), _Recorder()
    with pytest.warns(DeprecationWarning, match=rf"{old}\(\) is deprecated .* use {new}\(\)"):
        getattr(before, old)(*args)
    getattr(after, new)(*args)
    assert before.calls == after.calls
    assert [op for op, _ in after.calls] == [new.replace("_", ".", 1)]


def test_old_names_on_a_world_still_work(w: World) -> None:
    w.agent_create("ann")
    with pytest.warns(DeprecationWarning, match="agent_give_resource"):
        assert w.give("ann", "gold", 3) == 3
    with pytest.warns(DeprecationWarning, match="batch_draw"):
        make_stack(w, "deck", 2)
        assert w.deal("stack:deck", 1, ["agent:ann"]) == [2]


def test_the_game_property_warns_and_is_game_state(w: World) -> None:
    w.agent_create("ann")
    w.game_start(5)
    with pytest.warns(DeprecationWarning, match=r"game_state\(\)"):
        state = w.game
    assert state == w.game_state()
    assert state.start_time == 5 and state.active_agent == "ann"


# ---- one way to name a place ------------------------------------------------------------


def test_to_and_its_string_are_the_same_place_everywhere() -> None:
    places = [
        (To.stack("deck"), "stack:deck"),
        (To.discards("deck"), "discards:deck"),
        (To.zone("table"), "zone:table"),
        (To.agent("ann"), "agent:ann"),
        (To.source("shoe"), "source:shoe"),
        (To.tray("shoe"), "tray:shoe"),
    ]
    for obj, text in places:
        assert Batch().stack_draw("s", 1, obj).encoded(0) == Batch().stack_draw(
            "s", 1, text
        ).encoded(0)
        assert Batch().batch_filter(obj).encoded(0) == Batch().batch_filter(text).encoded(0)
        assert Batch().batch_collect([obj], "s").encoded(0) == (
            Batch().batch_collect([text], "s").encoded(0)
        )
        assert Batch().batch_draw(obj, 1, [obj]).encoded(0) == (
            Batch().batch_draw(text, 1, [text]).encoded(0)
        )
    assert Batch().batch_count(To.all()).encoded(0) == Batch().batch_count("all").encoded(0)


def test_batch_draw_deals_from_a_to(w: World) -> None:
    make_stack(w, "deck", 4)
    make_stack(w, "cards", 2)  # 5, 6
    w.agent_create("ann")
    w.agent_create("ben")
    hands = [To.agent("ann"), To.agent("ben")]
    assert w.batch_draw(To.stack("deck"), 2, hands) == [4, 3, 2, 1]
    w.source_create("shoe")
    w.source_add_stack("shoe", "cards")
    assert w.batch_draw(To.source("shoe"), 1, hands) == [6, 5]
    assert w.inventory("ann").tolist() == [4, 2, 6]
    assert w.batch_count(To.all(), kind="card") == 6
    assert w.batch_filter(To.agent("ben")) == [3, 1, 5]
