"""The receiver-side ``Reassembler`` against parts that do not fit together."""

from __future__ import annotations

import contextlib
import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypertoken.protocol import ErrorCode, ProtocolError, Reassembler, Relay, split_payload


def _part(
    data: bytes, *, part: int = 0, parts: int = 1, seq: int = 0, sender: str = "mallory"
) -> Relay:
    return Relay(room="r", data=data, seq=seq, part=part, parts=parts, sender=sender)


def _refused(joiner: Reassembler, message: Relay) -> str:
    with pytest.raises(ProtocolError) as info:
        joiner.feed(message)
    assert info.value.code is ErrorCode.BAD_MESSAGE and info.value.ref == "relay"
    return str(info.value)


def _consistent(joiner: Reassembler) -> None:
    """The bookkeeping matches what is held, and the bounds hold."""
    held = [c for p in joiner._pending.values() for c in p.chunks.values()]
    assert joiner._pending_bytes == sum(map(len, held)) <= joiner.max_pending_bytes
    assert joiner._pending_parts == len(held) <= joiner.max_pending_parts
    assert sum(s.nbytes for s in joiner._senders.values()) == joiner._pending_bytes
    assert {k for s in joiner._senders.values() for k in s.payloads} == set(joiner._pending)


def test_inconsistent_part_counts_raise_a_protocol_error_not_a_key_error() -> None:
    # The crash: two 1-byte messages with the same seq and different ``parts``.
    joiner = Reassembler()
    assert joiner.feed(_part(b"a", part=0, parts=2)) is None
    assert "disagrees" in _refused(joiner, _part(b"b", part=1, parts=3))
    assert not joiner._pending and joiner.dropped == 1
    _consistent(joiner)
    # ...and the other way round, and with a one-part message in between.
    assert joiner.feed(_part(b"a", part=2, parts=3, seq=1)) is None
    _refused(joiner, _part(b"b", part=0, parts=1, seq=1))
    _consistent(joiner)


def test_part_numbers_out_of_range_are_refused() -> None:
    joiner = Reassembler()
    _refused(joiner, _part(b"a", part=2, parts=2))
    _refused(joiner, _part(b"a", part=1, parts=1))
    _refused(joiner, _part(b"a", part=0, parts=2**32))  # can never be completed
    _consistent(joiner)


def test_part_sizes_must_agree() -> None:
    joiner = Reassembler()
    joiner.feed(_part(b"aaaa", part=0, parts=3))
    assert "part size" in _refused(joiner, _part(b"bb", part=1, parts=3))
    joiner.feed(_part(b"aa", part=2, parts=3, seq=1))  # the last part first
    assert "more than" in _refused(joiner, _part(b"b", part=0, parts=3, seq=1))
    _refused(joiner, _part(b"", part=0, parts=2, seq=2))  # empty parts
    _consistent(joiner)


def test_a_resent_part_is_ignored_unless_its_bytes_differ() -> None:
    joiner = Reassembler()
    joiner.feed(_part(b"ab", part=0, parts=2))
    assert joiner.feed(_part(b"ab", part=0, parts=2)) is None
    assert joiner.feed(_part(b"c", part=1, parts=2)) == b"abc"
    joiner.feed(_part(b"ab", part=0, parts=2, seq=1))
    assert "other bytes" in _refused(joiner, _part(b"xy", part=0, parts=2, seq=1))


def test_a_single_never_complete_payload_stays_under_the_cap() -> None:
    # The issue: one payload of many parts, never finished, grew to 167 MB against 64 MiB.
    cap = 1000
    joiner = Reassembler(max_pending_bytes=cap)
    # Declared as 1,000 parts of 100 bytes: it could never fit, so its first part is refused.
    assert "never be completed" in _refused(joiner, _part(b"x" * 100, part=0, parts=1000))
    # Declared small enough, but then sending more parts than declared is impossible, and a
    # payload of 10 parts of 100 bytes fits exactly.
    for index in range(9):
        assert joiner.feed(_part(b"x" * 100, part=index, parts=10, seq=1)) is None
        _consistent(joiner)
    assert joiner.feed(_part(b"x" * 100, part=9, parts=10, seq=1)) == b"x" * 1000
    # Whatever order and sizes a hostile sender uses, the data held never passes the cap.
    rng = random.Random(7)
    for _ in range(2000):
        parts = rng.randint(2, 40)
        message = _part(
            b"y" * rng.randint(1, 120),
            part=rng.randrange(parts),
            parts=parts,
            seq=rng.randrange(6),
            sender=rng.choice(["mallory", "trent"]),
        )
        with contextlib.suppress(ProtocolError):
            joiner.feed(message)
        _consistent(joiner)


def test_the_part_count_bound_holds_for_tiny_parts() -> None:
    joiner = Reassembler(max_pending_parts=50)
    for index in range(200):
        with contextlib.suppress(ProtocolError):
            joiner.feed(_part(b"z", part=index % 20, parts=20, seq=index // 20))
        _consistent(joiner)
    assert joiner._pending_parts <= 50


def test_a_flooding_sender_evicts_its_own_payloads_first() -> None:
    joiner = Reassembler(max_pending_bytes=10_000)
    honest = list(split_payload("r", b"h" * 3000, seq=5, max_message_bytes=4096))
    assert len(honest) == 2
    alice = [replace(p, sender="alice") for p in honest]
    assert joiner.feed(alice[0]) is None
    for seq in range(100):  # mallory holds far more than alice
        with contextlib.suppress(ProtocolError):
            joiner.feed(_part(b"m" * 1000, part=0, parts=5, seq=seq))
        _consistent(joiner)
    assert joiner.feed(alice[1]) == b"h" * 3000


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),  # part
            st.integers(1, 6),  # parts
            st.integers(0, 3),  # seq
            st.sampled_from(["a", "b", None]),  # sender
            st.sampled_from([None, "x"]),  # to
            st.binary(max_size=40),
        ),
        max_size=60,
    ),
    st.integers(1, 200),
    st.integers(1, 12),
)
def test_hostile_parts_only_ever_raise_protocol_errors(
    script: list[tuple[int, int, int, str | None, str | None, bytes]], cap: int, max_parts: int
) -> None:
    joiner = Reassembler(max_pending_bytes=cap, max_pending_parts=max_parts)
    for part, parts, seq, sender, to, data in script:
        message = Relay(room="r", data=data, to=to, seq=seq, part=part, parts=parts, sender=sender)
        try:
            whole = joiner.feed(message)
        except ProtocolError as exc:
            assert exc.code is ErrorCode.BAD_MESSAGE
        else:
            assert whole is None or len(whole) <= max(cap, len(data))
        _consistent(joiner)


def test_honest_payloads_reassemble_in_any_order() -> None:
    data = bytes(range(256)) * 300
    parts = list(split_payload("r", data, seq=3, max_message_bytes=4096))
    random.Random(1).shuffle(parts)
    joiner = Reassembler()
    results = [joiner.feed(p) for p in parts]
    assert results[-1] == data and results[:-1] == [None] * (len(parts) - 1)
    _consistent(joiner)
