//! Safety rules for a connected server, which holds somebody's data: the tutor refuses to
//! work in a database 0 that holds keys no exercise owns, and `reset` deletes only the keys
//! exercises own. Keys are found with SCAN (never KEYS, which blocks a busy server).

use super::connection::{Connection, ConnectionError};
use super::url::ServerSpec;
use crate::glob::glob_match;
use crate::resp::Value;
use bytes::Bytes;

/// How many keys each SCAN call asks for.
const SCAN_COUNT: &str = "1000";

/// The database suggested to learners whose database 0 is in use.
const SUGGESTED_DB: i64 = 15;

/// Why the tutor will not use a database, or could not inspect or clean it.
#[derive(Debug, thiserror::Error)]
pub enum SafetyError {
    /// Database 0 holds data that is not the course's.
    #[error(
        "database {db} on {server} holds keys that no exercise owns (e.g. '{example}', \
         seen after scanning {scanned} {keys}); use an empty database, e.g. {suggestion}, \
         or pass --force",
        keys = if *scanned == 1 { "key" } else { "keys" }
    )]
    ForeignKeys {
        db: i64,
        /// The server, password masked: `redis://localhost:6379`.
        server: String,
        /// The same server on database 15, to copy into `--redis`.
        suggestion: String,
        /// The first foreign key met (non-printable bytes escaped as `\xNN`).
        example: String,
        /// How many keys SCAN returned up to and including `example`.
        scanned: u64,
    },
    /// The server answered SCAN or UNLINK with an error (NOAUTH, NOPERM, ...).
    #[error("{server} refused {command}: {reply}{hint}", hint = auth_hint(reply))]
    Refused {
        server: String,
        command: &'static str,
        reply: String,
    },
    /// The server answered with something that is not a SCAN/UNLINK reply.
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

/// Checks that the tutor may create and delete keys in `db`.
///
/// Only database 0 is inspected: it is where every application keeps its data by default,
/// and a learner who typed a plain `redis://localhost:6379` may not have thought about it.
/// Any other database was named explicitly in the URL, which we take as the learner's
/// choice. In database 0 the keys are SCANned (in batches, stopping at the first one) for a
/// key that matches none of the `owned` glob patterns; finding one refuses unless `force`.
pub async fn check_workspace(
    connection: &mut Connection,
    db: i64,
    owned: &[String],
    force: bool,
) -> Result<(), SafetyError> {
    if force || db != 0 {
        return Ok(());
    }
    let mut cursor = Bytes::from_static(b"0");
    let mut scanned = 0u64;
    loop {
        let (next, keys) = scan_page(connection, &cursor, None).await?;
        for key in keys {
            scanned += 1;
            if !is_owned(&key, owned) {
                let spec = connection
                    .server()
                    .cloned()
                    .unwrap_or_else(|| ServerSpec::tcp("localhost", super::url::DEFAULT_PORT));
                return Err(SafetyError::ForeignKeys {
                    db,
                    server: server_name(connection),
                    suggestion: spec.with_db(SUGGESTED_DB).to_string(),
                    example: printable(&key),
                    scanned,
                });
            }
        }
        if next.as_ref() == b"0" {
            return Ok(());
        }
        cursor = next;
    }
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
        let foreign = |scanned| SafetyError::ForeignKeys {
            db: 0,
            server: "redis://localhost:6379".to_string(),
            suggestion: "redis://localhost:6379/15".to_string(),
            example: "session:abc".to_string(),
            scanned,
        };
        assert_eq!(
            foreign(3).to_string(),
            "database 0 on redis://localhost:6379 holds keys that no exercise owns \
             (e.g. 'session:abc', seen after scanning 3 keys); use an empty database, \
             e.g. redis://localhost:6379/15, or pass --force"
        );
        let singular = foreign(1).to_string();
        assert!(
            singular.contains("seen after scanning 1 key);"),
            "expected '1 key', found '{singular}'"
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
