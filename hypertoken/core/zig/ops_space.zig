//! Space actions: named zones holding ordered placements (token, x, y, face up).
//! The last placement is the top. A locked zone refuses every change.

const std = @import("std");
const io = @import("io.zig");
const w_ = @import("world.zig");
const rng = @import("rng.zig");
const Error = io.Error;
const Reader = io.Reader;
const Writer = io.Writer;
const Placement = w_.Placement;

fn openZone(name: []const u8) Error!u32 {
    const z = try w_.zoneIndex(name);
    if (w_.zone(z).locked != 0) return io.failNamed(.locked, .zone, name);
    return z;
}

fn zoneName(z: u32) []const u8 {
    return @import("sym.zig").str(&w_.h.syms, w_.zone(z).name);
}

/// The zone index and placement index of a token that must be in an unlocked zone.
fn placed(id: u32) Error!struct { z: u32, i: u32 } {
    const t = try w_.liveToken(id);
    if (t.loc_kind != @intFromEnum(w_.Loc.zone)) {
        io.err.loc_kind = t.loc_kind;
        io.err.loc = t.loc;
        return io.fail(.not_here, .zone, "", id, 0, 0);
    }
    const z = t.loc;
    if (w_.zone(z).locked != 0) return io.failNamed(.locked, .zone, zoneName(z));
    for (w_.zone(z).placements.items(Placement), 0..) |p, i| {
        if (p.token == id) return .{ .z = z, .i = @intCast(i) };
    }
    unreachable;
}

/// space.create_zone(name): a new empty, unlocked zone. Error if the name is taken.
pub fn createZone(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    try r.end();
    _ = try w_.createNamed(w_.Zone, &w_.h.zones, .zone, name);
    _ = w;
}

/// space.delete_zone(name): remove an empty, unlocked zone. A zone that still holds
/// placements is an error (clear it first) so no token is lost silently.
pub fn deleteZone(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    try r.end();
    const z = try openZone(name);
    const n = w_.zone(z).placements.len;
    if (n != 0) return io.fail(.not_empty, .zone, name, 0, 0, n);
    w_.zone(z).placements.release(Placement);
    w_.zone(z).alive = 0;
    w_.h.structure_gen +%= 1;
    _ = w;
}

/// space.clear_zone(name): remove every placement; the tokens become loose. Returns
/// their ids in placement order.
pub fn clearZone(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    try r.end();
    const z = try openZone(name);
    try emptyZone(z, w);
}

fn emptyZone(z: u32, w: *Writer) Error!void {
    const pl = &w_.zone(z).placements;
    const out = try w.ids(pl.len);
    var k: u32 = 0;
    while (pl.len > 0) : (k += 1) {
        const id = pl.items(Placement)[0].token;
        w_.detach(id);
        out[k] = id;
    }
}

/// space.lock_zone(name, locked): lock or unlock a zone. Locking an already locked
/// zone (or unlocking an unlocked one) is an error, so a lost race is visible.
pub fn lockZone(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const locked = try r.b();
    try r.end();
    const z = try w_.zoneIndex(name);
    if ((w_.zone(z).locked != 0) == locked) return io.fail(.bad_state, .zone, name, 0, @intFromBool(locked), w_.zone(z).locked);
    w_.zone(z).locked = @intFromBool(locked);
    _ = w;
}

/// space.place(zone, token, x, y, face_up): put a loose token on top of the zone.
pub fn place(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const id = try r.u();
    const x = try r.f();
    const y = try r.f();
    const face_up = try r.b();
    try r.end();
    const z = try openZone(name);
    _ = try w_.looseToken(id);
    try w_.put(id, .{ .loc = .zone, .index = z, .x = x, .y = y, .face_up = face_up });
    _ = w;
}

/// space.remove(token): take a token out of its zone; it becomes loose.
pub fn remove(r: *Reader, w: *Writer) Error!void {
    const id = try r.u();
    try r.end();
    _ = try placed(id);
    w_.detach(id);
    _ = w;
}

/// space.move(token, to_zone, x, y): move a placed token to the top of `to_zone`
/// (which may be its own zone) at (x, y), keeping its facing.
pub fn move(r: *Reader, w: *Writer) Error!void {
    const id = try r.u();
    const to = try r.s();
    const x = try r.f();
    const y = try r.f();
    try r.end();
    const at = try placed(id);
    const dz = try openZone(to);
    const face_up = w_.zone(at.z).placements.items(Placement)[at.i].face_up != 0;
    w_.detach(id);
    try w_.put(id, .{ .loc = .zone, .index = dz, .x = x, .y = y, .face_up = face_up });
    _ = w;
}

/// space.flip(token, mode): mode 0 toggles, 1 turns face up, 2 face down. Returns
/// the new facing (1 up, 0 down).
pub fn flip(r: *Reader, w: *Writer) Error!void {
    const id = try r.u();
    const mode = try r.u();
    try r.end();
    if (mode > 2) return io.fail(.bad_type, .argument, "flip mode (0 toggle, 1 up, 2 down)", 0, 2, mode);
    const at = try placed(id);
    const p = &w_.zone(at.z).placements.items(Placement)[at.i];
    p.face_up = switch (mode) {
        0 => 1 - p.face_up,
        1 => 1,
        else => 0,
    };
    try w.int(p.face_up);
}

