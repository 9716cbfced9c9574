//! Safety rules for a connected server, which holds somebody's data. The tutor writes and
//! deletes keys only in a database that is its workspace: one it found empty and marked with
//! the key [`WORKSPACE_MARKER`], in any database number. A database holding keys the tutor did
//! not make is refused unless `--force`, and `reset` deletes only the keys exercises own. Keys
//! are found with SCAN (never KEYS, which blocks a busy server).

use super::connection::{Connection, ConnectionError};
use super::url::ServerSpec;
use crate::glob::glob_match;
use crate::resp::Value;
use bytes::Bytes;

/// How many keys each SCAN call asks for.
const SCAN_COUNT: &str = "1000";

/// The key that marks a database as the tutor's workspace. Its presence is how the tutor
/// remembers, across runs and machines, that the keys in that database are the course's.
pub const WORKSPACE_MARKER: &str = "redis-tutor:workspace";

/// The marker's value, for whoever finds the key with another tool.
const MARKER_VALUE: &str = "this database is redis-tutor's workspace: `redis-tutor reset` deletes the keys its exercises own here";

/// The highest database number a learner is offered (a stock server has 16).
const HIGHEST_SUGGESTED_DB: i64 = 15;

/// Why the tutor will not use a database, or could not inspect or clean it.
#[derive(Debug, thiserror::Error)]
pub enum SafetyError {
    /// The database holds data the tutor did not make.
    #[error(
        "database {db} on {server} holds keys that {whose} (e.g. '{example}'); the tutor \
         writes and deletes keys as you study, so it works only in an empty database or one \
         it has marked as its own. Use an empty database, e.g. {suggestion}, or pass --force",
        whose = if *marked { "no exercise owns" } else { "redis-tutor did not make" }
    )]
    ForeignKeys {
        db: i64,
        /// The server, password masked: `redis://localhost:6379`.
        server: String,
        /// The same server on an empty database, to copy into `--redis`.
        suggestion: String,
        /// The first foreign key met (non-printable bytes escaped as `\xNN`).
        example: String,
        /// The database carries the workspace marker (so only keys outside the course's
        /// patterns are foreign).
        marked: bool,
    },
    /// The server answered a command with an error (NOAUTH, NOPERM, ...).
    #[error("{server} refused {command}: {reply}{hint}", hint = auth_hint(reply))]
    Refused {
        server: String,
        command: &'static str,
        reply: String,
    },
    /// The server answered with something that is not a reply to that command.
    #[error("{server} sent an unexpected reply to {command}: {reply:?}")]
    UnexpectedReply {
        server: String,
        command: &'static str,
        reply: Value,
    },
    #[error(transparent)]
    Connection(#[from] ConnectionError),
}

fn auth_hint(reply: &str) -> &'static str {
    if reply.starts_with("NOAUTH") {
        " (put the password in the URL: redis://:password@host:port)"
    } else {
        ""
    }
}

/// How a database passed the workspace check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workspace {
    /// It already carried the marker.
    Marked,
    /// It was empty (or `--force` was given) and has just been marked.
    NewlyMarked,
}

/// Checks that the tutor may create and delete keys in `db`, and marks it as the tutor's
/// workspace if it is not yet.
///
/// Every database is inspected, whatever its number: a learner's data can live anywhere. A
/// marked database may hold the marker and keys matching the `owned` glob patterns; an
/// unmarked one must be empty, since even a key that matches a pattern (`session:abc`) may be
/// somebody's. SCAN walks the keys in batches and stops at the first foreign one; finding one
/// refuses unless `force`, which marks the database anyway.
pub async fn check_workspace(
    connection: &mut Connection,
    db: i64,
    owned: &[String],
    force: bool,
) -> Result<Workspace, SafetyError> {
    let marked = is_marked(connection).await?;
    if !force && let Some(example) = first_foreign_key(connection, marked, owned).await? {
        let spec = connection
            .server()
            .cloned()
            .unwrap_or_else(|| ServerSpec::tcp("localhost", super::url::DEFAULT_PORT));
        let empty_db = suggest_empty_db(connection, db).await;
        return Err(SafetyError::ForeignKeys {
            db,
            server: server_name(connection),
            suggestion: spec.with_db(empty_db).to_string(),
            example: printable(&example),
            marked,
        });
    }
    if marked {
        return Ok(Workspace::Marked);
    }
    let reply = connection
        .request(&["SET", WORKSPACE_MARKER, MARKER_VALUE])
        .await?;
    if reply != Value::ok() {
        return Err(refusal(connection, "SET", reply));
    }
    Ok(Workspace::NewlyMarked)
}

