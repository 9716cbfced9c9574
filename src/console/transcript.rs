//! The record of what the console sent, for the grader's "the learner used X" checks. Secrets
//! (passwords in AUTH, HELLO, MIGRATE, ACL SETUSER rules, CONFIG SET requirepass ...) are
//! replaced by [`REDACTED`] before they are stored.

use std::sync::{Arc, Mutex};

/// What a secret argument is replaced with in the transcript.
pub const REDACTED: &[u8] = b"(redacted)";

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

/// One command the console sent to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptEntry {
    /// The command and its arguments as sent, secrets redacted.
    pub args: Vec<Vec<u8>>,
    pub outcome: Outcome,
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
            .get(&name.to_ascii_lowercase())
            .is_some_and(|spec| !spec.subcommands.is_empty())
            || [
                "CONFIG", "CLIENT", "ACL", "OBJECT", "MEMORY", "SCRIPT", "XINFO", "XGROUP",
                "CLUSTER", "COMMAND", "FUNCTION", "LATENCY", "MODULE", "PUBSUB", "SLOWLOG",
            ]
            .contains(&name.as_str());
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
}

/// The console's transcript, shared between the console task and whoever grades.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    entries: Arc<Mutex<Vec<TranscriptEntry>>>,
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Transcript {
        Transcript::default()
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

    /// Forgets every entry (a new exercise starts).
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Records a command being sent; returns its index for [`Transcript::set_outcome`].
    pub fn record(&self, args: &[Vec<u8>]) -> usize {
        let mut entries = self.lock();
        entries.push(TranscriptEntry {
            args: redact_credentials(args),
            outcome: Outcome::NoReply,
        });
        entries.len() - 1
    }

    /// Notes how the server answered entry `index`.
    pub fn set_outcome(&self, index: usize, outcome: Outcome) {
        if let Some(entry) = self.lock().get_mut(index) {
            entry.outcome = outcome;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<TranscriptEntry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// `args` with passwords and password rules replaced by [`REDACTED`]; everything else kept.
pub fn redact_credentials(args: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = args.to_vec();
    let is = |arg: &[u8], name: &str| arg.eq_ignore_ascii_case(name.as_bytes());
    let Some(command) = args.first() else {
        return out;
    };
    let argc = args.len();
    let mut hide = |i: usize| {
        if let Some(arg) = out.get_mut(i) {
            *arg = REDACTED.to_vec();
        }
    };
    if is(command, "auth") {
        // AUTH password, or AUTH username password.
        hide(argc - 1);
    } else if argc > 2 && is(command, "acl") && is(&args[1], "setuser") {
        for (i, rule) in args.iter().enumerate().skip(3) {
            if matches!(rule.first(), Some(b'>' | b'<' | b'#' | b'!')) {
                hide(i);
            }
        }
    } else if argc > 2 && is(command, "config") && is(&args[1], "set") {
        for i in (2..argc).step_by(2) {
            if ["masterauth", "masteruser", "requirepass"]
                .iter()
                .any(|n| is(&args[i], n))
            {
                hide(i + 1);
            }
        }
    } else if is(command, "hello") {
        for (i, arg) in args.iter().enumerate().skip(2) {
            if is(arg, "auth") {
                hide(i + 2);
            }
        }
    } else if is(command, "migrate") {
        for (i, arg) in args.iter().enumerate().skip(6) {
            if is(arg, "auth") {
                hide(i + 1);
            } else if is(arg, "auth2") {
                hide(i + 2);
            } else if is(arg, "keys") {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(line: &str) -> Vec<Vec<u8>> {
        line.split(' ').map(|a| a.as_bytes().to_vec()).collect()
    }

    fn redacted(line: &str) -> String {
        redact_credentials(&cmd(line))
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn secrets_are_redacted_and_the_rest_kept() {
        assert_eq!(redacted("AUTH pw"), "AUTH (redacted)");
        assert_eq!(redacted("AUTH bob pw"), "AUTH bob (redacted)");
        assert_eq!(
            redacted("ACL SETUSER bob on >pw ~* +@all"),
            "ACL SETUSER bob on (redacted) ~* +@all"
        );
        assert_eq!(
            redacted("CONFIG SET maxmemory 1mb requirepass pw"),
            "CONFIG SET maxmemory 1mb requirepass (redacted)"
        );
        assert_eq!(
            redacted("HELLO 3 AUTH bob pw SETNAME me"),
            "HELLO 3 AUTH bob (redacted) SETNAME me"
        );
        assert_eq!(
            redacted("MIGRATE h 1 k 0 5 AUTH2 u pw"),
            "MIGRATE h 1 k 0 5 AUTH2 u (redacted)"
        );
        assert_eq!(redacted("SET k v"), "SET k v");
    }

    #[test]
    fn names_commands_and_subcommands() {
        let t = Transcript::new();
        t.record(&cmd("config set maxmemory 1mb"));
        t.record(&cmd("get k"));
        assert_eq!(t.entries()[0].command_name(), "CONFIG SET");
        assert!(t.used("CONFIG SET"));
        assert!(t.used("get"));
        assert!(!t.used("SET"));
        t.clear();
        assert!(t.entries().is_empty());
    }
}
