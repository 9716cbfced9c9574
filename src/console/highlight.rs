//! Syntax colour for redis-cli command lines: which part of a line is the command, a
//! subcommand, an option keyword, a quoted string, a number or another argument.
//!
//! The console's input line and the ```redis blocks of lessons both use [`highlight`], so a
//! command looks the same where it is read and where it is typed. Words are found by
//! redis-cli's quoting rules (sdssplitargs); unlike [`split_args`](crate::resp::split_args)
//! the scan never fails: an unbalanced quote marks the rest of the line as
//! [`TokenKind::Unterminated`], which is what a learner sees while still typing it.

use super::help::{HelpEntry, help_entries};
use std::ops::Range;

/// What a word of a command line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The command's name (`SET`), or an unknown first word.
    Command,
    /// The second word of a container command (`CONFIG GET`, `XGROUP CREATE`).
    Subcommand,
    /// A keyword of the command's syntax (`NX`, `EX`, `WITHSCORES`, `BYSCORE`).
    Keyword,
    /// A quoted argument.
    Quoted,
    /// A quoted argument whose closing quote is missing (the rest of the line).
    Unterminated,
    /// Integers, floats, `(` exclusive bounds, infinities, stream ids, a repeat count.
    Number,
    /// Any other argument.
    Plain,
    /// A whole line that starts with `#` (in a ```redis block).
    Comment,
}

/// A word of a command line: its byte range in the line and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub range: Range<usize>,
    pub kind: TokenKind,
}

/// The words of `line` with their kinds, in order. The text between the ranges is white space.
pub fn highlight(line: &str) -> Vec<Token> {
    if line.trim_start().starts_with('#') {
        let start = line.len() - line.trim_start().len();
        return vec![Token {
            range: start..line.len(),
            kind: TokenKind::Comment,
        }];
    }
    let words = scan(line);
    let mut tokens = Vec::with_capacity(words.len());
    let mut index = 0;
    // `3 INCR x`: a leading count before more words is a number, as redis-cli reads it.
    if words.len() > 1 && is_count(&line[words[0].0.clone()]) {
        tokens.push(Token {
            range: words[0].0.clone(),
            kind: TokenKind::Number,
        });
        index = 1;
    }
    let typed: Vec<&str> = words[index..]
        .iter()
        .map(|(range, _)| &line[range.clone()])
        .collect();
    let entry = command_entry(&typed);
    let name_words = entry.map_or(1, |entry| entry.words.len());
    let keywords: Vec<&str> = entry.map(|e| keywords_of(&e.params)).unwrap_or_default();
    for (position, (range, closed)) in words[index..].iter().enumerate() {
        let word = &line[range.clone()];
        let kind = if !closed {
            TokenKind::Unterminated
        } else if position == 0 {
            TokenKind::Command
        } else if position < name_words {
            TokenKind::Subcommand
        } else if word.contains(['"', '\'']) {
            TokenKind::Quoted
        } else if is_number(word) {
            TokenKind::Number
        } else if keywords.iter().any(|k| k.eq_ignore_ascii_case(word)) {
            TokenKind::Keyword
        } else {
            TokenKind::Plain
        };
        tokens.push(Token {
            range: range.clone(),
            kind,
        });
    }
    tokens
}

/// The help entry of the longest command name the words start with (`CONFIG GET` rather than
/// `CONFIG`).
pub fn command_entry(words: &[&str]) -> Option<&'static HelpEntry> {
    help_entries()
        .iter()
        .filter(|entry| {
            entry.words.len() <= words.len()
                && entry
                    .words
                    .iter()
                    .zip(words)
                    .all(|(name, word)| name.eq_ignore_ascii_case(word))
        })
        .max_by_key(|entry| entry.words.len())
}

/// The option keywords of an argument syntax: its upper-case words (`NX`, `XX`, `EX`, `GET`).
pub fn keywords_of(params: &str) -> Vec<&str> {
    let mut keywords: Vec<&str> = params
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .filter(|word| {
            word.len() >= 2
                && word.bytes().any(|b| b.is_ascii_uppercase())
                && word
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        })
        .collect();
    keywords.sort_unstable();
    keywords.dedup();
    keywords
}

