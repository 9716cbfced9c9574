//! The colours and styles the panes share, and the palettes that adapt them to the terminal:
//! dark (the default), light, and none at all when `NO_COLOR` is set.
//!
//! Panes and the markdown renderer draw with the dark palette's colours; [`Palette::apply`]
//! then maps every cell of the finished frame, so one pass covers all of them.

use ratatui::buffer::Buffer;
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

/// Something running (command, check, reset), and messages from the tutor.
pub fn running() -> Style {
    Style::default().fg(Color::Yellow)
}

/// A search match in the lesson.
pub fn search_match() -> Style {
    Style::default().bg(Color::Yellow).fg(Color::Black)
}

/// The bar left of the selected block or answer in the lesson.
pub fn selection_bar() -> Style {
    Style::default().fg(ACCENT).add_modifier(Modifier::BOLD)
}

/// A selected row (course list, table of contents): reversed.
pub fn selected_row() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

/// A heading in an overlay.
pub fn heading() -> Style {
    Style::default().fg(ACCENT).add_modifier(Modifier::BOLD)
}

/// How colours reach the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Palette {
    /// The colours as drawn, for dark backgrounds.
    #[default]
    Dark,
    /// Darker shades that read on light backgrounds.
    Light,
    /// No colour at all (`NO_COLOR`): bold, italic and reverse only.
    NoColor,
}

impl Palette {
    /// The palette the environment asks for: none with `NO_COLOR` (any value but empty),
    /// light with `REDIS_TUTOR_THEME=light`, dark otherwise.
    pub fn from_env() -> Palette {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        let light = std::env::var("REDIS_TUTOR_THEME")
            .is_ok_and(|theme| theme.eq_ignore_ascii_case("light"));
        match (no_color, light) {
            (true, _) => Palette::NoColor,
            (false, true) => Palette::Light,
            (false, false) => Palette::Dark,
        }
    }

    /// Maps every cell of a drawn frame to the palette.
    pub fn apply(self, buffer: &mut Buffer) {
        if self == Palette::Dark {
            return;
        }
        for cell in buffer.content.iter_mut() {
            match self {
                Palette::Dark => {}
                Palette::NoColor => {
                    // A search match keeps a visible mark without colour.
                    if cell.bg != Color::Reset {
                        cell.modifier |= Modifier::REVERSED;
                    }
                    cell.fg = Color::Reset;
                    cell.bg = Color::Reset;
                }
                Palette::Light => {
                    cell.fg = light(cell.fg);
                    cell.bg = light(cell.bg);
                }
            }
        }
    }
}

/// The shade of a colour that reads on a light background.
fn light(color: Color) -> Color {
    match color {
        Color::Yellow => Color::Indexed(130),
        Color::Cyan => Color::Indexed(30),
        Color::Green => Color::Indexed(28),
        Color::Blue => Color::Indexed(25),
        Color::Magenta => Color::Indexed(90),
        Color::DarkGray => Color::Indexed(244),
        Color::Gray => Color::Indexed(240),
        other => other,
    }
}
