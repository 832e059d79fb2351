//! The betting and settlement rules of `games.holdem`, on a `Table` (`kernel_table.zig`):
//! `games/holdem/rules.py` (the specification) in Zig, function for function.
//!
//! Everything here plans: it reads the World (properties, the deck's order) and changes the
//! `Table` in place. The only action it runs itself is a new hand's reshuffle (`newDeck`),
//! applied at once as `WorldDealer.new_deck` applies it; `kernel.zig` writes the rest of the
//! move (the changed properties, then the burn of the cards dealt) in one batch. The table's
//! declarations are re-exported here for the kernel's other files.

const std = @import("std");
const core = @import("core");
const k = core.kernel;
const ev = @import("kernel_eval.zig");
const tbl = @import("kernel_table.zig");

pub const MAX_SEATS = tbl.MAX_SEATS;
pub const IN = tbl.IN;
pub const FOLDED = tbl.FOLDED;
pub const ALL_IN = tbl.ALL_IN;
pub const ACTED = tbl.ACTED;
pub const PREFLOP = tbl.PREFLOP;
pub const RIVER = tbl.RIVER;
pub const SHOWDOWN = tbl.SHOWDOWN;
pub const COMPLETE = tbl.COMPLETE;
pub const HAND_OVER = tbl.HAND_OVER;
pub const FOLD = tbl.FOLD;
pub const CHECK = tbl.CHECK;
pub const CALL = tbl.CALL;
pub const Table = tbl.Table;
pub const Stakes = tbl.Stakes;
pub const Dealer = tbl.Dealer;
pub const Cards = tbl.Cards;
pub const pen_key = tbl.pen_key;

// ---- the deal -------------------------------------------------------------------------

/// Deal a hand with `button` on the button (`start_hand`).
pub fn startHand(t: *Table, s: *const Stakes, d: *Dealer, button: i64) void {
    t.hand += 1;
    t.button = button;
    t.street = PREFLOP;
    t.board = .{};
    for (0..t.n) |i| {
        t.sbet[i] = 0;
        t.total[i] = 0;
        t.status[i] = if (t.stack[i] > 0) IN else 0;
        t.hole[i] = .{};
    }
    var seated: [MAX_SEATS]usize = undefined;
    var ns: usize = 0;
    for (1..t.n + 1) |j| {
        const i = t.seat(button, @intCast(j));
        if (t.status[i] & IN != 0) {
            seated[ns] = i;
            ns += 1;
        }
    }
    var sb_seat: usize = seated[0];
    var bb_seat: usize = seated[1];
    if (ns == 2) { // heads-up: the button posts the small blind
        sb_seat = @intCast(button);
        bb_seat = if (seated[0] != sb_seat) seated[0] else seated[1];
    }
    put(t, sb_seat, @min(s.small_blind, t.stack[sb_seat]));
    put(t, bb_seat, @min(s.big_blind, t.stack[bb_seat]));
    t.bet = s.big_blind;
    t.minr = s.big_blind;
    for (0..2) |_| {
        for (seated[0..ns]) |i| t.hole[i].push(d.deal());
    }
    t.actor = @intCast(bb_seat);
}

/// Seat i moves `chips` from its stack into its bet (`_put`).
fn put(t: *Table, i: usize, chips: i64) void {
    t.stack[i] -= chips;
    t.sbet[i] += chips;
    t.total[i] += chips;
    if (t.stack[i] == 0 and t.status[i] & IN != 0) t.status[i] |= ALL_IN;
}

// ---- what the seat to act may do -------------------------------------------------------

/// Whether seat i may bet or raise (`may_raise`).
pub fn mayRaise(t: *const Table, i: usize) bool {
    if (t.stack[i] <= t.toCall(i)) return false;
    if (t.status[i] & ACTED != 0 and t.bet - t.sbet[i] < t.minr) return false;
    for (0..t.n) |j| {
        if (j != i and t.canAct(j)) return true;
    }
    return false;
}

/// The legal actions of seat i as bits of action ids (`legal_bits`).
pub fn legalBits(t: *const Table, s: *const Stakes, i: i64) u32 {
    if (i != t.actor or i < 0) return 0;
    const u: usize = @intCast(i);
    var bits: u32 = if (t.toCall(u) == 0) 1 << CHECK else (1 << FOLD) | (1 << CALL);
    if (mayRaise(t, u)) bits |= ((@as(u32, 1) << @intCast(s.num_actions)) - 1) & ~@as(u32, 0b111);
    return bits;
}

