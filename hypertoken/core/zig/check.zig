//! The world's invariants, checked on demand (tests, debugging, and `restore(verify=True)`,
//! where the bytes may come from a hostile peer):
//!
//! 1. Structure first, before anything is dereferenced: every block of the arena (each
//!    list's storage, each symbol's bytes, each free block) lies inside the arena's data,
//!    and no two overlap; lists are no longer than their capacity; the symbol index has a
//!    free slot and finds every symbol (so lookups terminate); every symbol id, container
//!    index, typed value and flag is in range; attachments form no cycle. A world that
//!    passes cannot make an action read or write outside the arena, loop forever or trap.
//! 2. Places: every live token is in exactly one place, that place lists it exactly once,
//!    and every container entry names a token that says it is there.

const std = @import("std");
const io = @import("io.zig");
const mem = @import("mem.zig");
const sym = @import("sym.zig");
const w_ = @import("world.zig");
const List = mem.List;
const Loc = w_.Loc;
const Token = w_.Token;
const Tag = w_.Tag;

fn bad(why: []const u8, id: u32) io.Error {
    return io.fail(.bad_state, .token, why, id, 0, 0);
}

// ---- 1. structure ------------------------------------------------------------------

/// The arena's data, [lo, hi), and a bitmap of claimed 16-byte units kept in scratch
/// memory above the arena (where atomic batches keep their rollback copy).
var lo: u32 = 0;
var hi: u32 = 0;
var claimed: [*]u8 = undefined;

/// The block `alloc` hands out for `bytes` bytes (a power of two from 16), or null.
fn blockSize(bytes: u64) ?u32 {
    var s: u64 = 16;
    while (s < bytes) s <<= 1;
    return if (s > mem.max_arena) null else @intCast(s);
}

/// Claim one block: inside [lo, hi), 16-aligned, overlapping no block claimed before.
fn claim(addr: u32, size: u32) io.Error!void {
    if (addr % 16 != 0 or addr < lo or addr > hi or size > hi - addr) return bad("a block lies outside the arena", 0);
    var u = (addr - lo) / 16;
    const end = u + size / 16;
    while (u < end) : (u += 1) {
        const bit = @as(u8, 1) << @intCast(u % 8);
        if (claimed[u / 8] & bit != 0) return bad("two blocks of the arena overlap", 0);
        claimed[u / 8] |= bit;
    }
}

/// A list of `T`: its length fits its capacity and its storage is a claimable block.
fn list(comptime T: type, l: List) io.Error!void {
    if (l.ptr == 0) {
        if (l.len != 0 or l.cap != 0) return bad("a list without storage has elements", 0);
        return;
    }
    if (l.len > l.cap) return bad("a list is longer than its capacity", 0);
    const size = blockSize(@as(u64, l.cap) * @sizeOf(T)) orelse return bad("a list is too large", 0);
    try claim(l.ptr, size);
}

fn symId(id: u64) io.Error!void {
    if (id != 0 and id >= w_.h.syms.entries.len) return bad("an unknown symbol id", 0);
}

fn below(v: u32, n: u32, why: []const u8) io.Error!void {
    if (v >= n) return bad(why, 0);
}

fn symbols() io.Error!void {
    const t = &w_.h.syms;
    try list(sym.SymEntry, t.entries);
    try list(u32, t.index);
    const ents = t.entries.items(sym.SymEntry);
    if (ents.len == 0) {
        if (t.index.cap != 0) return bad("a symbol index without symbols", 0);
        return;
    }
    if (ents[0].ptr != 0 or ents[0].len != 0) return bad("symbol 0 is not empty", 0);
    const cap = t.index.cap;
    if (cap == 0 or cap & (cap - 1) != 0 or t.index.len != cap or ents.len * 2 > cap) return bad("the symbol index has the wrong size", 0);
    var used: u32 = 0;
    for (t.index.items(u32)) |id| {
        try below(id, @intCast(ents.len), "the symbol index names an unknown symbol");
        used += @intFromBool(id != 0);
    }
    if (used != ents.len - 1) return bad("the symbol index does not list every symbol once", 0);
    for (ents[1..], 1..) |e, id| {
        if (e.len == 0) return bad("an empty symbol", 0);
        try claim(e.ptr, blockSize(e.len) orelse return bad("a symbol is too large", 0));
        const p: [*]const u8 = @ptrFromInt(e.ptr);
        if (sym.lookup(t, p[0..e.len]) != id) return bad("the symbol index does not find a symbol", 0);
    }
}

