//! The key inspector's background task, on a connection of its own: `:peek KEY` (type, TTL,
//! encoding, size and the whole value, whatever the type), the key names that Tab completion
//! offers, and the keys the inspector pane lists (type, TTL, size and a preview), all found
//! with SCAN and capped, so a million keys cost no more than a few thousand; and a connected
//! server's COMMAND DOCS, so argument hints follow that server.

use super::event::Event;
use super::model::{ConsoleLine, ConsoleLineKind, KeyInfo};
use crate::backend::{Backend, Connection};
use crate::console::{format_reply, help_entries_from_docs};
use crate::resp::Value;
use std::sync::Arc;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

/// At most this many key names are kept for completion.
pub const MAX_KEY_NAMES: usize = 2000;
/// SCAN calls made for one refresh of the key names, at most.
const MAX_SCAN_CALLS: usize = 20;

/// What the inspector is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InspectorRequest {
    /// Describe one key and print its whole value in the console.
    Peek(String),
    /// Find the key names again (after a command changed them).
    RefreshKeyNames,
    /// Describe the keys matching these glob patterns (every key when empty) for the pane.
    Snapshot(Vec<String>),
    /// Read the server's own COMMAND DOCS, for argument hints that match it.
    CommandDocs,
}

/// The inspector pane lists at most this many keys.
pub const MAX_LISTED_KEYS: usize = 200;
/// Characters of a value shown in its preview.
const PREVIEW_CHARS: usize = 60;

/// Starts the inspector; it ends when the returned sender is dropped.
pub fn spawn(
    backend: Arc<Backend>,
    events: UnboundedSender<Event>,
) -> UnboundedSender<InspectorRequest> {
    let (requests, receiver) = mpsc::unbounded_channel();
    tokio::spawn(run(backend, events, receiver));
    requests
}

async fn run(
    backend: Arc<Backend>,
    events: UnboundedSender<Event>,
    mut requests: UnboundedReceiver<InspectorRequest>,
) {
    let mut connection: Option<Connection> = None;
    let mut queue: Vec<InspectorRequest> = Vec::new();
    loop {
        if queue.is_empty() {
            let Some(first) = requests.recv().await else {
                return;
            };
            queue.push(first);
            // Whatever else is waiting is handled now, several refreshes as one.
            while let Ok(next) = requests.try_recv() {
                if !queue.contains(&next) {
                    queue.push(next);
                }
            }
        }
        let request = queue.remove(0);
        if connection.is_none() {
            match backend.connect().await {
                Ok(opened) => connection = Some(opened),
                Err(error) => {
                    if let InspectorRequest::Peek(key) = &request {
                        let _ = events.send(Event::ConsoleOutput(vec![ConsoleLine::new(
                            ConsoleLineKind::Error,
                            format!("Cannot peek at {key}: {error}"),
                        )]));
                    }
                    continue;
                }
            }
        }
        let open = connection.as_mut().expect("connected above");
        let event = match &request {
            InspectorRequest::Peek(key) => peek(open, key).await.map(Event::ConsoleOutput),
            InspectorRequest::RefreshKeyNames => key_names(open).await.map(Event::KeyNames),
            InspectorRequest::Snapshot(patterns) => {
                snapshot(open, patterns).await.map(Event::KeySnapshot)
            }
            InspectorRequest::CommandDocs => ask(open, &["COMMAND", "DOCS"])
                .await
                .map(|docs| Event::CommandDocs(Arc::new(help_entries_from_docs(&docs)))),
        };
        match event {
            Ok(event) => {
                if events.send(event).is_err() {
                    return;
                }
            }
            Err(error) => {
                connection = None;
                tracing::warn!("the key inspector lost its connection: {error}");
            }
        }
    }
}

async fn ask(connection: &mut Connection, args: &[&str]) -> Result<Value, String> {
    connection.request(args).await.map_err(|e| e.to_string())
}

fn text(value: &Value) -> String {
    value
        .as_bytes()
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .unwrap_or_default()
}

/// The lines `:peek KEY` prints: a summary line, then the value as redis-cli shows it.
async fn peek(connection: &mut Connection, key: &str) -> Result<Vec<ConsoleLine>, String> {
    let kind = text(&ask(connection, &["TYPE", key]).await?);
    if kind == "none" {
        return Ok(vec![ConsoleLine::new(
            ConsoleLineKind::Notice,
            format!("{key}: no such key"),
        )]);
    }
    let ttl = match ask(connection, &["PTTL", key]).await? {
        Value::Integer(-1) => "no TTL".to_string(),
        Value::Integer(ms) if ms >= 0 => format!("TTL {:.1}s", ms as f64 / 1000.0),
        _ => "TTL ?".to_string(),
    };
    let encoding = text(&ask(connection, &["OBJECT", "ENCODING", key]).await?);
    let (size_command, value_command): (&[&str], Vec<&str>) = match kind.as_str() {
        "string" => (&["STRLEN"], vec!["GET", key]),
        "list" => (&["LLEN"], vec!["LRANGE", key, "0", "-1"]),
        "hash" => (&["HLEN"], vec!["HGETALL", key]),
        "set" => (&["SCARD"], vec!["SMEMBERS", key]),
        "zset" => (&["ZCARD"], vec!["ZRANGE", key, "0", "-1", "WITHSCORES"]),
        "stream" => (&["XLEN"], vec!["XRANGE", key, "-", "+"]),
        _ => (&[], Vec::new()),
    };
    let size = match size_command.first() {
        Some(command) => match ask(connection, &[command, key]).await? {
            Value::Integer(n) if kind == "string" => format!("{n} bytes"),
            Value::Integer(n) => format!("{n} elements"),
            _ => String::new(),
        },
        None => String::new(),
    };
    let mut lines = vec![ConsoleLine::new(
        ConsoleLineKind::Notice,
        format!("{key}: {kind} · {encoding} · {size} · {ttl}"),
    )];
    if !value_command.is_empty() {
        let value = ask(connection, &value_command).await?;
        lines.extend(
            format_reply(&value)
                .lines()
                .map(|line| ConsoleLine::new(ConsoleLineKind::Reply, line)),
        );
    }
    Ok(lines)
}

