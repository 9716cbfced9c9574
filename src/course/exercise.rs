//! The exercise schema (one TOML file per exercise, documented in exercises/README.md), its
//! validation with file:line:column messages, and `{{placeholder}}` substitution for variants.
//!
//! An exercise is one of three kinds of learner work: console commands graded by checks on
//! the state and on what was run (`console`), a recipe of handlers (`recipe`), or a Lua script
//! (`script`). Recipes and scripts are graded by scenarios.

use super::Problem;
use super::pattern::CommandPattern;
use super::recipe::{Signature, parse_recipe};
use super::scenario::{Callable, Scenario, Step, parse_setup, parse_steps};
use crate::glob::glob_match;
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;
use toml::Spanned;

/// The exercise file format this build reads (`format_version` in every file).
pub const FORMAT_VERSION: u32 = 2;

/// The id of the check that a recipe or script exercise's work loads (the file exists and
/// parses) before any scenario runs; wrong answers may name it.
pub const WORK_CHECK: &str = "work";

/// Values for an exercise's `{{placeholders}}`: one `[[variant]]` table.
pub type Variant = BTreeMap<String, String>;

/// One exercise, validated; its text still holds `{{placeholders}}` (see `Exercise::variant`).
#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    /// Unique kebab-case id, the CLI's EXERCISE argument.
    pub id: String,
    pub chapter: u32,
    /// The lesson of the chapter that teaches what the exercise practises; the exercise
    /// follows it.
    pub lesson: u32,
    pub title: String,
    pub kind: ExerciseKind,
    /// Glob patterns of the keys this exercise may create; reset deletes exactly these.
    pub owns: Vec<String>,
    /// Markdown shown to the learner.
    pub goal: String,
    /// Steps that prepare the data (plain commands, or scenario steps such as `let` and
    /// `each`), run after the owned keys are deleted and before every scenario.
    pub setup: String,
    /// The hint ladder, from a nudge to the full answer.
    pub hints: Vec<String>,
    /// The reference solution.
    pub solution: Solution,
    /// Placeholder values, at least two.
    pub variants: Vec<Variant>,
    /// Wrong answers that must fail a named check or scenario (used by the tests).
    pub wrong: Vec<WrongAnswer>,
    /// Other correct solutions that must pass (used by the tests).
    pub alternatives: Vec<Alternative>,
    /// Checks of console work.
    pub checks: Vec<Check>,
    /// Scenarios for recipe and script work.
    pub scenarios: Vec<ScenarioSource>,
    /// Where the exercise was loaded from, for messages.
    pub file: String,
}

/// The kind of work an exercise asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum ExerciseKind {
    /// Commands typed in the console.
    Console,
    /// A recipe file with these handlers.
    Recipe { handlers: Vec<Signature> },
    /// A Lua script called with these KEYS and ARGV (names, for the goal and messages).
    Script {
        name: String,
        keys: Vec<String>,
        args: Vec<String>,
    },
}

impl ExerciseKind {
    /// What scenarios may call.
    pub fn callable(&self) -> Callable {
        match self {
            ExerciseKind::Console => Callable::Nothing,
            ExerciseKind::Recipe { handlers } => Callable::Handlers(handlers.clone()),
            ExerciseKind::Script { name, keys, .. } => Callable::Script {
                name: name.clone(),
                keys: keys.len(),
            },
        }
    }

    /// The extension of the learner's workspace file (`recipe`, `lua`), none for console work.
    pub fn workspace_extension(&self) -> Option<&'static str> {
        match self {
            ExerciseKind::Console => None,
            ExerciseKind::Recipe { .. } => Some("recipe"),
            ExerciseKind::Script { .. } => Some("lua"),
        }
    }

    /// `console`, `recipe` or `script`.
    pub fn name(&self) -> &'static str {
        match self {
            ExerciseKind::Console => "console",
            ExerciseKind::Recipe { .. } => "recipe",
            ExerciseKind::Script { .. } => "script",
        }
    }
}

/// A solution: console command lines, or the text of a recipe or script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Solution {
    Commands(Vec<String>),
    Text(String),
}

/// A scenario as written in the file: its steps still hold `{{placeholders}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioSource {
    pub id: String,
    pub name: String,
    pub hint: Option<String>,
    pub steps: String,
}

/// A wrong answer and the check or scenario it must fail.
#[derive(Debug, Clone, PartialEq)]
pub struct WrongAnswer {
    /// What is wrong with it, for test messages.
    pub why: String,
    pub solution: Solution,
    /// The id of the check or scenario that must fail.
    pub fails: String,
    /// Text the failure's explanation must contain.
    pub says: Option<String>,
}

/// Another correct solution: a different valid command or layout the grader must accept.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// What makes it different, for test messages.
    pub why: String,
    pub solution: Solution,
}

/// One check of console work.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Stable id, unique in the exercise (`wrong.fails` refers to it).
    pub id: String,
    /// What the learner sees next to the tick or cross.
    pub name: String,
    /// Extra advice shown when the check fails.
    pub hint: Option<String>,
    pub kind: CheckKind,
}

/// What a check inspects.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckKind {
    /// Runs a read-only command and compares its reply.
    Reply {
        command: String,
        expect: Expectation,
    },
    /// Inspects a key's type and TTL.
    Key {
        key: String,
        key_type: Option<KeyType>,
        ttl: Option<TtlExpectation>,
    },
    /// Looks at the commands the learner ran, arguments included (command patterns, see
    /// `course::pattern`).
    Transcript {
        /// Each entry is satisfied by running any one of its patterns.
        used: Vec<Vec<String>>,
        /// None of these may have been run (not even inside a script).
        not_used: Vec<String>,
        /// These must have been run in this order.
        order: Vec<String>,
    },
    /// A complete SCAN iteration: from cursor 0, each call continuing from the cursor the
    /// previous one returned, until the server answered cursor 0.
    Scan {
        pattern: String,
        key_type: Option<KeyType>,
        /// The largest COUNT allowed (a huge COUNT is KEYS in disguise).
        max_count: u64,
    },
}

