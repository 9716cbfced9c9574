//! Grades exercises against a Redis connection: `reset` prepares the keyspace, `grade` runs
//! the checks (reading only) and explains failures in redis-cli terms, `replay` re-runs a
//! learner's saved transcript on a fresh engine for headless grading.

use crate::backend::safety::delete_owned;
use crate::backend::{Connection, ConnectionError, SafetyError};
use crate::console::format::{format_reply, quote_bytes};
use crate::course::{CheckKind, Exercise, Expectation, Instance, KeyType, TtlExpectation};
use crate::resp::{Value, split_args};

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
    #[error("the replay stopped at `{0}`: it did not answer within {REPLAY_PATIENCE:?}")]
    ReplayStalled(String),
    #[error("`{command}` returned an unexpected reply: {reply}")]
    UnexpectedReply { command: String, reply: String },
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    /// The check's id in the exercise.
    pub id: String,
    /// The check's name, placeholders filled in.
    pub name: String,
    pub passed: bool,
    /// Empty when passed; otherwise "expected ..., found ..." in redis-cli rendering.
    pub detail: String,
    /// The check's own advice, given when it failed.
    pub hint: Option<String>,
}

/// Every check's outcome, in the exercise's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The exercise's id.
    pub exercise: String,
    /// The variant that was graded.
    pub variant: usize,
    pub checks: Vec<CheckOutcome>,
}

impl Report {
    /// True when every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &CheckOutcome> {
        self.checks.iter().filter(|c| !c.passed)
    }

    /// The outcome of one check.
    pub fn check(&self, id: &str) -> Option<&CheckOutcome> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// A reply as redis-cli prints it, without the final newline: the form checks compare.
pub fn render(value: &Value) -> String {
    format_reply(value).trim_end_matches('\n').to_string()
}

/// A string as redis-cli quotes it: `"a\"b\n\xe4"`.
fn quote(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    quote_bytes(&mut out, bytes);
    String::from_utf8_lossy(&out).into_owned()
}

/// One line per check (`[x]` passed, `[ ]` failed), each failure followed by its detail and
/// hint, indented: the headless CLI's output.
impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        for check in &self.checks {
            writeln!(
                f,
                "[{}] {}",
                if check.passed { "x" } else { " " },
                check.name
            )?;
            if !check.passed {
                for line in check.detail.lines() {
                    writeln!(f, "    {line}")?;
                }
                if let Some(hint) = &check.hint {
                    writeln!(f, "    hint: {hint}")?;
                }
            }
        }
        Ok(())
    }
}

/// Sends one command, turning transport failures into errors that name the command.
async fn run(conn: &mut Connection, args: &[Vec<u8>]) -> Result<Value, GraderError> {
    conn.request(args)
        .await
        .map_err(|source| GraderError::Connection {
            command: display_command(args),
            source,
        })
}

/// A command line as the learner would type it, for messages.
pub fn display_command(args: &[Vec<u8>]) -> String {
    String::from_utf8_lossy(&crate::course::progress::escape_command(args)).into_owned()
}

fn tokenize(line: &str) -> Result<Vec<Vec<u8>>, GraderError> {
    match split_args(line.as_bytes()) {
        Some(args) if !args.is_empty() => Ok(args),
        _ => Err(GraderError::BadCommand(line.to_string())),
    }
}

/// Prepares an attempt: deletes the keys the exercise owns (SCAN MATCH and UNLINK in batches,
/// never KEYS or FLUSHDB), then runs its setup commands.
pub async fn reset(
    conn: &mut Connection,
    exercise: &Exercise,
    variant: usize,
) -> Result<(), GraderError> {
    let instance = exercise.variant(variant);
    delete_owned(conn, &exercise.owns).await?;
    for line in &instance.setup {
        let args = tokenize(line)?;
        if let Value::Error(e) = run(conn, &args).await? {
            return Err(GraderError::CommandFailed {
                command: line.clone(),
                message: String::from_utf8_lossy(&e).into_owned(),
            });
        }
    }
    Ok(())
}

/// How long a replayed command may take before the replay gives up on it (a safety net for
/// commands that wait on other clients; no replayed command should come near it).
const REPLAY_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// Redis 7.0's commands that can block (the `blocking` flag of COMMAND INFO).
const BLOCKING_COMMANDS: &[&str] = &[
    "blpop",
    "brpop",
    "brpoplpush",
    "blmove",
    "blmpop",
    "bzpopmin",
    "bzpopmax",
    "bzmpop",
    "xread",
    "xreadgroup",
];

