//! Everything commands work on: the databases, the clients, blocked clients and the server's
//! counters. The engine thread owns it, as Redis's single thread owns its state, which is what
//! makes each command atomic.

use super::blocking::Blocked;
use super::client::{Client, ReplyMode};
use super::clock::Clock;
use super::config::Config;
use super::db::Db;
use super::encoding::EncodingLimits;
use super::limits;
use super::lua::Scripting;
use super::notify::EventClass;
use super::pubsub::PubSub;
use super::slowlog::Slowlog;
use super::tracking::Tracking;
use crate::resp::Value;
use bytes::Bytes;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Connected clients by id. Ids are sequential numbers, so a multiplicative hash replaces
/// SipHash on this per-command path.
pub type ClientMap = HashMap<u64, Client, BuildHasherDefault<ClientIdHasher>>;

/// Fibonacci hashing of a client id.
#[derive(Debug, Default)]
pub struct ClientIdHasher(u64);

impl Hasher for ClientIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Number of logical databases (the `databases` config).
pub const DATABASES: usize = 16;

/// Counters reported by INFO.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub commands_processed: u64,
    pub connections_received: u64,
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub expired_keys: u64,
    /// Keys removed to stay under maxmemory.
    pub evicted_keys: u64,
    /// INFO commandstats, by `CommandSpec::id` (see `command_table().name_of`).
    pub commands: Vec<CommandStat>,
    /// INFO errorstats: error replies by code (`ERR`, `WRONGTYPE` ...).
    pub errors: HashMap<String, u64>,
    pub total_error_replies: u64,
}

/// One command's INFO commandstats line.
#[derive(Debug, Default, Clone, Copy)]
pub struct CommandStat {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

impl Stats {
    /// The counters of the command with this id.
    pub fn command_mut(&mut self, id: usize) -> &mut CommandStat {
        if id >= self.commands.len() {
            self.commands.resize(id + 1, CommandStat::default());
        }
        &mut self.commands[id]
    }

    /// Counts an error reply under its code (the text before the first space).
    pub fn count_error(&mut self, message: &[u8]) {
        let code = message.split(|&c| c == b' ').next().unwrap_or_default();
        let code = String::from_utf8_lossy(code);
        match self.errors.get_mut(code.as_ref()) {
            Some(n) => *n += 1,
            None => {
                self.errors.insert(code.into_owned(), 1);
            }
        }
        self.total_error_replies += 1;
    }
}

/// The engine's whole state.
#[derive(Debug)]
pub struct Store {
    pub dbs: Vec<Db>,
    pub clients: ClientMap,
    pub blocked: Blocked,
    pub stats: Stats,
    /// When the server started (ms since the epoch, engine clock).
    pub started_ms: i64,
    /// The TCP port the server listens on.
    pub port: u16,
    /// When collections switch to their large encodings.
    pub encoding_limits: EncodingLimits,
    /// CONFIG GET/SET parameters.
    pub config: Config,
    /// SLOWLOG entries.
    pub slowlog: Slowlog,
    /// Clients whose wait ended, with requests that waited behind it to run.
    pub unblocked: Vec<u64>,
    /// Clients with output to hand to their connection.
    pub with_output: Vec<u64>,
    /// Clients WATCHing each (database, key).
    pub watchers: HashMap<(usize, Bytes), Vec<u64>>,
    /// The Lua interpreter and its scripts, made on first use.
    scripting: Option<Scripting>,
    /// The script running now, if any.
    pub script_running: Option<RunningScript>,
    /// What the event loop does while a script is busy (see `process_events_while_busy`).
    pub busy_handler: Option<BusyHandler>,
    /// Subscribers by channel and pattern.
    pub pubsub: PubSub,
    /// `notify-keyspace-events`, parsed.
    pub notify_flags: EventClass,
    /// Clients in MONITOR mode, in the order they started.
    pub monitors: Vec<u64>,
    /// CLIENT PAUSE in force.
    pub pause: Option<Pause>,
    /// Clients whose next command waits for the pause to end.
    pub postponed: Vec<u64>,
    /// Client-side caching: the keys clients may cache and the prefixes they follow.
    pub tracking: Tracking,
    /// The client whose command is running (server.current_client), if any.
    pub current_client: Option<u64>,
    /// The engine clock, for what reads the time live (TIME) rather than at the start of
    /// the command.
    pub clock: Clock,
}

/// A CLIENT PAUSE.
#[derive(Debug, Clone, Copy)]
pub struct Pause {
    /// When it ends (ms, engine clock).
    pub end_ms: i64,
    /// ALL: every command waits; WRITE: only writes do.
    pub all: bool,
}

/// The script being run.
#[derive(Debug)]
pub struct RunningScript {
    /// The client that called EVAL.
    pub caller: u64,
    /// SCRIPT KILL asked to stop it.
    pub kill: bool,
    /// It ran a write command, so SCRIPT KILL cannot stop it.
    pub wrote: bool,
    /// The keys it declared: what its caller may cache when it reads (tracking).
    pub keys: Vec<Bytes>,
    /// An EVAL script (SCRIPT KILL stops it), not a function (FUNCTION KILL does).
    pub eval: bool,
    /// The script's SHA or the function's name.
    pub name: String,
    /// The FCALL that runs a function (FUNCTION STATS shows it).
    pub command: Vec<Bytes>,
    /// When it started (FUNCTION STATS' duration_ms).
    pub started: std::time::Instant,
}

impl RunningScript {
    /// The BUSY error other clients get while it runs.
    pub fn busy_error(&self) -> &'static str {
        if self.eval {
            super::lua::BUSY
        } else {
            super::lua::BUSY_FUNCTION
        }
    }
}

