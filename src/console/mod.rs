//! The redis-cli-like console, without the terminal: input lines to commands
//! ([`tokenize`]), replies to text exactly as redis-cli 7.0 prints them ([`format`]), the
//! prompt's state ([`session`]), history ([`history`]), hints, completion and help
//! ([`hints`], [`help`]), the record of commands sent ([`transcript`]), and the async task tying
//! them to a connection ([`driver`]). The TUI draws what the driver emits.

pub mod driver;
pub mod format;
pub mod help;
pub mod hints;
pub mod history;
pub mod session;
pub mod tokenize;
pub mod transcript;

pub use driver::{
    Connector, ConsoleEvent, ConsoleHandle, ConsoleInput, ConsoleOptions, OutputKind,
    READING_MESSAGES, spawn_console, spawn_console_with,
};
pub use format::{
    format_command_reply, format_elapsed, format_push, format_reply, format_reply_raw,
    format_reply_verbatim, prints_verbatim,
};
pub use help::{HelpEntry, argument_syntax, generic_help, help_entries, help_groups, help_text};
pub use hints::{complete, hint, hint_with};
pub use history::{History, is_sensitive_command, is_sensitive_line};
pub use session::Session;
pub use tokenize::{CommandLine, LineError, parse_line};
pub use transcript::{Outcome, Transcript, TranscriptEntry, redact_credentials};
