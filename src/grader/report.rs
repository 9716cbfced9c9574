//! What grading found: one outcome per check or scenario, each failure explained (what was
//! expected, what was found, and why it matters), with the log of a scenario's steps.

use crate::console::format::{format_reply, quote_bytes};
use crate::resp::Value;

/// Every check's outcome, in the exercise's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The exercise's id.
    pub exercise: String,
    /// The variant that was graded.
    pub variant: usize,
    pub checks: Vec<CheckOutcome>,
    /// Remarks about the grading itself ("your commands ran in database 1 ...", "not run on
    /// your server: needs the embedded clock").
    pub notes: Vec<String>,
}

/// The result of one check or scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    /// The check's or scenario's id in the exercise.
    pub id: String,
    /// Its name, placeholders filled in.
    pub name: String,
    pub passed: bool,
    /// Empty when passed; otherwise what was expected and found, in redis-cli rendering, and
    /// the reason the expectation matters.
    pub detail: String,
    /// The check's own advice, given when it failed.
    pub hint: Option<String>,
    /// A scenario's steps as they ran, up to the failing one.
    pub log: Vec<StepLog>,
}

/// One step of a scenario as it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct StepLog {
    /// The step as written, placeholders filled in: `call verify 48213`.
    pub step: String,
    /// The commands it sent and their replies: (`GETDEL otp:login:48213`, `"713904"`).
    pub commands: Vec<(String, String)>,
    /// What was expected, when the step expects something.
    pub expected: Option<String>,
    /// What came back, when the step expects something.
    pub found: Option<String>,
    pub ok: bool,
}

impl CheckOutcome {
    pub(super) fn passed(id: &str, name: &str) -> CheckOutcome {
        CheckOutcome {
            id: id.to_string(),
            name: name.to_string(),
            passed: true,
            detail: String::new(),
            hint: None,
            log: Vec::new(),
        }
    }

    pub(super) fn failed(
        id: &str,
        name: &str,
        detail: String,
        hint: Option<String>,
    ) -> CheckOutcome {
        CheckOutcome {
            id: id.to_string(),
            name: name.to_string(),
            passed: false,
            detail,
            hint,
            log: Vec::new(),
        }
    }
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

/// One line per check (`[x]` passed, `[ ]` failed), each failure followed by its detail and
/// hint, indented, then the notes: the headless CLI's output.
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
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        Ok(())
    }
}

/// A reply as redis-cli prints it, without the final newline: the form checks compare.
pub fn render(value: &Value) -> String {
    format_reply(value).trim_end_matches('\n').to_string()
}

/// A reply on one line, for logs: arrays flattened as `1) "a" 2) "b"`, long ones cut.
pub fn render_short(value: &Value) -> String {
    const MAX: usize = 160;
    let text = render(value);
    let mut line = text.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    if line.chars().count() > MAX {
        line = line.chars().take(MAX).collect::<String>() + " …";
    }
    line
}

/// A string as redis-cli quotes it: `"a\"b\n\xe4"`.
pub fn quote(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    quote_bytes(&mut out, bytes);
    String::from_utf8_lossy(&out).into_owned()
}

/// A command line as the learner would type it, for messages.
pub fn display_command(args: &[Vec<u8>]) -> String {
    String::from_utf8_lossy(&crate::course::progress::escape_command(args)).into_owned()
}

/// "expected X, found Y", on separate lines when either rendering spans several.
pub(super) fn expected_found(expected: &str, found: &str) -> String {
    if expected.contains('\n') || found.contains('\n') {
        format!("expected:\n{expected}\nfound:\n{found}")
    } else {
        format!("expected {expected}, found {found}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_print_failures_with_detail_hint_and_notes() {
        let report = Report {
            exercise: "otp".into(),
            variant: 0,
            checks: vec![
                CheckOutcome::passed("stored", "The code is stored"),
                CheckOutcome::failed(
                    "expires",
                    "The code expires",
                    "expected a TTL between 1 and 300 seconds, found -1 (no expiry)".into(),
                    Some("Use EX.".into()),
                ),
            ],
            notes: vec!["graded on a private engine".into()],
        };
        assert!(!report.passed());
        assert_eq!(
            report.to_string(),
            "[x] The code is stored\n[ ] The code expires\n    expected a TTL between 1 and 300 seconds, found -1 (no expiry)\n    hint: Use EX.\nnote: graded on a private engine\n"
        );
        assert_eq!(report.failures().count(), 1);
    }

    #[test]
    fn short_renderings_fit_one_line() {
        let value = Value::Array(vec![Value::bulk("a"), Value::Integer(2)]);
        assert_eq!(render_short(&value), "1) \"a\" 2) (integer) 2");
        let long = Value::bulk("x".repeat(500));
        assert!(render_short(&long).ends_with(" …"));
    }
}
