//! Word wrapping of styled inline content by display width, and span helpers.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::parse::Inline;

/// Display width of a string, as ratatui measures a span.
pub fn text_width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// Display width of a sequence of spans, as ratatui measures a line.
pub fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|span| text_width(&span.content)).sum()
}

/// A styled piece of an unbreakable word.
#[derive(Debug, Clone)]
struct Piece {
    text: String,
    style: Style,
    code: bool,
}

/// A word: pieces with no breakable space between them, maybe preceded by a space.
#[derive(Debug, Clone)]
struct Word {
    pieces: Vec<Piece>,
    /// The style of the space before the word, if there is one.
    space_before: Option<Style>,
}

impl Word {
    fn width(&self) -> usize {
        self.pieces
            .iter()
            .map(|piece| text_width(&piece.text))
            .sum()
    }

    /// Breaks a word that holds inline code with spaces at those spaces, or else between its
    /// code and the text glued to it; `None` when neither applies.
    fn split(&self) -> Option<Vec<Word>> {
        let at_code_spaces = self.split_with(|piece| {
            if piece.code {
                piece.text.split(' ').map(str::to_owned).collect()
            } else {
                vec![piece.text.clone()]
            }
        });
        if at_code_spaces.len() > 1 {
            return Some(at_code_spaces);
        }
        let mut groups: Vec<Word> = Vec::new();
        for piece in &self.pieces {
            match groups.last_mut() {
                Some(word)
                    if word
                        .pieces
                        .last()
                        .is_some_and(|last| last.code == piece.code) =>
                {
                    word.pieces.push(piece.clone());
                }
                _ => groups.push(Word {
                    pieces: vec![piece.clone()],
                    space_before: if groups.is_empty() {
                        self.space_before
                    } else {
                        None
                    },
                }),
            }
        }
        (groups.len() > 1).then_some(groups)
    }

    /// Splits each piece into segments with `segments`; a boundary between segments of a piece
    /// becomes a space in that piece's style. Empty segments vanish.
    fn split_with(&self, segments: impl Fn(&Piece) -> Vec<String>) -> Vec<Word> {
        let mut words = Vec::new();
        let mut current = Word {
            pieces: Vec::new(),
            space_before: self.space_before,
        };
        for piece in &self.pieces {
            for (index, segment) in segments(piece).into_iter().enumerate() {
                if index > 0 && !current.pieces.is_empty() {
                    words.push(std::mem::replace(
                        &mut current,
                        Word {
                            pieces: Vec::new(),
                            space_before: Some(piece.style),
                        },
                    ));
                } else if index > 0 {
                    current.space_before = current.space_before.or(Some(piece.style));
                }
                if !segment.is_empty() {
                    current.pieces.push(Piece {
                        text: segment,
                        ..piece.clone()
                    });
                }
            }
        }
        if !current.pieces.is_empty() {
            words.push(current);
        }
        words
    }
}

/// A unit of layout.
#[derive(Debug, Clone)]
enum Token {
    Word(Word),
    Break,
}

/// Whether a character separates words in prose.
fn is_break_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Removes control characters that would upset the terminal (tabs and newlines become spaces).
fn sanitize(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// A prose word cut after each hyphen that joins two letters or digits (`read-modify-write`
/// may wrap as `read-modify-` and `write`; `-1` stays whole).
fn hyphen_segments(word: &str) -> Vec<&str> {
    let mut segments = Vec::new();
    let mut start = 0;
    let mut previous: Option<char> = None;
    let mut chars = word.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let joins_words = c == '-'
            && previous.is_some_and(char::is_alphanumeric)
            && chars.peek().is_some_and(|(_, next)| next.is_alphanumeric());
        if joins_words {
            segments.push(&word[start..index + 1]);
            start = index + 1;
        }
        previous = Some(c);
    }
    segments.push(&word[start..]);
    segments
}

