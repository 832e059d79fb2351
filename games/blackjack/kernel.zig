//! The kernel of `games.blackjack`: every move planned and applied inside the WASM module.
//!
//! This is the game's Python planner (`games/blackjack_table.py` and `TableMove` in
//! `games/blackjack_move.py`) in Zig, function for function: a move reads the packed
//! table state `s`, the properties and the shoe, collects core actions and property
//! changes, and applies them in one batch (in several only when the shoe is reshuffled
//! or the discard pile comes back in, exactly where the Python planner applies its
//! parts). The Python planner stays the reference: `tests/games/test_blackjack_engine.py`
//! plays the same games through both and compares state hashes after every move.
//!
//! This file holds the table (its settings, the exports and the moves of `Table`);
//! `blackjack_rules.zig` the hand arithmetic and `blackjack_move.zig` the move being
//! planned, mirroring the Python modules. Bit layouts are those of
//! `games/blackjack_rules.py` (hand summaries) and `games/blackjack_table.py` (the table
//! state `s`).
//!
//! Exports (inputs little-endian in the command buffer):
//! - `bj_configure`: u32 seats, u32 h17, u32 cut, u32 hands per seat (splits + 1),
//!   i64 bet, i64 hands, i64 extra. Settings live in the instance (not in the world):
//!   the host configures each instance before its first move.
//! - `bj_move`: u32 action (0 Hit, 1 Stand, 2 Double, 3 Split, 4 Insurance), u32 seed
//!   (the move's shuffle seed), u64 ill (bits OR-ed into the new state: an unavailable
//!   action played as Stand). The host has checked the seat and that the action is
//!   available; it declines (changing nothing) only when unconfigured or the game is over.
//! - `bj_deal`: u32 0, u32 seed. Deal the first hand of a game (`Blackjack.setup`).

const std = @import("std");
const core = @import("core");
const k = core.kernel;
const rules = @import("kernel_rules.zig");
const Move = @import("kernel_move.zig").Move;

const rank = rules.rank;
const best = rules.best;
const isBust = rules.isBust;
const isNatural = rules.isNatural;
const add = rules.add;
const two = rules.two;
const dealerHits = rules.dealerHits;
const handReturn = rules.handReturn;
const VALUES = rules.VALUES;
const DOUBLED = rules.DOUBLED;
const SPLIT = rules.SPLIT;
const DONE = rules.DONE;
const SUMMARY_MASK = rules.SUMMARY_MASK;

comptime {
    _ = core;
}

// ---- the table state s (games/blackjack_table.py) -----------------------------------------

const PHASE_SHIFT = 18;
const INSURE: u64 = 1;
const OVER: u64 = 2;
const SEAT_SHIFT = 20;
const K_SHIFT = 23;
const NH_SHIFT = 25;
const UP_SHIFT = 27;
const RICH_SHIFT = 31;
pub const HAND_OVER: u64 = 1 << 37;
const ILL_SHIFT = 38;
const MOVER_SHIFT = 41;
pub const LOW: u64 = 1 << 44;
const IN_SHIFT = 45;
const PER_MOVE: u64 = HAND_OVER | (7 << ILL_SHIFT) | (7 << MOVER_SHIFT) | LOW;
const KEEP: u64 = (15 << UP_SHIFT) | (63 << RICH_SHIFT) | (63 << IN_SHIFT);
const R0_NH_SHIFT = 18;

const MAX_SEATS = 6;
const MAX_HANDS = 4;

fn names(comptime fmt: []const u8) [MAX_SEATS][]const u8 {
    var out: [MAX_SEATS][]const u8 = undefined;
    for (0..MAX_SEATS) |i| out[i] = std.fmt.comptimePrint(fmt, .{i});
    return out;
}

pub const bank_key = names("bank{d}");
pub const stake_key = names("stake{d}");
/// Hand summary keys by seat and hand.
const hand_key = blk: {
    var out: [MAX_SEATS][MAX_HANDS][]const u8 = undefined;
    for (0..MAX_SEATS) |i| {
        for (0..MAX_HANDS) |h| out[i][h] = std.fmt.comptimePrint("r{d}.{d}", .{ i, h });
    }
    break :blk out;
};
/// Hand zones by seat and hand.
const zone_name = blk: {
    var out: [MAX_SEATS][MAX_HANDS][]const u8 = undefined;
    for (0..MAX_SEATS) |i| {
        for (0..MAX_HANDS) |h| out[i][h] = std.fmt.comptimePrint("p{d}h{d}", .{ i, h });
    }
    break :blk out;
};

