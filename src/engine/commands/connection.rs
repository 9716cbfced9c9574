//! Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET and the CLIENT family.

use super::keys::{db_index, help_reply};
use crate::engine::args::{arity_error, not_integer, parse_i64, syntax_error};
use crate::engine::client::{Client, ReplyMode};
use crate::engine::command::{Ctx, Handler};
use crate::engine::tracking::TrackingOptions;
use crate::resp::{Protocol, Value};
use bytes::Bytes;

pub const COMMANDS: &[(&str, Handler)] = &[
    ("ping", ping),
    ("echo", echo),
    ("quit", quit),
    ("select", select),
    ("hello", hello),
    ("auth", auth),
    ("reset", reset),
    ("client|id", client_id),
    ("client|setname", client_setname),
    ("client|getname", client_getname),
    ("client|info", client_info),
    ("client|list", client_list),
    ("client|no-evict", client_no_evict),
    ("client|getredir", client_getredir),
    ("client|tracking", client_tracking),
    ("client|caching", client_caching),
    ("client|trackinginfo", client_trackinginfo),
    ("client|unblock", client_unblock),
    ("client|help", client_help),
    ("client|kill", client_kill),
    ("client|pause", client_pause),
    ("client|unpause", client_unpause),
    ("client|reply", client_reply),
    ("monitor", monitor),
];

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

fn ping(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if args.len() > 2 {
        return arity_error("ping");
    }
    let client = ctx.client();
    if client.protocol == Protocol::Resp2 && client.subscriptions.active() {
        // In subscribed mode a RESP2 PING answers like a message would arrive.
        let payload = args.get(1).cloned().unwrap_or_default();
        return Value::Array(vec![Value::bulk("pong"), Value::Bulk(payload)]);
    }
    match args.get(1) {
        None => Value::simple("PONG"),
        Some(payload) => Value::Bulk(payload.clone()),
    }
}

fn echo(_: &mut Ctx, args: &[Bytes]) -> Value {
    Value::Bulk(args[1].clone())
}

fn quit(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    ctx.client_mut().closing = true;
    Value::ok()
}

fn select(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match db_index(&args[1]) {
        Err(e) => e,
        Ok(i) => {
            ctx.client_mut().db = i;
            Value::ok()
        }
    }
}

/// ACLAuthenticateUser for the default user only: `requirepass` (or nopass when unset).
fn password_ok(ctx: &Ctx, user: &[u8], password: &[u8]) -> bool {
    if user != b"default" {
        return false;
    }
    match ctx.store.config.get("requirepass") {
        Some("") | None => true,
        Some(required) => required.as_bytes() == password,
    }
}

/// clientSetNameOrReply: names are printable ASCII without spaces; empty clears the name.
fn set_client_name(ctx: &mut Ctx, name: &Bytes) -> Result<(), Value> {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(Value::error(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    ctx.client_mut().name = (!name.is_empty()).then(|| name.clone());
    Ok(())
}

fn hello(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let mut version = None;
    let mut next = 1;
    if args.len() >= 2 {
        match parse_i64(&args[1]) {
            None => return Value::error("ERR Protocol version is not an integer or out of range"),
            Some(v @ (2 | 3)) => version = Some(v),
            Some(_) => return Value::error("NOPROTO unsupported protocol version"),
        }
        next = 2;
    }
    let mut credentials = None;
    let mut name = None;
    let mut j = next;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if args[j].eq_ignore_ascii_case(b"auth") && more >= 2 {
            credentials = Some((&args[j + 1], &args[j + 2]));
            j += 2;
        } else if args[j].eq_ignore_ascii_case(b"setname") && more >= 1 {
            name = Some(&args[j + 1]);
            j += 1;
        } else {
            return Value::error(format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(&args[j])
            ));
        }
        j += 1;
    }
    if let Some((user, password)) = credentials {
        if !password_ok(ctx, user, password) {
            return Value::error(WRONGPASS);
        }
        ctx.client_mut().authenticated = true;
    }
    if !ctx.client().authenticated && ctx.store.config.password_required() {
        return Value::error(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        );
    }
    if let Some(Err(e)) = name.map(|name| set_client_name(ctx, name)) {
        return e;
    }
    let client = ctx.client_mut();
    match version {
        Some(2) => client.protocol = Protocol::Resp2,
        Some(3) => client.protocol = Protocol::Resp3,
        _ => {}
    }
    let (proto, id) = (client.protocol.version(), client.id);
    Value::Map(vec![
        (Value::bulk("server"), Value::bulk("redis")),
        (Value::bulk("version"), Value::bulk("7.0.15")),
        (Value::bulk("proto"), Value::Integer(proto)),
        (Value::bulk("id"), Value::Integer(id as i64)),
        (Value::bulk("mode"), Value::bulk("standalone")),
        (Value::bulk("role"), Value::bulk("master")),
        (Value::bulk("modules"), Value::Array(vec![])),
    ])
}

