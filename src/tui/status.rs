//! The status bar (backend, running work, key reminders) and the "terminal too small" screen.

use super::app::{App, Focus};
use super::layout::{MIN_HEIGHT, MIN_WIDTH};
use super::theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Key reminders for the focused pane, longest first; the longest that fits is shown.
fn reminders(focus: Focus) -> &'static [&'static str] {
    match focus {
        Focus::Console => &[
            "Enter run · ↑↓ history · F5 check · Esc leave · Tab focus · ^C quit",
            "Enter run · ↑↓ history · F5 check · Esc leave · ^C quit",
            "Enter run · Esc leave · F1 help",
        ],
        Focus::Sidebar => &[
            "Enter open · ↑↓ move · Tab focus · c check · h hint · ? help · q quit",
            "Enter open · ? help · q quit",
        ],
        Focus::Lesson => &[
            "↑↓ scroll · Enter run block · n/p chapter · Tab focus · c check · h hint · ? help · q quit",
            "↑↓ scroll · Enter run block · n/p chapter · Tab focus · ? help · q quit",
            "Tab focus · ? help · q quit",
        ],
        Focus::Exercise => &[
            "↑↓ scroll · c check · h hint · r reset · n/p chapter · Tab focus · ? help · q quit",
            "↑↓ scroll · c check · h hint · r reset · Tab focus · ? help · q quit",
            "c check · h hint · ? help · q quit",
        ],
    }
}

/// Draws the status bar: the backend and key reminders for the focused pane.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let backend = Span::styled(
        format!(" {} ", app.backend_description),
        Style::default().add_modifier(Modifier::REVERSED),
    );
    let room = usize::from(area.width).saturating_sub(backend.width() + 1);
    let choices = reminders(app.focus);
    let keys = choices
        .iter()
        .find(|keys| Span::raw(**keys).width() <= room)
        .unwrap_or(&choices[choices.len() - 1]);
    let line = Line::from(vec![
        backend,
        Span::raw(" "),
        Span::styled(*keys, theme::dim()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// Replaces the panes when the terminal is smaller than they need.
pub(super) fn draw_too_small(frame: &mut Frame, area: Rect) {
    let message = format!(
        "Terminal too small: {}x{}, need at least {MIN_WIDTH}x{MIN_HEIGHT}",
        area.width, area.height
    );
    let paragraph = Paragraph::new(message).centered().wrap(Wrap { trim: true });
    let height = (paragraph.line_count(area.width.max(1)) as u16).min(area.height);
    let top = area.y + (area.height - height) / 2;
    frame.render_widget(paragraph, Rect::new(area.x, top, area.width, height));
}
