//! The exercise pane: the goal, the outcome of each check after a check run, the hints
//! revealed so far, the solution once asked for, and whether the exercise is solved. A quiz
//! shows its current question instead (see [`super::quiz`]).
//!
//! The text below the status line is cached per exercise, width and state, and rebuilt in
//! [`ExerciseState::sync`]; drawing reads the cache.

use super::app::Action;
use super::console::elapsed;
use super::keymap::{self, Context};
use super::quiz::{self, Cursor, QuizView};
use super::theme;
use crate::course::progress::Progress;
use crate::course::quiz::Answers;
use crate::course::{Course, Solution};
use crate::grader::Report;
use crate::markdown;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// Check runs, resets and scrolling of the exercise pane.
#[derive(Debug, Default)]
pub struct ExerciseState {
    runs: HashMap<usize, ExerciseRun>,
    /// Exercises announced to the background in this session.
    opened: HashSet<usize>,
    /// Bumped whenever a run changes, so the cached text is rebuilt.
    generation: u64,
    cache: Option<Cached>,
    /// First wrapped row shown.
    scroll: usize,
    /// Rows of text visible.
    height: usize,
    /// Where the learner is in each quiz.
    pub(super) quiz: QuizView,
    /// The quiz question shown at the last sync (exercise, question): another one starts at
    /// the top of the pane.
    quiz_question: Option<(usize, usize)>,
}

/// The text of the pane below its status line, for one state of one exercise.
#[derive(Debug)]
struct Cached {
    key: CacheKey,
    lines: Vec<Line<'static>>,
    /// Wrapped rows the lines take.
    rows: usize,
    /// The wrapped row to show after a check: the first failed check, or the result line.
    result_row: Option<usize>,
    /// A quiz's "Question N of M" line: the wrapped row it starts at (counted as below).
    heading_row: Option<usize>,
    /// A quiz's choices in the order shown: the wrapped rows each takes (`start..end`,
    /// counted from the pane's first row of text, title included).
    choice_rows: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct CacheKey {
    exercise: usize,
    variant: usize,
    width: u16,
    hints_used: u32,
    solved: bool,
    solution_shown: bool,
    generation: u64,
    /// A quiz's place and answers.
    quiz: Option<(Cursor, Answers)>,
}

/// What happened to one exercise in this session.
#[derive(Debug, Default)]
struct ExerciseRun {
    checking_since: Option<Instant>,
    /// The running check was started by the tutor (after a command or a save), not asked for.
    automatic: bool,
    /// Another automatic check is due when the running one ends.
    recheck: bool,
    resetting_since: Option<Instant>,
    /// The last check run: each check's outcome, or why checking failed.
    report: Option<Result<Report, String>>,
    /// The outcome of the last reset.
    notice: Option<String>,
    /// Why the exercise could not be set up, until a reset or check succeeds.
    setup_error: Option<String>,
}

impl ExerciseState {
    /// Whether the background was told about `exercise` in this session.
    pub(super) fn opened(&self, exercise: usize) -> bool {
        self.opened.contains(&exercise)
    }

    /// Notes that the background was told about `exercise`.
    pub(super) fn mark_opened(&mut self, exercise: usize) {
        self.opened.insert(exercise);
    }

    /// Whether a check or reset is running.
    pub(super) fn is_busy(&self) -> bool {
        self.runs
            .values()
            .any(|run| run.checking_since.is_some() || run.resetting_since.is_some())
    }

    /// Whether `exercise` is being checked.
    pub(super) fn is_checking(&self, exercise: usize) -> bool {
        self.runs
            .get(&exercise)
            .is_some_and(|run| run.checking_since.is_some())
    }

    /// Whether `exercise` is being reset.
    pub(super) fn is_resetting(&self, exercise: usize) -> bool {
        self.runs
            .get(&exercise)
            .is_some_and(|run| run.resetting_since.is_some())
    }

    /// A check of `exercise` was requested at `now`; `automatic` when the tutor started it.
    pub(super) fn check_started(&mut self, exercise: usize, now: Instant, automatic: bool) {
        let run = self.runs.entry(exercise).or_default();
        run.checking_since = Some(now);
        run.automatic = automatic;
        run.recheck = false;
    }

