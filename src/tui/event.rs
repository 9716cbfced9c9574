//! What flows into the UI loop (terminal input, background results) and what the UI asks the
//! background to do. The UI never awaits I/O: it sends a [`Request`] and later receives an
//! [`Event`] with the result.

use super::model::{ConsoleLine, KeyInfo};
use crate::console::HelpEntry;
use crate::grader::Report;
use ratatui::crossterm::event::{self as terminal_event, Event as TerminalEvent};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Everything the UI loop reacts to.
#[derive(Debug, Clone)]
pub enum Event {
    /// A key, mouse, paste or resize event from the terminal.
    Terminal(TerminalEvent),
    /// Output of the command that runs in the console.
    ConsoleOutput(Vec<ConsoleLine>),
    /// The console finished a command (or connected) and shows this prompt.
    ConsoleReady { prompt: String },
    /// `clear` was typed in the console.
    ConsoleClear,
    /// `:set hints` / `:set nohints` was typed in the console.
    ConsoleHints(bool),
    /// The grader finished checking an exercise (index into the course's exercises).
    Checked {
        exercise: usize,
        outcome: Result<Report, String>,
    },
    /// An exercise could not be set up (a connected database holding keys the tutor did not
    /// make, a lost connection); `error` says why and what to do.
    SetupFailed { exercise: usize, error: String },
    /// An exercise's keys were reset (or resetting failed).
    ResetDone {
        exercise: usize,
        outcome: Result<(), String>,
    },
    /// The key names the inspector found (for Tab completion).
    KeyNames(Vec<String>),
    /// The keys the inspector pane lists.
    KeySnapshot(Vec<KeyInfo>),
    /// The connected server's commands as its COMMAND DOCS describes them (for hints).
    CommandDocs(Arc<Vec<HelpEntry>>),
    /// The workspace file of `exercise` (an index) was saved.
    WorkspaceSaved { exercise: usize },
    /// Open this file in the learner's editor (the TUI steps aside meanwhile).
    EditFile(PathBuf),
    /// The embedded clock is now this far ahead of real time.
    ClockMoved(Duration),
    /// A message from the tutor for the console (an exercise prepared, a connection lost).
    Notice(String),
}

/// Work the UI hands to the background.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Run one console input line the learner typed.
    ConsoleLine(String),
    /// Run one line of a lesson block in the console: shown like a typed line, but not the
    /// learner's exercise work.
    LessonLine(String),
    /// Ctrl-C in the console: abandon the running command, leave subscribed or monitor mode.
    ConsoleInterrupt,
    /// The learner now works on `exercise` (an index into the course's exercises), attempt
    /// `variant`; `fresh` when the attempt has just started and its keys must be set up.
    OpenExercise {
        exercise: usize,
        variant: usize,
        fresh: bool,
    },
    /// Grade the exercise's attempt `variant`.
    Check { exercise: usize, variant: usize },
    /// Start attempt `variant` over: delete the exercise's keys and run its setup.
    Reset { exercise: usize, variant: usize },
    /// Move the embedded engine's clock forward (keys expire as if the time had passed).
    AdvanceClock(Duration),
    /// `:peek KEY`: print the key's type, TTL, encoding, size and value in the console.
    Peek(String),
    /// Find the key names again for completion (a command may have changed them).
    RefreshKeyNames,
    /// Open the workspace file (recipe or script) of `exercise` in the learner's editor.
    EditWorkspace { exercise: usize },
    /// List the keys matching these patterns (every key when empty) in the inspector.
    InspectKeys(Vec<String>),
}

/// Reads terminal events on a dedicated thread and forwards them to the UI loop.
///
/// Dropping it stops the thread at its next poll (within 50 ms); [`InputReader::pause`] lets
/// another program (the learner's editor) have the keys meanwhile.
pub struct InputReader {
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl InputReader {
    /// Starts reading terminal events into `events`.
    pub fn start(events: UnboundedSender<Event>) -> InputReader {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&stop);
        let paused = Arc::new(AtomicBool::new(false));
        let paused_flag = Arc::clone(&paused);
        let thread = std::thread::Builder::new()
            .name("terminal-input".into())
            .spawn(move || {
                while !stop_flag.load(Ordering::Relaxed) {
                    if paused_flag.load(Ordering::Relaxed) {
                        std::thread::sleep(POLL);
                        continue;
                    }
                    match terminal_event::poll(POLL) {
                        Ok(true) => match terminal_event::read() {
                            Ok(event) => {
                                if events.send(Event::Terminal(event)).is_err() {
                                    break;
                                }
                            }
                            Err(error) => {
                                tracing::error!("reading terminal input failed: {error}");
                                break;
                            }
                        },
                        Ok(false) => {}
                        Err(error) => {
                            tracing::error!("polling terminal input failed: {error}");
                            break;
                        }
                    }
                }
            })
            .expect("spawning the terminal input thread");
        InputReader {
            stop,
            paused,
            thread: Some(thread),
        }
    }

    /// Stops reading keys until [`InputReader::resume`]; returns once a poll under way ended.
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        std::thread::sleep(POLL + POLL);
    }

    /// Reads keys again.
    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }
}

/// How long the input thread waits for an event before looking at its flags.
const POLL: Duration = Duration::from_millis(50);

impl Drop for InputReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
