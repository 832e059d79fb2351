//! Token actions: create, meta, transform, attach/detach, merge/split (with
//! provenance), and move.

const std = @import("std");
const io = @import("io.zig");
const w_ = @import("world.zig");
const sym = @import("sym.zig");
const Error = io.Error;
const Reader = io.Reader;
const Writer = io.Writer;
const Token = w_.Token;
const TF = w_.TokenFlags;

fn tok(id: u32) *Token {
    return &w_.h.tokens.items(Token)[id - 1];
}

fn syms(s: []const u8) Error!u32 {
    return sym.intern(&w_.h.syms, s);
}

/// token.create(kind, label, group, to): a new token put at `to`. A token created in
/// a stack has that stack as its home (what stack.reset and source.reset restore).
/// Returns its id (ids start at 1 and are never reused).
pub fn create(r: *Reader, w: *Writer) Error!void {
    const kind = try r.s();
    const label = try r.s();
    const group = try r.s();
    const d = try w_.readDest(r);
    try r.end();
    const id = try w_.newToken(try syms(kind), try syms(label), try syms(group));
    if (d.loc == .stack) {
        const s = w_.stack(d.index);
        tok(id).home = d.index + 1;
        tok(id).home_pos = s.created;
        s.created += 1;
    }
    try w_.put(id, d);
    (try w.ids(1))[0] = id;
}

/// token.set_meta(token, key, value): set (or with a none value, delete) a meta key.
pub fn setMeta(r: *Reader, w: *Writer) Error!void {
    const id = try r.u();
    const key = try r.s();
    _ = try w_.liveToken(id);
    if (key.len == 0) return io.fail(.bad_argument, .key, "a key is required", 0, 0, 0);
    const v = try w_.readValue(r);
    try r.end();
    try w_.mapSet(&tok(id).meta, try syms(key), try w_.commitValue(v));
    _ = w;
}

/// token.transform(token, kind, label, group, time): change the token in place; ""
/// keeps a field. At least one field must be given. Records transformed_at = time.
pub fn transform(r: *Reader, w: *Writer) Error!void {
    const id = try r.u();
    const kind = try r.s();
    const label = try r.s();
    const group = try r.s();
    const t = try r.i();
    try r.end();
    _ = try w_.liveToken(id);
    if (kind.len == 0 and label.len == 0 and group.len == 0) return io.fail(.bad_argument, .token, "nothing to transform", id, 0, 0);
    if (kind.len != 0) tok(id).kind = try syms(kind);
    if (label.len != 0) tok(id).label = try syms(label);
    if (group.len != 0) tok(id).group = try syms(group);
    tok(id).flags |= TF.transformed;
    tok(id).transformed_at = t;
    _ = w;
}

/// token.attach(host, token, type, time): attach a loose token to a live host (on
/// top of its attachments), recording the type and attached_at = time. A token can
/// not be attached to itself or to anything attached (directly or not) to it.
pub fn attach(r: *Reader, w: *Writer) Error!void {
    const host = try r.u();
    const id = try r.u();
    const kind = try r.s();
    const t = try r.i();
    try r.end();
    _ = try w_.liveToken(host);
    _ = try w_.looseToken(id);
    var up = host;
    while (true) {
        if (up == id) return io.fail(.bad_argument, .token, "attachment would form a cycle", id, host, id);
        if (tok(up).loc_kind != @intFromEnum(w_.Loc.attached)) break;
        up = tok(up).loc;
    }
    try tok(host).attachments.append(u32, id);
    const a = tok(id);
    a.loc_kind = @intFromEnum(w_.Loc.attached);
    a.loc = host;
    a.attach_type = try syms(kind);
    a.attached_at = t;
    a.flags |= TF.attached;
    _ = w;
}

/// token.detach(host, token): detach a token attached to `host`; it becomes loose.
pub fn detach(r: *Reader, w: *Writer) Error!void {
    const host = try r.u();
    const id = try r.u();
    try r.end();
    _ = try w_.liveToken(host);
    const t = try w_.liveToken(id);
    if (t.loc_kind != @intFromEnum(w_.Loc.attached) or t.loc != host) {
        io.err.loc_kind = t.loc_kind;
        io.err.loc = t.loc;
        return io.fail(.not_here, .token, "not attached to this host", id, host, 0);
    }
    w_.detach(id);
    _ = w;
}