    /// Asks for another automatic check of `exercise` once the running one ends.
    pub(super) fn recheck_later(&mut self, exercise: usize) {
        self.runs.entry(exercise).or_default().recheck = true;
    }

    /// The check of `exercise` finished with `outcome`. A check the learner asked for, or one
    /// that passed, scrolls the pane to the first failed check or to the result. Returns
    /// (whether the check was automatic, whether another one is due).
    pub(super) fn check_finished(
        &mut self,
        exercise: usize,
        outcome: Result<Report, String>,
    ) -> (bool, bool) {
        let run = self.runs.entry(exercise).or_default();
        run.checking_since = None;
        let passed = matches!(&outcome, Ok(report) if report.passed());
        run.report = Some(outcome);
        run.notice = None;
        let automatic = run.automatic;
        let recheck = std::mem::take(&mut run.recheck);
        self.generation += 1;
        if !automatic || passed {
            self.scroll = usize::MAX;
        }
        (automatic, recheck)
    }

    /// `exercise` could not be set up: the pane says why, first thing.
    pub(super) fn setup_failed(&mut self, exercise: usize, error: String) {
        self.runs.entry(exercise).or_default().setup_error = Some(error);
        self.generation += 1;
        self.scroll = 0;
    }

    /// A reset of `exercise` was requested at `now`.
    pub(super) fn reset_started(&mut self, exercise: usize, now: Instant) {
        self.runs.entry(exercise).or_default().resetting_since = Some(now);
    }

    /// The reset of `exercise` finished (`succeeded` or not); `message` says how.
    pub(super) fn reset_finished(&mut self, exercise: usize, message: String, succeeded: bool) {
        let run = self.runs.entry(exercise).or_default();
        run.resetting_since = None;
        run.report = None;
        if succeeded {
            run.setup_error = None;
        }
        run.notice = Some(message);
        self.generation += 1;
    }

    /// The solution was just revealed: scroll to it.
    pub(super) fn show_solution(&mut self) {
        self.scroll = usize::MAX / 2;
    }

    /// Another exercise is shown: start at its top.
    pub(super) fn scroll_to_top(&mut self) {
        self.scroll = 0;
    }

    /// Scrolls to the end (a hint was revealed).
    pub(super) fn scroll_to_end(&mut self) {
        self.scroll = usize::MAX / 2;
    }

    /// Scrolls the pane by `lines` (negative is up).
    pub(super) fn scroll(&mut self, lines: isize) {
        let target = (self.scroll.min(self.max_scroll()) as isize).saturating_add(lines);
        self.scroll = target.clamp(0, self.max_scroll() as isize) as usize;
    }

    /// The quiz choice (its number as shown, 1-based) on row `row` of the pane's text area.
    pub(super) fn quiz_choice_at(&self, row: usize) -> Option<usize> {
        if row == 0 && self.question_pinned() {
            return None;
        }
        let row = row + self.scroll.min(self.max_scroll());
        self.cache
            .as_ref()?
            .choice_rows
            .iter()
            .position(|&(start, end)| (start..end).contains(&row))
            .map(|shown| shown + 1)
    }

    /// Rows of text visible (for paging).
    pub(super) fn page_rows(&self) -> usize {
        self.height.max(1)
    }

    /// Whether a quiz's question line is pinned over the pane's first row: the pane is
    /// scrolled past the question's own heading.
    fn question_pinned(&self) -> bool {
        let heading = self.cache.as_ref().and_then(|c| c.heading_row);
        heading.is_some_and(|heading| self.scroll.min(self.max_scroll()) > heading)
    }

    fn max_scroll(&self) -> usize {
        let rows = self.cache.as_ref().map_or(0, |c| c.rows);
        (rows + STATUS_ROWS).saturating_sub(self.height)
    }

