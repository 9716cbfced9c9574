//! Arguments with `{placeholders}`, shared by recipes and scenarios: a command line is split
//! with redis-cli quoting first, then each argument is parsed into literal text and
//! placeholders. A placeholder is a name (`{user}`), a reply of an earlier line (`{$1}`), or
//! integer arithmetic over those (`{$1 + 1}`, `{max(0, $1 - k)}`). A `{` that does not start a
//! name, `$`, digit or function is literal text, so JSON such as `{"id":1}` needs no escaping.

use std::collections::BTreeMap;
use std::fmt;

/// A value bound to a name: one argument, or a list that expands into several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    One(Vec<u8>),
    List(Vec<Vec<u8>>),
}

impl Binding {
    /// A single text value.
    pub fn text(text: impl Into<Vec<u8>>) -> Binding {
        Binding::One(text.into())
    }
}

/// Names and their values.
pub type Bindings = BTreeMap<String, Binding>;

/// One argument of a command line: literal bytes and placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(Vec<u8>),
    /// A bare name: a single value, or a list that makes the argument expand.
    Name(String),
    /// Arithmetic, or a reply reference.
    Expr(Expr),
}

/// Integer arithmetic over names, earlier replies and literals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Number(i64),
    Name(String),
    /// The reply of line N (1-based) of the same handler call.
    Reply(usize),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Max(Box<Expr>, Box<Expr>),
    Min(Box<Expr>, Box<Expr>),
}

/// A problem in a template, at a character column of the argument's source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn error(message: impl Into<String>) -> TemplateError {
    TemplateError {
        message: message.into(),
    }
}

impl Template {
    /// Parses one argument (already unquoted).
    pub fn parse(arg: &[u8]) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut text = Vec::new();
        let mut i = 0;
        while i < arg.len() {
            if arg[i] == b'{' && starts_placeholder(&arg[i + 1..]) {
                let Some(close) = arg[i..].iter().position(|&b| b == b'}') else {
                    return Err(error(format!(
                        "`{}` opens a placeholder that is never closed with `}}`",
                        String::from_utf8_lossy(&arg[i..])
                    )));
                };
                let inner = String::from_utf8_lossy(&arg[i + 1..i + close]).into_owned();
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(parse_placeholder(&inner)?);
                i += close + 1;
            } else {
                text.push(arg[i]);
                i += 1;
            }
        }
        if !text.is_empty() || parts.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template { parts })
    }

    /// The names this argument uses (bare or inside arithmetic).
    pub fn names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        for part in &self.parts {
            match part {
                Part::Name(name) => names.push(name.as_str()),
                Part::Expr(expr) => expr.names(&mut names),
                Part::Text(_) => {}
            }
        }
        names
    }

    /// The highest reply line this argument refers to (`{$3}` gives 3), if any.
    pub fn max_reply(&self) -> Option<usize> {
        self.parts
            .iter()
            .filter_map(|part| match part {
                Part::Expr(expr) => expr.max_reply(),
                _ => None,
            })
            .max()
    }

    /// The argument with its placeholders filled in: one value, or several when a bare name
    /// is bound to a list (`active:{days}` becomes `active:d1 active:d2 ...`).
    pub fn expand(
        &self,
        bindings: &Bindings,
        replies: &[Reply],
    ) -> Result<Vec<Vec<u8>>, TemplateError> {
        let mut list: Option<&[Vec<u8>]> = None;
        for part in &self.parts {
            if let Part::Name(name) = part
                && let Some(Binding::List(items)) = bindings.get(name)
            {
                if list.is_some() {
                    return Err(error(format!(
                        "an argument may expand only one list, and `{{{name}}}` is a second one"
                    )));
                }
                list = Some(items);
            }
        }
        let render = |item: Option<&[u8]>| -> Result<Vec<u8>, TemplateError> {
            let mut out = Vec::new();
            for part in &self.parts {
                match part {
                    Part::Text(text) => out.extend_from_slice(text),
                    Part::Name(name) => match bindings.get(name) {
                        Some(Binding::One(value)) => out.extend_from_slice(value),
                        Some(Binding::List(_)) => {
                            out.extend_from_slice(item.expect("a list part has an item"))
                        }
                        None => return Err(error(format!("`{{{name}}}` is not defined"))),
                    },
                    Part::Expr(expr) => {
                        out.extend_from_slice(expr.eval(bindings, replies)?.to_string().as_bytes())
                    }
                }
            }
            Ok(out)
        };
        match list {
            None => Ok(vec![render(None)?]),
            Some(items) => items.iter().map(|item| render(Some(item))).collect(),
        }
    }

    /// A literal template (no placeholders).
    pub fn literal(text: impl Into<Vec<u8>>) -> Template {
        Template {
            parts: vec![Part::Text(text.into())],
        }
    }
}

