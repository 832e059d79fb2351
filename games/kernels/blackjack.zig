//! The kernel of `games.blackjack`: its commonest moves planned inside the WASM module.
//!
//! Random or basic-strategy play spends most moves on a few shapes: a Hit that leaves the
//! hand open, and a Stand, Double or Hit (bust or 21) that ends the hand of the last seat
//! to play, so that the dealer plays, the table settles and the next hand is dealt. This
//! kernel plans those moves from the packed table state `s`, the shoe and the dealer's
//! zone, and runs them as one batch of core actions: the same actions, in effect, as the
//! game's Python planner (`games/blackjack_table.py`) would run. It declines everything
//! unusual, having changed nothing: splits in play, the last hand of the game when the
//! shoe cannot deal the next, a reshuffle, a dealer who would need more cards than the
//! shoe holds. `tests/games/test_blackjack_kernel.py` compares the two by state hash.
//!
//! Bit layouts are those of `games/blackjack_rules.py` (hand summaries) and
//! `games/blackjack_table.py` (the table state `s`).
//!
//! Exports (inputs little-endian in the command buffer):
//! - `bj_configure`: u32 seats, u32 h17, u32 cut, u32 0, i64 bet, i64 hands, i64 extra.
//!   Settings live in the instance (not the world): the host configures each instance.
//! - `bj_move`: u32 action (0 Hit, 1 Stand, 2 Double), u32 0, u64 ill (bits OR-ed into
//!   the new state: an unavailable action played as Stand). The host has checked that
//!   the action is available to the seat to move, in the play phase.

const std = @import("std");
const core = @import("core");
const k = core.kernel;

comptime {
    _ = core;
}

// ---- hand summaries (games/blackjack_rules.py) ------------------------------------------

const HARD: u64 = 0x1F;
const ACE: u64 = 1 << 5;
const CARDS_SHIFT = 6;
const PAIR_SHIFT = 11;
const DOUBLED: u64 = 1 << 15;
const SPLIT: u64 = 1 << 16;
const DONE: u64 = 1 << 17;
const SUMMARY_MASK: u64 = (1 << 18) - 1;
const VALUES = [13]u64{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10 };

fn rank(token: u32) u32 {
    return (token - 1) % 13;
}

fn cards(h: u64) u64 {
    return (h >> CARDS_SHIFT) & 0x1F;
}

fn best(h: u64) u64 {
    const hard = h & HARD;
    return if (h & ACE != 0 and hard <= 11) hard + 10 else hard;
}

fn isSoft(h: u64) bool {
    return h & ACE != 0 and h & HARD <= 11;
}

fn isBust(h: u64) bool {
    return h & HARD > 21;
}

fn isNatural(h: u64) bool {
    return cards(h) == 2 and best(h) == 21 and h & SPLIT == 0;
}

/// The summary after a card of rank `r` joins hand `h`; 21 or more is done.
fn add(h: u64, r: u32) u64 {
    const n = cards(h) + 1;
    const hard = (h & HARD) + VALUES[r];
    const ace = if (h & ACE != 0 or r == 0) ACE else 0;
    const same = n == 1 or (n == 2 and ((h >> PAIR_SHIFT) & 0xF) == r + 1);
    const pair: u64 = if (same) r + 1 else 0;
    var out = (h & (DOUBLED | SPLIT | DONE)) | @min(hard, HARD) | ace | (n << CARDS_SHIFT);
    out |= pair << PAIR_SHIFT;
    const total = if (ace != 0 and hard <= 11) hard + 10 else hard;
    return if (total >= 21) out | DONE else out;
}

fn two(a: u32, b: u32) u64 {
    return add(add(0, a), b);
}

fn dealerHits(h: u64, h17: bool) bool {
    const total = best(h);
    return total < 17 or (total == 17 and h17 and isSoft(h));
}

