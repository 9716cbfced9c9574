//! `redis-tutor hint` and `redis-tutor reset`: the hint ladder and starting an exercise again.

use super::{Context, Failure, backend, config_error, workspace_connection};
use crate::Cli;
use redis_tutor::grader::attempt;
use std::process::ExitCode;

/// Shows the next rung of the hint ladder (the last one again once all are shown).
pub async fn hint(cli: &Cli, id: &str) -> Result<ExitCode, Failure> {
    let mut ctx = Context::load(cli)?;
    let exercise = ctx.exercise(id)?.clone();
    if exercise.kind.quiz().is_some() {
        println!(
            "{id} is a quiz: it has no hints, and each answer is explained as soon as you give it in the tutor."
        );
        return Err(Failure::Unsuccessful);
    }
    let variant = ctx.progress.variant_for(&exercise);
    let hints = exercise.variant(variant).hints;
    let state = ctx.progress.exercise_mut(id);
    let shown = (state.hints_used as usize + 1).min(hints.len());
    state.hints_used = shown as u32;
    let last = if shown == hints.len() {
        " (the last one)"
    } else {
        ""
    };
    println!(
        "Hint {shown} of {}{last} for {id}:\n\n{}",
        hints.len(),
        hints[shown - 1]
    );
    ctx.save()?;
    Ok(ExitCode::SUCCESS)
}

/// Starts a new attempt: deletes the keys the exercise owns, runs its setup and forgets the
/// recorded console work (a recipe or script file is kept). A quiz starts over in another
/// form, touching no server.
pub async fn reset(cli: &Cli, id: &str) -> Result<ExitCode, Failure> {
    let mut ctx = Context::load(cli)?;
    let exercise = ctx.exercise(id)?.clone();
    let variant = ctx.progress.start_attempt(&exercise);
    if exercise.kind.quiz().is_some() {
        ctx.save()?;
        println!(
            "Reset {id}: the quiz starts over, with its choices in another order; your best score stays."
        );
        return Ok(ExitCode::SUCCESS);
    }
    let backend = backend(cli).await?;
    let mut conn = workspace_connection(cli, &backend, &ctx.course).await?;
    let file = attempt::start_attempt(&mut conn, &backend, &exercise, variant, &ctx.store)
        .await
        .map_err(config_error)?;
    ctx.progress.current_exercise = Some(id.to_string());
    ctx.save()?;
    if backend.is_embedded() {
        println!(
            "Reset {id}: a new attempt with other data; your recorded console work is cleared."
        );
    } else {
        println!(
            "Reset {id} on {}: deleted the keys it owns ({}) and ran its setup.",
            backend.describe(),
            exercise.owns.join(", ")
        );
    }
    if let Some(path) = file {
        println!(
            "Your {} is in {} (kept as it was).",
            exercise.kind.name(),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