/// What a line answered, as placeholders see it: an integer, a string, or nothing usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Integer(i64),
    Text(Vec<u8>),
    /// Nil, an array or an error: usable in no placeholder.
    Other(String),
}

impl Reply {
    fn as_integer(&self, line: usize) -> Result<i64, TemplateError> {
        match self {
            Reply::Integer(n) => Ok(*n),
            Reply::Text(text) => std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| {
                    error(format!(
                        "line {line} answered \"{}\", which is not an integer",
                        String::from_utf8_lossy(text)
                    ))
                }),
            Reply::Other(shown) => Err(error(format!(
                "line {line} answered {shown}, which is not a number"
            ))),
        }
    }
}

/// A command line with the spaces inside its placeholders removed, so that `{$1 - k}` stays
/// one argument when the line is split with redis-cli quoting.
pub fn squeeze_placeholders(line: &str) -> String {
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let c = bytes[i];
        if c == b'{'
            && starts_placeholder(&bytes[i + 1..])
            && let Some(close) = line[i..].find('}')
        {
            out.extend(
                line[i..i + close + 1]
                    .chars()
                    .filter(|c| !c.is_whitespace()),
            );
            i += close + 1;
            continue;
        }
        let ch = line[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Whether the text after a `{` starts a placeholder: a name, `$` or a function, after any
/// spaces.
fn starts_placeholder(after: &[u8]) -> bool {
    after
        .iter()
        .find(|&&c| c != b' ')
        .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_' || c == b'$')
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse_placeholder(inner: &str) -> Result<Part, TemplateError> {
    let trimmed = inner.trim();
    if is_name(trimmed) {
        return Ok(Part::Name(trimmed.to_string()));
    }
    let mut parser = ExprParser {
        tokens: tokenize_expr(trimmed)?,
        at: 0,
    };
    let expr = parser.sum()?;
    if parser.at != parser.tokens.len() {
        return Err(error(format!(
            "`{{{inner}}}`: unexpected `{}`",
            parser.tokens[parser.at]
        )));
    }
    Ok(Part::Expr(expr))
}

fn tokenize_expr(text: &str) -> Result<Vec<String>, TemplateError> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if "+-(),".contains(c) {
            tokens.push(c.to_string());
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else {
            return Err(error(format!("`{{{text}}}`: `{c}` has no meaning here")));
        }
    }
    if tokens.is_empty() {
        return Err(error("an empty placeholder `{}`"));
    }
    Ok(tokens)
}

struct ExprParser {
    tokens: Vec<String>,
    at: usize,
}

impl ExprParser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn next(&mut self) -> Option<String> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn expect(&mut self, what: &str) -> Result<(), TemplateError> {
        match self.next() {
            Some(token) if token == what => Ok(()),
            Some(token) => Err(error(format!("expected `{what}`, found `{token}`"))),
            None => Err(error(format!("expected `{what}` before the `}}`"))),
        }
    }

    fn sum(&mut self) -> Result<Expr, TemplateError> {
        let mut left = self.term()?;
        while let Some(op) = self.peek().filter(|t| *t == "+" || *t == "-") {
            let add = op == "+";
            self.at += 1;
            let right = self.term()?;
            left = if add {
                Expr::Add(Box::new(left), Box::new(right))
            } else {
                Expr::Sub(Box::new(left), Box::new(right))
            };
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, TemplateError> {
        let Some(token) = self.next() else {
            return Err(error("an expression ends too early"));
        };
        if let Some(line) = token.strip_prefix('$') {
            return match line.parse::<usize>() {
                Ok(n) if n > 0 => Ok(Expr::Reply(n)),
                _ => Err(error(format!(
                    "`{token}`: replies are numbered from $1 (the handler's first line)"
                ))),
            };
        }
        if let Ok(n) = token.parse::<i64>() {
            return Ok(Expr::Number(n));
        }
        if token == "max" || token == "min" {
            self.expect("(")?;
            let a = self.sum()?;
            self.expect(",")?;
            let b = self.sum()?;
            self.expect(")")?;
            return Ok(if token == "max" {
                Expr::Max(Box::new(a), Box::new(b))
            } else {
                Expr::Min(Box::new(a), Box::new(b))
            });
        }
        if token == "-" {
            let inner = self.term()?;
            return Ok(Expr::Sub(Box::new(Expr::Number(0)), Box::new(inner)));
        }
        if is_name(&token) {
            return Ok(Expr::Name(token));
        }
        Err(error(format!("`{token}` has no meaning here")))
    }
}

impl Expr {
    fn names<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Name(name) => out.push(name),
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Max(a, b) | Expr::Min(a, b) => {
                a.names(out);
                b.names(out);
            }
            Expr::Number(_) | Expr::Reply(_) => {}
        }
    }

    fn max_reply(&self) -> Option<usize> {
        match self {
            Expr::Reply(n) => Some(*n),
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Max(a, b) | Expr::Min(a, b) => {
                a.max_reply().max(b.max_reply())
            }
            Expr::Number(_) | Expr::Name(_) => None,
        }
    }

    fn eval(&self, bindings: &Bindings, replies: &[Reply]) -> Result<i64, TemplateError> {
        let overflow = || error("the arithmetic overflows");
        Ok(match self {
            Expr::Number(n) => *n,
            Expr::Name(name) => match bindings.get(name) {
                Some(Binding::One(value)) => std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| {
                        error(format!(
                            "`{name}` is \"{}\", which is not an integer",
                            String::from_utf8_lossy(value)
                        ))
                    })?,
                Some(Binding::List(_)) => {
                    return Err(error(format!("`{name}` is a list, not a number")));
                }
                None => return Err(error(format!("`{name}` is not defined"))),
            },
            Expr::Reply(line) => replies
                .get(line - 1)
                .ok_or_else(|| error(format!("`${line}` refers to a line that has not run")))?
                .as_integer(*line)?,
            Expr::Add(a, b) => a
                .eval(bindings, replies)?
                .checked_add(b.eval(bindings, replies)?)
                .ok_or_else(overflow)?,
            Expr::Sub(a, b) => a
                .eval(bindings, replies)?
                .checked_sub(b.eval(bindings, replies)?)
                .ok_or_else(overflow)?,
            Expr::Max(a, b) => a.eval(bindings, replies)?.max(b.eval(bindings, replies)?),
            Expr::Min(a, b) => a.eval(bindings, replies)?.min(b.eval(bindings, replies)?),
        })
    }
}

