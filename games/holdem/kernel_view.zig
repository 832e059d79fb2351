//! What the seats of `games.holdem` see, computed in the kernel: the legal actions of the
//! seat to act (`legal_bits` of `games/holdem/rules.py`) and every seat's default
//! 20-entry observation (`observation` of `games/holdem/view.py`, the specification),
//! written after each kernel call into `out` for the host to read from linear memory
//! (`games/holdem/fast.py`). Reads only.
//!
//! `out` (little-endian, at the address `th_view_at` returns):
//! - 0: i32 the seat to act (-1 once the game is over);
//! - 4: u32 the bits of its legal actions;
//! - 8: i64 street; 16: i64 flags; 24: i64 report (the properties of those names);
//! - 32: per seat i (40 bytes each, ten seats): i64 chips behind, i64 bet on this
//!   street, i64 chips put in this hand, i64 penalties, i64 status bits;
//! - 432: f32[20] per seat: its observation (seats 0 .. n - 1).

const std = @import("std");
const core = @import("core");
const k = core.kernel;
const rules = @import("kernel_rules.zig");

const Table = rules.Table;
const Stakes = rules.Stakes;

pub const SEATS_AT = 32;
pub const SEAT_BYTES = 40;
pub const OBS_AT = SEATS_AT + SEAT_BYTES * rules.MAX_SEATS;
pub const OBS_SIZE = 20;

pub var out: [OBS_AT + 4 * OBS_SIZE * rules.MAX_SEATS]u8 align(8) = @splat(0);

fn put(comptime T: type, at: usize, v: T) void {
    std.mem.writeInt(T, out[at..][0..@sizeOf(T)], v, .little);
}

fn putF(at: usize, x: f64) void {
    const f: f32 = @floatCast(x);
    put(u32, at, @bitCast(f));
}

fn ratio(a: i64, b: i64) f64 {
    return @as(f64, @floatFromInt(a)) / @as(f64, @floatFromInt(b));
}

/// Cards as (rank, suit) pairs: rank `(r + 1) / 13`, suit `(s + 1) / 4` (`_cards_into`).
fn cardsInto(at: usize, c: rules.Cards) void {
    for (0..c.len) |j| {
        const card = c.at(@intCast(j));
        putF(at + 8 * j, @as(f64, @floatFromInt((card >> 2) + 1)) / 13.0);
        putF(at + 8 * j + 4, @as(f64, @floatFromInt((card & 3) + 1)) / 4.0);
    }
}

/// Seat i's 20 entries (`observation` without `rich`), at `at`.
fn observation(t: *const Table, s: *const Stakes, i: usize, at: usize) void {
    @memset(out[at..][0 .. 4 * OBS_SIZE], 0);
    const total = @as(i64, t.n) * s.starting_stack;
    cardsInto(at, t.hole[i]);
    cardsInto(at + 16, t.board);
    var stacks: i64 = 0;
    for (t.stack[0..t.n]) |x| stacks += x;
    putF(at + 56, ratio(t.pot(), total));
    putF(at + 60, ratio(t.stack[i], total));
    putF(at + 64, ratio(stacks - t.stack[i], total));
    putF(at + 68, ratio(if (t.live(i)) t.toCall(i) else 0, total));
    putF(at + 72, ratio(t.street, 5));
    putF(at + 76, if (t.button == @as(i64, @intCast(i))) 1.0 else 0.0);
}

/// Write the view of table `t` into `out`.
pub fn write(t: *const Table, s: *const Stakes) void {
    put(i32, 0, @intCast(t.actor));
    put(u32, 4, rules.legalBits(t, s, t.actor));
    put(i64, 8, t.street);
    put(i64, 16, t.flags);
    put(i64, 24, t.report);
    for (0..t.n) |i| {
        const at = SEATS_AT + SEAT_BYTES * i;
        put(i64, at, t.stack[i]);
        put(i64, at + 8, t.sbet[i]);
        put(i64, at + 16, t.total[i]);
        put(i64, at + 24, k.propInt(rules.pen_key[i]) orelse 0);
        put(i64, at + 32, t.status[i]);
        observation(t, s, i, OBS_AT + 4 * OBS_SIZE * i);
    }
}
