//! The exercise schema (one TOML file per exercise, documented in exercises/README.md), its
//! validation with file:line messages, and `{{placeholder}}` substitution for variants.

use super::Problem;
use crate::glob::glob_match;
use crate::resp::split_args;
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;
use toml::Spanned;

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
    /// Glob patterns of the keys this exercise may create; reset deletes exactly these.
    pub owns: Vec<String>,
    /// Markdown shown to the learner.
    pub goal: String,
    /// Commands (redis-cli syntax) that reset runs after deleting the owned keys.
    pub setup: Vec<String>,
    /// The hint ladder, from a nudge to the full command.
    pub hints: Vec<String>,
    /// The reference solution (redis-cli syntax).
    pub solution: Vec<String>,
    /// Placeholder values; an exercise without `[[variant]]` has one empty variant.
    pub variants: Vec<Variant>,
    /// Wrong answers that must fail a named check (used by the tests).
    pub wrong: Vec<WrongAnswer>,
    pub checks: Vec<Check>,
    /// Where the exercise was loaded from, for messages.
    pub file: String,
}

/// A wrong answer and the check it must fail.
#[derive(Debug, Clone, PartialEq)]
pub struct WrongAnswer {
    /// What is wrong with it, for test messages.
    pub why: String,
    pub commands: Vec<String>,
    /// The id of the check that must fail.
    pub fails: String,
}

/// One check of an exercise.
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
    /// Looks at the commands the learner ran.
    Transcript {
        /// Each entry is satisfied by running any one of its command names.
        used: Vec<Vec<String>>,
        not_used: Vec<String>,
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

/// An exercise with one variant's values filled in: what the learner and the grader use.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// The id of the exercise this is a variant of.
    pub exercise_id: String,
    /// The variant's index.
    pub variant: usize,
    pub goal: String,
    pub setup: Vec<String>,
    pub hints: Vec<String>,
    pub solution: Vec<String>,
    pub wrong: Vec<WrongAnswer>,
    pub checks: Vec<Check>,
}

impl Exercise {
    /// How many variants the exercise has (at least one).
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
        Instance {
            exercise_id: self.id.clone(),
            variant: n,
            goal: fill(&self.goal),
            setup: fill_all(&self.setup),
            hints: fill_all(&self.hints),
            solution: fill_all(&self.solution),
            wrong: self
                .wrong
                .iter()
                .map(|w| WrongAnswer {
                    why: fill(&w.why),
                    commands: fill_all(&w.commands),
                    fails: w.fails.clone(),
                })
                .collect(),
            checks: self.checks.iter().map(|c| c.substituted(values)).collect(),
        }
    }
}