fn freeBlocks() io.Error!void {
    for (w_.h.arena.free, 0..) |head, c| {
        var addr = head;
        while (addr != 0) {
            try claim(addr, @as(u32, 16) << @intCast(c)); // a loop would overlap itself
            addr = @as(*const u32, @ptrFromInt(addr)).*;
        }
    }
}

/// A typed map (meta, resources, properties); `ints` when every value must be an int.
fn map(l: List, ints: bool) io.Error!void {
    try list(w_.Entry, l);
    for (l.items(w_.Entry)) |e| {
        if (e.key == 0) return bad("a map entry without a key", 0);
        try symId(e.key);
        if (ints and e.tag != Tag.int) return bad("a resource that is not an integer", 0);
        switch (e.tag) {
            Tag.int => {},
            Tag.float => if (std.math.isNan(@as(f64, @bitCast(e.payload)))) return bad("a NaN value", 0),
            Tag.boolean => if (e.payload > 1) return bad("a boolean that is not 0 or 1", 0),
            Tag.str => try symId(e.payload),
            else => return bad("an unknown value tag", 0),
        }
    }
}

fn flag(v: u32) io.Error!void {
    if (v > 1) return bad("a flag that is not 0 or 1", 0);
}

fn records() io.Error!void {
    const h = w_.h;
    try list(w_.Stack, h.stacks);
    try list(w_.Zone, h.zones);
    try list(w_.Source, h.sources);
    try list(w_.Agent, h.agents);
    try list(Token, h.tokens);
    try map(h.props, false);
    const n_stacks = h.stacks.len;
    const n_tokens = h.tokens.len;
    for (h.stacks.items(w_.Stack)) |*s| {
        try symId(s.name);
        try flag(s.alive);
        try list(u32, s.items);
        try list(u32, s.discards);
    }
    for (h.zones.items(w_.Zone)) |*z| {
        try symId(z.name);
        try flag(z.alive);
        try flag(z.locked);
        try list(w_.Placement, z.placements);
        for (z.placements.items(w_.Placement)) |p| {
            if (!std.math.isFinite(p.x) or !std.math.isFinite(p.y)) return bad("a placement is not at finite coordinates", p.token);
        }
    }
    for (h.sources.items(w_.Source)) |*s| {
        try symId(s.name);
        try flag(s.alive);
        try flag(s.mode);
        try list(u32, s.stacks);
        for (s.stacks.items(u32)) |st| try below(st, n_stacks, "a source member is not a stack");
        try list(u32, s.items);
        try list(u32, s.tray);
    }
    for (h.agents.items(w_.Agent)) |*a| {
        try symId(a.name);
        try flag(a.alive);
        try flag(a.active);
        try map(a.meta, false);
        try map(a.resources, true);
        try list(u32, a.inventory);
    }
    for (h.tokens.items(Token)) |*t| {
        for ([_]u32{ t.kind, t.label, t.group, t.attach_type }) |s| try symId(s);
        if (t.home > n_stacks) return bad("a token's home is not a stack", t.id);
        if (t.flags > 15) return bad("unknown token flags", t.id);
        if (t.split_from > n_tokens) return bad("split from an unknown token", t.id);
        try map(t.meta, false);
        try list(u32, t.attachments);
        try list(u32, t.merged_from);
        for (t.merged_from.items(u32)) |m| if (m == 0 or m > n_tokens) return bad("merged from an unknown token", t.id);
    }
    const g = &h.game;
    if (g.flags > 15) return bad("unknown game flags", 0);
    if (g.active < -1 or g.active >= @as(i64, h.agents.len)) return bad("the active agent does not exist", 0);
    if (g.active >= 0 and h.agents.items(w_.Agent)[@intCast(g.active)].alive == 0) return bad("the active agent was removed", 0);
    for ([_]u32{ g.phase, g.winner, g.reason }) |s| try symId(s);
}