/// How a reply check compares the reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// The exact redis-cli rendering.
    Exact(String),
    /// An array reply holding exactly these elements, in any order.
    AnyOrder(Vec<String>),
    /// An integer reply (or a numeric string reply, such as ZSCORE's) within the bounds.
    Range { min: f64, max: f64 },
    /// A regular expression searched in the redis-cli rendering.
    Matches(String),
}

/// The TTL a key check expects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TtlExpectation {
    /// Seconds left, inclusive bounds.
    Seconds { min: i64, max: i64 },
    /// The key exists without an expiry.
    NoExpiry,
}

/// The type a key check expects, as TYPE names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    String,
    List,
    Set,
    Zset,
    Hash,
    Stream,
    /// The key must not exist.
    None,
}

impl KeyType {
    /// The name TYPE replies with.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::String => "string",
            KeyType::List => "list",
            KeyType::Set => "set",
            KeyType::Zset => "zset",
            KeyType::Hash => "hash",
            KeyType::Stream => "stream",
            KeyType::None => "none",
        }
    }

    /// The type as a learner reads it in a sentence: "a sorted set", "no key".
    pub fn describe(type_name: &str) -> String {
        match type_name {
            "string" => "a string".into(),
            "list" => "a list".into(),
            "set" => "a set".into(),
            "zset" => "a sorted set".into(),
            "hash" => "a hash".into(),
            "stream" => "a stream".into(),
            "none" => "no key".into(),
            other => format!("a {other}"),
        }
    }
}

/// An exercise with one variant's values filled in and its steps parsed: what the learner
/// and the grader use.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// The id of the exercise this is a variant of.
    pub exercise_id: String,
    /// The variant's index.
    pub variant: usize,
    pub kind: ExerciseKind,
    pub owns: Vec<String>,
    pub goal: String,
    pub setup: Vec<Step>,
    pub hints: Vec<String>,
    pub solution: Solution,
    pub wrong: Vec<WrongAnswer>,
    pub alternatives: Vec<Alternative>,
    pub checks: Vec<Check>,
    pub scenarios: Vec<Scenario>,
}

impl Exercise {
    /// How many variants the exercise has.
    pub fn variant_count(&self) -> usize {
        self.variants.len().max(1)
    }

    /// The exercise with variant `n`'s values substituted. `n` is taken modulo the number of
    /// variants, so a variant stored in progress stays usable if an author removes one.
    pub fn variant(&self, n: usize) -> Instance {
        let n = n % self.variant_count();
        let empty = Variant::new();
        let values = self.variants.get(n).unwrap_or(&empty);
        let fill = |s: &String| substitute(s, values);
        let fill_all = |v: &[String]| v.iter().map(fill).collect::<Vec<_>>();
        let loaded = "validated when the course loaded";
        Instance {
            exercise_id: self.id.clone(),
            variant: n,
            kind: self.kind.clone(),
            owns: self.owns.clone(),
            goal: fill(&self.goal),
            setup: parse_setup(&fill(&self.setup)).expect(loaded),
            hints: fill_all(&self.hints),
            solution: self.solution.substituted(values),
            wrong: self
                .wrong
                .iter()
                .map(|w| WrongAnswer {
                    why: fill(&w.why),
                    solution: w.solution.substituted(values),
                    fails: w.fails.clone(),
                    says: w.says.as_ref().map(fill),
                })
                .collect(),
            alternatives: self
                .alternatives
                .iter()
                .map(|a| Alternative {
                    why: fill(&a.why),
                    solution: a.solution.substituted(values),
                })
                .collect(),
            checks: self.checks.iter().map(|c| c.substituted(values)).collect(),
            scenarios: self
                .scenarios
                .iter()
                .map(|s| Scenario {
                    id: s.id.clone(),
                    name: fill(&s.name),
                    hint: s.hint.as_ref().map(fill),
                    steps: parse_steps(&fill(&s.steps), &self.kind.callable()).expect(loaded),
                })
                .collect(),
        }
    }

    /// The names of every check and scenario, in the order they are graded.
    pub fn check_ids(&self) -> Vec<&str> {
        self.checks
            .iter()
            .map(|c| c.id.as_str())
            .chain(self.scenarios.iter().map(|s| s.id.as_str()))
            .collect()
    }
}

impl Solution {
    fn substituted(&self, values: &Variant) -> Solution {
        match self {
            Solution::Commands(lines) => {
                Solution::Commands(lines.iter().map(|l| substitute(l, values)).collect())
            }
            Solution::Text(text) => Solution::Text(substitute(text, values)),
        }
    }
}

