//! The world's records and the one place that moves tokens between containers.
//!
//! Invariant: every live token is in exactly one place, recorded in `loc_kind`/`loc`
//! and matched by exactly one entry in that container. Only `detach` and `put` change
//! a token's place, so the invariant is kept in one spot and checked by `check`.

const std = @import("std");
const mem = @import("mem.zig");
const sym = @import("sym.zig");
const io = @import("io.zig");
const List = mem.List;
const Error = io.Error;

pub const magic: u32 = 0x31575448; // "HTW1"
pub const layout_version: u32 = 1;

/// Where a token is.
pub const Loc = enum(u32) {
    loose = 0,
    stack = 1,
    discards = 2,
    zone = 3,
    inventory = 4,
    source = 5,
    tray = 6,
    attached = 7,
    merged = 8,
    split = 9,
};

pub const TokenFlags = struct {
    pub const merged_from: u32 = 1;
    pub const split_from: u32 = 2;
    pub const transformed: u32 = 4;
    pub const attached: u32 = 8;
};

pub const Token = extern struct {
    id: u32,
    kind: u32,
    label: u32,
    group: u32,
    loc_kind: u32,
    /// Container index, host token id (attached) or the token it became (merged).
    loc: u32,
    /// 1 + index of the stack the token was created in; 0 if it has no home.
    home: u32,
    /// Creation order within the home stack (what `stack.reset` restores).
    home_pos: u32,
    flags: u32,
    attach_type: u32,
    split_from: u32,
    split_index: u32,
    meta: List,
    attachments: List,
    merged_from: List,
    _pad: u32,
    merged_at: i64,
    split_at: i64,
    attached_at: i64,
    transformed_at: i64,
};

pub const Stack = extern struct {
    name: u32,
    alive: u32,
    items: List,
    discards: List,
    /// Tokens ever created in this stack (the next `home_pos`).
    created: u32,
    _pad: u32,
};

pub const Placement = extern struct {
    token: u32,
    face_up: u32,
    x: f64,
    y: f64,
};

pub const Zone = extern struct {
    name: u32,
    alive: u32,
    locked: u32,
    _pad: u32,
    placements: List,
    _pad2: u32,
};

pub const Source = extern struct {
    name: u32,
    alive: u32,
    /// 0 manual, 1 auto.
    mode: u32,
    threshold: u32,
    rng: u32,
    _pad: u32,
    /// Member stacks (stack indices) in the order they were added.
    stacks: List,
    items: List,
    tray: List,
};

pub const Agent = extern struct {
    name: u32,
    alive: u32,
    active: u32,
    _pad: u32,
    meta: List,
    resources: List,
    inventory: List,
    _pad2: u32,
};

/// A typed map entry (token meta, agent meta, resources, game properties).
pub const Entry = extern struct {
    key: u32,
    tag: u32,
    payload: u64,
};

pub const Tag = struct {
    pub const none: u32 = 0;
    pub const int: u32 = 1;
    pub const float: u32 = 2;
    pub const boolean: u32 = 3;
    pub const str: u32 = 4;
};

pub const GameFlags = struct {
    pub const started: u32 = 1;
    pub const ended: u32 = 2;
    pub const paused: u32 = 4;
    pub const running: u32 = 8;
};

pub const Game = extern struct {
    turn: u32,
    phase: u32,
    /// Index into `agents`, or -1.
    active: i32,
    max_turns: u32,
    flags: u32,
    winner: u32,
    reason: u32,
    _pad: u32,
    start_time: i64,
    end_time: i64,
    pause_time: i64,
    total_pause: i64,
};

/// The header at the start of the arena. Its address is the arena base.
pub const Header = extern struct {
    magic: u32,
    version: u32,
    /// Bumped whenever a stack, zone, source or agent is created or removed.
    structure_gen: u32,
    _pad: u32,
    arena: mem.ArenaState,
    syms: sym.SymTable,
    tokens: List,
    stacks: List,
    zones: List,
    sources: List,
    agents: List,
    props: List,
    _pad2: u32,
    game: Game,
};