/// Commands a replay skips: they change nothing in the keyspace but would leave the
/// connection unable to answer (subscriptions, MONITOR, CLIENT REPLY OFF, QUIT) or stall it.
fn skipped_in_replay(args: &[Vec<u8>]) -> bool {
    let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
    let sub = args
        .get(1)
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        name.as_str(),
        "subscribe"
            | "psubscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "punsubscribe"
            | "sunsubscribe"
            | "monitor"
            | "quit"
            | "shutdown"
            | "wait"
            | "debug"
            | "auth"
            | "hello"
    ) || (name == "client" && matches!(sub.as_str(), "reply" | "pause" | "tracking" | "kill"))
}

/// Re-runs a learner's transcript, as the headless CLI does on a fresh engine after `reset`.
///
/// Blocking commands run inside MULTI/EXEC so that they act at once, as they did for the
/// learner or not at all; commands that would leave the connection unable to answer are
/// skipped; at the end an open MULTI is discarded and database 0 selected again, where
/// grading reads. Error replies are part of a transcript and do not stop the replay.
pub async fn replay(conn: &mut Connection, transcript: &[Vec<Vec<u8>>]) -> Result<(), GraderError> {
    let mut in_multi = false;
    let mut selected_db = false;
    for args in transcript {
        if args.is_empty() || skipped_in_replay(args) {
            continue;
        }
        let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
        let blocking = BLOCKING_COMMANDS.contains(&name.as_str());
        let send = async {
            if blocking && !in_multi {
                let multi = run(conn, &[b"MULTI".to_vec()]).await?;
                if multi.is_error() {
                    // Without transactions it could only block: skip it, as if interrupted.
                    return Ok(multi);
                }
                run(conn, args).await?;
                run(conn, &[b"EXEC".to_vec()]).await
            } else {
                run(conn, args).await
            }
        };
        let reply = tokio::time::timeout(REPLAY_PATIENCE, send)
            .await
            .map_err(|_| GraderError::ReplayStalled(display_command(args)))??;
        let ok = !reply.is_error();
        match name.as_str() {
            "multi" if ok => in_multi = true,
            "exec" | "discard" => in_multi = false,
            "reset" if ok => {
                in_multi = false;
                selected_db = false;
            }
            "select" => selected_db = true,
            _ => {}
        }
    }
    if in_multi {
        run(conn, &[b"DISCARD".to_vec()]).await?;
    }
    if selected_db {
        run(conn, &[b"SELECT".to_vec(), b"0".to_vec()]).await?;
    }
    Ok(())
}

/// Runs every check of the exercise's variant and explains each failure. Only reads: key
/// checks use TYPE and TTL, reply checks run their authors' read-only commands.
pub async fn grade(
    conn: &mut Connection,
    exercise: &Exercise,
    variant: usize,
    transcript: &[Vec<Vec<u8>>],
) -> Result<Report, GraderError> {
    let instance = exercise.variant(variant);
    let mut checks = Vec::new();
    for check in &instance.checks {
        let failure = match &check.kind {
            CheckKind::Reply { command, expect } => {
                let reply = run(conn, &tokenize(command)?).await?;
                compare_reply(&reply, expect)
            }
            CheckKind::Key { key, key_type, ttl } => {
                check_key(conn, key.as_bytes(), *key_type, *ttl).await?
            }
            CheckKind::Transcript { used, not_used } => {
                check_transcript(transcript, used, not_used)
            }
        };
        checks.push(CheckOutcome {
            id: check.id.clone(),
            name: check.name.clone(),
            passed: failure.is_none(),
            hint: failure.as_ref().and(check.hint.clone()),
            detail: failure.unwrap_or_default(),
        });
    }
    Ok(Report {
        exercise: instance.exercise_id.clone(),
        variant: instance.variant,
        checks,
    })
}

/// "expected X, found Y", on separate lines when either rendering spans several.
fn expected_found(expected: &str, found: &str) -> String {
    if expected.contains('\n') || found.contains('\n') {
        format!("expected:\n{expected}\nfound:\n{found}")
    } else {
        format!("expected {expected}, found {found}")
    }
}

/// The text of a scalar reply element, as compared by `expect_set`.
fn element_text(value: &Value) -> Option<String> {
    match value {
        Value::Integer(i) => Some(i.to_string()),
        Value::Double(d) => Some(crate::resp::format_double(*d)),
        other => other
            .as_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned()),
    }
}