impl Check {
    fn substituted(&self, values: &Variant) -> Check {
        let fill = |s: &String| substitute(s, values);
        let fill_all = |v: &[String]| v.iter().map(fill).collect::<Vec<_>>();
        let kind = match &self.kind {
            CheckKind::Reply { command, expect } => CheckKind::Reply {
                command: fill(command),
                expect: match expect {
                    Expectation::Exact(s) => Expectation::Exact(fill(s)),
                    Expectation::AnyOrder(items) => Expectation::AnyOrder(fill_all(items)),
                    Expectation::Range { min, max } => Expectation::Range {
                        min: *min,
                        max: *max,
                    },
                    Expectation::Matches(re) => {
                        Expectation::Matches(substitute_with(re, values, regex::escape))
                    }
                },
            },
            CheckKind::Key { key, key_type, ttl } => CheckKind::Key {
                key: fill(key),
                key_type: *key_type,
                ttl: *ttl,
            },
            CheckKind::Transcript {
                used,
                not_used,
                order,
            } => CheckKind::Transcript {
                used: used.iter().map(|choice| fill_all(choice)).collect(),
                not_used: fill_all(not_used),
                order: fill_all(order),
            },
            CheckKind::Scan {
                pattern,
                key_type,
                max_count,
            } => CheckKind::Scan {
                pattern: fill(pattern),
                key_type: *key_type,
                max_count: *max_count,
            },
        };
        Check {
            id: self.id.clone(),
            name: fill(&self.name),
            hint: self.hint.as_ref().map(fill),
            kind,
        }
    }

    /// The command a reply check runs, for the read-only audit in tests.
    pub fn command(&self) -> Option<&str> {
        match &self.kind {
            CheckKind::Reply { command, .. } => Some(command),
            _ => None,
        }
    }
}

static PLACEHOLDER: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}").expect("placeholder pattern")
});

/// Replaces every `{{name}}` with the variant's value (unknown names are left as written).
pub fn substitute(text: &str, values: &Variant) -> String {
    substitute_with(text, values, |v| v.to_string())
}

fn substitute_with(text: &str, values: &Variant, escape: impl Fn(&str) -> String) -> String {
    PLACEHOLDER
        .replace_all(text, |caps: &regex::Captures| match values.get(&caps[1]) {
            Some(v) => escape(v),
            None => caps[0].to_string(),
        })
        .into_owned()
}

/// The placeholder names used in `text`.
pub fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    PLACEHOLDER
        .captures_iter(text)
        .map(|c| c.get(1).map_or("", |m| m.as_str()))
}

// ---- the file format ----------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExercise {
    format_version: Spanned<u32>,
    id: Spanned<String>,
    chapter: Spanned<u32>,
    lesson: Spanned<u32>,
    title: Spanned<String>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    handlers: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    script: Option<Spanned<RawScript>>,
    owns: Spanned<Vec<Spanned<String>>>,
    goal: Spanned<String>,
    #[serde(default)]
    setup: Option<Spanned<Lines>>,
    hints: Spanned<Vec<Spanned<String>>>,
    solution: Spanned<Lines>,
    #[serde(default, rename = "variant")]
    variants: Vec<Spanned<Variant>>,
    #[serde(default)]
    wrong: Vec<Spanned<RawWrong>>,
    #[serde(default, rename = "alternative")]
    alternatives: Vec<Spanned<RawAlternative>>,
    #[serde(default, rename = "check")]
    checks: Vec<Spanned<RawCheck>>,
    #[serde(default, rename = "scenario")]
    scenarios: Vec<Spanned<RawScenario>>,
}

/// A multi-line text, or a list of lines.
#[derive(Deserialize)]
#[serde(untagged)]
enum Lines {
    Text(String),
    List(Vec<String>),
}

