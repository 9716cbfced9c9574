//! `redis-tutor check [EXERCISE]`: grade headless, print each check, exit 1 when any fails.
//!
//! Against the embedded engine the learner's work is replayed: a fresh engine, the exercise's
//! setup, then the commands they typed in the tutor's console for it. Against a connected
//! server (--redis) the checks inspect the server as it is.

use super::{Context, Failure, backend, config_error};
use crate::Cli;
use redis_tutor::course::Exercise;
use redis_tutor::grader;
use std::process::ExitCode;

pub async fn check(cli: &Cli, id: Option<&str>) -> Result<ExitCode, Failure> {
    let mut ctx = Context::load(cli)?;
    let exercises: Vec<Exercise> = match id {
        Some(id) => vec![ctx.exercise(id)?.clone()],
        None => ctx.course.exercises.clone(),
    };
    let backend = backend(cli).await?;
    // Grading only reads, and the replay runs on the embedded engine, which is ours: no
    // workspace rule applies.
    let mut conn = backend.connect().await.map_err(config_error)?;
    let mut failed = 0;
    for exercise in &exercises {
        let variant = ctx.progress.variant_for(exercise);
        let transcript = ctx.store.transcript(&exercise.id).map_err(config_error)?;
        println!("== {}: {}", exercise.id, exercise.title);
        if backend.is_embedded() {
            if transcript.is_empty() {
                println!(
                    "   (no console work recorded yet: solve it in `redis-tutor tutor`, or grade your own server with --redis URL)"
                );
            }
            grader::reset(&mut conn, exercise, variant)
                .await
                .map_err(config_error)?;
            grader::replay(&mut conn, &transcript)
                .await
                .map_err(config_error)?;
        }
        let report = grader::grade(&mut conn, exercise, variant, &transcript)
            .await
            .map_err(config_error)?;
        print!("{report}");
        let total = report.checks.len();
        if report.passed() {
            println!("   passed: all {total} checks\n");
            ctx.progress.exercise_mut(&exercise.id).solved = true;
        } else {
            println!(
                "   failed: {} of {total} checks\n",
                report.failures().count()
            );
            failed += 1;
        }
    }
    ctx.save()?;
    if failed > 0 {
        if exercises.len() > 1 {
            println!("{failed} of {} exercises not passing yet.", exercises.len());
        }
        return Err(Failure::Unsuccessful);
    }
    Ok(ExitCode::SUCCESS)
}