impl Check {
    fn substituted(&self, values: &Variant) -> Check {
        let fill = |s: &String| substitute(s, values);
        let kind = match &self.kind {
            CheckKind::Reply { command, expect } => CheckKind::Reply {
                command: fill(command),
                expect: match expect {
                    Expectation::Exact(s) => Expectation::Exact(fill(s)),
                    Expectation::AnyOrder(items) => {
                        Expectation::AnyOrder(items.iter().map(fill).collect())
                    }
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
            CheckKind::Transcript { used, not_used } => CheckKind::Transcript {
                used: used.clone(),
                not_used: not_used.clone(),
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
    id: Spanned<String>,
    chapter: Spanned<u32>,
    lesson: Spanned<u32>,
    title: Spanned<String>,
    owns: Spanned<Vec<Spanned<String>>>,
    goal: Spanned<String>,
    #[serde(default)]
    setup: Vec<Spanned<String>>,
    hints: Spanned<Vec<Spanned<String>>>,
    solution: Spanned<Vec<Spanned<String>>>,
    #[serde(default, rename = "variant")]
    variants: Vec<Spanned<Variant>>,
    #[serde(default)]
    wrong: Vec<Spanned<RawWrong>>,
    #[serde(rename = "check")]
    checks: Spanned<Vec<Spanned<RawCheck>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWrong {
    why: String,
    commands: Vec<Spanned<String>>,
    fails: Spanned<String>,
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

/// A command name, or a list of names any one of which will do.
struct CommandChoice(Vec<String>);

impl<'de> Deserialize<'de> for CommandChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ChoiceVisitor;
        impl<'de> Visitor<'de> for ChoiceVisitor {
            type Value = CommandChoice;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    r#"a command name ("SCAN") or a list of alternatives (["ZSCORE", "ZMSCORE"])"#,
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
/// header itself when the field is not found (checks are read through serde's buffering,
/// which keeps only the table's span).
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

static KEBAB: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^[a-z0-9]+(-[a-z0-9]+)*$").expect("kebab pattern"));

static COMMAND_NAME: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^[A-Za-z][A-Za-z0-9_-]*( [A-Za-z][A-Za-z0-9_-]*)?$").expect("name pattern")
});

/// Parses and validates one exercise file. Chapter numbers and id uniqueness across files are
/// checked by the course.
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
struct Templated<'a> {
    what: String,
    text: &'a str,
    at: usize,
    /// The text is a command that must tokenize.
    command: bool,
}

fn validate(raw: RawExercise, report: &mut Reporter) -> Exercise {
    let source = report.source;
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
                "{} hint(s): give at least 3 rungs (a nudge, the concept, the full command)",
                raw.hints.get_ref().len()
            ),
        );
    }
    if raw.solution.get_ref().is_empty() {
        report.span(raw.solution.span(), "the solution is empty");
    }

    let mut texts: Vec<Templated> = vec![Templated {
        what: "the goal".into(),
        text: raw.goal.get_ref(),
        at: raw.goal.span().start,
        command: false,
    }];
    push_list(&mut texts, "a setup command", &raw.setup, true);
    push_list(&mut texts, "a hint", raw.hints.get_ref(), false);
    push_list(
        &mut texts,
        "a solution command",
        raw.solution.get_ref(),
        true,
    );
    for wrong in &raw.wrong {
        push_list(
            &mut texts,
            "a wrong-answer command",
            &wrong.get_ref().commands,
            true,
        );
    }

    let mut checks = Vec::new();
    let mut check_ids: BTreeMap<String, usize> = BTreeMap::new();
    for spanned in raw.checks.get_ref() {
        let table = spanned.span();
        let at = |field: &str| field_offset(source, &table, field);
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
                texts.push(Templated {
                    what: format!("check `{id}`'s command"),
                    text: command,
                    at: at("command"),
                    command: true,
                });
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
                    texts.push(Templated {
                        what: format!("check `{id}`'s expect"),
                        text: e,
                        at: at("expect"),
                        command: false,
                    });
                    Expectation::Exact(e.clone())
                } else if let Some(items) = expect_set {
                    for item in items {
                        texts.push(Templated {
                            what: format!("check `{id}`'s expect_set"),
                            text: item,
                            at: at("expect_set"),
                            command: false,
                        });
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
                    texts.push(Templated {
                        what: format!("check `{id}`'s expect_match"),
                        text: re,
                        at: at("expect_match"),
                        command: false,
                    });
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
                texts.push(Templated {
                    what: format!("check `{id}`'s key"),
                    text: key,
                    at: at("key"),
                    command: false,
                });
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
            } => {
                if used.is_empty() && not_used.is_empty() {
                    report.at(
                        table.start,
                        format!("check `{id}` checks nothing: give `used`, `not_used` or both"),
                    );
                }
                for choice in used {
                    if choice.0.is_empty() {
                        report.at(
                            at("used"),
                            format!("check `{id}`: an empty list of alternatives in `used`"),
                        );
                    }
                }
                for command in used.iter().flat_map(|c| &c.0).chain(not_used) {
                    if !COMMAND_NAME.is_match(command) {
                        let field = if not_used.contains(command) {
                            "not_used"
                        } else {
                            "used"
                        };
                        report.at(
                            at(field),
                            format!("check `{id}`: `{command}` is not a command name (one or two words, such as \"SCAN\" or \"CONFIG GET\")"),
                        );
                    }
                }
                let upper = |s: &String| s.to_ascii_uppercase();
                (
                    id,
                    name,
                    hint,
                    CheckKind::Transcript {
                        used: used
                            .iter()
                            .map(|c| c.0.iter().map(upper).collect())
                            .collect(),
                        not_used: not_used.iter().map(upper).collect(),
                    },
                )
            }
        };
        if !KEBAB.is_match(id) {
            report.at(at("id"), format!("the check id `{id}` must be kebab-case"));
        }
        if let Some(first) = check_ids.insert(id.clone(), table.start) {
            let (line, _) = line_col(source, first);
            report.at(
                at("id"),
                format!("duplicate check id `{id}` (first used at line {line})"),
            );
        }
        texts.push(Templated {
            what: format!("check `{id}`'s name"),
            text: name,
            at: at("name"),
            command: false,
        });
        if let Some(hint) = hint {
            texts.push(Templated {
                what: format!("check `{id}`'s hint"),
                text: hint,
                at: at("hint"),
                command: false,
            });
        }
        checks.push(Check {
            id: id.clone(),
            name: name.clone(),
            hint: hint.clone(),
            kind,
        });
    }
    if checks.is_empty() {
        report.span(raw.checks.span(), "the exercise has no [[check]]");
    }

    for wrong in &raw.wrong {
        let fails = &wrong.get_ref().fails;
        if !check_ids.contains_key(fails.get_ref()) {
            report.span(
                fails.span(),
                format!(
                    "`fails = \"{}\"` names no check of this exercise (checks: {})",
                    fails.get_ref(),
                    check_ids.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            );
        }
        if wrong.get_ref().commands.is_empty() {
            report.span(wrong.span(), "a wrong answer without commands");
        }
    }

    let variants: Vec<Variant> = raw.variants.iter().map(|v| v.get_ref().clone()).collect();
    let instances: Vec<Variant> = if variants.is_empty() {
        vec![Variant::new()]
    } else {
        variants.clone()
    };
    let mut reported: BTreeSet<(usize, String)> = BTreeSet::new();
    for text in &texts {
        for name in placeholders(text.text) {
            let missing: Vec<String> = instances
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.contains_key(name))
                .map(|(i, _)| (i + 1).to_string())
                .collect();
            if !missing.is_empty() && reported.insert((text.at, name.to_string())) {
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
        if text.command
            && placeholders(text.text).all(|n| instances.iter().all(|v| v.contains_key(n)))
        {
            for (i, values) in instances.iter().enumerate() {
                let line = substitute(text.text, values);
                let variant = if variants.is_empty() {
                    String::new()
                } else {
                    format!(" (with variant {})", i + 1)
                };
                match split_args(line.as_bytes()) {
                    None => {
                        report.at(
                            text.at,
                            format!(
                                "{} does not tokenize{variant}: unbalanced quotes in `{line}`",
                                text.what
                            ),
                        );
                        break;
                    }
                    Some(args) if args.is_empty() => {
                        report.at(text.at, format!("{} is empty", text.what));
                        break;
                    }
                    Some(_) => {}
                }
            }
        }
    }

    for check in &checks {
        let table = raw
            .checks
            .get_ref()
            .iter()
            .find(|c| raw_check_id(c.get_ref()) == check.id)
            .map(|c| c.span())
            .unwrap_or(0..0);
        for (i, values) in instances.iter().enumerate() {
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
                        break;
                    }
                }
                CheckKind::Key { key, .. }
                    if !raw
                        .owns
                        .get_ref()
                        .iter()
                        .any(|p| glob_match(p.get_ref().as_bytes(), key.as_bytes())) =>
                {
                    report.at(
                        field_offset(source, &table, "key"),
                        format!(
                            "check `{}` inspects `{key}`{}, which no `owns` pattern covers",
                            check.id,
                            if variants.is_empty() {
                                String::new()
                            } else {
                                format!(" (variant {})", i + 1)
                            }
                        ),
                    );
                    break;
                }
                _ => {}
            }
        }
    }

