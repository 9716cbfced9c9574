//! The background side of the TUI: answers the UI's [`Request`]s without ever blocking it.
//!
//! Console lines go to the console task, whose transcript hands each finished command to a
//! sink that records the learner's typed commands for the current exercise (lesson blocks are
//! not exercise work); opening, checking and resetting exercises run one after another on a
//! task with its own grader connection, and report back as [`Event`]s; `:peek` and the key
//! names for completion go to the key inspector, on a connection of its own.

use super::app::Action;
use super::event::{Event, Request};
use super::inspector::{self, InspectorRequest};
use super::keymap::{self, Context};
use crate::backend::safety::WORKSPACE_MARKER;
use crate::backend::{Backend, Connection, Workspace};
use crate::console::{ConsoleInput, History, Transcript, TranscriptEntry};
use crate::course::Course;
use crate::course::progress::ProgressStore;
use crate::grader::{self, attempt};
use std::collections::HashSet;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Exercise work for the worker, with whom to tell when it is done.
type Work = (Request, Option<oneshot::Sender<()>>);

/// What the background works with.
#[derive(Clone)]
pub struct BackgroundContext {
    /// The exercises that requests refer to by index.
    pub course: Arc<Course>,
    /// Where exercises are set up and graded.
    pub backend: Arc<Backend>,
    /// Where the learner's work is recorded, per exercise.
    pub store: ProgressStore,
    /// Allow resets in a connected server's database that holds keys the tutor did not make.
    pub force: bool,
    /// Where results go back to the UI.
    pub events: UnboundedSender<Event>,
}

/// The console's side: its input, the history file, and its transcript.
pub struct ConsoleParts {
    pub input: UnboundedSender<ConsoleInput>,
    pub history: History,
    pub transcript: Transcript,
}

/// Starts the background: returns where the UI sends its requests. Typed console lines are
/// added to the history; every typed command is recorded for the exercise being worked on.
/// The tasks end when the request sender is dropped.
pub fn spawn(
    context: BackgroundContext,
    console: ConsoleParts,
) -> (UnboundedSender<Request>, JoinHandle<()>) {
    let current: Arc<Mutex<Option<String>>> = Arc::default();
    console
        .transcript
        .set_sink(Some(recorder(context.clone(), Arc::clone(&current))));
    let (requests_tx, requests) = mpsc::unbounded_channel();
    let (exercise_tx, exercise_rx) = mpsc::unbounded_channel();
    let exercises = tokio::spawn(ExerciseWorker::new(context.clone()).run(exercise_rx));
    tokio::spawn(watch_workspace(context.clone(), Arc::clone(&current)));
    let dispatcher = tokio::spawn(dispatch(
        context,
        requests,
        console,
        current,
        exercise_tx,
        exercises,
    ));
    (requests_tx, dispatcher)
}

/// How often the current exercise's workspace file is looked at for a save.
const WORKSPACE_POLL: Duration = Duration::from_millis(500);

