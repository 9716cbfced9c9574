//! `redis-tutor check [EXERCISE]`: grade headless, print each check, exit 1 when any fails.
//!
//! Console work recorded in the tutor is replayed on a private engine (with the embedded
//! Redis) or inspected on the server as it is (with --redis); recipes and scripts from the
//! workspace run through their scenarios, also on the server with --redis. A quiz is answered
//! in the tutor; `check` shows the answers given so far and whether the quiz is passed.

use super::{Context, Failure, backend, config_error, workspace_connection};
use crate::Cli;
use redis_tutor::course::progress::ExerciseProgress;
use redis_tutor::course::quiz::Quiz;
use redis_tutor::course::{Exercise, Instance};
use redis_tutor::grader::{self, Work, attempt};
use std::process::ExitCode;
use std::sync::Arc;

pub async fn check(cli: &Cli, id: Option<&str>) -> Result<ExitCode, Failure> {
    let mut ctx = Context::load(cli)?;
    let exercises: Vec<Exercise> = match id {
        Some(id) => vec![ctx.exercise(id)?.clone()],
        None => ctx.course.exercises.clone(),
    };
    let backend = Arc::new(backend(cli).await?);
    if backend.is_embedded() {
        // Nothing runs on it: grading uses private engines.
    } else if exercises
        .iter()
        .any(|e| e.kind.workspace_extension().is_some())
    {
        // Scenarios write the exercise's keys on the server: it must be the tutor's workspace.
        workspace_connection(cli, &backend, &ctx.course).await?;
    } else {
        backend.connect().await.map_err(config_error)?;
    }
    let target = attempt::target_for(&backend);
    let mut failed = 0;
    for exercise in &exercises {
        let variant = ctx.progress.variant_for(exercise);
        let instance = exercise.variant(variant);
        println!("== {}: {}", exercise.id, exercise.title);
        if let Some(quiz) = instance.kind.quiz() {
            if !check_quiz(quiz, &instance, &ctx.progress.exercise(&exercise.id)).await? {
                failed += 1;
            }
            continue;
        }
        let work = attempt::work_for(&ctx.store, &instance).map_err(config_error)?;
        if let Work::Console(console) = &work
            && console.entries.is_empty()
            && backend.is_embedded()
        {
            println!(
                "   (no console work recorded yet: solve it in `redis-tutor tutor`, or grade your own server with --redis URL)"
            );
        }
        let report = grader::grade(&instance, &work, &target)
            .await
            .map_err(config_error)?;
        print!("{report}");
        let total = report.checks.len();
        if report.passed() && total > 0 {
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

/// Prints a quiz's answers so far, graded, and returns whether the quiz is passed.
async fn check_quiz(
    quiz: &Quiz,
    instance: &Instance,
    state: &ExerciseProgress,
) -> Result<bool, Failure> {
    let report = grader::grade(
        instance,
        &Work::Quiz(state.answers.clone()),
        &grader::Target::Embedded,
    )
    .await
    .map_err(config_error)?;
    print!("{report}");
    println!("   quiz: {}", quiz.standing(state));
    if state.solved {
        println!("   passed\n");
    } else {
        println!(
            "   not passed yet: a quiz is answered in the tutor (its exercise pane), or here with `redis-tutor quiz {}`\n",
            instance.exercise_id
        );
    }
    Ok(state.solved)
}
