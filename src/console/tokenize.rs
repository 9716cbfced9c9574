//! Turning a console input line into arguments the way redis-cli's REPL does: sdssplitargs
//! quoting plus the leading repeat count (`3 INCR x`).

use crate::resp::split_args;
use std::fmt;

/// A line the console should run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// How many times to send the command (1 unless the line starts with a count).
    pub repeat: u64,
    /// The command and its arguments, unquoted.
    pub args: Vec<Vec<u8>>,
}

/// Why a line cannot be run; `Display` gives the text redis-cli prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineError {
    /// Unbalanced quotes, or a closing quote followed by something other than a space.
    InvalidArguments,
    /// A leading count that is zero, negative or out of range (`0 INCR x`).
    InvalidRepeat,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LineError::InvalidArguments => "Invalid argument(s)",
            LineError::InvalidRepeat => "Invalid redis-cli repeat command option value.",
        })
    }
}

impl std::error::Error for LineError {}

/// Parses an input line. `Ok(None)` for a blank line (redis-cli ignores it).
///
/// Like redis-cli, a first token that C's `strtol` reads completely is a repeat count when more
/// tokens follow it: `3 INCR x` runs INCR three times, `0 INCR x` and `-1 INCR x` are refused,
/// and a lone `5` is sent to the server as a command named "5".
pub fn parse_line(line: &str) -> Result<Option<CommandLine>, LineError> {
    let args = split_args(line.as_bytes()).ok_or(LineError::InvalidArguments)?;
    if args.is_empty() {
        return Ok(None);
    }
    if args.len() > 1
        && let Some(count) = strtol_whole(&args[0])
    {
        return match count {
            Some(n) if n > 0 => Ok(Some(CommandLine {
                repeat: n as u64,
                args: args[1..].to_vec(),
            })),
            _ => Err(LineError::InvalidRepeat),
        };
    }
    Ok(Some(CommandLine { repeat: 1, args }))
}

/// C's `strtol(token, &end, 10)` when it consumes the whole token: `Some(Some(n))`, or
/// `Some(None)` when the number overflows. `None` when characters are left over.
///
/// As in C, an empty token counts as fully read (value 0), and leading white space and a sign
/// are accepted.
fn strtol_whole(token: &[u8]) -> Option<Option<i64>> {
    let mut i = 0;
    while i < token.len() && matches!(token[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let negative = match token.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = &token[i..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        // No digits: strtol leaves `end` at the start, so only an empty token ends there.
        return token.is_empty().then_some(Some(0));
    }
    let mut value: i64 = 0;
    for d in digits {
        let digit = i64::from(d - b'0');
        value = match value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(digit)
            } else {
                v.checked_add(digit)
            }
        }) {
            Some(v) => v,
            None => return Some(None),
        };
    }
    Some(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        parse_line(line)
            .unwrap()
            .unwrap()
            .args
            .into_iter()
            .map(|a| String::from_utf8(a).unwrap())
            .collect()
    }

    #[test]
    fn splits_with_redis_cli_quoting() {
        assert_eq!(args(r#"SET k "a b\n""#), ["SET", "k", "a b\n"]);
        assert_eq!(args("SET k 'it\\'s'"), ["SET", "k", "it's"]);
        assert_eq!(parse_line("   "), Ok(None));
    }

    #[test]
    fn unbalanced_quotes_are_invalid_arguments() {
        let err = parse_line(r#"GET "x"#).unwrap_err();
        assert_eq!(err.to_string(), "Invalid argument(s)");
        assert_eq!(parse_line("GET 'x"), Err(LineError::InvalidArguments));
    }

    #[test]
    fn leading_count_repeats_the_command() {
        let line = parse_line("3 INCR x").unwrap().unwrap();
        assert_eq!(line.repeat, 3);
        assert_eq!(line.args, vec![b"INCR".to_vec(), b"x".to_vec()]);
        assert_eq!(parse_line("+2 PING").unwrap().unwrap().repeat, 2);
    }

    #[test]
    fn bad_counts_are_refused_like_redis_cli() {
        for line in [
            "0 INCR x",
            "-1 INCR x",
            "\"\" GET x",
            "99999999999999999999 PING",
        ] {
            let err = parse_line(line).unwrap_err();
            assert_eq!(
                err.to_string(),
                "Invalid redis-cli repeat command option value.",
                "{line}"
            );
        }
    }

    #[test]
    fn a_lone_number_or_partial_number_is_a_command() {
        let line = parse_line("5").unwrap().unwrap();
        assert_eq!((line.repeat, args("5")), (1, vec!["5".to_string()]));
        assert_eq!(parse_line("3x INCR a").unwrap().unwrap().repeat, 1);
        assert_eq!(args("3x INCR a"), ["3x", "INCR", "a"]);
    }
}