fn auth(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if args.len() > 3 {
        return syntax_error();
    }
    let (user, password): (&[u8], &[u8]) = if args.len() == 2 {
        if !ctx.store.config.password_required() {
            return Value::error(
                "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            );
        }
        (b"default", &args[1])
    } else {
        (&args[1], &args[2])
    };
    if password_ok(ctx, user, password) {
        ctx.client_mut().authenticated = true;
        Value::ok()
    } else {
        Value::error(WRONGPASS)
    }
}

fn reset(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    ctx.store.discard_transaction(ctx.client_id);
    ctx.store.leave_all(ctx.client_id);
    ctx.store.stop_monitoring(ctx.client_id);
    ctx.store.disable_tracking(ctx.client_id);
    let client = ctx.client_mut();
    client.reply_mode = ReplyMode::On;
    client.db = 0;
    client.protocol = Protocol::Resp2;
    client.name = None;
    client.no_evict = false;
    client.authenticated = false;
    Value::simple("RESET")
}

fn client_id(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    Value::Integer(ctx.client_id as i64)
}

fn client_setname(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match set_client_name(ctx, &args[2]) {
        Ok(()) => Value::ok(),
        Err(e) => e,
    }
}

fn client_getname(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    ctx.client().name.clone().map_or(Value::Null, Value::Bulk)
}

/// One CLIENT LIST line in Redis 7.0's format (buffer sizes are typical idle values).
fn client_line(client: &Client, now_ms: i64, blocked: bool) -> String {
    let mut flags = String::new();
    for (set, letter) in [
        (client.monitor, 'O'),
        (client.subscriptions.active(), 'P'),
        (client.multi.is_some(), 'x'),
        (blocked, 'b'),
        (client.tracking.is_some(), 't'),
        (
            client.tracking.as_ref().is_some_and(|t| t.broken_redirect),
            'R',
        ),
        (client.tracking.as_ref().is_some_and(|t| t.bcast), 'B'),
        (client.dirty_cas, 'd'),
    ] {
        if set {
            flags.push(letter);
        }
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let multi = client.multi.as_ref().map_or(-1, |t| t.queued.len() as i64);
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=1800 events=r cmd={} user=default redir={} resp={}",
        client.id,
        client.addr,
        client.local_addr,
        7 + client.id,
        client
            .name
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default(),
        (now_ms - client.created_ms).max(0) / 1000,
        (now_ms - client.last_interaction_ms).max(0) / 1000,
        flags,
        client.db,
        client.subscriptions.channels.len(),
        client.subscriptions.patterns.len(),
        client.subscriptions.shard_channels.len(),
        multi,
        client.last_command,
        redirect_of(client),
        client.protocol.version(),
    )
}

fn verbatim(text: String) -> Value {
    Value::Verbatim {
        format: Bytes::from_static(b"txt"),
        text: Bytes::from(text),
    }
}

fn client_info(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    let blocked = ctx.store.blocked.is_blocked(ctx.client_id);
    let mut line = client_line(ctx.client(), now, blocked);
    line.push('\n');
    verbatim(line)
}

fn client_list(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    let mut ids: Vec<u64> = ctx.store.clients.keys().copied().collect();
    ids.sort_unstable();
    if args.len() == 4 && args[2].eq_ignore_ascii_case(b"type") {
        let kind = args[3].to_ascii_lowercase();
        match kind.as_slice() {
            b"normal" | b"pubsub" => {
                let pubsub = kind.as_slice() == b"pubsub";
                ids.retain(|id| ctx.store.clients[id].subscriptions.active() == pubsub);
            }
            b"master" | b"replica" | b"slave" => ids.clear(),
            _ => {
                return Value::error(format!(
                    "ERR Unknown client type '{}'",
                    String::from_utf8_lossy(&args[3])
                ));
            }
        }
    } else if args.len() > 3 && args[2].eq_ignore_ascii_case(b"id") {
        let mut wanted = Vec::new();
        for arg in &args[3..] {
            match parse_i64(arg) {
                Some(id) => wanted.push(id),
                None => return Value::error("ERR Invalid client ID"),
            }
        }
        ids = wanted
            .into_iter()
            .filter(|id| *id >= 0 && ctx.store.clients.contains_key(&(*id as u64)))
            .map(|id| id as u64)
            .collect();
    } else if args.len() != 2 {
        return syntax_error();
    }
    let mut text = String::new();
    for id in ids {
        let blocked = ctx.store.blocked.is_blocked(id);
        text.push_str(&client_line(&ctx.store.clients[&id], now, blocked));
        text.push('\n');
    }
    verbatim(text)
}

fn client_no_evict(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let on = if args[2].eq_ignore_ascii_case(b"on") {
        true
    } else if args[2].eq_ignore_ascii_case(b"off") {
        false
    } else {
        return syntax_error();
    };
    ctx.client_mut().no_evict = on;
    Value::ok()
}

fn client_unblock(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let reply = match args.get(3) {
        None => Value::NullArray,
        Some(r) if r.eq_ignore_ascii_case(b"timeout") => Value::NullArray,
        Some(r) if r.eq_ignore_ascii_case(b"error") => {
            Value::error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
        }
        Some(_) => return Value::error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"),
    };
    let Some(id) = parse_i64(&args[2]) else {
        return not_integer();
    };
    let unblocked = u64::try_from(id).is_ok_and(|id| ctx.store.unblock_client(id, &reply));
    Value::Integer(unblocked as i64)
}

/// The client a tracking client redirects to (0 for itself), -1 when tracking is off.
fn redirect_of(client: &Client) -> i64 {
    client.tracking.as_ref().map_or(-1, |t| t.redirect as i64)
}

fn client_getredir(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    Value::Integer(redirect_of(ctx.client()))
}

/// stringCheckPrefix: one of the two is a prefix of the other.
fn prefixes_overlap(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

/// checkPrefixCollisionsOrReply, with Redis 7.0's quirk: an overlap between two given
/// prefixes after the first is reported, yet tracking is still turned on (the C function
/// returns the prefix's index as its "ok"). Returns the error, and whether to go on.
fn prefix_collision(
    existing: Option<&std::collections::BTreeSet<Bytes>>,
    prefixes: &[Bytes],
) -> Option<(Value, bool)> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    for (i, prefix) in prefixes.iter().enumerate() {
        if let Some(old) = existing
            .into_iter()
            .flatten()
            .find(|old| prefixes_overlap(old, prefix))
        {
            let error = Value::error(format!(
                "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                text(prefix),
                text(old)
            ));
            return Some((error, false));
        }
        if let Some(other) = prefixes[i + 1..]
            .iter()
            .find(|p| prefixes_overlap(prefix, p))
        {
            let error = Value::error(format!(
                "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                text(prefix),
                text(other)
            ));
            return Some((error, i > 0));
        }
    }
    None
}

/// CLIENT TRACKING (ON|OFF) [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP].
fn client_tracking(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let mut redirect: i64 = 0;
    let mut options = TrackingOptions::default();
    let mut prefixes = Vec::new();
    let mut j = 3;
    while j < args.len() {
        let more = j + 1 < args.len();
        let arg = &args[j];
        if arg.eq_ignore_ascii_case(b"redirect") && more {
            j += 1;
            if redirect != 0 {
                return Value::error("ERR A client can only redirect to a single other client");
            }
            let Some(id) = parse_i64(&args[j]) else {
                return not_integer();
            };
            redirect = id;
            if u64::try_from(id).map_or(true, |id| !ctx.store.clients.contains_key(&id)) {
                return Value::error("ERR The client ID you want redirect to does not exist");
            }
        } else if arg.eq_ignore_ascii_case(b"bcast") {
            options.bcast = true;
        } else if arg.eq_ignore_ascii_case(b"optin") {
            options.optin = true;
        } else if arg.eq_ignore_ascii_case(b"optout") {
            options.optout = true;
        } else if arg.eq_ignore_ascii_case(b"noloop") {
            options.noloop = true;
        } else if arg.eq_ignore_ascii_case(b"prefix") && more {
            j += 1;
            prefixes.push(args[j].clone());
        } else {
            return syntax_error();
        }
        j += 1;
    }
    if args[2].eq_ignore_ascii_case(b"off") {
        ctx.store.disable_tracking(ctx.client_id);
        return Value::ok();
    }
    if !args[2].eq_ignore_ascii_case(b"on") {
        return syntax_error();
    }
    if !options.bcast && !prefixes.is_empty() {
        return Value::error("ERR PREFIX option requires BCAST mode to be enabled");
    }
    let current = ctx.client().tracking.as_ref();
    if current.is_some_and(|t| t.bcast != options.bcast) {
        return Value::error(
            "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
        );
    }
    if options.bcast && (options.optin || options.optout) {
        return Value::error("ERR OPTIN and OPTOUT are not compatible with BCAST");
    }
    if options.optin && options.optout {
        return Value::error("ERR You can't use both OPTIN and OPTOUT");
    }
    if current.is_some_and(|t| (options.optin && t.optout) || (options.optout && t.optin)) {
        return Value::error(
            "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
        );
    }
    let mut reply = Value::ok();
    if options.bcast
        && let Some((error, go_on)) = prefix_collision(current.map(|t| &t.prefixes), &prefixes)
    {
        if !go_on {
            return error;
        }
        // The error goes out, and then the OK of the command that went on regardless.
        ctx.store.reply(ctx.client_id, &error);
        reply = Value::ok();
    }
    ctx.store
        .enable_tracking(ctx.client_id, redirect as u64, options, &prefixes);
    reply
}

/// CLIENT CACHING (YES|NO): whether the next command's reads are tracked, in OPTIN or
/// OPTOUT mode.
fn client_caching(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let Some(state) = ctx.client_mut().tracking.as_mut() else {
        return Value::error(
            "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
        );
    };
    if args[2].eq_ignore_ascii_case(b"yes") {
        if !state.optin {
            return Value::error(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            );
        }
    } else if args[2].eq_ignore_ascii_case(b"no") {
        if !state.optout {
            return Value::error(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            );
        }
    } else {
        return syntax_error();
    }
    state.caching = true;
    Value::ok()
}

/// CLIENT TRACKINGINFO: the flags (a set), the redirect and the BCAST prefixes.
fn client_trackinginfo(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    let client = ctx.client();
    let bulk = |s: &'static str| Value::Bulk(Bytes::from_static(s.as_bytes()));
    let mut flags = Vec::new();
    let mut prefixes = Vec::new();
    match &client.tracking {
        None => flags.push(bulk("off")),
        Some(t) => {
            flags.push(bulk("on"));
            for (set, name) in [
                (t.bcast, "bcast"),
                (t.optin, "optin"),
                (t.optin && t.caching, "caching-yes"),
                (t.optout, "optout"),
                (t.optout && t.caching, "caching-no"),
                (t.noloop, "noloop"),
                (t.broken_redirect, "broken_redirect"),
            ] {
                if set {
                    flags.push(bulk(name));
                }
            }
            prefixes.extend(t.prefixes.iter().cloned().map(Value::Bulk));
        }
    }
    Value::Map(vec![
        (bulk("flags"), Value::Set(flags)),
        (bulk("redirect"), Value::Integer(redirect_of(client))),
        (bulk("prefixes"), Value::Array(prefixes)),
    ])
}

fn client_help(_: &mut Ctx, _: &[Bytes]) -> Value {
    help_reply(&[
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "HELP",
        "    Prints this help.",
    ])
}

/// CLIENT KILL's filters (clientKillCommand).
#[derive(Default)]
struct KillFilter<'a> {
    id: Option<u64>,
    /// Some(true): only subscribed clients; Some(false): only the others.
    pubsub: Option<bool>,
    /// A type no client of this engine has (master, replica).
    no_client_type: bool,
    addr: Option<&'a [u8]>,
    laddr: Option<&'a [u8]>,
    skip_me: bool,
}

