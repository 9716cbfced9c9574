//! Argument hints as redis-cli 7.0 gives them while typing.
//!
//! Hints follow redis-cli 7.0's position rule: find the longest command name that the typed
//! words start with, take its argument syntax, and drop one word of it for every argument typed,
//! stopping at the first optional part (`[`), since optional parts may or may not be used.

use super::help::{HelpEntry, help_entries};
use crate::resp::split_args;

/// The grey text redis-cli shows after what has been typed, or None when it shows none.
///
/// `SET ` hints `key value [NX|XX] ...`, `SET k` hints ` value [NX|XX] ...`, `SET k v ` hints
/// `[NX|XX] ...`; a hint starts with a space unless the line already ends with one.
pub fn hint(line: &str) -> Option<String> {
    hint_with(help_entries(), line)
}

/// [`hint`] over the given help entries (e.g. built from another server's COMMAND DOCS).
pub fn hint_with(entries: &[HelpEntry], line: &str) -> Option<String> {
    let args = split_args(line.as_bytes())?;
    if args.is_empty() {
        return None;
    }
    let ends_with_space = line.ends_with(|c: char| c.is_ascii_whitespace());
    let entry = entries
        .iter()
        .filter(|e| {
            e.words.len() <= args.len()
                && e.words
                    .iter()
                    .zip(&args)
                    .all(|(w, a)| a.eq_ignore_ascii_case(w.as_bytes()))
        })
        .max_by_key(|e| e.words.len())?;
    let mut to_remove = args.len() - entry.words.len();
    let mut hint = entry.params.as_str();
    while to_remove > 0 && !hint.is_empty() && !hint.starts_with('[') {
        if hint.starts_with(' ') {
            to_remove -= 1;
        }
        hint = &hint[hint.chars().next().map_or(1, char::len_utf8)..];
    }
    Some(if ends_with_space {
        hint.to_string()
    } else {
        format!(" {hint}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_drop_one_word_per_typed_argument() {
        assert_eq!(hint("echo").as_deref(), Some(" message"));
        assert_eq!(hint("echo ").as_deref(), Some("message"));
        assert_eq!(hint("ECHO hello").as_deref(), Some(" "));
        assert_eq!(hint("ECHO hello ").as_deref(), Some(""));
        assert_eq!(hint("select").as_deref(), Some(" index"));
    }

    #[test]
    fn hints_stop_at_optional_parts() {
        assert_eq!(hint("ping").as_deref(), Some(" [message]"));
        assert_eq!(hint("ping hello ").as_deref(), Some("[message]"));
    }

    #[test]
    fn no_hint_for_unknown_commands_or_bad_quotes() {
        assert_eq!(hint("nosuchcommand "), None);
        assert_eq!(hint("echo \"open"), None);
        assert_eq!(hint(""), None);
    }
}
