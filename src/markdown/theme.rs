//! The styles of rendered lessons, in one place.

use pulldown_cmark::BlockQuoteKind;
use ratatui::style::{Color, Modifier, Style};

/// Emphasis (`*text*`).
pub const EMPHASIS: Style = Style::new().add_modifier(Modifier::ITALIC);
/// Strong emphasis (`**text**`).
pub const STRONG: Style = Style::new().add_modifier(Modifier::BOLD);
/// Strikethrough (`~~text~~`).
pub const STRIKETHROUGH: Style = Style::new().add_modifier(Modifier::CROSSED_OUT);
/// Inline code (`` `code` ``).
pub const INLINE_CODE: Style = Style::new().fg(Color::Yellow);
/// A link's text.
pub const LINK_TEXT: Style = Style::new()
    .fg(Color::Blue)
    .add_modifier(Modifier::UNDERLINED);
/// A link's URL, shown in parentheses after its text.
pub const LINK_URL: Style = Style::new().fg(Color::DarkGray);
/// An image's alt text, shown as `[image: alt]`.
pub const IMAGE: Style = Style::new().fg(Color::Magenta);
/// A footnote reference or a footnote definition's label.
pub const FOOTNOTE: Style = Style::new().fg(Color::Cyan);

/// The style of a heading's text by level (1 to 6).
pub fn heading(level: u8) -> Style {
    match level {
        1 => Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        2 => Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        3 => Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        4 => Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        5 => Style::new().add_modifier(Modifier::BOLD | Modifier::ITALIC),
        _ => Style::new().add_modifier(Modifier::ITALIC | Modifier::DIM),
    }
}

/// The rule drawn under a heading's text, for the levels that have one.
pub fn heading_underline(level: u8) -> Option<char> {
    match level {
        1 => Some('═'),
        2 => Some('─'),
        _ => None,
    }
}

/// A list's bullet or number.
pub const LIST_MARKER: Style = Style::new().fg(Color::Yellow);
/// A checked task list box.
pub const TASK_DONE: Style = Style::new().fg(Color::Green);
/// An unchecked task list box.
pub const TASK_OPEN: Style = Style::new().fg(Color::Yellow);
/// The bullets of unordered lists, by nesting depth (cycled).
pub const BULLETS: [&str; 3] = ["•", "◦", "▪"];

/// The `│ ` bar in front of block quotes.
pub const QUOTE_BAR: Style = Style::new().fg(Color::DarkGray);

/// The bar colour and title of a GitHub alert (`> [!WARNING]`).
pub fn alert(kind: BlockQuoteKind) -> (Style, &'static str) {
    let (color, title) = match kind {
        BlockQuoteKind::Note => (Color::Blue, "Note"),
        BlockQuoteKind::Tip => (Color::Green, "Tip"),
        BlockQuoteKind::Important => (Color::Magenta, "Important"),
        BlockQuoteKind::Warning => (Color::Yellow, "Warning"),
        BlockQuoteKind::Caution => (Color::Red, "Caution"),
    };
    (Style::new().fg(color), title)
}

/// A horizontal rule.
pub const RULE: Style = Style::new().fg(Color::DarkGray);
/// HTML shown as text.
pub const HTML: Style = Style::new().fg(Color::DarkGray);

/// The frame and gutter of code blocks.
pub const CODE_FRAME: Style = Style::new().fg(Color::DarkGray);
/// The language label on a code block's frame.
pub const CODE_LANG: Style = Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC);
/// The text of code blocks that are not highlighted.
pub const CODE_TEXT: Style = Style::new().fg(Color::Yellow);
/// The `↪` that starts the continuation rows of a wrapped code line.
pub const CODE_CONTINUATION: Style = Style::new().fg(Color::Yellow);
/// A keyword in a highlighted language (`local`, `def`, `function`).
pub const CODE_KEYWORD: Style = Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD);
/// A string literal in a highlighted language.
pub const CODE_STRING: Style = Style::new().fg(Color::Green);
/// A number in a highlighted language.
pub const CODE_NUMBER: Style = Style::new().fg(Color::Magenta);
/// A comment in a highlighted language.
pub const CODE_COMMENT: Style = Style::new()
    .fg(Color::DarkGray)
    .add_modifier(Modifier::ITALIC);
/// Other code in a highlighted language.
pub const CODE_PLAIN: Style = Style::new();
/// A redis command's name.
pub const REDIS_COMMAND: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
/// The subcommand of a container command (`CONFIG GET`, `XGROUP CREATE`).
pub const REDIS_SUBCOMMAND: Style = Style::new().fg(Color::Cyan);
/// An option keyword of the command (`NX`, `EX`, `WITHSCORES`).
pub const REDIS_KEYWORD: Style = Style::new().fg(Color::Blue);
/// A quoted argument whose closing quote is missing.
pub const REDIS_UNTERMINATED: Style = Style::new().fg(Color::Red);
/// A quoted argument.
pub const REDIS_STRING: Style = Style::new().fg(Color::Green);
/// A numeric argument (integers, floats, `(` exclusive bounds, `inf`, stream ids).
pub const REDIS_NUMBER: Style = Style::new().fg(Color::Magenta);
/// Any other argument, and lines that do not tokenize.
pub const REDIS_PLAIN: Style = Style::new();
/// A `#` comment line in a ```redis block.
pub const REDIS_COMMENT: Style = Style::new()
    .fg(Color::DarkGray)
    .add_modifier(Modifier::ITALIC);

/// The summary line of a `<details>` answer.
pub const DETAILS_SUMMARY: Style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
/// The bar in front of a revealed answer.
pub const DETAILS_BAR: Style = Style::new().fg(Color::Yellow);

/// The borders of tables.
pub const TABLE_BORDER: Style = Style::new().fg(Color::DarkGray);
/// The header row of tables.
pub const TABLE_HEADER: Style = Style::new().add_modifier(Modifier::BOLD);
