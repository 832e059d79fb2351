//! Blackjack tables for training: many one-hand episodes in one WASM instance, each table
//! a few hundred bytes (the shoe's ranks, the bankrolls, the hand records and the table
//! state `s`) instead of a World, stepped together by one call.
//!
//! The rules are the game's own: `Table` in `games/blackjack/table.py` (the
//! specification) for one hand per episode, as `kernel.zig` ports it onto the World. Every
//! table state `s`, bankroll, stake and hand record here equals the World's property of
//! the same name after the same moves, and the view written after each call equals what
//! `kernel_view.zig` writes; `tests/games/test_blackjack_tables.py` plays both and
//! compares them move by move. What a World holds besides (the card tokens in their
//! zones, the discard pile) follows from the seeds and the moves, which each table keeps:
//! the host replays them on a LocalEngine when someone asks for the World.
//!
//! Scope (checked by `bt_configure`): one hand per episode (`hands == 1`), so the shoe is
//! never reshuffled and the discard pile stays empty, and no `"penalty"` policy (its moves
//! are unbounded). Other settings stay on the World's kernel.
//!
//! Memory: `bt_layout` returns the address of a table of u32 words (`Layout`): where the
//! arguments go and where each per-table array is, structure of arrays, so the host reads
//! every output as one numpy view. `bt_configure` allocates them (growing memory once);
//! the addresses never move afterwards.
//!
//! Exports (arguments in `args`, u64 each):
//! - `bt_configure`: tables, seats, h17, splits, bet, bankroll, extra (the chips of every
//!   extra wager), decks, view seat, strict (policy "error"), history (moves kept per
//!   table), cut. 0, or 1 for settings out of scope or range, 2 when memory cannot grow,
//!   3 when already configured.
//! - `bt_begin`: every table whose `todo` is set starts the episode `nextSeed(first, k)`:
//!   the shoe shuffled with that episode's setup seed and the hand dealt, exactly as
//!   `LocalEngine.reset` with `Blackjack.setup`. `pending` is set when it ended in its
//!   setup; `done` is cleared.
//! - `bt_play`: every table whose `todo` is set plays `actions` for the seat to move
//!   (`Blackjack.apply`); `status`: 0 played, 1 refused (unavailable under "error"), 2 the
//!   episode is over, 3 the action is outside 0..4. `done` is set when it ends.
//! - `bt_step`: a vector step with next-step autoreset, for every table: a `done` one
//!   begins its next episode (`k` + 1; status 5), a `pending` one ends (status 6, `done`),
//!   any other plays its action (as `bt_play`).
//! After each, the outputs of every table it touched are written (`write`).

const std = @import("std");
const rng = @import("rng");
const state = @import("kernel_state.zig");
const rules = @import("kernel_rules.zig");
const seeds = @import("kernel_seed.zig");

const TableState = state.table_state;
const HandRecord = state.hand_record;
const Hand = state.hand;
const Phase = state.Phase;

const rank = rules.rank;
const best = rules.best;
const isBust = rules.isBust;
const isNatural = rules.isNatural;
const isDone = rules.isDone;
const finished = rules.finished;
const add = rules.add;
const handOf = rules.handOf;
const dealerHits = rules.dealerHits;
const handReturn = rules.handReturn;
const VALUES = rules.VALUES;

const MAX_SEATS = 6;
const MAX_HANDS = 4;
const MAX_CARDS = 8 * 52;

const HIT = 0;
const STAND = 1;
const DOUBLE = 2;
const SPLIT = 3;
const INSURANCE = 4;

const HIT_BIT: u32 = 1 << HIT;
const STAND_BIT: u32 = 1 << STAND;
const DOUBLE_BIT: u32 = 1 << DOUBLE;
const SPLIT_BIT: u32 = 1 << SPLIT;
const INSURANCE_BIT: u32 = 1 << INSURANCE;

/// Statuses of a table after a call (see the module comment).
const PLAYED: u8 = 0;
const REFUSED: u8 = 1;
const OVER: u8 = 2;
const OUT_OF_RANGE: u8 = 3;
const BEGAN: u8 = 5;
const ENDED: u8 = 6;
/// A move the mask allowed found no card, or the move history is full: a bug, reported.
const BROKEN: u8 = 9;

