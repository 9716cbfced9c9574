//! `run_tutor`: everything the `tutor` command needs around the UI loop — logging to a file,
//! loading and saving progress, the console and background tasks, and the real terminal.

use super::app::{App, AppOptions};
use super::background::{self, BackgroundContext};
use super::event::{Event, InputReader};
use super::terminal::TerminalGuard;
use super::{LoopObserver, console_task, run_loop};
use crate::backend::Backend;
use crate::course::Course;
use crate::course::progress::{Progress, ProgressStore};
use anyhow::Context;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::mpsc::{self, UnboundedSender};
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
    /// Allow resets in database 0 of a connected server that holds keys no exercise owns.
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
    let loaded = store.load().context("loading your progress")?;
    let course = Arc::new(course);
    let backend = Arc::new(backend);
    tracing::info!("backend: {}", backend.describe());

    let (events_tx, mut events) = mpsc::unbounded_channel();
    let console = console_task::spawn(Arc::clone(&backend), store.dir(), events_tx.clone());
    let history = console.history.entries().to_vec();
    let (requests, background_task) = background::spawn(
        BackgroundContext {
            course: Arc::clone(&course),
            backend: Arc::clone(&backend),
            store: store.clone(),
            force,
            events: events_tx.clone(),
        },
        console.input,
        console.history,
    );
    if let Some(warning) = loaded.warning {
        let _ = events_tx.send(Event::Notice(warning));
    }
    let mut app = App::new(AppOptions {
        course,
        progress: loaded.progress,
        backend_description: backend.describe(),
        initial_prompt: console.initial_prompt,
        history,
        requests,
        now: Arc::new(Instant::now),
        argument_hints: Arc::new(|line: &str| crate::console::hint(line)),
    });
    let mut saver = ProgressSaver::spawn(store.clone(), events_tx.clone());

    let result = {
        let mut guard = TerminalGuard::enter().context("taking over the terminal")?;
        let input = InputReader::start(events_tx.clone());
        let result = run_loop(
            guard.terminal(),
            &mut app,
            &mut events,
            &mut saver,
            Some(launched_at),
        )
        .await;
        drop(input);
        drop(guard);
        result
    };
    let saved = saver.finish(app.progress().clone()).await;
    background_task.abort();
    tracing::info!("redis-tutor stopped");
    result?;
    saved
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