/// sdscatrepr: a quoted, escaped copy of `bytes`.
fn quote_repr(bytes: &[u8], out: &mut String) {
    out.push('"');
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
}

/// The event loop's processEventsWhileBlocked, handed to the store so a running script's
/// hook can call it.
pub struct BusyHandler(pub Box<dyn FnMut(&mut Store)>);

impl std::fmt::Debug for BusyHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BusyHandler")
    }
}

impl Store {
    pub fn new(started_ms: i64, port: u16) -> Store {
        Store {
            dbs: (0..DATABASES).map(|_| Db::default()).collect(),
            clients: ClientMap::default(),
            blocked: Blocked::default(),
            stats: Stats::default(),
            started_ms,
            port,
            encoding_limits: EncodingLimits::default(),
            config: Config::new(port),
            slowlog: Slowlog::default(),
            unblocked: Vec::new(),
            with_output: Vec::new(),
            watchers: HashMap::new(),
            scripting: None,
            script_running: None,
            busy_handler: None,
            clock: Clock::new(),
            pubsub: PubSub::default(),
            notify_flags: EventClass::empty(),
            monitors: Vec::new(),
            pause: None,
            postponed: Vec::new(),
            tracking: Tracking::default(),
            current_client: None,
        }
    }

    /// The scripting engine, started on first use.
    pub fn scripting(&mut self) -> &mut Scripting {
        self.scripting
            .get_or_insert_with(|| Scripting::new().expect("the Lua interpreter starts"))
    }

    /// Reads and answers other clients while a script is busy (the event loop's part).
    pub fn process_events_while_busy(&mut self) {
        if let Some(mut handler) = self.busy_handler.take() {
            (handler.0)(self);
            self.busy_handler = Some(handler);
        }
    }

    /// SCRIPT KILL (`eval`) or FUNCTION KILL: stops the running script unless it wrote;
    /// each stops only its own kind (scriptKill).
    pub fn kill_script(&mut self, eval: bool) -> Value {
        match self.script_running.as_mut() {
            None => Value::error("NOTBUSY No scripts in execution right now."),
            Some(script) if script.wrote => Value::error(
                "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
            ),
            Some(script) if script.eval != eval => Value::error(script.busy_error()),
            Some(script) => {
                script.kill = true;
                Value::ok()
            }
        }
    }

    /// Appends `reply` to a client's output, in the protocol it speaks (nothing while CLIENT
    /// REPLY turned its replies off), holding the client to its output-buffer limit.
    pub fn reply(&mut self, client_id: u64, reply: &Value) {
        let Some(protocol) = self.replying_to(client_id) else {
            return;
        };
        // Measured before it is written: a reply over the limit is never encoded.
        if self.check_output_limit(client_id, reply.encoded_len(protocol)) {
            return;
        }
        reply.encode(protocol, self.outbox(client_id));
    }

    /// `reply` of a value the caller already encoded for the client's protocol (a message
    /// PUBLISH encodes once for all its subscribers).
    pub fn reply_encoded(&mut self, client_id: u64, encoded: &[u8]) {
        if self.replying_to(client_id).is_none()
            || self.check_output_limit(client_id, encoded.len() as u64)
        {
            return;
        }
        self.outbox(client_id).extend_from_slice(encoded);
    }

