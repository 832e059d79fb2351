//! Source actions: a multi-deck shoe built from member stacks, with a discard tray
//! and a reshuffle policy.

const std = @import("std");
const io = @import("io.zig");
const w_ = @import("world.zig");
const rng = @import("rng.zig");
const mem = @import("mem.zig");
const Error = io.Error;
const Reader = io.Reader;
const Writer = io.Writer;

pub const mode_manual: u32 = 0;
pub const mode_auto: u32 = 1;

/// source.create(name): a new empty source (manual reshuffle). Error if taken.
pub fn create(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    try r.end();
    _ = try w_.createNamed(w_.Source, &w_.h.sources, .source, name);
    _ = w;
}

fn hasStack(s: *w_.Source, st: u32) ?u32 {
    for (s.stacks.items(u32), 0..) |v, i| if (v == st) return @intCast(i);
    return null;
}

/// source.add_stack(source, stack): move every token of the stack, bottom first, onto
/// the top of the shoe, and record the stack as a member. Error if already a member.
/// Returns the number of tokens added.
pub fn addStack(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const sname = try r.s();
    try r.end();
    const si = try w_.sourceIndex(name);
    const st = try w_.stackIndex(sname);
    if (hasStack(w_.source(si), st) != null) return io.failNamed(.exists, .stack, sname);
    try w_.source(si).stacks.append(u32, st);
    const n = w_.stack(st).items.len;
    try w_.source(si).items.reserve(u32, n);
    while (w_.stack(st).items.len > 0) {
        const id = w_.stack(st).items.items(u32)[0];
        w_.detach(id);
        try w_.put(id, .{ .loc = .source, .index = si });
    }
    try w.int(n);
}

/// source.remove_stack(source, stack): the member's own tokens that are in the shoe
/// or the tray go back to the stack (in shoe order, then tray order) and the stack
/// stops being a member. Returns the number of tokens returned.
pub fn removeStack(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const sname = try r.s();
    try r.end();
    const si = try w_.sourceIndex(name);
    const st = try w_.stackIndex(sname);
    const pos = hasStack(w_.source(si), st) orelse return io.failNamed(.not_found, .stack, sname);
    _ = w_.source(si).stacks.removeAt(u32, pos);
    var n: u32 = 0;
    inline for (.{ "items", "tray" }) |field| {
        var i: u32 = 0;
        while (i < @field(w_.source(si), field).len) {
            const id = @field(w_.source(si), field).items(u32)[i];
            if (w_.h.tokens.items(w_.Token)[id - 1].home == st + 1) {
                w_.detach(id);
                try w_.put(id, .{ .loc = .stack, .index = st });
                n += 1;
            } else i += 1;
        }
    }
    try w.int(n);
}

/// Auto policy: before each token is drawn, if the shoe holds no more than
/// `threshold` tokens and the tray is not empty, the tray goes back into the shoe
/// and the whole shoe is reshuffled, continuing the source's mulberry32 stream.
fn maybeReshuffle(si: u32) Error!void {
    const s = w_.source(si);
    if (s.mode != mode_auto or s.items.len > s.threshold or s.tray.len == 0) return;
    try s.items.reserve(u32, s.tray.len);
    while (w_.source(si).tray.len > 0) {
        const id = w_.source(si).tray.items(u32)[0];
        w_.detach(id);
        try w_.put(id, .{ .loc = .source, .index = si });
    }
    var g = rng.Mulberry32{ .state = w_.source(si).rng };
    rng.shuffleWith(u32, w_.source(si).items.items(u32), &g);
    w_.source(si).rng = g.state;
}

fn itemsOf(i: u32) *mem.List {
    return &w_.source(i).items;
}

