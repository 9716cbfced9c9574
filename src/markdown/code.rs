//! Code blocks: a box with the language, long lines wrapped with a continuation mark, ```redis
//! blocks coloured by the console's tokenizer and other languages by a small generic highlighter
//! (keywords, strings, numbers, comments).

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::wrap::{clip_spans, merge_spans, spans_width, text_width};
use super::{CodeBlock, Rendered, theme};
use crate::console::highlight::{TokenKind, highlight};

/// Columns between tab stops when code holds tabs.
const TAB_WIDTH: usize = 4;

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

/// Renders a code block in a box: a top rule with the language, each line between `│ ` and
/// ` │`, and a bottom rule. A line wider than the box wraps; its continuation rows start with
/// `│↪`, so nothing is ever cut. Boxes narrower than five columns drop their sides.
pub fn render_code_block(lang: &str, text: &str, width: usize) -> Rendered {
    let boxed = width >= MIN_BOXED_WIDTH;
    let inner = if boxed {
        width - 4
    } else {
        width.saturating_sub(1).max(1)
    };
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
    lines.push(frame_line(label, "╮", width, boxed));

    let code_lines: Vec<&str> = if text.is_empty() {
        vec![""]
    } else {
        text.split('\n').collect()
    };
    let first_line = lines.len();
    let mut highlighter = Highlighter::for_lang(lang);
    for code_line in code_lines {
        let shown = expand_tabs(code_line.strip_suffix('\r').unwrap_or(code_line));
        let spans = highlighter.line(&shown);
        for (row, chunk) in split_at_width(spans, inner).into_iter().enumerate() {
            let used = spans_width(&chunk);
            let (border, mark) = match (boxed, width > 1) {
                (true, _) => ("│", if row == 0 { " " } else { "↪" }),
                (false, true) if row == 0 => ("│", ""),
                (false, true) => ("", "↪"),
                (false, false) => ("", ""),
            };
            let mut spans = vec![
                Span::styled(border, theme::CODE_FRAME),
                Span::styled(mark, theme::CODE_CONTINUATION),
            ];
            spans.extend(chunk);
            if boxed {
                spans.push(Span::raw(" ".repeat(inner.saturating_sub(used))));
                spans.push(Span::styled(" │", theme::CODE_FRAME));
            }
            lines.push(Line::from(merge_spans(spans)));
        }
    }
    let last_line = lines.len() - 1;
    lines.push(frame_line(
        vec![Span::styled("╰", theme::CODE_FRAME)],
        "╯",
        width,
        boxed,
    ));

    Rendered {
        lines,
        code_blocks: vec![CodeBlock {
            lang: lang.to_owned(),
            text: text.to_owned(),
            first_line,
            last_line,
        }],
        ..Rendered::default()
    }
}

/// Boxes at least this wide have both sides; narrower ones only the left gutter.
const MIN_BOXED_WIDTH: usize = 5;

/// Cuts styled text into rows of at most `width` columns (at least one row, maybe empty).
fn split_at_width(spans: Vec<Span<'static>>, width: usize) -> Vec<Vec<Span<'static>>> {
    let width = width.max(1);
    let mut rows = vec![Vec::new()];
    let mut used = 0;
    for span in spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            let char_width = text_width(c.encode_utf8(&mut [0; 4]));
            if used + char_width > width && used > 0 {
                if !piece.is_empty() {
                    rows.last_mut()
                        .expect("rows start non-empty")
                        .push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                rows.push(Vec::new());
                used = 0;
            }
            if char_width > width {
                // A double-width character in a one-column box.
                piece.push('…');
                used += 1;
            } else {
                piece.push(c);
                used += char_width;
            }
        }
        if !piece.is_empty() {
            rows.last_mut()
                .expect("rows start non-empty")
                .push(Span::styled(piece, span.style));
        }
    }
    rows
}