/// space.shuffle_zone(name, seed): shuffle the placement order with the same
/// mulberry32 Fisher-Yates as stacks. Positions are kept with their tokens.
pub fn shuffleZone(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const seed = try r.u();
    try r.end();
    const z = try openZone(name);
    _ = rng.shuffle(Placement, w_.zone(z).placements.items(Placement), seed);
    _ = w;
}

/// Layouts must give finite coordinates (as `place` requires); huge inputs can
/// overflow to infinity, so every position is computed and checked before any moves.
fn checkLayout(ps: []const Placement, comptime at: anytype, args: [4]f64) Error!void {
    for (0..ps.len) |i| {
        const xy = at(i, ps.len, args);
        if (!std.math.isFinite(xy[0]) or !std.math.isFinite(xy[1]))
            return io.fail(.bad_argument, .argument, "layout coordinates must be finite", 0, 0, @intCast(i));
    }
}

fn fanAt(i: usize, n: usize, a4: [4]f64) [2]f64 {
    const half = @as(f64, @floatFromInt(n)) / 2.0;
    const a = (@as(f64, @floatFromInt(i)) - half) * a4[3] * std.math.pi / 180.0;
    return .{ a4[0] + @cos(a) * a4[2], a4[1] + @sin(a) * a4[2] };
}

fn spreadAt(i: usize, n: usize, a4: [4]f64) [2]f64 {
    _ = n;
    const fi: f64 = @floatFromInt(i);
    return .{ a4[0] + fi * a4[2], a4[1] + fi * a4[3] };
}

fn layout(name: []const u8, comptime at: anytype, args: [4]f64) Error!void {
    const z = try openZone(name);
    const ps = w_.zone(z).placements.items(Placement);
    try checkLayout(ps, at, args);
    for (ps, 0..) |*p, i| {
        const xy = at(i, ps.len, args);
        p.x = xy[0];
        p.y = xy[1];
    }
}

/// space.fan(name, x, y, radius, step_deg): lay placements on an arc around (x, y):
/// placement i of n gets angle a = (i - n/2) * step_deg, at (x + cos(a) * radius,
/// y + sin(a) * radius).
pub fn fan(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const cx = try r.f();
    const cy = try r.f();
    const radius = try r.f();
    const step = try r.f();
    try r.end();
    try layout(name, fanAt, .{ cx, cy, radius, step });
    _ = w;
}

/// space.spread(name, x, y, dx, dy): lay placements in a line: placement i goes to
/// (x + i * dx, y + i * dy).
pub fn spread(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const x = try r.f();
    const y = try r.f();
    const dx = try r.f();
    const dy = try r.f();
    try r.end();
    try layout(name, spreadAt, .{ x, y, dx, dy });
    _ = w;
}

/// space.stack(name, x, y): gather every placement of the zone at (x, y).
pub fn stackZone(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const x = try r.f();
    const y = try r.f();
    try r.end();
    const z = try openZone(name);
    for (w_.zone(z).placements.items(Placement)) |*p| {
        p.x = x;
        p.y = y;
    }
    _ = w;
}

/// space.transfer(from, to): move every placement of `from` onto the top of `to`,
/// in order, keeping position and facing. Both must be unlocked and different.
/// Returns the number moved.
pub fn transfer(r: *Reader, w: *Writer) Error!void {
    const from = try r.s();
    const to = try r.s();
    try r.end();
    const a = try openZone(from);
    const b = try openZone(to);
    if (a == b) return io.failSame(.zone, from);
    const n = w_.zone(a).placements.len;
    try w_.zone(b).placements.reserve(Placement, n);
    while (w_.zone(a).placements.len > 0) {
        const p = w_.zone(a).placements.items(Placement)[0];
        w_.detach(p.token);
        try w_.put(p.token, .{ .loc = .zone, .index = b, .x = p.x, .y = p.y, .face_up = p.face_up != 0 });
    }
    try w.int(n);
}

/// space.clear(): delete every zone; their tokens become loose. Fails, changing
/// nothing, if any zone is locked. Returns the ids that became loose.
pub fn clear(r: *Reader, w: *Writer) Error!void {
    try r.end();
    var total: u32 = 0;
    for (w_.h.zones.items(w_.Zone)) |*z| {
        if (z.alive == 0) continue;
        if (z.locked != 0) return io.failNamed(.locked, .zone, @import("sym.zig").str(&w_.h.syms, z.name));
        total += z.placements.len;
    }
    const out = try w.ids(total);
    var k: u32 = 0;
    var zi: u32 = 0;
    while (zi < w_.h.zones.len) : (zi += 1) {
        const z = w_.zone(zi);
        if (z.alive == 0) continue;
        while (z.placements.len > 0) : (k += 1) {
            const id = z.placements.items(Placement)[0].token;
            w_.detach(id);
            out[k] = id;
        }
        z.placements.release(Placement);
        z.alive = 0;
    }
    w_.h.structure_gen +%= 1;
}