    /// The protocol of a client that takes replies now: None when it is gone, closing for
    /// its output-buffer limit, or CLIENT REPLY turned its replies off.
    pub fn replying_to(&self, client_id: u64) -> Option<crate::resp::Protocol> {
        let client = self.clients.get(&client_id)?;
        if client.close_asap || matches!(client.reply_mode, ReplyMode::Off | ReplyMode::Skip) {
            return None;
        }
        Some(client.protocol)
    }

    /// A registered client's outbox, which the event loop is told to write.
    fn outbox(&mut self, client_id: u64) -> &mut bytes::BytesMut {
        let client = self
            .clients
            .get_mut(&client_id)
            .expect("the client is registered");
        if client.output.is_empty() {
            self.with_output.push(client_id);
        }
        &mut client.output
    }

    /// Appends bytes already encoded (a push built for the client's protocol) to a client's
    /// output, held to its output-buffer limit like any reply.
    pub fn reply_raw(&mut self, client_id: u64, bytes: &[u8]) {
        let Some(client) = self.clients.get(&client_id) else {
            return;
        };
        if client.close_asap || self.check_output_limit(client_id, bytes.len() as u64) {
            return;
        }
        self.outbox(client_id).extend_from_slice(bytes);
    }

    /// CLIENT PAUSE: holds commands until `end_ms`; a longer or stricter pause in force
    /// stays.
    pub fn pause_clients(&mut self, end_ms: i64, all: bool) {
        let pause = self.pause.get_or_insert(Pause { end_ms, all });
        pause.end_ms = pause.end_ms.max(end_ms);
        pause.all |= all;
    }

    /// Ends a pause (CLIENT UNPAUSE, or its time passed): held clients run again.
    pub fn unpause_clients(&mut self) {
        self.pause = None;
        for id in std::mem::take(&mut self.postponed) {
            self.unblocked.push(id);
        }
    }

    /// Appends an array header (the start of a reply whose elements follow one by one).
    pub fn reply_array_header(&mut self, client_id: u64, len: usize) {
        let Some(client) = self.clients.get_mut(&client_id) else {
            return;
        };
        if client.output.is_empty() {
            self.with_output.push(client_id);
        }
        client
            .output
            .extend_from_slice(format!("*{len}\r\n").as_bytes());
    }

    /// replicationFeedMonitors: shows a command that ran to every MONITOR client, as
    /// `+<seconds>.<micros> [<db> <peer>] "arg" ...` (`[<db> lua]` inside a script).
    pub fn feed_monitors(&mut self, client_id: u64, args: &[Bytes]) {
        let Some(client) = self.clients.get(&client_id) else {
            return;
        };
        let now = self.clock.now_us();
        let mut line = format!(
            "{}.{:06} ",
            now.div_euclid(1_000_000),
            now.rem_euclid(1_000_000)
        );
        if client.script_protocol.is_some() {
            line.push_str(&format!("[{} lua] ", client.db));
        } else {
            line.push_str(&format!("[{} {}] ", client.db, client.addr));
        }
        for (i, arg) in args.iter().enumerate() {
            if i > 0 {
                line.push(' ');
            }
            quote_repr(arg, &mut line);
        }
        let line = Value::Simple(Bytes::from(line));
        for id in self.monitors.clone() {
            self.reply(id, &line);
        }
    }

    /// Ends a client's monitoring (RESET, disconnect).
    pub fn stop_monitoring(&mut self, client_id: u64) {
        self.monitors.retain(|&id| id != client_id);
        if let Some(client) = self.clients.get_mut(&client_id) {
            client.monitor = false;
        }
    }

