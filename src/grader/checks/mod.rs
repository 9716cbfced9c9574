//! The kinds of checks a console exercise can have, one module each: the kind's fields in a
//! `[[check]]` table, what it asks of the author, its `{{placeholders}}`, and how it grades.
//! A new kind is a module and one line in `kinds!` below.

mod key;
mod reply;
mod scan;
mod transcript;

pub use key::{KeyType, TtlExpectation};
pub use reply::Expectation;

use super::GraderError;
use super::stats::CommandStats;
use crate::backend::Connection;
use crate::console::TranscriptEntry;
use crate::resp::split_args;
use serde::de::DeserializeOwned;

/// A mistake in a check, at one of its fields (None: the table as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Option<&'static str>,
    pub message: String,
}

impl Problem {
    pub(crate) fn at(field: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            field: Some(field),
            message: message.into(),
        }
    }

    pub(crate) fn table(message: impl Into<String>) -> Problem {
        Problem {
            field: None,
            message: message.into(),
        }
    }
}

/// What a check grades: the exercise's database, the commands the learner typed (lesson
/// blocks excluded), and the server's own count of the commands run during the attempt.
pub struct Context<'a> {
    pub conn: &'a mut Connection,
    pub typed: &'a [&'a TranscriptEntry],
    pub stats: Option<&'a CommandStats>,
}

/// One kind of check.
pub(crate) trait Kind: Sized {
    /// The kind's own fields (besides `kind`, `id`, `name` and `hint`); unknown ones are errors.
    type Raw: DeserializeOwned;

    /// Validates the fields' shape (before any variant is filled in).
    fn parse(raw: Self::Raw) -> Result<Self, Vec<Problem>>;

    /// The texts that may hold `{{placeholders}}`, by field.
    fn texts(&self) -> Vec<(&'static str, &str)>;

    /// The check with a variant's values filled in.
    fn substituted(&self, fill: &dyn Fn(&str) -> String) -> Self;

    /// Validates a filled-in check against the keys the exercise owns.
    fn validate(&self, owns: &[String]) -> Result<(), Problem>;

    /// The command it runs on the server, for the read-only audit.
    fn command(&self) -> Option<&str> {
        None
    }

    /// The names it may read a key under (the words of its command after the name); a failed
    /// check's keys are looked for in the other databases.
    fn key_names(&self) -> Vec<Vec<u8>> {
        self.command()
            .and_then(|command| split_args(command.as_bytes()))
            .map(|args| args.into_iter().skip(1).collect())
            .unwrap_or_default()
    }

    /// Grades: None when the learner's work passes, else what was expected and found.
    async fn run(&self, context: &mut Context<'_>) -> Result<Option<String>, GraderError>;
}

/// Declares the kinds: the `kind = "..."` name, the variant, and the module's type.
macro_rules! kinds {
    ($($name:literal => $variant:ident($module:ident::$ty:ident)),* $(,)?) => {
        /// A check kind with its settings.
        #[derive(Debug, Clone, PartialEq)]
        pub enum CheckKind {
            $($variant($module::$ty),)*
        }

        impl CheckKind {
            /// The kinds' names, as `kind = "..."` gives them.
            pub const NAMES: &[&str] = &[$($name),*];

            /// Parses a `[[check]]` table's own fields for the kind `name`.
            pub fn parse(name: &str, fields: toml::Table) -> Result<CheckKind, Vec<Problem>> {
                match name {
                    $($name => {
                        let raw = toml::Value::Table(fields)
                            .try_into::<<$module::$ty as Kind>::Raw>()
                            .map_err(|e| vec![Problem::table(e.message().to_string())])?;
                        Ok(CheckKind::$variant(<$module::$ty as Kind>::parse(raw)?))
                    })*
                    other => Err(vec![Problem::at(
                        "kind",
                        format!("unknown check kind `{other}` ({})", CheckKind::NAMES.join(", ")),
                    )]),
                }
            }

            /// The texts that may hold `{{placeholders}}`, by field.
            pub fn texts(&self) -> Vec<(&'static str, &str)> {
                match self {
                    $(CheckKind::$variant(kind) => kind.texts(),)*
                }
            }

            /// The check with a variant's values filled in.
            pub fn substituted(&self, fill: &dyn Fn(&str) -> String) -> CheckKind {
                match self {
                    $(CheckKind::$variant(kind) => CheckKind::$variant(kind.substituted(fill)),)*
                }
            }

            /// Validates a filled-in check against the keys the exercise owns.
            pub fn validate(&self, owns: &[String]) -> Result<(), Problem> {
                match self {
                    $(CheckKind::$variant(kind) => kind.validate(owns),)*
                }
            }

            /// The command it runs on the server, if any.
            pub fn command(&self) -> Option<&str> {
                match self {
                    $(CheckKind::$variant(kind) => kind.command(),)*
                }
            }

            /// The names it may read a key under.
            pub fn key_names(&self) -> Vec<Vec<u8>> {
                match self {
                    $(CheckKind::$variant(kind) => kind.key_names(),)*
                }
            }

            /// Grades the learner's work: None when it passes.
            pub async fn run(&self, context: &mut Context<'_>) -> Result<Option<String>, GraderError> {
                match self {
                    $(CheckKind::$variant(kind) => kind.run(context).await,)*
                }
            }
        }
    };
}

kinds! {
    "reply" => Reply(reply::Reply),
    "key" => Key(key::Key),
    "transcript" => Transcript(transcript::Transcript),
    "scan" => Scan(scan::Scan),
}

/// Runs every check of console work: `entries` are the learner's commands, `stats` what the
/// server counted during the attempt, when it could be read.
pub async fn run_checks(
    conn: &mut Connection,
    checks: &[crate::course::Check],
    entries: &[TranscriptEntry],
    stats: Option<&CommandStats>,
) -> Result<Vec<super::CheckOutcome>, GraderError> {
    let typed: Vec<&TranscriptEntry> = entries
        .iter()
        .filter(|e| e.source == crate::console::Source::Typed)
        .collect();
    let mut context = Context {
        conn,
        typed: &typed,
        stats,
    };
    let mut outcomes = Vec::new();
    for check in checks {
        outcomes.push(match check.kind.run(&mut context).await? {
            None => super::CheckOutcome::passed(&check.id, &check.name),
            Some(detail) => {
                super::CheckOutcome::failed(&check.id, &check.name, detail, check.hint.clone())
            }
        });
    }
    Ok(outcomes)
}

/// Sends one command, turning transport failures into errors that name it.
async fn run_command(
    conn: &mut Connection,
    args: &[Vec<u8>],
) -> Result<crate::resp::Value, GraderError> {
    conn.request(args)
        .await
        .map_err(|source| GraderError::Connection {
            command: super::report::display_command(args),
            source,
        })
}