    /// Rebuilds the cached text when the exercise, its state or the width changed, and clamps
    /// the scroll (a finished check scrolls to its first failure).
    pub(super) fn sync(
        &mut self,
        course: &Course,
        progress: &Progress,
        exercise: Option<usize>,
        area: Rect,
    ) {
        let width = area.width.saturating_sub(2).max(1);
        self.height = usize::from(area.height.saturating_sub(2));
        let Some(exercise) = exercise else {
            self.cache = None;
            return;
        };
        let definition = &course.exercises[exercise];
        let state = progress.exercise(&definition.id);
        // Only a quiz's form is needed here (a quiz has no setup or scenarios to parse).
        let form = definition.kind.quiz().and_then(|_| {
            definition
                .variant(state.variant.unwrap_or(0))
                .kind
                .quiz()
                .cloned()
        });
        let quiz_cursor = form
            .as_ref()
            .map(|form| self.quiz.cursor(exercise, form, &state));
        let question = quiz_cursor.as_ref().map(|c| (exercise, c.question));
        if question != self.quiz_question {
            self.quiz_question = question;
            if question.is_some() {
                self.scroll = 0;
            }
        }
        let key = CacheKey {
            exercise,
            variant: state.variant.unwrap_or(0),
            width,
            hints_used: state.hints_used,
            solved: state.solved,
            solution_shown: state.solution_shown,
            generation: self.generation,
            quiz: quiz_cursor
                .clone()
                .map(|cursor| (cursor, state.answers.clone())),
        };
        if self.cache.as_ref().is_none_or(|cache| cache.key != key) {
            let run = self.runs.get(&exercise);
            let (lines, result_line, heading_line, choice_lines) = match (&form, &quiz_cursor) {
                (Some(form), Some(cursor)) => {
                    let goal = definition.variant(state.variant.unwrap_or(0)).goal;
                    let quiz = quiz::body(form, &goal, &state, cursor, width);
                    (quiz.lines, None, quiz.heading, quiz.choices)
                }
                _ => {
                    let (lines, result_line) = body(course, progress, exercise, width, run);
                    (lines, result_line, None, Vec::new())
                }
            };
            let rows_before = |line: usize| {
                Paragraph::new(lines[..line].to_vec())
                    .wrap(Wrap { trim: false })
                    .line_count(width)
            };
            let rows = rows_before(lines.len());
            let result_row = result_line.map(rows_before);
            let heading_row = heading_line.map(|line| rows_before(line) + STATUS_ROWS);
            let choice_rows: Vec<(usize, usize)> = choice_lines
                .iter()
                .map(|&(first, end)| {
                    (
                        rows_before(first) + STATUS_ROWS,
                        rows_before(end) + STATUS_ROWS,
                    )
                })
                .collect();
            if let Some(&(top, bottom)) = quiz_cursor
                .as_ref()
                .and_then(|cursor| choice_rows.get(cursor.selected))
            {
                // Keep the selected choice (and its explanation) in view, below the question
                // line pinned over the first row once the pane scrolls past it.
                if bottom > self.scroll.saturating_add(self.height) {
                    self.scroll = bottom.saturating_sub(self.height);
                }
                let pinned = heading_row.is_some_and(|heading| self.scroll > heading);
                if top < self.scroll.saturating_add(usize::from(pinned)) {
                    self.scroll = top.saturating_sub(usize::from(pinned));
                }
            }
            self.cache = Some(Cached {
                key,
                lines,
                rows,
                result_row,
                heading_row,
                choice_rows,
            });
        }
        if self.scroll == usize::MAX {
            // Just checked: show the first failure, or the result and the way on.
            self.scroll = match self.cache.as_ref().and_then(|c| c.result_row) {
                Some(row) => (row + STATUS_ROWS).saturating_sub(1),
                None => usize::MAX / 2,
            };
        }
        self.scroll = self.scroll.min(self.max_scroll());
    }

