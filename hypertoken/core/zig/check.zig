//! The world's invariants, checked on demand (tests and debugging):
//! every live token is in exactly one place, that place lists it exactly once, and
//! every container entry names a token that says it is there.

const io = @import("io.zig");
const w_ = @import("world.zig");
const Loc = w_.Loc;
const Token = w_.Token;

fn bad(why: []const u8, id: u32) io.Error {
    return io.fail(.bad_state, .token, why, id, 0, 0);
}

fn entry(id: u32, loc: Loc, index: u32) io.Error!void {
    if (id == 0 or id > w_.h.tokens.len) return bad("container lists an unknown token", id);
    const t = &w_.h.tokens.items(Token)[id - 1];
    if (t.loc_kind != @intFromEnum(loc) or t.loc != index) return bad("container lists a token that is elsewhere", id);
}

fn list(l: anytype, loc: Loc, index: u32, n: *u32) io.Error!void {
    for (l.items(u32)) |id| {
        try entry(id, loc, index);
        n.* += 1;
    }
}

pub fn run() io.Error!void {
    if (w_.h.magic != w_.magic) return bad("bad header magic", 0);
    var entries: u32 = 0;
    for (w_.h.stacks.items(w_.Stack), 0..) |*s, i| {
        try list(s.items, .stack, @intCast(i), &entries);
        try list(s.discards, .discards, @intCast(i), &entries);
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
        try list(s.items, .source, @intCast(i), &entries);
        try list(s.tray, .tray, @intCast(i), &entries);
    }
    for (w_.h.agents.items(w_.Agent), 0..) |*a, i| {
        if (a.alive == 0 and a.inventory.len != 0) return bad("removed agent holds tokens", 0);
        try list(a.inventory, .inventory, @intCast(i), &entries);
    }
    var placed: u32 = 0;
    for (w_.h.tokens.items(Token), 0..) |*t, i| {
        if (t.id != i + 1) return bad("token id does not match its slot", @intCast(i + 1));
        try list(t.attachments, .attached, t.id, &entries);
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
        if (t.loc_kind > @intFromEnum(Loc.split)) return bad("unknown location kind", t.id);
    }
    if (placed != entries) return io.fail(.bad_state, .none, "placed tokens and container entries differ", 0, placed, entries);
}
