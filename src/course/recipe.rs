//! Recipes: a solution written as named handlers of redis-cli lines with `{parameters}`, the
//! way application code would send them. The grader calls the handlers with inputs of its own
//! choosing, so a recipe is graded on what it does, not on a final picture.
//!
//! ```text
//! # comments and blank lines are ignored
//! [send user code]
//! SET otp:login:{user} {code} EX 300
//!
//! [around player k]
//! ZREVRANK leaderboard {player}
//! ZRANGE leaderboard {max(0, $1 - k)} {$1 + k} REV WITHSCORES
//! ```
//!
//! A handler answers with its last line's reply, or with the reply of the line marked
//! `return` (`return GET otp:{user}`); a handler ending in `EXEC` answers with the reply of the
//! transaction's first command. `{$N}` is the reply of the handler's line N; a parameter
//! declared `days...` takes a list, and an argument using it expands into one per element.

use super::template::{Template, TemplateError, squeeze_placeholders};
use crate::resp::split_args;
use std::fmt;

/// Most command lines in one handler: a recipe is a few commands per event, not a program.
const MAX_LINES: usize = 50;

/// A handler's name and parameters, as an exercise asks for it: `send user code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub params: Vec<Param>,
}

/// A handler parameter; a variadic one (`days...`, last) takes a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub variadic: bool,
}

impl Signature {
    /// Parses `name param param...` (the last may end in `...`).
    pub fn parse(text: &str) -> Result<Signature, String> {
        let mut words = text.split_whitespace();
        let name = words
            .next()
            .ok_or_else(|| "a handler needs a name".to_string())?;
        if !is_identifier(name) {
            return Err(format!(
                "`{name}` is not a handler name (letters, digits and _)"
            ));
        }
        let mut params: Vec<Param> = Vec::new();
        for word in words {
            if params.last().is_some_and(|p| p.variadic) {
                return Err(format!(
                    "`{word}` follows a list parameter; only the last parameter may end in ..."
                ));
            }
            let (param, variadic) = match word.strip_suffix("...") {
                Some(stem) => (stem, true),
                None => (word, false),
            };
            if !is_identifier(param) {
                return Err(format!(
                    "`{word}` is not a parameter name (letters, digits and _)"
                ));
            }
            if params.iter().any(|p| p.name == param) {
                return Err(format!("the parameter `{param}` appears twice"));
            }
            params.push(Param {
                name: param.to_string(),
                variadic,
            });
        }
        Ok(Signature {
            name: name.to_string(),
            params,
        })
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "[{}", self.name)?;
        for param in &self.params {
            write!(
                f,
                " {}{}",
                param.name,
                if param.variadic { "..." } else { "" }
            )?;
        }
        f.write_str("]")
    }
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A parsed recipe: its handlers in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipe {
    pub handlers: Vec<Handler>,
}

/// One handler: its signature and command lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    pub signature: Signature,
    /// The line of its `[...]` header (1-based).
    pub line: usize,
    pub lines: Vec<RecipeLine>,
}

/// One command line of a handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipeLine {
    /// The line number in the file (1-based).
    pub line: usize,
    /// The line as written.
    pub text: String,
    pub args: Vec<Template>,
    /// The handler answers with this line's reply.
    pub returns: bool,
}

/// A problem in a recipe file, at a line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipeProblem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for RecipeProblem {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl Recipe {
    /// The handler with this name.
    pub fn handler(&self, name: &str) -> Option<&Handler> {
        self.handlers.iter().find(|h| h.signature.name == name)
    }
}