pub var h: *Header = undefined;

pub fn init(base: u32) Error!void {
    h = @ptrFromInt(base);
    const hp: [*]u8 = @ptrFromInt(base);
    try mem.ensureMemory(base + 4096);
    @memset(hp[0..@sizeOf(Header)], 0);
    h.magic = magic;
    h.version = layout_version;
    h.arena.top = base + ((@sizeOf(Header) + 15) & ~@as(u32, 15));
    h.game.active = -1;
    mem.bind(base, &h.arena);
}

pub fn bindExisting(base: u32) void {
    h = @ptrFromInt(base);
    mem.bind(base, &h.arena);
}

// ---- lookups -------------------------------------------------------------------

fn findNamed(comptime T: type, l: List, name: []const u8) ?u32 {
    const id = sym.lookup(&h.syms, name);
    if (id == 0) return null;
    for (l.items(T), 0..) |*r, i| {
        if (r.alive != 0 and r.name == id) return @intCast(i);
    }
    return null;
}

pub fn stackIndex(name: []const u8) Error!u32 {
    return findNamed(Stack, h.stacks, name) orelse io.failNamed(.not_found, .stack, name);
}
pub fn zoneIndex(name: []const u8) Error!u32 {
    return findNamed(Zone, h.zones, name) orelse io.failNamed(.not_found, .zone, name);
}
pub fn sourceIndex(name: []const u8) Error!u32 {
    return findNamed(Source, h.sources, name) orelse io.failNamed(.not_found, .source, name);
}
pub fn agentIndex(name: []const u8) Error!u32 {
    return findNamed(Agent, h.agents, name) orelse io.failNamed(.not_found, .agent, name);
}
pub fn exists(comptime T: type, l: List, name: []const u8) bool {
    return findNamed(T, l, name) != null;
}

pub fn stack(i: u32) *Stack {
    return &h.stacks.items(Stack)[i];
}
pub fn zone(i: u32) *Zone {
    return &h.zones.items(Zone)[i];
}
pub fn source(i: u32) *Source {
    return &h.sources.items(Source)[i];
}
pub fn agent(i: u32) *Agent {
    return &h.agents.items(Agent)[i];
}

/// The token with id `id` (ids start at 1), or an error naming it.
pub fn token(id: u32) Error!*Token {
    if (id == 0 or id > h.tokens.len) return io.failToken(.no_token, id);
    return &h.tokens.items(Token)[id - 1];
}

/// A token that still exists (not merged away or split up).
pub fn liveToken(id: u32) Error!*Token {
    const t = try token(id);
    const k: Loc = @enumFromInt(t.loc_kind);
    if (k == .merged or k == .split) return io.fail(.consumed, .token, "", id, @intCast(t.loc_kind), @intCast(t.loc));
    return t;
}

/// A live token that is in no container (freshly drawn, removed or created).
pub fn looseToken(id: u32) Error!*Token {
    const t = try liveToken(id);
    if (t.loc_kind != @intFromEnum(Loc.loose)) {
        io.err.loc_kind = t.loc_kind;
        io.err.loc = t.loc;
        return io.failToken(.not_loose, id);
    }
    return t;
}

// ---- destinations ----------------------------------------------------------------

/// Where an action puts tokens. Validated before any mutation by `readDest`.
pub const Dest = struct {
    loc: Loc,
    index: u32 = 0,
    face_up: bool = true,
    x: f64 = 0,
    y: f64 = 0,
};

