//! Code blocks: a frame with the language, unwrapped lines, and ```redis highlighting.

use std::ops::Range;

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::wrap::{clip_spans, merge_spans, text_width};
use super::{CodeBlock, Rendered, theme};
use crate::resp::split_args;

/// Columns between tab stops when code holds tabs.
const TAB_WIDTH: usize = 4;

/// The container commands of Redis 7.0, whose second word names a subcommand.
const CONTAINER_COMMANDS: [&str; 15] = [
    "ACL", "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "FUNCTION", "LATENCY", "MEMORY", "MODULE",
    "OBJECT", "PUBSUB", "SCRIPT", "SLOWLOG", "XGROUP", "XINFO",
];

/// Whether a fence's language marks a block of redis-cli commands.
pub fn is_redis_lang(lang: &str) -> bool {
    lang.eq_ignore_ascii_case("redis")
}

/// Whether a (trimmed) line of a ```redis block is a comment.
fn is_comment(line: &str) -> bool {
    line.starts_with('#')
}

/// The commands of a ```redis block's text: its trimmed lines, without blanks and comments.
pub fn redis_block_commands(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !is_comment(line))
        .map(str::to_owned)
        .collect()
}

/// Renders a code block: a top rule with the language, each line behind a `│ ` gutter (never
/// wrapped, so it may be wider than `width`), and a bottom rule.
pub fn render_code_block(lang: &str, text: &str, width: usize) -> Rendered {
    let mut lines = Vec::new();
    let label = if lang.is_empty() {
        vec![Span::styled("╭─", theme::CODE_FRAME)]
    } else {
        vec![
            Span::styled("╭─ ", theme::CODE_FRAME),
            Span::styled(lang.to_owned(), theme::CODE_LANG),
            Span::styled(" ", theme::CODE_FRAME),
        ]
    };
    lines.push(frame_line(label, width));

    let redis = is_redis_lang(lang);
    let code_lines: Vec<&str> = if text.is_empty() {
        vec![""]
    } else {
        text.split('\n').collect()
    };
    let first_line = lines.len();
    for code_line in code_lines {
        let shown = expand_tabs(code_line.strip_suffix('\r').unwrap_or(code_line));
        let mut spans = vec![Span::styled("│", theme::CODE_FRAME)];
        if !shown.is_empty() {
            spans.push(Span::styled(" ", theme::CODE_FRAME));
            if redis {
                spans.extend(highlight_redis_line(&shown));
            } else {
                spans.push(Span::styled(shown, theme::CODE_TEXT));
            }
        }
        lines.push(Line::from(merge_spans(spans)));
    }
    let last_line = lines.len() - 1;
    lines.push(frame_line(
        vec![Span::styled("╰", theme::CODE_FRAME)],
        width,
    ));

    Rendered {
        lines,
        code_blocks: vec![CodeBlock {
            lang: lang.to_owned(),
            text: text.to_owned(),
            first_line,
            last_line,
        }],
        headings: Vec::new(),
    }
}

/// A frame rule: `start` followed by `─` up to `width` columns (clipped to `width`).
fn frame_line(start: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let mut spans = clip_spans(&start, width);
    let used: usize = spans.iter().map(|span| text_width(&span.content)).sum();
    let fill = width.saturating_sub(used);
    if fill > 0 {
        spans.push(Span::styled("─".repeat(fill), theme::CODE_FRAME));
    }
    Line::from(merge_spans(spans))
}

/// Replaces tabs by spaces up to the next tab stop and drops other control characters, so
/// that the terminal shows the line as written.
fn expand_tabs(line: &str) -> String {
    let mut shown = String::with_capacity(line.len());
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let spaces = TAB_WIDTH - column % TAB_WIDTH;
            shown.extend(std::iter::repeat_n(' ', spaces));
            column += spaces;
        } else if !c.is_control() {
            shown.push(c);
            column += text_width(c.encode_utf8(&mut [0; 4]));
        }
    }
    shown
}

/// What a word of a redis command line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    Command,
    Subcommand,
    Quoted,
    Number,
    Plain,
}