/// One table: what the World's properties of the game hold, and the shoe's ranks.
const Table = struct {
    /// The ranks (0 ace .. 12 king) left in the shoe, bottom first: the top is
    /// `shoe[left - 1]`. A card token `t` has rank `(t - 1) % 13`, and the shuffle only
    /// permutes, so shuffling ranks deals what shuffling the tokens deals.
    shoe: [MAX_CARDS]u8,
    left: u32,
    /// The shuffle runs lazily, from the top down, as cards are taken: positions from
    /// `fixed` up hold their shuffled cards (Fisher-Yates fixes position i at its step i,
    /// and the later steps touch only positions below), the rest await the steps of
    /// `deck_rng`, which deals exactly what shuffling the whole shoe first deals.
    fixed: u32,
    deck_rng: rng.Mulberry32,
    s: u64,
    /// Bit i: seat i took insurance this hand (the property `ins`).
    ins: u64,
    bank: [MAX_SEATS]i64,
    stake: [MAX_SEATS]i64,
    rec: [MAX_SEATS][MAX_HANDS]u64,
    /// The dealer's upcard and hole card (ranks).
    up: u32,
    hole: u32,
};

const Config = struct {
    tables: u32 = 0,
    n: u32 = 0,
    h17: bool = false,
    splits: u32 = 0,
    bet: i64 = 0,
    bankroll: i64 = 0,
    extra: i64 = 0,
    size: u32 = 0,
    view: u32 = 0,
    strict: bool = false,
    history: u32 = 0,
    cut: u32 = 0,
};

var cfg: Config = .{};

/// The arguments the host writes before a call.
var args: [16]u64 = @splat(0);

/// Where everything is, for the host (u32 words; the arrays' addresses once configured):
/// 0 args, 1 tables, 2 obs (f32 x 7 per table), 3 bits (u32), 4 total (f64: the view
/// seat's reward so far), 5 to_move (i32, -1 when over), 6 s (u64), 7 stake (i64), 8 bank
/// (i64), 9 status (u8), 10 actions (u8, in), 11 first (u64, in), 12 k (u64), 13 episode
/// (u64), 14 moves (u32), 15 history (u8 x `history` per table), 16 history per table,
/// 17 done (u8), 18 pending (u8), 19 todo (u8, in), 20 mask (u8 x 5 per table: the
/// bits as bytes).
var layout: [21]u32 = @splat(0);

var tables: []Table = &.{};
var obs: []f32 = &.{};
var bits_out: []u32 = &.{};
var total: []f64 = &.{};
var to_move: []i32 = &.{};
var s_out: []u64 = &.{};
var stake_out: []i64 = &.{};
var bank_out: []i64 = &.{};
var status: []u8 = &.{};
var actions: []u8 = &.{};
var first: []u64 = &.{};
var kth: []u64 = &.{};
var episode: []u64 = &.{};
var moves: []u32 = &.{};
var history: []u8 = &.{};
var done: []u8 = &.{};
var pending: []u8 = &.{};
var todo: []u8 = &.{};
var mask_out: []u8 = &.{};

/// The full shoe's ranks in creation order (deck by deck, suit by suit, ace to king).
var fresh_shoe: [MAX_CARDS]u8 = undefined;

export fn bt_layout() u32 {
    layout[0] = @intCast(@intFromPtr(&args));
    return @intCast(@intFromPtr(&layout));
}

/// Carve `n` items of `T` from `at` (advanced, 8-aligned), recording the address.
fn carve(comptime T: type, at: *usize, n: usize, slot: usize) []T {
    const start = std.mem.alignForward(usize, at.*, 8);
    at.* = start + n * @sizeOf(T);
    layout[slot] = @intCast(start);
    const ptr: [*]T = @ptrFromInt(start);
    return ptr[0..n];
}