/// Read a destination argument: `u32 kind, u32 flags, f64 x, f64 y, str name`.
/// kind: 0 loose, 1 stack top, 2 stack discards, 3 zone, 4 agent inventory,
/// 5 source top, 6 source tray. flags bit 0: face down (zones only).
pub fn readDest(r: *io.Reader) Error!Dest {
    const kind = try r.u();
    const flags = try r.u();
    const x = try r.f();
    const y = try r.f();
    const name = try r.s();
    if (flags > 1) return io.fail(.bad_type, .argument, "destination flags", 0, 1, flags);
    var d = Dest{ .loc = .loose, .face_up = (flags & 1) == 0, .x = x, .y = y };
    switch (kind) {
        0 => {},
        1 => d = .{ .loc = .stack, .index = try stackIndex(name) },
        2 => d = .{ .loc = .discards, .index = try stackIndex(name) },
        3 => {
            d.loc = .zone;
            d.index = try zoneIndex(name);
            if (zone(d.index).locked != 0) return io.failNamed(.locked, .zone, name);
        },
        4 => d = .{ .loc = .inventory, .index = try agentIndex(name) },
        5 => d = .{ .loc = .source, .index = try sourceIndex(name) },
        6 => d = .{ .loc = .tray, .index = try sourceIndex(name) },
        else => return io.fail(.bad_type, .argument, "destination kind", 0, 6, kind),
    }
    return d;
}

fn idList(loc: Loc, index: u32) *List {
    return switch (loc) {
        .stack => &stack(index).items,
        .discards => &stack(index).discards,
        .inventory => &agent(index).inventory,
        .source => &source(index).items,
        .tray => &source(index).tray,
        else => unreachable,
    };
}

/// Put a loose token at `d` (on top). Cannot fail except for memory.
pub fn put(id: u32, d: Dest) Error!void {
    switch (d.loc) {
        .loose => {},
        .zone => try zone(d.index).placements.append(Placement, .{
            .token = id,
            .face_up = @intFromBool(d.face_up),
            .x = d.x,
            .y = d.y,
        }),
        else => try idList(d.loc, d.index).append(u32, id),
    }
    const t = &h.tokens.items(Token)[id - 1];
    t.loc_kind = @intFromEnum(d.loc);
    t.loc = d.index;
}

/// Insert a loose token into an id container at position `pos` (0 = bottom).
pub fn putAt(id: u32, loc: Loc, index: u32, pos: u32) Error!void {
    try idList(loc, index).insert(u32, pos, id);
    const t = &h.tokens.items(Token)[id - 1];
    t.loc_kind = @intFromEnum(loc);
    t.loc = index;
}

fn removeId(l: *List, id: u32) void {
    for (l.items(u32), 0..) |v, i| {
        if (v == id) {
            _ = l.removeAt(u32, @intCast(i));
            return;
        }
    }
    unreachable; // the location invariant guarantees membership
}

/// Take a live token out of wherever it is; it becomes loose.
pub fn detach(id: u32) void {
    const t = &h.tokens.items(Token)[id - 1];
    const loc: Loc = @enumFromInt(t.loc_kind);
    switch (loc) {
        .loose => {},
        .zone => {
            const pl = &zone(t.loc).placements;
            for (pl.items(Placement), 0..) |p, i| {
                if (p.token == id) {
                    _ = pl.removeAt(Placement, @intCast(i));
                    break;
                }
            }
        },
        .attached => {
            const host = &h.tokens.items(Token)[t.loc - 1];
            removeId(&host.attachments, id);
            t.flags &= ~TokenFlags.attached;
        },
        .merged, .split => unreachable,
        else => removeId(idList(loc, t.loc), id),
    }
    t.loc_kind = @intFromEnum(Loc.loose);
    t.loc = 0;
}

/// Create a token (loose) and return its id.
pub fn newToken(kind: u32, label: u32, group: u32) Error!u32 {
    const id: u32 = h.tokens.len + 1;
    try h.tokens.append(Token, std.mem.zeroes(Token));
    const t = &h.tokens.items(Token)[id - 1];
    t.id = id;
    t.kind = kind;
    t.label = label;
    t.group = group;
    return id;
}

// ---- typed maps ------------------------------------------------------------------

/// A typed value as read from the command buffer. A string value keeps its bytes in
/// `text` until `commitValue` interns them.
pub const Value = struct { tag: u32, payload: u64, text: []const u8 = "" };

