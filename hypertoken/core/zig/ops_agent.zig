//! Agent actions: named agents with typed meta, integer resources and an inventory.

const std = @import("std");
const io = @import("io.zig");
const w_ = @import("world.zig");
const sym = @import("sym.zig");
const rng = @import("rng.zig");
const Error = io.Error;
const Reader = io.Reader;
const Writer = io.Writer;
const Entry = w_.Entry;

fn resource(a: u32, key: u32) i64 {
    const e = w_.mapGet(w_.agent(a).resources, key) orelse return 0;
    return @bitCast(e.payload);
}

fn setResource(a: u32, key: u32, v: i64) Error!void {
    try w_.mapSet(&w_.agent(a).resources, key, .{ .tag = w_.Tag.int, .payload = @bitCast(v) });
}

/// A resource name and its symbol, 0 while the name was never seen. Looked up, not
/// interned: a refused action must not leave a new symbol behind.
const Res = struct {
    name: []const u8,
    key: u32,

    fn of(name: []const u8) Res {
        return .{ .name = name, .key = sym.lookup(&w_.h.syms, name) };
    }

    /// What agent `a` holds of it.
    fn held(self: Res, a: u32) i64 {
        return if (self.key == 0) 0 else resource(a, self.key);
    }

    /// Set agent `a`'s amount, interning the name first if needed. Only call once the
    /// action can no longer fail (except for memory).
    fn set(self: *Res, a: u32, v: i64) Error!void {
        if (self.key == 0) self.key = try sym.intern(&w_.h.syms, self.name);
        try setResource(a, self.key, v);
    }
};

fn overflow(amount: i64, have: i64) Error {
    return io.fail(.bad_argument, .resource, "resource overflow", 0, amount, have);
}

fn amountArg(r: *Reader) Error!i64 {
    const v = try r.i();
    if (v < 0) return io.fail(.bad_argument, .resource, "amount must not be negative", 0, 0, v);
    return v;
}

fn resourceName(r: *Reader) Error![]const u8 {
    const name = try r.s();
    if (name.len == 0) return io.fail(.bad_argument, .resource, "a resource name is required", 0, 0, 0);
    return name;
}

fn inInventory(a: u32, id: u32, name: []const u8) Error!void {
    const t = try w_.liveToken(id);
    if (t.loc_kind != @intFromEnum(w_.Loc.inventory) or t.loc != a) {
        io.err.loc_kind = t.loc_kind;
        io.err.loc = t.loc;
        return io.fail(.not_here, .inventory, name, id, 0, 0);
    }
}

/// agent.create(name): a new active agent with no resources. Error if taken.
pub fn create(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    try r.end();
    const a = try w_.createNamed(w_.Agent, &w_.h.agents, .agent, name);
    a.active = 1;
    _ = w;
}

/// agent.remove(name): remove an agent whose inventory is empty (move its tokens
/// first, so none is lost). If it was the game's active agent, none is active.
pub fn remove(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    try r.end();
    const a = try w_.agentIndex(name);
    const n = w_.agent(a).inventory.len;
    if (n != 0) return io.fail(.not_empty, .agent, name, 0, 0, n);
    const ag = w_.agent(a);
    ag.inventory.release(u32);
    ag.meta.release(Entry);
    ag.resources.release(Entry);
    ag.alive = 0;
    ag.active = 0;
    if (w_.h.game.active == @as(i32, @intCast(a))) w_.h.game.active = -1;
    w_.h.structure_gen +%= 1;
    _ = w;
}

/// agent.set_active(name, active): mark the agent active or inactive.
pub fn setActive(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const active = try r.b();
    try r.end();
    const a = try w_.agentIndex(name);
    w_.agent(a).active = @intFromBool(active);
    _ = w;
}

/// agent.set_meta(name, key, value): set (or with a none value, delete) a meta key.
pub fn setMeta(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const key = try r.s();
    const a = try w_.agentIndex(name);
    if (key.len == 0) return io.fail(.bad_argument, .key, "a key is required", 0, 0, 0);
    const v = try w_.readValue(r);
    try r.end();
    try w_.mapSet(&w_.agent(a).meta, try sym.intern(&w_.h.syms, key), try w_.commitValue(v));
    _ = w;
}

