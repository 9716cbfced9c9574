//! `redis-tutor quiz QUIZ`: answer a quiz's questions on the command line, as in the tutor's
//! exercise pane. Each unanswered question of the current attempt is printed with its
//! choices; a line of choice numbers answers it, and every choice is then explained. Answers
//! are saved one by one, so an empty line (or the end of input) stops and a later run goes on.

use super::{Context, Failure, config_error};
use crate::Cli;
use redis_tutor::course::quiz::{Pick, Question, record_answer};
use std::io::{self, BufRead, Write};
use std::process::ExitCode;

pub fn quiz(cli: &Cli, id: &str) -> Result<ExitCode, Failure> {
    let mut ctx = Context::load(cli)?;
    let exercise = ctx.exercise(id)?.clone();
    if exercise.kind.quiz().is_none() {
        return Err(Failure::Config(format!(
            "{id} is a {} exercise, not a quiz: `redis-tutor check {id}` grades it",
            exercise.kind.name()
        )));
    }
    let variant = ctx.progress.variant_for(&exercise);
    let instance = exercise.variant(variant);
    let form = instance
        .kind
        .quiz()
        .expect("a quiz's form is a quiz")
        .clone();
    ctx.save()?;
    println!("{}\n", exercise.title);
    if !instance.goal.trim().is_empty() {
        println!("{}\n", instance.goal.trim());
    }
    let stdin = io::stdin();
    let mut lines = stdin.lock().lines();
    for (index, question) in form.questions.iter().enumerate() {
        if question
            .answer_in(&ctx.progress.exercise(id).answers)
            .is_some()
        {
            continue;
        }
        print_question(index, form.questions.len(), question);
        let picks = loop {
            print!("> ");
            io::stdout().flush().map_err(config_error)?;
            let Some(Ok(line)) = lines.next() else {
                return stopped(&ctx, id);
            };
            if line.trim().is_empty() {
                return stopped(&ctx, id);
            }
            match parse_picks(&line, question) {
                Ok(picks) => break picks,
                Err(why) => println!("{why}"),
            }
        };
        let state = ctx.progress.exercise_mut(id);
        let correct = record_answer(state, &form, &question.id, &picks)
            .expect("an unanswered question takes a valid answer");
        ctx.save()?;
        print_explanations(question, &picks, correct);
    }
    let state = ctx.progress.exercise(id);
    let (answered, right) = form.score(&state.answers);
    println!(
        "{right} of {answered} answered right; {}.",
        form.standing(&state)
    );
    if state.solved {
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "`redis-tutor reset {id}` starts the quiz over, with the choices in another order."
        );
        Err(Failure::Unsuccessful)
    }
}

/// The input ended before every question was answered: what is answered is saved.
fn stopped(ctx: &Context, id: &str) -> Result<ExitCode, Failure> {
    println!("\nStopped: your answers so far are saved; `redis-tutor quiz {id}` goes on.");
    if ctx.progress.exercise(id).solved {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Failure::Unsuccessful)
    }
}

fn print_question(index: usize, total: usize, question: &Question) {
    println!(
        "Question {} of {total} ({}):\n{}",
        index + 1,
        question.pick_label(),
        question.prompt.trim()
    );
    for (shown, &choice) in question.order.iter().enumerate() {
        println!("  {}. {}", shown + 1, question.choices[choice].text.trim());
    }
    match question.pick {
        Pick::One => println!("Type the number of your answer (an empty line stops)."),
        Pick::All => {
            println!("Type the numbers of every right choice, e.g. 1 3 (an empty line stops).")
        }
    }
}

/// The choices (file positions) a line of shown numbers names, or why it names none.
fn parse_picks(line: &str, question: &Question) -> Result<Vec<usize>, String> {
    let count = question.choices.len();
    let mut picks = Vec::new();
    for word in line.split(|c: char| c == ',' || c.is_whitespace()) {
        if word.is_empty() {
            continue;
        }
        let choice = word
            .parse::<usize>()
            .ok()
            .and_then(|shown| question.choice_shown_as(shown))
            .ok_or_else(|| format!("`{word}` is not a choice: type a number from 1 to {count}."))?;
        picks.push(choice);
    }
    if question.pick == Pick::One && picks.len() > 1 {
        return Err("This question has one answer: type one number.".into());
    }
    Ok(picks)
}

/// Every choice, marked right (✓) or picked wrong (✗), with why.
fn print_explanations(question: &Question, picks: &[usize], correct: bool) {
    println!(
        "{}",
        if correct {
            "✓ Right."
        } else {
            "✗ Not quite: the choices marked ✓ are right."
        }
    );
    for (shown, &choice) in question.order.iter().enumerate() {
        let data = &question.choices[choice];
        let mark = if data.correct {
            "✓"
        } else if picks.contains(&choice) {
            "✗"
        } else {
            " "
        };
        let yours = if picks.contains(&choice) {
            " (your answer)"
        } else {
            ""
        };
        println!("{mark} {}. {}{yours}", shown + 1, data.text.trim());
        println!("     {}", data.why.trim());
    }
    println!();
}
