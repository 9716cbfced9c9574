//! The subcommands' implementations, the context they share (course, progress, backend), and
//! how failures become exit codes.

mod check;
mod list;
mod quiz;
mod serve;
mod tutor;
mod workspace;

pub use check::check;
pub use list::list;
pub use quiz::quiz;
pub use serve::serve;
pub use tutor::tutor;
pub use workspace::{hint, reset};

use crate::Cli;
use redis_tutor::backend::safety::WORKSPACE_MARKER;
use redis_tutor::backend::{Backend, Connection, Workspace};
use redis_tutor::course::progress::{Progress, ProgressStore};
use redis_tutor::course::{Course, Exercise};
use std::process::ExitCode;

/// Why a subcommand did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// Usage or configuration error (bad URL, unreachable server, unknown exercise): exit 2.
    Config(String),
    /// The command ran but the answer is "no" (a check failed): exit 1, report already printed.
    Unsuccessful,
}

/// Prints a failure's message and gives its exit code.
pub fn fail(failure: Failure) -> ExitCode {
    match failure {
        Failure::Config(message) => {
            eprintln!("redis-tutor: {message}");
            ExitCode::from(2)
        }
        Failure::Unsuccessful => ExitCode::from(1),
    }
}

fn config_error(e: impl std::fmt::Display) -> Failure {
    Failure::Config(e.to_string())
}

/// What the headless subcommands work with.
pub struct Context {
    pub course: Course,
    pub store: ProgressStore,
    pub progress: Progress,
}

impl Context {
    /// Loads the course (built in, or `--course DIR`) and the learner's progress. A corrupt
    /// progress file has been moved aside by the store; say so.
    pub fn load(cli: &Cli) -> Result<Context, Failure> {
        let course = Course::load(cli.course.as_deref())
            .map_err(|e| Failure::Config(format!("the course has errors:\n{e}")))?;
        let store = ProgressStore::open_default().map_err(config_error)?;
        let loaded = store.load().map_err(config_error)?;
        if let Some(warning) = loaded.warning {
            eprintln!("redis-tutor: {warning}");
        }
        Ok(Context {
            course,
            store,
            progress: loaded.progress,
        })
    }

    /// The exercise with this id, or a usage error naming the known ones.
    pub fn exercise(&self, id: &str) -> Result<&Exercise, Failure> {
        self.course.exercise(id).ok_or_else(|| {
            let known: Vec<&str> = self
                .course
                .exercises
                .iter()
                .map(|e| e.id.as_str())
                .collect();
            Failure::Config(format!(
                "unknown exercise '{id}'; the exercises are: {}",
                known.join(", ")
            ))
        })
    }

    pub fn save(&self) -> Result<(), Failure> {
        self.store.save(&self.progress).map_err(config_error)
    }
}

/// The backend the global options select: `--redis URL` (or REDIS_URL), else the embedded engine.
pub async fn backend(cli: &Cli) -> Result<Backend, Failure> {
    match &cli.redis {
        Some(url) => Backend::connected(url).map_err(config_error),
        None => Backend::embedded()
            .await
            .map_err(|e| Failure::Config(format!("cannot start the embedded Redis: {e}"))),
    }
}

/// A connection to `backend` that may write the exercises' keys: on a connected server, the
/// database must pass the safety rule (empty, or marked as the tutor's workspace and holding
/// only the course's keys; anything goes with --force), and is marked if it was not yet.
pub async fn workspace_connection(
    cli: &Cli,
    backend: &Backend,
    course: &Course,
) -> Result<Connection, Failure> {
    let mut conn = backend.connect().await.map_err(config_error)?;
    let workspace = backend
        .check_workspace(&mut conn, &course.owned_patterns(), cli.force)
        .await
        .map_err(config_error)?;
    if workspace == Workspace::NewlyMarked {
        eprintln!(
            "redis-tutor: {} is now the tutor's workspace (marked by the key {WORKSPACE_MARKER})",
            backend.server()
        );
    }
    Ok(conn)
}
