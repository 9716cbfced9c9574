//! The redis-cli-like console, without the terminal: input lines to commands
//! ([`tokenize`]), replies to text exactly as redis-cli 7.0 prints them ([`format`](mod@format)), the
//! prompt's state ([`session`]), history ([`history`]), hints, Tab completion and help
//! ([`hints`], [`complete`], [`help`]), syntax colour ([`highlight`]), the record of commands sent
//! ([`transcript`]), and the async task tying them to a connection ([`driver`]). The TUI
//! draws what the driver emits.
//!
//! How the console pane uses it:
//! - at start, `spawn_console(Connector::backend(backend, addr))` and `History::open(path)`;
//! - while typing, `hint(line)` gives the grey text to draw after the line (unless
//!   `:set nohints` was entered), `complete_line(line, ..)` the Tab candidates, and
//!   `History::older`/`newer` the Up/Down lines;
//! - on Enter, `History::add(line)` (it refuses credentials) and `ConsoleHandle::send_line`;
//!   on Ctrl-C, `ConsoleHandle::interrupt`;
//! - every frame, drain `ConsoleHandle::events`: append `Output` text (its kind picks the
//!   style), show `Busy` as "running...", and take the prompt from `Ready`;
//! - the grader reads `ConsoleHandle::transcript()` to see which commands were sent.
//!
//! Fidelity: replies, help, hints, prompts, repeat counts and error texts follow redis-cli
//! 7.0.15 (checked against it by tests/console_golden.rs). Where 7.0 cannot serve a console
//! pane, newer redis-cli behaviour is used: subscribed mode shows
//! `(subscribed mode)` in the prompt and accepts commands (redis-cli 7.2), RESP3 big numbers
//! print as `(big number) N` (7.0 aborts on them), and Ctrl-C during a blocking command
//! reconnects instead of quitting.

pub mod complete;
pub mod credentials;
mod driver;
pub mod format;
pub mod help;
pub mod highlight;
pub mod hints;
pub mod history;
pub mod session;
pub mod tokenize;
pub mod transcript;

pub use complete::{Completion, common_prefix, complete_line};
pub use credentials::{REDACTED, is_sensitive_command, redact_credentials};
pub use driver::{
    Connector, ConsoleEvent, ConsoleHandle, ConsoleInput, ConsoleOptions, OutputKind,
    READING_MESSAGES, spawn_console, spawn_console_with,
};
pub use format::{
    format_command_reply, format_elapsed, format_push, format_reply, format_reply_raw,
    format_reply_verbatim, prints_verbatim,
};
pub use help::{
    HelpEntry, argument_syntax, generic_help, help_entries, help_entries_from_docs, help_groups,
    help_text,
};
pub use hints::{hint, hint_with};
pub use history::{History, is_sensitive_line};
pub use session::Session;
pub use tokenize::{CommandLine, LineError, parse_line};
pub use transcript::{Outcome, Source, Transcript, TranscriptEntry};
