//! `redis-tutor list`: the chapters, their lessons and the exercises after each lesson, with
//! the learner's status.

use super::{Context, Failure, backend, config_error};
use crate::Cli;
use redis_tutor::course::progress::format_study_time;
use std::process::ExitCode;

pub async fn list(cli: &Cli) -> Result<ExitCode, Failure> {
    let ctx = Context::load(cli)?;
    if cli.redis.is_some() {
        // As `check` does: a bad URL or an unreachable server is said now, not at the next step.
        backend(cli).await?.connect().await.map_err(config_error)?;
    }
    let width = ctx
        .course
        .exercises
        .iter()
        .map(|e| e.id.len())
        .max()
        .unwrap_or(0);
    for chapter in &ctx.course.chapters {
        let studied = ctx.progress.seconds_studied(&chapter.id());
        if studied > 0 {
            println!(
                "{:02} · {}  (studied {})",
                chapter.number,
                chapter.title,
                format_study_time(studied)
            );
        } else {
            println!("{:02} · {}", chapter.number, chapter.title);
        }
        for lesson in chapter.lessons.iter().filter(|l| l.number > 0) {
            println!("   {}. {}", lesson.number, lesson.title);
            for exercise in ctx
                .course
                .exercises_of(chapter.number)
                .filter(|e| e.lesson == lesson.number)
            {
                let state = ctx.progress.exercise(&exercise.id);
                let mark = if state.solved { "[x]" } else { "[ ]" };
                let mut notes = Vec::new();
                if let Some(quiz) = exercise.kind.quiz() {
                    notes.push(format!("quiz: {}", quiz.standing(&state)));
                }
                if state.seconds_studied > 0 {
                    notes.push(format!(
                        "studied {}",
                        format_study_time(state.seconds_studied)
                    ));
                }
                if state.hints_used > 0 {
                    notes.push(format!(
                        "{} of {} hints",
                        state.hints_used,
                        exercise.hints.len()
                    ));
                }
                if ctx.progress.current_exercise.as_deref() == Some(exercise.id.as_str()) {
                    notes.push("continue here".into());
                }
                let notes = if notes.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", notes.join(", "))
                };
                println!(
                    "      {mark} {:width$}  {}{notes}",
                    exercise.id, exercise.title
                );
            }
        }
    }
    let solved = ctx
        .course
        .exercises
        .iter()
        .filter(|e| ctx.progress.exercise(&e.id).solved)
        .count();
    println!(
        "\n{solved} of {} exercises solved.",
        ctx.course.exercises.len()
    );
    Ok(ExitCode::SUCCESS)
}