/// Up to [`MAX_KEY_NAMES`] key names, sorted.
async fn key_names(connection: &mut Connection) -> Result<Vec<String>, String> {
    scan(connection, "*", MAX_KEY_NAMES).await
}

/// The keys matching `patterns` (every key when there are none), described for the pane.
async fn snapshot(
    connection: &mut Connection,
    patterns: &[String],
) -> Result<Vec<KeyInfo>, String> {
    let mut names = Vec::new();
    if patterns.is_empty() {
        names = scan(connection, "*", MAX_LISTED_KEYS).await?;
    }
    for pattern in patterns {
        names.extend(scan(connection, pattern, MAX_LISTED_KEYS).await?);
    }
    names.sort();
    names.dedup();
    names.truncate(MAX_LISTED_KEYS);
    let mut keys = Vec::with_capacity(names.len());
    for name in names {
        let kind = text(&ask(connection, &["TYPE", &name]).await?);
        if kind == "none" {
            continue;
        }
        let ttl_ms = match ask(connection, &["PTTL", &name]).await? {
            Value::Integer(ms) if ms >= 0 => Some(ms),
            _ => None,
        };
        let (size, preview) = describe(connection, &name, &kind).await?;
        keys.push(KeyInfo {
            name,
            kind,
            ttl_ms,
            size,
            preview,
        });
    }
    Ok(keys)
}

/// The size and a one-line preview of a key's value.
async fn describe(
    connection: &mut Connection,
    key: &str,
    kind: &str,
) -> Result<(String, String), String> {
    let (size_command, preview_command): (&str, Vec<&str>) = match kind {
        "string" => ("STRLEN", vec!["GETRANGE", key, "0", "80"]),
        "list" => ("LLEN", vec!["LRANGE", key, "0", "4"]),
        "hash" => ("HLEN", vec!["HSCAN", key, "0", "COUNT", "5"]),
        "set" => ("SCARD", vec!["SSCAN", key, "0", "COUNT", "5"]),
        "zset" => ("ZCARD", vec!["ZRANGE", key, "0", "4", "WITHSCORES"]),
        "stream" => ("XLEN", vec!["XRANGE", key, "-", "+", "COUNT", "2"]),
        _ => return Ok((String::new(), String::new())),
    };
    let size = match ask(connection, &[size_command, key]).await? {
        Value::Integer(n) if kind == "string" => format!("{n} B"),
        Value::Integer(n) => format!("{n} el"),
        _ => String::new(),
    };
    let value = ask(connection, &preview_command).await?;
    let value = match (kind, value) {
        ("hash" | "set", Value::Array(mut parts)) if parts.len() == 2 => parts.remove(1),
        (_, value) => value,
    };
    Ok((size, one_line(&value)))
}

/// A value on one line: strings quoted as redis-cli quotes them, arrays joined by spaces.
fn one_line(value: &Value) -> String {
    let mut line = match value {
        Value::Array(items) => items.iter().map(one_line).collect::<Vec<_>>().join(" "),
        other => format_reply(other).trim_end().to_string(),
    };
    if let Some((cut, _)) = line.char_indices().nth(PREVIEW_CHARS) {
        line.truncate(cut);
        line.push('…');
    }
    line
}

/// Up to `limit` key names matching `pattern`, sorted.
async fn scan(
    connection: &mut Connection,
    pattern: &str,
    limit: usize,
) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut cursor = "0".to_string();
    for _ in 0..MAX_SCAN_CALLS {
        let reply = ask(
            connection,
            &["SCAN", &cursor, "MATCH", pattern, "COUNT", "200"],
        )
        .await?;
        let Value::Array(parts) = reply else {
            return Err(format!("unexpected SCAN reply {reply:?}"));
        };
        cursor = parts.first().map(text).unwrap_or_default();
        if let Some(Value::Array(keys)) = parts.get(1) {
            names.extend(keys.iter().map(text));
        }
        if cursor == "0" || names.len() >= limit {
            break;
        }
    }
    names.truncate(limit);
    names.sort();
    names.dedup();
    Ok(names)
}
