//! The console's own connection, run on a task: input lines come in through a channel, replies
//! go out as [`Event`]s formatted as redis-cli prints them, and the prompt follows SELECT,
//! MULTI and subscriptions.

use super::app::ArgumentHints;
use super::event::Event;
use super::model::{ConsoleLine, ConsoleLineKind};
use crate::backend::{Backend, Connection};
use crate::resp::{Value, format_double, split_args};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

/// File in the data directory that keeps the console history between sessions.
const HISTORY_FILE: &str = "history.txt";
/// A command that took at least this long is followed by its time, as redis-cli does.
const SLOW_COMMAND: Duration = Duration::from_millis(500);

/// The running console task, as the UI and the runner see it.
pub(super) struct ConsoleHandle {
    /// Where input lines go.
    pub lines: UnboundedSender<String>,
    /// The prompt before the first command.
    pub initial_prompt: String,
    /// History from earlier sessions, oldest first.
    pub history: Vec<String>,
    pub argument_hints: ArgumentHints,
    history_path: PathBuf,
}

impl ConsoleHandle {
    /// Writes the history for the next session, leaving out commands that carry credentials.
    pub fn save_history(&self, history: &[String]) {
        let mut text = String::new();
        for line in history {
            let keep = split_args(line.as_bytes())
                .is_some_and(|args| !crate::course::progress::carries_credentials(&args));
            if keep {
                text.push_str(line);
                text.push('\n');
            }
        }
        if let Err(error) = std::fs::write(&self.history_path, text) {
            tracing::warn!("cannot save the console history: {error}");
        }
    }
}

/// Starts the console task on its own connection to `backend`.
pub(super) fn spawn(
    backend: Arc<Backend>,
    data_dir: &Path,
    events: UnboundedSender<Event>,
) -> ConsoleHandle {
    let history_path = data_dir.join(HISTORY_FILE);
    let history = std::fs::read_to_string(&history_path)
        .map(|text| text.lines().map(str::to_string).collect())
        .unwrap_or_default();
    let session = Session::new(backend.address_for_prompt(), backend.db());
    let initial_prompt = session.prompt();
    let (lines, input) = mpsc::unbounded_channel();
    tokio::spawn(run(backend, session, input, events));
    ConsoleHandle {
        lines,
        initial_prompt,
        history,
        argument_hints: Arc::new(|_: &str| None),
        history_path,
    }
}

/// What the prompt shows: the server, the database, a transaction, a subscription.
#[derive(Debug, Clone)]
struct Session {
    address: String,
    db: i64,
    in_transaction: bool,
    subscriptions: i64,
}

impl Session {
    fn new(address: String, db: i64) -> Session {
        Session {
            address,
            db,
            in_transaction: false,
            subscriptions: 0,
        }
    }

    fn prompt(&self) -> String {
        let db = if self.db == 0 {
            String::new()
        } else {
            format!("[{}]", self.db)
        };
        let mode = if self.subscriptions > 0 {
            "(subscribed mode)"
        } else if self.in_transaction {
            "(TX)"
        } else {
            ""
        };
        format!("{}{db}{mode}> ", self.address)
    }

    /// Follows the session state a command changed.
    fn observe(&mut self, args: &[Vec<u8>], reply: &Value) {
        let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
        if reply.is_error() {
            if name == "exec" {
                self.in_transaction = false;
            }
            return;
        }
        match name.as_str() {
            "select" if !self.in_transaction => {
                if let Some(db) = args
                    .get(1)
                    .and_then(|a| std::str::from_utf8(a).ok()?.parse().ok())
                {
                    self.db = db;
                }
            }
            "multi" => self.in_transaction = true,
            "exec" | "discard" => self.in_transaction = false,
            "reset" => {
                self.db = 0;
                self.in_transaction = false;
                self.subscriptions = 0;
            }
            _ => {}
        }
    }
}

