//! The background side of the TUI: answers the UI's [`Request`]s without ever blocking it.
//!
//! Console lines are recorded in the current exercise's transcript and handed to the console
//! task; opening, checking and resetting exercises run one after another on a task with its
//! own grader connection, and report back as [`Event`]s; `:peek` and the key names for
//! completion go to the key inspector, on a connection of its own.

use super::event::{Event, Request};
use super::inspector::{self, InspectorRequest};
use crate::backend::safety::WORKSPACE_MARKER;
use crate::backend::{Backend, Connection, Workspace};
use crate::console::{ConsoleInput, History, parse_line};
use crate::course::Course;
use crate::course::progress::ProgressStore;
use crate::grader;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;

/// What the background works with.
#[derive(Clone)]
pub struct BackgroundContext {
    /// The exercises that requests refer to by index.
    pub course: Arc<Course>,
    /// Where exercises are set up and graded.
    pub backend: Arc<Backend>,
    /// Where the learner's commands are recorded, per exercise.
    pub store: ProgressStore,
    /// Allow resets in a connected server's database that holds keys the tutor did not make.
    pub force: bool,
    /// Where results go back to the UI.
    pub events: UnboundedSender<Event>,
}

/// Starts the background: returns where the UI sends its requests. Console lines are added to
/// `history` and passed on to `console`; the tasks end when the request sender is dropped.
pub fn spawn(
    context: BackgroundContext,
    console: UnboundedSender<ConsoleInput>,
    history: History,
) -> (UnboundedSender<Request>, JoinHandle<()>) {
    let (requests_tx, requests) = mpsc::unbounded_channel();
    let (exercise_tx, exercise_rx) = mpsc::unbounded_channel();
    let exercises = tokio::spawn(ExerciseWorker::new(context.clone()).run(exercise_rx));
    let dispatcher = tokio::spawn(dispatch(
        context,
        requests,
        Console {
            input: console,
            history,
        },
        exercise_tx,
        exercises,
    ));
    (requests_tx, dispatcher)
}

/// The console driver's input and the history file.
struct Console {
    input: UnboundedSender<ConsoleInput>,
    history: History,
}

/// Routes requests: console lines at once (recording them), exercise work to its worker.
async fn dispatch(
    context: BackgroundContext,
    mut requests: UnboundedReceiver<Request>,
    mut console: Console,
    exercise_work: UnboundedSender<Request>,
    exercises: JoinHandle<()>,
) {
    let mut current_exercise: Option<String> = None;
    let inspector = inspector::spawn(Arc::clone(&context.backend), context.events.clone());
    let mut clock_offset = Duration::ZERO;
    while let Some(request) = requests.recv().await {
        match request {
            Request::ConsoleLine(line) => {
                if let Some(id) = &current_exercise {
                    record(&context.store, id, &line);
                }
                if let Err(error) = console.history.add(&line) {
                    tracing::warn!("cannot save the console history: {error}");
                }
                if console.input.send(ConsoleInput::Line(line)).is_err() {
                    let _ = context
                        .events
                        .send(Event::Notice("The console has stopped.".into()));
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
                    current_exercise = context
                        .course
                        .exercises
                        .get(*exercise)
                        .map(|e| e.id.clone());
                }
                let _ = exercise_work.send(other);
            }
        }
    }
    drop(exercise_work);
    let _ = exercises.await;
}

/// Appends the commands of a console line to an exercise's transcript, as many times as the
/// console will send them. Lines the console handles itself (help, clear, quit, `:set`) and
/// commands carrying credentials are not recorded.
fn record(store: &ProgressStore, exercise_id: &str, line: &str) {
    let Ok(Some(command)) = parse_line(line) else {
        return;
    };
    let name = String::from_utf8_lossy(&command.args[0]).to_ascii_lowercase();
    let console_only =
        matches!(name.as_str(), "help" | "?" | "clear" | "quit" | "exit") || name.starts_with(':');
    if console_only {
        return;
    }
    for _ in 0..command.repeat.min(MAX_RECORDED_REPEAT) {
        if let Err(error) = store.append_transcript(exercise_id, &command.args) {
            tracing::warn!("cannot record a command for {exercise_id}: {error}");
            return;
        }
    }
}

