//! Batch actions: many shuffles or draws in one action, and queries over containers.

const std = @import("std");
const io = @import("io.zig");
const w_ = @import("world.zig");
const sym = @import("sym.zig");
const rng = @import("rng.zig");
const src = @import("ops_source.zig");
const Error = io.Error;
const Reader = io.Reader;
const Writer = io.Writer;
const Token = w_.Token;

/// batch.shuffle(stacks, seed): shuffle stack i of the list with upstream's batch
/// seed `batchSeed("<seed>-<i>")`. Every name is checked before any shuffle.
pub fn shuffle(r: *Reader, w: *Writer) Error!void {
    const n = try r.u();
    var names = r.*;
    var i: u32 = 0;
    while (i < n) : (i += 1) _ = try w_.stackIndex(try r.s());
    const seed = try r.u();
    try r.end();
    i = 0;
    while (i < n) : (i += 1) {
        const st = w_.stackIndex(try names.s()) catch unreachable;
        _ = rng.shuffle(u32, w_.stack(st).items.items(u32), rng.batchSeed(seed, i));
    }
    _ = w;
}

/// A container named in a query: kind 1 stack, 2 discards, 3 zone, 4 inventory,
/// 5 source, 6 tray, 7 every live token.
const Container = struct { kind: u32, index: u32 };

fn readContainer(r: *Reader) Error!Container {
    const kind = try r.u();
    const name = try r.s();
    return .{ .kind = kind, .index = switch (kind) {
        1, 2 => try w_.stackIndex(name),
        3 => try w_.zoneIndex(name),
        4 => try w_.agentIndex(name),
        5, 6 => try w_.sourceIndex(name),
        7 => 0,
        else => return io.fail(.bad_type, .argument, "container kind", 0, 7, kind),
    } };
}

fn ids(c: Container) []u32 {
    return switch (c.kind) {
        1 => w_.stack(c.index).items.items(u32),
        2 => w_.stack(c.index).discards.items(u32),
        4 => w_.agent(c.index).inventory.items(u32),
        5 => w_.source(c.index).items.items(u32),
        6 => w_.source(c.index).tray.items(u32),
        else => unreachable,
    };
}

fn size(c: Container) u32 {
    return switch (c.kind) {
        3 => w_.zone(c.index).placements.len,
        7 => w_.h.tokens.len,
        else => @intCast(ids(c).len),
    };
}

/// The token at position i of the container and, for zones, its facing.
fn at(c: Container, i: u32) struct { id: u32, face_up: bool } {
    return switch (c.kind) {
        3 => blk: {
            const p = w_.zone(c.index).placements.items(w_.Placement)[i];
            break :blk .{ .id = p.token, .face_up = p.face_up != 0 };
        },
        7 => .{ .id = i + 1, .face_up = true },
        else => .{ .id = ids(c)[i], .face_up = true },
    };
}

/// A predicate: field 0 any, 1 kind == arg, 2 group == arg, 3 label == arg,
/// 4 merged (has merged_from), 5 split (has split_from), 6 face up, 7 face down
/// (zones; tokens elsewhere count as face up), 8 has meta key arg, 9 transformed,
/// 10 has attachments.
const Pred = struct { field: u32, arg: u32, known: bool };

fn readPred(r: *Reader) Error!Pred {
    const field = try r.u();
    const arg = try r.s();
    if (field > 10) return io.fail(.bad_type, .argument, "predicate field", 0, 10, field);
    const needs = field == 1 or field == 2 or field == 3 or field == 8;
    if (needs and arg.len == 0) return io.fail(.bad_argument, .argument, "predicate needs a value", 0, 0, field);
    const id = sym.lookup(&w_.h.syms, arg);
    return .{ .field = field, .arg = id, .known = id != 0 or arg.len == 0 };
}

fn matches(p: Pred, c: Container, i: u32) bool {
    const e = at(c, i);
    const t = &w_.h.tokens.items(Token)[e.id - 1];
    if (c.kind == 7) {
        const k: w_.Loc = @enumFromInt(t.loc_kind);
        if (k == .merged or k == .split) return false;
    }
    const F = w_.TokenFlags;
    return switch (p.field) {
        0 => true,
        1 => p.known and t.kind == p.arg,
        2 => p.known and t.group == p.arg,
        3 => p.known and t.label == p.arg,
        4 => (t.flags & F.merged_from) != 0,
        5 => (t.flags & F.split_from) != 0,
        6 => e.face_up,
        7 => !e.face_up,
        8 => p.known and w_.mapGet(t.meta, p.arg) != null,
        9 => (t.flags & F.transformed) != 0,
        10 => t.attachments.len != 0,
        else => false,
    };
}

