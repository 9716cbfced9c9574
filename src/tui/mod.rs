//! The terminal UI: a thin view over the terminal-free modules.
//!
//! [`App`] holds the UI state and turns events into [`Action`]s through one keymap table
//! ([`keymap`]); one module per pane keeps that pane's state and draws it from `&self`.
//! [`run_loop`] is the main loop, generic over the ratatui backend so tests drive it on
//! `TestBackend`. It never awaits I/O: console commands, checks and resets are [`Request`]s
//! that background tasks answer with [`Event`]s through a channel.

mod app;
mod background;
mod console;
mod console_task;
mod event;
mod exercise;
mod input;
mod inspector;
pub mod keymap;
mod keys;
mod layout;
mod lesson;
mod model;
mod overlay;
mod quiz;
mod runner;
mod sidebar;
mod status;
mod study;
mod terminal;
mod theme;

pub use app::{Action, App, AppOptions, ArgumentHints, Edit, Focus, Now};
pub use background::{BackgroundContext, ConsoleParts, spawn as spawn_background};
pub use event::{Event, InputReader, Request};
pub use layout::{MIN_HEIGHT, MIN_WIDTH};
pub use model::{ConsoleLine, ConsoleLineKind, KeyInfo};
pub use overlay::{Overlay, Question};
pub use quiz::QuizKey;
pub use runner::{LOG_FILE, TutorConfig, TutorSession, init_logging, run_tutor};
pub use terminal::TerminalGuard;
pub use theme::Palette;

use ratatui::Terminal;
use ratatui::backend::Backend as TerminalBackend;
use std::time::Instant;
use tokio::sync::mpsc::UnboundedReceiver;

/// What the main loop reports to its caller besides drawing.
pub trait LoopObserver {
    /// Progress changed in a way worth saving (a solved exercise, a hint, another chapter).
    fn progress_changed(&mut self, app: &App);
}

/// Why the main loop returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoopExit {
    /// The learner quits.
    Quit,
    /// Nothing more will come: the event channel closed.
    EventsClosed,
    /// The learner's editor should open this file; run the loop again afterwards.
    EditFile(std::path::PathBuf),
}

/// Runs the UI until the learner quits, the event channel closes, or an editor is wanted.
///
/// Draws when something changed (and on a tick while work is running), then waits for the next
/// event; every event already queued is handled before the next draw. Nothing is drawn while
/// nothing changes. `launched_at` is when
/// the program started: the time to the first frame is logged at info level.
pub async fn run_loop<B>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    events: &mut UnboundedReceiver<Event>,
    observer: &mut dyn LoopObserver,
    launched_at: Option<Instant>,
) -> anyhow::Result<LoopExit>
where
    B: TerminalBackend,
    B::Error: Send + Sync + 'static,
{
    let mut first_frame = true;
    loop {
        if app.is_dirty() {
            let size = terminal.size()?;
            app.resize(size.width, size.height);
            terminal.draw(|frame| app.draw(frame))?;
            app.drawn();
            if first_frame {
                first_frame = false;
                if let Some(launched_at) = launched_at {
                    tracing::info!(
                        "first frame drawn after {} ms",
                        launched_at.elapsed().as_millis()
                    );
                }
            }
        }
        let event = if let Some(tick) = app.redraw_every() {
            match tokio::time::timeout(tick, events.recv()).await {
                Ok(event) => event,
                Err(_elapsed) => {
                    app.mark_dirty();
                    continue;
                }
            }
        } else {
            events.recv().await
        };
        let Some(event) = event else {
            return Ok(LoopExit::EventsClosed);
        };
        app.handle_event(event);
        while !app.should_quit()
            && let Ok(event) = events.try_recv()
        {
            app.handle_event(event);
        }
        if app.take_progress_changed() {
            observer.progress_changed(app);
        }
        if app.should_quit() {
            return Ok(LoopExit::Quit);
        }
        if let Some(path) = app.take_edit_request() {
            return Ok(LoopExit::EditFile(path));
        }
    }
}
