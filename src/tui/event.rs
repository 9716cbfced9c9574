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
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;

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
/// another program (the learner's editor) have the keys meanwhile. When the terminal goes away
/// (its window or tmux closed) or reading it fails, the thread stops and
/// [`InputReader::lost`] says why, so that the tutor can save progress and exit instead of
/// waiting for keys that will never come.
pub struct InputReader {
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    lost: Option<oneshot::Receiver<String>>,
}

impl InputReader {
    /// Starts reading terminal events into `events`.
    pub fn start(events: UnboundedSender<Event>) -> InputReader {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&stop);
        let paused = Arc::new(AtomicBool::new(false));
        let paused_flag = Arc::clone(&paused);
        let (lost_tx, lost) = oneshot::channel();
        // crossterm sets its reader up (and starts catching SIGWINCH) on first use: now, so
        // that a resize right after the first frame is not lost. Events it finds wait in its
        // queue for the thread.
        let _ = terminal_event::poll(Duration::ZERO);
        let thread = std::thread::Builder::new()
            .name("terminal-input".into())
            .spawn(move || {
                let mut terminal = TerminalInput::open();
                while !stop_flag.load(Ordering::Relaxed) {
                    if paused_flag.load(Ordering::Relaxed) {
                        std::thread::sleep(POLL);
                        continue;
                    }
                    match terminal.read(POLL, &events) {
                        Ok(true) => {}
                        Ok(false) => return,
                        Err(reason) => {
                            tracing::warn!("{reason}");
                            let _ = lost_tx.send(reason);
                            return;
                        }
                    }
                }
            })
            .expect("spawning the terminal input thread");
        InputReader {
            stop,
            paused,
            thread: Some(thread),
            lost: Some(lost),
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

    /// Resolves when the reader stopped on its own, with the reason: the terminal closed, or
    /// reading it failed. Never resolves otherwise.
    pub async fn lost(&mut self) -> String {
        let Some(lost) = self.lost.as_mut() else {
            return std::future::pending().await;
        };
        let reason = lost.await;
        self.lost = None;
        match reason {
            Ok(reason) => reason,
            // The thread ended without a reason: it was told to stop.
            Err(_) => std::future::pending().await,
        }
    }
}

/// How long the input thread waits for an event before looking at its flags.
const POLL: Duration = Duration::from_millis(50);

impl Drop for InputReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // The thread sees the flag within a poll. One that is stuck (a terminal read that
            // never returns) is left to end with the process rather than hang the exit.
            let deadline = Instant::now() + 4 * POLL;
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(POLL / 10);
            }
            if thread.is_finished() {
                let _ = thread.join();
            } else {
                tracing::warn!("the terminal input thread did not stop; leaving it behind");
            }
        }
    }
}

/// The terminal's input side, watched with `poll(2)` before crossterm reads it.
///
/// crossterm's reader loops for ever on a terminal that has hung up (each read returns no
/// bytes, which it does not take for an end), so it is only asked to read once `poll` has
/// seen no hang-up. Its poll is edge-triggered, and when a pending SIGWINCH and input come
/// in one batch it reports the resize and drops the input's edge, leaving the bytes unread
/// until more arrive: so it is also asked on every idle tick (draining a resize while the
/// terminal is quiet), and while input it left behind waits, the tutor polls only for a
/// hang-up and asks crossterm again each tick instead of spinning on a readable terminal.
#[cfg(unix)]
struct TerminalInput {
    fd: std::os::fd::RawFd,
    /// `/dev/tty`, when standard input is not the terminal (as crossterm does).
    _tty: Option<std::fs::File>,
    /// crossterm left input unread (its edge went with a resize's).
    stranded: bool,
}

#[cfg(unix)]
impl TerminalInput {
    fn open() -> TerminalInput {
        use std::io::IsTerminal;
        use std::os::fd::AsRawFd;
        let tty = if std::io::stdin().is_terminal() {
            None
        } else {
            std::fs::File::open("/dev/tty").ok()
        };
        let fd = tty
            .as_ref()
            .map_or(libc::STDIN_FILENO, |tty| tty.as_raw_fd());
        TerminalInput {
            fd,
            _tty: tty,
            stranded: false,
        }
    }

    /// Waits up to `timeout` for input and forwards every event it makes to `events`. Ok(false)
    /// when the UI loop is gone; Err when the terminal is.
    fn read(&mut self, timeout: Duration, events: &UnboundedSender<Event>) -> Result<bool, String> {
        let wanted = if self.stranded { 0 } else { libc::POLLIN };
        let input = match self.poll(wanted, timeout)? {
            Some(input) => input,
            None => return Ok(true),
        };
        let Some(forwarded) = forward_events(events)? else {
            return Ok(false);
        };
        if input || self.stranded {
            // Nothing made of readable input: a partial escape sequence (read, waiting for
            // its end) or input crossterm left behind, which is still there.
            self.stranded =
                forwarded == 0 && self.poll(libc::POLLIN, Duration::ZERO)? == Some(true);
        }
        Ok(true)
    }

    /// Polls the terminal for `wanted` (POLLIN, or 0 for a hang-up only): Some(whether input
    /// waits) after an event or a timeout, None when interrupted, Err when it hung up.
    fn poll(&self, wanted: libc::c_short, timeout: Duration) -> Result<Option<bool>, String> {
        let mut ready = libc::pollfd {
            fd: self.fd,
            events: wanted,
            revents: 0,
        };
        let millis = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
        // SAFETY: one pollfd, on the stack, for a descriptor that stays open while `self` lives.
        if unsafe { libc::poll(&mut ready, 1, millis) } < 0 {
            let error = std::io::Error::last_os_error();
            if error.kind() == std::io::ErrorKind::Interrupted {
                return Ok(None);
            }
            return Err(format!("watching terminal input failed: {error}"));
        }
        if ready.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
            return Err("terminal closed".to_string());
        }
        Ok(Some(ready.revents & libc::POLLIN != 0))
    }
}

/// Forwards every whole event crossterm can make now (of input read, or a resize), without
/// waiting: how many, or None when the UI loop is gone.
#[cfg(unix)]
fn forward_events(events: &UnboundedSender<Event>) -> Result<Option<usize>, String> {
    let mut forwarded = 0;
    loop {
        match terminal_event::poll(Duration::ZERO) {
            Ok(true) => {}
            Ok(false) => return Ok(Some(forwarded)),
            Err(error) => return Err(format!("polling terminal input failed: {error}")),
        }
        let event = terminal_event::read()
            .map_err(|error| format!("reading terminal input failed: {error}"))?;
        if events.send(Event::Terminal(event)).is_err() {
            return Ok(None);
        }
        forwarded += 1;
    }
}

/// The terminal's input side, read through crossterm's own poll.
#[cfg(not(unix))]
struct TerminalInput;

#[cfg(not(unix))]
impl TerminalInput {
    fn open() -> TerminalInput {
        TerminalInput
    }

    /// Waits up to `timeout` for an event and forwards it to `events`. Ok(false) when the UI
    /// loop is gone; Err when the terminal is.
    fn read(&mut self, timeout: Duration, events: &UnboundedSender<Event>) -> Result<bool, String> {
        match terminal_event::poll(timeout) {
            Ok(true) => {
                let event = terminal_event::read()
                    .map_err(|error| format!("reading terminal input failed: {error}"))?;
                Ok(events.send(Event::Terminal(event)).is_ok())
            }
            Ok(false) => Ok(true),
            Err(error) => Err(format!("polling terminal input failed: {error}")),
        }
    }
}