    /// Draws the exercise pane for `exercise`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        focused: bool,
        course: &Course,
        progress: &Progress,
        exercise: Option<usize>,
        now: Instant,
    ) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme::border(focused))
            .title(Span::styled(" Exercise ", theme::title(focused)));
        let (Some(exercise), Some(cache)) = (exercise, &self.cache) else {
            frame.render_widget(
                Paragraph::new(Span::styled("The course has no exercises.", theme::dim()))
                    .block(block),
                area,
            );
            return;
        };
        let run = self.runs.get(&exercise);
        let mut lines = vec![Line::from(Span::styled(
            course.exercises[exercise].title.clone(),
            Style::default().add_modifier(Modifier::BOLD),
        ))];
        let state = progress.exercise(&course.exercises[exercise].id);
        let mut status = if state.solved {
            let mut spans = vec![Span::styled(
                "✓ Solved",
                theme::passed().add_modifier(Modifier::BOLD),
            )];
            if state.solution_shown {
                spans.push(Span::styled(" after seeing the solution", theme::dim()));
            }
            spans
        } else {
            vec![Span::styled("Not solved yet", theme::dim())]
        };
        if let Some((_, answers)) = &cache.key.quiz
            && let Some(quiz) = course.exercises[exercise].kind.quiz()
        {
            // Scores do not depend on the form's order or placeholders.
            status.extend(quiz::progress_spans(quiz, answers, state.best_score));
        }
        if let Some(since) = run.and_then(|r| r.checking_since) {
            status.push(Span::styled(
                format!("  checking… {}", elapsed(since, now)),
                theme::running(),
            ));
        }
        if let Some(since) = run.and_then(|r| r.resetting_since) {
            status.push(Span::styled(
                format!("  resetting… {}", elapsed(since, now)),
                theme::running(),
            ));
        }
        lines.push(Line::from(status));
        lines.extend(cache.lines.iter().cloned());
        let scroll = self
            .scroll
            .min(self.max_scroll())
            .min(usize::from(u16::MAX)) as u16;
        let inner = block.inner(area);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block)
                .scroll((scroll, 0)),
            area,
        );
        if self.question_pinned()
            && let Some((cursor, answers)) = &cache.key.quiz
            && let Some(quiz) = course.exercises[exercise].kind.quiz()
        {
            // The pane scrolled past its header: keep which question this is, and the score.
            let mut pinned = vec![quiz::question_label(quiz, cursor)];
            let progress = quiz::progress_spans(quiz, answers, state.best_score);
            let width = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
            if width(&pinned) + width(&progress) <= usize::from(inner.width) {
                pinned.extend(progress);
            }
            let row = Rect { height: 1, ..inner };
            frame.render_widget(Clear, row);
            frame.render_widget(Paragraph::new(Line::from(pinned)), row);
        }
    }
}

/// Rows above the cached text: the title and the status line.
const STATUS_ROWS: usize = 2;

