//! Preparing an attempt: the exercise's owned keys deleted, then its setup run, with data
//! seeded by the exercise and variant, so the tutor's console, a headless replay and a
//! scenario's private engine all start from the same keys.

use super::GraderError;
use super::generate::{Rng, generate};
use super::report::{display_command, render_short};
use crate::backend::Connection;
use crate::backend::safety::delete_owned;
use crate::course::Instance;
use crate::course::scenario::{Action, Step};
use crate::course::template::{Binding, Bindings};
use crate::resp::Value;

/// Commands sent before their replies are read, to set thousands of keys up quickly.
const PIPELINE: usize = 512;

/// The generator for a variant's setup data.
pub fn setup_rng(instance: &Instance) -> Rng {
    Rng::from_text(&[
        "setup",
        &instance.exercise_id,
        &instance.variant.to_string(),
    ])
}

/// Deletes the keys the exercise owns (SCAN MATCH and UNLINK in batches, never KEYS or
/// FLUSHDB), then runs its setup.
pub async fn reset(conn: &mut Connection, instance: &Instance) -> Result<(), GraderError> {
    delete_owned(conn, &instance.owns).await?;
    run_setup(conn, &instance.setup, &mut setup_rng(instance)).await
}

/// Runs setup steps on `conn`: `let` binds generated data, commands (also under `repeat` and
/// `each`) are pipelined. An error reply stops the setup: the exercise is broken.
pub async fn run_setup(
    conn: &mut Connection,
    steps: &[Step],
    rng: &mut Rng,
) -> Result<(), GraderError> {
    let mut bindings = Bindings::new();
    let mut batch: Vec<Vec<Vec<u8>>> = Vec::new();
    for step in steps {
        match &step.action {
            Action::Let { name, generator } => {
                flush(conn, &mut batch).await?;
                let value = generate(generator, &bindings, rng).map_err(|message| {
                    GraderError::CommandFailed {
                        command: step.text.clone(),
                        message,
                    }
                })?;
                bindings.insert(name.clone(), value);
            }
            Action::Command { args, .. } => {
                batch.push(expand(step, args, &bindings)?);
            }
            Action::Repeat { times, action } => {
                if let Action::Command { args, .. } = action.as_ref() {
                    for _ in 0..*times {
                        batch.push(expand(step, args, &bindings)?);
                    }
                }
            }
            Action::Each { list, action } => {
                let Some(Binding::List(items)) = bindings.get(list).cloned() else {
                    return Err(GraderError::CommandFailed {
                        command: step.text.clone(),
                        message: format!("`{list}` is not a list"),
                    });
                };
                if let Action::Command { args, .. } = action.as_ref() {
                    for item in items {
                        let mut local = bindings.clone();
                        local.insert(list.clone(), Binding::One(item));
                        batch.push(expand(step, args, &local)?);
                        if batch.len() >= PIPELINE {
                            flush(conn, &mut batch).await?;
                        }
                    }
                }
            }
            // Validation admits nothing else in a setup.
            _ => {}
        }
        if batch.len() >= PIPELINE {
            flush(conn, &mut batch).await?;
        }
    }
    flush(conn, &mut batch).await
}

fn expand(
    step: &Step,
    args: &[crate::course::template::Template],
    bindings: &Bindings,
) -> Result<Vec<Vec<u8>>, GraderError> {
    let mut command = Vec::new();
    for arg in args {
        command.extend(
            arg.expand(bindings, &[])
                .map_err(|e| GraderError::CommandFailed {
                    command: step.text.clone(),
                    message: e.message,
                })?,
        );
    }
    Ok(command)
}

/// Sends the batch, then reads every reply; the first error reply fails the setup.
async fn flush(conn: &mut Connection, batch: &mut Vec<Vec<Vec<u8>>>) -> Result<(), GraderError> {
    for command in batch.iter() {
        conn.send(command)
            .await
            .map_err(|source| GraderError::Connection {
                command: display_command(command),
                source,
            })?;
    }
    for command in batch.drain(..) {
        let reply = conn
            .read_reply()
            .await
            .map_err(|source| GraderError::Connection {
                command: display_command(&command),
                source,
            })?;
        if let Value::Error(_) = reply {
            return Err(GraderError::CommandFailed {
                command: display_command(&command),
                message: render_short(&reply),
            });
        }
    }
    Ok(())
}