async fn run(
    backend: Arc<Backend>,
    mut session: Session,
    mut input: UnboundedReceiver<String>,
    events: UnboundedSender<Event>,
) {
    let mut connection: Option<Connection> = None;
    loop {
        let line = if session.subscriptions > 0 {
            let Some(subscribed) = connection.as_mut() else {
                session.subscriptions = 0;
                continue;
            };
            tokio::select! {
                line = input.recv() => line,
                message = subscribed.read_reply() => {
                    match message {
                        Ok(message) => {
                            track_subscriptions(&mut session, &message);
                            output(&events, render(&message));
                            if session.subscriptions == 0 {
                                ready(&events, &session);
                            }
                        }
                        Err(error) => {
                            connection = None;
                            session.subscriptions = 0;
                            notice(&events, format!("Connection lost: {error}"));
                            ready(&events, &session);
                        }
                    }
                    continue;
                }
            }
        } else {
            input.recv().await
        };
        let Some(line) = line else { return };
        let Some(args) = split_args(line.as_bytes()) else {
            output(
                &events,
                vec![ConsoleLine::new(
                    ConsoleLineKind::Error,
                    "Invalid argument(s)",
                )],
            );
            ready(&events, &session);
            continue;
        };
        if args.is_empty() {
            ready(&events, &session);
            continue;
        }
        let (repeat, args) = repeat_count(args);
        for _ in 0..repeat {
            if connection.is_none() {
                match backend.connect().await {
                    Ok(fresh) => {
                        connection = Some(fresh);
                        let db = session.db;
                        session = Session::new(backend.address_for_prompt(), backend.db());
                        if db != session.db
                            && let Some(conn) = connection.as_mut()
                        {
                            let select = [b"SELECT".to_vec(), db.to_string().into_bytes()];
                            if let Ok(reply) = conn.request(&select).await {
                                session.observe(&select, &reply);
                            }
                        }
                    }
                    Err(error) => {
                        output(
                            &events,
                            vec![ConsoleLine::new(
                                ConsoleLineKind::Error,
                                format!("Could not connect to {}: {error}", backend.describe()),
                            )],
                        );
                        break;
                    }
                }
            }
            let Some(conn) = connection.as_mut() else {
                break;
            };
            let started = Instant::now();
            match run_command(conn, &args, &mut session).await {
                Ok(lines) => {
                    let mut lines = lines;
                    let took = started.elapsed();
                    if took >= SLOW_COMMAND {
                        lines.push(ConsoleLine::new(
                            ConsoleLineKind::Reply,
                            format!("({:.2}s)", took.as_secs_f64()),
                        ));
                    }
                    output(&events, lines);
                }
                Err(error) => {
                    connection = None;
                    session.in_transaction = false;
                    session.subscriptions = 0;
                    notice(&events, format!("Connection lost: {error}"));
                    break;
                }
            }
        }
        ready(&events, &session);
    }
}

/// Sends one command and reads its reply (one reply per channel for SUBSCRIBE and friends).
async fn run_command(
    conn: &mut Connection,
    args: &[Vec<u8>],
    session: &mut Session,
) -> Result<Vec<ConsoleLine>, crate::backend::ConnectionError> {
    let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
    let subscribing = matches!(name.as_str(), "subscribe" | "psubscribe" | "ssubscribe");
    let unsubscribing = matches!(
        name.as_str(),
        "unsubscribe" | "punsubscribe" | "sunsubscribe"
    );
    conn.send(args).await?;
    let replies = if subscribing && args.len() > 1 && !session.in_transaction {
        args.len() - 1
    } else if unsubscribing && session.subscriptions > 0 {
        // One confirmation per channel named, or per subscription when none is named.
        if args.len() > 1 {
            args.len() - 1
        } else {
            session.subscriptions as usize
        }
    } else {
        1
    };
    let mut lines = Vec::new();
    for _ in 0..replies {
        let reply = conn.read_reply().await?;
        track_subscriptions(session, &reply);
        session.observe(args, &reply);
        let verbatim = prints_verbatim(args);
        match (&reply, verbatim) {
            (Value::Bulk(text), true) => lines.extend(
                String::from_utf8_lossy(text)
                    .lines()
                    .map(|l| ConsoleLine::new(ConsoleLineKind::Reply, l.trim_end_matches('\r'))),
            ),
            _ => lines.extend(render(&reply)),
        }
    }
    if session.subscriptions > 0 {
        lines.push(ConsoleLine::new(
            ConsoleLineKind::Notice,
            "Reading messages... (type UNSUBSCRIBE to stop)",
        ));
    }
    Ok(lines)
}

