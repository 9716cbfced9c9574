//! The command pipeline, in Redis's shape: `process` finds a request's command and decides
//! whether it may run (processCommand), `call` runs it and accounts for it (call).

use super::args::arity_error;
use super::client::Client;
use super::command_flags::CommandFlags;
use super::command_table::{CommandSpec, command_table};
use super::data::Data;
use super::db::Db;
use super::limits;
use super::notify::EventClass;
use super::store::Store;
use crate::resp::{Protocol, Value};
use bytes::Bytes;
use std::time::Duration;

/// A command implementation: arguments include the command name (`args[0]`).
pub type Handler = fn(&mut Ctx, &[Bytes]) -> Value;

/// What a handler sees: the store, the calling client and the time of the call.
pub struct Ctx<'a> {
    pub store: &'a mut Store,
    pub client_id: u64,
    /// The engine clock at the start of the command, in microseconds.
    pub now_us: i64,
    block: Option<BlockRequest>,
    /// Set by `reply_written`.
    replied: bool,
    /// Set by `error_already_counted`.
    error_counted: bool,
}

/// A blocking command found nothing to serve: wait for a push to one of `keys`.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockRequest {
    pub keys: Vec<Bytes>,
    /// None blocks forever (timeout 0).
    pub timeout: Option<Duration>,
}

impl<'a> Ctx<'a> {
    pub fn now_ms(&self) -> i64 {
        self.now_us / 1000
    }

    pub fn client(&self) -> &Client {
        &self.store.clients[&self.client_id]
    }

    pub fn client_mut(&mut self) -> &mut Client {
        self.store
            .clients
            .get_mut(&self.client_id)
            .expect("the calling client is registered")
    }

    /// The protocol the reply is shaped for: the script's inside a script (RESP2 unless
    /// `redis.setresp(3)`), else the connection's.
    pub fn protocol(&self) -> Protocol {
        let client = self.client();
        client.script_protocol.unwrap_or(client.protocol)
    }

    /// The client's selected database.
    pub fn db(&mut self) -> &mut Db {
        let now = self.now_ms();
        let index = self.client().db;
        let db = &mut self.store.dbs[index];
        db.observe_time(now);
        db
    }

    /// Looks `key` up for a read command, counting a keyspace hit or miss as Redis does.
    pub fn read_key(&mut self, key: &[u8]) -> Option<&mut Data> {
        let now = self.now_ms();
        let index = self.client().db;
        let store = &mut *self.store;
        if store.notify_flags.contains(EventClass::KEY_MISS)
            && store.dbs[index].peek(key, now).is_none()
        {
            store.stats.keyspace_misses += 1;
            let key = Bytes::copy_from_slice(key);
            store.dbs[index].modified(EventClass::KEY_MISS, "keymiss", &key);
            return None;
        }
        let found = store.dbs[index].data(key, now);
        if found.is_some() {
            store.stats.keyspace_hits += 1;
        } else {
            store.stats.keyspace_misses += 1;
        }
        found
    }

    /// Blocks the client (BLPOP and friends). The handler's reply is discarded; the command is
    /// run again when a key is pushed to, and a null array is sent when the timeout passes.
    /// Inside EXEC or a script nothing blocks: the handler's reply is the answer.
    pub fn block_on(&mut self, keys: Vec<Bytes>, timeout: Option<Duration>) {
        if !self.client().deny_blocking {
            self.block = Some(BlockRequest { keys, timeout });
        }
    }

    /// Whether a reply of at least `bytes` bytes, whose size the client chose (a count, a
    /// range), may be built. When it would take the client past its output-buffer hard limit
    /// (or, with that limit off, past the memory safety limit's room), the client is closed
    /// as Redis closes it on reaching the limit, and false is returned: the handler returns
    /// without building anything, and its reply is dropped.
    pub fn reply_fits(&mut self, bytes: u64) -> bool {
        !self.store.check_output_limit(self.client_id, bytes)
    }

    /// Tells `call` the handler's error reply repeats an error already counted (a script
    /// failing with its command's error): INFO errorstats does not count it again (the
    /// command's failed_calls still does).
    pub fn error_already_counted(&mut self) {
        self.error_counted = true;
    }