const Config = struct {
    n: u32 = 0,
    h17: bool = false,
    cut: u32 = 0,
    /// Hand zones per seat (splits + 1), for clearing the table.
    zones: u32 = 1,
    bet: i64 = 0,
    hands: i64 = 0,
    extra: i64 = 0,
};

var cfg: Config = .{};

/// Store the table's settings in this instance. Returns 0, or `declined` for settings
/// out of range (which leaves the kernel unconfigured).
export fn bj_configure() u32 {
    const n = k.arg(u32, 0);
    const zones = k.arg(u32, 12);
    if (n == 0 or n > MAX_SEATS or zones == 0 or zones > MAX_HANDS) {
        cfg = .{};
        return k.declined;
    }
    cfg = .{
        .n = n,
        .h17 = k.arg(u32, 4) != 0,
        .cut = k.arg(u32, 8),
        .zones = zones,
        .bet = k.arg(i64, 16),
        .hands = k.arg(i64, 24),
        .extra = k.arg(i64, 32),
    };
    return 0;
}

const HIT = 0;
const STAND = 1;
const DOUBLE = 2;
const SPLIT_ACTION = 3;
const INSURANCE = 4;

/// Play `action` for the seat to move (see the module comment).
export fn bj_move() u32 {
    const before = k.pages();
    const action = k.arg(u32, 0);
    const seed = k.arg(u32, 4);
    const ill = k.arg(u64, 8);
    if (cfg.n == 0 or action > INSURANCE) return k.declined;
    const s: u64 = @bitCast(k.propInt("s") orelse return k.declined);
    const phase = (s >> PHASE_SHIFT) & 3;
    if (phase == OVER) return k.declined;
    var m = Move{ .seed0 = seed };
    const s2 = if (phase == INSURE)
        insure(&m, s, action == INSURANCE)
    else switch (action) {
        HIT => hit(&m, s),
        STAND => handDone(&m, s, (s & SUMMARY_MASK) | DONE),
        DOUBLE => double(&m, s),
        SPLIT_ACTION => split(&m, s),
        else => return k.declined, // Insurance outside the insurance round
    };
    m.finish(s2 | ill, s);
    return k.finish(m.failed, before);
}

/// Deal the first hand (after setup shuffled the shoe): what `Blackjack.setup` does once
/// the shoe is shuffled. Input: u32 0, u32 seed (for a reshuffle should the shoe be short).
export fn bj_deal() u32 {
    const before = k.pages();
    if (cfg.n == 0) return k.declined;
    var m = Move{ .seed0 = k.arg(u32, 4) };
    m.finish(deal(&m, 0), 0);
    return k.finish(m.failed, before);
}

// ---- the table's moves (Table in games/blackjack_table.py) --------------------------------

fn seatOf(s: u64) u32 {
    return @intCast((s >> SEAT_SHIFT) & 7);
}

fn handOf(s: u64) u32 {
    return @intCast((s >> K_SHIFT) & 3);
}

fn handsOf(s: u64) u32 {
    return @intCast((s >> NH_SHIFT) & 3);
}

fn bit(x: anytype, i: u32) bool {
    return (x >> @intCast(i)) & 1 != 0;
}

/// Take a card.
fn hit(m: *Move, s: u64) u64 {
    const i = seatOf(s);
    const h = add(s & SUMMARY_MASK, rank(m.drawTo(zone_name[i][handOf(s)])));
    if (h & DONE != 0) return handDone(m, s, h);
    return (s & ~(SUMMARY_MASK | PER_MOVE)) | h;
}

/// Double the wager and take exactly one card.
fn double(m: *Move, s: u64) u64 {
    const i = seatOf(s);
    m.wager(i, cfg.bet);
    const h = add((s & SUMMARY_MASK) | DOUBLED, rank(m.drawTo(zone_name[i][handOf(s)])));
    return handDone(m, s, h | DONE);
}