export fn bt_configure() u32 {
    if (cfg.tables != 0) return 3;
    const c = Config{
        .tables = @intCast(@min(args[0], 1 << 20)),
        .n = @intCast(@min(args[1], 255)),
        .h17 = args[2] != 0,
        .splits = @intCast(@min(args[3], 255)),
        .bet = @bitCast(args[4]),
        .bankroll = @bitCast(args[5]),
        .extra = @bitCast(args[6]),
        .size = @as(u32, @min(args[7], 255)) * 52,
        .view = @intCast(@min(args[8], 255)),
        .strict = args[9] != 0,
        .history = @intCast(@min(args[10], 1 << 16)),
        .cut = @intCast(@min(args[11], 1 << 16)),
    };
    if (c.tables == 0 or c.n == 0 or c.n > MAX_SEATS or c.splits >= MAX_HANDS) return 1;
    if (c.size == 0 or c.size > MAX_CARDS or c.view >= c.n or c.history == 0) return 1;
    if (c.bet < 2 or @mod(c.bet, 2) != 0 or c.bankroll < 0 or c.extra < 0) return 1;
    // The first deal never reshuffles: the cut card sits below a full shoe.
    if (c.size < @max(c.cut, 2 * c.n + 2)) return 1;
    const n: usize = c.tables;
    const per = @sizeOf(Table) + 7 * 4 + 4 + 8 + 4 + 8 + 8 + 8 + 1 + 1 + 8 + 8 + 8 + 4 + c.history + 1 + 1 + 1 + 5;
    const need = n * per + 21 * 8;
    const base = @wasmMemorySize(0) * 65536;
    const pages = (need + 65535) / 65536;
    if (@wasmMemoryGrow(0, pages) < 0) return 2;
    var at: usize = base;
    tables = carve(Table, &at, n, 1);
    layout[1] = c.tables;
    obs = carve(f32, &at, 7 * n, 2);
    bits_out = carve(u32, &at, n, 3);
    total = carve(f64, &at, n, 4);
    to_move = carve(i32, &at, n, 5);
    s_out = carve(u64, &at, n, 6);
    stake_out = carve(i64, &at, n, 7);
    bank_out = carve(i64, &at, n, 8);
    status = carve(u8, &at, n, 9);
    actions = carve(u8, &at, n, 10);
    first = carve(u64, &at, n, 11);
    kth = carve(u64, &at, n, 12);
    episode = carve(u64, &at, n, 13);
    moves = carve(u32, &at, n, 14);
    history = carve(u8, &at, n * c.history, 15);
    layout[16] = c.history;
    done = carve(u8, &at, n, 17);
    pending = carve(u8, &at, n, 18);
    todo = carve(u8, &at, n, 19);
    mask_out = carve(u8, &at, 5 * n, 20);
    for (0..c.size) |t| fresh_shoe[t] = @intCast(t % 13);
    cfg = c;
    for (0..n) |i| {
        done[i] = 1; // never begun: a step begins it
        tables[i].s = TableState.phase.set(0, .OVER);
        write(i);
    }
    return 0;
}

// ---- calls --------------------------------------------------------------------------------

export fn bt_begin() u32 {
    for (0..cfg.tables) |i| {
        if (todo[i] != 0) {
            begin(i);
            write(i);
        }
    }
    return 0;
}

export fn bt_play() u32 {
    for (0..cfg.tables) |i| {
        if (todo[i] != 0) {
            status[i] = play(i, actions[i]);
            write(i);
        }
    }
    return 0;
}

export fn bt_step() u32 {
    for (0..cfg.tables) |i| {
        if (done[i] != 0) {
            kth[i] +%= 1;
            begin(i);
            status[i] = BEGAN;
        } else if (pending[i] != 0) {
            pending[i] = 0;
            done[i] = 1;
            status[i] = ENDED;
            continue; // nothing changed: its outputs stand
        } else {
            status[i] = play(i, actions[i]);
        }
        write(i);
    }
    return 0;
}