/// No attachment chain loops (`attach` walks chains up to their root). Linear: each
/// token's chain is walked once, marking tokens 1 (on the current walk) then 2 (done)
/// in scratch memory after the bitmap.
fn acyclic(state: [*]u8) io.Error!void {
    const toks = w_.h.tokens.items(Token);
    @memset(state[0..toks.len], 0);
    for (0..toks.len) |start| {
        var i = start;
        while (state[i] == 0 and toks[i].loc_kind == @intFromEnum(Loc.attached)) {
            state[i] = 1;
            const host = toks[i].loc;
            if (host == 0 or host > toks.len) return bad("attached to an unknown token", @intCast(i + 1));
            i = host - 1;
        }
        if (state[i] == 1) return bad("attachments form a cycle", @intCast(i + 1));
        i = start;
        while (state[i] == 1) : (i = toks[i].loc - 1) state[i] = 2;
        state[i] = 2;
    }
}

fn structure() io.Error!void {
    const base = mem.base();
    if (w_.h.magic != w_.magic or w_.h.version != w_.layout_version) return bad("bad header", 0);
    lo = base + ((@sizeOf(w_.Header) + 15) & ~@as(u32, 15));
    hi = w_.h.arena.top;
    if (hi % 16 != 0 or hi < lo or hi - base > mem.max_arena) return bad("the arena's end is impossible", 0);
    const bitmap = (hi - lo) / 128 + 1;
    const scratch = base + mem.max_arena;
    try mem.ensureMemory(scratch + bitmap);
    claimed = @ptrFromInt(scratch);
    @memset(claimed[0..bitmap], 0);
    try freeBlocks();
    try symbols();
    try records();
    // The token list is known to fit the arena now, so its marks fit after the bitmap.
    try mem.ensureMemory(scratch + bitmap + w_.h.tokens.len);
    try acyclic(@ptrFromInt(scratch + bitmap));
}

// ---- 2. places -----------------------------------------------------------------------

fn entry(id: u32, loc: Loc, index: u32) io.Error!void {
    if (id == 0 or id > w_.h.tokens.len) return bad("container lists an unknown token", id);
    const t = &w_.h.tokens.items(Token)[id - 1];
    if (t.loc_kind != @intFromEnum(loc) or t.loc != index) return bad("container lists a token that is elsewhere", id);
}

fn ids(l: anytype, loc: Loc, index: u32, n: *u32) io.Error!void {
    for (l.items(u32)) |id| {
        try entry(id, loc, index);
        n.* += 1;
    }
}

pub fn run() io.Error!void {
    try structure();
    var entries: u32 = 0;
    for (w_.h.stacks.items(w_.Stack), 0..) |*s, i| {
        try ids(s.items, .stack, @intCast(i), &entries);
        try ids(s.discards, .discards, @intCast(i), &entries);
    }
    for (w_.h.zones.items(w_.Zone), 0..) |*z, i| {
        if (z.alive == 0 and z.placements.len != 0) return bad("deleted zone holds tokens", 0);
        for (z.placements.items(w_.Placement)) |p| {
            try entry(p.token, .zone, @intCast(i));
            if (p.face_up > 1) return bad("placement facing is not 0 or 1", p.token);
            entries += 1;
        }
    }
    for (w_.h.sources.items(w_.Source), 0..) |*s, i| {
        try ids(s.items, .source, @intCast(i), &entries);
        try ids(s.tray, .tray, @intCast(i), &entries);
    }
    for (w_.h.agents.items(w_.Agent), 0..) |*a, i| {
        if (a.alive == 0 and a.inventory.len != 0) return bad("removed agent holds tokens", 0);
        try ids(a.inventory, .inventory, @intCast(i), &entries);
    }
    var placed: u32 = 0;
    for (w_.h.tokens.items(Token), 0..) |*t, i| {
        if (t.id != i + 1) return bad("token id does not match its slot", @intCast(i + 1));
        try ids(t.attachments, .attached, t.id, &entries);
        if (t.loc_kind > @intFromEnum(Loc.split)) return bad("unknown location kind", t.id);
        const k: Loc = @enumFromInt(t.loc_kind);
        switch (k) {
            .loose => {},
            .merged => {
                const into = t.loc;
                if (into == 0 or into > w_.h.tokens.len) return bad("merged into an unknown token", t.id);
                var found = false;
                for (w_.h.tokens.items(Token)[into - 1].merged_from.items(u32)) |m| found = found or m == t.id;
                if (!found) return bad("merged token missing from merged_from", t.id);
            },
            .split => {},
            else => placed += 1,
        }
    }
    if (placed != entries) return io.fail(.bad_state, .none, "placed tokens and container entries differ", 0, placed, entries);
}
