//! Windows drawn over the panes, which take the keys while open: the key reference (built from
//! the keymap), questions that wait for yes or no, the lesson's table of contents and the
//! progress view.

use super::app::Action;
use super::keymap::{self, Context};
use super::theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// A window drawn over the panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    /// Every key binding, those of the focused pane first.
    Help,
    /// A question; `y` or Enter answers yes.
    Confirm(Question),
    /// The lesson's sections; Enter jumps to the selected one.
    Contents,
    /// Exercises solved, hints used and time spent per chapter.
    Progress,
}

impl Overlay {
    /// The keymap context that handles keys while the overlay is open.
    pub fn context(self) -> Context {
        match self {
            Overlay::Help => Context::Help,
            Overlay::Confirm(_) => Context::Confirm,
            Overlay::Contents => Context::Contents,
            Overlay::Progress => Context::ProgressView,
        }
    }
}

/// What a confirmation asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// Leave the tutor.
    Quit,
    /// Reset the exercise with this index.
    Reset(usize),
    /// Reveal the next hint of the exercise with this index (hints are counted).
    Hint(usize),
    /// Show the solution of the exercise with this index.
    Solution(usize),
}

/// A rectangle of at most `width` x `height` centered in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// The widest the key reference gets.
const HELP_WIDTH: u16 = 96;

/// The lines of the key reference for a screen of `area`, the contexts `first` at the top;
/// descriptions wrap under themselves.
pub fn help_lines(first: &[Context], area: Rect) -> Vec<Line<'static>> {
    let text_width = usize::from(area.width.min(HELP_WIDTH).saturating_sub(2));
    let sections = keymap::help_sections(first);
    let key_width = sections
        .iter()
        .flat_map(|(_, bindings)| bindings.iter())
        .map(|binding| Span::raw(keymap::keys_label(binding)).width())
        .max()
        .unwrap_or(0)
        .min(24);
    let mut lines = Vec::new();
    for (context, bindings) in sections {
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        let mut title = context.title().to_string();
        if let Some(first) = title.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        lines.push(Line::from(Span::styled(title, theme::heading())));
        if context == Context::Console {
            lines.push(Line::from(Span::raw(
                "  Type a Redis command as in redis-cli, or :help for the tutor's own.",
            )));
        }
        let help_width = text_width.saturating_sub(key_width + 4).max(10);
        for binding in bindings {
            let keys = keymap::keys_label(binding);
            let padding = key_width.saturating_sub(Span::raw(keys.as_str()).width());
            for (row, text) in wrap_words(binding.help, help_width).into_iter().enumerate() {
                let keys = if row == 0 {
                    format!("  {keys}{}", " ".repeat(padding))
                } else {
                    " ".repeat(key_width + 2)
                };
                lines.push(Line::from(vec![
                    Span::styled(keys, Style::default().add_modifier(Modifier::BOLD)),
                    Span::raw(format!("  {text}")),
                ]));
            }
        }
    }
    lines
}

/// `text` broken at spaces into lines of at most `width` columns (a longer word alone).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("lines start non-empty");
        let used = Span::raw(line.as_str()).width();
        if used > 0 && used + 1 + Span::raw(word).width() > width {
            lines.push(word.to_string());
        } else {
            if used > 0 {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// The window of the key reference for a screen of `area`, and how many lines fit in it.
pub fn help_area(area: Rect, lines: usize) -> (Rect, usize) {
    let popup = centered(
        area,
        HELP_WIDTH,
        lines.min(usize::from(u16::MAX - 2)) as u16 + 2,
    );
    (popup, usize::from(popup.height.saturating_sub(2)))
}

/// An overlay's footer: the reminders of its keys, from the keymap (` Enter go · Esc close `).
pub fn footer(context: Context) -> String {
    format!(" {} ", keymap::reminders(&[context]).join(" · "))
}

/// Draws the key reference scrolled down by `scroll` lines.
pub fn draw_help(frame: &mut Frame, area: Rect, lines: Vec<Line<'static>>, scroll: usize) {
    let (popup, visible) = help_area(area, lines.len());
    let scroll = scroll.min(lines.len().saturating_sub(visible));
    let footer = if visible < lines.len() {
        let first = |action| {
            keymap::key_labels(Context::Help, action)
                .into_iter()
                .next()
                .unwrap_or_default()
        };
        format!(
            " {}{} {} {} scroll ·{}",
            first(Action::ScrollUp),
            first(Action::ScrollDown),
            first(Action::PageUp),
            first(Action::PageDown),
            footer(Context::Help)
        )
    } else {
        footer(Context::Help)
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(true))
        .title(" Keys ")
        .title_bottom(Line::from(Span::styled(footer, theme::dim())).right_aligned());
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll.min(usize::from(u16::MAX)) as u16, 0)),
        popup,
    );
}

/// Draws a yes/no question.
pub fn draw_question(frame: &mut Frame, area: Rect, title: &str, question: &str, detail: &str) {
    let lines = vec![
        Line::from(Span::styled(
            question.to_string(),
            Style::default().add_modifier(Modifier::BOLD),
        )),
        Line::default(),
        Line::from(detail.to_string()),
        Line::default(),
        Line::from(
            [(Action::Confirm, " yes   "), (Action::CloseOverlay, " no")]
                .into_iter()
                .flat_map(|(action, meaning)| {
                    let keys = keymap::key_labels(Context::Confirm, action);
                    let (main, others) = keys.split_first().expect("confirm keys are bound");
                    let others: String = others.iter().map(|k| format!(" / {k}")).collect();
                    [
                        Span::styled(main.clone(), Style::default().add_modifier(Modifier::BOLD)),
                        Span::raw(format!("{others}{meaning}")),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
    ];
    let popup = centered(area, 56, 10);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(true))
        .title(format!(" {title} "));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        popup,
    );
}

/// Draws a list in a window, the row `selected` highlighted and kept in view.
pub fn draw_list(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    rows: Vec<Line<'static>>,
    selected: Option<usize>,
    footer: &str,
) {
    let width = rows
        .iter()
        .map(Line::width)
        .max()
        .unwrap_or(0)
        .max(title.len() + 4)
        .max(footer.len() + 4) as u16
        + 4;
    let popup = centered(area, width, rows.len() as u16 + 2);
    let visible = usize::from(popup.height.saturating_sub(2)).max(1);
    let offset = selected.map_or(0, |s| s.saturating_sub(visible - 1));
    let lines: Vec<Line> = rows
        .into_iter()
        .enumerate()
        .skip(offset)
        .map(|(index, line)| {
            if Some(index) == selected {
                line.patch_style(theme::selected_row())
            } else {
                line
            }
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(true))
        .title(format!(" {title} "))
        .title_bottom(Line::from(Span::styled(footer.to_string(), theme::dim())).right_aligned());
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
