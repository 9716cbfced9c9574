//! Console scrollback lines as the console pane shows them.

/// The kind of a console scrollback line, which decides its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleLineKind {
    /// A command the learner typed, echoed after its prompt.
    Command,
    /// Reply text formatted like redis-cli.
    Reply,
    /// An error reply (`(error) ...`).
    Error,
    /// A message from the tutor or the console itself (exercise reset, invalid arguments).
    Notice,
    /// The `(0.64s)` line after a slow command.
    Timing,
}

/// One line of console scrollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleLine {
    /// Decides the line's colour.
    pub kind: ConsoleLineKind,
    /// The text, without a line break.
    pub text: String,
}

impl ConsoleLine {
    /// A line of `kind` showing `text`.
    pub fn new(kind: ConsoleLineKind, text: impl Into<String>) -> ConsoleLine {
        ConsoleLine {
            kind,
            text: text.into(),
        }
    }
}

/// One key as the key inspector shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub name: String,
    /// `string`, `list`, `hash`, `set`, `zset`, `stream` ...
    pub kind: String,
    /// Milliseconds left to live when looked at; `None` without a TTL.
    pub ttl_ms: Option<i64>,
    /// `12 bytes`, `3 elements`.
    pub size: String,
    /// The start of the value, on one line.
    pub preview: String,
}