/// The byte ranges of the words of a line as redis-cli splits it (an unclosed quote runs to
/// the end of the line).
pub fn word_ranges(line: &str) -> Vec<Range<usize>> {
    scan(line).into_iter().map(|(range, _)| range).collect()
}

/// The byte ranges of the words of a line as redis-cli splits it, each with whether its quotes
/// are closed.
fn scan(line: &str) -> Vec<(Range<usize>, bool)> {
    let bytes = line.as_bytes();
    let mut words = Vec::new();
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
        let mut closed = true;
        while i < bytes.len() {
            let c = bytes[i];
            match quote {
                Some(b'"') if c == b'\\' && i + 1 < bytes.len() => i += 1,
                Some(b'\'') if c == b'\\' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
                Some(open) if c == open => {
                    quote = None;
                    i += 1;
                    // A closing quote must be followed by a space or the end; redis-cli
                    // refuses anything else, so the rest stays part of this word.
                    if i < bytes.len() && !is_c_space(bytes[i]) {
                        closed = false;
                        i = bytes.len();
                    }
                    break;
                }
                Some(_) => {}
                None if is_c_space(c) => break,
                None if c == b'"' || c == b'\'' => quote = Some(c),
                None => {}
            }
            i += 1;
        }
        if quote.is_some() {
            closed = false;
        }
        let mut end = i.min(bytes.len());
        while !line.is_char_boundary(end) {
            end += 1;
        }
        words.push((start..end, closed));
        i = end;
    }
    words
}

/// C's isspace, which redis-cli uses to skip between arguments.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// A repeat count: digits with an optional sign.
fn is_count(word: &str) -> bool {
    let digits = word.strip_prefix(['+', '-']).unwrap_or(word);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Integers, floats, `(`-exclusive bounds, infinities and stream ids (`1700000000000-0`).
pub fn is_number(word: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<(&str, TokenKind)> {
        highlight(line)
            .into_iter()
            .map(|token| (&line[token.range], token.kind))
            .collect()
    }

    #[test]
    fn command_keywords_strings_and_numbers() {
        use TokenKind::*;
        assert_eq!(
            kinds(r#"set greeting "hello world" ex 60 nx"#),
            [
                ("set", Command),
                ("greeting", Plain),
                (r#""hello world""#, Quoted),
                ("ex", Keyword),
                ("60", Number),
                ("nx", Keyword),
            ]
        );
        assert_eq!(
            kinds("CONFIG GET maxmemory"),
            [
                ("CONFIG", Command),
                ("GET", Subcommand),
                ("maxmemory", Plain)
            ]
        );
        assert_eq!(
            kinds("3 INCR hits"),
            [("3", Number), ("INCR", Command), ("hits", Plain)]
        );
    }

    #[test]
    fn unbalanced_quotes_run_to_the_end_while_typing() {
        use TokenKind::*;
        assert_eq!(
            kinds(r#"SET k "still typ"#),
            [
                ("SET", Command),
                ("k", Plain),
                (r#""still typ"#, Unterminated)
            ]
        );
        assert_eq!(
            kinds(r#"SET k "x"y z"#),
            [("SET", Command), ("k", Plain), (r#""x"y z"#, Unterminated)]
        );
    }

    #[test]
    fn comments_and_multibyte_text() {
        assert_eq!(kinds("  # note"), [("# note", TokenKind::Comment)]);
        assert_eq!(
            kinds("XADD s * café ☕"),
            [
                ("XADD", TokenKind::Command),
                ("s", TokenKind::Plain),
                ("*", TokenKind::Plain),
                ("café", TokenKind::Plain),
                ("☕", TokenKind::Plain),
            ]
        );
    }

    #[test]
    fn keywords_come_from_the_argument_syntax() {
        assert_eq!(
            keywords_of("key [NX|XX] [GT|LT] [CH] [INCR] score member"),
            ["CH", "GT", "INCR", "LT", "NX", "XX"]
        );
    }
}
