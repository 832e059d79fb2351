//! The table state's turns, shared by the World's kernel (`kernel.zig`) and the training
//! tables (`tables_rules.zig`): the module functions of `games/blackjack/table.py` that
//! read and write only the packed table state `s` (`kernel_state.zig`).

const state = @import("kernel_state.zig");

const TableState = state.table_state;
const Phase = state.Phase;

/// The state where `seat` decides on `hand`, in the same deal as `s` (its hand-wide
/// fields kept; the seat's first hand, the move's report clear).
pub fn turn(s: u64, seat: u32, hand: u64, phase: Phase) u64 {
    var out = TableState.hand_wide.of(s);
    out = TableState.phase.set(out, phase);
    out = TableState.seat.set(out, seat);
    return TableState.hand.set(out, hand);
}

/// The state where the seat to move in `s` decides on `hand` (its hand `current`).
pub fn playOn(s: u64, hand: u64, current: u64) u64 {
    const out = TableState.hand.set(TableState.per_move.clear(s), hand);
    return TableState.current.set(out, current);
}

pub fn seatOf(s: u64) u32 {
    return @intCast(TableState.seat.get(s));
}

pub fn currentOf(s: u64) u32 {
    return @intCast(TableState.current.get(s));
}

pub fn splitsOf(s: u64) u32 {
    return @intCast(TableState.splits.get(s));
}

/// Whether seat `seat` plays the hand of state `s`.
pub fn playing(s: u64, seat: u32) bool {
    return bit(TableState.seats_in.get(s), seat);
}

pub fn bit(x: anytype, i: u32) bool {
    return (x >> @intCast(i)) & 1 != 0;
}

/// The new table state `s` with what the move reports about itself: `hand_over` when it
/// settled a hand; `low` measured afresh (`left`: the cards left in the shoe) when it
/// looked at the shoe (`touched`), else kept from the state before it, `old`.
pub fn reported(s_in: u64, old: u64, hand_over: bool, touched: bool, left: usize) u64 {
    var s = s_in;
    if (hand_over) s = TableState.hand_over.set(s, 1);
    if (touched) return TableState.low.set(s, if (left < 2) 1 else 0);
    return TableState.low.set(s, TableState.low.get(old));
}
