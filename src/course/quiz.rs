//! Quizzes: an exercise of `kind = "quiz"` holds multiple-choice questions about a lesson,
//! answered in the tutor's exercise pane (or with `redis-tutor quiz QUIZ`). The
//! file format is documented in exercises/README.md; this module parses and validates it
//! (every problem as file:line:column), makes the attempt's form (placeholders filled in,
//! choices shuffled), and judges answers.
//!
//! Answers are kept by choice *position in the file*, whatever order the choices were shown
//! in, so that a shuffled form and the stored answers never disagree.

use super::Problem;
use super::exercise::{
    Exercise, ExerciseKind, ExerciseSpans, FORMAT_VERSION, KEBAB, Reporter, Solution, Templated,
    Variant, check_placeholders, substitute,
};
use super::progress::ExerciseProgress;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use toml::Spanned;

/// How many orders of the choices a quiz with shuffled questions has per `[[variant]]`.
pub const SHUFFLED_FORMS: usize = 4;

/// The most choices a question may have: one digit key each.
pub const MAX_CHOICES: usize = 9;

/// A quiz's answers: question id → the choices picked, by their position in the file.
pub type Answers = BTreeMap<String, Vec<usize>>;

/// A quiz's questions. In an `Exercise` the texts still hold `{{placeholders}}` and the
/// choices are in file order; in an `Instance` (one attempt's form) the placeholders are
/// filled in and `Question::order` says in which order the choices are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quiz {
    pub questions: Vec<Question>,
    /// How many questions an attempt must answer right for the quiz to count as solved.
    pub pass_mark: usize,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Stable id, unique in the quiz: the key of the learner's answer in progress.
    pub id: String,
    /// Markdown.
    pub prompt: String,
    pub pick: Pick,
    /// In file order.
    pub choices: Vec<Choice>,
    /// Whether the choices are shown in another order in each form.
    pub shuffle: bool,
    /// The order the choices are shown in: positions into `choices`.
    pub order: Vec<usize>,
}

/// How many choices an answer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pick {
    /// Exactly one choice is right; picking one answers.
    One,
    /// Pick all that apply: the answer is right when it holds every right choice and no other.
    All,
}

/// One choice of a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Markdown, one paragraph.
    pub text: String,
    pub correct: bool,
    /// Why the choice is right or wrong: shown for every choice once the question is
    /// answered.
    pub why: String,
}

/// What a learner's answer to one question is worth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub correct: bool,
    /// Choices picked that are wrong (file positions).
    pub wrong_picks: Vec<usize>,
    /// Right choices not picked (file positions).
    pub missed: Vec<usize>,
}

impl Quiz {
    /// How many forms (attempts that differ) the quiz has with `tables` `[[variant]]` tables.
    pub fn forms(&self, tables: usize) -> usize {
        let shuffles = self
            .questions
            .iter()
            .any(|q| q.shuffle && q.choices.len() > 1);
        tables.max(1) * if shuffles { SHUFFLED_FORMS } else { 1 }
    }