/// Start table `i`'s episode `nextSeed(first, k)` (LocalEngine.reset, Blackjack.setup).
fn begin(i: usize) void {
    const t = &tables[i];
    const ep = seeds.nextSeed(first[i], kth[i]);
    const room = seeds.roomSeed(ep);
    const size = cfg.size;
    @memcpy(t.shoe[0..size], fresh_shoe[0..size]);
    t.deck_rng = .{ .state = seeds.seedAt(&room, 0, 0) };
    t.fixed = size;
    t.left = size;
    t.s = 0;
    t.ins = 0;
    t.bank = @splat(cfg.bankroll);
    t.stake = @splat(0);
    t.rec = @splat(@splat(0));
    t.up = 0;
    t.hole = 0;
    var m = Move{ .t = t };
    m.finish(deal(&m, 0), 0);
    episode[i] = ep;
    moves[i] = 0;
    done[i] = 0;
    pending[i] = @intFromBool(TableState.phase.get(t.s) == .OVER);
}

/// Play `action_in` for the seat to move at table `i` (Blackjack.apply).
fn play(i: usize, action_in: u8) u8 {
    const t = &tables[i];
    const s = t.s;
    if (TableState.phase.get(s) == .OVER) return OVER;
    if (action_in > INSURANCE) return OUT_OF_RANGE;
    if (moves[i] >= cfg.history) return BROKEN;
    var action: u32 = action_in;
    var report: u64 = 0;
    if ((mask(t, s) >> @intCast(action)) & 1 == 0) {
        if (cfg.strict) return REFUSED;
        report = TableState.illegal.set(0, action + 1);
        report = TableState.mover.set(report, TableState.seat.get(s));
        action = STAND;
    }
    var m = Move{ .t = t };
    const s2 = if (TableState.phase.get(s) == .INSURE)
        insure(&m, s, action == INSURANCE)
    else switch (action) {
        HIT => hit(&m, s),
        STAND => stand(&m, s),
        DOUBLE => double(&m, s),
        SPLIT => split(&m, s),
        else => unreachable, // Insurance is available only in the insurance round
    };
    m.finish(s2 | report, s);
    history[i * cfg.history + moves[i]] = action_in;
    moves[i] += 1;
    if (TableState.phase.get(t.s) == .OVER) done[i] = 1;
    return if (m.broken) BROKEN else PLAYED;
}

/// Table `i`'s outputs: the view seat's observation and mask (`kernel_view.write`), its
/// reward so far, and the table's state.
fn write(i: usize) void {
    const t = &tables[i];
    const s = t.s;
    const v = cfg.view;
    const over = TableState.phase.get(s) == .OVER;
    const seat: u32 = @intCast(TableState.seat.get(s));
    var h: u64 = 0;
    var bits: u32 = 0;
    if (!over and seat == v) {
        h = TableState.hand.get(s);
        bits = mask(t, s);
    } else if (bit(TableState.seats_in.get(s), v)) {
        h = HandRecord.hand.get(t.rec[v][0]);
    }
    const o = obs[7 * i ..][0..7];
    o[0] = @floatCast(@as(f64, @floatFromInt(best(h))) / 30.0);
    o[1] = @floatCast(@as(f64, @floatFromInt(TableState.upcard.get(s))) / 11.0);
    o[2] = if (rules.isSoft(h)) 1.0 else 0.0;
    o[3] = @floatFromInt((bits >> DOUBLE) & 1);
    o[4] = @floatFromInt((bits >> SPLIT) & 1);
    o[5] = @floatFromInt((bits >> INSURANCE) & 1);
    o[6] = @floatCast(@as(f64, @floatFromInt(t.left)) / @as(f64, @floatFromInt(cfg.size)));
    bits_out[i] = bits;
    for (mask_out[5 * i ..][0..5], 0..) |*b, a| b.* = @intCast((bits >> @intCast(a)) & 1);
    to_move[i] = if (over) -1 else @intCast(seat);
    const money = t.bank[v] + t.stake[v] - cfg.bankroll;
    total[i] = @as(f64, @floatFromInt(money)) / @as(f64, @floatFromInt(cfg.bet));
    s_out[i] = s;
    stake_out[i] = t.stake[v];
    bank_out[i] = t.bank[v];
}

// ---- the move being planned (TableMove of games/blackjack/move.py) ------------------------