/// `3 INCR x` runs INCR x three times.
fn repeat_count(args: Vec<Vec<u8>>) -> (u64, Vec<Vec<u8>>) {
    if args.len() > 1
        && let Some(count) = std::str::from_utf8(&args[0])
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
    {
        return (count, args[1..].to_vec());
    }
    (1, args)
}

/// Commands whose bulk reply redis-cli prints as plain text.
fn prints_verbatim(args: &[Vec<u8>]) -> bool {
    let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
    let sub = args
        .get(1)
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        (name.as_str(), sub.as_str()),
        ("info", _)
            | ("client", "list" | "info")
            | ("cluster", "nodes" | "info")
            | ("memory", "doctor")
            | ("latency", "doctor")
            | ("lolwut", _)
    )
}

/// Counts subscriptions from (un)subscribe confirmations.
fn track_subscriptions(session: &mut Session, reply: &Value) {
    let (Value::Array(items) | Value::Push(items)) = reply else {
        return;
    };
    let kind = items
        .first()
        .and_then(Value::as_bytes)
        .map(|k| String::from_utf8_lossy(k).to_ascii_lowercase());
    let count = match items.get(2) {
        Some(Value::Integer(n)) => *n,
        _ => return,
    };
    if matches!(
        kind.as_deref(),
        Some(
            "subscribe"
                | "psubscribe"
                | "ssubscribe"
                | "unsubscribe"
                | "punsubscribe"
                | "sunsubscribe"
        )
    ) {
        session.subscriptions = count;
    }
}

fn output(events: &UnboundedSender<Event>, lines: Vec<ConsoleLine>) {
    if !lines.is_empty() {
        let _ = events.send(Event::ConsoleOutput(lines));
    }
}

fn notice(events: &UnboundedSender<Event>, message: String) {
    output(
        events,
        vec![ConsoleLine::new(ConsoleLineKind::Notice, message)],
    );
}

fn ready(events: &UnboundedSender<Event>, session: &Session) {
    let _ = events.send(Event::ConsoleReady {
        prompt: session.prompt(),
    });
}

/// A reply as redis-cli prints it on a terminal, one console line per output line.
fn render(value: &Value) -> Vec<ConsoleLine> {
    let kind = if value.is_error() {
        ConsoleLineKind::Error
    } else {
        ConsoleLineKind::Reply
    };
    render_lines(value)
        .into_iter()
        .map(|text| ConsoleLine::new(kind, text))
        .collect()
}

fn render_lines(value: &Value) -> Vec<String> {
    match value {
        Value::Simple(text) => vec![String::from_utf8_lossy(text).into_owned()],
        Value::Error(text) => vec![format!("(error) {}", String::from_utf8_lossy(text))],
        Value::Integer(n) => vec![format!("(integer) {n}")],
        Value::Bulk(bytes) => vec![quote(bytes)],
        Value::Null | Value::NullArray => vec!["(nil)".into()],
        Value::Double(d) => vec![format!("(double) {}", format_double(*d))],
        Value::Boolean(b) => vec![format!("({b})")],
        Value::BigNumber(n) => vec![format!("(big number) {}", String::from_utf8_lossy(n))],
        Value::Verbatim { text, .. } => String::from_utf8_lossy(text)
            .lines()
            .map(str::to_string)
            .collect(),
        Value::Array(items) => render_sequence(items, ')', "(empty array)"),
        Value::Set(items) => render_sequence(items, '~', "(empty set)"),
        Value::Push(items) => render_sequence(items, ')', "(empty push)"),
        Value::Map(pairs) => render_map(pairs),
    }
}

/// `1) ...` numbered lines, numbers right-aligned; nested lines indented under their parent.
fn render_sequence(items: &[Value], marker: char, empty: &str) -> Vec<String> {
    if items.is_empty() {
        return vec![empty.into()];
    }
    let width = items.len().to_string().len();
    let mut lines = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let prefix = format!("{:>width$}{marker} ", index + 1);
        let indent = " ".repeat(prefix.len());
        for (n, line) in render_lines(item).into_iter().enumerate() {
            lines.push(if n == 0 {
                format!("{prefix}{line}")
            } else {
                format!("{indent}{line}")
            });
        }
    }
    lines
}

