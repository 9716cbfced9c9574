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
