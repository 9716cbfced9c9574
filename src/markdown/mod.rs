//! Lesson markdown rendered to styled lines at a given width, for the TUI's lesson pane.
//!
//! [`render`] walks pulldown-cmark events (CommonMark plus GitHub tables, strikethrough, task
//! lists, footnotes and `> [!NOTE]` alerts) and lays them out at the pane's width with ratatui's
//! text types only: paragraphs wrap at word boundaries by display width, lists keep a hanging
//! indent, tables shrink to fit, code blocks sit in a box whose long lines wrap with a `↪`
//! continuation mark, ```redis blocks are highlighted with the console's tokenizer and other
//! languages get keyword, string and comment colours. Every line fits the width.
//! `<details>`/`<summary>` answers show only their summary until revealed
//! ([`Document::render`]); HTML comments are hidden; other HTML is shown as plain text.
//!
//! Inside a ```redis block each line is one command as typed at redis-cli; blank lines and lines
//! starting with `#` (comments) are not commands. [`redis_commands`] extracts those commands.

mod blocks;
mod code;
mod parse;
mod table;
mod theme;
mod wrap;

#[cfg(test)]
mod tests;

pub use code::redis_style;
use ratatui::text::Line;

/// The lines of a rendered chapter, plus where its code blocks and headings landed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    /// The styled lines, top to bottom.
    pub lines: Vec<Line<'static>>,
    /// Every fenced or indented code block, in document order.
    pub code_blocks: Vec<CodeBlock>,
    /// Every heading, in document order (a table of contents).
    pub headings: Vec<Heading>,
    /// Every `<details>` answer, in document order (nested ones after their parent).
    pub details: Vec<Details>,
}

/// A `<details>` answer and the rendered lines it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    /// Its place among the document's details, from 0 (what [`Document::render`] asks about).
    pub index: usize,
    /// The text of its `<summary>` ("Details" when it has none).
    pub summary: String,
    /// Index into [`Rendered::lines`] of its summary line.
    pub first_line: usize,
    /// Index into [`Rendered::lines`] of its last line (the summary's last line while hidden).
    pub last_line: usize,
    /// Whether its content is shown.
    pub revealed: bool,
}

/// Parsed lesson markdown, to render at any width without parsing again.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    blocks: Vec<parse::Block>,
}

impl Document {
    /// Parses markdown.
    pub fn parse(markdown: &str) -> Document {
        Document {
            blocks: parse::parse(markdown),
        }
    }

    /// Renders the document to lines that fit in `width` columns (0 is treated as 1), showing
    /// the content of the `<details>` whose index `revealed` accepts.
    pub fn render(&self, width: u16, revealed: &dyn Fn(usize) -> bool) -> Rendered {
        let mut blocks = self.blocks.clone();
        parse::reveal(&mut blocks, revealed);
        blocks::render_blocks(&blocks, usize::from(width.max(1)), true, 0)
    }
}

/// A code block of the chapter and the rendered lines that show its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// The language of the fence (its first word, e.g. `redis`), empty when none was given.
    pub lang: String,
    /// The code as written in the source, without the final newline.
    pub text: String,
    /// Index into [`Rendered::lines`] of the first line of code (below the frame's top line).
    pub first_line: usize,
    /// Index into [`Rendered::lines`] of the last line of code (inclusive; above the frame's
    /// bottom line).
    pub last_line: usize,
}

impl CodeBlock {
    /// Whether this is a ```redis block, whose lines are redis-cli commands.
    pub fn is_redis(&self) -> bool {
        code::is_redis_lang(&self.lang)
    }

    /// The commands of a ```redis block: its lines, trimmed, without blank lines and `#`
    /// comments. Empty for blocks in other languages.
    pub fn commands(&self) -> Vec<String> {
        if self.is_redis() {
            code::redis_block_commands(&self.text)
        } else {
            Vec::new()
        }
    }
}

/// A heading of the chapter and the rendered line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 for `#`, up to 6 for `######`.
    pub level: u8,
    /// The heading's text without markup.
    pub text: String,
    /// Index into [`Rendered::lines`] of the heading's first line.
    pub line: usize,
}

/// Renders lesson markdown to styled lines that fit in `width` columns (0 is treated as 1),
/// with every `<details>` answer hidden.
pub fn render(markdown: &str, width: u16) -> Rendered {
    Document::parse(markdown).render(width, &|_| false)
}

/// The commands of every ```redis block of `markdown`, in order, without rendering it.
///
/// Each non-blank line of a block that does not start with `#` is one command.
pub fn redis_commands(markdown: &str) -> Vec<String> {
    parse::code_blocks(markdown)
        .into_iter()
        .filter(|(lang, _)| code::is_redis_lang(lang))
        .flat_map(|(_, text)| code::redis_block_commands(&text))
        .collect()
}

/// The rendered text without styles: one line of text per rendered line (for searching,
/// copying and tests).
pub fn to_plain_text(rendered: &Rendered) -> String {
    let mut text = String::new();
    for (index, line) in rendered.lines.iter().enumerate() {
        if index > 0 {
            text.push('\n');
        }
        for span in &line.spans {
            text.push_str(&span.content);
        }
    }
    text
}