/// The text below the status line, and the index of the line to show after a check: the
/// first failed check, or the line saying every check passed.
fn body(
    course: &Course,
    progress: &Progress,
    exercise: usize,
    width: u16,
    run: Option<&ExerciseRun>,
) -> (Vec<Line<'static>>, Option<usize>) {
    let definition = &course.exercises[exercise];
    let state = progress.exercise(&definition.id);
    let view = definition.variant(state.variant.unwrap_or(0));
    let mut lines = vec![Line::default()];
    if let Some(error) = run.and_then(|r| r.setup_error.as_ref()) {
        lines.push(Line::from(Span::styled(
            "Setup did not run, so every check would fail:",
            theme::failed().add_modifier(Modifier::BOLD),
        )));
        lines.push(Line::from(Span::styled(error.clone(), theme::failed())));
        lines.push(Line::from(Span::styled(
            "Fix that, then reset the exercise (r).",
            theme::continue_here(),
        )));
        lines.push(Line::default());
    }
    lines.extend(markdown::render(&view.goal, width).lines);
    let mut shown_after_check = None;

    if let Some(notice) = run.and_then(|r| r.notice.as_ref()) {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(notice.clone(), theme::running())));
    }
    match run.and_then(|r| r.report.as_ref()) {
        Some(Ok(report)) => {
            let checks = &report.checks;
            let passed = checks.iter().filter(|c| c.passed).count();
            lines.push(Line::default());
            if passed == checks.len() && !checks.is_empty() {
                shown_after_check = Some(lines.len());
                lines.push(Line::from(Span::styled(
                    format!("✓ All {} checks passed.", checks.len()),
                    theme::passed().add_modifier(Modifier::BOLD),
                )));
                if exercise + 1 < course.exercises.len() {
                    lines.push(Line::from(Span::styled(
                        format!(
                            "Next: {} ({}, or {} outside the console)",
                            course.exercises[exercise + 1].title,
                            keymap::keys_for(Context::Everywhere, Action::NextExercise),
                            keymap::keys_for(Context::Reading, Action::NextExercise)
                        ),
                        theme::continue_here(),
                    )));
                } else {
                    lines.push(Line::from(Span::styled(
                        "That was the last exercise of the course.",
                        theme::continue_here(),
                    )));
                }
            } else {
                lines.push(Line::from(vec![
                    Span::styled("Checks ", Style::default().add_modifier(Modifier::BOLD)),
                    Span::styled(format!("{passed}/{} passed", checks.len()), theme::failed()),
                ]));
            }
            for check in checks {
                let (mark, style) = if check.passed {
                    ("✓ ", theme::passed())
                } else {
                    ("✗ ", theme::failed())
                };
                if !check.passed && shown_after_check.is_none() {
                    shown_after_check = Some(lines.len());
                }
                lines.push(Line::from(vec![
                    Span::styled(mark, style),
                    Span::raw(check.name.clone()),
                ]));
                for detail in check.detail.lines().filter(|l| !l.trim().is_empty()) {
                    lines.push(Line::from(Span::styled(
                        format!("    {detail}"),
                        theme::dim(),
                    )));
                }
                for step in check.log.iter().filter(|_| !check.passed) {
                    let mark = if step.ok { "  ✓ " } else { "  ✗ " };
                    lines.push(Line::from(vec![
                        Span::styled(
                            mark,
                            if step.ok {
                                theme::passed()
                            } else {
                                theme::failed()
                            },
                        ),
                        Span::raw(step.step.clone()),
                    ]));
                    for (call, reply) in &step.commands {
                        lines.push(Line::from(Span::styled(
                            format!("      {call} → {reply}"),
                            theme::dim(),
                        )));
                    }
                    if let (Some(expected), Some(found)) = (&step.expected, &step.found)
                        && !step.ok
                    {
                        lines.push(Line::from(Span::styled(
                            format!("      expected {expected}, found {found}"),
                            theme::failed(),
                        )));
                    }
                }
                if let Some(hint) = check.hint.as_ref().filter(|_| !check.passed) {
                    lines.push(Line::from(Span::styled(
                        format!("    → {hint}"),
                        theme::continue_here(),
                    )));
                }
            }
            for note in &report.notes {
                lines.push(Line::from(Span::styled(
                    format!("Note: {note}"),
                    theme::dim(),
                )));
            }
        }
        Some(Err(error)) => {
            lines.push(Line::default());
            shown_after_check = Some(lines.len());
            lines.push(Line::from(Span::styled(
                format!("Could not check: {error}"),
                theme::failed(),
            )));
        }
        None => {}
    }

    let revealed = (state.hints_used as usize).min(view.hints.len());
    for (index, hint) in view.hints.iter().take(revealed).enumerate() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            format!("Hint {} of {}", index + 1, view.hints.len()),
            theme::heading(),
        )));
        lines.extend(markdown::render(hint, width).lines);
    }
    if state.solution_shown {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled("Solution", theme::heading())));
        let solution = match &view.solution {
            Solution::Commands(commands) => format!("```redis\n{}\n```", commands.join("\n")),
            Solution::Text(text) => format!(
                "```{}\n{text}\n```",
                definition.kind.workspace_extension().unwrap_or("text")
            ),
        };
        lines.extend(markdown::render(&solution, width).lines);
    }

    lines.push(Line::default());
    let hints_left = view.hints.len() - revealed;
    // The keys as the keymap binds them, so that this line cannot drift from it.
    let key = |context, action| keymap::keys_for(context, action);
    let hint_key = if hints_left > 0 {
        format!(
            "{} hint ({hints_left} left)",
            key(Context::Exercise, Action::AskHint)
        )
    } else {
        "no hints left".to_string()
    };
    lines.push(Line::from(Span::styled(
        format!(
            "{}/{} check · {hint_key} · {} reset · {} solution",
            key(Context::Exercise, Action::CheckExercise),
            key(Context::Everywhere, Action::CheckExercise),
            key(Context::Exercise, Action::AskReset),
            key(Context::Exercise, Action::AskSolution)
        ),
        theme::dim(),
    )));
    (lines, shown_after_check)
}