/// Read `u32 tag` and its payload (8 bytes, or a string for tag 4). Nothing is
/// interned yet, so an action refused after this (even for malformed trailing bytes)
/// leaves the world untouched; call `commitValue` once the action cannot fail.
pub fn readValue(r: *io.Reader) Error!Value {
    const tag = try r.u();
    return switch (tag) {
        Tag.none => .{ .tag = tag, .payload = 0 },
        Tag.int => .{ .tag = tag, .payload = @bitCast(try r.i()) },
        Tag.float => blk: {
            const bits: u64 = @bitCast(try r.i());
            const v: f64 = @bitCast(bits);
            if (std.math.isNan(v)) return io.fail(.bad_type, .argument, "value must not be NaN", 0, 0, 0);
            break :blk .{ .tag = tag, .payload = bits };
        },
        Tag.boolean => blk: {
            const v = try r.i();
            if (v != 0 and v != 1) return io.fail(.bad_type, .argument, "boolean must be 0 or 1", 0, 1, v);
            break :blk .{ .tag = tag, .payload = @bitCast(v) };
        },
        Tag.str => .{ .tag = tag, .payload = 0, .text = try r.s() },
        else => io.fail(.bad_type, .argument, "value tag", 0, 4, tag),
    };
}

/// The value ready to store: a string value is interned into its symbol id.
pub fn commitValue(v: Value) Error!Value {
    if (v.tag != Tag.str) return v;
    return .{ .tag = v.tag, .payload = try sym.intern(&h.syms, v.text) };
}

/// Set `key` to `v` in map `l`; tag none deletes the key.
pub fn mapSet(l: *List, key: u32, v: Value) Error!void {
    for (l.items(Entry), 0..) |*e, i| {
        if (e.key == key) {
            if (v.tag == Tag.none) {
                _ = l.removeAt(Entry, @intCast(i));
            } else {
                e.tag = v.tag;
                e.payload = v.payload;
            }
            return;
        }
    }
    if (v.tag != Tag.none) try l.append(Entry, .{ .key = key, .tag = v.tag, .payload = v.payload });
}

pub fn mapGet(l: List, key: u32) ?*Entry {
    for (l.items(Entry)) |*e| if (e.key == key) return e;
    return null;
}

/// Intern a new object name, failing if it is empty.
pub fn newName(kind: io.Kind, name: []const u8) Error!u32 {
    if (name.len == 0) return io.fail(.bad_argument, kind, "a name is required", 0, 0, 0);
    h.structure_gen +%= 1;
    return sym.intern(&h.syms, name);
}

/// Validate a count of tokens to take from a container holding `have`.
pub fn checkCount(kind: io.Kind, name: []const u8, want: u32, have: u32) Error!void {
    if (want == 0) return io.fail(.bad_argument, kind, name, 0, 1, 0);
    if (want > have) return io.fail(.overdraw, kind, name, 0, want, have);
}

/// Read a string argument that must name something (non-empty).
pub fn symArg(r: *io.Reader) Error!u32 {
    return sym.intern(&h.syms, try r.s());
}

/// A token may leave its place unless it sits in a locked zone.
pub fn movable(id: u32) Error!void {
    const t = &h.tokens.items(Token)[id - 1];
    if (t.loc_kind == @intFromEnum(Loc.zone) and zone(t.loc).locked != 0)
        return io.fail(.locked, .zone, sym.str(&h.syms, zone(t.loc).name), id, 0, 0);
}

/// Every live token whose home is stack `st` must be movable (reset pre-check).
pub fn homeMovable(st: u32) Error!void {
    for (h.tokens.items(Token)) |*t| {
        if (t.home != st + 1) continue;
        const k: Loc = @enumFromInt(t.loc_kind);
        if (k == .merged or k == .split) continue;
        try movable(t.id);
    }
}

/// Append a new named record (stack, zone, source, agent) to `l`: the name must be free.
/// Returns the record, valid until the list grows again.
pub fn createNamed(comptime T: type, l: *List, kind: io.Kind, name: []const u8) Error!*T {
    if (exists(T, l.*, name)) return io.failNamed(.exists, kind, name);
    const id = try newName(kind, name);
    try l.append(T, std.mem.zeroes(T));
    const rec = &l.items(T)[l.len - 1];
    rec.name = id;
    rec.alive = 1;
    return rec;
}
