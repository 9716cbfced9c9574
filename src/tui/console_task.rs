//! Connects the console pane to the console module's driver: starts it on its own connection,
//! turns its [`ConsoleEvent`]s into UI [`Event`]s, and keeps the history file.

use super::event::Event;
use super::model::{ConsoleLine, ConsoleLineKind};
use crate::backend::Backend;
use crate::console::{
    Connector, ConsoleEvent, ConsoleHandle, ConsoleInput, History, OutputKind, Transcript,
    spawn_console,
};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// File in the data directory that keeps the console history between sessions.
pub const HISTORY_FILE: &str = "history";

/// The running console, as the runner sees it.
pub(super) struct ConsoleLink {
    /// Where input lines and interrupts go.
    pub input: UnboundedSender<ConsoleInput>,
    /// The prompt before the console reports its own.
    pub initial_prompt: String,
    /// The persisted history (entries oldest first); lines are added as they are run.
    pub history: History,
    /// What the console sent, stamped with the backend's clock.
    pub transcript: Transcript,
}

/// Starts the console driver for `backend` and forwards what it prints into `events`.
pub(super) fn spawn(
    backend: Arc<Backend>,
    data_dir: &Path,
    events: UnboundedSender<Event>,
) -> ConsoleLink {
    let address = backend.address_for_prompt();
    let initial_prompt = format!("{address}> ");
    let history = History::open(data_dir.join(HISTORY_FILE)).unwrap_or_else(|error| {
        tracing::warn!("cannot read the console history: {error}");
        History::new()
    });
    let handle = spawn_console(Connector::backend(Arc::clone(&backend), address));
    let transcript = handle.transcript();
    if backend.is_embedded() {
        // Commands carry the engine's time, `t` moves included, so a replay sees what the
        // learner saw.
        transcript.set_time_source(Arc::new(move || {
            backend
                .engine()
                .map(|engine| engine.clock().now_ms())
                .unwrap_or_default()
        }));
    }
    let input = handle.input.clone();
    tokio::spawn(forward(handle, events));
    ConsoleLink {
        input,
        initial_prompt,
        history,
        transcript,
    }
}

/// Passes the driver's events on until the UI goes away; then dropping the handle stops the
/// driver.
async fn forward(mut handle: ConsoleHandle, events: UnboundedSender<Event>) {
    while let Some(event) = handle.events.recv().await {
        if let Some(event) = translate(event)
            && events.send(event).is_err()
        {
            return;
        }
    }
}

/// A reply longer than this many lines shows its first lines and a count, so that KEYS on a
/// million keys neither floods the scrollback nor freezes the UI.
pub const MAX_REPLY_LINES: usize = 1000;

/// The UI event for a console event, if the UI shows it.
pub(super) fn translate(event: ConsoleEvent) -> Option<Event> {
    match event {
        ConsoleEvent::Output { kind, text } => {
            let kind = match kind {
                OutputKind::Reply | OutputKind::Message | OutputKind::Help => {
                    ConsoleLineKind::Reply
                }
                OutputKind::ErrorReply | OutputKind::ConnectionError => ConsoleLineKind::Error,
                OutputKind::Info => ConsoleLineKind::Notice,
                OutputKind::Timing => ConsoleLineKind::Timing,
            };
            let mut lines: Vec<ConsoleLine> = text
                .lines()
                .take(MAX_REPLY_LINES)
                .map(|line| ConsoleLine::new(kind, line))
                .collect();
            if lines.len() == MAX_REPLY_LINES {
                let more = text.lines().skip(MAX_REPLY_LINES).count();
                if more > 0 {
                    lines.push(ConsoleLine::new(
                        ConsoleLineKind::Notice,
                        format!(
                            "… {more} more lines not shown ({} in all): narrow the command (SCAN, LRANGE 0 99, a MATCH pattern)",
                            MAX_REPLY_LINES + more
                        ),
                    ));
                }
            }
            Some(Event::ConsoleOutput(lines))
        }
        ConsoleEvent::Ready { prompt } => Some(Event::ConsoleReady { prompt }),
        ConsoleEvent::ClearScreen => Some(Event::ConsoleClear),
        ConsoleEvent::HintsEnabled(enabled) => Some(Event::ConsoleHints(enabled)),
        ConsoleEvent::Busy { .. } | ConsoleEvent::Connected { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_output_becomes_styled_lines() {
        let event = translate(ConsoleEvent::Output {
            kind: OutputKind::Reply,
            text: "1) \"a\"\n2) \"b\"\n".into(),
        });
        let Some(Event::ConsoleOutput(lines)) = event else {
            panic!("expected console output, found {event:?}");
        };
        assert_eq!(
            lines,
            [
                ConsoleLine::new(ConsoleLineKind::Reply, "1) \"a\""),
                ConsoleLine::new(ConsoleLineKind::Reply, "2) \"b\""),
            ]
        );
        let error = translate(ConsoleEvent::Output {
            kind: OutputKind::ErrorReply,
            text: "(error) ERR nope\n".into(),
        });
        assert!(
            matches!(&error, Some(Event::ConsoleOutput(lines)) if lines[0].kind == ConsoleLineKind::Error),
            "an error reply should be an error line, found {error:?}"
        );
    }

    #[test]
    fn long_replies_show_their_first_lines_and_a_count() {
        let text: String = (1..=5000).map(|n| format!("{n}) \"key:{n}\"\n")).collect();
        let Some(Event::ConsoleOutput(lines)) = translate(ConsoleEvent::Output {
            kind: OutputKind::Reply,
            text,
        }) else {
            panic!("expected console output");
        };
        assert_eq!(lines.len(), MAX_REPLY_LINES + 1);
        assert_eq!(lines[0].text, "1) \"key:1\"");
        assert!(
            lines[MAX_REPLY_LINES]
                .text
                .starts_with("… 4000 more lines not shown (5000 in all)"),
            "{:?}",
            lines[MAX_REPLY_LINES]
        );
    }

    #[test]
    fn prompt_and_console_commands_reach_the_ui() {
        assert!(matches!(
            translate(ConsoleEvent::Ready { prompt: "127.0.0.1:6379[2]> ".into() }),
            Some(Event::ConsoleReady { prompt }) if prompt == "127.0.0.1:6379[2]> "
        ));
        assert!(matches!(
            translate(ConsoleEvent::ClearScreen),
            Some(Event::ConsoleClear)
        ));
        assert!(
            translate(ConsoleEvent::Busy {
                line: "BLPOP q 0".into()
            })
            .is_none()
        );
    }
}