    /// Tells `call` the handler wrote its reply to the outbox itself; its return value is
    /// then ignored.
    pub fn reply_written(&mut self) {
        self.replied = true;
    }

    /// The modification hook for a key of the current database (see `Db::modified`).
    pub fn modified(&mut self, class: EventClass, event: &'static str, key: &Bytes) {
        self.db().modified(class, event, key);
    }
}

/// The result of running one request.
#[derive(Debug)]
pub enum Outcome {
    Reply(Value),
    Block(BlockRequest),
    /// The handler wrote its reply to the client's outbox itself (EXEC, whose array holds
    /// the pushes its commands caused, as in Redis 7.0).
    Written,
    /// CLIENT PAUSE holds the command: it runs when the pause ends.
    Postponed,
}

/// Runs one request for `client_id`: `process`, then `call`.
pub fn execute(store: &mut Store, client_id: u64, now_us: i64, args: &[Bytes]) -> Outcome {
    store.current_client = Some(client_id);
    match process(store, client_id, now_us, args) {
        Processed::Run(spec) => call(store, client_id, now_us, spec, args),
        Processed::Answered(reply) => Outcome::Reply(reply),
        Processed::Postponed => Outcome::Postponed,
    }
}

/// What `process` decided.
#[derive(Debug)]
pub enum Processed {
    /// Run the command now.
    Run(&'static CommandSpec),
    /// Already answered: refused (and counted as rejected), or queued by MULTI.
    Answered(Value),
    /// Held by CLIENT PAUSE.
    Postponed,
}

/// Commands that run at once inside MULTI instead of being queued.
fn runs_inside_multi(spec: &CommandSpec) -> bool {
    matches!(
        spec.name.as_str(),
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

/// Commands a RESP2 client in subscribed mode may send.
fn runs_while_subscribed(spec: &CommandSpec) -> bool {
    matches!(
        spec.name.as_str(),
        "ping"
            | "subscribe"
            | "ssubscribe"
            | "psubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "punsubscribe"
            | "quit"
            | "reset"
    )
}

/// Redis's processCommand: finds the command and decides whether it may run now (existence,
/// arity, authentication, MULTI, memory), or queues it inside MULTI.
pub fn process(store: &mut Store, client_id: u64, now_us: i64, args: &[Bytes]) -> Processed {
    let Some(mut spec) = command_table().lookup(&args[0]) else {
        return rejected(store, client_id, None, unknown_command(args));
    };
    if !spec.subcommands.is_empty() && args.len() >= 2 {
        match spec.subcommand(&args[1]) {
            Some(sub) => spec = sub,
            None => {
                let reply = reject(format!(
                    "ERR unknown subcommand '{}'. Try {} HELP.",
                    clip(&args[1], 128),
                    spec.name.to_uppercase()
                ));
                return rejected(store, client_id, Some(spec), reply);
            }
        }
    }
    let client = store
        .clients
        .get_mut(&client_id)
        .expect("the calling client is registered");
    client.last_interaction_ms = now_us / 1000;
    client.last_command.clone_from(&spec.name);
    if spec.handler.is_none() || !spec.arity_ok(args.len()) {
        return rejected(store, client_id, Some(spec), arity_error(&spec.name));
    }
    let in_multi = client.multi.is_some();
    let authenticated = client.authenticated;
    if store.config.password_required() && !authenticated && !spec.has(CommandFlags::NO_AUTH) {
        let reply = Value::error("NOAUTH Authentication required.");
        return rejected(store, client_id, Some(spec), reply);
    }
    if in_multi && spec.has(CommandFlags::NO_MULTI) {
        let reply = Value::error("ERR Command not allowed inside a transaction");
        return rejected(store, client_id, Some(spec), reply);
    }
    if store.config.maxmemory() > 0 {
        let out_of_memory = !super::commands::perform_evictions(store);
        // Queueing inside MULTI may use any amount of memory: refuse it too (but never
        // what ends a transaction).
        let grows = spec.has(CommandFlags::DENYOOM)
            || (in_multi && !matches!(spec.name.as_str(), "exec" | "discard" | "quit" | "reset"));
        if out_of_memory && grows {
            let reply = Value::error("OOM command not allowed when used memory > 'maxmemory'.");
            return rejected(store, client_id, Some(spec), reply);
        }
    }
    if let Some(used) = limits::over_memory_limit() {
        let grows = spec.has(CommandFlags::DENYOOM)
            || (in_multi && !matches!(spec.name.as_str(), "exec" | "discard" | "quit" | "reset"));
        if grows {
            let reply = Value::error(format!(
                "OOM command not allowed: the embedded Redis holds {} of memory, over its safety limit of {} (real Redis would go on allocating until the machine runs out of memory). Delete keys or FLUSHALL to go on.",
                limits::human_approx(used),
                limits::human(limits::memory_limit())
            ));
            return rejected(store, client_id, Some(spec), reply);
        }
    }
    let client = &store.clients[&client_id];
    if client.protocol == Protocol::Resp2
        && client.subscriptions.active()
        && !runs_while_subscribed(spec)
    {
        let reply = Value::error(format!(
            "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
            spec.name
        ));
        return rejected(store, client_id, Some(spec), reply);
    }
    // Only while a script is busy does a command go through here with a script running
    // (the script's own commands skip `process`).
    if let Some(running) = &store.script_running
        && !spec.has(CommandFlags::ALLOW_BUSY)
    {
        let busy = Value::error(running.busy_error());
        return rejected(store, client_id, Some(spec), busy);
    }
    if let Some(pause) = &store.pause {
        let may_write = CommandFlags::WRITE | CommandFlags::MAY_REPLICATE;
        let writes = spec.has(may_write)
            || (spec.name == "exec"
                && store.clients[&client_id]
                    .multi
                    .as_ref()
                    .is_some_and(|t| t.queued.iter().any(|(queued, _)| queued.has(may_write))));
        if pause.all || writes {
            return Processed::Postponed;
        }
    }
    if in_multi && !runs_inside_multi(spec) {
        let client = store.clients.get_mut(&client_id).expect("checked above");
        let transaction = client.multi.as_mut().expect("checked above");
        transaction.queued.push((spec, args.to_vec()));
        return Processed::Answered(Value::simple("QUEUED"));
    }
    Processed::Run(spec)
}

/// Redis's call: runs a command that `process` accepted, then times it, logs it when slow,
/// counts it and hands the key events it recorded to the modification hook. A panicking
/// handler is answered with an error; the engine keeps serving.
pub fn call(
    store: &mut Store,
    client_id: u64,
    now_us: i64,
    spec: &CommandSpec,
    args: &[Bytes],
) -> Outcome {
    let handler = spec
        .handler
        .expect("process accepts only commands with handlers");
    let started = std::time::Instant::now();
    let mut ctx = Ctx {
        store,
        client_id,
        now_us,
        block: None,
        replied: false,
        error_counted: false,
    };
    let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(&mut ctx, args)))
        .unwrap_or_else(|panic| {
            ctx.block = None;
            handler_panicked(&spec.name, panic.as_ref())
        });
    let micros = started.elapsed().as_micros() as u64;
    let store = &mut *ctx.store;
    if store
        .config
        .slowlog_threshold()
        .is_some_and(|limit| micros >= limit)
        && !spec.has(CommandFlags::SKIP_SLOWLOG)
    {
        let client = &store.clients[&client_id];
        let name = client.name.clone().unwrap_or_default();
        let max_len = store.config.slowlog_max_len();
        store.slowlog.push(
            args,
            micros,
            now_us / 1_000_000,
            &client.addr,
            name,
            max_len,
        );
    }
    let stats = &mut store.stats;
    // Counted after the command ran, so INFO does not count itself (as in Redis's call()).
    stats.commands_processed += 1;
    let stat = stats.command_mut(spec.id);
    stat.calls += 1;
    stat.usec += micros;
    if let Value::Error(message) = &reply {
        stat.failed_calls += 1;
        if !ctx.error_counted {
            stats.count_error(message);
        }
    }
    // Monitors see the command once it ran (with the database it left selected); scripts
    // show themselves before they run (they are flagged skip_monitor).
    if !store.monitors.is_empty() && !spec.has(CommandFlags::SKIP_MONITOR | CommandFlags::ADMIN) {
        store.feed_monitors(client_id, args);
    }
    store.dispatch_key_events();
    // trackingRememberKeys: a read makes its client (a script's caller) able to cache the
    // keys; EVAL_RO and FCALL_RO themselves do not, only the commands they run.
    if store.tracking.active()
        && spec.has(CommandFlags::READONLY)
        && !matches!(spec.name.as_str(), "eval_ro" | "evalsha_ro" | "fcall_ro")
    {
        let script_keys = store
            .script_running
            .as_ref()
            .filter(|_| store.clients[&client_id].script_protocol.is_some())
            .map(|running| running.keys.clone());
        store.tracking_remember_keys(client_id, spec, args, script_keys.as_deref());
    }
    match ctx.block {
        Some(block) => Outcome::Block(block),
        None if ctx.replied => Outcome::Written,
        None => Outcome::Reply(reply),
    }
}

/// The reply to a command whose handler panicked: an error naming the command and the panic.
fn handler_panicked(command: &str, panic: &(dyn std::any::Any + Send)) -> Value {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    reject(format!(
        "ERR internal error in '{command}' (please report it): {message}"
    ))
}

/// rejectCommand: counts a command refused before running (unknown, arity, NOAUTH ...),
/// marks the client's transaction as failed, and answers. A refused EXEC discards the
/// transaction and says why (execCommandAbort).
fn rejected(
    store: &mut Store,
    client_id: u64,
    command: Option<&CommandSpec>,
    mut reply: Value,
) -> Processed {
    if let Some(transaction) = store
        .clients
        .get_mut(&client_id)
        .and_then(|c| c.multi.as_mut())
    {
        transaction.aborted = true;
    }
    if let Some(spec) = command {
        store.stats.command_mut(spec.id).rejected_calls += 1;
        if spec.name == "exec" {
            store.discard_transaction(client_id);
            let reason = reply.as_bytes().unwrap_or_default();
            let reason = reason.strip_prefix(b"ERR ").unwrap_or(reason);
            reply = Value::error(format!(
                "EXECABORT Transaction discarded because of: {}",
                String::from_utf8_lossy(reason)
            ));
        }
    }
    if let Value::Error(message) = &reply {
        store.stats.count_error(message);
    }
    Processed::Answered(reply)
}

/// At most `n` bytes of `b`, as C's `%.*s` prints them.
fn clip(b: &[u8], n: usize) -> String {
    String::from_utf8_lossy(&b[..b.len().min(n)]).into_owned()
}

/// An error reply for a rejected command; Redis turns CR and LF into spaces.
fn reject(msg: String) -> Value {
    Value::error(msg.replace(['\r', '\n'], " "))
}

fn unknown_command(args: &[Bytes]) -> Value {
    let mut listed = String::new();
    for arg in &args[1..] {
        if listed.len() >= 128 {
            break;
        }
        listed.push_str(&format!("'{}' ", clip(arg, 128 - listed.len())));
    }
    reject(format!(
        "ERR unknown command '{}', with args beginning with: {}",
        clip(&args[0], 128),
        listed
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explode(_: &mut Ctx, _: &[Bytes]) -> Value {
        panic!("handler bug")
    }

    #[test]
    fn a_panicking_handler_is_answered_with_an_error() {
        let mut store = Store::new(0, 6379);
        store
            .clients
            .insert(1, Client::new(1, String::new(), String::new(), 0));
        let spec = CommandSpec {
            name: "explode".into(),
            id: 0,
            arity: 1,
            flags: CommandFlags::empty(),
            info: Value::Null,
            docs: Value::Null,
            handler: Some(explode),
            subcommands: Default::default(),
        };
        let args = [Bytes::from("EXPLODE")];
        let Outcome::Reply(Value::Error(message)) = call(&mut store, 1, 0, &spec, &args) else {
            panic!("expected an error reply");
        };
        assert_eq!(
            &message[..],
            b"ERR internal error in 'explode' (please report it): handler bug"
        );
        assert_eq!(store.stats.command_mut(0).failed_calls, 1);
        let ping = [Bytes::from("PING")];
        assert!(matches!(
            execute(&mut store, 1, 0, &ping),
            Outcome::Reply(Value::Simple(_))
        ));
    }
}
