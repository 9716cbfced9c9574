//! An attempt at an exercise, as the tutor and the headless CLI both run it: starting one
//! (keys set up, the start recorded next to the console work, a workspace file for recipes and
//! scripts), and gathering the learner's work for grading.

use super::{CommandStats, ConsoleWork, GraderError, Target, Work, reset};
use crate::backend::{Backend, Connection};
use crate::course::progress::{Attempt, ProgressStore};
use crate::course::recipe::template_for;
use crate::course::{Exercise, ExerciseKind, Instance};
use crate::resp::Value;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Sets the exercise up on `conn` and starts a new attempt: the console work recorded so far
/// is forgotten, and for a recipe or script a workspace file is created if there is none
/// (an existing one, the learner's work, is kept). Returns the workspace file, if any.
pub async fn start_attempt(
    conn: &mut Connection,
    backend: &Backend,
    exercise: &Exercise,
    variant: usize,
    store: &ProgressStore,
) -> Result<Option<std::path::PathBuf>, GraderError> {
    let instance = exercise.variant(variant);
    reset(conn, &instance).await?;
    let baseline = if backend.is_embedded() {
        Default::default()
    } else {
        CommandStats::read(conn).await.unwrap_or_default().0
    };
    let attempt = Attempt {
        started_at_ms: server_time_ms(conn).await,
        baseline,
    };
    let stored = |e: crate::course::progress::ProgressError| GraderError::CommandFailed {
        command: format!("record the attempt at {}", exercise.id),
        message: e.to_string(),
    };
    store
        .start_attempt(&exercise.id, &attempt)
        .map_err(stored)?;
    workspace_file(store, exercise).map_err(stored)
}

/// The workspace file of a recipe or script exercise, created from its template when
/// missing.
pub fn workspace_file(
    store: &ProgressStore,
    exercise: &Exercise,
) -> Result<Option<std::path::PathBuf>, crate::course::progress::ProgressError> {
    let Some(extension) = exercise.kind.workspace_extension() else {
        return Ok(None);
    };
    let template = match &exercise.kind {
        ExerciseKind::Recipe { handlers } => template_for(handlers),
        ExerciseKind::Script { keys, args, .. } => format!(
            "-- KEYS: {}\n-- ARGV: {}\n",
            if keys.is_empty() {
                "(none)".into()
            } else {
                keys.join(", ")
            },
            if args.is_empty() {
                "(none)".into()
            } else {
                args.join(", ")
            }
        ),
        ExerciseKind::Console | ExerciseKind::Quiz(_) => String::new(),
    };
    store
        .ensure_workspace(&exercise.id, extension, &template)
        .map(Some)
}

/// The server's clock (TIME), in milliseconds; the local clock if it will not say. For the
/// embedded engine this is its virtual clock, the one console work is stamped with.
async fn server_time_ms(conn: &mut Connection) -> i64 {
    if let Ok(Value::Array(parts)) = conn.request(&["TIME"]).await
        && let [seconds, micros] = parts.as_slice()
    {
        let number = |v: &Value| {
            v.as_bytes()
                .and_then(|b| std::str::from_utf8(b).ok())
                .and_then(|t| t.parse::<i64>().ok())
        };
        if let (Some(s), Some(us)) = (number(seconds), number(micros)) {
            return s * 1000 + us / 1000;
        }
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The learner's work on an instance, as stored: the console work of the current attempt,
/// or the workspace file.
pub fn work_for(store: &ProgressStore, instance: &Instance) -> Result<Work, GraderError> {
    match instance.kind.workspace_extension() {
        Some(extension) => {
            let (path, text) = store.read_workspace(&instance.exercise_id, extension);
            Ok(Work::File { path, text })
        }
        None => {
            let (attempt, entries) =
                store
                    .attempt(&instance.exercise_id)
                    .map_err(|e| GraderError::CommandFailed {
                        command: format!("read your work on {}", instance.exercise_id),
                        message: e.to_string(),
                    })?;
            let started_at_ms = attempt
                .as_ref()
                .map(|a| a.started_at_ms)
                .or_else(|| entries.first().map(|e| e.at_ms))
                .unwrap_or(0);
            Ok(Work::Console(ConsoleWork {
                entries,
                started_at_ms,
                baseline: attempt.map(|a| CommandStats(a.baseline)),
            }))
        }
    }
}

/// Where grading looks for a backend: private engines for the embedded one, the server too
/// for a connected one.
pub fn target_for(backend: &Arc<Backend>) -> Target {
    if backend.is_embedded() {
        Target::Embedded
    } else {
        Target::Server(Arc::clone(backend))
    }
}
