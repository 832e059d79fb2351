//! The state of `games.holdem` in the kernel: `Table` of `games/holdem/state.py` (every
//! game property, its load from the World and the save of the ones a move changed, in the
//! order `Table.props` writes them), the static `Stakes`, the packed cards, and the
//! `Dealer` that takes cards off the `deck` stack as `WorldDealer` of
//! `games/holdem/table.py` does. The rules that change a table are in `kernel_rules.zig`.

const std = @import("std");
const core = @import("core");
const k = core.kernel;
const state = @import("kernel_state.zig");

pub const MAX_SEATS = 10;

// Status bits (generated from `Status` in `games/holdem/state.py`) and streets.
pub const IN: i64 = state.status.dealt_in.mask;
pub const FOLDED: i64 = state.status.folded.mask;
pub const ALL_IN: i64 = state.status.all_in.mask;
pub const ACTED: i64 = state.status.acted.mask;
pub const PREFLOP: i64 = 0;
pub const RIVER: i64 = 3;
pub const SHOWDOWN: i64 = 4;
pub const COMPLETE: i64 = 5;
pub const HAND_OVER: i64 = 1;

// Action ids that are not raises (`games/holdem/actions.py`).
pub const FOLD = 0;
pub const CHECK = 1;
pub const CALL = 2;

fn perSeat(comptime fmt: []const u8) [MAX_SEATS][]const u8 {
    var out: [MAX_SEATS][]const u8 = undefined;
    for (0..MAX_SEATS) |i| out[i] = std.fmt.comptimePrint(fmt, .{i});
    return out;
}

/// Property names by seat (`STK`, `SB`, `TOT`, `ST`, `HC`, `WON`, `PEN` in state.py).
pub const stk_key = perSeat("stk{d}");
pub const sb_key = perSeat("sb{d}");
pub const tot_key = perSeat("tot{d}");
pub const st_key = perSeat("st{d}");
pub const hc_key = perSeat("hc{d}");
pub const won_key = perSeat("won{d}");
pub const pen_key = perSeat("pen{d}");

/// A table's static settings (`Stakes` in rules.py, with the action layout's raise sizes).
pub const Stakes = struct {
    n: u32 = 0,
    small_blind: i64 = 0,
    big_blind: i64 = 0,
    starting_stack: i64 = 0,
    hands: i64 = 0,
    /// The layout's action count; its raises are ids 3 .. num_actions - 2, All-in the last.
    num_actions: u32 = 0,
    /// Raise sizes as fractions of the pot, by action id - 3 (All-in has none).
    num: [8]i64 = @splat(0),
    den: [8]i64 = @splat(1),
};

/// Cards packed six bits each, `card + 1`, first card lowest (`pack` in state.py).
pub const Cards = struct {
    v: i64 = 0,
    len: u6 = 0,

    pub fn push(c: *Cards, card: u32) void {
        c.v |= @as(i64, card + 1) << (6 * @as(u6, c.len));
        c.len += 1;
    }

    pub fn at(c: Cards, j: u32) u32 {
        return @intCast(((c.v >> @intCast(6 * j)) & 63) - 1);
    }

    pub fn of(v: i64) Cards {
        var n: u6 = 0;
        while (n < 10 and (v >> (6 * n)) & 63 != 0) n += 1;
        return .{ .v = v, .len = n };
    }
};

