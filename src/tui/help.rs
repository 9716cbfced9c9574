//! Overlays drawn above the panes: the key reference and the reset confirmation.

use super::theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Every key binding, grouped, as (keys, what they do).
const KEYS: &[(&str, &[(&str, &str)])] = &[
    (
        "Everywhere",
        &[
            ("Tab / Shift-Tab", "next / previous pane"),
            ("F5", "check the exercise"),
            ("F1", "this help"),
            ("Ctrl-C", "quit (in the console: clear the line first)"),
            ("mouse wheel", "scroll the pane under the pointer"),
        ],
    ),
    (
        "Outside the console",
        &[
            ("↑ ↓  j k", "scroll / move"),
            ("PgUp PgDn Space", "scroll a page"),
            ("Home End  g G", "top / bottom"),
            (
                "Enter",
                "open the chapter, lesson or exercise (course list)",
            ),
            ("Enter", "run the redis block shown (lesson)"),
            ("n / p", "next / previous lesson"),
            ("] / [", "next / previous section of the lesson"),
            ("c", "check the exercise"),
            ("h", "reveal the next hint"),
            ("r", "reset the exercise (asks first)"),
            ("t", "move the embedded Redis clock 1 minute on"),
            ("i or :", "type in the console"),
            ("?", "this help"),
            ("q", "quit"),
        ],
    ),
    (
        "In the console",
        &[
            ("Enter", "run the command"),
            ("↑ ↓", "history"),
            ("← → Home End", "move the cursor"),
            ("Backspace Delete", "delete a character"),
            ("Ctrl-U / Ctrl-K", "delete before / after the cursor"),
            ("Ctrl-W", "delete the word before the cursor"),
            ("Ctrl-L", "clear the output"),
            ("PgUp PgDn", "scroll the output"),
            ("Esc", "leave the console"),
        ],
    ),
];

/// A rectangle of at most `width` x `height` centered in `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// The key reference, scrolled down by `scroll` lines when it does not fit (clamped here).
pub(super) fn draw(frame: &mut Frame, area: Rect, scroll: &mut usize) {
    let key_width = KEYS
        .iter()
        .flat_map(|(_, keys)| keys.iter())
        .map(|(key, _)| Span::raw(*key).width())
        .max()
        .unwrap_or(0);
    let mut lines = Vec::new();
    for (group, keys) in KEYS {
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.push(Line::from(Span::styled(
            *group,
            Style::default()
                .fg(theme::ACCENT)
                .add_modifier(Modifier::BOLD),
        )));
        for (key, action) in *keys {
            let padding = key_width - Span::raw(*key).width();
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {key}{}", " ".repeat(padding)),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
                Span::raw(format!("  {action}")),
            ]));
        }
    }
    let popup = centered(area, 72, lines.len() as u16 + 2);
    let visible = usize::from(popup.height.saturating_sub(2));
    *scroll = (*scroll).min(lines.len().saturating_sub(visible));
    let footer = if visible < lines.len() {
        " ↑↓ scroll · Esc or ? closes "
    } else {
        " Esc or ? closes "
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
            .scroll(((*scroll).min(usize::from(u16::MAX)) as u16, 0)),
        popup,
    );
}

/// "Reset this exercise?"
pub(super) fn draw_confirm_reset(frame: &mut Frame, area: Rect, exercise_title: &str) {
    let lines = vec![
        Line::from(Span::styled(
            format!("Reset \"{exercise_title}\"?"),
            Style::default().add_modifier(Modifier::BOLD),
        )),
        Line::default(),
        Line::from("This deletes the exercise's keys and runs its setup again."),
        Line::default(),
        Line::from(vec![
            Span::styled("y", Style::default().add_modifier(Modifier::BOLD)),
            Span::raw(" reset   "),
            Span::styled("n", Style::default().add_modifier(Modifier::BOLD)),
            Span::raw(" cancel"),
        ]),
    ];
    let popup = centered(area, 50, 9);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(true))
        .title(" Reset exercise ");
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        popup,
    );
}
