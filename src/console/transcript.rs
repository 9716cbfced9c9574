//! The record of what the console sent and how the server answered: the learner's console
//! work, which the grader replays and inspects. It is kept in memory for the session and
//! handed, entry by entry as each reply comes, to a sink that persists it (the tutor stores
//! the typed commands of the current exercise). Commands run from a lesson block are marked
//! as such, and credentials are redacted (see `console::credentials`).

use super::credentials::redact_credentials;
use crate::resp::Value;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// How the server answered a recorded command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No reply was matched to it: the connection was lost or interrupted, or it was sent in
    /// subscribed mode where replies are printed as they come.
    NoReply,
    /// Any reply but an error.
    Reply,
    /// An error reply, with its message (`ERR ...`, `WRONGTYPE ...`).
    Error(String),
}

/// Who sent a command: the learner at the prompt, or a lesson block they ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Typed,
    Lesson,
}

/// One command the console sent to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptEntry {
    /// The command and its arguments as sent, secrets redacted.
    pub args: Vec<Vec<u8>>,
    pub outcome: Outcome,
    /// When it was sent, in the server's time (the embedded engine's clock, moves included),
    /// milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The database the console was on when it sent it.
    pub db: i64,
    pub source: Source,
    /// For a SCAN-family reply, the cursor it returned.
    pub cursor: Option<Vec<u8>>,
}

impl TranscriptEntry {
    /// The command name in upper case (`GET`), or for container commands the name and
    /// subcommand (`CONFIG SET`, `CLIENT LIST`, `ACL SETUSER`).
    pub fn command_name(&self) -> String {
        let Some(first) = self.args.first() else {
            return String::new();
        };
        let name = String::from_utf8_lossy(first).to_ascii_uppercase();
        let is_container = crate::engine::command_table()
            .lookup(first)
            .is_some_and(|spec| !spec.subcommands.is_empty());
        match self.args.get(1) {
            Some(sub) if is_container => {
                format!(
                    "{name} {}",
                    String::from_utf8_lossy(sub).to_ascii_uppercase()
                )
            }
            _ => name,
        }
    }

    /// Whether the command is one of the SCAN family (SCAN, SSCAN, HSCAN, ZSCAN).
    pub fn is_scan(&self) -> bool {
        self.args.first().is_some_and(|name| {
            [b"scan".as_slice(), b"sscan", b"hscan", b"zscan"]
                .iter()
                .any(|scan| name.eq_ignore_ascii_case(scan))
        })
    }
}

/// Reads the time commands are stamped with.
pub type TimeSource = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Receives each entry once its outcome is known.
pub type Sink = Arc<dyn Fn(&TranscriptEntry) + Send + Sync>;

/// The console's transcript, shared between the console task and whoever grades.
#[derive(Clone)]
pub struct Transcript {
    entries: Arc<Mutex<Vec<TranscriptEntry>>>,
    hooks: Arc<Mutex<Hooks>>,
}

struct Hooks {
    time: TimeSource,
    sink: Option<Sink>,
}

impl Default for Transcript {
    fn default() -> Transcript {
        Transcript {
            entries: Arc::default(),
            hooks: Arc::new(Mutex::new(Hooks {
                time: Arc::new(wall_clock_ms),
                sink: None,
            })),
        }
    }
}

impl std::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("Transcript")
            .field("entries", &self.lock().len())
            .finish()
    }
}

