//! The console's command history: up/down navigation like linenoise, persisted to a file, and
//! never holding a command that carries credentials.

use super::credentials::is_sensitive_command;
use crate::resp::split_args;
use std::io;
use std::path::{Path, PathBuf};

/// How many entries the history keeps.
pub const MAX_ENTRIES: usize = 1000;

/// Input lines entered at the console, oldest first.
#[derive(Debug, Clone, Default)]
pub struct History {
    entries: Vec<String>,
    /// Where the history is saved after every addition, when set.
    file: Option<PathBuf>,
    /// Navigation position: `Some(i)` while browsing entry `i`.
    position: Option<usize>,
    /// What was being typed when navigation began, given back past the newest entry.
    draft: String,
}

impl History {
    /// An empty history kept in memory only.
    pub fn new() -> History {
        History::default()
    }

    /// Loads the history saved at `path` (a missing file is an empty history) and saves every
    /// later addition there.
    pub fn open(path: impl Into<PathBuf>) -> io::Result<History> {
        let path = path.into();
        let entries = match std::fs::read_to_string(&path) {
            Ok(text) => text
                .lines()
                .filter(|l| !l.is_empty())
                .map(unescape)
                .collect(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        let mut history = History {
            entries,
            file: Some(path),
            ..History::default()
        };
        history.trim();
        Ok(history)
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// Records a line the user entered (and saves the file). Returns false when the line is
    /// not recorded: blank, equal to the previous entry, or carrying credentials
    /// (see [`is_sensitive_line`]). Ends any navigation in progress.
    pub fn add(&mut self, line: &str) -> io::Result<bool> {
        self.position = None;
        self.draft.clear();
        if line.trim().is_empty()
            || self.entries.last().is_some_and(|last| last == line)
            || is_sensitive_line(line)
        {
            return Ok(false);
        }
        self.entries.push(line.to_string());
        self.trim();
        self.save()?;
        Ok(true)
    }

    /// Up arrow: the previous (older) entry, given what is currently typed. None at the oldest.
    pub fn older(&mut self, current: &str) -> Option<&str> {
        let next = match self.position {
            None if self.entries.is_empty() => return None,
            None => {
                self.draft = current.to_string();
                self.entries.len() - 1
            }
            Some(0) => return None,
            Some(i) => i - 1,
        };
        self.position = Some(next);
        Some(&self.entries[next])
    }

    /// Down arrow: the next (newer) entry, or what was being typed before navigating once past
    /// the newest entry. None when not navigating.
    pub fn newer(&mut self) -> Option<&str> {
        let i = self.position?;
        if i + 1 < self.entries.len() {
            self.position = Some(i + 1);
            Some(&self.entries[i + 1])
        } else {
            self.position = None;
            Some(&self.draft)
        }
    }

    /// Forgets the navigation position (the user edited or submitted the line).
    pub fn reset_navigation(&mut self) {
        self.position = None;
        self.draft.clear();
    }

    fn trim(&mut self) {
        if self.entries.len() > MAX_ENTRIES {
            let excess = self.entries.len() - MAX_ENTRIES;
            self.entries.drain(..excess);
        }
    }

    /// Writes the file: one entry a line, escaped, readable only by the user.
    fn save(&self) -> io::Result<()> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let mut text = String::new();
        for entry in &self.entries {
            text.push_str(&escape(entry));
            text.push('\n');
        }
        write_private(path, &text)
    }
}

fn write_private(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&temporary, path)
}

/// Escapes backslashes and line breaks so that an entry fits on one line of the file.
fn escape(entry: &str) -> String {
    let mut out = String::with_capacity(entry.len());
    for c in entry.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// True when an input line must stay out of the history because it carries credentials.
///
/// Lines that do not parse (unbalanced quotes) are judged by their space-separated words, and
/// a leading repeat count is skipped, so `3 AUTH secret` and `AUTH "secret` are both kept out.
pub fn is_sensitive_line(line: &str) -> bool {
    let args = split_args(line.as_bytes()).unwrap_or_else(|| {
        line.split_ascii_whitespace()
            .map(|w| w.as_bytes().to_vec())
            .collect()
    });
    let looks_like_count = |arg: &[u8]| {
        arg.iter()
            .all(|b| b.is_ascii_digit() || b"+- \t".contains(b))
    };
    let skip = usize::from(args.len() > 1 && looks_like_count(&args[0]));
    is_sensitive_command(&args[skip.min(args.len())..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigates_like_linenoise() {
        let mut h = History::new();
        h.add("SET a 1").unwrap();
        h.add("GET a").unwrap();
        assert_eq!(h.older("INC"), Some("GET a"));
        assert_eq!(h.older("GET a"), Some("SET a 1"));
        assert_eq!(h.older("SET a 1"), None);
        assert_eq!(h.newer(), Some("GET a"));
        assert_eq!(
            h.newer(),
            Some("INC"),
            "past the newest entry the draft comes back"
        );
        assert_eq!(h.newer(), None);
    }

    #[test]
    fn skips_blank_lines_and_consecutive_duplicates() {
        let mut h = History::new();
        assert!(h.add("PING").unwrap());
        assert!(!h.add("PING").unwrap());
        assert!(!h.add("   ").unwrap());
        assert!(h.add("ECHO x").unwrap());
        assert!(h.add("PING").unwrap());
        assert_eq!(h.entries(), ["PING", "ECHO x", "PING"]);
    }

    #[test]
    fn never_records_credentials() {
        let mut h = History::new();
        for line in [
            "AUTH secret",
            "auth default secret",
            "3 AUTH secret",
            "AUTH \"unbalanced",
            "ACL SETUSER bob on >pw",
            "acl getuser bob",
            "ACL DELUSER bob",
            "CONFIG SET requirepass pw",
            "CONFIG SET maxmemory 1mb masterauth pw",
            "HELLO 3 AUTH default pw",
            "HELLO 3 SETNAME me AUTH default pw",
            "MIGRATE host 6379 \"\" 0 5000 AUTH pw KEYS a",
            "MIGRATE host 6379 \"\" 0 5000 COPY AUTH2 user pw KEYS a",
        ] {
            assert!(!h.add(line).unwrap(), "{line:?} must not be recorded");
        }
        for line in [
            "CONFIG SET maxmemory 1mb",
            "HELLO 3",
            "HELLO 3 SETNAME auth",
            "ACL WHOAMI",
            "MIGRATE host 6379 \"\" 0 5000 KEYS auth x",
        ] {
            assert!(h.add(line).unwrap(), "{line:?} should be recorded");
        }
    }

    #[test]
    fn persists_escaped_entries_and_keeps_the_newest_thousand() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/history");
        let mut h = History::open(&path).unwrap();
        h.add("SET k \"a\\nb\"").unwrap();
        h.add("ECHO line\nbreak").unwrap();
        h.add("AUTH secret").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "SET k \"a\\\\nb\"\nECHO line\\nbreak\n");
        let reloaded = History::open(&path).unwrap();
        assert_eq!(reloaded.entries(), ["SET k \"a\\nb\"", "ECHO line\nbreak"]);

        let mut h = History::open(&path).unwrap();
        for i in 0..1005 {
            h.add(&format!("ECHO {i}")).unwrap();
        }
        let reloaded = History::open(&path).unwrap();
        assert_eq!(reloaded.entries().len(), MAX_ENTRIES);
        assert_eq!(reloaded.entries()[0], "ECHO 5");
        assert_eq!(reloaded.entries()[MAX_ENTRIES - 1], "ECHO 1004");
    }
}