/// A frame rule: `start`, then `─` up to `width` columns, then `corner` when the box has
/// sides (clipped to `width`).
fn frame_line(start: Vec<Span<'static>>, corner: &str, width: usize, boxed: bool) -> Line<'static> {
    let corner_width = if boxed { text_width(corner) } else { 0 };
    let mut spans = clip_spans(&start, width.saturating_sub(corner_width));
    let used: usize = spans_width(&spans);
    let fill = width.saturating_sub(used + corner_width);
    if fill > 0 {
        spans.push(Span::styled("─".repeat(fill), theme::CODE_FRAME));
    }
    if boxed {
        spans.push(Span::styled(corner.to_owned(), theme::CODE_FRAME));
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

/// Colours the lines of one code block, keeping state between lines (an open block comment).
struct Highlighter {
    syntax: Option<&'static Syntax>,
    redis: bool,
    in_block_comment: bool,
}

impl Highlighter {
    fn for_lang(lang: &str) -> Highlighter {
        Highlighter {
            syntax: syntax_for(lang),
            redis: is_redis_lang(lang),
            in_block_comment: false,
        }
    }

    /// The styled spans of one line of code (its text unchanged).
    fn line(&mut self, line: &str) -> Vec<Span<'static>> {
        if self.redis {
            highlight_redis_line(line)
        } else if let Some(syntax) = self.syntax {
            highlight_code_line(syntax, line, &mut self.in_block_comment)
        } else if line.is_empty() {
            Vec::new()
        } else {
            vec![Span::styled(line.to_owned(), theme::CODE_TEXT)]
        }
    }
}

/// Highlights one line of a ```redis block with the console's tokenizer, keeping its spacing.
fn highlight_redis_line(line: &str) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut end_of_previous = 0;
    for token in highlight(line) {
        if token.range.start > end_of_previous {
            spans.push(Span::styled(
                line[end_of_previous..token.range.start].to_owned(),
                theme::REDIS_PLAIN,
            ));
        }
        spans.push(Span::styled(
            line[token.range.clone()].to_owned(),
            redis_style(token.kind),
        ));
        end_of_previous = token.range.end;
    }
    if end_of_previous < line.len() {
        spans.push(Span::styled(
            line[end_of_previous..].to_owned(),
            theme::REDIS_PLAIN,
        ));
    }
    spans
}

/// The style of a word of a redis command line.
pub fn redis_style(kind: TokenKind) -> Style {
    match kind {
        TokenKind::Command => theme::REDIS_COMMAND,
        TokenKind::Subcommand => theme::REDIS_SUBCOMMAND,
        TokenKind::Keyword => theme::REDIS_KEYWORD,
        TokenKind::Quoted => theme::REDIS_STRING,
        TokenKind::Unterminated => theme::REDIS_UNTERMINATED,
        TokenKind::Number => theme::REDIS_NUMBER,
        TokenKind::Plain => theme::REDIS_PLAIN,
        TokenKind::Comment => theme::REDIS_COMMENT,
    }
}

/// What the generic highlighter knows of a language.
struct Syntax {
    /// Markers that start a comment running to the end of the line.
    line_comments: &'static [&'static str],
    /// Markers of a comment that may span lines.
    block_comment: Option<(&'static str, &'static str)>,
    /// Reserved words.
    keywords: &'static [&'static str],
}