/// batch.filter(container, predicate): ids of matching tokens, bottom to top.
pub fn filter(r: *Reader, w: *Writer) Error!void {
    const c = try readContainer(r);
    const p = try readPred(r);
    try r.end();
    const n = size(c);
    const out = try w.ids(n);
    var k: u32 = 0;
    var i: u32 = 0;
    while (i < n) : (i += 1) {
        if (matches(p, c, i)) {
            out[k] = at(c, i).id;
            k += 1;
        }
    }
    w.truncateIds(n, k);
}

/// batch.count(container, predicate): how many tokens match.
pub fn count(r: *Reader, w: *Writer) Error!void {
    const c = try readContainer(r);
    const p = try readPred(r);
    try r.end();
    var k: i64 = 0;
    var i: u32 = 0;
    while (i < size(c)) : (i += 1) {
        if (matches(p, c, i)) k += 1;
    }
    try w.int(k);
}

/// batch.find(container, predicate): the first match from the top, as a list of
/// zero or one id (no match is an empty result, not an error).
pub fn find(r: *Reader, w: *Writer) Error!void {
    const c = try readContainer(r);
    const p = try readPred(r);
    try r.end();
    var i = size(c);
    while (i > 0) {
        i -= 1;
        if (matches(p, c, i)) {
            (try w.ids(1))[0] = at(c, i).id;
            return;
        }
    }
    _ = try w.ids(0);
}

/// batch.collect(containers, stack): move every token of the listed containers, in
/// order (bottom first), onto the top of the stack. Zones must be unlocked; kind 7
/// is not allowed here. Returns the number moved.
pub fn collect(r: *Reader, w: *Writer) Error!void {
    const n = try r.u();
    var again = r.*;
    var i: u32 = 0;
    while (i < n) : (i += 1) {
        const c = try readContainer(r);
        if (c.kind == 7) return io.fail(.bad_argument, .argument, "collect cannot take every token", 0, 0, 7);
        if (c.kind == 3 and w_.zone(c.index).locked != 0) return io.failNamed(.locked, .zone, sym.str(&w_.h.syms, w_.zone(c.index).name));
    }
    const st = try w_.stackIndex(try r.s());
    try r.end();
    var moved: i64 = 0;
    i = 0;
    while (i < n) : (i += 1) {
        const c = readContainer(&again) catch unreachable;
        if (c.kind == 1 and c.index == st) continue;
        while (size(c) > 0) {
            const id = at(c, 0).id;
            w_.detach(id);
            try w_.put(id, .{ .loc = .stack, .index = st });
            moved += 1;
        }
    }
    try w.int(moved);
}

/// batch.draw(from, count, dests): deal `count` rounds, one token per destination per
/// round in the listed order (a casino deal), from a stack (kind 1) or source (kind 5;
/// its reshuffle policy applies per token). The total is checked first: overdraw is
/// an error and changes nothing. A destination may not be the stack or shoe dealt
/// from. Returns ids in deal order.
pub fn draw(r: *Reader, w: *Writer) Error!void {
    const kind = try r.u();
    const name = try r.s();
    const rounds = try r.u();
    const nd = try r.u();
    if (nd == 0 or nd > 64) return io.fail(.bad_argument, .argument, "between 1 and 64 destinations", 0, 64, nd);
    var dests: [64]w_.Dest = undefined;
    for (dests[0..nd]) |*d| d.* = try w_.readDest(r);
    try r.end();
    const total = std.math.mul(u32, rounds, nd) catch return io.fail(.overdraw, .argument, name, 0, rounds, 0);
    const out = switch (kind) {
        1 => blk: {
            const st = try w_.stackIndex(name);
            for (dests[0..nd]) |d| if (d.loc == .stack and d.index == st) return io.failSame(.stack, name);
            try w_.checkCount(.stack, name, total, w_.stack(st).items.len);
            const o = try w.ids(total);
            for (o, 0..) |*x, k| {
                const l = &w_.stack(st).items;
                const id = l.items(u32)[l.len - 1];
                w_.detach(id);
                try w_.put(id, dests[k % nd]);
                x.* = id;
            }
            break :blk o;
        },
        5 => blk: {
            const si = try w_.sourceIndex(name);
            var avail: u32 = std.math.maxInt(u32);
            for (dests[0..nd]) |d| avail = @min(avail, try src.available(si, d, name));
            try w_.checkCount(.source, name, total, avail);
            const o = try w.ids(total);
            for (o, 0..) |*x, k| x.* = try src.drawInto(si, dests[k % nd]);
            break :blk o;
        },
        else => return io.fail(.bad_type, .argument, "draw from a stack (1) or a source (5)", 0, 5, kind),
    };
    _ = out;
}