impl Lines {
    fn joined(&self) -> String {
        match self {
            Lines::Text(text) => text.clone(),
            Lines::List(lines) => lines.join("\n"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScript {
    name: String,
    #[serde(default)]
    keys: Vec<String>,
    #[serde(default)]
    args: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWrong {
    why: String,
    #[serde(default)]
    commands: Option<Vec<String>>,
    #[serde(default)]
    recipe: Option<String>,
    #[serde(default)]
    script: Option<String>,
    fails: Spanned<String>,
    #[serde(default)]
    says: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlternative {
    why: String,
    #[serde(default)]
    commands: Option<Vec<String>>,
    #[serde(default)]
    recipe: Option<String>,
    #[serde(default)]
    script: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    id: String,
    name: String,
    #[serde(default)]
    hint: Option<String>,
    steps: String,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
enum RawCheck {
    Reply {
        id: String,
        name: String,
        hint: Option<String>,
        command: String,
        expect: Option<String>,
        expect_set: Option<Vec<String>>,
        expect_range: Option<[f64; 2]>,
        expect_match: Option<String>,
    },
    Key {
        id: String,
        name: String,
        hint: Option<String>,
        key: String,
        #[serde(rename = "type")]
        key_type: Option<KeyType>,
        ttl: Option<RawTtl>,
    },
    Transcript {
        id: String,
        name: String,
        hint: Option<String>,
        #[serde(default)]
        used: Vec<CommandChoice>,
        #[serde(default)]
        not_used: Vec<String>,
        #[serde(default)]
        order: Vec<String>,
    },
    Scan {
        id: String,
        name: String,
        hint: Option<String>,
        #[serde(rename = "match")]
        pattern: String,
        #[serde(rename = "type")]
        key_type: Option<KeyType>,
        max_count: Option<u64>,
    },
}

/// `ttl = [min, max]` or `ttl = "none"`.
struct RawTtl(TtlExpectation);

impl<'de> Deserialize<'de> for RawTtl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TtlVisitor;
        impl<'de> Visitor<'de> for TtlVisitor {
            type Value = RawTtl;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"`ttl = [min, max]` (seconds) or `ttl = "none"`"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawTtl, E> {
                if v == "none" {
                    Ok(RawTtl(TtlExpectation::NoExpiry))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawTtl, A::Error> {
                let min: i64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let max: i64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<i64>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(RawTtl(TtlExpectation::Seconds { min, max }))
            }
        }
        d.deserialize_any(TtlVisitor)
    }
}

/// A command pattern, or a list of patterns any one of which will do.
struct CommandChoice(Vec<String>);

impl<'de> Deserialize<'de> for CommandChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ChoiceVisitor;
        impl<'de> Visitor<'de> for ChoiceVisitor {
            type Value = CommandChoice;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    r#"a command pattern ("SCAN") or a list of alternatives (["ZSCORE lb x", "ZMSCORE lb x"])"#,
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CommandChoice, E> {
                Ok(CommandChoice(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CommandChoice, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(CommandChoice(names))
            }
        }
        d.deserialize_any(ChoiceVisitor)
    }
}

// ---- parsing and validation ---------------------------------------------------------------

/// Collects problems for one file, turning byte offsets into line:column.
struct Reporter<'a> {
    file: &'a str,
    source: &'a str,
    problems: Vec<Problem>,
}

impl Reporter<'_> {
    fn at(&mut self, offset: usize, message: impl Into<String>) {
        let (line, column) = line_col(self.source, offset);
        self.problems.push(Problem {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        });
    }

    fn span(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.at(span.start, message)
    }

    /// A problem at line `line` (1-based) of a multi-line string literal starting at `start`.
    fn in_text(&mut self, start: usize, line: usize, message: impl Into<String>) {
        let (first, _) = line_col(self.source, start);
        let literal = &self.source[start.min(self.source.len())..];
        // A `"""` literal drops the newline right after its opening quotes.
        let skipped = usize::from(
            literal.starts_with("\"\"\"\n")
                || literal.starts_with("'''\n")
                || literal.starts_with("\"\"\"\r\n")
                || literal.starts_with("'''\r\n"),
        );
        self.problems.push(Problem {
            file: self.file.to_string(),
            line: first + skipped + line - 1,
            column: 1,
            message: message.into(),
        });
    }
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// The offset of `field = ...` inside the table whose header ends at `table.end`, or the
/// header itself when the field is not found (tables read through serde's buffering keep only
/// the table's span).
fn field_offset(source: &str, table: &Range<usize>, field: &str) -> usize {
    let mut offset = source[..table.end.min(source.len())]
        .rfind('\n')
        .map_or(0, |p| p + 1);
    let mut first = true;
    for line in source[offset..].split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !first && trimmed.starts_with('[') {
            break;
        }
        first = false;
        if let Some(rest) = trimmed.strip_prefix(field)
            && rest.trim_start().starts_with('=')
        {
            return offset + (line.len() - trimmed.len());
        }
        offset += line.len();
    }
    table.start
}

/// The offset of the value of `field = ...` in a table (the string literal of `steps`).
fn value_offset(source: &str, table: &Range<usize>, field: &str) -> usize {
    let at = field_offset(source, table, field);
    source[at..]
        .find('=')
        .map(|eq| {
            let after = at + eq + 1;
            after + (source[after..].len() - source[after..].trim_start().len())
        })
        .unwrap_or(at)
}

static KEBAB: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^[a-z0-9]+(-[a-z0-9]+)*$").expect("kebab pattern"));

/// Parses and validates one exercise file. Chapter and lesson numbers and id uniqueness
/// across files are checked by the course.
pub(crate) fn parse_exercise(
    file: &str,
    source: &str,
) -> Result<(Exercise, ExerciseSpans), Vec<Problem>> {
    let mut report = Reporter {
        file,
        source,
        problems: Vec::new(),
    };
    let raw: RawExercise = match toml::from_str(source) {
        Ok(raw) => raw,
        Err(err) => {
            report.at(err.span().map_or(0, |s| s.start), err.message().to_string());
            return Err(report.problems);
        }
    };
    let spans = ExerciseSpans {
        id: raw.id.span(),
        chapter: raw.chapter.span(),
        lesson: raw.lesson.span(),
    };
    let exercise = validate(raw, &mut report);
    if report.problems.is_empty() {
        Ok((exercise, spans))
    } else {
        Err(report.problems)
    }
}

/// Where the cross-file facts of an exercise are written.
pub(crate) struct ExerciseSpans {
    pub id: Range<usize>,
    pub chapter: Range<usize>,
    pub lesson: Range<usize>,
}

/// A text of the exercise that may hold placeholders, with where it is written.
struct Templated {
    what: String,
    text: String,
    at: usize,
}

fn validate(raw: RawExercise, report: &mut Reporter) -> Exercise {
    if *raw.format_version.get_ref() != FORMAT_VERSION {
        report.span(
            raw.format_version.span(),
            format!(
                "format_version {} is not one this redis-tutor reads (it reads {FORMAT_VERSION}; see exercises/README.md)",
                raw.format_version.get_ref()
            ),
        );
    }
    if !KEBAB.is_match(raw.id.get_ref()) {
        report.span(
            raw.id.span(),
            format!(
                "the id `{}` must be kebab-case (lower-case letters, digits and dashes)",
                raw.id.get_ref()
            ),
        );
    }
    if raw.title.get_ref().trim().is_empty() {
        report.span(raw.title.span(), "the title is empty");
    }
    if raw.owns.get_ref().is_empty() {
        report.span(
            raw.owns.span(),
            "`owns` is empty: list the key patterns the exercise may create",
        );
    }
    for pattern in raw.owns.get_ref() {
        if pattern.get_ref().is_empty() || placeholders(pattern.get_ref()).next().is_some() {
            report.span(
                pattern.span(),
                format!(
                    "the owned pattern `{}` must be a non-empty glob without placeholders, so that reset cleans every variant",
                    pattern.get_ref()
                ),
            );
        }
    }
    if raw.hints.get_ref().len() < 3 {
        report.span(
            raw.hints.span(),
            format!(
                "{} hint(s): give at least 3 rungs (a nudge, the concept, the full answer)",
                raw.hints.get_ref().len()
            ),
        );
    }
    if raw.variants.len() < 2 {
        report.at(
            0,
            format!(
                "{} [[variant]] table(s): give at least 2, so that an answer copied from one attempt fails the next",
                raw.variants.len()
            ),
        );
    }

    let Some(kind) = validate_kind(&raw, report) else {
        // Nothing else can be judged without knowing what kind of work it asks for.
        return empty_exercise(raw, report.file);
    };
    let solution = match (raw.solution.get_ref(), &kind) {
        (Lines::List(lines), ExerciseKind::Console) => Solution::Commands(lines.clone()),
        (Lines::Text(text), ExerciseKind::Recipe { .. } | ExerciseKind::Script { .. }) => {
            Solution::Text(text.clone())
        }
        (_, ExerciseKind::Console) => {
            report.span(
                raw.solution.span(),
                "a console exercise's solution is a list of command lines",
            );
            Solution::Commands(Vec::new())
        }
        (_, _) => {
            report.span(
                raw.solution.span(),
                format!(
                    "a {} exercise's solution is the text of the {}",
                    kind.name(),
                    kind.name()
                ),
            );
            Solution::Text(String::new())
        }
    };

    let mut texts: Vec<Templated> = vec![Templated {
        what: "the goal".into(),
        text: raw.goal.get_ref().clone(),
        at: raw.goal.span().start,
    }];
    for hint in raw.hints.get_ref() {
        texts.push(Templated {
            what: "a hint".into(),
            text: hint.get_ref().clone(),
            at: hint.span().start,
        });
    }
    texts.push(Templated {
        what: "the solution".into(),
        text: raw.solution.get_ref().joined(),
        at: raw.solution.span().start,
    });
    let setup = raw
        .setup
        .as_ref()
        .map(|s| s.get_ref().joined())
        .unwrap_or_default();
    if let Some(spanned) = &raw.setup {
        texts.push(Templated {
            what: "the setup".into(),
            text: setup.clone(),
            at: spanned.span().start,
        });
    }

    let (checks, mut ids) = validate_checks(&raw, &kind, report, &mut texts);
    let scenarios = validate_scenario_list(&raw, &kind, report, &mut texts, &mut ids);

    let mut wrong = Vec::new();
    for spanned in &raw.wrong {
        let w = spanned.get_ref();
        let fails = &w.fails;
        if !ids.contains_key(fails.get_ref()) {
            report.span(
                fails.span(),
                format!(
                    "`fails = \"{}\"` names no check or scenario of this exercise (it has: {})",
                    fails.get_ref(),
                    ids.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            );
        }
        let solution = work_of(
            &kind,
            &w.commands,
            &w.recipe,
            &w.script,
            spanned.span(),
            "a wrong answer",
            report,
        );
        let text = match &solution {
            Solution::Commands(lines) => lines.join("\n"),
            Solution::Text(text) => text.clone(),
        };
        texts.push(Templated {
            what: "a wrong answer".into(),
            text,
            at: spanned.span().start,
        });
        wrong.push(WrongAnswer {
            why: w.why.clone(),
            solution,
            fails: fails.get_ref().clone(),
            says: w.says.clone(),
        });
    }

    let mut alternatives = Vec::new();
    for spanned in &raw.alternatives {
        let a = spanned.get_ref();
        let solution = work_of(
            &kind,
            &a.commands,
            &a.recipe,
            &a.script,
            spanned.span(),
            "an alternative",
            report,
        );
        texts.push(Templated {
            what: "an alternative".into(),
            text: match &solution {
                Solution::Commands(lines) => lines.join("\n"),
                Solution::Text(text) => text.clone(),
            },
            at: spanned.span().start,
        });
        alternatives.push(Alternative {
            why: a.why.clone(),
            solution,
        });
    }

    let variants: Vec<Variant> = raw.variants.iter().map(|v| v.get_ref().clone()).collect();
    check_placeholders(&texts, &variants, report);

    let exercise = Exercise {
        id: raw.id.get_ref().clone(),
        chapter: *raw.chapter.get_ref(),
        lesson: *raw.lesson.get_ref(),
        title: raw.title.get_ref().clone(),
        kind,
        owns: raw
            .owns
            .get_ref()
            .iter()
            .map(|s| s.get_ref().clone())
            .collect(),
        goal: raw.goal.get_ref().clone(),
        setup,
        hints: raw
            .hints
            .get_ref()
            .iter()
            .map(|s| s.get_ref().clone())
            .collect(),
        solution,
        variants,
        wrong,
        alternatives,
        checks,
        scenarios,
        file: report.file.to_string(),
    };
    if report.problems.is_empty() {
        validate_instances(&exercise, &raw, report);
    }
    exercise
}

/// The work of a wrong answer or an alternative: `commands` for console exercises, `recipe` or
/// `script` text for the others, and only that.
fn work_of(
    kind: &ExerciseKind,
    commands: &Option<Vec<String>>,
    recipe: &Option<String>,
    script: &Option<String>,
    span: Range<usize>,
    what: &str,
    report: &mut Reporter,
) -> Solution {
    match (kind, commands, recipe, script) {
        (ExerciseKind::Console, Some(commands), None, None) if !commands.is_empty() => {
            Solution::Commands(commands.clone())
        }
        (ExerciseKind::Recipe { .. }, None, Some(text), None)
        | (ExerciseKind::Script { .. }, None, None, Some(text)) => Solution::Text(text.clone()),
        _ => {
            let field = match kind {
                ExerciseKind::Console => "commands = [...]",
                ExerciseKind::Recipe { .. } => "recipe = \"\"\"...\"\"\"",
                ExerciseKind::Script { .. } => "script = \"\"\"...\"\"\"",
            };
            report.span(
                span,
                format!(
                    "{what} to a {} exercise gives its work as {field}, and only that",
                    kind.name()
                ),
            );
            Solution::Commands(Vec::new())
        }
    }
}

/// The exercise's identity alone, for a file too broken to validate further.
fn empty_exercise(raw: RawExercise, file: &str) -> Exercise {
    Exercise {
        id: raw.id.into_inner(),
        chapter: raw.chapter.into_inner(),
        lesson: raw.lesson.into_inner(),
        title: raw.title.into_inner(),
        kind: ExerciseKind::Console,
        owns: Vec::new(),
        goal: String::new(),
        setup: String::new(),
        hints: Vec::new(),
        solution: Solution::Commands(Vec::new()),
        variants: Vec::new(),
        wrong: Vec::new(),
        alternatives: Vec::new(),
        checks: Vec::new(),
        scenarios: Vec::new(),
        file: file.to_string(),
    }
}

fn validate_kind(raw: &RawExercise, report: &mut Reporter) -> Option<ExerciseKind> {
    let name = raw
        .kind
        .as_ref()
        .map(|k| k.get_ref().as_str())
        .unwrap_or("console");
    let kind_at = raw.kind.as_ref().map_or(0, |k| k.span().start);
    let handlers = raw.handlers.as_ref();
    let script = raw.script.as_ref();
    match name {
        "console" | "recipe" | "script" => {}
        other => {
            report.at(
                kind_at,
                format!("unknown kind `{other}` (console, recipe or script)"),
            );
            return None;
        }
    }
    if name != "recipe"
        && let Some(handlers) = handlers
    {
        report.span(handlers.span(), "`handlers` belong to a recipe exercise");
    }
    if name != "script"
        && let Some(script) = script
    {
        report.span(script.span(), "`[script]` belongs to a script exercise");
    }
    match name {
        "recipe" => {
            let Some(handlers) = handlers.filter(|h| !h.get_ref().is_empty()) else {
                report.at(
                    kind_at,
                    "a recipe exercise lists its `handlers = [\"name param ...\"]`",
                );
                return Some(ExerciseKind::Recipe {
                    handlers: Vec::new(),
                });
            };
            let mut signatures: Vec<Signature> = Vec::new();
            for handler in handlers.get_ref() {
                match Signature::parse(handler.get_ref()) {
                    Ok(signature) if signatures.iter().any(|s| s.name == signature.name) => report
                        .span(
                            handler.span(),
                            format!("the handler `{}` is listed twice", signature.name),
                        ),
                    Ok(signature) => signatures.push(signature),
                    Err(message) => report.span(handler.span(), message),
                }
            }
            Some(ExerciseKind::Recipe {
                handlers: signatures,
            })
        }
        "script" => Some(match script {
            Some(script) => {
                let s = script.get_ref();
                let valid = !s.name.is_empty()
                    && s.name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !valid {
                    report.span(script.span(), format!("`{}` is not a script name", s.name));
                }
                ExerciseKind::Script {
                    name: s.name.clone(),
                    keys: s.keys.clone(),
                    args: s.args.clone(),
                }
            }
            None => {
                report.at(
                    kind_at,
                    "a script exercise has a `[script]` table: name, keys and args",
                );
                ExerciseKind::Script {
                    name: String::new(),
                    keys: Vec::new(),
                    args: Vec::new(),
                }
            }
        }),
        _ => Some(ExerciseKind::Console),
    }
}

fn validate_checks(
    raw: &RawExercise,
    kind: &ExerciseKind,
    report: &mut Reporter,
    texts: &mut Vec<Templated>,
) -> (Vec<Check>, BTreeMap<String, usize>) {
    let source = report.source;
    let mut checks = Vec::new();
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    if *kind == ExerciseKind::Console && raw.checks.is_empty() {
        report.at(0, "a console exercise has at least one [[check]]");
    }
    for spanned in &raw.checks {
        let table = spanned.span();
        if *kind != ExerciseKind::Console {
            report.at(
                table.start,
                format!(
                    "a {} exercise is graded by its [[scenario]] tables, not by [[check]]",
                    kind.name()
                ),
            );
            continue;
        }
        let at = |field: &str| field_offset(source, &table, field);
        let mut push = |what: String, text: &str, field: &str| {
            texts.push(Templated {
                what,
                text: text.to_string(),
                at: at(field),
            })
        };
        let (id, name, hint, kind) = match spanned.get_ref() {
            RawCheck::Reply {
                id,
                name,
                hint,
                command,
                expect,
                expect_set,
                expect_range,
                expect_match,
            } => {
                push(format!("check `{id}`'s command"), command, "command");
                let given = [
                    expect.is_some(),
                    expect_set.is_some(),
                    expect_range.is_some(),
                    expect_match.is_some(),
                ]
                .iter()
                .filter(|&&g| g)
                .count();
                if given != 1 {
                    report.at(
                        table.start,
                        format!("check `{id}` needs exactly one of expect, expect_set, expect_range, expect_match (found {given})"),
                    );
                }
                let expectation = if let Some(e) = expect {
                    push(format!("check `{id}`'s expect"), e, "expect");
                    Expectation::Exact(e.clone())
                } else if let Some(items) = expect_set {
                    for item in items {
                        push(format!("check `{id}`'s expect_set"), item, "expect_set");
                    }
                    Expectation::AnyOrder(items.clone())
                } else if let Some([min, max]) = expect_range {
                    if min > max {
                        report.at(
                            at("expect_range"),
                            format!("check `{id}`: expect_range [{min}, {max}] is empty"),
                        );
                    }
                    Expectation::Range {
                        min: *min,
                        max: *max,
                    }
                } else if let Some(re) = expect_match {
                    push(format!("check `{id}`'s expect_match"), re, "expect_match");
                    Expectation::Matches(re.clone())
                } else {
                    Expectation::Exact(String::new())
                };
                (
                    id,
                    name,
                    hint,
                    CheckKind::Reply {
                        command: command.clone(),
                        expect: expectation,
                    },
                )
            }
            RawCheck::Key {
                id,
                name,
                hint,
                key,
                key_type,
                ttl,
            } => {
                push(format!("check `{id}`'s key"), key, "key");
                if key_type.is_none() && ttl.is_none() {
                    report.at(
                        table.start,
                        format!("check `{id}` checks nothing: give `type`, `ttl` or both"),
                    );
                }
                if let Some(RawTtl(TtlExpectation::Seconds { min, max })) = ttl
                    && min > max
                {
                    report.at(
                        at("ttl"),
                        format!("check `{id}`: ttl [{min}, {max}] is empty"),
                    );
                }
                (
                    id,
                    name,
                    hint,
                    CheckKind::Key {
                        key: key.clone(),
                        key_type: *key_type,
                        ttl: ttl.as_ref().map(|t| t.0),
                    },
                )
            }
            RawCheck::Transcript {
                id,
                name,
                hint,
                used,
                not_used,
                order,
            } => {
                if used.is_empty() && not_used.is_empty() && order.is_empty() {
                    report.at(
                        table.start,
                        format!(
                            "check `{id}` checks nothing: give `used`, `not_used`, `order` or several"
                        ),
                    );
                }
                for choice in used {
                    if choice.0.is_empty() {
                        report.at(
                            at("used"),
                            format!("check `{id}`: an empty list of alternatives in `used`"),
                        );
                    }
                    for pattern in &choice.0 {
                        push(format!("check `{id}`'s used"), pattern, "used");
                    }
                }
                for pattern in not_used {
                    push(format!("check `{id}`'s not_used"), pattern, "not_used");
                }
                if order.len() == 1 {
                    report.at(
                        at("order"),
                        format!("check `{id}`: `order` compares two or more commands"),
                    );
                }
                for pattern in order {
                    push(format!("check `{id}`'s order"), pattern, "order");
                }
                (
                    id,
                    name,
                    hint,
                    CheckKind::Transcript {
                        used: used.iter().map(|c| c.0.clone()).collect(),
                        not_used: not_used.clone(),
                        order: order.clone(),
                    },
                )
            }
            RawCheck::Scan {
                id,
                name,
                hint,
                pattern,
                key_type,
                max_count,
            } => {
                push(format!("check `{id}`'s match"), pattern, "match");
                (
                    id,
                    name,
                    hint,
                    CheckKind::Scan {
                        pattern: pattern.clone(),
                        key_type: *key_type,
                        max_count: max_count.unwrap_or(1000),
                    },
                )
            }
        };
        if !KEBAB.is_match(id) {
            report.at(at("id"), format!("the check id `{id}` must be kebab-case"));
        }
        if let Some(first) = ids.insert(id.clone(), table.start) {
            let (line, _) = line_col(source, first);
            report.at(
                at("id"),
                format!("duplicate check id `{id}` (first used at line {line})"),
            );
        }
        texts.push(Templated {
            what: format!("check `{id}`'s name"),
            text: name.clone(),
            at: at("name"),
        });
        if let Some(hint) = hint {
            texts.push(Templated {
                what: format!("check `{id}`'s hint"),
                text: hint.clone(),
                at: at("hint"),
            });
        }
        checks.push(Check {
            id: id.clone(),
            name: name.clone(),
            hint: hint.clone(),
            kind,
        });
    }
    (checks, ids)
}

fn validate_scenario_list(
    raw: &RawExercise,
    kind: &ExerciseKind,
    report: &mut Reporter,
    texts: &mut Vec<Templated>,
    ids: &mut BTreeMap<String, usize>,
) -> Vec<ScenarioSource> {
    let source = report.source;
    if *kind != ExerciseKind::Console {
        if raw.scenarios.is_empty() {
            report.at(
                0,
                format!("a {} exercise has at least one [[scenario]]", kind.name()),
            );
        }
        ids.insert(WORK_CHECK.to_string(), 0);
    }
    let mut scenarios = Vec::new();
    for spanned in &raw.scenarios {
        let table = spanned.span();
        let scenario = spanned.get_ref();
        if *kind == ExerciseKind::Console {
            report.at(
                table.start,
                "a console exercise is graded by [[check]] tables, not by scenarios",
            );
            continue;
        }
        if !KEBAB.is_match(&scenario.id) {
            report.at(
                field_offset(source, &table, "id"),
                format!("the scenario id `{}` must be kebab-case", scenario.id),
            );
        }
        if let Some(first) = ids.insert(scenario.id.clone(), table.start) {
            let (line, _) = line_col(source, first);
            report.at(
                field_offset(source, &table, "id"),
                format!("duplicate id `{}` (first used at line {line})", scenario.id),
            );
        }
        for (what, text, field) in [
            ("name", Some(&scenario.name), "name"),
            ("hint", scenario.hint.as_ref(), "hint"),
            ("steps", Some(&scenario.steps), "steps"),
        ] {
            if let Some(text) = text {
                texts.push(Templated {
                    what: format!("scenario `{}`'s {what}", scenario.id),
                    text: text.clone(),
                    at: field_offset(source, &table, field),
                });
            }
        }
        scenarios.push(ScenarioSource {
            id: scenario.id.clone(),
            name: scenario.name.clone(),
            hint: scenario.hint.clone(),
            steps: scenario.steps.clone(),
        });
    }
    scenarios
}

/// Every placeholder must be defined by every variant.
fn check_placeholders(texts: &[Templated], variants: &[Variant], report: &mut Reporter) {
    let mut reported: BTreeSet<(usize, String)> = BTreeSet::new();
    for text in texts {
        for name in placeholders(&text.text) {
            let missing: Vec<String> = variants
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.contains_key(name))
                .map(|(i, _)| (i + 1).to_string())
                .collect();
            if (!missing.is_empty() || variants.is_empty())
                && reported.insert((text.at, name.to_string()))
            {
                let which = if variants.is_empty() {
                    "there is no [[variant]]".to_string()
                } else {
                    format!("missing from variant {}", missing.join(", "))
                };
                report.at(
                    text.at,
                    format!(
                        "{} uses the placeholder {{{{{name}}}}}, which not every variant defines ({which})",
                        text.what
                    ),
                );
            }
        }
    }
}

/// With every placeholder defined: each variant's setup, scenarios, solution, wrong answers
/// and check patterns must parse, and key checks must inspect owned keys.
fn validate_instances(exercise: &Exercise, raw: &RawExercise, report: &mut Reporter) {
    let source = report.source;
    let callable = exercise.kind.callable();
    for (index, values) in exercise.variants.iter().enumerate() {
        let variant = format!(" (variant {})", index + 1);
        let fill = |s: &str| substitute(s, values);
        if let Some(setup) = &raw.setup
            && let Err(problems) = parse_setup(&fill(&exercise.setup))
        {
            for problem in problems {
                report.in_text(
                    setup.span().start,
                    problem.line,
                    format!("setup: {}{variant}", problem.message),
                );
            }
            return;
        }
        for (scenario, spanned) in exercise.scenarios.iter().zip(&raw.scenarios) {
            if let Err(problems) = parse_steps(&fill(&scenario.steps), &callable) {
                let start = value_offset(source, &spanned.span(), "steps");
                for problem in problems {
                    report.in_text(
                        start,
                        problem.line,
                        format!("scenario `{}`: {}{variant}", scenario.id, problem.message),
                    );
                }
                return;
            }
        }
        let recipe_problems = |text: &str, what: &str, at: usize, report: &mut Reporter| {
            if let ExerciseKind::Recipe { handlers } = &exercise.kind
                && let Err(problems) = parse_recipe(&fill(text), handlers)
            {
                for problem in problems {
                    report.in_text(
                        at,
                        problem.line,
                        format!("{what}: {}{variant}", problem.message),
                    );
                }
                return true;
            }
            false
        };
        if let Solution::Text(text) = &exercise.solution
            && recipe_problems(text, "the solution", raw.solution.span().start, report)
        {
            return;
        }
        // A wrong recipe may be broken on purpose, when it is meant to fail to load.
        let wrongs = exercise
            .wrong
            .iter()
            .zip(&raw.wrong)
            .filter(|(wrong, _)| wrong.fails != WORK_CHECK)
            .map(|(wrong, table)| (&wrong.solution, "a wrong answer", table.span()));
        let alternatives = exercise
            .alternatives
            .iter()
            .zip(&raw.alternatives)
            .map(|(right, table)| (&right.solution, "an alternative", table.span()));
        for (solution, what, table) in wrongs.chain(alternatives) {
            if let Solution::Text(text) = solution
                && recipe_problems(text, what, value_offset(source, &table, "recipe"), report)
            {
                return;
            }
        }
        for (check, spanned) in exercise.checks.iter().zip(&raw.checks) {
            let table = spanned.span();
            let filled = check.substituted(values);
            match &filled.kind {
                CheckKind::Reply {
                    expect: Expectation::Matches(re),
                    ..
                } => {
                    if let Err(err) = regex::Regex::new(re) {
                        report.at(
                            field_offset(source, &table, "expect_match"),
                            format!("check `{}`: bad regex: {err}", check.id),
                        );
                        return;
                    }
                }
                CheckKind::Key { key, .. }
                    if !exercise
                        .owns
                        .iter()
                        .any(|p| glob_match(p.as_bytes(), key.as_bytes())) =>
                {
                    report.at(
                        field_offset(source, &table, "key"),
                        format!(
                            "check `{}` inspects `{key}`{variant}, which no `owns` pattern covers",
                            check.id
                        ),
                    );
                    return;
                }
                CheckKind::Transcript {
                    used,
                    not_used,
                    order,
                } => {
                    for (field, patterns) in [
                        ("used", used.concat()),
                        ("not_used", not_used.clone()),
                        ("order", order.clone()),
                    ] {
                        for pattern in patterns {
                            if let Err(message) = CommandPattern::parse(&pattern) {
                                report.at(
                                    field_offset(source, &table, field),
                                    format!("check `{}`: {message}", check.id),
                                );
                                return;
                            }
                        }
                    }
                }
                _ => {}
            }
            if let Some(command) = filled.command()
                && crate::resp::split_args(command.as_bytes()).is_none_or(|a| a.is_empty())
            {
                report.at(
                    field_offset(source, &table, "command"),
                    format!(
                        "check `{}`'s command does not tokenize{variant}: `{command}`",
                        check.id
                    ),
                );
                return;
            }
        }
        if let Solution::Commands(lines) = &exercise.solution {
            for line in lines.iter().map(|l| fill(l)) {
                if crate::resp::split_args(line.as_bytes()).is_none_or(|a| a.is_empty()) {
                    report.span(
                        raw.solution.span(),
                        format!("a solution command does not tokenize{variant}: `{line}`"),
                    );
                    return;
                }
            }
        }
    }
}
