//! The exercise pane: the goal, the outcome of each check after a check run, the hints
//! revealed so far and whether the exercise is solved.

use super::app::{App, Focus};
use super::console::elapsed;
use super::theme;
use crate::grader::Report;
use crate::markdown;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// Check runs, resets and scrolling of the exercise pane.
#[derive(Debug, Default)]
pub struct ExerciseState {
    runs: HashMap<usize, ExerciseRun>,
    /// Exercises announced to the background in this session.
    opened: HashSet<usize>,
    /// First wrapped line shown.
    pub(super) scroll: usize,
    /// The largest useful `scroll` at the last draw.
    max_scroll: usize,
}

/// What happened to one exercise in this session.
#[derive(Debug, Default)]
struct ExerciseRun {
    checking_since: Option<Instant>,
    resetting_since: Option<Instant>,
    /// The last check run: each check's outcome, or why checking failed.
    report: Option<Result<Report, String>>,
    /// The outcome of the last reset.
    notice: Option<String>,
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

    /// A check of `exercise` was requested at `now`.
    pub(super) fn check_started(&mut self, exercise: usize, now: Instant) {
        self.runs.entry(exercise).or_default().checking_since = Some(now);
    }

    /// The check of `exercise` finished with `outcome`.
    pub(super) fn check_finished(&mut self, exercise: usize, outcome: Result<Report, String>) {
        let run = self.runs.entry(exercise).or_default();
        run.checking_since = None;
        run.report = Some(outcome);
        run.notice = None;
    }

    /// A reset of `exercise` was requested at `now`.
    pub(super) fn reset_started(&mut self, exercise: usize, now: Instant) {
        self.runs.entry(exercise).or_default().resetting_since = Some(now);
    }

    /// The reset of `exercise` finished; `message` says how.
    pub(super) fn reset_finished(&mut self, exercise: usize, message: String) {
        let run = self.runs.entry(exercise).or_default();
        run.resetting_since = None;
        run.report = None;
        run.notice = Some(message);
    }

    /// Scrolls the pane by `lines` (negative is up).
    pub(super) fn scroll(&mut self, lines: isize) {
        let target = (self.scroll.min(self.max_scroll) as isize).saturating_add(lines);
        self.scroll = target.clamp(0, self.max_scroll as isize) as usize;
    }
}

fn content(app: &App, exercise: usize, width: u16, now: Instant) -> Vec<Line<'static>> {
    let view = app.course.exercises[exercise].variant(app.variant_of(exercise));
    let run = app.exercises.runs.get(&exercise);
    let mut lines = vec![Line::from(Span::styled(
        app.course.exercises[exercise].title.clone(),
        Style::default().add_modifier(Modifier::BOLD),
    ))];

    let mut status = if app.is_solved(exercise) {
        vec![Span::styled(
            "✓ Solved",
            theme::passed().add_modifier(Modifier::BOLD),
        )]
    } else {
        vec![Span::styled("Not solved yet", theme::dim())]
    };
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
    lines.push(Line::default());
    lines.extend(markdown::render(&view.goal, width).lines);

    if let Some(notice) = run.and_then(|r| r.notice.as_ref()) {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(notice.clone(), theme::running())));
    }
    match run.and_then(|r| r.report.as_ref()) {
        Some(Ok(report)) => {
            let checks = &report.checks;
            let passed = checks.iter().filter(|c| c.passed).count();
            lines.push(Line::default());
            let summary_style = if passed == checks.len() {
                theme::passed()
            } else {
                theme::failed()
            };
            lines.push(Line::from(vec![
                Span::styled("Checks ", Style::default().add_modifier(Modifier::BOLD)),
                Span::styled(format!("{passed}/{} passed", checks.len()), summary_style),
            ]));
            for check in checks {
                let (mark, style) = if check.passed {
                    ("✓ ", theme::passed())
                } else {
                    ("✗ ", theme::failed())
                };
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
                if let Some(hint) = check.hint.as_ref().filter(|_| !check.passed) {
                    lines.push(Line::from(Span::styled(
                        format!("    → {hint}"),
                        theme::continue_here(),
                    )));
                }
            }
        }
        Some(Err(error)) => {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                format!("Could not check: {error}"),
                theme::failed(),
            )));
        }
        None => {}
    }

    let revealed =
        (app.progress.exercise(&view.exercise_id).hints_used as usize).min(view.hints.len());
    for (index, hint) in view.hints.iter().take(revealed).enumerate() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            format!("Hint {} of {}", index + 1, view.hints.len()),
            Style::default()
                .fg(theme::ACCENT)
                .add_modifier(Modifier::BOLD),
        )));
        lines.extend(markdown::render(hint, width).lines);
    }

    lines.push(Line::default());
    let hints_left = view.hints.len() - revealed;
    let hint_key = if hints_left > 0 {
        format!("h hint ({hints_left} left)")
    } else {
        "no hints left".to_string()
    };
    lines.push(Line::from(Span::styled(
        format!("c/F5 check · {hint_key} · r reset"),
        theme::dim(),
    )));
    lines
}

/// Draws the exercise pane for the open exercise.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let focused = app.is_focused(Focus::Exercise);
    let title = " Exercise ";
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(focused))
        .title(Span::styled(title, theme::title(focused)));
    let inner = block.inner(area);
    let lines = match app.exercise {
        Some(exercise) => content(app, exercise, inner.width, (app.now)()),
        None => vec![Line::from(Span::styled(
            "The course has no exercises.",
            theme::dim(),
        ))],
    };
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let total = paragraph.line_count(inner.width.max(1));
    let state = &mut app.exercises;
    state.max_scroll = total.saturating_sub(usize::from(inner.height));
    state.scroll = state.scroll.min(state.max_scroll);
    let scroll = state.scroll.min(usize::from(u16::MAX)) as u16;
    frame.render_widget(paragraph.block(block).scroll((scroll, 0)), area);
}