/// True when the database carries the workspace marker.
async fn is_marked(connection: &mut Connection) -> Result<bool, SafetyError> {
    match connection.request(&["EXISTS", WORKSPACE_MARKER]).await? {
        Value::Integer(n) => Ok(n > 0),
        other => Err(refusal(connection, "EXISTS", other)),
    }
}

/// The first key the tutor may not touch: in a marked database, one that no exercise owns;
/// in an unmarked one, any key at all.
async fn first_foreign_key(
    connection: &mut Connection,
    marked: bool,
    owned: &[String],
) -> Result<Option<Bytes>, SafetyError> {
    let mut cursor = Bytes::from_static(b"0");
    loop {
        let (next, keys) = scan_page(connection, &cursor, None).await?;
        let foreign = keys.into_iter().find(|key| {
            key.as_ref() != WORKSPACE_MARKER.as_bytes() && !(marked && is_owned(key, owned))
        });
        if foreign.is_some() {
            return Ok(foreign);
        }
        if next.as_ref() == b"0" {
            return Ok(None);
        }
        cursor = next;
    }
}

/// An empty database to offer instead of `db`: the highest-numbered one that INFO keyspace
/// does not list, or 15 when the server will not say.
async fn suggest_empty_db(connection: &mut Connection, db: i64) -> i64 {
    let busy: Vec<i64> = match connection.request(&["INFO", "keyspace"]).await {
        Ok(Value::Bulk(text) | Value::Verbatim { text, .. }) => String::from_utf8_lossy(&text)
            .lines()
            .filter_map(|line| line.strip_prefix("db")?.split(':').next()?.parse().ok())
            .collect(),
        _ => return HIGHEST_SUGGESTED_DB,
    };
    (1..=HIGHEST_SUGGESTED_DB)
        .rev()
        .find(|n| *n != db && !busy.contains(n))
        .unwrap_or(HIGHEST_SUGGESTED_DB)
}

/// Deletes every key matching one of the `owned` glob patterns (SCAN MATCH, then UNLINK
/// each batch) and returns how many were deleted. Keys matching no pattern are never touched.
pub async fn delete_owned(
    connection: &mut Connection,
    owned: &[String],
) -> Result<usize, SafetyError> {
    let mut deleted = 0usize;
    for pattern in owned {
        let mut cursor = Bytes::from_static(b"0");
        loop {
            let (next, keys) = scan_page(connection, &cursor, Some(pattern)).await?;
            // SCAN MATCH already filters; checking again keeps a server or proxy that ignores
            // MATCH from costing anyone their data.
            let batch: Vec<Bytes> = keys
                .into_iter()
                .filter(|key| glob_match(pattern.as_bytes(), key))
                .collect();
            if !batch.is_empty() {
                deleted += unlink(connection, batch).await?;
            }
            if next.as_ref() == b"0" {
                break;
            }
            cursor = next;
        }
    }
    Ok(deleted)
}

fn is_owned(key: &[u8], owned: &[String]) -> bool {
    owned
        .iter()
        .any(|pattern| glob_match(pattern.as_bytes(), key))
}