fn parse_kill_filter(args: &[Bytes]) -> Result<KillFilter<'_>, Value> {
    let mut filter = KillFilter {
        skip_me: true,
        ..KillFilter::default()
    };
    for pair in args[2..].chunks(2) {
        let [option, value] = pair else {
            return Err(syntax_error());
        };
        match option.to_ascii_lowercase().as_slice() {
            b"id" => match parse_i64(value) {
                Some(id) if id >= 1 => filter.id = Some(id as u64),
                _ => return Err(Value::error("ERR client-id should be greater than 0")),
            },
            b"type" => match value.to_ascii_lowercase().as_slice() {
                b"normal" => filter.pubsub = Some(false),
                b"pubsub" => filter.pubsub = Some(true),
                b"master" | b"replica" | b"slave" => filter.no_client_type = true,
                _ => {
                    return Err(Value::error(format!(
                        "ERR Unknown client type '{}'",
                        String::from_utf8_lossy(value)
                    )));
                }
            },
            b"addr" => filter.addr = Some(value),
            b"laddr" => filter.laddr = Some(value),
            b"user" if value.as_ref() != b"default" => {
                return Err(Value::error(format!(
                    "ERR No such user '{}'",
                    String::from_utf8_lossy(value)
                )));
            }
            b"user" => {}
            b"skipme" => match value.to_ascii_lowercase().as_slice() {
                b"yes" => filter.skip_me = true,
                b"no" => filter.skip_me = false,
                _ => return Err(syntax_error()),
            },
            _ => return Err(syntax_error()),
        }
    }
    Ok(filter)
}