    /// Form `n` of the quiz: `values` filled into every text, the choices of shuffled
    /// questions in an order drawn from the exercise id, the question and `n`.
    pub fn form(&self, exercise_id: &str, n: usize, values: &Variant) -> Quiz {
        let fill = |s: &String| substitute(s, values);
        Quiz {
            pass_mark: self.pass_mark,
            questions: self
                .questions
                .iter()
                .map(|q| {
                    let mut order: Vec<usize> = (0..q.choices.len()).collect();
                    if q.shuffle {
                        let mut rng = SplitMix::new(&[exercise_id, &q.id, &n.to_string()]);
                        for i in (1..order.len()).rev() {
                            order.swap(i, rng.below(i + 1));
                        }
                    }
                    Question {
                        id: q.id.clone(),
                        prompt: fill(&q.prompt),
                        pick: q.pick,
                        choices: q
                            .choices
                            .iter()
                            .map(|c| Choice {
                                text: fill(&c.text),
                                correct: c.correct,
                                why: fill(&c.why),
                            })
                            .collect(),
                        shuffle: q.shuffle,
                        order,
                    }
                })
                .collect(),
        }
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// How many questions `answers` answers, and how many of them rightly.
    pub fn score(&self, answers: &Answers) -> (usize, usize) {
        let mut answered = 0;
        let mut right = 0;
        for question in &self.questions {
            if let Some(picked) = question.answer_in(answers) {
                answered += 1;
                if question.judge(picked).correct {
                    right += 1;
                }
            }
        }
        (answered, right)
    }

    /// The reference answers: every question answered with its right choices.
    pub fn reference_answers(&self) -> Answers {
        self.questions
            .iter()
            .map(|q| (q.id.clone(), q.correct()))
            .collect()
    }

    /// Whether every question is answered.
    pub fn finished(&self, answers: &Answers) -> bool {
        self.score(answers).0 == self.questions.len()
    }

    /// The learner's standing on the quiz in a few words, for lists and the progress view:
    /// `best 5/6, pass mark 5, 2 attempts` or `not taken yet, pass mark 5/6`.
    pub fn standing(&self, state: &ExerciseProgress) -> String {
        let total = self.questions.len();
        match state.best_score {
            None => format!("not taken yet, pass mark {}/{total}", self.pass_mark),
            Some(best) => {
                let attempts = match state.attempts {
                    0 => "first attempt under way".to_string(),
                    1 => "1 attempt".to_string(),
                    n => format!("{n} attempts"),
                };
                format!(
                    "best {best}/{total}, pass mark {}, {attempts}",
                    self.pass_mark
                )
            }
        }
    }

    /// Whether `right` answers reach the pass mark.
    pub fn passes(&self, right: usize) -> bool {
        right >= self.pass_mark
    }
}

impl Question {
    /// The learner's answer to this question, if any (answers naming choices the question
    /// does not have, left by an older version of the quiz, count as unanswered).
    pub fn answer_in<'a>(&self, answers: &'a Answers) -> Option<&'a [usize]> {
        answers
            .get(&self.id)
            .map(Vec::as_slice)
            .filter(|picked| !picked.is_empty() && picked.iter().all(|&c| c < self.choices.len()))
    }

    /// The right choices, by file position.
    pub fn correct(&self) -> Vec<usize> {
        (0..self.choices.len())
            .filter(|&c| self.choices[c].correct)
            .collect()
    }

    /// Judges an answer (file positions).
    pub fn judge(&self, picked: &[usize]) -> Judgement {
        let picked: BTreeSet<usize> = picked.iter().copied().collect();
        let wrong_picks: Vec<usize> = picked
            .iter()
            .copied()
            .filter(|&c| self.choices.get(c).is_none_or(|choice| !choice.correct))
            .collect();
        let missed: Vec<usize> = self
            .correct()
            .into_iter()
            .filter(|c| !picked.contains(c))
            .collect();
        Judgement {
            correct: wrong_picks.is_empty() && missed.is_empty() && !picked.is_empty(),
            wrong_picks,
            missed,
        }
    }

    /// The file position of the choice shown as number `shown` (1-based), if there is one.
    pub fn choice_shown_as(&self, shown: usize) -> Option<usize> {
        shown
            .checked_sub(1)
            .and_then(|i| self.order.get(i).copied())
    }

    /// The number a choice (file position) is shown as, 1-based.
    pub fn shown_number(&self, choice: usize) -> usize {
        self.order
            .iter()
            .position(|&c| c == choice)
            .map_or(0, |i| i + 1)
    }

    /// `(pick one)` or `(pick all that apply)`.
    pub fn pick_label(&self) -> &'static str {
        match self.pick {
            Pick::One => "pick one",
            Pick::All => "pick all that apply",
        }
    }
}