const Move = struct {
    t: *Table,
    /// The move looked at the shoe (its `low` is then measured afresh).
    touched: bool = false,
    hand_over: bool = false,
    broken: bool = false,

    fn remaining(m: *Move) u32 {
        m.touched = true;
        return m.t.left;
    }

    /// The top card's rank, taken from the shoe (the caller checked `remaining`).
    fn next(m: *Move) u32 {
        const t = m.t;
        t.left -= 1;
        while (t.fixed > t.left) { // the shuffle's steps down to the top card
            const i = t.fixed - 1;
            if (i > 0) {
                const j = t.deck_rng.below(i + 1);
                const tmp = t.shoe[i];
                t.shoe[i] = t.shoe[j];
                t.shoe[j] = tmp;
            }
            t.fixed = i;
        }
        return t.shoe[t.left];
    }

    /// A card for a hand: the mask allowed the draw, so the shoe holds one (the discard
    /// pile is empty in the first hand, so there is nothing to shuffle in).
    fn drawTo(m: *Move) u32 {
        if (m.remaining() == 0) {
            m.broken = true;
            return 0;
        }
        return m.next();
    }

    fn wager(m: *Move, seat: u32, chips: i64) void {
        m.t.bank[seat] -= chips;
        m.t.stake[seat] += chips;
    }

    fn finish(m: *Move, s_in: u64, old: u64) void {
        var s = s_in;
        if (m.hand_over) s = TableState.hand_over.set(s, 1);
        if (m.touched) {
            s = TableState.low.set(s, if (m.remaining() < 2) 1 else 0);
        } else s = TableState.low.set(s, TableState.low.get(old));
        m.t.s = s;
    }
};

fn bit(x: u64, i: u32) bool {
    return (x >> @intCast(i)) & 1 != 0;
}

/// The bits of the available actions of the seat to move in state `s` (not over), as
/// `Table.offers` then `Table.mask` (the discard pile is empty: the shoe is all that is left).
fn mask(t: *const Table, s: u64) u32 {
    const seat: u32 = @intCast(TableState.seat.get(s));
    const rich = bit(TableState.rich.get(s), seat);
    var bits: u32 = 0;
    var wagers: u32 = 0;
    var chips: i64 = cfg.bet;
    var count_cards = TableState.low.get(s) != 0;
    if (TableState.phase.get(s) == .INSURE) {
        count_cards = false;
        if (rich) {
            bits = STAND_BIT | INSURANCE_BIT;
        } else {
            bits = STAND_BIT;
            wagers = INSURANCE_BIT;
            chips = @divExact(cfg.bet, 2);
        }
    } else {
        bits = HIT_BIT | STAND_BIT;
        const h = TableState.hand.get(s);
        if (Hand.cards.get(h) == 2) {
            wagers = DOUBLE_BIT;
            if (Hand.pair.get(h) != 0 and TableState.splits.get(s) < cfg.splits) wagers |= SPLIT_BIT;
        }
        if (rich) {
            bits |= wagers;
            wagers = 0;
        }
    }
    if (wagers != 0 and t.bank[seat] >= chips) bits |= wagers;
    if (count_cards) {
        if (t.left < 2) bits &= ~SPLIT_BIT;
        if (t.left < 1) bits &= ~(HIT_BIT | DOUBLE_BIT);
    }
    return bits;
}

// ---- the table state (module functions of games/blackjack/table.py) -----------------------

fn turn(s: u64, seat: u32, h: u64, phase: Phase) u64 {
    var out = TableState.hand_wide.of(s);
    out = TableState.phase.set(out, phase);
    out = TableState.seat.set(out, seat);
    return TableState.hand.set(out, h);
}

fn playOn(s: u64, h: u64, current: u32) u64 {
    const out = TableState.hand.set(TableState.per_move.clear(s), h);
    return TableState.current.set(out, current);
}

fn seatOf(s: u64) u32 {
    return @intCast(TableState.seat.get(s));
}

fn currentOf(s: u64) u32 {
    return @intCast(TableState.current.get(s));
}

fn splitsOf(s: u64) u32 {
    return @intCast(TableState.splits.get(s));
}

fn firstHand(t: *const Table, seat: u32) u64 {
    return HandRecord.hand.get(t.rec[seat][0]);
}

// ---- the moves (Table in games/blackjack/table.py) ----------------------------------------

