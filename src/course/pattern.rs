//! Command patterns for console exercises: what a command the learner ran must look like,
//! arguments included. `SET otp:login:42 * +EX` is SET on that key with any value and an `EX`
//! option somewhere after it.
//!
//! Words after the command name match arguments in order: a literal matches exactly (an
//! all-capitals word such as `REV` ignores case, as Redis keywords do), `*` matches any one
//! argument, `+WORD` requires the keyword somewhere among the remaining arguments, and further
//! arguments are allowed. A container command takes its subcommand as a second name word
//! (`CONFIG GET maxmemory`).

use crate::engine::command_table;
use crate::resp::split_args;

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandPattern {
    /// The pattern as written, for messages.
    pub text: String,
    /// The command name, and the subcommand of a container command, in capitals.
    name: Vec<String>,
    args: Vec<ArgPattern>,
    options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ArgPattern {
    Exact(Vec<u8>),
    Keyword(String),
    Any,
}

impl CommandPattern {
    /// Parses a pattern; the command must exist in Redis 7.0's command table.
    pub fn parse(text: &str) -> Result<CommandPattern, String> {
        let words =
            split_args(text.as_bytes()).ok_or_else(|| format!("`{text}`: unbalanced quotes"))?;
        let Some((first, rest)) = words.split_first() else {
            return Err("an empty command pattern".into());
        };
        let command = String::from_utf8_lossy(first).to_ascii_uppercase();
        let Some(spec) = command_table().get(&command.to_ascii_lowercase()) else {
            return Err(format!("`{command}` is not a Redis command"));
        };
        let mut name = vec![command.clone()];
        let mut rest = rest;
        if !spec.subcommands.is_empty()
            && let Some((sub, after)) = rest.split_first()
        {
            let sub = String::from_utf8_lossy(sub).to_ascii_uppercase();
            if spec.subcommand(sub.as_bytes()).is_none() {
                return Err(format!("`{command} {sub}` is not a Redis command"));
            }
            name.push(sub);
            rest = after;
        }
        let mut args = Vec::new();
        let mut options = Vec::new();
        for word in rest {
            let text = String::from_utf8_lossy(word);
            if let Some(option) = text.strip_prefix('+').filter(|o| !o.is_empty()) {
                options.push(option.to_ascii_uppercase());
            } else if !options.is_empty() {
                return Err(format!(
                    "`{text}` follows a +OPTION: put positional arguments first"
                ));
            } else if text == "*" {
                args.push(ArgPattern::Any);
            } else if is_keyword(&text) {
                args.push(ArgPattern::Keyword(text.into_owned()));
            } else {
                args.push(ArgPattern::Exact(word.clone()));
            }
        }
        Ok(CommandPattern {
            text: text.to_string(),
            name,
            args,
            options,
        })
    }

    /// Whether a command (its arguments as sent) fits the pattern.
    pub fn matches(&self, command: &[Vec<u8>]) -> bool {
        let names = self.name.len();
        if command.len() < names
            || !self
                .name
                .iter()
                .zip(command)
                .all(|(name, arg)| arg.eq_ignore_ascii_case(name.as_bytes()))
        {
            return false;
        }
        let args = &command[names..];
        if args.len() < self.args.len() {
            return false;
        }
        let positional = self
            .args
            .iter()
            .zip(args)
            .all(|(pattern, arg)| match pattern {
                ArgPattern::Any => true,
                ArgPattern::Exact(bytes) => bytes == arg,
                ArgPattern::Keyword(word) => arg.eq_ignore_ascii_case(word.as_bytes()),
            });
        positional
            && self.options.iter().all(|option| {
                args[self.args.len()..]
                    .iter()
                    .any(|arg| arg.eq_ignore_ascii_case(option.as_bytes()))
            })
    }

    /// The command's name as a learner reads it: `SCAN`, `CONFIG GET`.
    pub fn command_name(&self) -> String {
        self.name.join(" ")
    }

    /// True when the pattern names only the command (any arguments will do).
    pub fn is_name_only(&self) -> bool {
        self.args.is_empty() && self.options.is_empty()
    }
}

fn is_keyword(text: &str) -> bool {
    text.len() > 1 && text.chars().all(|c| c.is_ascii_uppercase() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(line: &str) -> Vec<Vec<u8>> {
        split_args(line.as_bytes()).unwrap()
    }

    fn matches(pattern: &str, line: &str) -> bool {
        CommandPattern::parse(pattern)
            .unwrap()
            .matches(&command(line))
    }

    #[test]
    fn arguments_keywords_and_options() {
        assert!(matches("SET otp:42 * +EX", "set otp:42 123 NX ex 300"));
        assert!(!matches("SET otp:42 * +EX", "SET otp:42 123"));
        assert!(!matches("SET otp:42 * +EX", "SET otp:43 123 EX 3"));
        assert!(matches("ZRANGE lb 0 2 REV", "zrange lb 0 2 rev withscores"));
        assert!(!matches("ZRANGE lb 0 2 +REV", "ZRANGE lb 0 2"));
        assert!(matches("GET Otp", "GET Otp"));
        assert!(!matches("GET Otp", "GET otp"), "keys are case-sensitive");
        assert!(matches("CONFIG GET maxmemory", "config get maxmemory"));
        assert!(!matches("CONFIG GET", "CONFIG SET maxmemory 1"));
        assert!(matches("SCAN", "SCAN 0 MATCH x"));
    }

    #[test]
    fn unknown_commands_are_refused() {
        assert_eq!(
            CommandPattern::parse("SETT x").unwrap_err(),
            "`SETT` is not a Redis command"
        );
        assert_eq!(
            CommandPattern::parse("CONFIG FETCH").unwrap_err(),
            "`CONFIG FETCH` is not a Redis command"
        );
        assert!(CommandPattern::parse("SET +EX k").is_err());
        assert_eq!(
            CommandPattern::parse("config get").unwrap().command_name(),
            "CONFIG GET"
        );
    }
}