/// Reports each save of the current exercise's workspace file (a recipe or script), in
/// whatever editor, so that the exercise is checked again. Ends with the UI.
async fn watch_workspace(context: BackgroundContext, current: Arc<Mutex<Option<String>>>) {
    let mut seen: Option<(std::path::PathBuf, std::time::SystemTime)> = None;
    let mut ticks = tokio::time::interval(WORKSPACE_POLL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while !context.events.is_closed() {
        ticks.tick().await;
        let id = current.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let found = id.and_then(|id| {
            let index = context.course.exercises.iter().position(|e| e.id == id)?;
            let definition = &context.course.exercises[index];
            let extension = definition.kind.workspace_extension()?;
            let path = context.store.workspace_path(&id, extension).ok()?;
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
            Some((index, path, modified))
        });
        let Some((exercise, path, modified)) = found else {
            seen = None;
            continue;
        };
        if seen
            .as_ref()
            .is_some_and(|(p, t)| *p == path && *t != modified)
        {
            let _ = context.events.send(Event::WorkspaceSaved { exercise });
        }
        seen = Some((path, modified));
    }
}

/// The transcript's sink: stores each typed command for the current exercise.
fn recorder(
    context: BackgroundContext,
    current: Arc<Mutex<Option<String>>>,
) -> Arc<dyn Fn(&TranscriptEntry) + Send + Sync> {
    Arc::new(move |entry: &TranscriptEntry| {
        let exercise = current.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(id) = exercise
            && let Err(error) = context.store.append_transcript(&id, entry)
        {
            tracing::warn!("cannot record a command for {id}: {error}");
        }
    })
}

/// Routes requests: console lines at once, exercise work to its worker. While an exercise is
/// being set up, console lines wait for it, so that the setup cannot wipe what the learner
/// typed meanwhile.
async fn dispatch(
    context: BackgroundContext,
    mut requests: UnboundedReceiver<Request>,
    mut console: ConsoleParts,
    current: Arc<Mutex<Option<String>>>,
    exercise_work: UnboundedSender<Work>,
    exercises: JoinHandle<()>,
) {
    let mut preparing: Option<oneshot::Receiver<()>> = None;
    let mut waiting: VecDeque<ConsoleInput> = VecDeque::new();
    let inspector = inspector::spawn(Arc::clone(&context.backend), context.events.clone());
    if !context.backend.is_embedded() {
        // The built-in hints are the embedded engine's own; another server may differ.
        let _ = inspector.send(InspectorRequest::CommandDocs);
    }
    let mut clock_offset = Duration::ZERO;
    loop {
        let request = tokio::select! {
            request = requests.recv() => match request {
                Some(request) => request,
                None => break,
            },
            _ = async { preparing.as_mut().expect("guarded").await }, if preparing.is_some() => {
                preparing = None;
                for input in waiting.drain(..) {
                    send_to_console(&context, &console, input);
                }
                continue;
            }
        };
        match request {
            Request::ConsoleLine(line) => {
                if let Err(error) = console.history.add(&line) {
                    tracing::warn!("cannot save the console history: {error}");
                }
                let input = ConsoleInput::Line(line);
                if preparing.is_some() {
                    waiting.push_back(input);
                } else {
                    send_to_console(&context, &console, input);
                }
            }
            Request::LessonLine(line) => {
                let input = ConsoleInput::LessonLine(line);
                if preparing.is_some() {
                    waiting.push_back(input);
                } else {
                    send_to_console(&context, &console, input);
                }
            }
            Request::ConsoleInterrupt => {
                let _ = console.input.send(ConsoleInput::Interrupt);
            }
            Request::Peek(key) => {
                let _ = inspector.send(InspectorRequest::Peek(key));
            }
            Request::RefreshKeyNames => {
                let _ = inspector.send(InspectorRequest::RefreshKeyNames);
            }
            Request::InspectKeys(patterns) => {
                let _ = inspector.send(InspectorRequest::Snapshot(patterns));
            }
            Request::EditWorkspace { exercise } => {
                let event = match context.course.exercises.get(exercise) {
                    Some(definition) => match attempt::workspace_file(&context.store, definition) {
                        Ok(Some(path)) => Event::EditFile(path),
                        Ok(None) => Event::Notice(format!(
                            "\"{}\" is solved in the console: there is no file to edit.",
                            definition.title
                        )),
                        Err(error) => Event::Notice(format!(
                            "Cannot open the workspace file of \"{}\": {error}",
                            definition.title
                        )),
                    },
                    None => continue,
                };
                let _ = context.events.send(event);
            }
            Request::AdvanceClock(by) => {
                let message = match context.backend.engine() {
                    Some(engine) => {
                        engine.clock().advance(by);
                        clock_offset += by;
                        let _ = context.events.send(Event::ClockMoved(clock_offset));
                        format!(
                            "The embedded Redis clock moved {} s forward: TTLs are that much closer to expiring.",
                            by.as_secs()
                        )
                    }
                    None => "Only the embedded Redis has a clock the tutor can move; a connected server keeps real time.".to_string(),
                };
                let _ = context.events.send(Event::Notice(message));
            }
            other => {
                if let Request::OpenExercise { exercise, .. } = &other {
                    *current.lock().unwrap_or_else(|p| p.into_inner()) = context
                        .course
                        .exercises
                        .get(*exercise)
                        .map(|e| e.id.clone());
                }
                let sets_up = matches!(other, Request::OpenExercise { .. } | Request::Reset { .. });
                let done = sets_up.then(|| {
                    let (done, finished) = oneshot::channel();
                    preparing = Some(finished);
                    done
                });
                let _ = exercise_work.send((other, done));
            }
        }
    }
    drop(exercise_work);
    let _ = exercises.await;
}

fn send_to_console(context: &BackgroundContext, console: &ConsoleParts, input: ConsoleInput) {
    if console.input.send(input).is_err() {
        let _ = context
            .events
            .send(Event::Notice("The console has stopped.".into()));
    }
}

/// Opens, checks and resets exercises, one request at a time, on its own connection.
struct ExerciseWorker {
    context: BackgroundContext,
    connection: Option<Connection>,
    /// Exercises whose keys were set up in this session.
    prepared: HashSet<usize>,
    /// The connected server's database passed the safety check.
    workspace_checked: bool,
}

impl ExerciseWorker {
    fn new(context: BackgroundContext) -> ExerciseWorker {
        ExerciseWorker {
            context,
            connection: None,
            prepared: HashSet::new(),
            workspace_checked: false,
        }
    }

    async fn run(mut self, mut requests: UnboundedReceiver<Work>) {
        while let Some((request, done)) = requests.recv().await {
            match request {
                Request::OpenExercise {
                    exercise,
                    variant,
                    fresh,
                } => self.open(exercise, variant, fresh).await,
                Request::Check { exercise, variant } => {
                    let outcome = self.check(exercise, variant).await;
                    if let Err(error) = &outcome {
                        tracing::warn!("checking exercise {exercise} failed: {error}");
                    }
                    self.send(Event::Checked { exercise, outcome });
                }
                Request::Reset { exercise, variant } => {
                    let outcome = self.reset(exercise, variant).await;
                    if outcome.is_ok() {
                        self.prepared.insert(exercise);
                    }
                    self.send(Event::ResetDone { exercise, outcome });
                }
                Request::ConsoleLine(_)
                | Request::LessonLine(_)
                | Request::ConsoleInterrupt
                | Request::AdvanceClock(_)
                | Request::Peek(_)
                | Request::RefreshKeyNames
                | Request::InspectKeys(_)
                | Request::EditWorkspace { .. } => {}
            }
            if let Some(done) = done {
                let _ = done.send(());
            }
        }
    }

    fn send(&self, event: Event) {
        let _ = self.context.events.send(event);
    }

    /// Prepares an exercise the learner turns to: a new attempt is set up; on the embedded
    /// engine (empty at every start) an earlier attempt's keys are set up and its console work
    /// replayed, so the console shows where the learner left off.
    async fn open(&mut self, exercise: usize, variant: usize, fresh: bool) {
        let embedded = self.context.backend.is_embedded();
        if self.prepared.contains(&exercise) || (!fresh && !embedded) {
            return;
        }
        let Some(definition) = self.context.course.exercises.get(exercise) else {
            return;
        };
        if definition.kind.quiz().is_some() {
            // A quiz has no keys to set up and no console work to replay. A connected server's
            // database is still checked, so that a refusal is said when the tutor starts, not
            // at the next exercise.
            if !embedded && let Err(error) = self.ensure_safe_workspace().await {
                self.connection = None;
                self.send(Event::Notice(format!(
                    "{error} (A quiz needs no keys; the exercises after it do.)"
                )));
            }
            return;
        }
        let outcome = if fresh {
            self.reset(exercise, variant).await
        } else {
            self.restore(exercise, variant).await
        };
        match outcome {
            Ok(()) => {
                self.prepared.insert(exercise);
            }
            Err(error) => {
                self.connection = None;
                self.send(Event::SetupFailed { exercise, error });
            }
        }
    }

    /// Sets an earlier attempt's keys up again and replays its console work on them.
    async fn restore(&mut self, exercise: usize, variant: usize) -> Result<(), String> {
        let definition = self.definition(exercise)?;
        let instance = definition.variant(variant);
        let work = attempt::work_for(&self.context.store, &instance).map_err(|e| e.to_string())?;
        self.ensure_safe_workspace().await?;
        let backend = Arc::clone(&self.context.backend);
        let connection = self.connection().await?;
        grader::reset(connection, &instance)
            .await
            .map_err(|e| e.to_string())?;
        if let (grader::Work::Console(console), Some(engine)) = (&work, backend.engine())
            && !console.entries.is_empty()
        {
            grader::restore(connection, engine.clock(), &console.entries)
                .await
                .map_err(|e| e.to_string())?;
            self.send(Event::Notice(format!(
                "Replayed your {} earlier command{} for \"{}\".",
                console.entries.len(),
                if console.entries.len() == 1 { "" } else { "s" },
                definition.title
            )));
        }
        if let Ok(Some(path)) = attempt::workspace_file(&self.context.store, &definition) {
            self.send(Event::Notice(format!(
                "Your {} for \"{}\" is in {}.",
                definition.kind.name(),
                definition.title,
                path.display()
            )));
        }
        Ok(())
    }

    /// Starts a new attempt: the exercise's keys set up, its recorded work forgotten.
    async fn reset(&mut self, exercise: usize, variant: usize) -> Result<(), String> {
        let definition = self.definition(exercise)?;
        self.ensure_safe_workspace().await?;
        let backend = Arc::clone(&self.context.backend);
        let store = self.context.store.clone();
        let connection = self.connection().await?;
        let result =
            attempt::start_attempt(connection, &backend, &definition, variant, &store).await;
        match result {
            Ok(Some(path)) => {
                self.send(Event::Notice(format!(
                    "Write your {} for \"{}\" in {}; {} checks it.",
                    definition.kind.name(),
                    definition.title,
                    path.display(),
                    keymap::keys_for(Context::Everywhere, Action::CheckExercise)
                )));
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(error) => {
                self.connection = None;
                Err(error.to_string())
            }
        }
    }

    /// Grades the exercise: console work replayed on a private engine (or inspected on the
    /// connected server), recipes and scripts through their scenarios.
    async fn check(&mut self, exercise: usize, variant: usize) -> Result<grader::Report, String> {
        let definition = self.definition(exercise)?;
        let instance = definition.variant(variant);
        let work = attempt::work_for(&self.context.store, &instance).map_err(|e| e.to_string())?;
        if matches!(work, grader::Work::File { .. }) && !self.context.backend.is_embedded() {
            // Scenarios write the exercise's keys on the connected server.
            self.ensure_safe_workspace().await?;
        }
        let target = attempt::target_for(&self.context.backend);
        grader::grade(&instance, &work, &target)
            .await
            .map_err(|e| e.to_string())
    }

    fn definition(&self, exercise: usize) -> Result<crate::course::Exercise, String> {
        self.context
            .course
            .exercises
            .get(exercise)
            .cloned()
            .ok_or_else(|| format!("no exercise number {exercise}"))
    }

    /// Refuses to set anything up in a connected server's database that holds keys the tutor
    /// did not make, and marks it as the tutor's workspace otherwise.
    async fn ensure_safe_workspace(&mut self) -> Result<(), String> {
        if self.workspace_checked {
            return Ok(());
        }
        let owned = self.context.course.owned_patterns();
        let backend = Arc::clone(&self.context.backend);
        let force = self.context.force;
        let connection = self.connection().await?;
        let workspace = backend
            .check_workspace(connection, &owned, force)
            .await
            .map_err(|e| e.to_string())?;
        if workspace == Workspace::NewlyMarked {
            self.send(Event::Notice(format!(
                "{} is now the tutor's workspace (marked by the key {WORKSPACE_MARKER}).",
                backend.server()
            )));
        }
        self.workspace_checked = true;
        Ok(())
    }

    /// The grader's connection, opened on first use and after an error.
    async fn connection(&mut self) -> Result<&mut Connection, String> {
        if self.connection.is_none() {
            let connection = self.context.backend.connect().await.map_err(|e| {
                format!("cannot connect to {}: {e}", self.context.backend.describe())
            })?;
            self.connection = Some(connection);
        }
        Ok(self.connection.as_mut().expect("connection just opened"))
    }
}