/// One SCAN call: the next cursor and the keys of this page.
async fn scan_page(
    connection: &mut Connection,
    cursor: &Bytes,
    pattern: Option<&str>,
) -> Result<(Bytes, Vec<Bytes>), SafetyError> {
    let mut args: Vec<&[u8]> = vec![b"SCAN", cursor];
    if let Some(pattern) = pattern {
        args.extend([b"MATCH".as_slice(), pattern.as_bytes()]);
    }
    args.extend([b"COUNT".as_slice(), SCAN_COUNT.as_bytes()]);
    let reply = connection.request(&args).await?;
    if let Value::Array(parts) = &reply
        && let [Value::Bulk(next), Value::Array(keys)] = parts.as_slice()
    {
        let keys: Option<Vec<Bytes>> = keys
            .iter()
            .map(|key| match key {
                Value::Bulk(key) => Some(key.clone()),
                _ => None,
            })
            .collect();
        if let Some(keys) = keys {
            return Ok((next.clone(), keys));
        }
    }
    Err(refusal(connection, "SCAN", reply))
}

async fn unlink(connection: &mut Connection, keys: Vec<Bytes>) -> Result<usize, SafetyError> {
    let mut args = Vec::with_capacity(keys.len() + 1);
    args.push(Bytes::from_static(b"UNLINK"));
    args.extend(keys);
    match connection.request(&args).await? {
        Value::Integer(n) if n >= 0 => Ok(n as usize),
        other => Err(refusal(connection, "UNLINK", other)),
    }
}

/// The error for a reply that is not what `command` should return.
fn refusal(connection: &Connection, command: &'static str, reply: Value) -> SafetyError {
    let server = server_name(connection);
    match reply {
        Value::Error(message) => SafetyError::Refused {
            server,
            command,
            reply: String::from_utf8_lossy(&message).into_owned(),
        },
        reply => SafetyError::UnexpectedReply {
            server,
            command,
            reply,
        },
    }
}

fn server_name(connection: &Connection) -> String {
    connection
        .server()
        .map(ServerSpec::server_url)
        .unwrap_or_else(|| "the server".to_string())
}

/// A key as text, with bytes that are not printable ASCII escaped as `\xNN`.
fn printable(key: &[u8]) -> String {
    let mut text = String::with_capacity(key.len());
    for &byte in key {
        if byte.is_ascii_graphic() || byte == b' ' {
            text.push(byte as char);
        } else {
            text.push_str(&format!("\\x{byte:02x}"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_follows_redis_globs() {
        let owned = vec!["tutor:*".to_string(), "ch1:user:[0-9]".to_string()];
        for (key, expected) in [
            ("tutor:x", true),
            ("tutor:", true),
            ("ch1:user:7", true),
            ("ch1:user:77", false),
            ("session:abc", false),
            ("Tutor:x", false),
        ] {
            assert_eq!(
                is_owned(key.as_bytes(), &owned),
                expected,
                "is {key} owned?"
            );
        }
        assert!(!is_owned(b"anything", &[]), "no patterns own nothing");
    }

    #[test]
    fn keys_are_shown_printable() {
        assert_eq!(printable(b"session:abc"), "session:abc");
        assert_eq!(printable(b"a b\n\xff"), "a b\\x0a\\xff");
    }

    #[test]
    fn refusal_messages_are_one_line_and_helpful() {
        let foreign = |marked| SafetyError::ForeignKeys {
            db: 14,
            server: "redis://localhost:6379".to_string(),
            suggestion: "redis://localhost:6379/15".to_string(),
            example: "session:abc".to_string(),
            marked,
        };
        assert_eq!(
            foreign(false).to_string(),
            "database 14 on redis://localhost:6379 holds keys that redis-tutor did not make \
             (e.g. 'session:abc'); the tutor writes and deletes keys as you study, so it works \
             only in an empty database or one it has marked as its own. Use an empty database, \
             e.g. redis://localhost:6379/15, or pass --force"
        );
        assert!(
            foreign(true)
                .to_string()
                .contains("holds keys that no exercise owns (e.g. 'session:abc')"),
            "{}",
            foreign(true)
        );
        let noauth = SafetyError::Refused {
            server: "redis://localhost:6379".to_string(),
            command: "SCAN",
            reply: "NOAUTH Authentication required.".to_string(),
        };
        assert_eq!(
            noauth.to_string(),
            "redis://localhost:6379 refused SCAN: NOAUTH Authentication required. \
             (put the password in the URL: redis://:password@host:port)"
        );
    }
}