    /// checkClientOutputBufferLimits: closes the client when its pending output, plus
    /// `about_to_add` bytes a command is about to build, reaches its class's limit. True when
    /// the client is (now) being closed.
    pub fn check_output_limit(&mut self, client_id: u64, about_to_add: u64) -> bool {
        let Some(client) = self.clients.get_mut(&client_id) else {
            return true;
        };
        if client.close_asap {
            return true;
        }
        let class = client.output_class();
        let limit = self.config.output_limits().of(class);
        let used = client.output_pending().saturating_add(about_to_add);
        if limit.hard == 0 {
            // No hard limit, as in Redis's default: still, no reply is built past the
            // memory safety limit's room.
            let room = limits::memory_room();
            if used > room {
                tracing::warn!(
                    "Client id={} addr={} cmd={} closed: its reply needs {}, more than the {} the engine's memory safety limit ({}) leaves, and the output-buffer limit is off.",
                    client.id,
                    client.addr,
                    client.last_command,
                    limits::human_approx(used),
                    limits::human_approx(room),
                    limits::human(limits::memory_limit()),
                );
                self.close_asap(client_id);
                return true;
            }
            if limit.soft == 0 {
                return false;
            }
        }
        let now_ms = || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64)
        };
        if !limit.reached(used, &mut client.soft_limit_since, now_ms) {
            return false;
        }
        tracing::warn!(
            "Client id={} addr={} name={} cmd={} scheduled to be closed ASAP for overcoming of output buffer limits ({} class: hard {}, soft {} for {} s; the reply needed at least {}).",
            client.id,
            client.addr,
            client
                .name
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default(),
            client.last_command,
            class.name(),
            limits::human(limit.hard),
            limits::human(limit.soft),
            limit.soft_seconds,
            limits::human_approx(used),
        );
        self.close_asap(client_id);
        true
    }

    /// Closes a client's connection at once, writing nothing more (freeClientAsync).
    pub fn close_asap(&mut self, client_id: u64) {
        let Some(client) = self.clients.get_mut(&client_id) else {
            return;
        };
        client.close_asap = true;
        client.closing = true;
        client.pending.clear();
        client.output = bytes::BytesMut::new();
        if !self.with_output.contains(&client_id) {
            self.with_output.push(client_id);
        }
    }

    /// Closes a client's connection once its output is written (QUIT, protocol errors):
    /// requests it sent after are dropped.
    pub fn close_after_reply(&mut self, client_id: u64) {
        let Some(client) = self.clients.get_mut(&client_id) else {
            return;
        };
        client.closing = true;
        client.pending.clear();
        if !self.with_output.contains(&client_id) {
            self.with_output.push(client_id);
        }
    }

    /// Deletes every key of a database (FLUSHDB, FLUSHALL): Redis's emptyData plus
    /// signalFlushedDb.
    pub fn flush_db(&mut self, index: usize, now_ms: i64) {
        self.touch_all_watched_in_db(index, None, now_ms);
        self.dbs[index].clear();
    }

    /// SWAPDB: exchanges two databases; clients blocked on keys of either may now be served
    /// (Redis's dbSwapDatabases).
    pub fn swap_dbs(&mut self, a: usize, b: usize, now_ms: i64) {
        self.touch_all_watched_in_db(a, Some(b), now_ms);
        self.touch_all_watched_in_db(b, Some(a), now_ms);
        self.dbs.swap(a, b);
        for index in [a, b] {
            for key in self.dbs[index].keys(now_ms) {
                self.blocked.signal_ready(index, &key);
            }
        }
    }

    /// Hands every recorded key event to what hangs on the modification hook: clients blocked
    /// on the key, clients WATCHing it, and keyspace notifications.
    pub fn dispatch_key_events(&mut self) {
        for index in 0..self.dbs.len() {
            if !self.dbs[index].has_events() {
                continue;
            }
            let mut events = self.dbs[index].take_events();
            for event in events.drain(..) {
                // A read that missed (keymiss) modifies nothing.
                if event.class != EventClass::KEY_MISS {
                    self.blocked.signal_ready(index, &event.key);
                    if !self.watchers.is_empty() {
                        self.touch_watched_key(index, &event.key);
                    }
                    if self.tracking.active() {
                        // Expiry, eviction and a script's commands modify as no client.
                        let by_client = !event
                            .class
                            .intersects(EventClass::EXPIRED | EventClass::EVICTED)
                            && self.script_running.is_none();
                        let modifier = self.current_client.filter(|_| by_client);
                        self.tracking_invalidate_key(&event.key, modifier);
                    }
                }
                if !self.notify_flags.is_empty() {
                    self.notify_keyspace_event(index, &event);
                }
            }
            // Hand the emptied buffer back, so recording the next events does not allocate.
            self.dbs[index].return_event_buffer(events);
        }
    }

    /// Active expiry: reclaims keys whose TTL has passed, a bounded number per database.
    pub fn purge_expired(&mut self, now_ms: i64, per_db: usize) {
        for db in &mut self.dbs {
            self.stats.expired_keys += db.purge_expired(now_ms, per_db) as u64;
        }
        self.dispatch_key_events();
    }
}
