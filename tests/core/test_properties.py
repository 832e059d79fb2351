"""Property tests: random action sequences (many of them refused) over a small world.

- Nothing corrupts the world: ``check()`` passes after every step, and every refused action
  leaves ``state_hash`` unchanged.
- Snapshot/restore round-trips exactly, and continuing from a restored world gives the same
  results and hashes as continuing from the original.
- The fast (unchecked) call path and ``World(fast=False)`` agree on every result, error and hash.
- A batch equals its actions run one by one; a failing atomic batch changes nothing; a failing
  non-atomic batch keeps exactly the actions before the failure.

Hypothesis runs derandomized with no deadline, so the suite is deterministic.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypertoken.core import Batch, CoreError, World
from hypertoken.core.actions import Actions

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Step = tuple[str, tuple[Any, ...]]

stack = st.sampled_from(["a", "b", "c", "nope"])
zone = st.sampled_from(["z", "y", "nope"])
source = st.sampled_from(["s", "nope"])
agent = st.sampled_from(["p", "q", "nope"])
token = st.integers(0, 36)
tokens = st.lists(token, max_size=3)
count = st.integers(-1, 5)  # -1 is refused by the encoder, 0 by the core
seed = st.sampled_from([0, 1, 42, 2**31, 2**32 - 1])
amount = st.integers(-1, 8)
time = st.integers(-5, 60)
coord = st.sampled_from([0.0, 1.5, -2.0, 1e308])
label = st.sampled_from(["", "k", "j"])
resource = st.sampled_from(["", "gold", "wood"])
value = st.one_of(
    st.none(), st.integers(-3, 3), st.booleans(), st.sampled_from(["x", "y"]), st.just(0.5)
)
dest = st.one_of(
    st.none(),
    stack.map(lambda n: f"stack:{n}"),
    stack.map(lambda n: f"discards:{n}"),
    zone.map(lambda n: f"zone:{n}"),
    agent.map(lambda n: f"agent:{n}"),
    source.map(lambda n: f"source:{n}"),
    source.map(lambda n: f"tray:{n}"),
)
container = st.one_of(
    stack.map(lambda n: f"stack:{n}"),
    zone.map(lambda n: f"zone:{n}"),
    agent.map(lambda n: f"agent:{n}"),
    source.map(lambda n: f"tray:{n}"),
    st.just("all"),
)
where = st.sampled_from(
    [
        {},
        {"kind": "card"},
        {"group": "red"},
        {"merged": True},
        {"face_down": True},
        {"has_meta": "k"},
        {"attached": True},
    ]
)

ARGS: dict[str, st.SearchStrategy[tuple[Any, ...]]] = {
    "stack_create": st.tuples(st.sampled_from(["a", "d", ""])),
    "stack_draw": st.tuples(stack, count, dest),
    "stack_peek": st.tuples(stack, count),
    "stack_shuffle": st.tuples(stack, seed),
    "stack_burn": st.tuples(stack, count),
    "stack_reset": st.tuples(stack),
    "stack_cut": st.tuples(stack, count),
    "stack_insert_at": st.tuples(stack, count, token),
    "stack_remove_at": st.tuples(stack, count),
    "stack_swap": st.tuples(stack, count, count),
    "stack_reverse": st.tuples(stack),
    "stack_discard": st.tuples(stack, token),
    "space_create_zone": st.tuples(zone),
    "space_delete_zone": st.tuples(zone),
    "space_clear_zone": st.tuples(zone),
    "space_lock_zone": st.tuples(zone, st.booleans()),
    "space_place": st.tuples(zone, token, coord, coord, st.booleans()),
    "space_remove": st.tuples(token),
    "space_move": st.tuples(token, zone, coord, coord),
    "space_flip": st.tuples(token, st.sampled_from(["toggle", "up", "down"])),
    "space_shuffle_zone": st.tuples(zone, seed),
    "space_fan": st.tuples(zone, coord, coord, coord, coord),
    "space_spread": st.tuples(zone, coord, coord, coord, coord),
    "space_stack": st.tuples(zone, coord, coord),
    "space_transfer": st.tuples(zone, zone),
    "space_clear": st.just(()),
    "source_create": st.tuples(st.sampled_from(["s", "t"])),
    "source_draw": st.tuples(source, count, dest),
    "source_shuffle": st.tuples(source, seed),
    "source_burn": st.tuples(source, count),
    "source_add_stack": st.tuples(source, stack),
    "source_remove_stack": st.tuples(source, stack),
    "source_reset": st.tuples(source),
    "source_set_reshuffle_policy": st.tuples(source, count, st.sampled_from(["auto", "manual"])),
    "agent_create": st.tuples(agent),
    "agent_remove": st.tuples(agent),
    "agent_set_active": st.tuples(agent, st.booleans()),
    "agent_set_meta": st.tuples(agent, label, value),
    "agent_give_resource": st.tuples(agent, resource, amount),
    "agent_take_resource": st.tuples(agent, resource, amount),
    "agent_transfer_resource": st.tuples(agent, agent, resource, amount),
    "agent_steal_resource": st.tuples(agent, agent, resource, amount),
    "agent_add_token": st.tuples(agent, token),
    "agent_remove_token": st.tuples(agent, token),
    "agent_transfer_token": st.tuples(agent, agent, token),
    "agent_steal_token": st.tuples(agent, agent, seed),
    "agent_trade": st.tuples(agent, agent, tokens, tokens, resource, amount, resource, amount),
    "agent_draw_cards": st.tuples(agent, stack, count),
    "agent_discard_cards": st.tuples(agent, tokens, stack),
    "game_start": st.tuples(time),
    "game_end": st.tuples(time, st.sampled_from(["", "p"]), label),
    "game_pause": st.tuples(time),
    "game_resume": st.tuples(time),
    "game_next_phase": st.tuples(label),
    "game_set_phase": st.tuples(label),
    "game_set_property": st.tuples(label, value),
    "game_add_property": st.tuples(label, st.integers(-3, 3)),
    "game_next_turn": st.just(()),
    "game_set_max_turns": st.tuples(count),
    "game_set_active_agent": st.tuples(agent),
    "token_create": st.tuples(
        st.sampled_from(["card", "chip"]), label, st.sampled_from(["", "red"]), dest
    ),
    "token_set_meta": st.tuples(token, label, value),
    "token_transform": st.tuples(token, time, label, label, label),
    "token_attach": st.tuples(token, token, time, label),
    "token_detach": st.tuples(token, token),
    "token_merge": st.tuples(tokens, time, dest),
    "token_split": st.tuples(token, count, time, dest),
    "token_move": st.tuples(token, dest),
    "batch_shuffle": st.tuples(st.lists(stack, max_size=3), seed),
    "batch_draw": st.tuples(
        st.sampled_from(["stack:a", "stack:c", "source:s"]), count, st.lists(dest, max_size=3)
    ),
    "batch_filter": st.tuples(container, where),
    "batch_count": st.tuples(container, where),
    "batch_find": st.tuples(container, where),
    "batch_collect": st.tuples(st.lists(container, max_size=3), stack),
}

step: st.SearchStrategy[Step] = st.sampled_from(sorted(ARGS)).flatmap(
    lambda m: st.tuples(st.just(m), ARGS[m])
)
steps = st.lists(step, min_size=5, max_size=60)


def _call(target: Any, s: Step) -> Any:
    name, args = s
    if name in ("batch_filter", "batch_count", "batch_find"):
        container, cond = args
        return getattr(target, name)(container, **cond)
    return getattr(target, name)(*args)


def setup() -> World:
    """A small world with something everywhere, built in one batch."""
    w = World()
    b = Batch()
    for name, n in (("a", 8), ("b", 3), ("c", 6)):
        b.stack_create(name)
        for i in range(n):
            b.token_create(
                "card" if i % 3 else "chip", str(i), "red" if i % 2 else "", f"stack:{name}"
            )
    b.space_create_zone("z").space_create_zone("y")
    b.token_create("card", "k", "", "zone:z").token_create("card", "j", "", "zone:z")
    b.source_create("s").source_add_stack("s", "c")
    b.agent_create("p").agent_create("q")
    b.agent_give_resource("p", "gold", 5).agent_give_resource("q", "wood", 2)
    b.token_create("chip", "", "", "agent:p").token_set_meta(1, "k", 1)  # 20
    for _ in range(3):
        b.token_create("gem", "", "red")  # 21-23, loose
    b.token_create("card", "", "", "agent:q").token_create("card", "", "", "agent:q")  # 24, 25
    b.token_create("ring").token_attach(21, 26, 0, "worn")  # 26 on 21
    w.apply(b)
    return w


def run(w: World, s: Step) -> tuple[str, Any]:
    """Run one step; ("ok", result) or ("err", "<class>: <message>")."""
    try:
        return ("ok", _call(w, s))
    except CoreError as e:
        return ("err", f"{type(e).__name__}: {e}")


def test_the_strategies_reach_every_action_of_the_core() -> None:
    # Each typed method runs exactly one core action, named in its body.
    reached = set()
    for name in ARGS:
        found = re.findall(r'_act_\w+\(\s*"([a-z_.]+)"', inspect.getsource(getattr(Actions, name)))
        assert len(found) == 1, name
        reached.add(found[0])
    assert reached == set(World().manifest.ops)


@SETTINGS
@given(steps)
def test_random_actions_never_corrupt_the_world(seq: list[Step]) -> None:
    w = setup()
    for s in seq:
        before = w.state_hash()
        kind, _ = run(w, s)
        if kind == "err":
            assert w.state_hash() == before, f"refused {s} changed the world"
        w.check()


@SETTINGS
@given(steps, steps)
def test_snapshot_restore_round_trips(prefix: list[Step], rest: list[Step]) -> None:
    w = setup()
    for s in prefix:
        run(w, s)
    snap = w.snapshot()
    at_snap = w.state_hash()
    original = [(run(w, s), w.state_hash()) for s in rest]

    other = World()
    other.restore(snap)
    assert other.state_hash() == at_snap
    other.check()
    assert [(run(other, s), other.state_hash()) for s in rest] == original

    w.restore(snap, verify=True)  # back in time, in place
    assert w.state_hash() == at_snap
    assert [(run(w, s), w.state_hash()) for s in rest] == original


@SETTINGS
@given(steps)
def test_fast_and_public_call_paths_agree(seq: list[Step]) -> None:
    fast = setup()
    slow = World(fast=False)
    slow.restore(fast.snapshot())
    for s in seq:
        assert run(fast, s) == run(slow, s)
        assert fast.state_hash() == slow.state_hash()


def _batch_of(seq: list[Step]) -> tuple[Batch, list[Step]]:
    """The steps as a batch; steps the encoder refuses are dropped (they never reach the
    core, so they cannot be part of a batch)."""
    b = Batch()
    kept = []
    for s in seq:
        try:
            _call(b, s)
        except CoreError:
            continue
        kept.append(s)
    return b, kept


@SETTINGS
@given(steps)
def test_a_batch_equals_its_actions_one_by_one(seq: list[Step]) -> None:
    w = setup()
    b, kept = _batch_of(seq)
    one_by_one = w.fork()
    results = []
    first_failure = None
    for i, s in enumerate(kept):
        kind, value = run(one_by_one, s)
        if kind == "err":
            first_failure = i
            break
        results.append(value)

    before = w.state_hash()
    if first_failure is None:
        assert list(w.apply(b)) == results
        assert w.state_hash() == one_by_one.state_hash()
    else:
        with pytest.raises(CoreError) as info:
            w.apply(b)
        assert info.value.index == first_failure
        assert w.state_hash() == before  # atomic: nothing changed
        w.check()
        # Non-atomic: exactly the actions before the failure stay applied.
        with pytest.raises(CoreError) as info:
            w.apply(b, atomic=False)
        assert info.value.index == first_failure
        assert w.state_hash() == one_by_one.state_hash()
    w.check()


@SETTINGS
@given(steps)
def test_a_failing_atomic_batch_changes_nothing(seq: list[Step]) -> None:
    w = setup()
    b, _ = _batch_of(seq)
    b.stack_draw("a", 1000)  # always refused, after everything else ran
    before = w.state_hash()
    with pytest.raises(CoreError):
        w.apply(b)
    assert w.state_hash() == before
    w.check()