/// `1# "field" => "value"`; a value spanning lines continues indented below the arrow.
fn render_map(pairs: &[(Value, Value)]) -> Vec<String> {
    if pairs.is_empty() {
        return vec!["(empty hash)".into()];
    }
    let width = pairs.len().to_string().len();
    let mut lines = Vec::new();
    for (index, (key, value)) in pairs.iter().enumerate() {
        let prefix = format!("{:>width$}# ", index + 1);
        let indent = " ".repeat(prefix.len());
        let key = render_lines(key).join(" ");
        let value = render_lines(value);
        if value.len() == 1 {
            lines.push(format!("{prefix}{key} => {}", value[0]));
        } else {
            lines.push(format!("{prefix}{key} => "));
            lines.extend(value.into_iter().map(|line| format!("{indent}{line}")));
        }
    }
    lines
}

/// A bulk string in double quotes with redis-cli's escapes.
fn quote(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() + 2);
    text.push('"');
    for &byte in bytes {
        match byte {
            b'\\' => text.push_str("\\\\"),
            b'"' => text.push_str("\\\""),
            b'\n' => text.push_str("\\n"),
            b'\r' => text.push_str("\\r"),
            b'\t' => text.push_str("\\t"),
            0x07 => text.push_str("\\a"),
            0x08 => text.push_str("\\b"),
            0x20..=0x7e => text.push(byte as char),
            _ => text.push_str(&format!("\\x{byte:02x}")),
        }
    }
    text.push('"');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(value: &Value) -> String {
        render_lines(value).join("\n")
    }

    #[test]
    fn scalars_look_like_redis_cli() {
        assert_eq!(shown(&Value::ok()), "OK");
        assert_eq!(shown(&Value::Integer(3)), "(integer) 3");
        assert_eq!(shown(&Value::Null), "(nil)");
        assert_eq!(shown(&Value::error("ERR wrong")), "(error) ERR wrong");
        assert_eq!(
            shown(&Value::bulk(&b"a\"b\\\n\xe4"[..])),
            "\"a\\\"b\\\\\\n\\xe4\""
        );
        assert_eq!(shown(&Value::Double(1.5)), "(double) 1.5");
    }

    #[test]
    fn nested_arrays_indent_under_their_parent() {
        let items: Vec<Value> = (1..=10).map(Value::Integer).collect();
        let nested = Value::Array(vec![
            Value::Integer(1),
            Value::Array(vec![
                Value::Integer(2),
                Value::Array(vec![Value::bulk("x"), Value::bulk("y")]),
            ]),
            Value::bulk("z"),
        ]);
        assert_eq!(
            shown(&nested),
            "1) (integer) 1\n2) 1) (integer) 2\n   2) 1) \"x\"\n      2) \"y\"\n3) \"z\""
        );
        let long = shown(&Value::Array(items));
        assert!(long.starts_with(" 1) (integer) 1\n"), "{long}");
        assert!(long.ends_with("\n10) (integer) 10"), "{long}");
        assert_eq!(shown(&Value::Array(vec![])), "(empty array)");
        assert_eq!(
            shown(&Value::Map(vec![(Value::bulk("f1"), Value::bulk("v1"))])),
            "1# \"f1\" => \"v1\""
        );
    }

    #[test]
    fn prompt_follows_database_and_transaction() {
        let mut session = Session::new("127.0.0.1:6379".into(), 0);
        assert_eq!(session.prompt(), "127.0.0.1:6379> ");
        let select = [b"SELECT".to_vec(), b"2".to_vec()];
        session.observe(&select, &Value::ok());
        assert_eq!(session.prompt(), "127.0.0.1:6379[2]> ");
        session.observe(&[b"MULTI".to_vec()], &Value::ok());
        assert_eq!(session.prompt(), "127.0.0.1:6379[2](TX)> ");
        session.observe(&[b"EXEC".to_vec()], &Value::Array(vec![]));
        assert_eq!(session.prompt(), "127.0.0.1:6379[2]> ");
    }
}
