//! Tab completion of a console line: command names, subcommands of container commands, the
//! option keywords of the command being typed, key names (from a list the caller keeps, e.g.
//! filled by SCAN), `help` topics and the tutor's `:` commands.

use super::help::{help_entries, help_groups};
use super::highlight::{command_entry, keywords_of, word_ranges};

/// What Tab can put in place of the word before the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Byte offset in the line where the word being completed starts.
    pub start: usize,
    /// The words that may replace it, in the order offered.
    pub candidates: Vec<String>,
}

/// At most this many key names are offered at once.
const MAX_KEY_CANDIDATES: usize = 50;

/// The completions of the last word of `line` (the cursor is at its end). `meta_commands` are
/// the console's own `:` commands; `keys` the key names known to exist.
pub fn complete_line(line: &str, meta_commands: &[&str], keys: &[String]) -> Completion {
    let mut words = word_ranges(line);
    let ends_with_space = line.is_empty() || line.ends_with(|c: char| c.is_ascii_whitespace());
    let current = if ends_with_space {
        line.len()..line.len()
    } else {
        words.pop().unwrap_or(0..line.len())
    };
    let typed = &line[current.clone()];
    let mut before: Vec<&str> = words.iter().map(|range| &line[range.clone()]).collect();
    if before.len() > 1 || (!before.is_empty() && !typed.is_empty()) {
        // `3 INCR x`: a leading count is not part of the command.
        if before
            .first()
            .is_some_and(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()))
        {
            before.remove(0);
        }
    }
    let starts = |candidate: &str| {
        candidate.len() >= typed.len()
            && candidate.is_char_boundary(typed.len())
            && candidate[..typed.len()].eq_ignore_ascii_case(typed)
    };
    let mut candidates: Vec<String> = Vec::new();
    match before.as_slice() {
        [] if typed.starts_with(':') => {
            candidates.extend(meta_commands.iter().map(|c| c.to_string()));
        }
        [] => {
            let mut names: Vec<&str> = help_entries()
                .iter()
                .map(|entry| entry.words[0].as_str())
                .collect();
            names.dedup();
            candidates.extend(names.into_iter().map(str::to_string));
        }
        [help] if help.eq_ignore_ascii_case("help") => {
            let mut names: Vec<String> = help_entries().iter().map(|e| e.name.clone()).collect();
            names.extend(help_groups().into_iter().map(|g| format!("@{g}")));
            names.sort();
            names.dedup();
            candidates.extend(names);
        }
        [peek] if peek.eq_ignore_ascii_case(":peek") => {
            candidates.extend(keys.iter().cloned());
        }
        [first, ..] => {
            let subcommands: Vec<&str> = help_entries()
                .iter()
                .filter(|e| e.words.len() == 2 && e.words[0].eq_ignore_ascii_case(first))
                .map(|e| e.words[1].as_str())
                .collect();
            if before.len() == 1 && !subcommands.is_empty() {
                candidates.extend(subcommands.into_iter().map(str::to_string));
            } else if let Some(entry) = command_entry(&before) {
                candidates.extend(keywords_of(&entry.params).into_iter().map(str::to_string));
                let mut key_names: Vec<String> = keys
                    .iter()
                    .filter(|key| key.starts_with(typed))
                    .take(MAX_KEY_CANDIDATES)
                    .cloned()
                    .collect();
                key_names.sort();
                candidates.extend(key_names);
            }
        }
    }
    candidates.retain(|candidate| starts(candidate));
    let mut seen = std::collections::HashSet::new();
    candidates.retain(|candidate| seen.insert(candidate.clone()));
    Completion {
        start: current.start,
        candidates: candidates
            .into_iter()
            .map(|c| quote_if_needed(&c))
            .collect(),
    }
}

/// The longest prefix every candidate shares (compared without case), as the first one
/// writes it.
pub fn common_prefix(candidates: &[String]) -> String {
    let Some(first) = candidates.first() else {
        return String::new();
    };
    let mut length = first.len();
    for candidate in &candidates[1..] {
        length = first
            .char_indices()
            .zip(candidate.chars())
            .take_while(|((_, a), b)| a.eq_ignore_ascii_case(b))
            .map(|((index, a), _)| index + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(length);
    }
    first[..length].to_string()
}

/// A key name as it must be typed: quoted when it holds spaces or quotes.
fn quote_if_needed(word: &str) -> String {
    if word.is_empty()
        || word
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '\'' || c.is_control())
    {
        let mut quoted = String::from("\"");
        for c in word.chars() {
            match c {
                '"' | '\\' => {
                    quoted.push('\\');
                    quoted.push(c);
                }
                '\n' => quoted.push_str("\\n"),
                '\r' => quoted.push_str("\\r"),
                '\t' => quoted.push_str("\\t"),
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        quoted
    } else {
        word.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(line: &str, keys: &[&str]) -> Vec<String> {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        complete_line(line, &[":peek", ":time"], &keys).candidates
    }

    #[test]
    fn command_names_then_subcommands() {
        assert_eq!(candidates("pin", &[]), ["PING"]);
        assert!(candidates("se", &[]).contains(&"SETEX".to_string()));
        assert_eq!(candidates("config ge", &[]), ["GET"]);
        assert_eq!(candidates("3 inc", &[]), ["INCR", "INCRBY", "INCRBYFLOAT"]);
    }

    #[test]
    fn keywords_and_key_names_after_the_command() {
        let offered = candidates("SET greeting hello ", &["greeting"]);
        for keyword in ["NX", "XX", "EX", "KEEPTTL", "greeting"] {
            assert!(
                offered.contains(&keyword.to_string()),
                "{keyword}: {offered:?}"
            );
        }
        assert_eq!(candidates("GET gr", &["greeting", "other"]), ["greeting"]);
        assert_eq!(candidates("GET my", &["my key"]), ["\"my key\""]);
    }

    #[test]
    fn meta_commands_and_help_topics() {
        assert_eq!(candidates(":pe", &[]), [":peek"]);
        assert_eq!(candidates(":peek gr", &["greeting"]), ["greeting"]);
        assert!(candidates("help @str", &[]).contains(&"@string".to_string()));
    }

    #[test]
    fn the_word_replaced_starts_after_the_last_space() {
        let completion = complete_line("GET gr", &[], &["greeting".to_string()]);
        assert_eq!(completion.start, 4);
        assert_eq!(complete_line("GET ", &[], &[]).start, 4);
    }

    #[test]
    fn common_prefix_ignores_case() {
        let words = ["SETEX", "SETNX", "setrange"].map(String::from);
        assert_eq!(common_prefix(&words), "SET");
        assert_eq!(common_prefix(&["PING".to_string()]), "PING");
        assert_eq!(common_prefix(&[]), "");
    }
}
