//! Stack actions. A stack is an ordered list of tokens; the top is the end.
//! Each handler documents its one semantics; the Python facade repeats it.

const std = @import("std");
const io = @import("io.zig");
const w_ = @import("world.zig");
const rng = @import("rng.zig");
const Error = io.Error;
const Reader = io.Reader;
const Writer = io.Writer;

/// stack.create(name): a new empty stack. Error if the name is taken.
pub fn create(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    try r.end();
    _ = try w_.createNamed(w_.Stack, &w_.h.stacks, .stack, name);
    _ = w;
}

/// Move the top `count` tokens of stack `idx` to `d`, writing their ids top first.
fn takeTop(list_of: *const fn (u32) *@import("mem.zig").List, idx: u32, count: u32, d: w_.Dest, w: *Writer) Error!void {
    const out = try w.ids(count);
    var k: u32 = 0;
    while (k < count) : (k += 1) {
        const l = list_of(idx);
        const id = l.items(u32)[l.len - 1];
        w_.detach(id);
        try w_.put(id, d);
        out[k] = id;
    }
}

fn itemsOf(i: u32) *@import("mem.zig").List {
    return &w_.stack(i).items;
}

/// stack.draw(name, count, to): take the top `count` tokens (count >= 1, never more
/// than the stack holds: overdraw is an error, not a clamp) and put them at `to`.
/// `to` may not be the stack itself (each draw would take back the token just put
/// there). Returns their ids, top first.
pub fn draw(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const count = try r.u();
    const idx = try w_.stackIndex(name);
    const d = try w_.readDest(r);
    try r.end();
    if (d.loc == .stack and d.index == idx) return io.failSame(.stack, name);
    try w_.checkCount(.stack, name, count, w_.stack(idx).items.len);
    try takeTop(&itemsOf, idx, count, d, w);
}

/// stack.peek(name, count): ids of the top `count` tokens, top first. Changes nothing.
pub fn peek(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const count = try r.u();
    try r.end();
    const idx = try w_.stackIndex(name);
    const items = w_.stack(idx).items.items(u32);
    try w_.checkCount(.stack, name, count, @intCast(items.len));
    const out = try w.ids(count);
    for (out, 0..) |*o, k| o.* = items[items.len - 1 - k];
}

/// stack.shuffle(name, seed): Fisher-Yates with mulberry32(seed), bit-exact with
/// upstream HyperToken's shuffleArray(tokens, seed) on the bottom-to-top order.
pub fn shuffle(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const seed = try r.u();
    try r.end();
    const idx = try w_.stackIndex(name);
    _ = rng.shuffle(u32, w_.stack(idx).items.items(u32), seed);
    _ = w;
}

/// stack.burn(name, count): move the top `count` tokens onto the stack's discards.
/// Returns their ids, top first.
pub fn burn(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const count = try r.u();
    try r.end();
    const idx = try w_.stackIndex(name);
    try w_.checkCount(.stack, name, count, w_.stack(idx).items.len);
    try takeTop(&itemsOf, idx, count, .{ .loc = .discards, .index = idx }, w);
}

/// stack.reset(name): every live token created in this stack comes back to it from
/// wherever it is, in creation order (bottom = first created). Tokens created
/// elsewhere that were in this stack or its discards become loose. Merged or split
/// tokens no longer exist and are not restored. Returns the stack's new size.
pub fn reset(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    try r.end();
    const idx = try w_.stackIndex(name);
    try w_.homeMovable(idx);
    const s = w_.stack(idx);
    // Foreign tokens leave first.
    var i: u32 = 0;
    while (i < s.items.len) {
        const id = s.items.items(u32)[i];
        if (w_.h.tokens.items(w_.Token)[id - 1].home != idx + 1) w_.detach(id) else i += 1;
    }
    while (s.discards.len > 0) w_.detach(s.discards.items(u32)[0]);
    // Then every home token is detached and re-placed by creation order.
    const toks = w_.h.tokens.items(w_.Token);
    for (toks) |*t| {
        if (t.home != idx + 1) continue;
        const k: w_.Loc = @enumFromInt(t.loc_kind);
        if (k == .merged or k == .split) continue;
        w_.detach(t.id);
    }
    s.items.len = 0;
    var count: u32 = 0;
    for (toks) |*t| {
        if (t.home != idx + 1 or t.loc_kind != @intFromEnum(w_.Loc.loose)) continue;
        count += 1;
    }
    try s.items.reserve(u32, count);
    // Creation order: home_pos increases with token id within one stack.
    for (w_.h.tokens.items(w_.Token)) |*t| {
        if (t.home != idx + 1 or t.loc_kind != @intFromEnum(w_.Loc.loose)) continue;
        try w_.put(t.id, .{ .loc = .stack, .index = idx });
    }
    try w.int(count);
}

/// stack.cut(name, n): upstream's cut: with positions counted from the bottom,
/// `tokens = tokens[n:] + tokens[:n]`, so the bottom `n` tokens go to the top.
/// Requires 0 < n < size.
pub fn cut(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const n = try r.u();
    try r.end();
    const idx = try w_.stackIndex(name);
    const items = w_.stack(idx).items.items(u32);
    if (n == 0 or n >= items.len) return io.fail(.out_of_range, .stack, name, 0, n, @intCast(items.len));
    std.mem.rotate(u32, items, n);
    _ = w;
}

/// stack.insert_at(name, position, token): insert a loose token at `position`
/// counted from the bottom (0 = bottom, size = top). Out of range is an error.
pub fn insertAt(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const pos = try r.u();
    const id = try r.u();
    try r.end();
    const idx = try w_.stackIndex(name);
    _ = try w_.looseToken(id);
    const len = w_.stack(idx).items.len;
    if (pos > len) return io.fail(.out_of_range, .stack, name, 0, pos, len);
    try w_.putAt(id, .stack, idx, pos);
    _ = w;
}

/// stack.remove_at(name, position): take the token at `position` (0 = bottom); it
/// becomes loose. Returns its id.
pub fn removeAt(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const pos = try r.u();
    try r.end();
    const idx = try w_.stackIndex(name);
    const items = w_.stack(idx).items.items(u32);
    if (pos >= items.len) return io.fail(.out_of_range, .stack, name, 0, pos, @intCast(items.len));
    const id = items[pos];
    w_.detach(id);
    (try w.ids(1))[0] = id;
}

/// stack.swap(name, i, j): exchange the tokens at positions i and j (from the bottom).
pub fn swap(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const i = try r.u();
    const j = try r.u();
    try r.end();
    const idx = try w_.stackIndex(name);
    const items = w_.stack(idx).items.items(u32);
    if (i >= items.len) return io.fail(.out_of_range, .stack, name, 0, i, @intCast(items.len));
    if (j >= items.len) return io.fail(.out_of_range, .stack, name, 0, j, @intCast(items.len));
    std.mem.swap(u32, &items[i], &items[j]);
    _ = w;
}

/// stack.reverse(name): reverse the whole stack.
pub fn reverse(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    try r.end();
    const idx = try w_.stackIndex(name);
    std.mem.reverse(u32, w_.stack(idx).items.items(u32));
    _ = w;
}

/// stack.discard(name, token): put a loose token on top of the stack's discards.
pub fn discard(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    const id = try r.u();
    try r.end();
    const idx = try w_.stackIndex(name);
    _ = try w_.looseToken(id);
    try w_.put(id, .{ .loc = .discards, .index = idx });
    _ = w;
}