/// None when the reply meets the expectation, else the explanation.
fn compare_reply(reply: &Value, expect: &Expectation) -> Option<String> {
    let found = render(reply);
    match expect {
        Expectation::Exact(expected) => {
            (found.trim_end() != expected.trim_end()).then(|| expected_found(expected, &found))
        }
        Expectation::AnyOrder(expected) => {
            let quoted = |items: &[String]| {
                items
                    .iter()
                    .map(|i| quote(i.as_bytes()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let wanted = format!("{} (in any order)", quoted(expected));
            let (Value::Array(items) | Value::Set(items)) = reply else {
                return Some(expected_found(&wanted, &found));
            };
            let mut got: Vec<String> = items.iter().filter_map(element_text).collect();
            let mut want = expected.clone();
            got.sort();
            want.sort();
            if got == want && got.len() == items.len() {
                return None;
            }
            let found = if items.is_empty() {
                "(empty array)".to_string()
            } else {
                quoted(&got)
            };
            let mut detail = format!("expected {wanted}, found {found}");
            let missing: Vec<String> = want.iter().filter(|w| !got.contains(w)).cloned().collect();
            let extra: Vec<String> = got.iter().filter(|g| !want.contains(g)).cloned().collect();
            if !missing.is_empty() {
                detail.push_str(&format!("; missing {}", quoted(&missing)));
            }
            if !extra.is_empty() {
                detail.push_str(&format!("; unexpected {}", quoted(&extra)));
            }
            Some(detail)
        }
        Expectation::Range { min, max } => {
            let number = match reply {
                Value::Integer(i) => Some(*i as f64),
                Value::Double(d) => Some(*d),
                Value::Bulk(b) | Value::DoubleText(b) => {
                    std::str::from_utf8(b).ok().and_then(|s| s.parse().ok())
                }
                _ => None,
            };
            let wanted = format!(
                "a number between {} and {}",
                crate::resp::format_double(*min),
                crate::resp::format_double(*max)
            );
            match number {
                Some(n) if n >= *min && n <= *max => None,
                _ => Some(expected_found(&wanted, &found)),
            }
        }
        Expectation::Matches(pattern) => match regex::Regex::new(pattern) {
            Ok(re) if re.is_match(&found) => None,
            Ok(_) => Some(expected_found(
                &format!("a reply matching /{pattern}/"),
                &found,
            )),
            Err(err) => Some(format!("the check's pattern /{pattern}/ is invalid: {err}")),
        },
    }
}

async fn check_key(
    conn: &mut Connection,
    key: &[u8],
    key_type: Option<KeyType>,
    ttl: Option<TtlExpectation>,
) -> Result<Option<String>, GraderError> {
    let type_args = vec![b"TYPE".to_vec(), key.to_vec()];
    let found_type = match run(conn, &type_args).await? {
        Value::Simple(t) | Value::Bulk(t) => String::from_utf8_lossy(&t).into_owned(),
        other => {
            return Err(GraderError::UnexpectedReply {
                command: display_command(&type_args),
                reply: render(&other),
            });
        }
    };
    if let Some(expected) = key_type
        && found_type != expected.as_str()
    {
        return Ok(Some(format!(
            "found {} at {}, expected {}",
            KeyType::describe(&found_type),
            quote(key),
            KeyType::describe(expected.as_str())
        )));
    }
    let Some(ttl) = ttl else {
        return Ok(None);
    };
    let ttl_args = vec![b"TTL".to_vec(), key.to_vec()];
    let seconds = match run(conn, &ttl_args).await? {
        Value::Integer(s) => s,
        other => {
            return Err(GraderError::UnexpectedReply {
                command: display_command(&ttl_args),
                reply: render(&other),
            });
        }
    };
    let found = match seconds {
        -2 => "-2 (no such key)".to_string(),
        -1 => "-1 (no expiry)".to_string(),
        s => s.to_string(),
    };
    Ok(match ttl {
        TtlExpectation::Seconds { min, max } if !(min..=max).contains(&seconds) => Some(format!(
            "expected a TTL between {min} and {max} seconds, found {found}"
        )),
        TtlExpectation::NoExpiry if seconds != -1 => Some(format!(
            "expected a key without expiry (TTL -1), found {found}"
        )),
        _ => None,
    })
}

/// True when `args` is the command `name` ("SCAN" or a two-word "CONFIG GET").
fn is_command(args: &[Vec<u8>], name: &str) -> bool {
    let mut words = name.split(' ');
    let first = words.next().unwrap_or_default();
    if !args
        .first()
        .is_some_and(|a| a.eq_ignore_ascii_case(first.as_bytes()))
    {
        return false;
    }
    match words.next() {
        Some(second) => args
            .get(1)
            .is_some_and(|a| a.eq_ignore_ascii_case(second.as_bytes())),
        None => true,
    }
}

fn check_transcript(
    transcript: &[Vec<Vec<u8>>],
    used: &[Vec<String>],
    not_used: &[String],
) -> Option<String> {
    let mut problems = Vec::new();
    for name in not_used {
        if let Some(args) = transcript.iter().find(|args| is_command(args, name)) {
            problems.push(format!("you used {name} (`{}`)", display_command(args)));
        }
    }
    for choice in used {
        let ran = choice
            .iter()
            .any(|name| transcript.iter().any(|args| is_command(args, name)));
        if !ran {
            problems.push(format!("you have not run {} yet", choice.join(" or ")));
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// Runs an instance's reference or wrong-answer commands, for tests and author tools: each
/// line is tokenized and sent; returns the commands as a transcript.
pub async fn run_lines(
    conn: &mut Connection,
    lines: &[String],
) -> Result<Vec<Vec<Vec<u8>>>, GraderError> {
    let mut transcript = Vec::new();
    for line in lines {
        let args = tokenize(line)?;
        run(conn, &args).await?;
        transcript.push(args);
    }
    Ok(transcript)
}

/// The instance's solution as a transcript (tokenized), for replay-based checks.
pub fn solution_transcript(instance: &Instance) -> Result<Vec<Vec<Vec<u8>>>, GraderError> {
    instance.solution.iter().map(|l| tokenize(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<Vec<u8>> {
        split_args(line.as_bytes()).unwrap()
    }

    #[test]
    fn reports_print_failures_with_detail_and_hint() {
        let report = Report {
            exercise: "otp-expiry".into(),
            variant: 0,
            checks: vec![
                CheckOutcome {
                    id: "stored".into(),
                    name: "The code is stored".into(),
                    passed: true,
                    detail: String::new(),
                    hint: None,
                },
                CheckOutcome {
                    id: "expires".into(),
                    name: "The code expires".into(),
                    passed: false,
                    detail: "expected a TTL between 1 and 300 seconds, found -1 (no expiry)".into(),
                    hint: Some("Use EX.".into()),
                },
            ],
        };
        assert!(!report.passed());
        assert_eq!(
            report.to_string(),
            "[x] The code is stored\n[ ] The code expires\n    expected a TTL between 1 and 300 seconds, found -1 (no expiry)\n    hint: Use EX.\n"
        );
        assert_eq!(report.failures().count(), 1);
    }

    #[test]
    fn exact_replies_explain_the_difference() {
        let detail = compare_reply(&Value::Null, &Expectation::Exact("\"493817\"".into()));
        assert_eq!(detail.as_deref(), Some("expected \"493817\", found (nil)"));
        assert_eq!(
            compare_reply(
                &Value::bulk("493817"),
                &Expectation::Exact("\"493817\"".into())
            ),
            None
        );
    }

    #[test]
    fn sets_compare_in_any_order() {
        let reply = Value::Array(vec![Value::bulk("b"), Value::bulk("a")]);
        let expect = Expectation::AnyOrder(vec!["a".into(), "b".into()]);
        assert_eq!(compare_reply(&reply, &expect), None);
        let reply = Value::Array(vec![Value::bulk("a"), Value::bulk("c")]);
        let detail = compare_reply(&reply, &expect).unwrap();
        assert_eq!(
            detail,
            "expected \"a\", \"b\" (in any order), found \"a\", \"c\"; missing \"b\"; unexpected \"c\""
        );
        let duplicate = Value::Array(vec![Value::bulk("a"), Value::bulk("a"), Value::bulk("b")]);
        assert!(compare_reply(&duplicate, &expect).is_some());
    }

    #[test]
    fn ranges_accept_integers_and_numeric_strings() {
        let expect = Expectation::Range {
            min: 1.0,
            max: 300.0,
        };
        assert_eq!(compare_reply(&Value::Integer(300), &expect), None);
        assert_eq!(compare_reply(&Value::bulk("12.5"), &expect), None);
        assert_eq!(
            compare_reply(&Value::Integer(3600), &expect).unwrap(),
            "expected a number between 1 and 300, found (integer) 3600"
        );
    }

    #[test]
    fn regexes_search_the_rendering() {
        let expect = Expectation::Matches(r#"^\(integer\) [0-9]+$"#.into());
        assert_eq!(compare_reply(&Value::Integer(5), &expect), None);
        assert!(compare_reply(&Value::Null, &expect).is_some());
    }

    #[test]
    fn transcript_checks_name_the_offending_command() {
        let transcript = vec![args("keys user:*"), args("CONFIG GET maxmemory")];
        assert_eq!(
            check_transcript(&transcript, &[vec!["SCAN".into()]], &["KEYS".into()]).unwrap(),
            "you used KEYS (`keys user:*`); you have not run SCAN yet"
        );
        assert_eq!(
            check_transcript(
                &transcript,
                &[vec!["SCAN".into(), "CONFIG GET".into()]],
                &[]
            ),
            None
        );
        assert!(check_transcript(&transcript, &[vec!["CONFIG SET".into()]], &[]).is_some());
    }
}