/// Seat i's street bet after raise action `a` (`raise_to`; the last action is All-in).
pub fn raiseTo(t: *const Table, s: *const Stakes, i: usize, a: u32) i64 {
    const cap = t.sbet[i] + t.stack[i];
    if (a + 1 == s.num_actions) return cap;
    const base = t.pot() + t.toCall(i);
    const target = t.bet + @divFloor(s.num[a - 3] * base, s.den[a - 3]);
    return @min(@max(target, t.bet + t.minr), cap);
}

// ---- playing an action -----------------------------------------------------------------

/// Seat `t.actor` plays the legal `action`, then the hand moves on (`act`). False when
/// the rules met a state they cannot settle (the host's rules then raise as well).
pub fn act(t: *Table, s: *const Stakes, d: *Dealer, action: u32, seed: u32) bool {
    const i: usize = @intCast(t.actor);
    if (action == FOLD) {
        t.status[i] |= FOLDED;
    } else if (action == CALL) {
        put(t, i, @min(t.toCall(i), t.stack[i]));
    } else if (action != CHECK) {
        const target = raiseTo(t, s, i, action);
        put(t, i, target - t.sbet[i]);
        if (target > t.bet) {
            if (target - t.bet >= t.minr) t.minr = target - t.bet;
            t.bet = target;
        }
    }
    t.status[i] |= ACTED;
    return advance(t, s, d, seed);
}

/// The first seat after `t.actor` that must act, or -1 when the street's betting is over
/// (`_next_actor`).
fn nextActor(t: *const Table) i64 {
    var able: usize = 0;
    var one: usize = 0;
    for (0..t.n) |j| {
        if (t.canAct(j)) {
            able += 1;
            one = j;
        }
    }
    if (able == 0) return -1;
    if (able == 1) {
        var others: i64 = 0;
        for (0..t.n) |j| {
            if (j != one) others = @max(others, t.sbet[j]);
        }
        if (t.sbet[one] >= others) return -1;
    }
    for (1..t.n + 1) |j| {
        const x = t.seat(t.actor, @intCast(j));
        if (t.canAct(x) and (t.status[x] & ACTED == 0 or t.sbet[x] < t.bet)) return @intCast(x);
    }
    return -1;
}

/// Move the game on until a seat must act or the game is over (`advance`).
pub fn advance(t: *Table, s: *const Stakes, d: *Dealer, seed: u32) bool {
    while (true) {
        var nlive: usize = 0;
        var last: usize = 0;
        for (0..t.n) |j| {
            if (t.live(j)) {
                nlive += 1;
                last = j;
            }
        }
        if (nlive == 1) { // every other seat folded
            returnUncalled(t);
            var won: [MAX_SEATS]i64 = @splat(0);
            won[last] = t.pot();
            settle(t, &won, COMPLETE);
        } else {
            const nxt = nextActor(t);
            if (nxt >= 0) {
                t.actor = nxt;
                return true;
            }
            returnUncalled(t);
            if (t.street == RIVER) {
                if (!showdown(t)) return false;
            } else {
                nextStreet(t, s, d);
                continue;
            }
        }
        // The hand is settled: deal the next one, or the game is over.
        var seated: usize = 0;
        for (0..t.n) |j| {
            if (t.stack[j] > 0) seated += 1;
        }
        if (t.hand >= s.hands or seated < 2) {
            t.actor = -1;
            return true;
        }
        var button: i64 = -1;
        for (1..t.n + 1) |j| {
            const x = t.seat(t.button, @intCast(j));
            if (t.stack[x] > 0) {
                button = @intCast(x);
                break;
            }
        }
        const mixed: u64 = @as(u64, seed) ^ (@as(u64, @bitCast(t.hand)) *% 0x9E3779B1);
        d.newDeck(@truncate(mixed));
        startHand(t, s, d, button);
    }
}

/// Burn a card and turn the flop, the turn or the river (`_next_street`).
fn nextStreet(t: *Table, s: *const Stakes, d: *Dealer) void {
    t.street += 1;
    _ = d.deal(); // the first card off the deck is burnt
    const cards: u32 = if (t.street == 1) 3 else 1;
    for (0..cards) |_| t.board.push(d.deal());
    t.bet = 0;
    t.minr = s.big_blind;
    for (0..t.n) |j| {
        t.sbet[j] = 0;
        t.status[j] &= ~ACTED;
    }
    t.actor = t.button;
}

