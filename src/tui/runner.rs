//! `run_tutor`: everything the `tutor` command needs around the UI loop — logging to a file,
//! loading and saving progress, the console and background tasks, and the real terminal.

use super::app::{App, AppOptions};
use super::background::{self, BackgroundContext};
use super::event::{Event, InputReader};
use super::terminal::TerminalGuard;
use super::{LoopExit, LoopObserver, console_task, run_loop};
use crate::backend::Backend;
use crate::course::Course;
use crate::course::progress::{Progress, ProgressStore};
use anyhow::Context;
use ratatui::Terminal;
use ratatui::backend::Backend as TerminalBackend;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;

/// Name of the log file in the data directory.
pub const LOG_FILE: &str = "redis-tutor.log";

/// What the tutor runs with.
pub struct TutorConfig {
    /// The chapters and exercises (`Course::embedded()` or an author's directory).
    pub course: Course,
    /// The embedded engine or the learner's server.
    pub backend: Backend,
    /// Where progress, transcripts, console history and the log live.
    pub store: ProgressStore,
    /// Allow resets in a connected server's database that holds keys the tutor did not make.
    pub force: bool,
    /// When the program started, to log the time to the first frame.
    pub launched_at: Instant,
}

/// Runs the interactive tutor until the learner quits; the terminal is restored on every
/// exit path (including panics) and progress is saved on the way out.
pub async fn run_tutor(config: TutorConfig) -> anyhow::Result<()> {
    let TutorConfig {
        course,
        backend,
        store,
        force,
        launched_at,
    } = config;
    match init_logging(store.dir()) {
        Ok(path) => tracing::info!("redis-tutor starting; logging to {}", path.display()),
        Err(error) => eprintln!("redis-tutor: not logging: {error:#}"),
    }
    let mut session = TutorSession::start(course, backend, store, force)?;
    let result = {
        let mut guard = TerminalGuard::enter().context("taking over the terminal")?;
        let mut input = InputReader::start(session.events_sender());
        let mut launched_at = Some(launched_at);
        let mut signals = ExitSignals::new();
        let result = loop {
            let outcome = tokio::select! {
                outcome = session.run(guard.terminal(), launched_at.take()) => outcome,
                name = signals.next() => {
                    // Ended from outside (kill, a closed terminal): leave as on a quit, so
                    // the terminal is restored and progress saved.
                    tracing::warn!("{name} received: restoring the terminal, saving progress");
                    Ok(LoopExit::Quit)
                }
                reason = input.lost() => {
                    // The terminal went away without a signal (or could not be read): nobody
                    // can type any more, so leave as on a quit.
                    tracing::warn!("{reason}: saving progress");
                    Ok(LoopExit::Quit)
                }
            };
            match outcome {
                Ok(LoopExit::EditFile(path)) => {
                    input.pause();
                    guard.suspend();
                    let edited = run_editor(&path);
                    let resumed = guard.resume();
                    input.resume();
                    if let Err(error) = resumed {
                        break Err(error).context("taking the terminal back after the editor");
                    }
                    session.editor_closed(&path, edited);
                }
                Ok(LoopExit::Quit | LoopExit::EventsClosed) => break Ok(()),
                Err(error) => break Err(error),
            }
        };
        drop(input);
        drop(guard);
        result
    };
    let saved = session.finish().await;
    tracing::info!("redis-tutor stopped");
    result?;
    saved
}

/// The signals that end the tutor from outside (SIGTERM, SIGHUP, SIGQUIT, SIGINT): the
/// process sees them, so it leaves the way a quit does instead of dying in raw mode.
struct ExitSignals {
    #[cfg(unix)]
    signals: Vec<(&'static str, tokio::signal::unix::Signal)>,
}

impl ExitSignals {
    fn new() -> ExitSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let kinds = [
                ("SIGTERM", SignalKind::terminate()),
                ("SIGHUP", SignalKind::hangup()),
                ("SIGQUIT", SignalKind::quit()),
                ("SIGINT", SignalKind::interrupt()),
            ];
            let signals = kinds
                .into_iter()
                .filter_map(|(name, kind)| signal(kind).ok().map(|s| (name, s)))
                .collect();
            ExitSignals { signals }
        }
        #[cfg(not(unix))]
        ExitSignals {}
    }

    /// The name of the next signal received (never, when none could be watched).
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            std::future::poll_fn(|cx| {
                for (name, signal) in &mut self.signals {
                    if signal.poll_recv(cx).is_ready() {
                        return std::task::Poll::Ready(*name);
                    }
                }
                std::task::Poll::Pending
            })
            .await
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

/// A running tutor without its terminal: the app, the console and background tasks, and the
/// progress saver. `run_tutor` draws it on the real terminal; tests draw it on a TestBackend.
pub struct TutorSession {
    app: App,
    events: UnboundedReceiver<Event>,
    events_tx: UnboundedSender<Event>,
    saver: ProgressSaver,
    background: JoinHandle<()>,
}