/// Split the pair: the second card starts a new hand; each hand gets a card.
fn split(m: *Move, s_in: u64) u64 {
    var s = s_in;
    const i = seatOf(s);
    const hk = handOf(s);
    const new = handsOf(s) + 1; // the new hand's index = the old hand count
    const cards_here = k.zonePlacements(zone_name[i][hk]) orelse @panic("blackjack: no hand zone");
    const first = cards_here[0].token;
    const second = cards_here[1].token;
    const r = rank(first);
    m.wager(i, cfg.bet);
    _ = m.cmd.op("token.move").u(second).dest(.zone, zone_name[i][new], true);
    const done: u64 = if (r == 0) DONE else 0; // split aces take one card each and stand
    const ha = add(add(SPLIT, r), rank(m.drawTo(zone_name[i][hk]))) | done;
    const hb = add(add(SPLIT, r), rank(m.drawTo(zone_name[i][new]))) | done;
    m.setu(hand_key[i][new], hb);
    s = (s & ~(@as(u64, 3) << NH_SHIFT)) | (@as(u64, new) << NH_SHIFT);
    if (hk != 0) { // hand 0 is finished: its record keeps the hand count
        const r0 = m.propU(hand_key[i][0]);
        m.setu(hand_key[i][0], (r0 & ~(@as(u64, 3) << R0_NH_SHIFT)) | (@as(u64, new) << R0_NH_SHIFT));
    }
    if (ha & DONE != 0) return handDone(m, s, ha);
    return (s & ~(SUMMARY_MASK | PER_MOVE)) | ha;
}

/// Record the finished hand and move on: the seat's next hand, the next seat, or the
/// dealer.
fn handDone(m: *Move, s: u64, h: u64) u64 {
    const i = seatOf(s);
    const hk = handOf(s);
    const last = handsOf(s);
    m.setu(hand_key[i][hk], h | (if (hk == 0) @as(u64, last) << R0_NH_SHIFT else 0));
    var k2 = hk + 1;
    while (k2 <= last) : (k2 += 1) {
        const h2 = m.propU(hand_key[i][k2]) & SUMMARY_MASK;
        if (h2 & DONE == 0) return (s & ~(SUMMARY_MASK | PER_MOVE | (@as(u64, 3) << K_SHIFT))) | (@as(u64, k2) << K_SHIFT) | h2;
    }
    const seats_in = (s >> IN_SHIFT) & 63;
    var j = i + 1;
    while (j < cfg.n) : (j += 1) { // the next seat with a hand to play
        if (!bit(seats_in, j)) continue;
        const h0 = m.propU(hand_key[j][0]) & SUMMARY_MASK;
        if (h0 & DONE == 0) return (s & KEEP) | (@as(u64, j) << SEAT_SHIFT) | h0;
    }
    return endOfPlay(m, s, @intCast(i), if (hk == last) h else null);
}

/// One seat's insurance decision; after the last one the dealer peeks.
fn insure(m: *Move, s: u64, take: bool) u64 {
    const i = seatOf(s);
    const half = @divExact(cfg.bet, 2);
    if (take) {
        m.wager(i, half);
        m.setp("ins", m.prop("ins") | (@as(i64, 1) << @intCast(i)));
    }
    const seats_in = (s >> IN_SHIFT) & 63;
    var j = i + 1;
    while (j < cfg.n) : (j += 1) {
        if (bit(seats_in, j)) return (s & KEEP) | (INSURE << PHASE_SHIFT) | (@as(u64, j) << SEAT_SHIFT) | (m.propU(hand_key[j][0]) & SUMMARY_MASK);
    }
    const dealer = k.zonePlacements("dealer") orelse @panic("blackjack: no dealer zone");
    const up = dealer[0].token;
    const hole = dealer[1].token;
    const ins = m.prop("ins");
    var table = Hands{};
    j = 0;
    while (j < cfg.n) : (j += 1) {
        if (bit(seats_in, j)) table.add(j, &.{m.propU(hand_key[j][0]) & SUMMARY_MASK});
    }
    if (VALUES[rank(hole)] == 10) { // ace up, ten in the hole: blackjack
        settle(m, &table, up, hole, true, ins);
        return deal(m, s & KEEP);
    }
    if (ins != 0) { // no blackjack: the insurance is lost
        for (table.seat[0..table.n]) |x| {
            if (bit(ins, x)) m.setp(stake_key[x], m.prop(stake_key[x]) - half);
        }
        m.setp("ins", 0);
    }
    for (table.seat[0..table.n]) |x| {
        const h0 = m.propU(hand_key[x][0]) & SUMMARY_MASK;
        if (h0 & DONE == 0) return (s & KEEP) | (@as(u64, x) << SEAT_SHIFT) | h0;
    }
    return endOfPlay(m, s, null, null);
}