/// A reply as placeholders see it.
pub fn reply_for_placeholders(value: &crate::resp::Value) -> Reply {
    use crate::resp::Value;
    match value {
        Value::Integer(n) => Reply::Integer(*n),
        Value::Bulk(b) | Value::Simple(b) => Reply::Text(b.to_vec()),
        Value::Double(d) => Reply::Text(crate::resp::format_double(*d).into_bytes()),
        other => Reply::Other(
            crate::console::format::format_reply(other)
                .trim()
                .to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(arg: &str, bindings: &Bindings, replies: &[Reply]) -> Result<Vec<String>, String> {
        let template = Template::parse(arg.as_bytes()).map_err(|e| e.message)?;
        template
            .expand(bindings, replies)
            .map(|args| {
                args.into_iter()
                    .map(|a| String::from_utf8(a).unwrap())
                    .collect()
            })
            .map_err(|e| e.message)
    }

    fn bindings() -> Bindings {
        Bindings::from([
            ("user".to_string(), Binding::text("42")),
            ("k".to_string(), Binding::text("2")),
            (
                "days".to_string(),
                Binding::List(vec![b"d1".to_vec(), b"d2".to_vec()]),
            ),
        ])
    }

    #[test]
    fn names_lists_and_literal_braces() {
        let b = bindings();
        assert_eq!(expand("otp:{user}", &b, &[]).unwrap(), ["otp:42"]);
        assert_eq!(expand("{ user }x", &b, &[]).unwrap(), ["42x"]);
        assert_eq!(
            expand("active:{days}", &b, &[]).unwrap(),
            ["active:d1", "active:d2"]
        );
        assert_eq!(
            expand(r#"{"id":1}"#, &b, &[]).unwrap(),
            [r#"{"id":1}"#],
            "JSON is literal"
        );
        assert_eq!(expand("{}", &b, &[]).unwrap(), ["{}"]);
        assert_eq!(expand(r#"{ "a": 1 }"#, &b, &[]).unwrap(), [r#"{ "a": 1 }"#]);
        assert_eq!(
            expand("{nope}", &b, &[]).unwrap_err(),
            "`{nope}` is not defined"
        );
        assert!(
            expand("{user", &b, &[])
                .unwrap_err()
                .contains("never closed")
        );
    }

    #[test]
    fn spaces_inside_placeholders_do_not_split_arguments() {
        assert_eq!(
            squeeze_placeholders("ZRANGE lb {max(0, $1 - k)} {$1 + k} REV"),
            "ZRANGE lb {max(0,$1-k)} {$1+k} REV"
        );
        assert_eq!(
            squeeze_placeholders(r#"SET k "{ \"a\": 1 }""#),
            r#"SET k "{ \"a\": 1 }""#
        );
        assert_eq!(
            squeeze_placeholders("SET k {unclosed x"),
            "SET k {unclosed x"
        );
    }

    #[test]
    fn arithmetic_over_replies_and_names() {
        let b = bindings();
        let replies = [Reply::Integer(1), Reply::Text(b"1500".to_vec())];
        assert_eq!(expand("{$1 + k}", &b, &replies).unwrap(), ["3"]);
        assert_eq!(expand("({$2}", &b, &replies).unwrap(), ["(1500"]);
        assert_eq!(expand("{max(0, $1 - k)}", &b, &replies).unwrap(), ["0"]);
        assert_eq!(expand("{min($2, 10)}", &b, &replies).unwrap(), ["10"]);
        assert_eq!(
            expand("{$3}", &b, &replies).unwrap_err(),
            "`$3` refers to a line that has not run"
        );
        assert_eq!(
            expand("{$1 + 1}", &b, &[Reply::Other("(nil)".into())]).unwrap_err(),
            "line 1 answered (nil), which is not a number"
        );
        assert!(Template::parse(b"{$0}").is_err());
        assert!(Template::parse(b"{$1 * 2}").is_err());
        assert_eq!(
            Template::parse(b"{max($1, k) + $2}").unwrap().max_reply(),
            Some(2)
        );
        assert_eq!(
            Template::parse(b"x{user}{$1 - k}").unwrap().names(),
            ["user", "k"]
        );
    }
}
