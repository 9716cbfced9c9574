//! The few colours and styles the panes share.

use ratatui::style::{Color, Modifier, Style};

/// Colour of the focused pane, the open chapter and the open exercise.
pub const ACCENT: Color = Color::Cyan;

/// A pane border: bright when focused.
pub fn border(focused: bool) -> Style {
    if focused {
        Style::default().fg(ACCENT)
    } else {
        Style::default().fg(Color::DarkGray)
    }
}

/// A pane title: bold when focused.
pub fn title(focused: bool) -> Style {
    if focused {
        Style::default().fg(ACCENT).add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    }
}

/// Secondary text (argument hints, key reminders).
pub fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

/// A passed check, a solved exercise.
pub fn passed() -> Style {
    Style::default().fg(Color::Green)
}

/// A failed check, an error reply.
pub fn failed() -> Style {
    Style::default().fg(Color::Red)
}

/// The "continue here" marker.
pub fn continue_here() -> Style {
    Style::default().fg(Color::Yellow)
}

/// Something running (command, check, reset).
pub fn running() -> Style {
    Style::default().fg(Color::Yellow)
}
