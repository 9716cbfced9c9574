//! `redis-tutor tutor` (the default): the interactive TUI.

use super::{Failure, backend, config_error};
use crate::Cli;
use redis_tutor::course::Course;
use redis_tutor::course::progress::ProgressStore;
use redis_tutor::tui::{TutorConfig, run_tutor};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

pub async fn tutor(cli: &Cli, launched_at: Instant) -> Result<ExitCode, Failure> {
    if !std::io::stdout().is_terminal() {
        return Err(Failure::Config(
            "the tutor needs an interactive terminal; for scripts use `list`, `check`, `hint` or `reset`".into(),
        ));
    }
    let course = Course::load(cli.course.as_deref())
        .map_err(|e| Failure::Config(format!("the course has errors:\n{e}")))?;
    let store = ProgressStore::open_default().map_err(config_error)?;
    let backend = backend(cli).await?;
    if !backend.is_embedded() {
        // Fail before the screen switches, with the one-line reason (unreachable, bad password).
        backend.connect().await.map_err(config_error)?;
    }
    let config = TutorConfig {
        course,
        backend,
        store,
        force: cli.force,
        launched_at,
    };
    run_tutor(config)
        .await
        .map_err(|e| Failure::Config(format!("{e:#}")))?;
    Ok(ExitCode::SUCCESS)
}