/// Records the answer to `question` (choices by file position) in a learner's state on the
/// quiz whose form is `quiz`: the best score follows; the last answer of an attempt counts the
/// attempt, and solves the quiz when the attempt reaches the pass mark. Returns whether the answer is right, or `None` when it is
/// refused: the question is unknown, already answered in this attempt, or the answer is empty
/// or names a choice the question lacks.
pub fn record_answer(
    state: &mut ExerciseProgress,
    quiz: &Quiz,
    question: &str,
    picks: &[usize],
) -> Option<bool> {
    let q = quiz.question(question)?;
    if q.answer_in(&state.answers).is_some()
        || picks.is_empty()
        || picks.iter().any(|&c| c >= q.choices.len())
    {
        return None;
    }
    let mut picks = picks.to_vec();
    picks.sort_unstable();
    picks.dedup();
    let correct = q.judge(&picks).correct;
    state.answers.insert(question.to_string(), picks);
    let (answered, right) = quiz.score(&state.answers);
    let right = u32::try_from(right).unwrap_or(u32::MAX);
    state.best_score = Some(state.best_score.map_or(right, |best| best.max(right)));
    if answered == quiz.questions.len() {
        state.attempts += 1;
        if quiz.passes(right as usize) {
            state.solved = true;
        }
    }
    Some(correct)
}

/// A small deterministic generator (splitmix64) seeded from text, for shuffling choices: the
/// same form always shows the same order, on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn new(parts: &[&str]) -> SplitMix {
        // FNV-1a over the parts, separated so that ("ab", "c") and ("a", "bc") differ.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for part in parts {
            for byte in part.bytes().chain(std::iter::once(0xff)) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        SplitMix(hash)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

// ---- the file format ----------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuiz {
    format_version: Spanned<u32>,
    id: Spanned<String>,
    chapter: Spanned<u32>,
    lesson: Spanned<u32>,
    title: Spanned<String>,
    kind: Spanned<String>,
    #[serde(default)]
    goal: Option<Spanned<String>>,
    #[serde(default)]
    shuffle: Option<bool>,
    pass_mark: Spanned<usize>,
    #[serde(default, rename = "question")]
    questions: Vec<Spanned<RawQuestion>>,
    #[serde(default, rename = "variant")]
    variants: Vec<Spanned<Variant>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    prompt: Spanned<String>,
    #[serde(default)]
    pick: Option<Spanned<Pick>>,
    #[serde(default)]
    shuffle: Option<bool>,
    #[serde(default, rename = "choice")]
    choices: Vec<Spanned<RawChoice>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    text: Spanned<String>,
    #[serde(default)]
    correct: bool,
    #[serde(default)]
    why: Option<Spanned<String>>,
}

/// Fields of the other exercise kinds, which a quiz does not have: what to say instead of
/// serde's "unknown field".
const NOT_IN_A_QUIZ: &[(&str, &str)] = &[
    (
        "hints",
        "a quiz has no hints: each choice's `why` explains it once the question is answered",
    ),
    (
        "solution",
        "a quiz has no solution: the choices marked `correct = true` are its answers",
    ),
    ("owns", "a quiz creates no keys, so it owns none"),
    ("setup", "a quiz creates no keys, so it has no setup"),
    (
        "wrong",
        "a quiz needs no [[wrong]] answers: the tests try every wrong choice",
    ),
    (
        "alternative",
        "a quiz has no [[alternative]] answers: mark every right choice `correct = true`",
    ),
    (
        "check",
        "a quiz is graded by its questions, not by [[check]]",
    ),
    (
        "scenario",
        "a quiz is graded by its questions, not by [[scenario]]",
    ),
    ("handlers", "`handlers` belong to a recipe exercise"),
    ("script", "`[script]` belongs to a script exercise"),
];