/// agent.give_resource(name, resource, amount): add `amount` (>= 0). Returns the total.
pub fn giveResource(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const res = try resourceName(r);
    const amount = try amountArg(r);
    try r.end();
    const a = try w_.agentIndex(name);
    var rk = Res.of(res);
    const v = std.math.add(i64, rk.held(a), amount) catch return overflow(amount, rk.held(a));
    try rk.set(a, v);
    try w.int(v);
}

/// agent.take_resource(name, resource, amount): remove `amount`; taking more than
/// the agent has is an error (resources never go negative). Returns the total.
pub fn takeResource(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const res = try resourceName(r);
    const amount = try amountArg(r);
    try r.end();
    const a = try w_.agentIndex(name);
    var rk = Res.of(res);
    const have = rk.held(a);
    if (amount > have) return io.fail(.insufficient, .resource, res, 0, amount, have);
    try rk.set(a, have - amount);
    try w.int(have - amount);
}

/// agent.transfer_resource(from, to, resource, amount): move `amount` from one agent
/// to another; more than `from` has is an error. Returns the amount moved.
pub fn transferResource(r: *Reader, w: *Writer) Error!void {
    const from = try r.s();
    const to = try r.s();
    const res = try resourceName(r);
    const amount = try amountArg(r);
    try r.end();
    try moveResource(from, to, res, amount, false, w);
}

/// agent.steal_resource(victim, thief, resource, amount): move min(amount, what the
/// victim has) to the thief. Returns the amount actually stolen.
pub fn stealResource(r: *Reader, w: *Writer) Error!void {
    const from = try r.s();
    const to = try r.s();
    const res = try resourceName(r);
    const amount = try amountArg(r);
    try r.end();
    try moveResource(from, to, res, amount, true, w);
}

fn moveResource(from: []const u8, to: []const u8, res: []const u8, amount: i64, clamp: bool, w: *Writer) Error!void {
    const a = try w_.agentIndex(from);
    const b = try w_.agentIndex(to);
    if (a == b) return io.failSame(.agent, from);
    var rk = Res.of(res);
    const have = rk.held(a);
    const n = if (clamp) @min(amount, have) else amount;
    if (n > have) return io.fail(.insufficient, .resource, res, 0, amount, have);
    const nb = std.math.add(i64, rk.held(b), n) catch return overflow(n, rk.held(b));
    try rk.set(a, have - n);
    try rk.set(b, nb);
    try w.int(n);
}

/// agent.add_token(name, token): put a loose token into the inventory.
pub fn addToken(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const id = try r.u();
    try r.end();
    const a = try w_.agentIndex(name);
    _ = try w_.looseToken(id);
    try w_.put(id, .{ .loc = .inventory, .index = a });
    _ = w;
}

/// agent.remove_token(name, token): take a token out of the inventory; it becomes loose.
pub fn removeToken(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const id = try r.u();
    try r.end();
    const a = try w_.agentIndex(name);
    try inInventory(a, id, name);
    w_.detach(id);
    _ = w;
}

/// agent.transfer_token(from, to, token): move a token from one inventory to another.
pub fn transferToken(r: *Reader, w: *Writer) Error!void {
    const from = try r.s();
    const to = try r.s();
    const id = try r.u();
    try r.end();
    const a = try w_.agentIndex(from);
    const b = try w_.agentIndex(to);
    try inInventory(a, id, from);
    w_.detach(id);
    try w_.put(id, .{ .loc = .inventory, .index = b });
    _ = w;
}

/// agent.steal_token(victim, thief, seed): move one token, chosen uniformly with
/// mulberry32(seed) (index floor(r * n) of the inventory), from victim to thief.
/// An empty inventory is an error. Returns the stolen id.
pub fn stealToken(r: *Reader, w: *Writer) Error!void {
    const from = try r.s();
    const to = try r.s();
    const seed = try r.u();
    try r.end();
    const a = try w_.agentIndex(from);
    const b = try w_.agentIndex(to);
    if (a == b) return io.failSame(.agent, from);
    const inv = w_.agent(a).inventory.items(u32);
    if (inv.len == 0) return io.fail(.overdraw, .inventory, from, 0, 1, 0);
    var g = rng.Mulberry32{ .state = seed };
    const id = inv[g.below(@intCast(inv.len))];
    w_.detach(id);
    try w_.put(id, .{ .loc = .inventory, .index = b });
    (try w.ids(1))[0] = id;
}

