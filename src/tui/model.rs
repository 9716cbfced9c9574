//! The view model the panes draw: the course outline, the learner's progress and the results
//! that background work (console, grader) reports back. Filled from the course, console and
//! grader modules by the runner; tests build it directly.

use std::collections::BTreeMap;

/// One chapter as the sidebar and the lesson pane show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterView {
    /// Chapter number as printed ("1" for `01-redis-fundamentals`).
    pub number: u32,
    /// Stable identifier, used to key the lesson scroll position in the progress file.
    pub slug: String,
    pub title: String,
    /// The lesson text, rendered at the pane width when shown.
    pub markdown: String,
}

/// One exercise as the sidebar and the exercise pane show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExerciseView {
    /// Stable identifier (`01-otp`), used for progress and grading.
    pub id: String,
    /// Index into [`CourseView::chapters`] of the chapter this exercise belongs to.
    pub chapter: usize,
    pub title: String,
    /// What the learner must achieve, as markdown.
    pub goal: String,
    /// Hints, revealed one at a time, as markdown.
    pub hints: Vec<String>,
}

/// The whole course outline: chapters in order and exercises in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CourseView {
    pub chapters: Vec<ChapterView>,
    pub exercises: Vec<ExerciseView>,
}

impl CourseView {
    /// Indices of the exercises of chapter `chapter`, in course order.
    pub fn exercises_of(&self, chapter: usize) -> impl Iterator<Item = usize> + '_ {
        self.exercises
            .iter()
            .enumerate()
            .filter(move |(_, exercise)| exercise.chapter == chapter)
            .map(|(index, _)| index)
    }

    /// Index of the exercise called `id`.
    pub fn exercise_index(&self, id: &str) -> Option<usize> {
        self.exercises.iter().position(|exercise| exercise.id == id)
    }

    /// Index of the chapter called `slug`.
    pub fn chapter_index(&self, slug: &str) -> Option<usize> {
        self.chapters.iter().position(|chapter| chapter.slug == slug)
    }
}

/// What the learner has done so far, as the TUI reads and changes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgressView {
    /// Exercise id -> solved.
    pub solved: BTreeMap<String, bool>,
    /// Exercise id -> number of hints revealed.
    pub hints_used: BTreeMap<String, usize>,
    /// Slug of the chapter open in the lesson pane.
    pub current_chapter: Option<String>,
    /// Id of the exercise open in the exercise pane.
    pub current_exercise: Option<String>,
    /// Chapter slug -> first lesson line shown.
    pub lesson_scroll: BTreeMap<String, usize>,
}

impl ProgressView {
    /// Whether exercise `id` has been solved.
    pub fn is_solved(&self, id: &str) -> bool {
        self.solved.get(id).copied().unwrap_or(false)
    }

    /// How many hints of exercise `id` have been revealed.
    pub fn hints_revealed(&self, id: &str) -> usize {
        self.hints_used.get(id).copied().unwrap_or(0)
    }
}

/// The outcome of one check of an exercise, as the exercise pane lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckView {
    pub name: String,
    pub passed: bool,
    /// What was expected and found when the check failed; may be empty.
    pub detail: String,
    /// A nudge shown under a failed check.
    pub hint: Option<String>,
}

/// The kind of a console scrollback line, which decides its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleLineKind {
    /// A command the learner typed, echoed after its prompt.
    Command,
    /// Reply text formatted like redis-cli.
    Reply,
    /// An error reply (`(error) ...`).
    Error,
    /// A message from the tutor itself (connection lost, exercise reset).
    Notice,
}

/// One line of console scrollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleLine {
    pub kind: ConsoleLineKind,
    pub text: String,
}

impl ConsoleLine {
    pub fn new(kind: ConsoleLineKind, text: impl Into<String>) -> ConsoleLine {
        ConsoleLine {
            kind,
            text: text.into(),
        }
    }
}