fn wall_clock_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Transcript {
    /// An empty transcript stamped with wall time.
    pub fn new() -> Transcript {
        Transcript::default()
    }

    /// Stamps commands with this clock (the embedded engine's, so that replays see the same
    /// time the learner did).
    pub fn set_time_source(&self, time: TimeSource) {
        self.hooks().time = time;
    }

    /// Hands every finished entry to `sink` (None: keep them in memory only).
    pub fn set_sink(&self, sink: Option<Sink>) {
        self.hooks().sink = sink;
    }

    /// A copy of the entries, oldest first.
    pub fn entries(&self) -> Vec<TranscriptEntry> {
        self.lock().clone()
    }

    /// True when a command named `name` (case-insensitive; `CONFIG SET` style for
    /// subcommands) was sent.
    pub fn used(&self, name: &str) -> bool {
        self.lock().iter().any(|e| {
            e.command_name().eq_ignore_ascii_case(name)
                || e.args
                    .first()
                    .is_some_and(|c| c.eq_ignore_ascii_case(name.as_bytes()))
        })
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Records a command being sent from `db`; returns its index for
    /// [`Transcript::finish`].
    pub fn record(&self, args: &[Vec<u8>], db: i64, source: Source) -> usize {
        let at_ms = (self.hooks().time)();
        let mut entries = self.lock();
        entries.push(TranscriptEntry {
            args: redact_credentials(args),
            outcome: Outcome::NoReply,
            at_ms,
            db,
            source,
            cursor: None,
        });
        entries.len() - 1
    }

    /// Notes how the server answered entry `index` (None: it never will), and hands the
    /// entry to the sink.
    pub fn finish(&self, index: usize, reply: Option<&Value>) {
        let entry = {
            let mut entries = self.lock();
            let Some(entry) = entries.get_mut(index) else {
                return;
            };
            if let Some(reply) = reply {
                entry.outcome = match reply {
                    Value::Error(message) => {
                        Outcome::Error(String::from_utf8_lossy(message).into_owned())
                    }
                    _ => Outcome::Reply,
                };
                if entry.is_scan()
                    && let Value::Array(parts) = reply
                    && let Some(cursor) = parts.first().and_then(Value::as_bytes)
                {
                    entry.cursor = Some(cursor.to_vec());
                }
            }
            entry.clone()
        };
        let sink = self.hooks().sink.clone();
        if let Some(sink) = sink {
            sink(&entry);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<TranscriptEntry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn hooks(&self) -> std::sync::MutexGuard<'_, Hooks> {
        self.hooks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(line: &str) -> Vec<Vec<u8>> {
        line.split(' ').map(|a| a.as_bytes().to_vec()).collect()
    }

    #[test]
    fn names_commands_and_subcommands() {
        let t = Transcript::new();
        t.record(&cmd("config set maxmemory 1mb"), 0, Source::Typed);
        t.record(&cmd("get k"), 0, Source::Typed);
        assert_eq!(t.entries()[0].command_name(), "CONFIG SET");
        assert!(t.used("CONFIG SET"));
        assert!(t.used("get"));
        assert!(!t.used("SET"));
        t.clear();
        assert!(t.entries().is_empty());
    }

    #[test]
    fn entries_carry_time_database_source_outcome_and_cursor() {
        let t = Transcript::new();
        t.set_time_source(Arc::new(|| 42));
        let finished = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&finished);
        t.set_sink(Some(Arc::new(move |e: &TranscriptEntry| {
            seen.lock().unwrap().push(e.clone())
        })));
        let scan = t.record(&cmd("SCAN 0 MATCH a*"), 3, Source::Lesson);
        let auth = t.record(&cmd("AUTH secret"), 3, Source::Typed);
        t.finish(
            scan,
            Some(&Value::Array(vec![
                Value::bulk("1536"),
                Value::Array(vec![]),
            ])),
        );
        t.finish(auth, Some(&Value::error("ERR wrong")));
        let entries = finished.lock().unwrap().clone();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].at_ms, 42);
        assert_eq!(entries[0].db, 3);
        assert_eq!(entries[0].source, Source::Lesson);
        assert_eq!(entries[0].cursor.as_deref(), Some(b"1536".as_slice()));
        assert_eq!(entries[1].args[1], b"(redacted)");
        assert_eq!(entries[1].outcome, Outcome::Error("ERR wrong".into()));
    }
}
