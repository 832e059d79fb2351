//! The betting and settlement rules of `games.holdem`, on a `Table`: `games/holdem/rules.py`
//! (the specification) in Zig, function for function, and `Table` of `games/holdem/state.py`
//! with its load from the properties and its save of the ones that changed.
//!
//! Everything here plans: it reads the World (properties, the deck's order) and changes the
//! `Table` in place. The only action it runs itself is a new hand's reshuffle (`newDeck`),
//! applied at once as `WorldDealer.new_deck` applies it; `kernel.zig` writes the rest of the
//! move (the changed properties, then the burn of the cards dealt) in one batch.

const std = @import("std");
const core = @import("core");
const k = core.kernel;
const ev = @import("kernel_eval.zig");
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
