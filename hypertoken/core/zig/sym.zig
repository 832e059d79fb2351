//! Interned strings ("symbols"). Names, labels, keys and phases are stored as u32
//! symbol ids; id 0 is the empty string and means "none".

const std = @import("std");
const mem = @import("mem.zig");
const List = mem.List;

/// One interned string: where its bytes are, how long it is, and its hash.
pub const SymEntry = extern struct {
    ptr: u32,
    len: u32,
    hash: u32,
    _pad: u32 = 0,
};

/// Symbol table state, stored in the world header.
pub const SymTable = extern struct {
    entries: List = .{},
    /// Open-addressing index of symbol ids (0 = empty slot); capacity is a power of two.
    index: List = .{},
};

fn fnv1a(s: []const u8) u32 {
    var h: u32 = 2166136261;
    for (s) |c| {
        h ^= c;
        h *%= 16777619;
    }
    return h;
}

/// Bytes of symbol `id`.
pub fn str(t: *const SymTable, id: u32) []const u8 {
    if (id == 0) return "";
    const e = t.entries.items(SymEntry)[id];
    const p: [*]const u8 = @ptrFromInt(e.ptr);
    return p[0..e.len];
}

/// Find `s` without creating it; 0 if it was never interned (or is empty).
pub fn lookup(t: *const SymTable, s: []const u8) u32 {
    if (s.len == 0 or t.index.cap == 0) return 0;
    const h = fnv1a(s);
    const slots = t.index.items(u32).ptr[0..t.index.cap];
    const ents = t.entries.items(SymEntry);
    const mask = t.index.cap - 1;
    var i = h & mask;
    while (true) : (i = (i + 1) & mask) {
        const id = slots[i];
        if (id == 0) return 0;
        const e = ents[id];
        if (e.hash == h and e.len == s.len) {
            const p: [*]const u8 = @ptrFromInt(e.ptr);
            if (std.mem.eql(u8, p[0..e.len], s)) return id;
        }
    }
}

fn place(slots: []u32, ents: []const SymEntry, id: u32) void {
    const mask: u32 = @intCast(slots.len - 1);
    var i = ents[id].hash & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = id;
}

/// Intern `s`, returning its id (creating it if needed).
pub fn intern(t: *SymTable, s: []const u8) mem.OomError!u32 {
    if (s.len == 0) return 0;
    const found = lookup(t, s);
    if (found != 0) return found;
    if (t.entries.len == 0) try t.entries.append(SymEntry, .{ .ptr = 0, .len = 0, .hash = 0 });
    // Keep the index at most half full.
    if ((t.entries.len + 1) * 2 > t.index.cap) {
        const ncap: u32 = if (t.index.cap == 0) 64 else t.index.cap * 2;
        var nidx = List{};
        try nidx.reserve(u32, ncap);
        nidx.len = ncap;
        t.index.release(u32);
        t.index = nidx;
        const slots = t.index.items(u32);
        const ents = t.entries.items(SymEntry);
        var id: u32 = 1;
        while (id < ents.len) : (id += 1) place(slots, ents, id);
    }
    const bytes = try mem.alloc(@intCast(s.len));
    const p: [*]u8 = @ptrFromInt(bytes);
    @memcpy(p[0..s.len], s);
    const id: u32 = t.entries.len;
    try t.entries.append(SymEntry, .{ .ptr = bytes, .len = @intCast(s.len), .hash = fnv1a(s) });
    place(t.index.items(u32), t.entries.items(SymEntry), id);
    return id;
}