/// A repeated command (`1000000 INCR x`) is recorded at most this many times.
const MAX_RECORDED_REPEAT: u64 = 1000;

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

    async fn run(mut self, mut requests: UnboundedReceiver<Request>) {
        while let Some(request) = requests.recv().await {
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
                | Request::ConsoleInterrupt
                | Request::AdvanceClock(_)
                | Request::Peek(_)
                | Request::RefreshKeyNames => {}
            }
        }
    }

    fn send(&self, event: Event) {
        let _ = self.context.events.send(event);
    }

    /// Prepares an exercise the learner turns to: a new attempt gets its setup; on the
    /// embedded engine (empty at every start) an earlier attempt is set up and replayed.
    async fn open(&mut self, exercise: usize, variant: usize, fresh: bool) {
        let embedded = self.context.backend.is_embedded();
        if self.prepared.contains(&exercise) || (!fresh && !embedded) {
            return;
        }
        let Some(definition) = self.context.course.exercises.get(exercise).cloned() else {
            return;
        };
        let transcript = if fresh {
            Vec::new()
        } else {
            match self.context.store.transcript(&definition.id) {
                Ok(transcript) => transcript,
                Err(error) => {
                    self.send(Event::Notice(format!(
                        "Your earlier commands for \"{}\" could not be read: {error}",
                        definition.title
                    )));
                    Vec::new()
                }
            }
        };
        let prepared = if fresh {
            self.reset(exercise, variant).await
        } else {
            self.set_up_keys(exercise, variant).await
        };
        let outcome = match prepared {
            Ok(()) if transcript.is_empty() => Ok(()),
            Ok(()) => {
                let result = match self.connection().await {
                    Ok(connection) => grader::replay(connection, &transcript)
                        .await
                        .map_err(|e| e.to_string()),
                    Err(error) => Err(error),
                };
                if result.is_ok() {
                    self.send(Event::Notice(format!(
                        "Replayed your {} earlier command{} for \"{}\".",
                        transcript.len(),
                        if transcript.len() == 1 { "" } else { "s" },
                        definition.title
                    )));
                }
                result
            }
            Err(error) => Err(error),
        };
        match outcome {
            Ok(()) => {
                self.prepared.insert(exercise);
            }
            Err(error) => {
                self.connection = None;
                self.send(Event::Notice(format!(
                    "Could not prepare \"{}\": {error}",
                    definition.title
                )));
            }
        }
    }

    /// Starts an attempt over: sets up the exercise's keys and forgets its transcript.
    async fn reset(&mut self, exercise: usize, variant: usize) -> Result<(), String> {
        self.set_up_keys(exercise, variant).await?;
        let id = &self.context.course.exercises[exercise].id;
        self.context
            .store
            .clear_transcript(id)
            .map_err(|e| e.to_string())
    }

    /// Deletes the keys the exercise owns and runs its setup commands.
    async fn set_up_keys(&mut self, exercise: usize, variant: usize) -> Result<(), String> {
        let definition = self
            .context
            .course
            .exercises
            .get(exercise)
            .cloned()
            .ok_or_else(|| format!("no exercise number {exercise}"))?;
        self.ensure_safe_workspace().await?;
        let connection = self.connection().await?;
        let result = grader::reset(connection, &definition, variant).await;
        if let Err(error) = result {
            self.connection = None;
            return Err(error.to_string());
        }
        Ok(())
    }

    /// Grades the exercise against the backend and the learner's transcript.
    async fn check(&mut self, exercise: usize, variant: usize) -> Result<grader::Report, String> {
        let definition = self
            .context
            .course
            .exercises
            .get(exercise)
            .cloned()
            .ok_or_else(|| format!("no exercise number {exercise}"))?;
        let transcript = self
            .context
            .store
            .transcript(&definition.id)
            .map_err(|e| e.to_string())?;
        let connection = self.connection().await?;
        match grader::grade(connection, &definition, variant, &transcript).await {
            Ok(report) => Ok(report),
            Err(error) => {
                self.connection = None;
                Err(error.to_string())
            }
        }
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