/// Parses a recipe and checks it against the handlers the exercise asks for: each must be
/// there, once, with the parameters asked for; every placeholder must name a parameter or an
/// earlier line's reply. Reports every problem found.
pub fn parse_recipe(text: &str, expected: &[Signature]) -> Result<Recipe, Vec<RecipeProblem>> {
    let mut problems = Vec::new();
    let mut handlers: Vec<Handler> = Vec::new();
    // Handlers with a command line under them, parsed or not.
    let mut written: Vec<usize> = Vec::new();
    let problem = |line: usize, column: usize, message: String| RecipeProblem {
        line,
        column,
        message,
    };
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        let column = raw.len() - raw.trim_start().len() + 1;
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            let Some(inside) = rest.strip_suffix(']') else {
                problems.push(problem(
                    line,
                    column,
                    "a handler header is `[name parameters...]` on a line of its own".into(),
                ));
                continue;
            };
            match Signature::parse(inside) {
                Err(message) => problems.push(problem(line, column + 1, message)),
                Ok(signature) => {
                    if let Some(first) =
                        handlers.iter().find(|h| h.signature.name == signature.name)
                    {
                        problems.push(problem(
                            line,
                            column,
                            format!(
                                "the handler `{}` is already defined at line {}",
                                signature.name, first.line
                            ),
                        ));
                    } else {
                        match expected.iter().find(|e| e.name == signature.name) {
                            None => problems.push(problem(
                                line,
                                column,
                                format!(
                                    "the exercise asks for no handler `{}` (it asks for {})",
                                    signature.name,
                                    list(expected)
                                ),
                            )),
                            Some(wanted) if wanted.params != signature.params => {
                                problems.push(problem(
                                    line,
                                    column,
                                    format!(
                                        "{signature} must take the parameters the exercise names: {wanted}"
                                    ),
                                ))
                            }
                            Some(_) => {}
                        }
                    }
                    handlers.push(Handler {
                        signature,
                        line,
                        lines: Vec::new(),
                    });
                }
            }
            continue;
        }
        if !handlers.is_empty() {
            written.push(handlers.len() - 1);
        }
        let Some(handler) = handlers.last_mut() else {
            problems.push(problem(
                line,
                column,
                format!(
                    "a command outside any handler: start one with a header such as {}",
                    expected
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| "[name parameters]".into())
                ),
            ));
            continue;
        };
        if handler.lines.len() == MAX_LINES {
            problems.push(problem(
                line,
                column,
                format!(
                    "{} has more than {MAX_LINES} lines; a handler is a few commands",
                    handler.signature
                ),
            ));
            continue;
        }
        let (returns, command) = match trimmed.split_once(char::is_whitespace) {
            Some((word, rest)) if word.eq_ignore_ascii_case("return") => (true, rest.trim()),
            _ => (false, trimmed),
        };
        if returns && handler.lines.iter().any(|l| l.returns) {
            problems.push(problem(
                line,
                column,
                format!(
                    "{} already returns an earlier line's reply; a handler answers once",
                    handler.signature
                ),
            ));
            continue;
        }
        let Some(words) = split_args(squeeze_placeholders(command).as_bytes()) else {
            problems.push(problem(
                line,
                column,
                "unbalanced quotes (close every \" and ')".into(),
            ));
            continue;
        };
        let number = handler.lines.len() + 1;
        let mut args = Vec::with_capacity(words.len());
        for word in &words {
            let at = |message: String| problem(line, column, message);
            match Template::parse(word) {
                Err(TemplateError { message }) => problems.push(at(message)),
                Ok(template) => {
                    for name in template.names() {
                        if !handler.signature.params.iter().any(|p| p.name == name) {
                            problems.push(at(format!(
                                "`{{{name}}}` is not a parameter of {}",
                                handler.signature
                            )));
                        }
                    }
                    if let Some(reply) = template.max_reply()
                        && reply >= number
                    {
                        problems.push(at(format!(
                            "`{{${reply}}}` refers to line {reply} of the handler, which has not run yet at line {number}"
                        )));
                    }
                    args.push(template);
                }
            }
        }
        handler.lines.push(RecipeLine {
            line,
            text: trimmed.to_string(),
            args,
            returns,
        });
    }
    for (index, handler) in handlers.iter().enumerate() {
        if !written.contains(&index) {
            problems.push(problem(
                handler.line,
                1,
                format!("{} has no commands", handler.signature),
            ));
        }
    }
    for wanted in expected {
        if !handlers.iter().any(|h| h.signature.name == wanted.name) {
            let last = text.lines().count().max(1);
            problems.push(problem(last, 1, format!("the handler {wanted} is missing")));
        }
    }
    if problems.is_empty() {
        Ok(Recipe { handlers })
    } else {
        problems.sort_by_key(|p| (p.line, p.column));
        Err(problems)
    }
}