/// CLIENT KILL addr, or CLIENT KILL with filters: closes the matching connections.
fn client_kill(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let old_form = args.len() == 3;
    let filter = if old_form {
        KillFilter {
            addr: Some(&args[2]),
            ..KillFilter::default()
        }
    } else {
        match parse_kill_filter(args) {
            Ok(filter) => filter,
            Err(e) => return e,
        }
    };
    let me = ctx.client_id;
    let mut ids: Vec<u64> = ctx.store.clients.keys().copied().collect();
    ids.sort_unstable();
    let matching: Vec<u64> = ids
        .into_iter()
        .filter(|id| {
            let client = &ctx.store.clients[id];
            !filter.no_client_type
                && filter.addr.is_none_or(|a| a == client.addr.as_bytes())
                && filter
                    .laddr
                    .is_none_or(|a| a == client.local_addr.as_bytes())
                && filter
                    .pubsub
                    .is_none_or(|p| p == client.subscriptions.active())
                && filter.id.is_none_or(|wanted| wanted == *id)
                && !(filter.skip_me && *id == me)
        })
        .collect();
    for &id in &matching {
        if id != me {
            ctx.store.blocked.unblock(id);
        }
        ctx.store.close_after_reply(id);
    }
    if old_form {
        if matching.is_empty() {
            Value::error("ERR No such client")
        } else {
            Value::ok()
        }
    } else {
        Value::Integer(matching.len() as i64)
    }
}