/// Splits inline content into words (and hard breaks). Words break at spaces and after
/// hyphens between letters; inline code is one word with the text glued to it.
fn tokenize(inlines: &[Inline]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut current: Option<Word> = None;
    let mut pending_space: Option<Style> = None;
    let add_piece =
        |current: &mut Option<Word>, pending_space: &mut Option<Style>, piece: Piece| {
            current
                .get_or_insert_with(|| Word {
                    pieces: Vec::new(),
                    space_before: pending_space.take(),
                })
                .pieces
                .push(piece);
        };
    for inline in inlines {
        match inline {
            Inline::Break => {
                tokens.extend(current.take().map(Token::Word));
                tokens.push(Token::Break);
                pending_space = None;
            }
            Inline::Code(text, style) => {
                let text = sanitize(text);
                if !text.is_empty() {
                    let piece = Piece {
                        text,
                        style: *style,
                        code: true,
                    };
                    add_piece(&mut current, &mut pending_space, piece);
                }
            }
            Inline::Text(text, style) => {
                let mut rest = text.as_str();
                while !rest.is_empty() {
                    let spaces = rest.len() - rest.trim_start_matches(is_break_space).len();
                    if spaces > 0 {
                        tokens.extend(current.take().map(Token::Word));
                        pending_space = pending_space.or(Some(*style));
                        rest = &rest[spaces..];
                        continue;
                    }
                    let end = rest.find(is_break_space).unwrap_or(rest.len());
                    for (index, segment) in hyphen_segments(&rest[..end]).into_iter().enumerate() {
                        if index > 0 {
                            tokens.extend(current.take().map(Token::Word));
                        }
                        let text = sanitize(segment);
                        if !text.is_empty() {
                            let piece = Piece {
                                text,
                                style: *style,
                                code: false,
                            };
                            add_piece(&mut current, &mut pending_space, piece);
                        }
                    }
                    rest = &rest[end..];
                }
            }
        }
    }
    tokens.extend(current.map(Token::Word));
    tokens
}

/// Builds lines of at most `width` columns.
struct Lines {
    width: usize,
    lines: Vec<Line<'static>>,
    /// The current line's runs of same-styled text, each with its parts' summed width.
    runs: Vec<Run>,
    used: usize,
}

/// Text of one style on the line being built.
struct Run {
    parts: Vec<String>,
    style: Style,
    width: usize,
}

impl Lines {
    fn push(&mut self, text: String, style: Style) {
        let width = text_width(&text);
        self.used += width;
        match self.runs.last_mut() {
            Some(run) if run.style == style => {
                run.parts.push(text);
                run.width += width;
            }
            _ => self.runs.push(Run {
                parts: vec![text],
                style,
                width,
            }),
        }
    }

    /// Ends the current line. Each run becomes one span, unless joining its parts would change
    /// their measured width (characters that combine across parts); then each part is a span.
    fn finish_line(&mut self) {
        let mut spans = Vec::with_capacity(self.runs.len());
        for run in self.runs.drain(..) {
            let joined = run.parts.concat();
            if text_width(&joined) == run.width {
                spans.push(Span::styled(joined, run.style));
            } else {
                spans.extend(
                    run.parts
                        .into_iter()
                        .map(|part| Span::styled(part, run.style)),
                );
            }
        }
        self.lines.push(Line::from(spans));
        self.used = 0;
    }

    /// Places a word wider than the whole line, a character at a time, starting on a new line.
    fn place_by_characters(&mut self, word: Word) {
        if self.used > 0 {
            self.finish_line();
        }
        for piece in word.pieces {
            let mut chunk = String::new();
            for c in piece.text.chars() {
                let mut candidate = chunk.clone();
                candidate.push(c);
                if self.used + text_width(&candidate) <= self.width {
                    chunk = candidate;
                    continue;
                }
                if !chunk.is_empty() {
                    self.push(std::mem::take(&mut chunk), piece.style);
                }
                if self.used > 0 {
                    self.finish_line();
                }
                let alone = c.to_string();
                chunk = if text_width(&alone) <= self.width {
                    alone
                } else {
                    // A double-width character on a one-column line.
                    "…".to_owned()
                };
            }
            if !chunk.is_empty() {
                self.push(chunk, piece.style);
            }
        }
    }
}

