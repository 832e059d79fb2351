//! What a seat sees in `games.hanabi`, computed in the kernel: the legal mask
//! (`Rules.mask` of `games/hanabi/rules.py`) and the observation (`observation` of
//! `games/hanabi/view.py`, the specification, whose layout the game's docstring
//! documents), written into `out` for the host to read straight from linear memory.
//! Reads only: the World is not changed.
//!
//! `out` (little-endian, at the address `hb_view_at` returns):
//! - 0: u64 the table state `s`;
//! - 8: u8[48] the view seat's legal mask, one byte (0 or 1) per action (all 0 when it is
//!   not to move or the game is over);
//! - 64: f32[size] the view seat's observation (size 397, 589, 652 or 806 by player count).

const std = @import("std");
const rules = @import("kernel_rules.zig");
const state = @import("kernel_state.zig");

const TableBits = state.table_bits;
const HandBits = state.hand_bits;
const LastBits = state.last_bits;
const Layout = rules.Layout;
const Hand = rules.Hand;

pub const MASK_AT = 8;
pub const OBS_AT = 64;
/// The largest observation (five players).
pub const MAX_OBS = 806;

pub var out: [OBS_AT + 4 * MAX_OBS]u8 align(8) = @splat(0);

/// Where each rank's copies start in a colour's 10 discard entries (`_RANK_START`).
const rank_start = [5]u32{ 0, 3, 5, 7, 9 };

/// The observation's section offsets for a layout (`ObservationLayout`).
const Offsets = struct {
    fireworks: u32,
    info: u32,
    lives: u32,
    deck: u32,
    discards: u32,
    kind: u32,
    mover: u32,
    target: u32,
    colour: u32,
    rank: u32,
    touched: u32,
    slot: u32,
    card: u32,
    success: u32,
    bonus: u32,
    knowledge: u32,
    size: u32,

    fn of(l: Layout) Offsets {
        var o: Offsets = undefined;
        o.fireworks = (l.n - 1) * l.h * 25;
        o.info = o.fireworks + 25;
        o.lives = o.info + 8;
        o.deck = o.lives + 3;
        o.discards = o.deck + 1;
        o.kind = o.discards + 50;
        o.mover = o.kind + 4;
        o.target = o.mover + l.n;
        o.colour = o.target + l.n;
        o.rank = o.colour + 5;
        o.touched = o.rank + 5;
        o.slot = o.touched + l.h;
        o.card = o.slot + l.h;
        o.success = o.card + 25;
        o.bonus = o.success + 1;
        o.knowledge = o.bonus + 1;
        o.size = o.knowledge + l.n * l.h * 13;
        return o;
    }
};

fn obs() []align(8) f32 {
    const p: [*]align(8) f32 = @ptrCast(&out[OBS_AT]);
    return p[0..MAX_OBS];
}

/// A field's value as an index.
fn ix(x: u64) u32 {
    return @intCast(x);
}

fn ones(v: []f32, at: u32, count: u64) void {
    for (0..@intCast(count)) |i| v[at + i] = 1.0;
}

/// Seat `me`'s legal actions in table state `s`, one byte each, into `mask`.
fn writeMask(l: Layout, s: u64, me: u32, mask: []u8) void {
    @memset(mask, 0);
    if (TableBits.over.get(s) != 0 or TableBits.seat.get(s) != me) return;
    const count: usize = @intCast(HandBits.count.get(rules.prop(rules.hand_key[me]) orelse 0));
    const info = TableBits.info.get(s);
    for (0..count) |j| {
        mask[l.h + j] = 1;
        if (info < rules.MAX_INFO) mask[j] = 1;
    }
    if (info == 0) return;
    for (1..l.n) |o| {
        const hand = Hand.unpack(rules.prop(rules.hand_key[(me + o) % l.n]) orelse 0);
        const colour_at = l.colour_base + 5 * (o - 1);
        const rank_at = l.rank_base + 5 * (o - 1);
        for (hand.tokens[0..hand.len]) |t| {
            const id = rules.card(t);
            mask[colour_at + id / 5] = 1;
            mask[rank_at + id % 5] = 1;
        }
    }
}

/// Seat `me`'s observation into `v` (as `observation` writes it).
fn writeObservation(l: Layout, s: u64, me: u32, v: []f32) void {
    const o = Offsets.of(l);
    @memset(v[0..o.size], 0.0);
    const n = l.n;
    for (1..n) |off| {
        const hand = Hand.unpack(rules.prop(rules.hand_key[(me + off) % n]) orelse 0);
        for (0..hand.len) |j| v[((off - 1) * l.h + j) * 25 + rules.card(hand.tokens[j])] = 1.0;
    }
    const fw = TableBits.fireworks.get(s);
    for (0..5) |c| ones(v, o.fireworks + 5 * @as(u32, @intCast(c)), (fw >> @intCast(3 * c)) & 7);
    ones(v, o.info, TableBits.info.get(s));
    ones(v, o.lives, TableBits.lives.get(s));
    const initial: f64 = @floatFromInt(50 - n * l.h);
    v[o.deck] = @floatCast(@as(f64, @floatFromInt(TableBits.deck.get(s))) / initial);
    const d = rules.prop("d") orelse 0;
    for (0..25) |id| {
        const count = (d >> @intCast(2 * id)) & 3;
        ones(v, o.discards + 10 * @as(u32, @intCast(id / 5)) + rank_start[id % 5], count);
    }
    const m = rules.prop("last") orelse 0;
    const kind: u32 = @intCast(LastBits.kind.get(m));
    if (kind != 0) {
        v[o.kind + kind - 1] = 1.0;
        v[o.mover + (ix(LastBits.mover.get(m)) + n - me) % n] = 1.0;
        if (kind == rules.HINT_COLOUR or kind == rules.HINT_RANK) {
            v[o.target + (ix(LastBits.target.get(m)) + n - me) % n] = 1.0;
            const at = if (kind == rules.HINT_COLOUR) o.colour else o.rank;
            v[at + ix(LastBits.value.get(m))] = 1.0;
            const touched = LastBits.touched.get(m);
            for (0..l.h) |j| {
                if ((touched >> @intCast(j)) & 1 != 0) v[o.touched + j] = 1.0;
            }
        } else {
            v[o.slot + ix(LastBits.slot.get(m))] = 1.0;
            v[o.card + ix(LastBits.card.get(m))] = 1.0;
            v[o.success] = @floatFromInt(LastBits.success.get(m));
            v[o.bonus] = @floatFromInt(LastBits.bonus.get(m));
        }
    }
    for (0..n) |off| {
        const seat = (me + off) % n;
        const count: usize = @intCast(HandBits.count.get(rules.prop(rules.hand_key[seat]) orelse 0));
        const know = rules.prop(rules.know_key[seat]) orelse 0;
        for (0..@min(count, l.h)) |j| {
            const slot = rules.slotOf(know, j);
            const at = o.knowledge + (@as(u32, @intCast(off)) * l.h + @as(u32, @intCast(j))) * 13;
            for (0..12) |b| v[at + b] = @floatFromInt((slot >> @intCast(b)) & 1);
            v[at + 12] = 1.0;
        }
    }
}

/// Write seat `me`'s view (table state, mask, observation) into `out`.
pub fn write(l: Layout, me: u32) void {
    const s = rules.prop("s") orelse 0;
    std.mem.writeInt(u64, out[0..8], s, .little);
    writeMask(l, s, me, out[MASK_AT..][0..l.num_actions]);
    writeObservation(l, s, me, obs());
}
