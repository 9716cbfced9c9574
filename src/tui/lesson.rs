//! The lesson pane: the open page (a chapter's introduction or a lesson) rendered as markdown
//! at the pane's width, scrollable, with the scroll position kept per page.

use super::app::{App, Focus};
use super::theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// Lessons wrap at most this wide, however wide the pane: long lines are hard to read.
const MAX_TEXT_WIDTH: u16 = 100;

/// The rendered page, cached until the page or the width changes.
#[derive(Debug, Default)]
pub struct LessonState {
    rendered: Option<RenderedLesson>,
    /// Rows of text visible at the last draw.
    viewport_height: usize,
}

#[derive(Debug)]
struct RenderedLesson {
    page: usize,
    width: u16,
    lines: Vec<Line<'static>>,
    /// The ```redis blocks: (first line, last line, commands).
    redis_blocks: Vec<(usize, usize, Vec<String>)>,
    /// The section headings below the page title: (line, text).
    sections: Vec<(usize, String)>,
}

impl LessonState {
    /// The commands of the first ```redis block visible with the lesson scrolled to `scroll`.
    pub fn visible_redis_block(&self, scroll: usize) -> Option<&[String]> {
        let rendered = self.rendered.as_ref()?;
        let bottom = scroll + self.viewport_height;
        rendered
            .redis_blocks
            .iter()
            .find(|(first, last, _)| *last >= scroll && *first < bottom)
            .map(|(_, _, commands)| commands.as_slice())
    }

    /// The line of the first section heading below `scroll`.
    pub fn next_section(&self, scroll: usize) -> Option<usize> {
        let rendered = self.rendered.as_ref()?;
        rendered
            .sections
            .iter()
            .map(|(line, _)| *line)
            .find(|line| *line > scroll)
    }

    /// The line of the last section heading above `scroll` (the page's top before the
    /// first one).
    pub fn previous_section(&self, scroll: usize) -> Option<usize> {
        let rendered = self.rendered.as_ref()?;
        let previous = rendered
            .sections
            .iter()
            .map(|(line, _)| *line)
            .rfind(|line| *line < scroll);
        previous.or((scroll > 0).then_some(0))
    }

    /// The section the line `scroll` belongs to.
    fn section_at(&self, scroll: usize) -> Option<&str> {
        let rendered = self.rendered.as_ref()?;
        rendered
            .sections
            .iter()
            .rfind(|(line, _)| *line <= scroll)
            .map(|(_, text)| text.as_str())
    }

    /// The largest useful scroll position: the last line at the bottom of the pane.
    pub fn max_scroll(&self) -> usize {
        self.rendered
            .as_ref()
            .map(|r| r.lines.len().saturating_sub(self.viewport_height))
            .unwrap_or(0)
    }
}

/// Draws the lesson pane, rendering the page again when the page or width changed.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let focused = app.is_focused(Focus::Lesson);
    let inner = Block::default().borders(Borders::ALL).inner(area);
    let width = inner.width.min(MAX_TEXT_WIDTH);
    let needs_render = !matches!(
        &app.lesson.rendered,
        Some(r) if r.page == app.page && r.width == width
    );
    if needs_render {
        let rendered = app
            .course
            .page(app.current_page())
            .map(|(_, lesson)| crate::markdown::render(&lesson.markdown, width))
            .unwrap_or_default();
        let sections = rendered
            .headings
            .iter()
            .filter(|heading| heading.level >= 2)
            .map(|heading| (heading.line, heading.text.clone()))
            .collect();
        let redis_blocks = rendered
            .code_blocks
            .iter()
            .filter(|block| block.is_redis())
            .map(|block| (block.first_line, block.last_line, block.commands()))
            .filter(|(_, _, commands)| !commands.is_empty())
            .collect();
        // After a resize, keep the reader at the same place in the text.
        let id = super::app::page_id(&app.course, app.current_page());
        if let Some(previous) = &app.lesson.rendered
            && previous.page == app.page
            && !previous.lines.is_empty()
            && let Some(scroll) = app.progress.page_scroll.get_mut(&id)
        {
            let moved =
                u64::from(*scroll) * rendered.lines.len() as u64 / previous.lines.len() as u64;
            *scroll = u32::try_from(moved).unwrap_or(u32::MAX);
        }
        app.lesson.rendered = Some(RenderedLesson {
            page: app.page,
            width,
            lines: rendered.lines,
            redis_blocks,
            sections,
        });
    }
    app.lesson.viewport_height = usize::from(inner.height);
    let max_scroll = app.lesson.max_scroll();
    let scroll = app.lesson_scroll_of(app.page).min(max_scroll);
    let title = match (
        app.course.page(app.current_page()),
        app.lesson.section_at(scroll),
    ) {
        (Some((chapter, lesson)), section) => {
            let mut title = format!(" {:02} · {}", chapter.number, chapter.title);
            if lesson.number > 0 {
                title.push_str(&format!(" › {}", lesson.title));
            }
            if let Some(section) = section {
                title.push_str(&format!(" › {section}"));
            }
            title.push(' ');
            title
        }
        (None, _) => " Lesson ".to_string(),
    };
    let lines = app
        .lesson
        .rendered
        .as_ref()
        .map(|r| r.lines.as_slice())
        .unwrap_or_default();
    let visible: Vec<Line<'static>> = lines
        .iter()
        .skip(scroll)
        .take(usize::from(inner.height))
        .cloned()
        .collect();
    let position = if lines.len() <= usize::from(inner.height) {
        String::new()
    } else {
        format!(
            " {}% ",
            (scroll * 100).checked_div(max_scroll).unwrap_or(100)
        )
    };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(focused))
        .title(Span::styled(title, theme::title(focused)))
        .title_bottom(Line::from(Span::styled(position, theme::dim())).right_aligned());
    if focused && let Some(commands) = app.lesson.visible_redis_block(scroll) {
        let more = if commands.len() > 1 {
            format!(" (+{} more)", commands.len() - 1)
        } else {
            String::new()
        };
        block = block.title_bottom(Line::from(Span::styled(
            format!(" Enter runs: {}{more} ", commands[0]),
            theme::running(),
        )));
    }
    frame.render_widget(Paragraph::new(visible).block(block), area);
}