/// token.merge(tokens, kind, label, group, time, to): merge two or more distinct
/// live tokens into a new one put at `to`. The new token takes kind/label/group from
/// the arguments ("" = from the first original) and the union of their meta (later
/// tokens win), records merged_from = the ids and merged_at = time, and inherits
/// their attachments. The originals leave wherever they were and are consumed
/// (they stay readable with their provenance but no action accepts them).
pub fn merge(r: *Reader, w: *Writer) Error!void {
    const ids = try r.ids();
    const kind = try r.s();
    const label = try r.s();
    const group = try r.s();
    const t = try r.i();
    const d = try w_.readDest(r);
    try r.end();
    if (ids.len < 2) return io.fail(.bad_argument, .token, "merge needs at least two tokens", 0, 2, @intCast(ids.len));
    for (ids, 0..) |id, i| {
        _ = try w_.liveToken(id);
        try w_.movable(id);
        for (ids[0..i]) |prev| if (prev == id) return io.fail(.bad_argument, .token, "token listed twice", id, 0, 0);
    }
    // A destination inside one of the originals (attached chain) is impossible since
    // destinations are containers, not tokens.
    const first = tok(ids[0]).*;
    const nid = try w_.newToken(
        if (kind.len != 0) try syms(kind) else first.kind,
        if (label.len != 0) try syms(label) else first.label,
        if (group.len != 0) try syms(group) else first.group,
    );
    try tok(nid).merged_from.reserve(u32, @intCast(ids.len));
    for (ids) |id| {
        w_.detach(id);
        for (tok(id).meta.items(w_.Entry)) |e| try w_.mapSet(&tok(nid).meta, e.key, .{ .tag = e.tag, .payload = e.payload });
        while (tok(id).attachments.len > 0) {
            const a = tok(id).attachments.items(u32)[0];
            w_.detach(a);
            try tok(nid).attachments.append(u32, a);
            tok(a).loc_kind = @intFromEnum(w_.Loc.attached);
            tok(a).loc = nid;
        }
        try tok(nid).merged_from.append(u32, id);
        tok(id).loc_kind = @intFromEnum(w_.Loc.merged);
        tok(id).loc = nid;
    }
    tok(nid).flags |= TF.merged_from;
    tok(nid).merged_at = t;
    try w_.put(nid, d);
    (try w.ids(1))[0] = nid;
}

/// token.split(token, count, time, to): split a live token into `count` (2..1024) new
/// tokens put at `to` in order. Each copies kind, label, group and meta and records
/// split_from = the token, split_index = 0..count-1 and split_at = time. The original
/// leaves wherever it was and is consumed; its attachments become loose.
pub fn split(r: *Reader, w: *Writer) Error!void {
    const id = try r.u();
    const count = try r.u();
    const t = try r.i();
    const d = try w_.readDest(r);
    try r.end();
    _ = try w_.liveToken(id);
    try w_.movable(id);
    if (count < 2 or count > 1024) return io.fail(.bad_argument, .token, "split count must be 2..1024", id, 2, count);
    // Reserve the result before anything changes: a full result buffer must refuse the
    // split, not leave the original detached.
    const out = try w.ids(count);
    w_.detach(id);
    while (tok(id).attachments.len > 0) w_.detach(tok(id).attachments.items(u32)[0]);
    for (out, 0..) |*o, i| {
        const src = tok(id).*;
        const nid = try w_.newToken(src.kind, src.label, src.group);
        for (tok(id).meta.items(w_.Entry)) |e| try tok(nid).meta.append(w_.Entry, e);
        tok(nid).flags |= TF.split_from;
        tok(nid).split_from = id;
        tok(nid).split_index = @intCast(i);
        tok(nid).split_at = t;
        try w_.put(nid, d);
        o.* = nid;
    }
    tok(id).loc_kind = @intFromEnum(w_.Loc.split);
    tok(id).loc = out[0];
}

/// token.move(token, to): move a live token from wherever it is (any container, or
/// attached to a host) to `to`.
pub fn move(r: *Reader, w: *Writer) Error!void {
    const id = try r.u();
    const d = try w_.readDest(r);
    try r.end();
    _ = try w_.liveToken(id);
    try w_.movable(id);
    w_.detach(id);
    try w_.put(id, d);
    _ = w;
}

comptime {
    _ = std;
}
