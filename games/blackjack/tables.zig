//! Blackjack tables for training: many one-hand episodes in one WASM instance, each table
//! a few hundred bytes (the shoe's ranks, the bankrolls, the hand records and the table
//! state `s`) instead of a World, stepped together by one call.
//!
//! The rules are the game's own: `Table` in `games/blackjack/table.py` (the
//! specification) for one hand per episode, as `kernel.zig` ports it onto the World. Every
//! table state `s`, bankroll, stake and hand record here equals the World's property of
//! the same name after the same moves, and the view written after each call equals the
//! game's `player_view`, legal mask and rewards; `tests/games/test_blackjack_tables.py`
//! plays both and compares them move by move. What a World holds besides (the card tokens in their
//! zones, the discard pile) follows from the seeds and the moves, which each table keeps:
//! the host replays them on a LocalEngine when someone asks for the World.
//!
//! Scope (checked by `bt_configure`): one hand per episode (`hands == 1`), so the shoe is
//! never reshuffled and the discard pile stays empty, and no `"penalty"` policy (its moves
//! are unbounded). Other settings play on engines. The rules are in `tables_rules.zig`.
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
const state = @import("kernel_state.zig");
const rules = @import("kernel_rules.zig");
const seeds = @import("kernel_seed.zig");
const tr = @import("tables_rules.zig");

const TableState = state.table_state;
const HandRecord = state.hand_record;
const Phase = state.Phase;
const best = rules.best;

const Table = tr.Table;
const Config = tr.Config;
const Move = tr.Move;
const cfg = &tr.cfg;
const bit = tr.bit;
const mask = tr.mask;
const MAX_SEATS = tr.MAX_SEATS;
const MAX_HANDS = tr.MAX_HANDS;
const MAX_CARDS = tr.MAX_CARDS;
/// The most tables one instance holds.
const MAX_TABLES = 1 << 20;
const STAND = tr.STAND;
const DOUBLE = tr.DOUBLE;
const SPLIT = tr.SPLIT;
const INSURANCE = tr.INSURANCE;
const PLAYED = tr.PLAYED;
const REFUSED = tr.REFUSED;
const OVER = tr.OVER;
const OUT_OF_RANGE = tr.OUT_OF_RANGE;
const BEGAN = tr.BEGAN;
const ENDED = tr.ENDED;
const BROKEN = tr.BROKEN;

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
    // Refused, not clamped: the host maps as many rows as it asked for.
    if (args[0] == 0 or args[0] > MAX_TABLES) return 1;
    const c = Config{
        .tables = @intCast(args[0]),
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
    cfg.* = c;
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
    m.finish(tr.deal(&m, 0), 0);
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
        tr.insure(&m, s, action == INSURANCE)
    else switch (action) {
        tr.HIT => tr.hit(&m, s),
        STAND => tr.stand(&m, s),
        DOUBLE => tr.double(&m, s),
        SPLIT => tr.split(&m, s),
        else => unreachable, // Insurance is available only in the insurance round
    };
    m.finish(s2 | report, s);
    history[i * cfg.history + moves[i]] = action_in;
    moves[i] += 1;
    if (TableState.phase.get(t.s) == .OVER) done[i] = 1;
    return if (m.broken) BROKEN else PLAYED;
}

/// Table `i`'s outputs: the view seat's observation and mask (`player_view`,
/// `legal_actions`), its reward so far, and the table's state.
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