fn list(signatures: &[Signature]) -> String {
    signatures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A fresh workspace file for a recipe exercise: the handlers to write, each with a comment.
pub fn template_for(signatures: &[Signature]) -> String {
    let mut text = String::from(
        "# Write each handler's commands under its header, in redis-cli syntax.\n\
         # {name} is a parameter; {$1} is the reply of the handler's first line.\n\
         # A handler answers with its last line's reply, or the line you mark `return`.\n\
         # Lines starting with # are comments.\n",
    );
    for signature in signatures {
        text.push_str(&format!("\n{signature}\n\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signatures(list: &[&str]) -> Vec<Signature> {
        list.iter().map(|s| Signature::parse(s).unwrap()).collect()
    }

    fn problems(text: &str, expected: &[&str]) -> Vec<String> {
        parse_recipe(text, &signatures(expected))
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn signatures_parse_and_print() {
        let s = Signature::parse("weekly week days...").unwrap();
        assert_eq!(s.to_string(), "[weekly week days...]");
        assert!(s.params[1].variadic);
        assert!(Signature::parse("w days... week").is_err());
        assert!(Signature::parse("w a a").is_err());
        assert!(Signature::parse("").is_err());
        assert!(Signature::parse("9x").is_err());
    }

    #[test]
    fn a_recipe_parses_into_handlers() {
        let text = "# OTP\n[send user code]\nSET otp:{user} {code} EX 300\n\n[verify user]\nGETDEL otp:{user}\n";
        let recipe = parse_recipe(text, &signatures(&["send user code", "verify user"])).unwrap();
        assert_eq!(recipe.handlers.len(), 2);
        let send = recipe.handler("send").unwrap();
        assert_eq!(send.line, 2);
        assert_eq!(send.lines[0].line, 3);
        assert_eq!(send.lines[0].args.len(), 5);
    }

    #[test]
    fn every_problem_has_a_line_and_a_message() {
        assert_eq!(
            problems("SET a b\n[send user]\n", &["send user"]),
            [
                "1:1: a command outside any handler: start one with a header such as [send user]",
                "2:1: [send user] has no commands"
            ]
        );
        assert_eq!(
            problems("[send usr]\nSET otp:{usr} 1\n", &["send user"]),
            ["1:1: [send usr] must take the parameters the exercise names: [send user]"]
        );
        assert_eq!(
            problems("[send user]\n  SET otp:{usr} \"1\n", &["send user"]),
            ["2:3: unbalanced quotes (close every \" and ')"]
        );
        assert_eq!(
            problems(
                "[send user]\nSET otp:{usr} 1\n[other]\nPING\n",
                &["send user"]
            ),
            [
                "2:1: `{usr}` is not a parameter of [send user]",
                "3:1: the exercise asks for no handler `other` (it asks for [send user])"
            ]
        );
        assert_eq!(
            problems("[send user]\nSET a {$1}\n", &["send user", "verify user"]),
            [
                "2:1: `{$1}` refers to line 1 of the handler, which has not run yet at line 1",
                "2:1: the handler [verify user] is missing"
            ]
        );
        assert_eq!(
            problems("[send user]\nPING\n[send user]\nPING\n", &["send user"]),
            ["3:1: the handler `send` is already defined at line 1"]
        );
        assert_eq!(
            problems("[send user\nPING\n", &["send user"])[0],
            "1:1: a handler header is `[name parameters...]` on a line of its own"
        );
    }

    #[test]
    fn one_line_may_give_the_answer() {
        let text = "[verify user]\nreturn GET otp:{user}\nDEL otp:{user}\n";
        let recipe = parse_recipe(text, &signatures(&["verify user"])).unwrap();
        let lines = &recipe.handler("verify").unwrap().lines;
        assert!(lines[0].returns && !lines[1].returns);
        assert_eq!(lines[0].args.len(), 2);
        assert_eq!(
            problems(
                "[verify user]\nreturn GET a\nreturn GET b\n",
                &["verify user"]
            ),
            ["3:1: [verify user] already returns an earlier line's reply; a handler answers once"]
        );
    }

    #[test]
    fn the_template_lists_every_handler() {
        let text = template_for(&signatures(&["send user code", "verify user"]));
        assert!(text.contains("\n[send user code]\n"));
        assert!(text.contains("\n[verify user]\n"));
        assert_eq!(
            parse_recipe(&text, &signatures(&["send user code", "verify user"]))
                .unwrap_err()
                .len(),
            2,
            "an untouched template reports its empty handlers"
        );
    }
}