fn hit(m: *Move, s: u64) u64 {
    const h = add(TableState.hand.get(s), m.drawTo());
    return if (isDone(h)) handDone(m, s, h) else playOn(s, h, currentOf(s));
}

fn stand(m: *Move, s: u64) u64 {
    return handDone(m, s, finished(TableState.hand.get(s)));
}

fn double(m: *Move, s: u64) u64 {
    m.wager(seatOf(s), cfg.bet);
    const h = Hand.doubled.set(TableState.hand.get(s), 1);
    return handDone(m, s, finished(add(h, m.drawTo())));
}

fn split(m: *Move, s_in: u64) u64 {
    var s = s_in;
    const t = m.t;
    const seat = seatOf(s);
    const hk = currentOf(s);
    const new = splitsOf(s) + 1; // the new hand's number = the old hand count
    // A splittable hand is a pair: both cards have the pair's rank.
    const r: u32 = @intCast(Hand.pair.get(TableState.hand.get(s)) - 1);
    m.wager(seat, cfg.bet);
    const start = handOf(&.{r}, Hand.split.set(0, 1));
    var here = add(start, m.drawTo());
    var there = add(start, m.drawTo());
    if (r == 0) { // split aces take one card each and stand
        here = finished(here);
        there = finished(there);
    }
    t.rec[seat][new] = HandRecord.hand.set(0, there);
    s = TableState.splits.set(s, new);
    if (hk != 0) t.rec[seat][0] = HandRecord.splits.set(t.rec[seat][0], new);
    return if (isDone(here)) handDone(m, s, here) else playOn(s, here, hk);
}

fn handDone(m: *Move, s: u64, h: u64) u64 {
    const t = m.t;
    const seat = seatOf(s);
    const hk = currentOf(s);
    const last = splitsOf(s);
    t.rec[seat][hk] = HandRecord.splits.set(HandRecord.hand.set(0, h), if (hk == 0) last else 0);
    var later = hk + 1;
    while (later <= last) : (later += 1) {
        const h2 = HandRecord.hand.get(t.rec[seat][later]);
        if (!isDone(h2)) return playOn(s, h2, later);
    }
    var other = seat + 1;
    while (other < cfg.n) : (other += 1) {
        if (bit(TableState.seats_in.get(s), other) and !isDone(firstHand(t, other)))
            return turn(s, other, firstHand(t, other), .PLAY);
    }
    return endOfPlay(m, s);
}

fn insure(m: *Move, s: u64, take: bool) u64 {
    const t = m.t;
    const seat = seatOf(s);
    const half = @divExact(cfg.bet, 2);
    if (take) {
        m.wager(seat, half);
        t.ins |= @as(u64, 1) << @intCast(seat);
    }
    const in = TableState.seats_in.get(s);
    var other = seat + 1;
    while (other < cfg.n) : (other += 1) {
        if (bit(in, other)) return turn(s, other, firstHand(t, other), .INSURE);
    }
    if (VALUES[t.hole] == 10) { // ace up, ten in the hole: blackjack
        settle(m, s, true);
        return deal(m, TableState.hand_wide.of(s));
    }
    if (t.ins != 0) { // no blackjack: the insurance is lost
        for (0..cfg.n) |x| {
            if (bit(in, @intCast(x)) and bit(t.ins, @intCast(x))) t.stake[x] -= half;
        }
        t.ins = 0;
    }
    for (0..cfg.n) |x| {
        const seat_x: u32 = @intCast(x);
        if (bit(in, seat_x) and !isDone(firstHand(t, seat_x)))
            return turn(s, seat_x, firstHand(t, seat_x), .PLAY);
    }
    return endOfPlay(m, s);
}

fn endOfPlay(m: *Move, s: u64) u64 {
    settle(m, s, false);
    return deal(m, TableState.hand_wide.of(s));
}