/// CLIENT REPLY ON|OFF|SKIP.
fn client_reply(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let client = ctx.client_mut();
    match args[2].to_ascii_lowercase().as_slice() {
        b"on" => {
            client.reply_mode = ReplyMode::On;
            Value::ok()
        }
        b"off" => {
            client.reply_mode = ReplyMode::Off;
            ctx.reply_written();
            Value::Null
        }
        b"skip" => {
            if client.reply_mode != ReplyMode::Off {
                client.reply_mode = ReplyMode::SkipNext;
            }
            ctx.reply_written();
            Value::Null
        }
        _ => syntax_error(),
    }
}

/// MONITOR: from now on the client is shown every command the server runs.
fn monitor(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    let client = ctx.client_mut();
    if client.deny_blocking {
        return Value::error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    }
    if client.monitor {
        ctx.reply_written();
        return Value::Null;
    }
    client.monitor = true;
    ctx.store.monitors.push(ctx.client_id);
    Value::ok()
}

/// CLIENT PAUSE timeout [WRITE|ALL].
fn client_pause(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let Some(timeout) = parse_i64(&args[2]) else {
        return Value::error("ERR timeout is not an integer or out of range");
    };
    if timeout < 0 {
        return Value::error("ERR timeout is negative");
    }
    let all = match args.get(3) {
        None => true,
        Some(mode) if args.len() == 4 && mode.eq_ignore_ascii_case(b"all") => true,
        Some(mode) if args.len() == 4 && mode.eq_ignore_ascii_case(b"write") => false,
        Some(_) if args.len() == 4 => {
            return Value::error("ERR CLIENT PAUSE mode must be WRITE or ALL");
        }
        Some(_) => {
            return Value::error(format!(
                "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
                String::from_utf8_lossy(&args[1])
            ));
        }
    };
    let end = ctx.now_ms().saturating_add(timeout);
    ctx.store.pause_clients(end, all);
    Value::ok()
}

fn client_unpause(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    ctx.store.unpause_clients();
    Value::ok()
}
