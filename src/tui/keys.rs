//! The key inspector pane: the current exercise's keys (or every key) with their type, a TTL
//! that counts down, their size and a preview; refreshed after every command. Enter prints the
//! selected key's whole value in the console (`:peek`).

use super::model::KeyInfo;
use super::theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use std::time::Instant;

/// The inspector's keys, selection and scope.
#[derive(Debug, Default)]
pub struct KeysView {
    /// The pane is on screen.
    pub shown: bool,
    /// Every key rather than the current exercise's.
    pub all: bool,
    keys: Vec<KeyInfo>,
    /// When `keys` were read (TTLs count down from there).
    read_at: Option<Instant>,
    /// A refresh was asked for and has not come back.
    pub pending: bool,
    selected: usize,
    offset: usize,
    /// Rows of keys visible.
    height: usize,
}

impl KeysView {
    /// New keys from the inspector, read at `now`.
    pub fn update(&mut self, keys: Vec<KeyInfo>, now: Instant) {
        let selected_name = self.keys.get(self.selected).map(|k| k.name.clone());
        self.keys = keys;
        self.read_at = Some(now);
        self.pending = false;
        self.selected = selected_name
            .and_then(|name| self.keys.iter().position(|k| k.name == name))
            .unwrap_or(0);
        self.keep_visible();
    }

    /// Whether some key has a TTL (the pane then needs a redraw every second).
    pub fn counts_down(&self) -> bool {
        self.shown && self.keys.iter().any(|k| k.ttl_ms.is_some())
    }

    /// Moves the selection by `rows`.
    pub fn scroll(&mut self, rows: isize) {
        let last = self.keys.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize)
            .saturating_add(rows)
            .clamp(0, last.max(0)) as usize;
        self.keep_visible();
    }

    /// The selected key's name.
    pub fn selected(&self) -> Option<&str> {
        self.keys.get(self.selected).map(|k| k.name.as_str())
    }

    /// Notes the pane's size.
    pub fn set_area(&mut self, area: Rect) {
        self.height = usize::from(area.height.saturating_sub(3)).max(1);
        self.keep_visible();
    }

    /// Rows of keys visible (for paging).
    pub fn page_rows(&self) -> usize {
        self.height
    }

    fn keep_visible(&mut self) {
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + self.height {
            self.offset = self.selected + 1 - self.height;
        }
    }

    /// Draws the pane: a header, then one key a row.
    pub fn draw(&self, frame: &mut Frame, area: Rect, focused: bool, now: Instant) {
        let scope = if self.all {
            "every key"
        } else {
            "this exercise's keys"
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme::border(focused))
            .title(Line::from(vec![
                Span::styled(" Keys ", theme::title(focused)),
                Span::styled(format!("· {scope} "), theme::dim()),
            ]))
            .title_bottom(
                Line::from(Span::styled(" Enter value · a all/exercise ", theme::dim()))
                    .right_aligned(),
            );
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if inner.height == 0 || inner.width == 0 {
            return;
        }
        let elapsed = self
            .read_at
            .map_or(0, |at| now.saturating_duration_since(at).as_millis() as i64);
        let name_width = self
            .keys
            .iter()
            .map(|k| k.name.chars().count())
            .max()
            .unwrap_or(0)
            .max(8)
            .min((usize::from(inner.width) / 3).max(1));
        // Narrow panes leave out the type and size, so that the value shows.
        let wide = inner.width >= 60;
        let header = if wide {
            format!(
                "{:<name_width$} {:<6} {:>7} {:>8}  value",
                "key", "type", "ttl", "size"
            )
        } else {
            format!("{:<name_width$} {:>7}  value", "key", "ttl")
        };
        let mut lines = vec![Line::from(Span::styled(
            header,
            Style::default().add_modifier(Modifier::BOLD),
        ))];
        if self.keys.is_empty() {
            lines.push(Line::from(Span::styled(
                if self.pending {
                    "reading the keys…"
                } else {
                    "no keys yet"
                },
                theme::dim(),
            )));
        }
        for (index, key) in self
            .keys
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(self.height)
        {
            let ttl = match key.ttl_ms {
                None => "-".to_string(),
                Some(ms) => {
                    let left = (ms - elapsed).max(0);
                    if left == 0 {
                        "expired".to_string()
                    } else {
                        format!("{}s", (left + 999) / 1000)
                    }
                }
            };
            let name: String = if key.name.chars().count() > name_width {
                let mut cut: String = key.name.chars().take(name_width - 1).collect();
                cut.push('…');
                cut
            } else {
                key.name.clone()
            };
            let ttl_style = if key.ttl_ms.is_some() {
                theme::running()
            } else {
                theme::dim()
            };
            let mut spans = vec![Span::raw(format!("{name:<name_width$} "))];
            if wide {
                spans.push(Span::styled(format!("{:<6} ", key.kind), theme::dim()));
            }
            spans.push(Span::styled(format!("{ttl:>7} "), ttl_style));
            if wide {
                spans.push(Span::styled(format!("{:>8}", key.size), theme::dim()));
            }
            spans.push(Span::raw(format!("  {}", key.preview)));
            let mut line = Line::from(spans);
            if index == self.selected && focused {
                line = line.patch_style(theme::selected_row());
            }
            lines.push(line);
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