impl TutorSession {
    /// Loads progress from `store`, starts the console (on its own connection to `backend`)
    /// and the background tasks, and opens the app where the learner left off. Must be called
    /// inside a tokio runtime.
    pub fn start(
        course: Course,
        backend: Backend,
        store: ProgressStore,
        force: bool,
    ) -> anyhow::Result<TutorSession> {
        let loaded = store.load().context("loading your progress")?;
        let course = Arc::new(course);
        let backend = Arc::new(backend);
        tracing::info!("backend: {}", backend.describe());

        let (events_tx, events) = mpsc::unbounded_channel();
        let console = console_task::spawn(Arc::clone(&backend), store.dir(), events_tx.clone());
        let history = console.history.entries().to_vec();
        let (requests, background) = background::spawn(
            BackgroundContext {
                course: Arc::clone(&course),
                backend: Arc::clone(&backend),
                store: store.clone(),
                force,
                events: events_tx.clone(),
            },
            background::ConsoleParts {
                input: console.input,
                history: console.history,
                transcript: console.transcript,
            },
        );
        if let Some(warning) = loaded.warning {
            let _ = events_tx.send(Event::Notice(warning));
        }
        let app = App::new(AppOptions {
            course,
            progress: loaded.progress,
            backend_description: backend.describe(),
            initial_prompt: console.initial_prompt,
            history,
            requests,
            now: Arc::new(Instant::now),
            argument_hints: Arc::new(|line: &str| crate::console::hint(line)),
            palette: super::theme::Palette::from_env(),
        });
        let saver = ProgressSaver::spawn(store, events_tx.clone());
        Ok(TutorSession {
            app,
            events,
            events_tx,
            saver,
            background,
        })
    }

    /// Where terminal events go (the input thread's end of the UI's event channel).
    pub fn events_sender(&self) -> UnboundedSender<Event> {
        self.events_tx.clone()
    }

    /// The UI state.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Runs the UI loop on `terminal` until the learner quits or wants an editor. Cancel-safe:
    /// a test may stop it (with a timeout) to look at the screen and run it again.
    pub async fn run<B>(
        &mut self,
        terminal: &mut Terminal<B>,
        launched_at: Option<Instant>,
    ) -> anyhow::Result<LoopExit>
    where
        B: TerminalBackend,
        B::Error: Send + Sync + 'static,
    {
        run_loop(
            terminal,
            &mut self.app,
            &mut self.events,
            &mut self.saver,
            launched_at,
        )
        .await
    }

    /// The learner's editor closed (or could not start): see [`App::editor_closed`].
    pub fn editor_closed(&mut self, path: &Path, outcome: Result<(), String>) {
        self.app.editor_closed(path, outcome);
    }

    /// Saves the progress one last time and stops the background tasks.
    pub async fn finish(self) -> anyhow::Result<()> {
        let saved = self.saver.finish(self.app.progress().clone()).await;
        self.background.abort();
        saved
    }
}

/// Runs the learner's editor (`$VISUAL`, `$EDITOR`, else `vi`) on `path` and waits for it.
fn run_editor(path: &Path) -> Result<(), String> {
    let editor = std::env::var("VISUAL")
        .ok()
        .or_else(|| std::env::var("EDITOR").ok())
        .filter(|editor| !editor.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string());
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi");
    let status = std::process::Command::new(program)
        .args(words)
        .arg(path)
        .status()
        .map_err(|error| format!("cannot start {program}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} ended with {status}"))
    }
}

/// Sends the tracing output to `dir/redis-tutor.log` (never to the terminal). Returns the
/// log file's path; a subscriber set up earlier by the caller is kept.
pub fn init_logging(dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(LOG_FILE);
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    let level = std::env::var("REDIS_TUTOR_LOG")
        .ok()
        .and_then(|level| level.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let _already_set = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_max_level(level)
        .try_init();
    Ok(path)
}

/// Saves progress on a task of its own, newest state first, so the UI never waits on disk.
struct ProgressSaver {
    pending: Option<UnboundedSender<Progress>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl ProgressSaver {
    fn spawn(store: ProgressStore, events: UnboundedSender<Event>) -> ProgressSaver {
        let (pending, mut queue) = mpsc::unbounded_channel::<Progress>();
        let task = tokio::spawn(async move {
            let mut last = Ok(());
            while let Some(mut progress) = queue.recv().await {
                while let Ok(newer) = queue.try_recv() {
                    progress = newer;
                }
                let store = store.clone();
                let saved = tokio::task::spawn_blocking(move || store.save(&progress))
                    .await
                    .context("saving progress")?;
                last = saved.context("saving your progress");
                if let Err(error) = &last {
                    tracing::error!("{error:#}");
                    let _ = events.send(Event::Notice(format!("{error:#}")));
                }
            }
            last
        });
        ProgressSaver {
            pending: Some(pending),
            task,
        }
    }

    /// Saves `progress` last and waits until it is on disk.
    async fn finish(mut self, progress: Progress) -> anyhow::Result<()> {
        if let Some(pending) = self.pending.take() {
            let _ = pending.send(progress);
        }
        self.task.await.context("saving progress")?
    }
}

impl LoopObserver for ProgressSaver {
    fn progress_changed(&mut self, app: &App) {
        if let Some(pending) = &self.pending {
            let _ = pending.send(app.progress().clone());
        }
    }
}