impl TokenKind {
    fn style(self) -> Style {
        match self {
            TokenKind::Command => theme::REDIS_COMMAND,
            TokenKind::Subcommand => theme::REDIS_SUBCOMMAND,
            TokenKind::Quoted => theme::REDIS_STRING,
            TokenKind::Number => theme::REDIS_NUMBER,
            TokenKind::Plain => theme::REDIS_PLAIN,
        }
    }
}

/// Highlights one line of a ```redis block, keeping its spacing: each word tokenized by
/// redis-cli's rules gets the style of its kind; comments are dimmed and lines that do not
/// tokenize (unbalanced quotes) are shown plainly.
fn highlight_redis_line(line: &str) -> Vec<Span<'static>> {
    if is_comment(line.trim_start()) {
        return vec![Span::styled(line.to_owned(), theme::REDIS_COMMENT)];
    }
    let Some(ranges) = token_ranges(line) else {
        return vec![Span::styled(line.to_owned(), theme::REDIS_PLAIN)];
    };
    let mut spans = Vec::new();
    let mut end_of_previous = 0;
    let mut is_container = false;
    for (index, range) in ranges.into_iter().enumerate() {
        if range.start > end_of_previous {
            spans.push(Span::styled(
                line[end_of_previous..range.start].to_owned(),
                theme::REDIS_PLAIN,
            ));
        }
        let word = &line[range.clone()];
        let kind = if index == 0 {
            is_container = CONTAINER_COMMANDS
                .iter()
                .any(|name| name.eq_ignore_ascii_case(word));
            TokenKind::Command
        } else if index == 1 && is_container {
            TokenKind::Subcommand
        } else if word.contains(['"', '\'']) {
            TokenKind::Quoted
        } else if is_number(word) {
            TokenKind::Number
        } else {
            TokenKind::Plain
        };
        spans.push(Span::styled(word.to_owned(), kind.style()));
        end_of_previous = range.end;
    }
    if end_of_previous < line.len() {
        spans.push(Span::styled(
            line[end_of_previous..].to_owned(),
            theme::REDIS_PLAIN,
        ));
    }
    spans
}

/// The byte ranges of the words of a command line, as `split_args` splits it; `None` when the
/// line does not tokenize.
///
/// The ranges are found by a scan that follows redis-cli's quoting, and each one is checked
/// against `split_args`: it must yield exactly the same argument on its own.
fn token_ranges(line: &str) -> Option<Vec<Range<usize>>> {
    let bytes = line.as_bytes();
    let args = split_args(bytes)?;
    let mut ranges = Vec::with_capacity(args.len());
    let mut i = 0;
    loop {
        while i < bytes.len() && is_c_space(bytes[i]) {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let c = bytes[i];
            match quote {
                Some(b'"') if c == b'\\' && i + 1 < bytes.len() => i += 1,
                Some(b'\'') if c == b'\\' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
                Some(open) if c == open => {
                    i += 1;
                    break;
                }
                Some(_) => {}
                None if matches!(c, b' ' | b'\n' | b'\r' | b'\t' | 0) => break,
                None if c == b'"' || c == b'\'' => quote = Some(c),
                None => {}
            }
            i += 1;
        }
        let end = i.min(bytes.len());
        ranges.push(start..end);
        i = end;
    }
    let consistent = ranges.len() == args.len()
        && ranges.iter().zip(&args).all(|(range, arg)| {
            line.is_char_boundary(range.start)
                && line.is_char_boundary(range.end)
                && split_args(&bytes[range.clone()]).is_some_and(|alone| alone == [arg.clone()])
        });
    consistent.then_some(ranges)
}

/// C's isspace, which redis-cli uses to skip between arguments.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Integers, floats, `(`-exclusive bounds, infinities and stream ids (`1700000000000-0`).
fn is_number(word: &str) -> bool {
    let word = word.strip_prefix('(').unwrap_or(word);
    if ["inf", "+inf", "-inf"]
        .iter()
        .any(|infinity| infinity.eq_ignore_ascii_case(word))
    {
        return true;
    }
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if let Some((millis, sequence)) = word.split_once('-')
        && all_digits(millis)
        && all_digits(sequence)
    {
        return true;
    }
    word.bytes().any(|b| b.is_ascii_digit())
        && word
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        && word.parse::<f64>().is_ok()
}