/// The part of the biggest bet no other seat matched goes back (`_return_uncalled`).
fn returnUncalled(t: *Table) void {
    var top: usize = 0;
    for (1..t.n) |j| {
        if (t.total[j] > t.total[top]) top = j;
    }
    var second: i64 = 0;
    for (0..t.n) |j| {
        if (j != top) second = @max(second, t.total[j]);
    }
    const excess = t.total[top] - second;
    if (excess > 0) {
        t.total[top] -= excess;
        t.sbet[top] = @max(0, t.sbet[top] - excess);
        t.stack[top] += excess;
        t.status[top] &= ~ALL_IN;
    }
}

/// A pot: its chips and the seats eligible for it (bits).
pub const Pot = struct { chips: i64, eligible: u32 };

/// The main pot and the side pots, lowest first (`pots`); returns how many.
pub fn pots(t: *const Table, out: *[MAX_SEATS + 1]Pot) usize {
    var live_bits: u32 = 0;
    var top: i64 = 0;
    for (0..t.n) |j| {
        if (t.live(j)) live_bits |= @as(u32, 1) << @intCast(j);
        top = @max(top, t.total[j]);
    }
    if (live_bits == 0) return 0;
    // The levels: every live all-in seat's total and the top one, ascending, distinct.
    var levels: [MAX_SEATS + 1]i64 = undefined;
    var nl: usize = 0;
    levels[nl] = top;
    nl += 1;
    for (0..t.n) |j| {
        if (t.live(j) and t.status[j] & ALL_IN != 0) {
            levels[nl] = t.total[j];
            nl += 1;
        }
    }
    std.mem.sort(i64, levels[0..nl], {}, std.sort.asc(i64));
    var np: usize = 0;
    var prev: i64 = 0;
    var li: usize = 0;
    while (li < nl) : (li += 1) {
        const level = levels[li];
        if (li > 0 and level == levels[li - 1]) continue;
        var chips: i64 = 0;
        var eligible: u32 = 0;
        for (0..t.n) |j| {
            const c = t.total[j];
            chips += @min(c, level) - @min(c, prev);
            if (live_bits >> @intCast(j) & 1 != 0 and c >= level) eligible |= @as(u32, 1) << @intCast(j);
        }
        if (np > 0 and out[np - 1].eligible == eligible) {
            out[np - 1].chips += chips;
        } else if (chips != 0) {
            out[np] = .{ .chips = chips, .eligible = eligible };
            np += 1;
        }
        prev = level;
    }
    var extra: i64 = 0;
    for (t.total[0..t.n]) |c| extra += @max(0, c - prev);
    if (extra != 0 and np > 0) out[np - 1].chips += extra;
    return np;
}

/// Each pot to the best eligible hand, ties split with odd chips from the first seat left
/// of the button (`_showdown`). False on a pot nobody may win (the host's rules raise).
fn showdown(t: *Table) bool {
    var score: [MAX_SEATS]u32 = @splat(0);
    for (0..t.n) |j| {
        if (!t.live(j)) continue;
        var hand: [7]u32 = undefined;
        hand[0] = t.hole[j].at(0);
        hand[1] = t.hole[j].at(1);
        for (0..5) |b| hand[2 + b] = t.board.at(@intCast(b));
        score[j] = ev.evaluate(&hand);
    }
    var ps: [MAX_SEATS + 1]Pot = undefined;
    const np = pots(t, &ps);
    var won: [MAX_SEATS]i64 = @splat(0);
    for (ps[0..np]) |p| {
        if (p.eligible == 0) return false;
        var best: u32 = 0;
        for (0..t.n) |j| {
            if (p.eligible >> @intCast(j) & 1 != 0) best = @max(best, score[j]);
        }
        var winners: [MAX_SEATS]usize = undefined;
        var nw: usize = 0;
        for (1..t.n + 1) |x| {
            const j = t.seat(t.button, @intCast(x));
            if (p.eligible >> @intCast(j) & 1 != 0 and score[j] == best) {
                winners[nw] = j;
                nw += 1;
            }
        }
        const w: i64 = @intCast(nw);
        const share = @divFloor(p.chips, w);
        const odd = @mod(p.chips, w);
        for (winners[0..nw], 0..) |j, r| {
            won[j] += share + @as(i64, if (@as(i64, @intCast(r)) < odd) 1 else 0);
        }
    }
    settle(t, &won, SHOWDOWN);
    return true;
}

/// Pay the pots (`_settle`).
fn settle(t: *Table, won: *const [MAX_SEATS]i64, street: i64) void {
    for (0..t.n) |j| {
        t.won[j] = won[j];
        t.stack[j] += won[j];
        t.sbet[j] = 0;
        t.total[j] = 0;
    }
    t.street = street;
    t.bet = 0;
    t.flags |= HAND_OVER;
}
