//! Grades exercises. Console work is replayed on a private engine (or, against a connected
//! server, inspected there) and judged by checks on the state and on what was run. Recipes and
//! scripts are driven through scenarios on private engines with a frozen clock, twice (the
//! learner's variant and a hidden one with other data), next to the reference solution; with a
//! connected server they also run there, in the exercise's keys.

pub mod attempt;
pub mod checks;
mod expect;
mod generate;
pub mod quiz;
mod replay;
pub mod report;
mod scenario;
mod setup;
pub mod stats;

pub use report::{CheckOutcome, Report, StepLog, display_command, render};
pub use scenario::STEP_LIMIT;
pub use setup::reset;
pub use stats::CommandStats;

use crate::backend::safety::delete_owned;
use crate::backend::{Backend, ConnectionError, SafetyError};
use crate::console::TranscriptEntry;
use crate::course::quiz::Answers;
use crate::course::recipe::parse_recipe;
use crate::course::scenario::{Action, Scenario};
use crate::course::{ExerciseKind, Instance, Solution, WORK_CHECK};
use crate::engine::{Clock, Engine};
use crate::resp::Value;
use generate::Rng;
use scenario::{Run, Runnable, Side};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// Why grading could not run (a failed check is not an error; it is in the `Report`).
#[derive(Debug, thiserror::Error)]
pub enum GraderError {
    #[error("`{command}`: {source}")]
    Connection {
        command: String,
        source: ConnectionError,
    },
    /// Deleting the owned keys failed (the server refused SCAN or UNLINK).
    #[error(transparent)]
    Cleanup(#[from] SafetyError),
    #[error("`{command}` failed: {message}")]
    CommandFailed { command: String, message: String },
    #[error("`{0}` is not a valid command line (unbalanced quotes?)")]
    BadCommand(String),
    #[error("the replay stopped at `{0}`: it did not answer within 10 s")]
    ReplayStalled(String),
    #[error("`{command}` returned an unexpected reply: {reply}")]
    UnexpectedReply { command: String, reply: String },
    #[error("cannot start a private Redis for grading: {0}")]
    Engine(String),
}

/// The learner's work on an exercise.
#[derive(Debug, Clone)]
pub enum Work {
    /// Commands typed in the console.
    Console(ConsoleWork),
    /// The workspace file of a recipe or script exercise: its text, or why it could not be
    /// read.
    File {
        path: String,
        text: Result<String, String>,
    },
    /// A quiz's answers (kept in progress).
    Quiz(Answers),
}

/// Console work: the typed commands, when the attempt started, and (against a connected
/// server) the server's command counts at that moment.
#[derive(Debug, Clone, Default)]
pub struct ConsoleWork {
    pub entries: Vec<TranscriptEntry>,
    /// The engine time the attempt's setup ran at, in milliseconds since the epoch; the replay
    /// starts its clock there.
    pub started_at_ms: i64,
    pub baseline: Option<CommandStats>,
}

/// Where grading looks.
pub enum Target {
    /// Private embedded engines only (the tutor on its embedded Redis, or the tests).
    Embedded,
    /// A connected server too: console work is inspected there, scenarios also run there.
    Server(Arc<Backend>),
}

/// How long an exercise's scenarios may move the clock on a real server, in all, where
/// moving it means waiting.
pub const REAL_TIME_BUDGET: Duration = Duration::from_secs(3);

/// When private scenario engines start their clock: 2024-06-03T00:00:00Z.
const SCENARIO_EPOCH_MS: i64 = 1_717_372_800_000;

/// Grades an instance of an exercise against the learner's work.
pub async fn grade(
    instance: &Instance,
    work: &Work,
    target: &Target,
) -> Result<Report, GraderError> {
    let mut report = Report {
        exercise: instance.exercise_id.clone(),
        variant: instance.variant,
        checks: Vec::new(),
        notes: Vec::new(),
    };
    match (&instance.kind, work) {
        (ExerciseKind::Quiz(quiz), Work::Quiz(answers)) => {
            report.checks = quiz::outcomes(quiz, answers);
        }
        (ExerciseKind::Quiz(_), _) => report
            .notes
            .push("a quiz is answered in the tutor's exercise pane".into()),
        (_, Work::Quiz(_)) => report.checks.push(CheckOutcome::failed(
            WORK_CHECK,
            "Your work is graded",
            format!(
                "this is a {} exercise, not a quiz: it has no answers to pick",
                instance.kind.name()
            ),
            None,
        )),
        (ExerciseKind::Console, Work::Console(console)) => {
            grade_console(instance, console, target, &mut report).await?
        }
        (ExerciseKind::Console, Work::File { .. }) => {
            report
                .notes
                .push("this exercise is solved in the console".into());
        }
        (_, Work::File { path, text }) => {
            grade_scenarios(instance, path, text, target, &mut report).await?
        }
        (_, Work::Console(_)) => report.checks.push(CheckOutcome::failed(
            WORK_CHECK,
            "Your solution file loads",
            format!(
                "this exercise is solved in a {} file, not in the console",
                instance.kind.name()
            ),
            None,
        )),
    }
    Ok(report)
}

/// A private engine whose clock stands at `start_ms` until moved.
async fn private_engine(start_ms: i64) -> Result<Arc<Backend>, GraderError> {
    let engine = Engine::start_local(Clock::frozen(start_ms * 1000))
        .await
        .map_err(|e| GraderError::Engine(e.to_string()))?;
    Ok(Arc::new(Backend::Embedded(engine)))
}

async fn connect(backend: &Backend) -> Result<crate::backend::Connection, GraderError> {
    backend
        .connect()
        .await
        .map_err(|source| GraderError::Connection {
            command: format!("connect to {}", backend.describe()),
            source,
        })
}

async fn grade_console(
    instance: &Instance,
    work: &ConsoleWork,
    target: &Target,
    report: &mut Report,
) -> Result<(), GraderError> {
    match target {
        Target::Embedded => {
            let backend = private_engine(work.started_at_ms).await?;
            let clock = backend.engine().expect("a private engine").clock().clone();
            let mut learner = connect(&backend).await?;
            reset(&mut learner, instance).await?;
            let before = CommandStats::read(&mut learner).await;
            let replayed = replay::replay(&mut learner, &clock, &work.entries).await?;
            let mut checker = connect(&backend).await?;
            let stats = match (CommandStats::read(&mut checker).await, before) {
                (Some(after), Some(before)) => Some(after.since(&before)),
                _ => None,
            };
            report.checks = checks::run_checks(
                &mut checker,
                &instance.checks,
                &work.entries,
                stats.as_ref(),
            )
            .await?;
            let elsewhere: Vec<String> = replayed
                .databases
                .iter()
                .filter(|&&db| db != 0)
                .map(|db| db.to_string())
                .collect();
            if !report.passed() && !elsewhere.is_empty() {
                report.notes.push(format!(
                    "some of your commands ran in database {}; this exercise lives in database 0 (SELECT 0)",
                    elsewhere.join(", ")
                ));
            }
        }
        Target::Server(backend) => {
            let mut conn = connect(backend).await?;
            let stats = match (&work.baseline, CommandStats::read(&mut conn).await) {
                (Some(before), Some(after)) => Some(after.since(before)),
                _ => None,
            };
            report.checks =
                checks::run_checks(&mut conn, &instance.checks, &work.entries, stats.as_ref())
                    .await?;
            let db = backend.db();
            let elsewhere: Vec<String> = work
                .entries
                .iter()
                .map(|e| e.db)
                .filter(|&d| d != db)
                .map(|d| d.to_string())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            if !report.passed() && !elsewhere.is_empty() {
                report.notes.push(format!(
                    "some of your commands ran in database {}; this exercise lives in database {db}, the one your URL names",
                    elsewhere.join(", ")
                ));
            }
            if !report.passed() {
                // Work done from redis-cli or the learner's own code leaves no transcript:
                // look for the keys the failed checks read in the other databases.
                let failed = instance.checks.iter().filter(|check| {
                    report
                        .check(&check.id)
                        .is_some_and(|outcome| !outcome.passed)
                });
                let keys: BTreeSet<Vec<u8>> = failed
                    .flat_map(|check| check.kind.key_names())
                    .filter(|key| {
                        instance
                            .owns
                            .iter()
                            .any(|owned| crate::glob::glob_match(owned.as_bytes(), key))
                    })
                    .collect();
                for (key, dbs) in keys_in_other_databases(&mut conn, db, &keys).await {
                    let dbs: Vec<String> = dbs.iter().map(ToString::to_string).collect();
                    report.notes.push(format!(
                        "{} is in database {} but not in database {db}, where this exercise lives (the one your URL names): run your commands there (redis-cli -n {db}, SELECT {db}, or database {db} in your client's URL)",
                        String::from_utf8_lossy(&key),
                        dbs.join(", "),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The `keys` missing from database `db` that other databases hold, with those databases
/// (looked for with EXISTS only, up to the first database SELECT refuses). The connection is
/// left in `db`.
async fn keys_in_other_databases(
    conn: &mut crate::backend::Connection,
    db: i64,
    keys: &BTreeSet<Vec<u8>>,
) -> Vec<(Vec<u8>, Vec<i64>)> {
    let exists = |key: &[u8]| [b"EXISTS".to_vec(), key.to_vec()];
    let mut missing = Vec::new();
    for key in keys {
        if let Ok(Value::Integer(0)) = conn.request(&exists(key)).await {
            missing.push((key.clone(), Vec::new()));
        }
    }
    if missing.is_empty() {
        return missing;
    }
    for other in (0..16).filter(|&other| other != db) {
        if !matches!(
            conn.request(&["SELECT", &other.to_string()]).await,
            Ok(Value::Simple(_))
        ) {
            break;
        }
        for (key, dbs) in &mut missing {
            if let Ok(Value::Integer(1)) = conn.request(&exists(key)).await {
                dbs.push(other);
            }
        }
    }
    let _ = conn.request(&["SELECT", &db.to_string()]).await;
    missing.retain(|(_, dbs)| !dbs.is_empty());
    missing
}

/// The learner's solution from its workspace file, or the outcome that says why it is not
/// usable.
fn load_work(
    instance: &Instance,
    path: &str,
    text: &Result<String, String>,
) -> Result<Runnable, Box<CheckOutcome>> {
    let what = instance.kind.name();
    let name = format!("Your {what} loads");
    let text = match text {
        Ok(text) if !text.trim().is_empty() => text,
        Ok(_) => {
            return Err(Box::new(CheckOutcome::failed(
                WORK_CHECK,
                &name,
                format!("{path} is empty: write your {what} there"),
                None,
            )));
        }
        Err(why) => {
            return Err(Box::new(CheckOutcome::failed(
                WORK_CHECK,
                &name,
                format!("{path}: {why}"),
                None,
            )));
        }
    };
    runnable(&instance.kind, text).map_err(|problems| {
        Box::new(CheckOutcome::failed(
            WORK_CHECK,
            &name,
            problems
                .iter()
                .map(|p| format!("{path}:{p}"))
                .collect::<Vec<_>>()
                .join("\n"),
            None,
        ))
    })
}

/// A recipe or script ready to run.
fn runnable(kind: &ExerciseKind, text: &str) -> Result<Runnable, Vec<String>> {
    match kind {
        ExerciseKind::Recipe { handlers } => parse_recipe(text, handlers)
            .map(Runnable::Recipe)
            .map_err(|problems| problems.iter().map(ToString::to_string).collect()),
        ExerciseKind::Script { keys, .. } => Ok(Runnable::Script {
            source: text.to_string(),
            keys: keys.len(),
        }),
        ExerciseKind::Console | ExerciseKind::Quiz(_) => {
            Err(vec![format!("a {} exercise has no file", kind.name())])
        }
    }
}

/// How far a scenario moves the clock in all.
fn clock_moves(scenario: &Scenario) -> Duration {
    scenario
        .steps
        .iter()
        .map(|step| match step.action {
            Action::Advance(by) => by,
            _ => Duration::ZERO,
        })
        .sum()
}

async fn grade_scenarios(
    instance: &Instance,
    path: &str,
    text: &Result<String, String>,
    target: &Target,
    report: &mut Report,
) -> Result<(), GraderError> {
    let learner = match load_work(instance, path, text) {
        Ok(runnable) => runnable,
        Err(outcome) => {
            report.checks.push(*outcome);
            return Ok(());
        }
    };
    let Solution::Text(reference_text) = &instance.solution else {
        return Err(GraderError::Engine(
            "the exercise has no reference solution".into(),
        ));
    };
    let reference = runnable(&instance.kind, reference_text).map_err(|problems| {
        GraderError::Engine(format!(
            "the exercise's reference solution does not load: {}",
            problems.join("; ")
        ))
    })?;
    let variant = instance.variant.to_string();
    // What the scenarios on a real server may still wait for, over the whole exercise.
    let mut real_time_left = REAL_TIME_BUDGET;
    for scenario in &instance.scenarios {
        let seeds = [
            (
                Rng::from_text(&[&instance.exercise_id, &scenario.id, &variant]),
                None,
            ),
            (
                Rng::from_text(&[&instance.exercise_id, &scenario.id, "hidden"]),
                Some("in a second run with other data"),
            ),
        ];
        let mut outcome = CheckOutcome::passed(&scenario.id, &scenario.name);
        for (rng, label) in seeds {
            let learner_side = Side::open(
                private_engine(SCENARIO_EPOCH_MS).await?,
                Some(learner.clone()),
            )
            .await
            .map_err(GraderError::Engine)?;
            let reference_side = Side::open(
                private_engine(SCENARIO_EPOCH_MS).await?,
                Some(reference.clone()),
            )
            .await
            .map_err(GraderError::Engine)?;
            let result =
                run_scenario(instance, scenario, learner_side, reference_side, rng).await?;
            let (log, failure) = result;
            outcome.log = log;
            if let Some(detail) = failure {
                outcome.passed = false;
                outcome.detail = match label {
                    Some(label) => format!("{detail}\n  ({label})"),
                    None => detail,
                };
                outcome.hint = scenario.hint.clone();
                break;
            }
        }
        if outcome.passed
            && let Target::Server(backend) = target
        {
            let moves = clock_moves(scenario);
            if moves > real_time_left {
                report.notes.push(format!(
                    "\"{}\" ran on the embedded Redis only: it moves the clock {} s, and a real server's clock can only be waited for (at most {} s an exercise)",
                    scenario.name,
                    moves.as_secs_f64(),
                    REAL_TIME_BUDGET.as_secs()
                ));
            } else {
                real_time_left -= moves;
                outcome =
                    on_server(instance, scenario, backend, &learner, &reference, outcome).await?;
            }
        }
        report.checks.push(outcome);
    }
    Ok(())
}

/// Runs a scenario on two sides after each one's setup: the log and the failure, if any.
async fn run_scenario(
    instance: &Instance,
    scenario: &Scenario,
    mut learner: Side,
    mut reference: Side,
    rng: Rng,
) -> Result<(Vec<StepLog>, Option<String>), GraderError> {
    let mut setup_rng = setup::setup_rng(instance);
    setup::run_setup(
        learner.connection(),
        &instance.setup,
        &mut setup_rng.clone(),
    )
    .await?;
    setup::run_setup(reference.connection(), &instance.setup, &mut setup_rng).await?;
    let mut run = Run::new(learner, reference, rng);
    let failure = run.steps(&scenario.steps).await.err().map(|f| f.0);
    Ok((run.log, failure))
}

/// The scenario once more on the learner's server (their keys cleaned first), with the
/// reference on a private engine whose clock runs in real time alongside.
async fn on_server(
    instance: &Instance,
    scenario: &Scenario,
    backend: &Arc<Backend>,
    learner: &Runnable,
    reference: &Runnable,
    passed: CheckOutcome,
) -> Result<CheckOutcome, GraderError> {
    let mut learner_side = Side::open(Arc::clone(backend), Some(learner.clone()))
        .await
        .map_err(GraderError::Engine)?;
    delete_owned(learner_side.connection(), &instance.owns).await?;
    let reference_engine = Engine::start_local(Clock::new())
        .await
        .map_err(|e| GraderError::Engine(e.to_string()))?;
    let reference_side = Side::open(
        Arc::new(Backend::Embedded(reference_engine)),
        Some(reference.clone()),
    )
    .await
    .map_err(GraderError::Engine)?;
    let rng = Rng::from_text(&[&instance.exercise_id, &scenario.id, "server"]);
    let (log, failure) =
        run_scenario(instance, scenario, learner_side, reference_side, rng).await?;
    Ok(match failure {
        None => passed,
        Some(detail) => CheckOutcome {
            passed: false,
            detail: format!("on your server ({}):\n{detail}", backend.describe()),
            hint: scenario.hint.clone(),
            log,
            ..passed
        },
    })
}

/// Replays console work on the learner's own engine, to bring back an earlier attempt's state
/// when the tutor starts again (the embedded engine starts empty).
pub async fn restore(
    conn: &mut crate::backend::Connection,
    clock: &Clock,
    entries: &[TranscriptEntry],
) -> Result<(), GraderError> {
    replay::replay(conn, clock, entries).await.map(|_| ())
}

/// Runs console command lines as a learner would type them, for tests and author tools, and
/// returns them as typed console work stamped `at_ms`. A SCAN line ending in `...` stands for
/// the whole walk: it is sent again with each returned cursor until the cursor is 0.
pub async fn run_lines(
    conn: &mut crate::backend::Connection,
    lines: &[String],
    at_ms: i64,
) -> Result<Vec<TranscriptEntry>, GraderError> {
    let transcript = crate::console::Transcript::new();
    transcript.set_time_source(Arc::new(move || at_ms));
    for line in lines {
        let (line, walk) = match line.strip_suffix(" ...") {
            Some(command) => (command, true),
            None => (line.as_str(), false),
        };
        let mut args = crate::resp::split_args(line.as_bytes())
            .filter(|a| !a.is_empty())
            .ok_or_else(|| GraderError::BadCommand(line.to_string()))?;
        loop {
            let reply = conn
                .request(&args)
                .await
                .map_err(|source| GraderError::Connection {
                    command: display_command(&args),
                    source,
                })?;
            let index = transcript.record(&args, 0, crate::console::Source::Typed);
            transcript.finish(index, Some(&reply));
            match transcript.entries()[index].cursor.clone() {
                Some(cursor) if walk && cursor != b"0" => args[1] = cursor,
                _ => break,
            }
        }
    }
    Ok(transcript.entries())
}
