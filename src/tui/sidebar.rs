//! The sidebar: "continue" (the next unsolved exercise), then chapters, their lessons and the
//! exercises after each lesson, with solved marks and the open item.

use super::app::{App, Focus, exercises_after, exercises_of, first_unsolved};
use super::theme;
use crate::course::Course;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph};

/// Rows above the list inside the sidebar (border and progress summary).
pub(super) const HEADER_ROWS: u16 = 2;

/// The sidebar's selection and scroll offset (kept so the selection stays visible).
#[derive(Debug, Default)]
pub struct SidebarState {
    pub(super) selected: usize,
    pub(super) offset: usize,
}

impl SidebarState {
    /// Selects row `row` of `count`.
    pub(super) fn select(&mut self, row: usize, count: usize) {
        self.selected = row.min(count.saturating_sub(1));
    }

    /// Scrolls the list so the selected row is among the `height` rows shown.
    pub(super) fn keep_visible(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }
}

/// What a sidebar row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidebarRow {
    /// "Continue": opens the first unsolved exercise.
    Continue,
    /// A chapter (index into `Course::chapters`); opens its introduction.
    Chapter(usize),
    /// A lesson (index into `Course::pages`).
    Lesson(usize),
    /// An exercise (index into `Course::exercises`).
    Exercise(usize),
}

/// The rows of the sidebar: each chapter, then each of its lessons followed by the exercises
/// that practise it.
pub fn rows(course: &Course) -> Vec<SidebarRow> {
    let mut rows = vec![SidebarRow::Continue];
    for (index, page) in course.pages().into_iter().enumerate() {
        if page.lesson == 0 {
            rows.push(SidebarRow::Chapter(page.chapter));
        } else {
            rows.push(SidebarRow::Lesson(index));
            rows.extend(exercises_after(course, page).map(SidebarRow::Exercise));
        }
    }
    rows
}

/// Draws the course list with its progress summary.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.is_focused(Focus::Sidebar);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(focused))
        .title(Span::styled(" Course ", theme::title(focused)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }

    let solved = app
        .course
        .exercises
        .iter()
        .filter(|e| app.progress.exercise(&e.id).solved)
        .count();
    let summary = Line::from(Span::styled(
        format!(" {solved}/{} solved", app.course.exercises.len()),
        theme::dim(),
    ));
    frame.render_widget(
        Paragraph::new(summary),
        Rect::new(inner.x, inner.y, inner.width, 1),
    );
    let list_area = Rect::new(
        inner.x,
        inner.y + 1,
        inner.width,
        inner.height.saturating_sub(1),
    );

    let continue_here = first_unsolved(&app.course, &app.progress);
    let width = usize::from(list_area.width);
    let items: Vec<ListItem> = rows(&app.course)
        .into_iter()
        .map(|row| match row {
            SidebarRow::Continue => {
                let text = match continue_here {
                    Some(index) => format!("▸ continue: {}", app.course.exercises[index].title),
                    None => "✓ every exercise solved".to_string(),
                };
                ListItem::new(Line::from(Span::styled(
                    fit(&text, width),
                    theme::continue_here().add_modifier(Modifier::BOLD),
                )))
            }
            SidebarRow::Chapter(index) => {
                let chapter = &app.course.chapters[index];
                let mut style = Style::default().add_modifier(Modifier::BOLD);
                if app.current_page().chapter == index {
                    style = style.fg(theme::ACCENT);
                }
                let exercises: Vec<usize> = exercises_of(&app.course, chapter.number).collect();
                if exercises.is_empty() {
                    return ListItem::new(Line::from(Span::styled(
                        fit(&chapter.title, width),
                        style,
                    )));
                }
                let solved = exercises.iter().filter(|&&e| app.is_solved(e)).count();
                let count = format!(" {solved}/{}", exercises.len());
                let title = fit(&chapter.title, width.saturating_sub(count.len()));
                let padding = width.saturating_sub(Span::raw(title.as_str()).width() + count.len());
                let count_style = if solved == exercises.len() {
                    theme::passed()
                } else {
                    theme::dim()
                };
                ListItem::new(Line::from(vec![
                    Span::styled(title, style),
                    Span::raw(" ".repeat(padding)),
                    Span::styled(count, count_style),
                ]))
            }
            SidebarRow::Lesson(page) => {
                let title = app
                    .course
                    .page(app.pages[page])
                    .map(|(_, lesson)| lesson.title.as_str())
                    .unwrap_or_default();
                let style = if page == app.page {
                    Style::default()
                        .fg(theme::ACCENT)
                        .add_modifier(Modifier::BOLD)
                } else {
                    Style::default()
                };
                ListItem::new(Line::from(vec![
                    Span::raw(" "),
                    Span::styled(fit(title, width.saturating_sub(1)), style),
                ]))
            }
            SidebarRow::Exercise(index) => {
                let exercise = &app.course.exercises[index];
                let (mark, mark_style) = if app.is_solved(index) {
                    ("✓", theme::passed())
                } else if continue_here == Some(index) {
                    ("▸", theme::continue_here())
                } else {
                    ("·", theme::dim())
                };
                let title_style = if app.exercise == Some(index) {
                    Style::default()
                        .fg(theme::ACCENT)
                        .add_modifier(Modifier::BOLD)
                } else {
                    Style::default()
                };
                ListItem::new(Line::from(vec![
                    Span::raw("   "),
                    Span::styled(mark, mark_style),
                    Span::raw(" "),
                    Span::styled(fit(&exercise.title, width.saturating_sub(5)), title_style),
                ]))
            }
        })
        .collect();
    let highlight = if focused {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default().add_modifier(Modifier::UNDERLINED)
    };
    let list = List::new(items).highlight_style(highlight);
    let mut state = ListState::default()
        .with_offset(app.sidebar.offset)
        .with_selected(Some(app.sidebar.selected));
    frame.render_stateful_widget(list, list_area, &mut state);
}

/// `text` cut to `width` columns, with an ellipsis when something was cut.
fn fit(text: &str, width: usize) -> String {
    if Span::raw(text).width() <= width {
        return text.to_string();
    }
    let mut fitted = String::new();
    let mut used = 0;
    for c in text.chars() {
        let char_width = Span::raw(c.to_string()).width();
        if used + char_width + 1 > width {
            break;
        }
        fitted.push(c);
        used += char_width;
    }
    fitted.push('…');
    fitted
}