const LUA: Syntax = Syntax {
    line_comments: &["--"],
    block_comment: Some(("--[[", "]]")),
    keywords: &[
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ],
};
const PYTHON: Syntax = Syntax {
    line_comments: &["#"],
    block_comment: None,
    keywords: &[
        "and", "as", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
        "except", "False", "finally", "for", "from", "if", "import", "in", "is", "lambda", "None",
        "not", "or", "pass", "raise", "return", "True", "try", "while", "with", "yield",
    ],
};
const C_LIKE: Syntax = Syntax {
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    keywords: &[
        "async", "await", "break", "case", "catch", "class", "const", "continue", "default",
        "defer", "else", "enum", "export", "false", "fn", "for", "func", "function", "go", "if",
        "impl", "import", "let", "loop", "match", "mut", "new", "null", "package", "pub", "return",
        "static", "struct", "switch", "this", "throw", "true", "try", "type", "use", "var", "void",
        "while",
    ],
};
const SHELL: Syntax = Syntax {
    line_comments: &["#"],
    block_comment: None,
    keywords: &[
        "case", "do", "done", "elif", "else", "esac", "export", "fi", "for", "function", "if",
        "in", "then", "until", "while",
    ],
};
const SQL: Syntax = Syntax {
    line_comments: &["--"],
    block_comment: Some(("/*", "*/")),
    keywords: &[
        "AND", "BY", "CREATE", "DELETE", "FROM", "GROUP", "INSERT", "INTO", "JOIN", "LIMIT", "NOT",
        "NULL", "OR", "ORDER", "SELECT", "SET", "TABLE", "UPDATE", "VALUES", "WHERE",
    ],
};
const CONFIG: Syntax = Syntax {
    line_comments: &["#"],
    block_comment: None,
    keywords: &["false", "no", "null", "true", "yes"],
};

/// The syntax of a fence's language, if the highlighter knows it.
fn syntax_for(lang: &str) -> Option<&'static Syntax> {
    Some(match lang.to_ascii_lowercase().as_str() {
        "lua" => &LUA,
        "python" | "py" => &PYTHON,
        "javascript" | "js" | "typescript" | "ts" | "node" | "rust" | "rs" | "go" | "java"
        | "c" | "cpp" | "c++" | "csharp" | "cs" | "kotlin" | "json" => &C_LIKE,
        "sh" | "bash" | "shell" | "console" | "zsh" => &SHELL,
        "sql" => &SQL,
        "toml" | "yaml" | "yml" | "ini" | "conf" | "redis.conf" => &CONFIG,
        _ => return None,
    })
}

/// Highlights one line of code: comments, strings, numbers and keywords.
fn highlight_code_line(
    syntax: &Syntax,
    line: &str,
    in_block_comment: &mut bool,
) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut push = |text: &str, style: Style| {
        if !text.is_empty() {
            spans.push(Span::styled(text.to_owned(), style));
        }
    };
    let mut rest = line;
    while !rest.is_empty() {
        if *in_block_comment {
            let close = syntax.block_comment.map_or("", |(_, close)| close);
            match rest.find(close).filter(|_| !close.is_empty()) {
                Some(at) => {
                    push(&rest[..at + close.len()], theme::CODE_COMMENT);
                    rest = &rest[at + close.len()..];
                    *in_block_comment = false;
                }
                None => {
                    push(rest, theme::CODE_COMMENT);
                    rest = "";
                }
            }
            continue;
        }
        if let Some((open, _)) = syntax.block_comment
            && rest.starts_with(open)
        {
            push(open, theme::CODE_COMMENT);
            rest = &rest[open.len()..];
            *in_block_comment = true;
            continue;
        }
        if syntax.line_comments.iter().any(|m| rest.starts_with(m)) {
            push(rest, theme::CODE_COMMENT);
            break;
        }
        let first = rest.chars().next().expect("rest is not empty");
        if matches!(first, '"' | '\'' | '`') {
            let end = string_end(rest, first);
            push(&rest[..end], theme::CODE_STRING);
            rest = &rest[end..];
        } else if first.is_alphanumeric() || first == '_' {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(rest.len());
            let word = &rest[..end];
            let style = if word.starts_with(|c: char| c.is_ascii_digit()) {
                theme::CODE_NUMBER
            } else if syntax.keywords.contains(&word) {
                theme::CODE_KEYWORD
            } else {
                theme::CODE_PLAIN
            };
            push(word, style);
            rest = &rest[end..];
        } else {
            push(&rest[..first.len_utf8()], theme::CODE_PLAIN);
            rest = &rest[first.len_utf8()..];
        }
    }
    merge_spans(spans)
}

/// The byte length of the string literal at the start of `text`, which opens with `quote`
/// (to the end of the line when it is not closed).
fn string_end(text: &str, quote: char) -> usize {
    let mut escaped = false;
    for (index, c) in text.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return index + c.len_utf8();
        }
    }
    text.len()
}