/// Parses and validates a quiz file (`kind = "quiz"`). Chapter and lesson numbers and id
/// uniqueness across files are checked by the course.
pub(crate) fn parse_quiz(
    file: &str,
    source: &str,
) -> Result<(Exercise, ExerciseSpans), Vec<Problem>> {
    let mut report = Reporter::new(file, source);
    let raw: RawQuiz = match toml::from_str(source) {
        Ok(raw) => raw,
        Err(err) => {
            let at = err.span().map_or(0, |s| s.start);
            let message = err.message().to_string();
            let explained = NOT_IN_A_QUIZ
                .iter()
                .find(|(field, _)| message.starts_with(&format!("unknown field `{field}`")));
            report.at(
                at,
                explained.map_or(message, |(_, instead)| instead.to_string()),
            );
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

fn validate(raw: RawQuiz, report: &mut Reporter) -> Exercise {
    if *raw.format_version.get_ref() != FORMAT_VERSION {
        report.span(
            raw.format_version.span(),
            format!(
                "format_version {} is not one this redis-tutor reads (it reads {FORMAT_VERSION}; see exercises/README.md)",
                raw.format_version.get_ref()
            ),
        );
    }
    if raw.kind.get_ref() != "quiz" {
        report.span(raw.kind.span(), "a quiz file has `kind = \"quiz\"`");
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
    if raw.questions.is_empty() {
        report.at(0, "a quiz has at least one [[question]]");
    }
    let mut texts: Vec<Templated> = Vec::new();
    if let Some(goal) = &raw.goal {
        texts.push(Templated {
            what: "the goal".into(),
            text: goal.get_ref().clone(),
            at: goal.span().start,
        });
    }
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut questions = Vec::new();
    for spanned in &raw.questions {
        let q = spanned.get_ref();
        let id = q.id.get_ref();
        if !KEBAB.is_match(id) {
            report.span(
                q.id.span(),
                format!("the question id `{id}` must be kebab-case"),
            );
        }
        if let Some(first) = ids.insert(id.clone(), q.id.span().start) {
            let (line, _) = super::exercise::line_col(report.source, first);
            report.span(
                q.id.span(),
                format!("duplicate question id `{id}` (first used at line {line})"),
            );
        }
        if q.prompt.get_ref().trim().is_empty() {
            report.span(
                q.prompt.span(),
                format!("question `{id}` has an empty prompt"),
            );
        }
        texts.push(Templated {
            what: format!("question `{id}`'s prompt"),
            text: q.prompt.get_ref().clone(),
            at: q.prompt.span().start,
        });
        let pick = q.pick.as_ref().map_or(Pick::One, |p| *p.get_ref());
        let count = q.choices.len();
        if !(2..=MAX_CHOICES).contains(&count) {
            report.span(
                spanned.span(),
                format!(
                    "question `{id}` has {count} [[question.choice]] table(s): give 2 to {MAX_CHOICES} (one digit key each)"
                ),
            );
        }
        let correct = q.choices.iter().filter(|c| c.get_ref().correct).count();
        let at_pick = q.pick.as_ref().map_or(q.id.span(), |p| p.span());
        match pick {
            Pick::One if correct != 1 && count > 0 => report.span(
                at_pick,
                format!(
                    "question `{id}` asks to pick one, so exactly one choice has `correct = true` (found {correct}); with several right choices, write `pick = \"all\"`"
                ),
            ),
            Pick::All if correct == 0 && count > 0 => report.span(
                at_pick,
                format!(
                    "question `{id}` asks to pick all that apply, but no choice has `correct = true`"
                ),
            ),
            _ => {}
        }
        let mut choices = Vec::new();
        for (n, choice) in q.choices.iter().enumerate() {
            let c = choice.get_ref();
            if c.text.get_ref().trim().is_empty() {
                report.span(
                    c.text.span(),
                    format!("question `{id}`, choice {}: the text is empty", n + 1),
                );
            }
            let why = match &c.why {
                Some(why) if !why.get_ref().trim().is_empty() => {
                    texts.push(Templated {
                        what: format!("question `{id}`, choice {}'s why", n + 1),
                        text: why.get_ref().clone(),
                        at: why.span().start,
                    });
                    why.get_ref().clone()
                }
                Some(why) => {
                    report.span(
                        why.span(),
                        format!("question `{id}`, choice {}: the `why` is empty", n + 1),
                    );
                    String::new()
                }
                None => {
                    report.span(
                        choice.span(),
                        format!(
                            "question `{id}`, choice {}: give a `why`, the explanation the learner reads once the question is answered ({})",
                            n + 1,
                            if c.correct {
                                "why it is right"
                            } else {
                                "why it is wrong"
                            }
                        ),
                    );
                    String::new()
                }
            };
            texts.push(Templated {
                what: format!("question `{id}`, choice {}'s text", n + 1),
                text: c.text.get_ref().clone(),
                at: c.text.span().start,
            });
            choices.push(Choice {
                text: c.text.get_ref().clone(),
                correct: c.correct,
                why,
            });
        }
        let shuffle = q.shuffle.or(raw.shuffle).unwrap_or(true);
        questions.push(Question {
            id: id.clone(),
            prompt: q.prompt.get_ref().clone(),
            pick,
            order: (0..choices.len()).collect(),
            choices,
            shuffle,
        });
    }
    let variants: Vec<Variant> = raw.variants.iter().map(|v| v.get_ref().clone()).collect();
    check_placeholders(&texts, &variants, report);
    let pass_mark = *raw.pass_mark.get_ref();
    if !raw.questions.is_empty() && !(1..=questions.len()).contains(&pass_mark) {
        report.span(
            raw.pass_mark.span(),
            format!(
                "pass_mark is {pass_mark}: it counts the questions an attempt must answer right, from 1 to {} here",
                questions.len()
            ),
        );
    }
    let quiz = Quiz {
        questions,
        pass_mark,
    };
    if !raw.questions.is_empty() && quiz.forms(variants.len()) < 2 {
        report.at(
            0,
            "every question keeps its order and there are fewer than 2 [[variant]] tables: let some choices shuffle (remove `shuffle = false`) or add variants, so that an answer remembered as positions fails the next attempt",
        );
    }
    if report.problems.is_empty() {
        // Two choices that read the same once a variant's values are in cannot be told apart.
        for (index, values) in variants
            .iter()
            .enumerate()
            .chain(std::iter::once((0, &Variant::new())).filter(|_| variants.is_empty()))
        {
            for (question, spanned) in quiz.questions.iter().zip(&raw.questions) {
                let mut seen = BTreeSet::new();
                for (choice, raw_choice) in question.choices.iter().zip(&spanned.get_ref().choices)
                {
                    let text = substitute(&choice.text, values);
                    if !seen.insert(text.trim().to_string()) {
                        let which = if variants.is_empty() {
                            String::new()
                        } else {
                            format!(" (variant {})", index + 1)
                        };
                        report.span(
                            raw_choice.get_ref().text.span(),
                            format!(
                                "question `{}` shows the choice \"{}\" twice{which}",
                                question.id,
                                text.trim()
                            ),
                        );
                    }
                }
            }
        }
    }
    Exercise {
        id: raw.id.get_ref().clone(),
        chapter: *raw.chapter.get_ref(),
        lesson: *raw.lesson.get_ref(),
        title: raw.title.get_ref().clone(),
        kind: ExerciseKind::Quiz(quiz),
        owns: Vec::new(),
        goal: raw
            .goal
            .as_ref()
            .map(|g| g.get_ref().clone())
            .unwrap_or_default(),
        setup: String::new(),
        hints: Vec::new(),
        solution: Solution::Commands(Vec::new()),
        variants,
        wrong: Vec::new(),
        alternatives: Vec::new(),
        checks: Vec::new(),
        scenarios: Vec::new(),
        file: report.file.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid quiz; tests break one thing at a time.
    const VALID: &str = r#"format_version = 2
id = "quiz-keys"
chapter = 1
lesson = 1
title = "Quiz: keys"
kind = "quiz"
pass_mark = 2
goal = "Two questions on keys."

[[question]]
id = "case"
prompt = "Are `a` and `A` the same key?"

[[question.choice]]
text = "No"
correct = true
why = "Keys are compared byte by byte."

[[question.choice]]
text = "Yes"
why = "Case matters."

[[question]]
id = "types"
prompt = "Which are Redis types? Try {{n}}."
pick = "all"

[[question.choice]]
text = "list"
correct = true
why = "A list of strings."

[[question.choice]]
text = "hash"
correct = true
why = "Fields and values."

[[question.choice]]
text = "table"
why = "Redis has no tables."

[[variant]]
n = "1"

[[variant]]
n = "2"
"#;

    fn parse(text: &str) -> Result<Exercise, Vec<Problem>> {
        parse_quiz("exercises/quiz.toml", text).map(|(e, _)| e)
    }

    fn problems(text: &str) -> Vec<String> {
        parse(text)
            .expect_err("the file should be refused")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn quiz_of(exercise: &Exercise) -> &Quiz {
        match &exercise.kind {
            ExerciseKind::Quiz(quiz) => quiz,
            other => panic!("not a quiz: {other:?}"),
        }
    }

    #[test]
    fn a_valid_quiz_parses_with_its_questions_in_order() {
        let exercise = parse(VALID).unwrap();
        let quiz = quiz_of(&exercise);
        assert_eq!(exercise.kind.name(), "quiz");
        assert_eq!(exercise.goal, "Two questions on keys.");
        assert_eq!(quiz.questions.len(), 2);
        assert_eq!(quiz.questions[1].pick, Pick::All);
        assert_eq!(quiz.questions[1].correct(), vec![0, 1]);
        assert!(exercise.owns.is_empty() && exercise.hints.is_empty());
        assert_eq!(exercise.variant_count(), 2 * SHUFFLED_FORMS);
    }

    #[test]
    fn forms_fill_placeholders_and_shuffle_the_same_way_every_time() {
        let exercise = parse(VALID).unwrap();
        let first = exercise.variant(1);
        let again = exercise.variant(1);
        assert_eq!(first, again);
        let ExerciseKind::Quiz(form) = &first.kind else {
            panic!("a quiz's instance holds its form");
        };
        assert_eq!(form.questions[1].prompt, "Which are Redis types? Try 2.");
        let ExerciseKind::Quiz(other) = &exercise.variant(0).kind else {
            unreachable!()
        };
        assert_eq!(other.questions[1].prompt, "Which are Redis types? Try 1.");
        let orders: BTreeSet<Vec<usize>> = (0..exercise.variant_count())
            .map(|n| match &exercise.variant(n).kind {
                ExerciseKind::Quiz(q) => q.questions[1].order.clone(),
                _ => unreachable!(),
            })
            .collect();
        assert!(orders.len() > 1, "the choices are shown in several orders");
        for order in orders {
            let mut sorted = order.clone();
            sorted.sort();
            assert_eq!(sorted, vec![0, 1, 2], "{order:?} is a permutation");
        }
    }

    #[test]
    fn answers_are_judged_by_file_position() {
        let exercise = parse(VALID).unwrap();
        let quiz = quiz_of(&exercise);
        let types = &quiz.questions[1];
        assert!(types.judge(&[1, 0]).correct);
        let half = types.judge(&[0]);
        assert!(!half.correct);
        assert_eq!(half.missed, vec![1]);
        let extra = types.judge(&[0, 1, 2]);
        assert_eq!((extra.correct, extra.wrong_picks), (false, vec![2]));
        assert!(!types.judge(&[]).correct);
        let mut answers = Answers::new();
        answers.insert("case".into(), vec![0]);
        assert_eq!(quiz.score(&answers), (1, 1));
        answers.insert("types".into(), vec![2]);
        assert_eq!(quiz.score(&answers), (2, 1));
        assert!(quiz.finished(&answers));
        answers.insert("types".into(), vec![7]);
        assert_eq!(quiz.score(&answers), (1, 1), "a choice the quiz lacks");
    }

    #[test]
    fn answers_are_recorded_once_and_keep_the_best_score() {
        let exercise = parse(VALID).unwrap();
        let quiz = quiz_of(&exercise);
        let mut state = ExerciseProgress::default();
        assert_eq!(record_answer(&mut state, quiz, "case", &[1]), Some(false));
        assert_eq!(
            record_answer(&mut state, quiz, "case", &[0]),
            None,
            "answered"
        );
        assert_eq!(record_answer(&mut state, quiz, "types", &[]), None, "empty");
        assert_eq!(
            record_answer(&mut state, quiz, "types", &[3]),
            None,
            "no such choice"
        );
        assert_eq!(record_answer(&mut state, quiz, "nope", &[0]), None);
        assert_eq!(
            record_answer(&mut state, quiz, "types", &[1, 0, 1]),
            Some(true)
        );
        assert_eq!(state.answers["types"], vec![0, 1]);
        assert_eq!(state.best_score, Some(1));
        assert!(!state.solved, "one answer was wrong");
        state.answers.clear();
        record_answer(&mut state, quiz, "case", &[0]);
        assert!(!state.solved, "not finished");
        record_answer(&mut state, quiz, "types", &[0, 1]);
        assert_eq!(state.best_score, Some(2));
        assert!(state.solved);
        assert_eq!(state.attempts, 2, "two attempts finished");
    }

    /// A quiz is solved by an attempt that reaches its pass mark, not only by a perfect one.
    #[test]
    fn an_attempt_at_the_pass_mark_solves_the_quiz() {
        let exercise = parse(&VALID.replace("pass_mark = 2", "pass_mark = 1")).unwrap();
        let quiz = quiz_of(&exercise);
        let mut state = ExerciseProgress::default();
        record_answer(&mut state, quiz, "case", &[0]);
        assert!(
            !state.solved,
            "an attempt counts once every question is answered"
        );
        record_answer(&mut state, quiz, "types", &[2]);
        assert!(state.solved, "1 of 2 right reaches a pass mark of 1");
        assert_eq!((state.best_score, state.attempts), (Some(1), 1));
    }

    #[test]
    fn the_pass_mark_is_between_one_and_the_number_of_questions() {
        for mark in ["0", "3"] {
            let found = problems(&VALID.replace("pass_mark = 2", &format!("pass_mark = {mark}")));
            assert_eq!(found.len(), 1, "{found:?}");
            assert!(
                found[0].starts_with("exercises/quiz.toml:7:13: pass_mark is")
                    && found[0].contains("from 1 to 2 here"),
                "{found:?}"
            );
        }
        let found = problems(&VALID.replace("pass_mark = 2\n", ""));
        assert!(found[0].contains("pass_mark"), "{found:?}");
    }

    #[test]
    fn shown_numbers_map_to_file_positions_and_back() {
        let exercise = parse(VALID).unwrap();
        let ExerciseKind::Quiz(form) = &exercise.variant(3).kind else {
            unreachable!()
        };
        let question = &form.questions[1];
        for shown in 1..=3 {
            let choice = question.choice_shown_as(shown).unwrap();
            assert_eq!(question.shown_number(choice), shown);
        }
        assert_eq!(question.choice_shown_as(0), None);
        assert_eq!(question.choice_shown_as(4), None);
    }

    #[test]
    fn single_choice_questions_have_exactly_one_right_choice() {
        let text = VALID.replacen("text = \"Yes\"", "text = \"Yes\"\ncorrect = true", 1);
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("exercises/quiz.toml:11:")
                && found[0].contains("exactly one choice has `correct = true` (found 2)"),
            "{found:?}"
        );
        let none = VALID.replacen("correct = true\nwhy = \"Keys", "why = \"Keys", 1);
        assert!(problems(&none)[0].contains("(found 0)"));
    }

    #[test]
    fn pick_all_questions_have_a_right_choice() {
        let text = VALID.replace("correct = true\nwhy = \"A list", "why = \"A list");
        let text = text.replace("correct = true\nwhy = \"Fields", "why = \"Fields");
        let found = problems(&text);
        assert!(
            found[0].contains("pick all that apply, but no choice has `correct = true`")
                && found[0].starts_with("exercises/quiz.toml:26:"),
            "{found:?}"
        );
    }

    #[test]
    fn every_choice_explains_itself() {
        let text = VALID.replace("why = \"Case matters.\"\n", "");
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("exercises/quiz.toml:19:1:")
                && found[0].contains("choice 2: give a `why`")
                && found[0].contains("why it is wrong"),
            "{found:?}"
        );
        let empty = VALID.replace("why = \"Case matters.\"", "why = \" \"");
        assert!(problems(&empty)[0].contains("choice 2: the `why` is empty"));
    }

    #[test]
    fn choices_are_two_to_nine_and_distinct() {
        let one = VALID.replace(
            "[[question.choice]]\ntext = \"Yes\"\nwhy = \"Case matters.\"\n",
            "",
        );
        assert!(problems(&one)[0].contains("has 1 [[question.choice]] table(s): give 2 to 9"));
        let twice = VALID.replace("text = \"table\"", "text = \"list\"");
        let found = problems(&twice);
        assert!(
            found[0].contains("question `types` shows the choice \"list\" twice (variant 1)"),
            "{found:?}"
        );
    }

    #[test]
    fn question_ids_are_kebab_case_and_unique() {
        let text = VALID.replace("id = \"types\"", "id = \"case\"");
        let found = problems(&text);
        assert!(
            found[0].starts_with("exercises/quiz.toml:24:6:")
                && found[0].contains("duplicate question id `case` (first used at line 11)"),
            "{found:?}"
        );
        let text = VALID.replace("id = \"types\"", "id = \"Types\"");
        assert!(problems(&text)[0].contains("`Types` must be kebab-case"));
    }

    #[test]
    fn placeholders_must_be_defined_by_every_variant() {
        let text = VALID.replace("n = \"2\"", "m = \"2\"");
        let found = problems(&text);
        assert!(
            found[0].contains("question `types`'s prompt uses the placeholder {{n}}")
                && found[0].contains("missing from variant 2"),
            "{found:?}"
        );
    }

    #[test]
    fn a_quiz_has_two_forms_at_least() {
        let text = VALID
            .replace("kind = \"quiz\"", "kind = \"quiz\"\nshuffle = false")
            .replace("Try {{n}}.", "")
            .replace("[[variant]]\nn = \"2\"\n", "");
        let found = problems(&text);
        assert!(
            found[0].contains("fewer than 2 [[variant]] tables"),
            "{found:?}"
        );
        // One shuffled question is enough.
        let text = text.replace("pick = \"all\"", "pick = \"all\"\nshuffle = true");
        assert_eq!(parse(&text).unwrap().variant_count(), SHUFFLED_FORMS);
    }

    #[test]
    fn fields_of_other_kinds_are_explained() {
        let text = VALID.replace(
            "goal = \"Two questions on keys.\"",
            "hints = [\"a\", \"b\", \"c\"]",
        );
        let found = problems(&text);
        assert_eq!(
            found,
            [
                "exercises/quiz.toml:8:1: a quiz has no hints: each choice's `why` explains it once the question is answered"
            ]
        );
        let text = VALID.replace(
            "why = \"Case matters.\"",
            "why = \"Case matters.\"\nhint = \"x\"",
        );
        assert!(problems(&text)[0].contains("unknown field `hint`"));
        let text = VALID.replace("format_version = 2", "format_version = 1");
        assert!(problems(&text)[0].starts_with("exercises/quiz.toml:1:18: format_version 1"));
    }
}