/// Chips handed back for a settled hand when the dealer has no blackjack.
fn handReturn(h: u64, bet: i64, dealer_total: u64) i64 {
    const wager = if (h & DOUBLED != 0) 2 * bet else bet;
    if (isBust(h)) return 0;
    if (isNatural(h)) return bet + @divFloor(bet * 3, 2);
    const total = best(h);
    if (dealer_total > 21 or total > dealer_total) return 2 * wager;
    return if (total == dealer_total) wager else 0;
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
const HAND_OVER: u64 = 1 << 37;
const ILL_SHIFT = 38;
const MOVER_SHIFT = 41;
const LOW: u64 = 1 << 44;
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

const bank_key = names("bank{d}");
const stake_key = names("stake{d}");
const hand0_key = names("r{d}.0");
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

/// Play the seat to move's Hit, Stand or Double (see the module comment), or decline.
export fn bj_move() u32 {
    const before = k.pages();
    const action = k.arg(u32, 0);
    const ill = k.arg(u64, 8);
    if (cfg.n == 0) return k.declined;
    const s: u64 = @bitCast(k.propInt("s") orelse return k.declined);
    if ((s >> PHASE_SHIFT) & 3 != 0) return k.declined;
    const shoe = k.sourceItems("shoe") orelse return k.declined;
    const code = switch (action) {
        HIT => hit(s, ill, shoe),
        STAND => stand(s, ill, shoe),
        DOUBLE => double(s, ill, shoe),
        else => k.declined,
    };
    return k.finish(code, before);
}

fn hit(s: u64, ill: u64, shoe: []const u32) u32 {
    const top = shoe.len;
    if (top == 0) return k.declined; // the discard pile comes back in: the Python path
    const h = add(s & SUMMARY_MASK, rank(shoe[top - 1]));
    const i: u32 = @intCast((s >> SEAT_SHIFT) & 7);
    const hk: u32 = @intCast((s >> K_SHIFT) & 3);
    if (h & DONE != 0) {
        if ((s >> NH_SHIFT) & 3 != 0) return k.declined;
        return end(s, h, i, true, shoe, top - 1, 0, ill);
    }
    const s2 = (s & ~(SUMMARY_MASK | PER_MOVE)) | h | ill | (if (top - 1 < 2) LOW else 0);
    var c = k.Cmd{};
    _ = c.op("source.draw").s("shoe").u(1).dest(.zone, zone_name[i][hk], true);
    _ = c.op("game.set_property").s("s").int(@bitCast(s2));
    return c.run();
}

fn double(s: u64, ill: u64, shoe: []const u32) u32 {
    if ((s >> NH_SHIFT) & 3 != 0) return k.declined;
    const top = shoe.len;
    if (top == 0) return k.declined;
    const h = add((s & SUMMARY_MASK) | DOUBLED, rank(shoe[top - 1])) | DONE;
    const i: u32 = @intCast((s >> SEAT_SHIFT) & 7);
    return end(s, h, i, true, shoe, top - 1, cfg.bet, ill);
}

fn stand(s: u64, ill: u64, shoe: []const u32) u32 {
    if ((s >> NH_SHIFT) & 3 != 0) return k.declined;
    const i: u32 = @intCast((s >> SEAT_SHIFT) & 7);
    return end(s, (s & SUMMARY_MASK) | DONE, i, false, shoe, shoe.len, 0, ill);
}

/// Seat `i` finished its only hand with summary `h` (drawing the shoe's top card first
/// when `drew`; `top` is the shoe's size after that; `wager` is what this move adds to
/// the seat's stake). The turn passes to the next seat with a hand to play; if there is
/// none, the dealer plays, the hand settles and the next is dealt (hands that need no
/// decision settle as dealt), or the game ends; all in one batch: the seat's draw, the
/// dealer's draws, the deals (or the hole card turned up), then the properties.
fn end(s: u64, h: u64, i: u32, drew: bool, shoe: []const u32, top: usize, wager: i64, ill: u64) u32 {
    const n = cfg.n;
    const seats_in: u32 = @intCast((s >> IN_SHIFT) & 63);
    // The final hands of the seats in play.
    var finals: [MAX_SEATS]u64 = undefined;
    var in_play: u32 = 0;
    var live = !isBust(h) and !isNatural(h);
    var j: u32 = 0;
    while (j < n) : (j += 1) {
        if (seats_in >> @intCast(j) & 1 == 0) continue;
        in_play |= @as(u32, 1) << @intCast(j);
        if (j == i) {
            finals[j] = h;
            continue;
        }
        const r: u64 = @bitCast(k.propInt(hand0_key[j]) orelse return k.declined);
        if ((r >> R0_NH_SHIFT) & 3 != 0) return k.declined; // that seat split
        finals[j] = r & SUMMARY_MASK;
        if (j > i and finals[j] & DONE == 0) return passTurn(s, h, i, j, drew, top, wager, ill);
        if (!isBust(finals[j]) and !isNatural(finals[j])) live = true;
    }

    // The cards to come, top first: card(m) = shoe[top - 1 - m].
    const dealer = k.zonePlacements("dealer") orelse return k.declined;
    if (dealer.len != 2) return k.declined;
    var hole = dealer[1].token;
    var d = two(rank(dealer[0].token), rank(hole));
    var pos: usize = 0;
    if (live) {
        while (dealerHits(d, cfg.h17)) {
            if (pos >= top) return k.declined; // the discard pile would come back in
            d = add(d & ~DONE, rank(shoe[top - 1 - pos]));
            pos += 1;
        }
    }
    const drawn = pos;
    const number = k.propInt("hand") orelse return k.declined;
    var old: [MAX_SEATS]i64 = undefined;
    var banks: [MAX_SEATS]i64 = undefined;
    j = 0;
    while (j < n) : (j += 1) {
        old[j] = k.propInt(bank_key[j]) orelse return k.declined;
        banks[j] = old[j];
    }
    const total = best(d);
    j = 0;
    while (j < n) : (j += 1) {
        if (in_play >> @intCast(j) & 1 != 0) banks[j] += handReturn(finals[j], cfg.bet, total);
    }
    banks[i] -= wager;
    // Properties to write: hand summaries and stakes, by seat.
    var rval: [MAX_SEATS]?u64 = @splat(null);
    var stake: [MAX_SEATS]?i64 = @splat(null);
    rval[i] = h;
    j = 0;
    while (j < n) : (j += 1) {
        if (in_play >> @intCast(j) & 1 != 0) stake[j] = 0;
    }

    // Plan the deals first (nothing is written until the plan is complete).
    var deals: [8]u32 = undefined; // the seat bits of each deal
    var n_deals: usize = 0;
    var keep = s & KEEP;
    var dealt = number;
    var s2: u64 = 0;
    var over = false;
    while (true) {
        var seats: [MAX_SEATS]u32 = undefined;
        var c: usize = 0;
        j = 0;
        while (j < n) : (j += 1) {
            if (banks[j] >= cfg.bet) {
                seats[c] = j;
                c += 1;
            }
        }
        if (dealt >= cfg.hands or c == 0) { // the game is over: the hole card turns up
            s2 = (OVER << PHASE_SHIFT) | keep;
            over = true;
            break;
        }
        if (top - pos < @max(cfg.cut, 2 * c + 2)) return k.declined; // a reshuffle
        if (n_deals == deals.len) return k.declined; // a long run of settled deals
        dealt += 1;
        var bits: u32 = 0;
        for (seats[0..c]) |x| bits |= @as(u32, 1) << @intCast(x);
        deals[n_deals] = bits;
        n_deals += 1;
        // Deal order: one card to each seat, the upcard, one more each, the hole card.
        const card = struct {
            fn at(sh: []const u32, t: usize, p: usize, m: usize) u32 {
                return sh[t - 1 - p - m];
            }
        }.at;
        const up = rank(card(shoe, top, pos, c));
        hole = card(shoe, top, pos, 2 * c + 1);
        var first: [MAX_SEATS]u64 = undefined;
        for (0..c) |m| first[m] = two(rank(card(shoe, top, pos, m)), rank(card(shoe, top, pos, m + c + 1)));
        pos += 2 * c + 2;
        const upv: u64 = if (up == 0) 11 else VALUES[up];
        var rich: u64 = 0;
        for (seats[0..c], 0..) |x, m| {
            banks[x] -= cfg.bet;
            if (banks[x] >= cfg.extra) rich |= @as(u64, 1) << @intCast(x);
            rval[x] = first[m];
            stake[x] = cfg.bet;
        }
        keep = (upv << UP_SHIFT) | (rich << RICH_SHIFT) | (@as(u64, bits) << IN_SHIFT);
        if (upv == 11) { // ace up: the insurance round comes first
            s2 = keep | (INSURE << PHASE_SHIFT) | (@as(u64, seats[0]) << SEAT_SHIFT) | first[0];
            break;
        }
        const dealer_bj = upv == 10 and rank(hole) == 0;
        if (!dealer_bj) {
            var found: ?usize = null;
            for (0..c) |m| {
                if (first[m] & DONE == 0) {
                    found = m;
                    break;
                }
            }
            if (found) |m| {
                s2 = keep | (@as(u64, seats[m]) << SEAT_SHIFT) | first[m];
                break;
            }
        }
        for (seats[0..c], 0..) |x, m| { // settles as dealt (nobody can beat a natural)
            if (dealer_bj) {
                banks[x] += if (isNatural(first[m])) cfg.bet else 0;
            } else {
                banks[x] += handReturn(first[m], cfg.bet, 0);
            }
            stake[x] = 0;
        }
    }
    s2 |= HAND_OVER | ill | (if (top - pos < 2) LOW else 0);

    var cmd = k.Cmd{};
    if (drew) _ = cmd.op("source.draw").s("shoe").u(1).dest(.zone, zone_name[i][0], true);
    if (drawn > 0) _ = cmd.op("source.draw").s("shoe").u(@intCast(drawn)).dest(.zone, "dealer", true);
    for (deals[0..n_deals]) |bits| deal(&cmd, bits);
    if (over) _ = cmd.op("space.flip").u(hole).u(1);
    j = 0;
    while (j < n) : (j += 1) {
        if (rval[j]) |v| _ = cmd.op("game.set_property").s(hand0_key[j]).int(@bitCast(v));
    }
    j = 0;
    while (j < n) : (j += 1) {
        if (stake[j]) |v| _ = cmd.op("game.set_property").s(stake_key[j]).int(v);
    }
    j = 0;
    while (j < n) : (j += 1) {
        if (banks[j] != old[j]) _ = cmd.op("game.add_property").s(bank_key[j]).i(banks[j] - old[j]);
    }
    if (dealt != number) _ = cmd.op("game.add_property").s("hand").i(dealt - number);
    _ = cmd.op("game.set_property").s("s").int(@bitCast(s2));
    return cmd.run();
}

/// Seat `i`'s hand ended with summary `h` and seat `j` plays next: record the hand, the
/// wager, the draw, and the new state.
fn passTurn(s: u64, h: u64, i: u32, j: u32, drew: bool, top: usize, wager: i64, ill: u64) u32 {
    const low = if (drew) (if (top < 2) LOW else 0) else s & LOW;
    const h0: u64 = @bitCast(k.propInt(hand0_key[j]) orelse return k.declined);
    const s2 = (s & KEEP) | (@as(u64, j) << SEAT_SHIFT) | (h0 & SUMMARY_MASK) | ill | low;
    var cmd = k.Cmd{};
    if (drew) _ = cmd.op("source.draw").s("shoe").u(1).dest(.zone, zone_name[i][0], true);
    _ = cmd.op("game.set_property").s(hand0_key[i]).int(@bitCast(h));
    if (wager != 0) {
        _ = cmd.op("game.add_property").s(bank_key[i]).i(-wager);
        _ = cmd.op("game.add_property").s(stake_key[i]).i(wager);
    }
    _ = cmd.op("game.set_property").s("s").int(@bitCast(s2));
    return cmd.run();
}

/// Clear the table into the discard pile, then deal one card to each seat in `bits`,
/// the upcard, one more to each, and the hole card face down.
fn deal(cmd: *k.Cmd, bits: u32) void {
    _ = cmd.op("batch.collect").u(1 + cfg.n * cfg.zones).container(.zone, "dealer");
    var i: u32 = 0;
    while (i < cfg.n) : (i += 1) {
        var h: u32 = 0;
        while (h < cfg.zones) : (h += 1) _ = cmd.container(.zone, zone_name[i][h]);
    }
    _ = cmd.s("discard");
    var c: u32 = 0;
    i = 0;
    while (i < cfg.n) : (i += 1) c += bits >> @intCast(i) & 1;
    for ([_]bool{ true, false }) |face_up| {
        _ = cmd.op("batch.draw").u(5).s("shoe").u(1).u(c + 1);
        i = 0;
        while (i < cfg.n) : (i += 1) {
            if (bits >> @intCast(i) & 1 != 0) _ = cmd.dest(.zone, zone_name[i][0], true);
        }
        _ = cmd.dest(.zone, "dealer", face_up);
    }
}