/// Joins neighbouring spans of the same style (when that keeps the measured width).
pub fn merge_spans(spans: Vec<Span<'static>>) -> Vec<Span<'static>> {
    let mut merged: Vec<Span<'static>> = Vec::with_capacity(spans.len());
    for span in spans {
        if span.content.is_empty() {
            continue;
        }
        if let Some(last) = merged.last_mut()
            && last.style == span.style
        {
            let joined = format!("{}{}", last.content, span.content);
            if text_width(&joined) == text_width(&last.content) + text_width(&span.content) {
                last.content = joined.into();
                continue;
            }
        }
        merged.push(span);
    }
    merged
}

/// Wraps inline content into lines of at most `width` columns (`width` ≥ 1), breaking at
/// spaces; a word longer than a line is broken between characters. Always at least one line.
pub fn wrap(inlines: &[Inline], width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut out = Lines {
        width,
        lines: Vec::new(),
        runs: Vec::new(),
        used: 0,
    };
    let mut pending: Vec<Token> = tokenize(inlines);
    pending.reverse();
    while let Some(token) = pending.pop() {
        let word = match token {
            Token::Break => {
                out.finish_line();
                continue;
            }
            Token::Word(word) => word,
        };
        let word_width = word.width();
        let space = usize::from(out.used > 0 && word.space_before.is_some());
        if out.used + space + word_width <= width {
            if space == 1 {
                out.push(" ".to_owned(), word.space_before.unwrap_or_default());
            }
            for piece in word.pieces {
                out.push(piece.text, piece.style);
            }
        } else if word_width <= width {
            out.finish_line();
            for piece in word.pieces {
                out.push(piece.text, piece.style);
            }
        } else if let Some(parts) = word.split() {
            pending.extend(parts.into_iter().rev().map(Token::Word));
        } else {
            out.place_by_characters(word);
        }
    }
    if !out.runs.is_empty() || out.lines.is_empty() {
        out.finish_line();
    }
    out.lines
}

/// The widest line the content takes when nothing wraps.
pub fn natural_width(inlines: &[Inline]) -> usize {
    wrap(inlines, usize::MAX / 2)
        .iter()
        .map(Line::width)
        .max()
        .unwrap_or(0)
}

/// Where content cannot wrap: the widths of its words as written between spaces, and of the
/// pieces that hyphens split them into.
pub struct WordWidths {
    /// Widths of the words between spaces (`read-modify-write` is one).
    pub words: Vec<usize>,
    /// Widths of the pieces a line may end between (`read-`, `modify-`, `write`).
    pub pieces: Vec<usize>,
}

/// The widths of the words and word pieces of the content.
pub fn word_widths(inlines: &[Inline]) -> WordWidths {
    let mut widths = WordWidths {
        words: Vec::new(),
        pieces: Vec::new(),
    };
    let mut current: Option<usize> = None;
    for token in tokenize(inlines) {
        match token {
            Token::Break => widths.words.extend(current.take()),
            Token::Word(word) => {
                let width = word.width();
                widths.pieces.push(width);
                current = match (current, word.space_before) {
                    (Some(glued), None) => Some(glued + width),
                    (previous, _) => {
                        widths.words.extend(previous);
                        Some(width)
                    }
                };
            }
        }
    }
    widths.words.extend(current);
    widths
}

/// The spans cut to at most `max` columns.
pub fn clip_spans(spans: &[Span<'static>], max: usize) -> Vec<Span<'static>> {
    let mut clipped = Vec::new();
    let mut used = 0;
    for span in spans {
        let mut text = String::new();
        for c in span.content.chars() {
            let mut candidate = text.clone();
            candidate.push(c);
            if used + text_width(&candidate) > max {
                break;
            }
            text = candidate;
        }
        used += text_width(&text);
        let full = text.len() == span.content.len();
        if !text.is_empty() {
            clipped.push(Span::styled(text, span.style));
        }
        if !full {
            break;
        }
    }
    clipped
}

/// A line of `width` copies of `c`.
pub fn rule(c: char, width: usize, style: Style) -> Line<'static> {
    Line::from(Span::styled(c.to_string().repeat(width), style))
}