/// agent.trade(a, b, tokens_a, resource_a, amount_a, tokens_b, resource_b, amount_b):
/// an atomic exchange: `a` gives its listed tokens and amount_a of resource_a to `b`;
/// `b` gives its listed tokens and amount_b of resource_b to `a`. Everything is
/// checked first; an empty resource name means no resource on that side.
pub fn trade(r: *Reader, w: *Writer) Error!void {
    const an = try r.s();
    const bn = try r.s();
    const ta = try r.ids();
    const ra = try r.s();
    const xa = try amountArg(r);
    const tb = try r.ids();
    const rb = try r.s();
    const xb = try amountArg(r);
    try r.end();
    const a = try w_.agentIndex(an);
    const b = try w_.agentIndex(bn);
    if (a == b) return io.failSame(.agent, an);
    for (ta, 0..) |id, i| {
        try inInventory(a, id, an);
        for (ta[0..i]) |prev| if (prev == id) return io.failToken(.bad_argument, id);
    }
    for (tb, 0..) |id, i| {
        try inInventory(b, id, bn);
        for (tb[0..i]) |prev| if (prev == id) return io.failToken(.bad_argument, id);
    }
    if ((xa > 0 and ra.len == 0) or (xb > 0 and rb.len == 0)) return io.fail(.bad_argument, .resource, "a resource name is required", 0, 0, 0);
    const ka = sym.lookup(&w_.h.syms, ra);
    const kb = sym.lookup(&w_.h.syms, rb);
    if (xa > 0 and resource(a, ka) < xa) return io.fail(.insufficient, .resource, ra, 0, xa, resource(a, ka));
    if (xb > 0 and resource(b, kb) < xb) return io.fail(.insufficient, .resource, rb, 0, xb, resource(b, kb));
    // The receiving totals must fit in an i64 too, checked before anything moves (an
    // overflow would trap half-way through the exchange). When both sides trade the
    // same resource the two moves are applied one after the other, as below.
    if (xa > 0) _ = std.math.add(i64, resource(b, ka), xa) catch return overflow(xa, resource(b, ka));
    if (xb > 0) {
        const a_after = if (ka == kb) resource(a, kb) - xa else resource(a, kb);
        _ = std.math.add(i64, a_after, xb) catch return overflow(xb, a_after);
    }
    for (ta) |id| {
        w_.detach(id);
        try w_.put(id, .{ .loc = .inventory, .index = b });
    }
    for (tb) |id| {
        w_.detach(id);
        try w_.put(id, .{ .loc = .inventory, .index = a });
    }
    if (xa > 0) {
        try setResource(a, ka, resource(a, ka) - xa);
        try setResource(b, ka, resource(b, ka) + xa);
    }
    if (xb > 0) {
        try setResource(b, kb, resource(b, kb) - xb);
        try setResource(a, kb, resource(a, kb) + xb);
    }
    _ = w;
}

/// agent.draw_cards(name, stack, count): move the top `count` tokens of a stack into
/// the inventory (overdraw is an error). Returns ids, top first.
pub fn drawCards(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const sname = try r.s();
    const count = try r.u();
    try r.end();
    const a = try w_.agentIndex(name);
    const st = try w_.stackIndex(sname);
    try w_.checkCount(.stack, sname, count, w_.stack(st).items.len);
    const out = try w.ids(count);
    for (out) |*o| {
        const l = &w_.stack(st).items;
        const id = l.items(u32)[l.len - 1];
        w_.detach(id);
        try w_.put(id, .{ .loc = .inventory, .index = a });
        o.* = id;
    }
}

/// agent.discard_cards(name, tokens, stack): move the listed inventory tokens, in
/// order, onto the stack's discards.
pub fn discardCards(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const ids = try r.ids();
    const sname = try r.s();
    try r.end();
    const a = try w_.agentIndex(name);
    const st = try w_.stackIndex(sname);
    for (ids, 0..) |id, i| {
        try inInventory(a, id, name);
        for (ids[0..i]) |prev| if (prev == id) return io.failToken(.bad_argument, id);
    }
    for (ids) |id| {
        w_.detach(id);
        try w_.put(id, .{ .loc = .discards, .index = st });
    }
    _ = w;
}
