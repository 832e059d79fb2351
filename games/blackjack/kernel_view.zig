//! What a seat sees, computed in the kernel: the available actions (`Table.mask` of
//! `games/blackjack/table.py`) and the observation (`observation` of
//! `games/blackjack/view.py`, the specification), written after a move into `out` for
//! the host to read straight from linear memory. Reads only.
//!
//! `out` (little-endian, at the address `bj_view_at` returns; a view is its first 64 bytes):
//! - 0: f32[7] the observation of the view seat;
//! - 28: u32 the bits of its available actions (0 when it is not to move);
//! - 32: i32 the seat to move (-1 once the game is over);
//! - 36: u32 the move's status (0 applied, 1 declined: the host plays it);
//! - 40: i64 the view seat's bankroll plus its chips on the table;
//! - 48: i64 its penalties;
//! - 56: u64 the table state `s`;
//! - 64..108: what `bj_begin` and `bj_derive` write (see kernel.zig);
//! - 112: i64 the view seat's chips on the table (its stake).

const core = @import("core");
const k = core.kernel;
const state = @import("kernel_state.zig");
const rules = @import("kernel_rules.zig");
const move = @import("kernel_move.zig");

const TableState = state.table_state;
const HandRecord = state.hand_record;
const Hand = state.hand;
const Phase = state.Phase;

pub const HIT_BIT: u32 = 1 << 0;
pub const STAND_BIT: u32 = 1 << 1;
pub const DOUBLE_BIT: u32 = 1 << 2;
pub const SPLIT_BIT: u32 = 1 << 3;
pub const INSURANCE_BIT: u32 = 1 << 4;

/// Property names of the penalties, by seat (`PENALTIES` in state.py).
const pen_key = blk: {
    var keys: [move.MAX_SEATS][]const u8 = undefined;
    for (0..move.MAX_SEATS) |i| keys[i] = @import("std").fmt.comptimePrint("pen{d}", .{i});
    break :blk keys;
};

pub var out: [128]u8 align(8) = @splat(0);

/// The table's settings the mask needs.
pub const Settings = struct {
    bet: i64,
    /// Splits allowed per seat.
    splits: u64,
};

fn prop(key: []const u8) i64 {
    return k.propInt(key) orelse 0;
}

/// The bits of the available actions of the seat to move in state `s` (not over), as
/// `Table.offers` then `Table.mask`.
pub fn mask(s: u64, t: Settings) u32 {
    const seat: u32 = @intCast(TableState.seat.get(s));
    const rich = (TableState.rich.get(s) >> @intCast(seat)) & 1 != 0;
    var bits: u32 = 0;
    var wagers: u32 = 0;
    var chips: i64 = t.bet;
    var count_cards = TableState.low.get(s) != 0;
    if (TableState.phase.get(s) == .INSURE) {
        count_cards = false;
        if (rich) {
            bits = STAND_BIT | INSURANCE_BIT;
        } else {
            bits = STAND_BIT;
            wagers = INSURANCE_BIT;
            chips = @divExact(t.bet, 2);
        }
    } else {
        bits = HIT_BIT | STAND_BIT;
        const h = TableState.hand.get(s);
        if (Hand.cards.get(h) == 2) {
            wagers = DOUBLE_BIT;
            if (Hand.pair.get(h) != 0 and TableState.splits.get(s) < t.splits) wagers |= SPLIT_BIT;
        }
        if (rich) {
            bits |= wagers;
            wagers = 0;
        }
    }
    if (wagers != 0 and prop(move.bank_key[seat]) >= chips) bits |= wagers;
    if (count_cards) {
        const shoe = if (k.sourceItems("shoe")) |x| x.len else 0;
        const left = shoe + (k.stackLen("discard") orelse 0);
        if (left < 2) bits &= ~SPLIT_BIT;
        if (left < 1) bits &= ~(HIT_BIT | DOUBLE_BIT);
    }
    return bits;
}

fn put(comptime T: type, at: usize, v: T) void {
    @import("std").mem.writeInt(T, out[at..][0..@sizeOf(T)], v, .little);
}

fn putF(at: usize, x: f64) void {
    const f: f32 = @floatCast(x);
    put(u32, at, @bitCast(f));
}

/// Write seat `i`'s view into `out`, with the move's `status`. `size`: the cards of a
/// full shoe (the deck ratio's divisor).
pub fn write(i: u32, size: u32, status: u32, t: Settings) void {
    const s: u64 = @bitCast(prop("s"));
    const over = TableState.phase.get(s) == .OVER;
    const seat: u32 = @intCast(TableState.seat.get(s));
    var h: u64 = 0;
    var bits: u32 = 0;
    if (!over and seat == i) {
        h = TableState.hand.get(s);
        bits = mask(s, t);
    } else if ((TableState.seats_in.get(s) >> @intCast(i)) & 1 != 0) {
        h = HandRecord.hand.get(@bitCast(prop(move.record_key[i][0])));
    }
    const shoe = if (k.sourceItems("shoe")) |x| x.len else 0;
    putF(0, @as(f64, @floatFromInt(rules.best(h))) / 30.0);
    putF(4, @as(f64, @floatFromInt(TableState.upcard.get(s))) / 11.0);
    putF(8, if (rules.isSoft(h)) 1.0 else 0.0);
    putF(12, @floatFromInt((bits >> 2) & 1));
    putF(16, @floatFromInt((bits >> 3) & 1));
    putF(20, @floatFromInt((bits >> 4) & 1));
    putF(24, @as(f64, @floatFromInt(shoe)) / @as(f64, @floatFromInt(size)));
    put(u32, 28, bits);
    put(i32, 32, if (over) -1 else @intCast(seat));
    put(u32, 36, status);
    put(i64, 40, prop(move.bank_key[i]) + prop(move.stake_key[i]));
    put(i64, 48, prop(pen_key[i]));
    put(u64, 56, s);
    put(i64, 112, prop(move.stake_key[i]));
}