/// The seats in a hand and their hands' summaries.
const Hands = struct {
    n: usize = 0,
    seat: [MAX_SEATS]u32 = undefined,
    count: [MAX_SEATS]usize = undefined,
    hands: [MAX_SEATS][MAX_HANDS]u64 = undefined,

    fn add(t: *Hands, seat: u32, hs: []const u64) void {
        t.seat[t.n] = seat;
        t.count[t.n] = hs.len;
        @memcpy(t.hands[t.n][0..hs.len], hs);
        t.n += 1;
    }
};

/// Every seat has played: the dealer plays, the hand settles, the next is dealt. `cur`
/// is the seat that just finished (its hand count is in `s`) and `h_last` its last
/// hand's summary, when known.
fn endOfPlay(m: *Move, s: u64, cur: ?u32, h_last: ?u64) u64 {
    const dealer = k.zonePlacements("dealer") orelse @panic("blackjack: no dealer zone");
    const up = dealer[0].token;
    const hole = dealer[1].token;
    const seats_in = (s >> IN_SHIFT) & 63;
    var table = Hands{};
    var j: u32 = 0;
    while (j < cfg.n) : (j += 1) {
        if (!bit(seats_in, j)) continue;
        var last: u32 = undefined;
        if (cur != null and cur.? == j) {
            last = handsOf(s);
            if (last == 0 and h_last != null) { // the common case: one hand, just played
                table.add(j, &.{h_last.?});
                continue;
            }
        } else last = @intCast((m.propU(hand_key[j][0]) >> R0_NH_SHIFT) & 3);
        var hs: [MAX_HANDS]u64 = undefined;
        for (0..last + 1) |hk| hs[hk] = m.propU(hand_key[j][hk]) & SUMMARY_MASK;
        table.add(j, hs[0 .. last + 1]);
    }
    settle(m, &table, up, hole, false, 0);
    return deal(m, s & KEEP);
}

/// Reveal the hole card, let the dealer draw (if a hand is still live) and pay the hands.
fn settle(m: *Move, table: *const Hands, up: u32, hole: u32, dealer_bj: bool, insured: i64) void {
    m.hole = hole; // turned up if the cards stay on the table (see deal)
    var d = two(rank(up), rank(hole));
    var live = false;
    for (0..table.n) |x| {
        for (table.hands[x][0..table.count[x]]) |h| {
            if (!isBust(h) and !isNatural(h)) live = true;
        }
    }
    if (!dealer_bj and live) {
        var n: u32 = 0; // cards drawn from the shoe as it is, in one command
        while (dealerHits(d, cfg.h17)) {
            var t: u32 = undefined;
            if (m.remaining() > 0) {
                t = m.nextCard();
                n += 1;
            } else { // the shoe is empty: apply what is planned, draw the slow way
                if (n > 0) {
                    _ = m.cmd.op("source.draw").s("shoe").u(n).dest(.zone, "dealer", true);
                    n = 0;
                }
                t = m.tryDraw("dealer") orelse break; // no card left anywhere: it stands
            }
            d = add(d & ~DONE, rank(t));
        }
        if (n > 0) _ = m.cmd.op("source.draw").s("shoe").u(n).dest(.zone, "dealer", true);
    }
    const total = best(d);
    const bet = cfg.bet;
    for (0..table.n) |x| {
        const seat = table.seat[x];
        var ret: i64 = 0;
        if (dealer_bj) {
            ret = if (isNatural(table.hands[x][0])) bet else 0;
            if (bit(insured, seat)) ret += 3 * @divExact(bet, 2);
        } else {
            for (table.hands[x][0..table.count[x]]) |h| ret += handReturn(h, bet, total);
        }
        m.setp(bank_key[seat], m.prop(bank_key[seat]) + ret);
        m.setp(stake_key[seat], 0);
    }
    if (insured != 0) m.setp("ins", 0);
    m.hand_over = true;
}