/// How many tokens a draw from source `si` into `d` can take: the shoe, plus the
/// tray under the auto policy (the tray rejoins the shoe when it runs low). Drawing
/// into the source's own shoe is refused (each draw would take back the token just
/// put there), and so is drawing into its own tray under the auto policy (the tray
/// feeds the shoe).
pub fn available(si: u32, d: w_.Dest, name: []const u8) Error!u32 {
    const s = w_.source(si);
    if (d.loc == .source and d.index == si) return io.failSame(.source, name);
    if (s.mode != mode_auto) return s.items.len;
    if (d.loc == .tray and d.index == si) return io.failSame(.source, name);
    return s.items.len + s.tray.len;
}

/// source.draw(source, count, to): take `count` tokens from the top of the shoe to
/// `to`, applying the reshuffle policy before each token (overdraw is an error and
/// changes nothing). Returns ids, top first.
pub fn draw(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const count = try r.u();
    const si = try w_.sourceIndex(name);
    const d = try w_.readDest(r);
    try r.end();
    try w_.checkCount(.source, name, count, try available(si, d, name));
    const out = try w.ids(count);
    for (out) |*o| o.* = try drawInto(si, d);
}

fn takeTop(si: u32, count: u32, d: w_.Dest, w: *Writer) Error!void {
    const out = try w.ids(count);
    var k: u32 = 0;
    while (k < count) : (k += 1) {
        const l = itemsOf(si);
        const id = l.items(u32)[l.len - 1];
        w_.detach(id);
        try w_.put(id, d);
        out[k] = id;
    }
}

/// Draw one token from the top of source `si` into `d`, after the reshuffle policy.
/// The caller has checked `available`.
pub fn drawInto(si: u32, d: w_.Dest) Error!u32 {
    try maybeReshuffle(si);
    const l = itemsOf(si);
    const id = l.items(u32)[l.len - 1];
    w_.detach(id);
    try w_.put(id, d);
    return id;
}

/// source.shuffle(source, seed): shuffle the shoe with mulberry32(seed), bit-exact
/// with upstream; the generator's final state seeds later automatic reshuffles.
pub fn shuffle(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const seed = try r.u();
    try r.end();
    const si = try w_.sourceIndex(name);
    w_.source(si).rng = rng.shuffle(u32, w_.source(si).items.items(u32), seed);
    _ = w;
}

/// source.burn(source, count): move the top `count` tokens to the tray. Returns ids.
pub fn burn(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const count = try r.u();
    try r.end();
    const si = try w_.sourceIndex(name);
    try w_.checkCount(.source, name, count, w_.source(si).items.len);
    try takeTop(si, count, .{ .loc = .tray, .index = si }, w);
}

/// source.reset(source): every live token created in a member stack comes back into
/// the shoe from wherever it is, member by member in creation order; the tray ends
/// empty (foreign tokens in the shoe or tray become loose). Not shuffled. Returns
/// the shoe size.
pub fn reset(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    try r.end();
    const si = try w_.sourceIndex(name);
    const s = w_.source(si);
    for (s.stacks.items(u32)) |st| try w_.homeMovable(st);
    while (s.items.len > 0) w_.detach(s.items.items(u32)[0]);
    while (s.tray.len > 0) w_.detach(s.tray.items(u32)[0]);
    for (s.stacks.items(u32)) |st| {
        for (w_.h.tokens.items(w_.Token)) |*t| {
            if (t.home != st + 1) continue;
            const k: w_.Loc = @enumFromInt(t.loc_kind);
            if (k == .merged or k == .split) continue;
            w_.detach(t.id);
            try w_.put(t.id, .{ .loc = .source, .index = si });
        }
    }
    try w.int(w_.source(si).items.len);
}

/// source.set_reshuffle_policy(source, threshold, mode): mode 0 manual (never
/// reshuffles by itself), 1 auto (see draw).
pub fn setPolicy(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const threshold = try r.u();
    const mode = try r.u();
    try r.end();
    const si = try w_.sourceIndex(name);
    if (mode > 1) return io.fail(.bad_type, .argument, "reshuffle mode (0 manual, 1 auto)", 0, 1, mode);
    w_.source(si).threshold = threshold;
    w_.source(si).mode = mode;
    _ = w;
}
