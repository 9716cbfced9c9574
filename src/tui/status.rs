//! The status bar (backend, database, connection, clock, a message and key reminders) and the
//! "terminal too small" screen.

use super::app::App;
use super::keymap::{self, Context};
use super::layout::{MIN_HEIGHT, MIN_WIDTH};
use super::theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Draws the status bar: where the tutor is connected, then a message or the keys of the
/// contexts that apply, as many as fit.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, contexts: &[Context]) {
    let prompt = &app.console.prompt;
    let connection = if prompt.starts_with("not connected") {
        " · disconnected"
    } else {
        ""
    };
    let database = prompt
        .split_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(db, _)| format!(" · db {db}"))
        .unwrap_or_default();
    let clock = if app.clock_offset.is_zero() {
        String::new()
    } else {
        format!(" · clock +{}s", app.clock_offset.as_secs())
    };
    let backend = Span::styled(
        format!(" {}{database}{connection}{clock} ", app.backend_description),
        Style::default().add_modifier(Modifier::REVERSED),
    );
    let room = usize::from(area.width).saturating_sub(backend.width() + 1);
    let mut spans = vec![backend, Span::raw(" ")];
    if let Some(message) = &app.message {
        spans.push(Span::styled(message.clone(), theme::running()));
    } else {
        let mut used = 0;
        let mut keys = Vec::new();
        for reminder in keymap::reminders(contexts) {
            let width = Span::raw(reminder).width() + 3;
            if used + width > room + 3 {
                break;
            }
            used += width;
            keys.push(reminder);
        }
        spans.push(Span::styled(keys.join(" · "), theme::dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Replaces the panes when the terminal is smaller than they need.
pub(super) fn draw_too_small(frame: &mut Frame, area: Rect) {
    let message = format!(
        "Terminal too small: {}x{}, need at least {MIN_WIDTH}x{MIN_HEIGHT}. Enlarge the window or make the font smaller.",
        area.width, area.height
    );
    let paragraph = Paragraph::new(message).centered().wrap(Wrap { trim: true });
    let height = (paragraph.line_count(area.width.max(1)) as u16).min(area.height);
    let top = area.y + (area.height - height) / 2;
    frame.render_widget(paragraph, Rect::new(area.x, top, area.width, height));
}