/// Deal the next hand and return the state of its first decision. Hands that need no
/// decision (the dealer peeks a blackjack, or every seat has one) settle at once and the
/// next is dealt. Returns the OVER state when the hands are played or nobody can bet.
fn deal(m: *Move, keep_in: u64) u64 {
    var keep = keep_in;
    const n = cfg.n;
    const bet = cfg.bet;
    while (true) {
        const number = m.prop("hand");
        var banks: [MAX_SEATS]i64 = undefined;
        var seats: [MAX_SEATS]u32 = undefined;
        var c: u32 = 0;
        var i: u32 = 0;
        while (i < n) : (i += 1) {
            banks[i] = m.prop(bank_key[i]);
            if (banks[i] >= bet) {
                seats[c] = i;
                c += 1;
            }
        }
        if (number >= cfg.hands or c == 0) {
            if (m.hole != 0) _ = m.cmd.op("space.flip").u(m.hole).u(1); // the last hand stays: show the hole card
            return (OVER << PHASE_SHIFT) | keep;
        }
        var clear = number > 0;
        if (m.remaining() < @max(cfg.cut, 2 * c + 2)) {
            if (clear) collect(m);
            clear = false;
            m.reshuffle();
        }
        m.setp("hand", number + 1);
        if (clear) collect(m);
        for ([_]bool{ true, false }) |face_up| {
            _ = m.cmd.op("batch.draw").u(5).s("shoe").u(1).u(c + 1);
            for (seats[0..c]) |x| _ = m.cmd.dest(.zone, zone_name[x][0], true);
            _ = m.cmd.dest(.zone, "dealer", face_up);
        }
        // Deal order: one card to each seat, the upcard, one more each, the hole card.
        var toks: [2 * MAX_SEATS + 2]u32 = undefined;
        _ = m.remaining();
        for (toks[0 .. 2 * c + 2]) |*t| t.* = m.nextCard();
        var first: [MAX_SEATS]u64 = undefined;
        var rich: u64 = 0;
        var seats_in: u64 = 0;
        for (seats[0..c], 0..) |x, q| {
            const h = two(rank(toks[q]), rank(toks[q + c + 1]));
            first[q] = h;
            m.setu(hand_key[x][0], h);
            m.setp(bank_key[x], banks[x] - bet);
            m.setp(stake_key[x], bet);
            seats_in |= @as(u64, 1) << @intCast(x);
            if (banks[x] - bet >= cfg.extra) rich |= @as(u64, 1) << @intCast(x);
        }
        const up = rank(toks[c]);
        const hole = toks[2 * c + 1];
        const upv: u64 = if (up == 0) 11 else VALUES[up];
        keep = (upv << UP_SHIFT) | (rich << RICH_SHIFT) | (seats_in << IN_SHIFT);
        if (upv == 11) // ace up: the insurance round comes first
            return keep | (INSURE << PHASE_SHIFT) | (@as(u64, seats[0]) << SEAT_SHIFT) | first[0];
        const dealer_bj = upv == 10 and rank(hole) == 0;
        if (!dealer_bj) {
            for (0..c) |q| {
                if (first[q] & DONE == 0) return keep | (@as(u64, seats[q]) << SEAT_SHIFT) | first[q];
            }
        }
        var table = Hands{};
        for (seats[0..c], 0..) |x, q| table.add(x, &.{first[q]});
        settle(m, &table, toks[c], hole, dealer_bj, 0);
    }
}

/// Clear the table into the discard pile.
fn collect(m: *Move) void {
    _ = m.cmd.op("batch.collect").u(1 + cfg.n * cfg.zones).container(.zone, "dealer");
    var i: u32 = 0;
    while (i < cfg.n) : (i += 1) {
        var h: u32 = 0;
        while (h < cfg.zones) : (h += 1) _ = m.cmd.container(.zone, zone_name[i][h]);
    }
    _ = m.cmd.s("discard");
}