/// The whole changing state of a table (`Table` in state.py).
pub const Table = struct {
    n: u32,
    hand: i64 = 0,
    button: i64 = 0,
    street: i64 = PREFLOP,
    actor: i64 = -1,
    bet: i64 = 0,
    minr: i64 = 0,
    board: Cards = .{},
    flags: i64 = 0,
    report: i64 = 0,
    stack: [MAX_SEATS]i64 = @splat(0),
    sbet: [MAX_SEATS]i64 = @splat(0),
    total: [MAX_SEATS]i64 = @splat(0),
    status: [MAX_SEATS]i64 = @splat(0),
    hole: [MAX_SEATS]Cards = @splat(.{}),
    won: [MAX_SEATS]i64 = @splat(0),

    /// The table as the World's properties hold it, or null if one is missing.
    pub fn load(n: u32) ?Table {
        var t = Table{ .n = n };
        t.hand = k.propInt("hand") orelse return null;
        t.button = k.propInt("button") orelse return null;
        t.street = k.propInt("street") orelse return null;
        t.actor = k.propInt("actor") orelse return null;
        t.bet = k.propInt("bet") orelse return null;
        t.minr = k.propInt("minr") orelse return null;
        t.board = Cards.of(k.propInt("board") orelse return null);
        t.flags = k.propInt("flags") orelse return null;
        t.report = k.propInt("report") orelse return null;
        for (0..n) |i| {
            t.stack[i] = k.propInt(stk_key[i]) orelse return null;
            t.sbet[i] = k.propInt(sb_key[i]) orelse return null;
            t.total[i] = k.propInt(tot_key[i]) orelse return null;
            t.status[i] = k.propInt(st_key[i]) orelse return null;
            t.hole[i] = Cards.of(k.propInt(hc_key[i]) orelse return null);
            t.won[i] = k.propInt(won_key[i]) orelse return null;
        }
        return t;
    }

    /// Add to `c` a property action for every value that differs from `old` (every value
    /// when `old` is null), in the order of `Table.props` (`Table.save`).
    pub fn save(t: *const Table, old: ?*const Table, c: *k.Cmd) void {
        const o = old orelse {
            t.saveAll(c);
            return;
        };
        setIf(c, "hand", t.hand, o.hand);
        setIf(c, "button", t.button, o.button);
        setIf(c, "street", t.street, o.street);
        setIf(c, "actor", t.actor, o.actor);
        setIf(c, "bet", t.bet, o.bet);
        setIf(c, "minr", t.minr, o.minr);
        setIf(c, "board", t.board.v, o.board.v);
        setIf(c, "flags", t.flags, o.flags);
        setIf(c, "report", t.report, o.report);
        for (0..t.n) |i| {
            setIf(c, stk_key[i], t.stack[i], o.stack[i]);
            setIf(c, sb_key[i], t.sbet[i], o.sbet[i]);
            setIf(c, tot_key[i], t.total[i], o.total[i]);
            setIf(c, st_key[i], t.status[i], o.status[i]);
            setIf(c, hc_key[i], t.hole[i].v, o.hole[i].v);
            setIf(c, won_key[i], t.won[i], o.won[i]);
        }
    }

    fn saveAll(t: *const Table, c: *k.Cmd) void {
        set(c, "hand", t.hand);
        set(c, "button", t.button);
        set(c, "street", t.street);
        set(c, "actor", t.actor);
        set(c, "bet", t.bet);
        set(c, "minr", t.minr);
        set(c, "board", t.board.v);
        set(c, "flags", t.flags);
        set(c, "report", t.report);
        for (0..t.n) |i| {
            set(c, stk_key[i], t.stack[i]);
            set(c, sb_key[i], t.sbet[i]);
            set(c, tot_key[i], t.total[i]);
            set(c, st_key[i], t.status[i]);
            set(c, hc_key[i], t.hole[i].v);
            set(c, won_key[i], t.won[i]);
        }
    }

    /// Seat i holds cards in this hand (dealt in, not folded).
    pub fn live(t: *const Table, i: usize) bool {
        return t.status[i] & (IN | FOLDED) == IN;
    }

    /// Seat i holds cards and chips behind.
    pub fn canAct(t: *const Table, i: usize) bool {
        return t.status[i] & (IN | FOLDED | ALL_IN) == IN;
    }

    /// Every chip put in this hand.
    pub fn pot(t: *const Table) i64 {
        var s: i64 = 0;
        for (t.total[0..t.n]) |x| s += x;
        return s;
    }

    /// What seat i must add to match the bet.
    pub fn toCall(t: *const Table, i: usize) i64 {
        return @max(0, t.bet - t.sbet[i]);
    }

    /// Seat `(i + j) mod n` (`i` may be -1, as Python's modulo allows).
    pub fn seat(t: *const Table, i: i64, j: i64) usize {
        return @intCast(@mod(i + j, @as(i64, t.n)));
    }
};

fn set(c: *k.Cmd, key: []const u8, v: i64) void {
    _ = c.op("game.set_property").s(key).int(v);
}

fn setIf(c: *k.Cmd, key: []const u8, v: i64, old: i64) void {
    if (v != old) set(c, key, v);
}

/// Deals from the World's `deck` stack (`WorldDealer` in table.py): its order read once,
/// the cards dealt counted off the top, burnt onto the discards when the move is written.
pub const Dealer = struct {
    order: []const u32 = &.{},
    have: bool = false,
    dealt: u32 = 0,
    /// Whether a new deck was shuffled (and applied) during the move.
    shuffled: bool = false,
    /// The error code of that shuffle's batch (0: applied).
    failed: u32 = 0,

    /// The card `j` of the next ones off the top (the deck's order read on first use).
    pub fn deal(d: *Dealer) u32 {
        if (!d.have) {
            d.order = k.stackItems("deck") orelse &.{};
            d.have = true;
        }
        const top = d.order.len - 1 - d.dealt;
        d.dealt += 1;
        return d.order[top] - 1;
    }

    /// Every card back into the deck, shuffled with `seed`, applied at once.
    pub fn newDeck(d: *Dealer, seed: u32) void {
        var c = k.Cmd{};
        _ = c.op("stack.reset").s("deck");
        _ = c.op("stack.shuffle").s("deck").u(seed);
        const code = c.run();
        if (code != 0 and d.failed == 0) d.failed = code;
        d.have = false;
        d.dealt = 0;
        d.shuffled = true;
    }

    /// Add the burn of every card dealt to `c`.
    pub fn finish(d: *const Dealer, c: *k.Cmd) void {
        if (d.dealt != 0) _ = c.op("stack.burn").s("deck").u(d.dealt);
    }
};