    let strings = |list: &[Spanned<String>]| list.iter().map(|s| s.get_ref().clone()).collect();
    Exercise {
        id: raw.id.get_ref().clone(),
        chapter: *raw.chapter.get_ref(),
        lesson: *raw.lesson.get_ref(),
        title: raw.title.get_ref().clone(),
        owns: strings(raw.owns.get_ref()),
        goal: raw.goal.get_ref().clone(),
        setup: strings(&raw.setup),
        hints: strings(raw.hints.get_ref()),
        solution: strings(raw.solution.get_ref()),
        variants,
        wrong: raw
            .wrong
            .iter()
            .map(|w| WrongAnswer {
                why: w.get_ref().why.clone(),
                commands: strings(&w.get_ref().commands),
                fails: w.get_ref().fails.get_ref().clone(),
            })
            .collect(),
        checks,
        file: report.file.to_string(),
    }
}

fn push_list<'a>(
    texts: &mut Vec<Templated<'a>>,
    what: &str,
    list: &'a [Spanned<String>],
    command: bool,
) {
    for item in list {
        texts.push(Templated {
            what: what.to_string(),
            text: item.get_ref(),
            at: item.span().start,
            command,
        });
    }
}

fn raw_check_id(check: &RawCheck) -> &str {
    match check {
        RawCheck::Reply { id, .. } | RawCheck::Key { id, .. } | RawCheck::Transcript { id, .. } => {
            id
        }
    }
}