/// Settle the hand of state `s`: the dealer draws (if a hand is still live) and the
/// seats playing it are paid; with a dealer blackjack (after the peek) only their first
/// hands count, as `Table.insure` hands them to `Table.settle`.
fn settle(m: *Move, s: u64, dealer_bj: bool) void {
    const t = m.t;
    const in = TableState.seats_in.get(s);
    var d = handOf(&.{ t.up, t.hole }, 0);
    var live = false;
    for (0..cfg.n) |x| {
        if (!bit(in, @intCast(x))) continue;
        const count: usize = if (dealer_bj) 1 else @intCast(HandRecord.splits.get(t.rec[x][0]) + 1);
        for (0..count) |hk| {
            const h = HandRecord.hand.get(t.rec[x][hk]);
            if (!isBust(h) and !isNatural(h)) live = true;
        }
    }
    if (!dealer_bj and live) d = dealerPlays(m, d);
    const dealer_total = best(d);
    const bet = cfg.bet;
    for (0..cfg.n) |x| {
        if (!bit(in, @intCast(x))) continue;
        var ret: i64 = 0;
        if (dealer_bj) {
            ret = if (isNatural(firstHand(t, @intCast(x)))) bet else 0;
            if (bit(t.ins, @intCast(x))) ret += 3 * @divExact(bet, 2);
        } else {
            const count: usize = @intCast(HandRecord.splits.get(t.rec[x][0]) + 1);
            for (0..count) |hk| ret += handReturn(HandRecord.hand.get(t.rec[x][hk]), bet, dealer_total);
        }
        t.bank[x] += ret;
        t.stake[x] = 0;
    }
    t.ins = 0;
    m.hand_over = true;
}

fn dealerPlays(m: *Move, d_in: u64) u64 {
    var d = d_in;
    while (dealerHits(d, cfg.h17)) {
        // An empty shoe in the first hand leaves nothing to shuffle in: the dealer stands.
        if (m.remaining() == 0) break;
        d = add(Hand.done.set(d, 0), m.next());
    }
    return d;
}

/// Deal the hand (Table.deal with one hand per episode): the OVER state once it is
/// played, else the state of its first decision; a hand needing none settles at once.
fn deal(m: *Move, keep_in: u64) u64 {
    const t = m.t;
    // After a hand (its hand-wide fields kept: never 0, the upcard is 2..11): the
    // episode's one hand is played.
    if (keep_in != 0) return TableState.phase.set(keep_in, .OVER);
    const bet = cfg.bet;
    var seats: [MAX_SEATS]u32 = undefined;
    var c: u32 = 0;
    for (0..cfg.n) |x| {
        if (t.bank[x] >= bet) {
            seats[c] = @intCast(x);
            c += 1;
        }
    }
    if (c == 0) return TableState.phase.set(0, .OVER);
    _ = m.remaining(); // the reshuffle check (never true for a full shoe: bt_configure)
    var dealt: [2 * MAX_SEATS + 2]u32 = undefined;
    for (dealt[0 .. 2 * c + 2]) |*card| card.* = m.next();
    t.up = dealt[c];
    t.hole = dealt[2 * c + 1];
    var hands: [MAX_SEATS]u64 = undefined;
    var rich: u64 = 0;
    var seats_in: u64 = 0;
    for (seats[0..c], 0..) |x, q| {
        const h = handOf(&.{ dealt[q], dealt[q + c + 1] }, 0);
        hands[q] = h;
        t.rec[x][0] = HandRecord.hand.set(0, h);
        t.bank[x] -= bet;
        t.stake[x] = bet;
        seats_in |= @as(u64, 1) << @intCast(x);
        if (t.bank[x] >= cfg.extra) rich |= @as(u64, 1) << @intCast(x);
    }
    const upcard: u64 = if (t.up == 0) 11 else VALUES[t.up];
    var keep = TableState.upcard.set(0, upcard);
    keep = TableState.rich.set(keep, rich);
    keep = TableState.seats_in.set(keep, seats_in);
    if (upcard == 11) return turn(keep, seats[0], hands[0], .INSURE);
    const dealer_bj = upcard == 10 and t.hole == 0;
    if (!dealer_bj) {
        for (0..c) |q| {
            if (!isDone(hands[q])) return turn(keep, seats[q], hands[q], .PLAY);
        }
    }
    settle(m, keep, dealer_bj);
    return TableState.phase.set(keep, .OVER);
}
