//! The exercise schema (one TOML file per exercise, documented in exercises/README.md), its
//! validation with file:line:column messages, and `{{placeholder}}` substitution for variants.
//!
//! An exercise is one of three kinds of learner work: console commands graded by checks on
//! the state and on what was run (`console`), a recipe of handlers (`recipe`), or a Lua script
//! (`script`). Recipes and scripts are graded by scenarios.

use super::Problem;
use super::quiz::Quiz;
use super::recipe::{Signature, parse_recipe};
use super::scenario::{Callable, Scenario, Step, parse_setup, parse_steps};
use crate::grader::checks::CheckKind;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
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
    /// Multiple-choice questions answered in the tutor (see [`super::quiz`]). In an
    /// [`Exercise`] the texts hold their placeholders; in an [`Instance`] this is the attempt's
    /// form.
    Quiz(Quiz),
}

impl ExerciseKind {
    /// What scenarios may call.
    pub fn callable(&self) -> Callable {
        match self {
            ExerciseKind::Console | ExerciseKind::Quiz(_) => Callable::Nothing,
            ExerciseKind::Recipe { handlers } => Callable::Handlers(handlers.clone()),
            ExerciseKind::Script { name, keys, .. } => Callable::Script {
                name: name.clone(),
                keys: keys.len(),
            },
        }
    }

    /// The extension of the learner's workspace file (`recipe`, `lua`), none for console work
    /// and quizzes.
    pub fn workspace_extension(&self) -> Option<&'static str> {
        match self {
            ExerciseKind::Console | ExerciseKind::Quiz(_) => None,
            ExerciseKind::Recipe { .. } => Some("recipe"),
            ExerciseKind::Script { .. } => Some("lua"),
        }
    }

    /// `console`, `recipe`, `script` or `quiz`.
    pub fn name(&self) -> &'static str {
        match self {
            ExerciseKind::Console => "console",
            ExerciseKind::Recipe { .. } => "recipe",
            ExerciseKind::Script { .. } => "script",
            ExerciseKind::Quiz(_) => "quiz",
        }
    }

    /// The quiz, when the exercise is one.
    pub fn quiz(&self) -> Option<&Quiz> {
        match self {
            ExerciseKind::Quiz(quiz) => Some(quiz),
            _ => None,
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
        match &self.kind {
            ExerciseKind::Quiz(quiz) => quiz.forms(self.variants.len()),
            _ => self.variants.len().max(1),
        }
    }

    /// The exercise with variant `n`'s values substituted. `n` is taken modulo the number of
    /// variants, so a variant stored in progress stays usable if an author removes one.
    pub fn variant(&self, n: usize) -> Instance {
        let n = n % self.variant_count();
        let empty = Variant::new();
        // A quiz has more forms than variant tables (its choices shuffle): form n uses table
        // n modulo their number.
        let values = self
            .variants
            .get(n % self.variants.len().max(1))
            .unwrap_or(&empty);
        let fill = |s: &String| substitute(s, values);
        let fill_all = |v: &[String]| v.iter().map(fill).collect::<Vec<_>>();
        let loaded = "validated when the course loaded";
        Instance {
            exercise_id: self.id.clone(),
            variant: n,
            kind: match &self.kind {
                ExerciseKind::Quiz(quiz) => ExerciseKind::Quiz(quiz.form(&self.id, n, values)),
                kind => kind.clone(),
            },
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
        let fill = |s: &str| substitute(s, values);
        Check {
            id: self.id.clone(),
            name: fill(&self.name),
            hint: self.hint.as_deref().map(fill),
            kind: self.kind.substituted(&fill),
        }
    }

    /// The command the check runs on the server, for the read-only audit in tests.
    pub fn command(&self) -> Option<&str> {
        self.kind.command()
    }
}

static PLACEHOLDER: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}").expect("placeholder pattern")
});

/// Replaces every `{{name}}` with the variant's value (unknown names are left as written).
pub fn substitute(text: &str, values: &Variant) -> String {
    PLACEHOLDER
        .replace_all(text, |caps: &regex::Captures| match values.get(&caps[1]) {
            Some(v) => v.to_string(),
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

/// A `[[check]]` table: the fields every check has, and its kind's own (see
/// `grader::checks`).
#[derive(Deserialize)]
struct RawCheck {
    kind: String,
    id: String,
    name: String,
    hint: Option<String>,
    #[serde(flatten)]
    fields: toml::Table,
}

// ---- parsing and validation ---------------------------------------------------------------

/// Collects problems for one file, turning byte offsets into line:column.
pub(crate) struct Reporter<'a> {
    pub(crate) file: &'a str,
    pub(crate) source: &'a str,
    pub(crate) problems: Vec<Problem>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(file: &'a str, source: &'a str) -> Reporter<'a> {
        Reporter {
            file,
            source,
            problems: Vec::new(),
        }
    }

    pub(crate) fn at(&mut self, offset: usize, message: impl Into<String>) {
        let (line, column) = line_col(self.source, offset);
        self.problems.push(Problem {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        });
    }

    pub(crate) fn span(&mut self, span: Range<usize>, message: impl Into<String>) {
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

pub(crate) static KEBAB: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^[a-z0-9]+(-[a-z0-9]+)*$").expect("kebab pattern"));

/// Parses and validates one exercise file. Chapter and lesson numbers and id uniqueness
/// across files are checked by the course.
pub(crate) fn parse_exercise(
    file: &str,
    source: &str,
) -> Result<(Exercise, ExerciseSpans), Vec<Problem>> {
    if is_quiz(source) {
        return super::quiz::parse_quiz(file, source);
    }
    let mut report = Reporter::new(file, source);
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

/// Whether a file declares `kind = "quiz"` (quizzes have a format of their own).
fn is_quiz(source: &str) -> bool {
    #[derive(Deserialize)]
    struct KindOnly {
        kind: Option<String>,
    }
    toml::from_str::<KindOnly>(source).is_ok_and(|k| k.kind.as_deref() == Some("quiz"))
}

/// Where the cross-file facts of an exercise are written.
pub(crate) struct ExerciseSpans {
    pub id: Range<usize>,
    pub chapter: Range<usize>,
    pub lesson: Range<usize>,
}

/// A text of the exercise that may hold placeholders, with where it is written.
pub(crate) struct Templated {
    pub(crate) what: String,
    pub(crate) text: String,
    pub(crate) at: usize,
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
                ExerciseKind::Quiz(_) => "[[question]] tables",
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
                format!("unknown kind `{other}` (console, recipe, script or quiz)"),
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
        let raw_check = spanned.get_ref();
        let (id, name, hint) = (&raw_check.id, &raw_check.name, &raw_check.hint);
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
        let kind = match CheckKind::parse(&raw_check.kind, raw_check.fields.clone()) {
            Ok(kind) => kind,
            Err(problems) => {
                for problem in problems {
                    report.at(
                        problem.field.map_or(table.start, &at),
                        format!("check `{id}`: {}", problem.message),
                    );
                }
                continue;
            }
        };
        for (field, text) in kind.texts() {
            texts.push(Templated {
                what: format!("check `{id}`'s {field}"),
                text: text.to_string(),
                at: at(field),
            });
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
pub(crate) fn check_placeholders(texts: &[Templated], variants: &[Variant], report: &mut Reporter) {
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
            let filled = check.substituted(values);
            if let Err(problem) = filled.kind.validate(&exercise.owns) {
                report.at(
                    problem.field.map_or(spanned.span().start, |f| {
                        field_offset(source, &spanned.span(), f)
                    }),
                    format!("check `{}`: {}{variant}", check.id, problem.message),
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
